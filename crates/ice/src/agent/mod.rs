//! The ICE agent state machine (RFC 8445 §6-§8, RFC 8838, RFC 7675).

mod checks;
mod gather;
mod input;
mod pairs;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use strata_stun::{Client, TransactionId};

use crate::candidate::{self, Candidate, CandidateKind, FoundationKey, Transport};
use crate::config::Config;
use crate::error::Error;
use crate::event::{Event, State};
use crate::pair::{PairInfo, PairState, PairStats};
use crate::turn::{TurnAllocation, TurnStats};

/// A datagram for the application to send from one of its sockets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The local address (one given to [`Agent::add_local_host`]) to send from.
    pub from: SocketAddr,
    /// The destination.
    pub to: SocketAddr,
    /// The bytes.
    pub data: Vec<u8>,
}

/// The agent's ICE credentials (RFC 8445 §5.3, RFC 8839 §5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `ice-ufrag`.
    pub ufrag: String,
    /// `ice-pwd`.
    pub pwd: String,
}

/// Counters of what the agent dropped or refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AgentStats {
    /// Datagrams that were not well-formed STUN.
    pub malformed: u64,
    /// Requests or responses with missing or bad MESSAGE-INTEGRITY (dropped, RFC 8445 §7.3).
    pub bad_integrity: u64,
    /// Messages with a missing or bad FINGERPRINT (dropped, RFC 8445 §7.2.2).
    pub bad_fingerprint: u64,
    /// Requests whose USERNAME does not start with our ufrag.
    pub unknown_username: u64,
    /// Responses that arrived at another local address than the request left from, or
    /// match no transaction (RFC 8445 §7.2.5.2.1).
    pub unmatched_responses: u64,
    /// Role conflicts seen (RFC 8445 §7.3.1.1, §7.2.5.1).
    pub role_conflicts: u64,
    /// Remote candidates ignored (TCP, other components).
    pub ignored_candidates: u64,
    /// Candidates or pairs refused by a limit.
    pub refused_by_limit: u64,
    /// Datagrams dropped because the transmit queue was full.
    pub dropped_transmits: u64,
    /// Events dropped because the event queue was full.
    pub dropped_events: u64,
    /// Requests answered with 420 for unknown comprehension-required attributes.
    pub unknown_attributes: u64,
    /// Successful Binding answers from STUN servers (RFC 8445 §5.1.1.2).
    pub server_reflexive_answers: u64,
}

#[derive(Debug)]
pub(crate) struct Local {
    pub cand: Candidate,
    pub base: SocketAddr,
    // Index of the TURN allocation behind a relayed candidate.
    pub turn: Option<usize>,
    // Interned foundation, so pairing compares integers.
    pub fid: usize,
}

#[derive(Debug)]
struct Remote {
    cand: Candidate,
    // Learned from an incoming check rather than signalled (counts against the prflx cap).
    learned: bool,
    fid: usize,
}

#[derive(Debug)]
struct Pair {
    local: usize,
    remote: usize,
    priority: u64,
    state: PairState,
    // The nominating check (controlling) carries USE-CANDIDATE.
    nominate: bool,
    nominated: bool,
    // Controlled: the peer sent USE-CANDIDATE on this pair.
    remote_nominated: bool,
    triggered: bool,
    in_flight: Option<TransactionId>,
    // When the last check on this pair started.
    last_check: Option<Instant>,
    stats: PairStats,
}

#[derive(Debug, Clone, Copy)]
enum Purpose {
    Check {
        pair: usize,
        use_candidate: bool,
        controlling: bool,
    },
    Consent,
    Srflx {
        base: SocketAddr,
    },
}

#[derive(Debug, Clone, Copy)]
struct Ctx {
    purpose: Purpose,
    // Where the request leaves from (a host base, or a relayed address).
    local: SocketAddr,
    remote: SocketAddr,
    sent_at: Option<Instant>,
    generation: u32,
}

#[derive(Debug, Clone)]
struct Selected {
    local: Candidate,
    // Host base, or the relayed address.
    local_base: SocketAddr,
    remote: Candidate,
    pair: Option<usize>,
    priority: u64,
    last_consent: Instant,
    next_consent: Instant,
    consent_tx: Option<TransactionId>,
    last_sent: Instant,
    expired: bool,
}

/// A sans-IO ICE agent for one component (RTP and RTCP multiplexed, everything bundled).
///
/// See the [crate docs](crate) for the call order.
#[derive(Debug)]
pub struct Agent {
    config: Config,
    rng: ChaCha20Rng,
    client: Client,
    now: Instant,
    local_creds: Credentials,
    remote_creds: Option<Credentials>,
    controlling: bool,
    tie_breaker: u64,
    remote_lite: bool,
    generation: u32,
    locals: Vec<Local>,
    foundations: Vec<FoundationKey>,
    remotes: Vec<Remote>,
    prflx_count: usize,
    pairs: Vec<Pair>,
    pair_index: HashMap<(usize, usize), usize>,
    remote_foundations: Vec<String>,
    triggered: VecDeque<usize>,
    txns: HashMap<TransactionId, Ctx>,
    selected: Option<Selected>,
    remote_end_of_candidates: bool,
    gathering_pending: usize,
    gathering_announce: bool,
    next_check: Option<Instant>,
    nominate_at: Option<Instant>,
    turns: Vec<TurnAllocation>,
    state: State,
    out: VecDeque<Transmit>,
    events: VecDeque<Event>,
    timeout: Option<Instant>,
    stats: AgentStats,
    scratch: Vec<u8>,
}

const ICE_CHARS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random_string(rng: &mut ChaCha20Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(ICE_CHARS[(rng.next_u32() & 63) as usize]))
        .collect()
}

impl Agent {
    /// A new agent with fresh credentials and tie-breaker from its CSPRNG.
    pub fn new(config: Config, now: Instant) -> Self {
        let seed = config.seed.unwrap_or_else(|| {
            let mut s = [0u8; 32];
            getrandom::fill(&mut s).expect("the OS entropy source is available");
            s
        });
        let mut rng = ChaCha20Rng::from_seed(seed);
        let mut client_seed = [0u8; 32];
        rng.fill_bytes(&mut client_seed);
        let client = Client::new(
            strata_stun::Config::default()
                .with_seed(client_seed)
                .with_rto(config.min_rto)
                .with_retransmissions(config.max_check_transmits, config.check_final_wait)
                .with_max_transactions(config.max_pairs + 64),
        );
        let local_creds = Credentials {
            ufrag: random_string(&mut rng, 8),
            pwd: random_string(&mut rng, 24),
        };
        let tie_breaker = rng.next_u64();
        Agent {
            controlling: config.controlling && !config.lite,
            rng,
            client,
            now,
            local_creds,
            remote_creds: None,
            tie_breaker,
            remote_lite: false,
            generation: 0,
            locals: Vec::new(),
            foundations: Vec::new(),
            remotes: Vec::new(),
            prflx_count: 0,
            pairs: Vec::new(),
            pair_index: HashMap::new(),
            remote_foundations: Vec::new(),
            triggered: VecDeque::new(),
            txns: HashMap::new(),
            selected: None,
            remote_end_of_candidates: false,
            gathering_pending: 0,
            gathering_announce: false,
            next_check: None,
            nominate_at: None,
            turns: Vec::new(),
            state: State::New,
            out: VecDeque::new(),
            events: VecDeque::new(),
            timeout: None,
            stats: AgentStats::default(),
            scratch: Vec::new(),
            config,
        }
    }

    // ---------------------------------------------------------------- accessors

    /// Our `ice-ufrag` and `ice-pwd`, to signal.
    pub fn local_credentials(&self) -> &Credentials {
        &self.local_creds
    }

    /// Whether we are the controlling agent now.
    pub fn is_controlling(&self) -> bool {
        self.controlling
    }

    /// The tie-breaker (RFC 8445 §7.1.1 ICE-CONTROLLING/ICE-CONTROLLED).
    pub fn tie_breaker(&self) -> u64 {
        self.tie_breaker
    }

    /// The connection state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Our candidates (host, srflx, relay and learned prflx): the ones to signal. Under
    /// [`relay_only`](crate::Config::relay_only) the host bases are kept only to reach the TURN
    /// servers and are not listed.
    pub fn local_candidates(&self) -> impl Iterator<Item = &Candidate> {
        self.locals
            .iter()
            .filter(|l| !(self.config.relay_only && l.cand.kind == CandidateKind::Host))
            .map(|l| &l.cand)
    }

    /// The peer's candidates, signalled and peer-reflexive.
    pub fn remote_candidates(&self) -> impl Iterator<Item = &Candidate> {
        self.remotes.iter().map(|r| &r.cand)
    }

    /// The selected pair as (local, remote) candidates.
    pub fn selected_pair(&self) -> Option<(&Candidate, &Candidate)> {
        self.selected.as_ref().map(|s| (&s.local, &s.remote))
    }

    /// Every pair of the current generation, in priority order.
    pub fn pairs(&self) -> Vec<PairInfo> {
        let mut v: Vec<PairInfo> = self
            .pairs
            .iter()
            .map(|p| PairInfo {
                local: self.locals[p.local].cand.addr,
                remote: self.remotes[p.remote].cand.addr,
                priority: p.priority,
                state: p.state,
                nominated: p.nominated,
                stats: p.stats,
            })
            .collect();
        v.sort_by_key(|p| std::cmp::Reverse(p.priority));
        v
    }

    /// Counters of what was dropped or refused.
    pub fn stats(&self) -> AgentStats {
        self.stats
    }

    /// TURN client counters, summed over allocations.
    pub fn turn_stats(&self) -> TurnStats {
        self.turns.iter().fold(TurnStats::default(), |mut acc, t| {
            let s = t.stats();
            acc.allocations += s.allocations;
            acc.refreshes += s.refreshes;
            acc.permissions += s.permissions;
            acc.channel_binds += s.channel_binds;
            acc.auth_retries += s.auth_retries;
            acc.deallocations += s.deallocations;
            acc.received += s.received;
            acc.dropped += s.dropped;
            acc
        })
    }

    // ---------------------------------------------------------------- commands

    /// Adds an address the application bound (a UDP socket): a host candidate (RFC 8445
    /// §5.1.1.1), then server-reflexive and relayed candidates from it if servers are
    /// configured. The agent never enumerates interfaces itself.
    pub fn add_local_host(&mut self, addr: SocketAddr) -> Result<(), Error> {
        if self.state == State::Closed {
            return Err(Error::Closed);
        }
        if addr.ip().is_unspecified() || addr.port() == 0 {
            return Err(Error::InvalidCandidate("unspecified address or port 0"));
        }
        if self
            .locals
            .iter()
            .any(|l| l.base == addr && l.cand.kind == CandidateKind::Host)
        {
            return Ok(());
        }
        let hosts = self
            .locals
            .iter()
            .filter(|l| l.cand.kind == CandidateKind::Host)
            .count();
        let pref = candidate::local_preference(addr.ip(), hosts);
        let prio = candidate::priority(CandidateKind::Host, pref, 1);
        let idx = self.push_local(CandidateKind::Host, addr, addr, prio, None, None)?;
        if !self.config.relay_only {
            self.announce_local(idx);
            self.pair_local(idx);
        }
        let now = self.now;
        for server in self.config.stun_servers.clone() {
            if server.is_ipv4() == addr.is_ipv4() && !self.config.relay_only {
                self.start_srflx(now, addr, server);
            }
        }
        for (i, server) in self.config.turn_servers.clone().into_iter().enumerate() {
            if server.addr.is_ipv4() == addr.is_ipv4() {
                let mut seed = [0u8; 32];
                self.rng.fill_bytes(&mut seed);
                let alloc = TurnAllocation::new(addr, server, seed, now, i);
                self.turns.push(alloc);
                self.gathering_pending += 1;
            }
        }
        self.gathering_announce = true;
        self.finish_input();
        Ok(())
    }

    /// Sets the peer's `ice-ufrag` and `ice-pwd` (RFC 8445 §5.3). Checks start once they are
    /// known. New values after an [`restart`](Self::restart) start a new generation.
    pub fn set_remote_credentials(&mut self, ufrag: &str, pwd: &str) {
        let new = Credentials {
            ufrag: ufrag.to_owned(),
            pwd: pwd.to_owned(),
        };
        if self.remote_creds.as_ref() == Some(&new) {
            return;
        }
        self.remote_creds = Some(new);
        self.schedule_check();
        self.finish_input();
    }

    /// The peer is an ICE-lite agent (`a=ice-lite`): we must be controlling (RFC 8445 §6.1.1).
    pub fn set_remote_lite(&mut self, lite: bool) {
        self.remote_lite = lite;
        if lite && !self.config.lite && !self.controlling {
            self.set_role(true);
        }
        self.finish_input();
    }

    /// Adds a remote candidate, at any time (RFC 8838 §11). TCP candidates and components
    /// other than 1 are ignored (counted); peer-reflexive ones learned earlier for the same
    /// address are upgraded.
    pub fn add_remote_candidate(&mut self, cand: Candidate) -> Result<(), Error> {
        if self.state == State::Closed {
            return Err(Error::Closed);
        }
        if cand.transport != Transport::Udp || cand.component != 1 {
            self.stats.ignored_candidates += 1;
            return Ok(());
        }
        if cand.addr.ip().is_unspecified() || cand.addr.port() == 0 {
            return Err(Error::InvalidCandidate("unspecified address or port 0"));
        }
        if let Some(i) = self.remotes.iter().position(|r| r.cand.addr == cand.addr) {
            let r = &mut self.remotes[i];
            if r.learned {
                // RFC 8838 §11.4: a signalled candidate replaces a prflx one for the same address.
                r.learned = false;
                self.prflx_count = self.prflx_count.saturating_sub(1);
                r.cand = cand;
                let fid = self.intern_remote_foundation(i);
                self.remotes[i].fid = fid;
                self.reprioritise();
            }
            return Ok(());
        }
        if self.remotes.len() >= self.config.max_remote_candidates {
            self.stats.refused_by_limit += 1;
            return Err(Error::Limit("remote candidates"));
        }
        self.remotes.push(Remote {
            cand,
            learned: false,
            fid: 0,
        });
        let idx = self.remotes.len() - 1;
        self.remotes[idx].fid = self.intern_remote_foundation(idx);
        self.pair_remote(idx);
        self.finish_input();
        Ok(())
    }

    /// A remote candidate whose address is an mDNS name (`*.local`, RFC 8838 / draft
    /// mmusic-mdns-ice-candidates): reported as [`Event::ResolveMdns`] for the application to
    /// resolve; names not ending in `.local` are refused.
    pub fn add_remote_mdns_candidate(&mut self, name: &str, port: u16) -> Result<(), Error> {
        if !name.ends_with(".local") || name.len() > 255 {
            return Err(Error::InvalidCandidate("not an mDNS name"));
        }
        self.push_event(Event::ResolveMdns {
            name: name.to_owned(),
            port,
        });
        Ok(())
    }

    /// The peer signalled end-of-candidates (RFC 8838 §13): failure may now be declared.
    pub fn set_remote_end_of_candidates(&mut self) {
        self.remote_end_of_candidates = true;
        self.finish_input();
    }

    /// ICE restart (RFC 8445 §9): new local credentials, remote candidates and pairs flushed,
    /// the selected pair kept (and consent-checked) until a new one is nominated. Signal the
    /// returned credentials and the candidates re-announced as events.
    pub fn restart(&mut self, now: Instant) -> Credentials {
        self.clamp(now);
        self.local_creds = Credentials {
            ufrag: random_string(&mut self.rng, 8),
            pwd: random_string(&mut self.rng, 24),
        };
        self.generation = self.generation.wrapping_add(1);
        let checks: Vec<TransactionId> = self
            .txns
            .iter()
            .filter(|(_, c)| matches!(c.purpose, Purpose::Check { .. }))
            .map(|(id, _)| *id)
            .collect();
        for id in checks {
            self.client.cancel(id);
            self.txns.remove(&id);
        }
        self.remote_creds = None;
        self.remote_end_of_candidates = false;
        self.remotes.clear();
        self.remote_foundations.clear();
        self.pair_index.clear();
        self.prflx_count = 0;
        self.pairs.clear();
        self.triggered.clear();
        self.nominate_at = None;
        self.next_check = None;
        if let Some(s) = &mut self.selected {
            s.pair = None;
        }
        for i in 0..self.locals.len() {
            if self.locals[i].cand.kind != CandidateKind::PeerReflexive {
                self.announce_local(i);
            }
        }
        self.gathering_announce = true;
        if self.selected.is_none() && self.state != State::Closed {
            self.set_state(State::Checking);
        }
        self.finish_input();
        self.local_creds.clone()
    }

    /// Sends application data on the selected pair (through the relay if the pair is
    /// relayed). Refused once consent has expired (RFC 7675 §5.1).
    pub fn send(&mut self, now: Instant, data: &[u8]) -> Result<(), Error> {
        self.clamp(now);
        let Some(s) = &self.selected else {
            return Err(Error::NotConnected);
        };
        if s.expired {
            return Err(Error::ConsentExpired);
        }
        let (from, to) = (s.local_base, s.remote.addr);
        self.emit(from, to, data.to_vec());
        self.finish_input();
        Ok(())
    }

    /// Closes the agent: TURN allocations are released (Refresh with lifetime 0), no more
    /// checks are sent, the state becomes [`State::Closed`].
    pub fn close(&mut self, now: Instant) {
        self.clamp(now);
        if self.state == State::Closed {
            return;
        }
        for t in &mut self.turns {
            t.close(now);
        }
        let ids: Vec<TransactionId> = self.txns.keys().copied().collect();
        for id in ids {
            self.client.cancel(id);
        }
        self.txns.clear();
        self.triggered.clear();
        self.next_check = None;
        self.nominate_at = None;
        self.set_state(State::Closed);
        self.drain_turn(now);
        self.update_timeout();
    }

    // ---------------------------------------------------------------- sans-IO

    /// Takes one datagram that arrived at local address `to` from `from`: STUN (checks,
    /// responses, TURN) or TURN ChannelData. Malformed or unauthenticated input is dropped
    /// and counted ([`stats`](Self::stats)); the error says why.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: SocketAddr,
        data: &[u8],
    ) -> Result<(), Error> {
        let now = self.clamp(now);
        let r = self.packet(now, from, to, data);
        self.finish_input();
        r
    }

    /// Advances time: pacing, retransmissions, nomination, consent, TURN refreshes.
    /// Early or repeated calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clamp(now);
        self.client.handle_timeout(now);
        self.drain_client(now);
        for i in 0..self.turns.len() {
            self.turns[i].handle_timeout(now);
        }
        self.drain_turn(now);
        if self.next_check.is_some_and(|t| t <= now) {
            self.tick(now);
        }
        if self.nominate_at.is_some_and(|t| t <= now) {
            self.nominate_at = None;
            self.nominate();
        }
        self.consent(now);
        self.finish_input();
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Transmit> {
        let now = self.clamp(now);
        if self.out.is_empty() {
            let mut buf = Vec::new();
            while let Some(t) = self.client.poll_transmit(now, &mut buf) {
                let Some(ctx) = self.txns.get(&t.id).copied() else {
                    continue;
                };
                if t.attempt == 1
                    && let Some(c) = self.txns.get_mut(&t.id)
                {
                    c.sent_at = Some(now);
                }
                self.emit(ctx.local, t.to, std::mem::take(&mut buf));
                break;
            }
            self.drain_turn(now);
            self.update_timeout();
        }
        let t = self.out.pop_front()?;
        if let Some(s) = &mut self.selected
            && (t.to == s.remote.addr || self.turns.iter().any(|a| a.server_addr() == t.to))
        {
            s.last_sent = now;
        }
        Some(t)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        if self.events.is_empty() && self.gathering_announce && self.gathering_pending == 0 {
            self.gathering_announce = false;
            return Some(Event::GatheringComplete);
        }
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) next has work. O(1).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timeout
    }

    // ---------------------------------------------------------------- internals: plumbing

    fn clamp(&mut self, now: Instant) -> Instant {
        self.now = self.now.max(now);
        self.now
    }

    fn finish_input(&mut self) {
        let now = self.now;
        self.drain_client(now);
        self.drain_turn(now);
        self.update_state(now);
        self.update_timeout();
    }

    fn push_event(&mut self, e: Event) {
        if self.events.len() >= self.config.max_queued_events {
            self.stats.dropped_events += 1;
        } else {
            self.events.push_back(e);
        }
    }

    fn queue(&mut self, t: Transmit) {
        if self.out.len() >= self.config.max_queued_transmits {
            self.stats.dropped_transmits += 1;
        } else {
            self.out.push_back(t);
        }
    }

    /// Sends `data` from local address `from` (a host base, or a relayed address).
    fn emit(&mut self, from: SocketAddr, to: SocketAddr, data: Vec<u8>) {
        if let Some(l) = self
            .locals
            .iter()
            .find(|l| l.cand.addr == from && l.cand.kind == CandidateKind::Relayed)
            && let Some(t) = l.turn
        {
            let now = self.now;
            self.turns[t].send_to_peer(now, to, &data);
            self.drain_turn(now);
            return;
        }
        self.queue(Transmit { from, to, data });
    }

    fn update_timeout(&mut self) {
        if self.state == State::Closed {
            self.timeout = [
                self.client.poll_timeout(),
                self.turns.iter().filter_map(|t| t.poll_timeout()).min(),
            ]
            .into_iter()
            .flatten()
            .min();
            return;
        }
        let mut t = [
            self.next_check,
            self.nominate_at,
            self.client.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min();
        let mut fold = |x: Option<Instant>| {
            if let Some(x) = x {
                t = Some(t.map_or(x, |t| t.min(x)));
            }
        };
        for a in &self.turns {
            fold(a.poll_timeout());
        }
        if let Some(s) = &self.selected
            && !s.expired
        {
            if self.consent_enabled() {
                fold(Some(s.next_consent));
                fold(Some(s.last_consent + self.config.consent_timeout));
                if self.state != State::Disconnected {
                    fold(Some(s.last_consent + self.config.disconnected_timeout));
                }
            } else {
                fold(Some(s.last_sent + self.config.keepalive_interval));
            }
        }
        self.timeout = t;
    }

    fn set_state(&mut self, s: State) {
        // Observers see Connected before Completed, as browsers report it.
        if s == State::Completed && matches!(self.state, State::New | State::Checking) {
            self.state = State::Connected;
            self.push_event(Event::StateChanged(State::Connected));
        }
        if self.state != s {
            self.state = s;
            self.push_event(Event::StateChanged(s));
        }
    }

    fn update_state(&mut self, now: Instant) {
        if self.state == State::Closed {
            return;
        }
        if let Some(s) = &self.selected {
            let new = if s.expired {
                State::Failed
            } else if self.consent_enabled()
                && now >= s.last_consent + self.config.disconnected_timeout
            {
                State::Disconnected
            } else if self.triggered.is_empty()
                && !self.pairs.iter().any(|p| p.state == PairState::InProgress)
                && self.nominate_at.is_none()
            {
                State::Completed
            } else {
                State::Connected
            };
            self.set_state(new);
            return;
        }
        let started = self.remote_creds.is_some() && !self.pairs.is_empty();
        if self.state == State::New && (started || self.remote_creds.is_some() && self.config.lite)
        {
            self.set_state(State::Checking);
        }
        if self.state == State::Checking
            && self.remote_end_of_candidates
            && self.gathering_pending == 0
            && !self.config.lite
            && self.pairs.iter().all(|p| p.state == PairState::Failed)
        {
            self.set_state(State::Failed);
        }
    }

    fn consent_enabled(&self) -> bool {
        // RFC 7675 applies to full agents; a lite agent only keeps the binding alive.
        !self.config.lite
    }
}
