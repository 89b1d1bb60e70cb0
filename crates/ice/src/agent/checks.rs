//! Outgoing checks: pacing, triggered queue, nomination, selection and consent (RFC 8445
//! §6.1.4, §7.2, §8.1; RFC 7675).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand_core::Rng;
use strata_stun::{Attribute, Class, Integrity, MessageBuilder, Method, Request, TransactionId};

use super::{Agent, Ctx, Purpose, Selected};
use crate::candidate::{self, CandidateKind};
use crate::event::{Event, State};
use crate::pair::PairState;

impl Agent {
    /// One pacing slot (RFC 8445 §6.1.4.2): a triggered check first, then the best waiting
    /// pair, unfreezing one pair per foundation when none waits.
    pub(super) fn tick(&mut self, now: Instant) {
        self.next_check = None;
        if self.config.lite || self.remote_creds.is_none() {
            return;
        }
        let mut chosen = None;
        while let Some(i) = self.triggered.pop_front() {
            if let Some(p) = self.pairs.get_mut(i) {
                p.triggered = false;
                // Everything queued is due, except a pair that succeeded meanwhile and has
                // no nomination to carry.
                let done = p.state == PairState::Succeeded && (!p.nominate || p.nominated);
                if !done {
                    chosen = Some(i);
                    break;
                }
            }
        }
        if chosen.is_none() && self.selected.as_ref().is_none_or(|s| s.pair.is_none()) {
            chosen = self.best(PairState::Waiting);
            if chosen.is_none() {
                self.unfreeze();
                chosen = self.best(PairState::Waiting);
            }
        }
        let Some(i) = chosen else { return };
        self.send_check(now, i);
        self.next_check = Some(now + self.config.ta);
    }

    pub(super) fn best(&self, state: PairState) -> Option<usize> {
        (0..self.pairs.len())
            .filter(|&i| self.pairs[i].state == state)
            .max_by_key(|&i| self.pairs[i].priority)
    }

    pub(super) fn unfreeze(&mut self) {
        let mut order: Vec<usize> = (0..self.pairs.len())
            .filter(|&i| self.pairs[i].state == PairState::Frozen)
            .collect();
        order.sort_by(|&a, &b| self.pairs[b].priority.cmp(&self.pairs[a].priority));
        for i in order {
            let (l, r) = (self.pairs[i].local, self.pairs[i].remote);
            let busy = self.pairs.iter().any(|p| {
                self.same_foundation(p, l, r)
                    && matches!(p.state, PairState::Waiting | PairState::InProgress)
            });
            if !busy {
                self.pairs[i].state = PairState::Waiting;
            }
        }
    }

    pub(super) fn check_rto(&self) -> Duration {
        // RFC 8445 §14.3: RTO = MAX(500 ms, Ta * (Waiting + In-Progress)).
        let n = self
            .pairs
            .iter()
            .filter(|p| matches!(p.state, PairState::Waiting | PairState::InProgress))
            .count();
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.config
            .min_rto
            .max(self.config.ta.saturating_mul(n))
            .min(Duration::from_secs(3))
    }

    /// Starts a Binding request from `local` to `remote` with ICE attributes (RFC 8445 §7.2.2).
    pub(super) fn start_ice_request(
        &mut self,
        now: Instant,
        local: usize,
        remote: SocketAddr,
        use_candidate: bool,
        rto: Duration,
    ) -> Option<TransactionId> {
        let creds = self.remote_creds.as_ref()?;
        let username = format!("{}:{}", creds.ufrag, self.local_creds.ufrag);
        let pwd = creds.pwd.clone();
        let l = &self.locals[local];
        let pref = ((l.cand.priority >> 8) & 0xFFFF) as u16;
        let prio = candidate::priority(CandidateKind::PeerReflexive, pref, 1);
        let role = if self.controlling {
            Attribute::IceControlling(self.tie_breaker)
        } else {
            Attribute::IceControlled(self.tie_breaker)
        };
        let mut attrs = vec![
            Attribute::Username(&username),
            Attribute::Priority(prio),
            role,
        ];
        if use_candidate {
            attrs.push(Attribute::UseCandidate);
        }
        let req = Request::binding()
            .with_attributes(&attrs)
            .with_integrity(Integrity::Sha1(pwd.as_bytes()))
            .with_fingerprint()
            .with_rto(rto);
        self.client.start(now, remote, req).ok()
    }

    pub(super) fn send_check(&mut self, now: Instant, i: usize) {
        let (l, r) = (self.pairs[i].local, self.pairs[i].remote);
        let use_candidate =
            self.controlling && (self.pairs[i].nominate || self.config.aggressive_nomination);
        let remote = self.remotes[r].cand.addr;
        let rto = self.check_rto();
        let Some(id) = self.start_ice_request(now, l, remote, use_candidate, rto) else {
            return;
        };
        // One transaction per pair: a new check replaces the one in flight (RFC 8445
        // §7.3.1.4 cancels it; its late response is then ignored).
        if let Some(old) = self.pairs[i].in_flight.take() {
            self.client.cancel(old);
            self.txns.remove(&old);
        }
        let local = self.locals[l].cand.addr_for_sending(self.locals[l].base);
        self.txns.insert(
            id,
            Ctx {
                purpose: Purpose::Check {
                    pair: i,
                    use_candidate,
                    controlling: self.controlling,
                },
                local,
                remote,
                sent_at: None,
                generation: self.generation,
            },
        );
        let p = &mut self.pairs[i];
        p.state = PairState::InProgress;
        p.in_flight = Some(id);
        p.last_check = Some(now);
        p.stats.requests_sent += 1;
    }

    /// Regular nomination (RFC 8445 §8.1.1): the controlling agent repeats the check of the
    /// best valid pair with USE-CANDIDATE.
    pub(super) fn nominate(&mut self) {
        if !self.controlling
            || self.config.lite
            || self.selected.as_ref().is_some_and(|s| s.pair.is_some())
        {
            return;
        }
        if self
            .pairs
            .iter()
            .any(|p| p.nominate && !p.nominated && p.state != PairState::Failed)
        {
            return;
        }
        let Some(i) = self.best(PairState::Succeeded) else {
            return;
        };
        self.pairs[i].nominate = true;
        self.trigger(i);
    }

    pub(super) fn maybe_schedule_nomination(&mut self, now: Instant) {
        if !self.controlling
            || self.config.lite
            || self.selected.as_ref().is_some_and(|s| s.pair.is_some())
        {
            return;
        }
        let Some(best) = self.best(PairState::Succeeded) else {
            return;
        };
        let best_prio = self.pairs[best].priority;
        let pending_better = self.pairs.iter().any(|p| {
            p.priority > best_prio
                && matches!(
                    p.state,
                    PairState::Waiting | PairState::InProgress | PairState::Frozen
                )
        });
        if !pending_better {
            self.nominate_at = None;
            self.nominate();
        } else if self.nominate_at.is_none() {
            self.nominate_at = Some(now + self.config.nomination_delay);
        }
    }

    pub(super) fn select(&mut self, now: Instant, i: usize) {
        let (pl, pr, priority) = (
            self.pairs[i].local,
            self.pairs[i].remote,
            self.pairs[i].priority,
        );
        if let Some(s) = &self.selected {
            if s.pair == Some(i) {
                return;
            }
            // Against an aggressive controlling peer, the best nominated pair wins.
            if s.pair.is_some() && s.priority >= priority {
                return;
            }
        }
        let local = self.locals[pl].cand.clone();
        let local_base = local.addr_for_sending(self.locals[pl].base);
        let remote = self.remotes[pr].cand.clone();
        let jitter = self.consent_jitter();
        let prev = self.selected.take();
        self.selected = Some(Selected {
            local: local.clone(),
            local_base,
            remote: remote.clone(),
            pair: Some(i),
            priority,
            last_consent: now,
            next_consent: now + jitter,
            consent_tx: None,
            last_sent: prev.map_or(now, |p| p.last_sent),
            expired: false,
        });
        self.nominate_at = None;
        self.push_event(Event::SelectedPair { local, remote });
    }

    pub(super) fn consent_jitter(&mut self) -> Duration {
        // RFC 7675 §5.1: uniformly in [0.8, 1.2] × the interval.
        let f = 800 + u64::from(self.rng.next_u32() % 401);
        let ms = u64::try_from(self.config.consent_interval.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(ms.saturating_mul(f) / 1000)
    }

    /// RFC 7675: consent checks on the selected pair, expiry, and keepalives (RFC 8445 §11).
    pub(super) fn consent(&mut self, now: Instant) {
        let enabled = self.consent_enabled();
        let Some(s) = &self.selected else { return };
        if s.expired || self.state == State::Closed {
            return;
        }
        if !enabled {
            if now >= s.last_sent + self.config.keepalive_interval {
                let (from, to) = (s.local_base, s.remote.addr);
                let mut buf = Vec::new();
                let tid = TransactionId::random(&mut self.rng);
                let mut b = MessageBuilder::new(&mut buf, Class::Indication, Method::BINDING, tid);
                b.fingerprint();
                if b.finish().is_ok() {
                    self.emit(from, to, buf);
                }
                if let Some(s) = &mut self.selected {
                    s.last_sent = now;
                }
            }
            return;
        }
        if now >= s.last_consent + self.config.consent_timeout {
            let s = self.selected.as_mut().expect("invariant: checked above");
            s.expired = true;
            if let Some(id) = s.consent_tx.take() {
                self.client.cancel(id);
                self.txns.remove(&id);
            }
            self.push_event(Event::ConsentExpired);
            return;
        }
        if now >= s.next_consent {
            let (from, to, old) = (s.local_base, s.remote.addr, s.consent_tx);
            if let Some(id) = old {
                self.client.cancel(id);
                self.txns.remove(&id);
            }
            let local = self.locals.iter().position(|l| {
                l.cand.addr_for_sending(l.base) == from
                    && l.cand.kind != CandidateKind::PeerReflexive
            });
            let jitter = self.consent_jitter();
            let mut tx = None;
            if let Some(local) = local {
                let rto = self.config.min_rto;
                if let Some(id) = self.start_ice_request(now, local, to, false, rto) {
                    self.txns.insert(
                        id,
                        Ctx {
                            purpose: Purpose::Consent,
                            local: from,
                            remote: to,
                            sent_at: None,
                            generation: self.generation,
                        },
                    );
                    tx = Some(id);
                }
            }
            let s = self.selected.as_mut().expect("invariant: checked above");
            s.consent_tx = tx;
            s.next_consent = now + jitter;
            if let Some(i) = s.pair
                && tx.is_some()
                && let Some(p) = self.pairs.get_mut(i)
            {
                p.stats.requests_sent += 1;
            }
        }
    }
}
