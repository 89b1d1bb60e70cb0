//! Gathering: server-reflexive (STUN Binding) and relayed (TURN) candidates (RFC 8445 §5.1.1.2).

use std::net::SocketAddr;
use std::time::Instant;

use strata_stun::Request;

use super::{Agent, Ctx, Purpose, Transmit};
use crate::candidate::{self, Candidate, CandidateKind};
use crate::event::Event;
use crate::turn::TurnOutput;

impl Agent {
    pub(super) fn start_srflx(&mut self, now: Instant, base: SocketAddr, server: SocketAddr) {
        let req = Request::binding().with_fingerprint();
        if let Ok(id) = self.client.start(now, server, req) {
            self.txns.insert(
                id,
                Ctx {
                    purpose: Purpose::Srflx { base },
                    local: base,
                    remote: server,
                    sent_at: None,
                    generation: self.generation,
                },
            );
            self.gathering_pending += 1;
        }
    }

    pub(super) fn add_srflx(&mut self, base: SocketAddr, mapped: SocketAddr, server: SocketAddr) {
        let Some(host) = self
            .locals
            .iter()
            .find(|l| l.base == base && l.cand.kind == CandidateKind::Host)
        else {
            return;
        };
        let pref = ((host.cand.priority >> 8) & 0xFFFF) as u16;
        let prio = candidate::priority(CandidateKind::ServerReflexive, pref, 1);
        // A srflx equal to its base (no NAT) is redundant (RFC 8445 §5.1.3).
        if let Ok(i) = self.push_local(
            CandidateKind::ServerReflexive,
            mapped,
            base,
            prio,
            Some(server),
            None,
        ) {
            self.announce_local(i);
        }
    }

    pub(super) fn drain_turn(&mut self, now: Instant) {
        for t in 0..self.turns.len() {
            while let Some(o) = self.turns[t].poll_output() {
                match o {
                    TurnOutput::Transmit { to, data } => {
                        let from = self.turns[t].base();
                        self.queue(Transmit { from, to, data });
                    }
                    TurnOutput::Allocated { relayed, mapped } => {
                        self.gathering_pending = self.gathering_pending.saturating_sub(1);
                        let index = self.turns[t].server_index();
                        // RFC 8445 §5.1.2.1: relayed candidates from several servers differ by
                        // local preference.
                        let pref = candidate::local_preference(relayed.ip(), index);
                        let prio = candidate::priority(CandidateKind::Relayed, pref, 1);
                        let server = self.turns[t].server_addr();
                        if let Ok(i) = self.push_local(
                            CandidateKind::Relayed,
                            relayed,
                            relayed,
                            prio,
                            Some(server),
                            Some(t),
                        ) {
                            self.locals[i].cand.related = Some(mapped);
                            self.announce_local(i);
                            self.pair_local(i);
                        }
                        if !self.config.relay_only && self.config.stun_servers.is_empty() {
                            self.add_srflx(self.turns[t].base(), mapped, server);
                        }
                    }
                    TurnOutput::Failed => {
                        self.gathering_pending = self.gathering_pending.saturating_sub(1);
                    }
                    TurnOutput::Received { peer, data } => {
                        let relayed = self.turns[t].relayed();
                        if let Some(relayed) = relayed {
                            if strata_stun::is_stun(&data) {
                                let _ = self.stun(now, peer, relayed, &data);
                            } else {
                                self.push_event(Event::Data {
                                    from: peer,
                                    to: relayed,
                                    data,
                                });
                            }
                        }
                    }
                }
            }
        }
    }
}

impl Candidate {
    // Where datagrams of this candidate leave from: the relayed address itself for relayed
    // candidates (the agent wraps them), the base otherwise.
    pub(crate) fn addr_for_sending(&self, base: SocketAddr) -> SocketAddr {
        if self.kind == CandidateKind::Relayed {
            self.addr
        } else {
            base
        }
    }
}
