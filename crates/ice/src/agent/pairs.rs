//! Local and remote candidates, pair formation, priorities and roles (RFC 8445 §5.1, §6.1.2).

use std::net::SocketAddr;

use super::{Agent, Local, Pair};
use crate::candidate::{self, Candidate, CandidateKind, FoundationKey};
use crate::error::Error;
use crate::event::{Event, State};
use crate::pair::{PairState, PairStats, pair_priority};

impl Agent {
    pub(super) fn foundation_of(&mut self, key: FoundationKey) -> usize {
        match self.foundations.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                self.foundations.push(key);
                self.foundations.len() - 1
            }
        }
    }

    /// Interns the foundation of remote candidate `r` (bounded by the remote candidates).
    pub(super) fn intern_remote_foundation(&mut self, r: usize) -> usize {
        let f = &self.remotes[r].cand.foundation;
        match self.remote_foundations.iter().position(|k| k == f) {
            Some(i) => i,
            None => {
                self.remote_foundations.push(f.clone());
                self.remote_foundations.len() - 1
            }
        }
    }

    pub(super) fn push_local(
        &mut self,
        kind: CandidateKind,
        addr: SocketAddr,
        base: SocketAddr,
        prio: u32,
        server: Option<SocketAddr>,
        turn: Option<usize>,
    ) -> Result<usize, Error> {
        if self.locals.len() >= self.config.max_local_candidates {
            self.stats.refused_by_limit += 1;
            return Err(Error::Limit("local candidates"));
        }
        let others: Vec<(SocketAddr, SocketAddr, u32)> = self
            .locals
            .iter()
            .map(|l| (l.cand.addr, l.base, l.cand.priority))
            .collect();
        if candidate::is_redundant(addr, base, prio, &others) {
            return Err(Error::InvalidCandidate("redundant"));
        }
        let key = FoundationKey {
            kind,
            base_ip: base.ip(),
            server_ip: server.map(|s| s.ip()),
        };
        let fid = self.foundation_of(key);
        let mut cand = Candidate::new(kind, addr, prio, (fid + 1).to_string());
        cand.related = match kind {
            CandidateKind::Host => None,
            CandidateKind::Relayed => None,
            _ => Some(base),
        };
        self.locals.push(Local {
            cand,
            base,
            turn,
            fid,
        });
        Ok(self.locals.len() - 1)
    }

    pub(super) fn announce_local(&mut self, i: usize) {
        let c = self.locals[i].cand.clone();
        self.push_event(Event::LocalCandidate(c));
    }

    pub(super) fn pairable_local(&self, l: &Local) -> bool {
        match l.cand.kind {
            CandidateKind::Host => !self.config.relay_only,
            CandidateKind::Relayed => true,
            // RFC 8445 §6.1.2.4: reflexive candidates are replaced by their base.
            _ => false,
        }
    }

    pub(super) fn pair_local(&mut self, l: usize) {
        for r in 0..self.remotes.len() {
            self.add_pair(l, r);
        }
    }

    pub(super) fn pair_remote(&mut self, r: usize) {
        for l in 0..self.locals.len() {
            self.add_pair(l, r);
        }
    }

    pub(super) fn add_pair(&mut self, l: usize, r: usize) -> Option<usize> {
        let (local, remote) = (&self.locals[l], &self.remotes[r]);
        if !self.pairable_local(local) || local.cand.addr.is_ipv4() != remote.cand.addr.is_ipv4() {
            return None;
        }
        if let Some(&i) = self.pair_index.get(&(l, r)) {
            return Some(i);
        }
        if self.pairs.len() >= self.config.max_pairs {
            self.stats.refused_by_limit += 1;
            return None;
        }
        let priority = self.prio(local.cand.priority, remote.cand.priority);
        // RFC 8445 §6.1.2.6 and RFC 8838 §10: Waiting unless a pair of the same foundation is
        // already waiting or in flight.
        let busy = self.pairs.iter().any(|p| {
            self.same_foundation(p, l, r)
                && matches!(p.state, PairState::Waiting | PairState::InProgress)
        });
        self.pairs.push(Pair {
            local: l,
            remote: r,
            priority,
            state: if busy {
                PairState::Frozen
            } else {
                PairState::Waiting
            },
            nominate: false,
            nominated: false,
            remote_nominated: false,
            triggered: false,
            in_flight: None,
            last_check: None,
            stats: PairStats::default(),
        });
        if let Some(t) = self.locals[l].turn {
            let (now, peer) = (self.now, self.remotes[r].cand.addr);
            self.turns[t].permit(now, peer);
        }
        self.schedule_check();
        self.pair_index.insert((l, r), self.pairs.len() - 1);
        Some(self.pairs.len() - 1)
    }

    pub(super) fn same_foundation(&self, p: &Pair, l: usize, r: usize) -> bool {
        self.locals[p.local].fid == self.locals[l].fid
            && self.remotes[p.remote].fid == self.remotes[r].fid
    }

    pub(super) fn prio(&self, local: u32, remote: u32) -> u64 {
        if self.controlling {
            pair_priority(local, remote)
        } else {
            pair_priority(remote, local)
        }
    }

    pub(super) fn reprioritise(&mut self) {
        for i in 0..self.pairs.len() {
            let p = &self.pairs[i];
            let prio = self.prio(
                self.locals[p.local].cand.priority,
                self.remotes[p.remote].cand.priority,
            );
            self.pairs[i].priority = prio;
        }
    }

    pub(super) fn set_role(&mut self, controlling: bool) {
        if self.controlling == controlling {
            return;
        }
        self.controlling = controlling;
        self.reprioritise();
        self.push_event(Event::RoleChanged { controlling });
    }

    pub(super) fn schedule_check(&mut self) {
        if self.config.lite || self.state == State::Closed {
            return;
        }
        if self.next_check.is_none() {
            self.next_check = Some(self.now);
        }
    }

    pub(super) fn trigger(&mut self, pair: usize) {
        let p = &mut self.pairs[pair];
        if !p.triggered {
            p.triggered = true;
            self.triggered.push_back(pair);
        }
        self.schedule_check();
    }
}
