//! Incoming STUN: requests (RFC 8445 §7.3), responses (§7.2.5) and TURN-relayed data.

use std::net::SocketAddr;
use std::time::Instant;

use strata_stun::{
    AttrType, Attribute, Class, ErrorCode, Message, MessageBuilder, Method, TransactionId,
};

use super::{Agent, Purpose, Remote, random_string};
use crate::candidate::{self, Candidate, CandidateKind};
use crate::error::Error;
use crate::event::State;
use crate::pair::PairState;
use crate::turn::TurnInput;

impl Agent {
    pub(super) fn packet(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: SocketAddr,
        data: &[u8],
    ) -> Result<(), Error> {
        // TURN traffic from a server we allocated on (also after close: deallocation).
        if let Some(t) = self
            .turns
            .iter()
            .position(|a| a.server_addr() == from && a.base() == to)
        {
            let input = self.turns[t].handle_packet(now, data);
            self.drain_turn(now);
            return match input {
                TurnInput::Consumed => Ok(()),
                TurnInput::Malformed => {
                    self.stats.malformed += 1;
                    Err(Error::NotStun)
                }
                TurnInput::NotTurn if self.state == State::Closed => Err(Error::Closed),
                TurnInput::NotTurn => self.stun(now, from, to, data),
            };
        }
        if self.state == State::Closed {
            return Err(Error::Closed);
        }
        self.stun(now, from, to, data)
    }

    pub(super) fn stun(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: SocketAddr,
        data: &[u8],
    ) -> Result<(), Error> {
        let msg = match Message::new_checked(data) {
            Ok(m) => m,
            Err(e) => {
                self.stats.malformed += 1;
                return Err(e.into());
            }
        };
        let t = msg.message_type();
        if t.method != Method::BINDING {
            self.stats.malformed += 1;
            return Ok(());
        }
        // RFC 8445 §7.2.2: every ICE message carries FINGERPRINT (a plain STUN server's
        // answer may omit it).
        let from_server = self
            .txns
            .get(&msg.transaction_id())
            .is_some_and(|c| matches!(c.purpose, Purpose::Srflx { .. }));
        if (!msg.has_fingerprint() && !from_server)
            || (msg.has_fingerprint() && msg.verify_fingerprint().is_err())
        {
            self.stats.bad_fingerprint += 1;
            return Ok(());
        }
        match t.class {
            Class::Request => self.request(now, from, to, &msg),
            Class::Indication => Ok(()), // keepalive
            Class::SuccessResponse | Class::ErrorResponse => {
                let Some(ctx) = self.txns.get(&msg.transaction_id()) else {
                    self.stats.unmatched_responses += 1;
                    return Ok(());
                };
                // RFC 8445 §7.2.5.2.1: symmetric addresses, checked on both sides.
                if ctx.local != to || ctx.remote != from {
                    self.stats.unmatched_responses += 1;
                    return Ok(());
                }
                // Short-term credentials: strata-stun's client refuses any answer to a check
                // without valid integrity, errors included (RFC 8489 §9.1.4); counted below.
                let before = self.client.stats();
                let _ = self.client.handle_packet(now, from, data);
                let after = self.client.stats();
                self.stats.bad_integrity += after.bad_integrity - before.bad_integrity;
                self.stats.unmatched_responses += after.unmatched - before.unmatched;
                self.drain_client(now);
                Ok(())
            }
        }
    }

    /// An incoming Binding request (RFC 8445 §7.3).
    pub(super) fn request(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: SocketAddr,
        msg: &Message<&[u8]>,
    ) -> Result<(), Error> {
        // Only a candidate we may pair answers: under relay-only the host base is no candidate
        // (W3C iceTransportPolicy "relay"), and answering there would hand the peer a
        // non-relayed path, found as peer-reflexive or through a leaked host address.
        let Some(local) = self
            .locals
            .iter()
            .position(|l| self.pairable_local(l) && l.cand.addr == to)
        else {
            return Err(Error::UnknownLocalAddress);
        };
        // RFC 8489 §9.1.3 and RFC 8445 §7.3: USERNAME "ours:theirs", MESSAGE-INTEGRITY keyed
        // with our password. Anything else is dropped (fail closed), never answered.
        let user_ok = msg
            .text(AttrType::USERNAME)
            .and_then(|u| u.split_once(':'))
            .is_some_and(|(ours, _)| ours == self.local_creds.ufrag);
        if !user_ok {
            self.stats.unknown_username += 1;
            return Ok(());
        }
        if !msg.has_integrity()
            || msg
                .verify_integrity(self.local_creds.pwd.as_bytes())
                .is_err()
        {
            self.stats.bad_integrity += 1;
            return Ok(());
        }
        if msg.unknown_required().next().is_some() {
            self.stats.unknown_attributes += 1;
            let mut unknown = [AttrType(0); 8];
            let mut n = 0;
            for t in msg.unknown_required().take(8) {
                unknown[n] = t;
                n += 1;
            }
            self.respond_error(to, from, msg, ErrorCode::UNKNOWN_ATTRIBUTE, &unknown[..n]);
            return Ok(());
        }
        let mut peer_controlling = None;
        let mut prio = None;
        let mut use_candidate = false;
        for a in msg.attributes().flatten() {
            match a {
                Attribute::IceControlling(t) => peer_controlling = Some((true, t)),
                Attribute::IceControlled(t) => peer_controlling = Some((false, t)),
                Attribute::Priority(p) => prio = Some(p),
                Attribute::UseCandidate => use_candidate = true,
                _ => {}
            }
        }
        // RFC 8445 §7.3.1.1: role conflicts.
        if let Some((theirs_controlling, t)) = peer_controlling
            && theirs_controlling == self.controlling
            && !self.config.lite
        {
            self.stats.role_conflicts += 1;
            let ours_wins = self.tie_breaker >= t;
            if self.controlling == ours_wins {
                self.respond_error(to, from, msg, ErrorCode::ROLE_CONFLICT, &[]);
                return Ok(());
            }
            self.set_role(!self.controlling);
        }
        self.respond_success(to, from, msg);
        let Some(prio) = prio else { return Ok(()) };
        // RFC 8445 §7.3.1.3: an unknown source is a peer-reflexive remote candidate.
        let remote = match self.remotes.iter().position(|r| r.cand.addr == from) {
            Some(r) => r,
            None => {
                if self.prflx_count >= self.config.max_prflx_candidates
                    || self.remotes.len() >= self.config.max_remote_candidates
                {
                    self.stats.refused_by_limit += 1;
                    return Ok(());
                }
                let foundation = format!("prflx{}", random_string(&mut self.rng, 8));
                let cand = Candidate::new(CandidateKind::PeerReflexive, from, prio, foundation);
                self.remotes.push(Remote {
                    cand,
                    learned: true,
                    fid: 0,
                });
                self.prflx_count += 1;
                let r = self.remotes.len() - 1;
                self.remotes[r].fid = self.intern_remote_foundation(r);
                self.remotes.len() - 1
            }
        };
        let Some(pair) = self.add_pair(local, remote) else {
            return Ok(());
        };
        self.pairs[pair].stats.requests_received += 1;
        self.pairs[pair].stats.responses_sent += 1;
        if self.config.lite {
            // A lite agent never checks: a nominated pair is valid at once (RFC 8445 §7.3.1.5).
            self.pairs[pair].state = PairState::Succeeded;
            if use_candidate {
                self.pairs[pair].nominated = true;
                self.select(now, pair);
            }
            return Ok(());
        }
        // RFC 8445 §7.3.1.4: triggered checks.
        match self.pairs[pair].state {
            PairState::Succeeded => {}
            PairState::InProgress => {
                // The peer reaches us but our check is still unanswered: check again now
                // rather than wait for a backed-off retransmission, at most once per RTO.
                let due = self.pairs[pair]
                    .last_check
                    .is_none_or(|t| now >= t + self.config.min_rto);
                if due {
                    self.trigger(pair);
                }
            }
            PairState::Waiting | PairState::Frozen | PairState::Failed => {
                self.pairs[pair].state = PairState::Waiting;
                self.trigger(pair);
            }
        }
        // RFC 8445 §7.3.1.5: nomination by the controlling peer.
        if use_candidate && !self.controlling {
            self.pairs[pair].remote_nominated = true;
            if self.pairs[pair].state == PairState::Succeeded {
                self.pairs[pair].nominated = true;
                self.select(now, pair);
            }
        }
        Ok(())
    }

    pub(super) fn respond_success(
        &mut self,
        local: SocketAddr,
        to: SocketAddr,
        msg: &Message<&[u8]>,
    ) {
        let mut buf = std::mem::take(&mut self.scratch);
        buf.clear();
        let mut b = MessageBuilder::new(
            &mut buf,
            Class::SuccessResponse,
            Method::BINDING,
            msg.transaction_id(),
        );
        b.add(&Attribute::XorMappedAddress(to))
            .message_integrity(self.local_creds.pwd.as_bytes())
            .fingerprint();
        if b.finish().is_ok() {
            self.emit(local, to, buf.clone());
        }
        self.scratch = buf;
    }

    pub(super) fn respond_error(
        &mut self,
        local: SocketAddr,
        to: SocketAddr,
        msg: &Message<&[u8]>,
        code: ErrorCode,
        unknown: &[AttrType],
    ) {
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(
            &mut buf,
            Class::ErrorResponse,
            Method::BINDING,
            msg.transaction_id(),
        );
        b.add(&Attribute::ErrorCode {
            code,
            reason: code.reason().unwrap_or(""),
        });
        if !unknown.is_empty() {
            b.unknown_attributes(unknown);
        }
        b.message_integrity(self.local_creds.pwd.as_bytes())
            .fingerprint();
        if b.finish().is_ok() {
            self.emit(local, to, buf);
        }
    }

    pub(super) fn drain_client(&mut self, now: Instant) {
        while let Some(ev) = self.client.poll_event() {
            match ev {
                strata_stun::Event::Response(resp) => self.response(now, &resp),
                strata_stun::Event::Timeout { id, .. } | strata_stun::Event::Failed { id, .. } => {
                    self.failed(now, id)
                }
                _ => {}
            }
        }
    }

    pub(super) fn failed(&mut self, now: Instant, id: TransactionId) {
        let Some(ctx) = self.txns.remove(&id) else {
            return;
        };
        match ctx.purpose {
            Purpose::Check { pair, .. } if ctx.generation == self.generation => {
                if let Some(p) = self.pairs.get_mut(pair)
                    && p.in_flight == Some(id)
                {
                    p.in_flight = None;
                    p.state = PairState::Failed;
                    self.schedule_check();
                }
                self.maybe_schedule_nomination(now);
            }
            Purpose::Srflx { .. } => {
                self.gathering_pending = self.gathering_pending.saturating_sub(1)
            }
            _ => {}
        }
    }

    pub(super) fn response(&mut self, now: Instant, resp: &strata_stun::Response) {
        let Some(ctx) = self.txns.remove(&resp.id) else {
            return;
        };
        let msg = resp.message();
        let rtt = ctx.sent_at.map(|t| now.saturating_duration_since(t));
        match ctx.purpose {
            Purpose::Srflx { base } => {
                self.gathering_pending = self.gathering_pending.saturating_sub(1);
                if let (true, Some(mapped)) = (resp.is_success(), msg.xor_mapped_address()) {
                    self.stats.server_reflexive_answers += 1;
                    self.add_srflx(base, mapped, ctx.remote);
                }
            }
            Purpose::Consent => {
                if !resp.is_success() {
                    return;
                }
                if let Some(s) = &mut self.selected
                    && s.local_base == ctx.local
                    && s.remote.addr == ctx.remote
                    && !s.expired
                {
                    s.last_consent = now;
                    if s.consent_tx == Some(resp.id) {
                        s.consent_tx = None;
                    }
                    if let Some(p) = s.pair.and_then(|i| self.pairs.get_mut(i)) {
                        p.stats.responses_received += 1;
                        if let Some(rtt) = rtt {
                            p.stats.rtt = Some(rtt);
                            p.stats.total_rtt += rtt;
                        }
                    }
                }
            }
            Purpose::Check {
                pair,
                use_candidate,
                controlling,
            } => {
                if ctx.generation != self.generation || pair >= self.pairs.len() {
                    return;
                }
                if self.pairs[pair].in_flight == Some(resp.id) {
                    self.pairs[pair].in_flight = None;
                }
                if !resp.is_success() {
                    if msg.error_code().map(|(c, _)| c) == Some(ErrorCode::ROLE_CONFLICT) {
                        // RFC 8445 §7.2.5.1: take the opposite of the role we claimed, retry.
                        self.stats.role_conflicts += 1;
                        if controlling == self.controlling {
                            self.set_role(!controlling);
                        }
                        self.pairs[pair].state = PairState::Waiting;
                        self.trigger(pair);
                    } else {
                        self.pairs[pair].state = PairState::Failed;
                        self.schedule_check();
                    }
                    self.maybe_schedule_nomination(now);
                    return;
                }
                let Some(mapped) = msg.xor_mapped_address() else {
                    self.pairs[pair].state = PairState::Failed;
                    return;
                };
                let l = self.pairs[pair].local;
                if mapped != self.locals[l].cand.addr
                    && !self.locals.iter().any(|x| x.cand.addr == mapped)
                {
                    // RFC 8445 §7.2.5.3.1: a local peer-reflexive candidate. The check's own
                    // pair stays the one we send on (same base).
                    let base = self.locals[l].base;
                    let pref = ((self.locals[l].cand.priority >> 8) & 0xFFFF) as u16;
                    let prio = candidate::priority(CandidateKind::PeerReflexive, pref, 1);
                    let _ = self.push_local(
                        CandidateKind::PeerReflexive,
                        mapped,
                        base,
                        prio,
                        None,
                        None,
                    );
                }
                let p = &mut self.pairs[pair];
                p.state = PairState::Succeeded;
                p.stats.responses_received += 1;
                if let Some(rtt) = rtt {
                    p.stats.rtt = Some(rtt);
                    p.stats.total_rtt += rtt;
                }
                // RFC 8445 §7.2.5.3.3: unfreeze pairs of the same foundation.
                let (l, r) = (p.local, p.remote);
                for i in 0..self.pairs.len() {
                    if self.pairs[i].state == PairState::Frozen
                        && self.same_foundation(&self.pairs[i], l, r)
                    {
                        self.pairs[i].state = PairState::Waiting;
                        self.schedule_check();
                    }
                }
                let p = &mut self.pairs[pair];
                if (use_candidate && controlling && self.controlling)
                    || (!self.controlling && p.remote_nominated)
                {
                    p.nominated = true;
                    self.select(now, pair);
                } else {
                    self.maybe_schedule_nomination(now);
                }
            }
        }
    }
}
