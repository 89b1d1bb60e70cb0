//! TURN client for relayed candidates (RFC 8656 over UDP): Allocate with long-term
//! credentials and the 401/438 nonce dance, Refresh before expiry, CreatePermission,
//! ChannelBind, Send/Data indications and ChannelData, and deallocation on close.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use strata_stun::credentials::LongTermKey;
use strata_stun::{
    Attribute, ChannelData, ChannelDataRepr, ChannelNumber, Class, Client, ErrorCode, Integrity,
    Message, MessageBuilder, Method, Request, TRANSPORT_UDP, TransactionId,
};

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

use crate::config::TurnServer;

/// Channel bindings last 10 minutes (RFC 8656 §12); refreshed this long before they end.
pub(crate) const CHANNEL_REFRESH: Duration = Duration::from_secs(60);
/// RFC 8656 §9: permissions last 300 s; refreshed a minute early.
const PERMISSION_LIFETIME: Duration = Duration::from_secs(300);
const CHANNEL_LIFETIME: Duration = Duration::from_secs(600);
/// Lifetime we ask for (RFC 8656 §7.2: the default, 600 s).
const REQUESTED_LIFETIME: u32 = 600;
/// Bound on peers (permissions and channels) per allocation.
const MAX_PEERS: usize = 64;
/// Bound on datagrams held while a permission is being installed.
const MAX_PENDING: usize = 32;
/// Bound on unread outputs.
const MAX_OUTPUT: usize = 256;
/// How many 401/438 answers we retry before giving up on one request.
const MAX_AUTH_RETRIES: u8 = 3;

/// What a datagram from the server was.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TurnInput {
    Consumed,
    Malformed,
    NotTurn,
}

/// What the allocation asks of the agent.
#[derive(Debug)]
pub(crate) enum TurnOutput {
    /// A datagram for the server, from the allocation's base.
    Transmit { to: SocketAddr, data: Vec<u8> },
    /// The allocation exists (RFC 8656 §7.3).
    Allocated {
        relayed: SocketAddr,
        mapped: SocketAddr,
    },
    /// The allocation could not be made or was lost.
    Failed,
    /// Data from a peer (RFC 8656 §11.6 Data indication, §12.6 ChannelData).
    Received { peer: SocketAddr, data: Vec<u8> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Allocating,
    Allocated,
    Closing,
    Closed,
    Failed,
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Allocate,
    Refresh {
        lifetime: u32,
    },
    Permission {
        ip: IpAddr,
    },
    ChannelBind {
        peer: SocketAddr,
        channel: ChannelNumber,
    },
}

#[derive(Debug)]
struct Peer {
    addr: SocketAddr,
    // Permission state: installed until, or pending.
    permitted_until: Option<Instant>,
    permission_pending: bool,
    channel: Option<ChannelNumber>,
    channel_until: Option<Instant>,
    channel_pending: bool,
}

/// One allocation on one TURN server from one local base.
#[derive(Debug)]
pub(crate) struct TurnAllocation {
    base: SocketAddr,
    server: TurnServer,
    index: usize,
    client: Client,
    rng: ChaCha20Rng,
    phase: Phase,
    realm: Option<String>,
    nonce: Option<String>,
    key: Option<LongTermKey>,
    ops: Vec<(TransactionId, Op, u8)>,
    relayed: Option<SocketAddr>,
    expires: Option<Instant>,
    refresh_at: Option<Instant>,
    peers: Vec<Peer>,
    next_channel: u16,
    pending: VecDeque<(SocketAddr, Vec<u8>)>,
    out: VecDeque<TurnOutput>,
    timeout: Option<Instant>,
    now: Instant,
    /// Counters.
    pub(crate) dropped: u64,
    pub(crate) stats: TurnStats,
}

/// TURN client counters, summed over allocations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TurnStats {
    /// Allocations made.
    pub allocations: u64,
    /// Successful Refresh requests (lifetime > 0).
    pub refreshes: u64,
    /// Successful CreatePermission requests.
    pub permissions: u64,
    /// Successful ChannelBind requests.
    pub channel_binds: u64,
    /// Requests retried after 401 or 438 (RFC 8489 §9.2.4).
    pub auth_retries: u64,
    /// Allocations released with a lifetime-0 Refresh (RFC 8656 §7.2).
    pub deallocations: u64,
    /// Data relayed from peers (Data indications and ChannelData).
    pub received: u64,
    /// Datagrams dropped by a bound or a failed permission.
    pub dropped: u64,
}

impl TurnAllocation {
    pub(crate) fn new(
        base: SocketAddr,
        server: TurnServer,
        seed: [u8; 32],
        now: Instant,
        index: usize,
    ) -> Self {
        let mut rng = ChaCha20Rng::from_seed(seed);
        let mut client_seed = [0u8; 32];
        rng.fill_bytes(&mut client_seed);
        let client = Client::new(
            strata_stun::Config::default()
                .with_seed(client_seed)
                .with_max_transactions(2 * MAX_PEERS + 8),
        );
        let mut a = TurnAllocation {
            base,
            server,
            index,
            client,
            rng,
            phase: Phase::Allocating,
            realm: None,
            nonce: None,
            key: None,
            ops: Vec::new(),
            relayed: None,
            expires: None,
            refresh_at: None,
            peers: Vec::new(),
            next_channel: ChannelNumber::MIN.0,
            pending: VecDeque::new(),
            out: VecDeque::new(),
            timeout: None,
            now,
            dropped: 0,
            stats: TurnStats::default(),
        };
        a.request(now, Op::Allocate, 0);
        a.flush(now);
        a
    }

    pub(crate) fn base(&self) -> SocketAddr {
        self.base
    }

    pub(crate) fn server_addr(&self) -> SocketAddr {
        self.server.addr
    }

    pub(crate) fn server_index(&self) -> usize {
        self.index
    }

    pub(crate) fn relayed(&self) -> Option<SocketAddr> {
        self.relayed.filter(|_| self.phase == Phase::Allocated)
    }

    pub(crate) fn poll_output(&mut self) -> Option<TurnOutput> {
        self.out.pop_front()
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.timeout
    }

    pub(crate) fn stats(&self) -> TurnStats {
        TurnStats {
            dropped: self.dropped,
            ..self.stats
        }
    }

    fn output(&mut self, o: TurnOutput) {
        if self.out.len() >= MAX_OUTPUT {
            self.dropped += 1;
        } else {
            self.out.push_back(o);
        }
    }

    /// RFC 8656 §7.1, §8, §9.1, §11.1: one authenticated request.
    fn request(&mut self, now: Instant, op: Op, retries: u8) {
        let (method, lifetime) = match op {
            Op::Allocate => (Method::ALLOCATE, Some(REQUESTED_LIFETIME)),
            Op::Refresh { lifetime } => (Method::REFRESH, Some(lifetime)),
            Op::Permission { .. } => (Method::CREATE_PERMISSION, None),
            Op::ChannelBind { .. } => (Method::CHANNEL_BIND, None),
        };
        let mut attrs: Vec<Attribute<'_>> = Vec::with_capacity(6);
        if let Op::Allocate = op {
            attrs.push(Attribute::RequestedTransport(TRANSPORT_UDP));
        }
        if let Some(l) = lifetime {
            attrs.push(Attribute::Lifetime(l));
        }
        match op {
            Op::Permission { ip } => attrs.push(Attribute::XorPeerAddress(SocketAddr::new(ip, 0))),
            Op::ChannelBind { peer, channel } => {
                attrs.push(Attribute::ChannelNumber(channel));
                attrs.push(Attribute::XorPeerAddress(peer));
            }
            _ => {}
        }
        let key = self.key;
        let (realm, nonce) = (self.realm.clone(), self.nonce.clone());
        if let (Some(realm), Some(nonce)) = (&realm, &nonce) {
            attrs.push(Attribute::Username(&self.server.username));
            attrs.push(Attribute::Realm(realm));
            attrs.push(Attribute::Nonce(nonce));
        }
        let mut req = Request::new(method)
            .with_attributes(&attrs)
            .with_fingerprint();
        if let (Some(k), true) = (&key, realm.is_some()) {
            req = req.with_integrity(Integrity::Sha1(k.as_bytes()));
        }
        match self.client.start(now, self.server.addr, req) {
            Ok(id) => self.ops.push((id, op, retries)),
            Err(_) => {
                self.dropped += 1;
                if let Op::Allocate = op {
                    self.fail();
                }
            }
        }
    }

    fn fail(&mut self) {
        if !matches!(self.phase, Phase::Failed | Phase::Closed) {
            self.phase = Phase::Failed;
            self.output(TurnOutput::Failed);
        }
    }

    pub(crate) fn handle_packet(&mut self, now: Instant, data: &[u8]) -> TurnInput {
        self.now = self.now.max(now);
        let now = self.now;
        if strata_stun::is_channel_data(data) {
            let Ok(frame) = ChannelData::new_checked(data) else {
                return TurnInput::Malformed;
            };
            let ch = frame.channel();
            if let Some(p) = self
                .peers
                .iter()
                .find(|p| p.channel == Some(ch) && p.channel_until.is_some())
            {
                let peer = p.addr;
                self.stats.received += 1;
                self.output(TurnOutput::Received {
                    peer,
                    data: frame.data().to_vec(),
                });
            }
            return TurnInput::Consumed;
        }
        if !strata_stun::is_stun(data) {
            return TurnInput::Malformed;
        }
        let Ok(msg) = Message::new_checked(data) else {
            return TurnInput::Malformed;
        };
        let t = msg.message_type();
        match (t.class, t.method) {
            (Class::Indication, Method::DATA) => {
                // RFC 8656 §11.6: XOR-PEER-ADDRESS and DATA; only from permitted peers.
                let mut peer = None;
                let mut payload = None;
                for a in msg.attributes().flatten() {
                    match a {
                        Attribute::XorPeerAddress(p) => peer = Some(p),
                        Attribute::Data(d) => payload = Some(d),
                        _ => {}
                    }
                }
                if let (Some(peer), Some(d)) = (peer, payload)
                    && self
                        .peers
                        .iter()
                        .any(|p| p.addr.ip() == peer.ip() && p.permitted_until.is_some())
                {
                    self.stats.received += 1;
                    self.output(TurnOutput::Received {
                        peer,
                        data: d.to_vec(),
                    });
                }
                TurnInput::Consumed
            }
            (Class::SuccessResponse | Class::ErrorResponse, m) if m != Method::BINDING => {
                let _ = self.client.handle_packet(now, self.server.addr, data);
                self.drain(now);
                self.flush(now);
                TurnInput::Consumed
            }
            _ => TurnInput::NotTurn,
        }
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        self.now = self.now.max(now);
        let now = self.now;
        self.client.handle_timeout(now);
        self.drain(now);
        if self.phase == Phase::Allocated {
            if self.refresh_at.is_some_and(|t| t <= now) {
                self.refresh_at = None;
                self.request(
                    now,
                    Op::Refresh {
                        lifetime: REQUESTED_LIFETIME,
                    },
                    0,
                );
            }
            if self.expires.is_some_and(|t| t <= now) {
                self.relayed = None;
                self.fail();
            }
            // RFC 8656 §9: refresh permissions and channels a minute before they lapse.
            for i in 0..self.peers.len() {
                let p = &self.peers[i];
                if !p.permission_pending
                    && p.permitted_until
                        .is_some_and(|u| u <= now + CHANNEL_REFRESH)
                {
                    let ip = p.addr.ip();
                    self.peers[i].permission_pending = true;
                    self.request(now, Op::Permission { ip }, 0);
                }
                let p = &self.peers[i];
                if let (Some(ch), false) = (p.channel, p.channel_pending)
                    && p.channel_until.is_some_and(|u| u <= now + CHANNEL_REFRESH)
                {
                    let peer = p.addr;
                    self.peers[i].channel_pending = true;
                    self.request(now, Op::ChannelBind { peer, channel: ch }, 0);
                }
            }
        }
        self.flush(now);
    }

    /// Makes sure the server lets `ip` send to us (RFC 8656 §9).
    pub(crate) fn permit(&mut self, now: Instant, peer: SocketAddr) {
        self.now = self.now.max(now);
        let now = self.now;
        self.peer_index(now, peer);
        self.flush(now);
    }

    fn peer_index(&mut self, now: Instant, peer: SocketAddr) -> Option<usize> {
        if let Some(i) = self.peers.iter().position(|p| p.addr == peer) {
            return Some(i);
        }
        if self.peers.len() >= MAX_PEERS || self.phase != Phase::Allocated {
            return None;
        }
        // One permission per IP (RFC 8656 §9): reuse another port's.
        let same_ip = self
            .peers
            .iter()
            .find(|p| p.addr.ip() == peer.ip())
            .map(|p| p.permitted_until);
        let permitted_until = same_ip.flatten();
        let needs_permission = same_ip.is_none();
        self.peers.push(Peer {
            addr: peer,
            permitted_until,
            permission_pending: needs_permission,
            channel: None,
            channel_until: None,
            channel_pending: false,
        });
        if needs_permission {
            self.request(now, Op::Permission { ip: peer.ip() }, 0);
        }
        Some(self.peers.len() - 1)
    }

    /// Relays `data` to `peer`: ChannelData once a channel is bound, a Send indication
    /// otherwise, held back while the first permission is being installed.
    pub(crate) fn send_to_peer(&mut self, now: Instant, peer: SocketAddr, data: &[u8]) {
        self.now = self.now.max(now);
        let now = self.now;
        let Some(i) = self.peer_index(now, peer) else {
            self.dropped += 1;
            return;
        };
        let permitted = self
            .peers
            .iter()
            .any(|p| p.addr.ip() == peer.ip() && p.permitted_until.is_some());
        if !permitted {
            if self.pending.len() >= MAX_PENDING {
                self.dropped += 1;
            } else {
                self.pending.push_back((peer, data.to_vec()));
            }
            self.flush(now);
            return;
        }
        self.wrap(i, data);
        self.flush(now);
    }

    fn wrap(&mut self, i: usize, data: &[u8]) {
        let p = &self.peers[i];
        let frame = match (p.channel, p.channel_until) {
            (Some(channel), Some(_)) => {
                let repr = ChannelDataRepr { channel, data };
                let mut buf = vec![0u8; repr.buffer_len(false)];
                match repr.emit(&mut buf, false) {
                    Ok(n) => {
                        buf.truncate(n);
                        Some(buf)
                    }
                    Err(_) => None,
                }
            }
            _ => {
                let mut buf = Vec::with_capacity(data.len() + 36);
                let tid = TransactionId::random(&mut self.rng);
                let mut b = MessageBuilder::new(&mut buf, Class::Indication, Method::SEND, tid);
                b.add(&Attribute::XorPeerAddress(p.addr))
                    .add(&Attribute::Data(data));
                b.finish().ok().map(|_| buf)
            }
        };
        // Bind a channel for the peer on first use (RFC 8656 §12): cheaper framing after.
        let p = &self.peers[i];
        if p.channel.is_none() && !p.channel_pending && self.next_channel <= ChannelNumber::MAX.0 {
            let channel = ChannelNumber(self.next_channel);
            self.next_channel += 1;
            let peer = p.addr;
            self.peers[i].channel = Some(channel);
            self.peers[i].channel_pending = true;
            let now = self.now;
            self.request(now, Op::ChannelBind { peer, channel }, 0);
        }
        match frame {
            Some(data) => {
                let to = self.server.addr;
                self.output(TurnOutput::Transmit { to, data });
            }
            None => self.dropped += 1,
        }
    }

    /// RFC 8656 §7.2: deallocate with a Refresh of lifetime 0.
    pub(crate) fn close(&mut self, now: Instant) {
        self.now = self.now.max(now);
        let now = self.now;
        if self.phase == Phase::Allocated {
            self.phase = Phase::Closing;
            self.request(now, Op::Refresh { lifetime: 0 }, 0);
        } else if self.phase == Phase::Allocating {
            self.phase = Phase::Closed;
        }
        self.pending.clear();
        self.flush(now);
    }

    fn drain(&mut self, now: Instant) {
        while let Some(ev) = self.client.poll_event() {
            let (id, resp) = match ev {
                strata_stun::Event::Response(r) => (r.id, Some(r)),
                strata_stun::Event::Timeout { id, .. } | strata_stun::Event::Failed { id, .. } => {
                    (id, None)
                }
                _ => continue,
            };
            let Some(pos) = self.ops.iter().position(|(i, _, _)| *i == id) else {
                continue;
            };
            let (_, op, retries) = self.ops.swap_remove(pos);
            match resp {
                None => self.op_failed(op),
                Some(r) => self.op_response(now, op, retries, &r),
            }
        }
    }

    fn op_response(&mut self, now: Instant, op: Op, retries: u8, resp: &strata_stun::Response) {
        let msg = resp.message();
        if !resp.is_success() {
            let code = msg.error_code().map(|(c, _)| c);
            // RFC 8656 §7.1 and RFC 8489 §9.2.4: learn realm and nonce, retry.
            if matches!(
                code,
                Some(ErrorCode::UNAUTHENTICATED | ErrorCode::STALE_NONCE)
            ) && retries < MAX_AUTH_RETRIES
            {
                let realm = msg.text(strata_stun::AttrType::REALM).map(str::to_owned);
                let nonce = msg.text(strata_stun::AttrType::NONCE).map(str::to_owned);
                if let Some(n) = nonce {
                    if let Some(r) = realm {
                        self.key = Some(LongTermKey::md5(
                            &self.server.username,
                            &r,
                            &self.server.password,
                        ));
                        self.realm = Some(r);
                    }
                    self.nonce = Some(n);
                    if self.realm.is_some() {
                        self.stats.auth_retries += 1;
                        self.request(now, op, retries + 1);
                        return;
                    }
                }
            }
            self.op_failed(op);
            return;
        }
        match op {
            Op::Allocate => {
                let mut relayed = None;
                let mut mapped = None;
                let mut lifetime = REQUESTED_LIFETIME;
                for a in msg.attributes().flatten() {
                    match a {
                        Attribute::XorRelayedAddress(r) => relayed = Some(r),
                        Attribute::XorMappedAddress(m) => mapped = Some(m),
                        Attribute::Lifetime(l) => lifetime = l,
                        _ => {}
                    }
                }
                let Some(relayed) = relayed else {
                    self.fail();
                    return;
                };
                if self.phase == Phase::Closed {
                    // Closed while allocating: release at once.
                    self.phase = Phase::Closing;
                    self.request(now, Op::Refresh { lifetime: 0 }, 0);
                    return;
                }
                self.phase = Phase::Allocated;
                self.stats.allocations += 1;
                self.relayed = Some(relayed);
                self.set_lifetime(now, lifetime);
                self.output(TurnOutput::Allocated {
                    relayed,
                    mapped: mapped.unwrap_or(self.base),
                });
            }
            Op::Refresh { lifetime: 0 } => {
                self.phase = Phase::Closed;
                self.stats.deallocations += 1;
                self.relayed = None;
            }
            Op::Refresh { .. } => {
                let lifetime = msg
                    .attributes()
                    .flatten()
                    .find_map(|a| {
                        if let Attribute::Lifetime(l) = a {
                            Some(l)
                        } else {
                            None
                        }
                    })
                    .unwrap_or(REQUESTED_LIFETIME);
                self.stats.refreshes += 1;
                self.set_lifetime(now, lifetime);
            }
            Op::Permission { ip } => {
                self.stats.permissions += 1;
                for p in self.peers.iter_mut().filter(|p| p.addr.ip() == ip) {
                    p.permitted_until = Some(now + PERMISSION_LIFETIME);
                    p.permission_pending = false;
                }
                // Release what waited for this permission.
                let waiting: Vec<(SocketAddr, Vec<u8>)> = self.pending.drain(..).collect();
                for (peer, data) in waiting {
                    if peer.ip() == ip {
                        if let Some(i) = self.peers.iter().position(|p| p.addr == peer) {
                            self.wrap(i, &data);
                        }
                    } else {
                        self.pending.push_back((peer, data));
                    }
                }
            }
            Op::ChannelBind { peer, channel } => {
                self.stats.channel_binds += 1;
                if let Some(p) = self
                    .peers
                    .iter_mut()
                    .find(|p| p.addr == peer && p.channel == Some(channel))
                {
                    p.channel_until = Some(now + CHANNEL_LIFETIME);
                    p.channel_pending = false;
                    // A channel binding also installs or refreshes the permission (§12.1).
                    p.permitted_until = Some(now + PERMISSION_LIFETIME);
                }
            }
        }
    }

    fn set_lifetime(&mut self, now: Instant, lifetime: u32) {
        let lifetime = Duration::from_secs(u64::from(lifetime.max(1)));
        self.expires = Some(now + lifetime);
        // Refresh at most a minute before expiry, or halfway for short lifetimes.
        let early = CHANNEL_REFRESH.min(lifetime / 2);
        self.refresh_at = Some(now + lifetime - early);
    }

    fn op_failed(&mut self, op: Op) {
        match op {
            Op::Allocate => self.fail(),
            Op::Refresh { lifetime: 0 } => self.phase = Phase::Closed,
            Op::Refresh { .. } => {
                // Retry at the next timer if still time; the expiry check fails us otherwise.
                self.refresh_at = Some(self.now + Duration::from_secs(5));
            }
            Op::Permission { ip } => {
                for p in self.peers.iter_mut().filter(|p| p.addr.ip() == ip) {
                    p.permission_pending = false;
                }
                self.pending.retain(|(peer, _)| peer.ip() != ip);
            }
            Op::ChannelBind { peer, .. } => {
                if let Some(p) = self.peers.iter_mut().find(|p| p.addr == peer) {
                    p.channel_pending = false;
                    p.channel_until = None;
                }
            }
        }
    }

    fn flush(&mut self, now: Instant) {
        let mut buf = Vec::new();
        while let Some(t) = self.client.poll_transmit(now, &mut buf) {
            let data = std::mem::take(&mut buf);
            self.output(TurnOutput::Transmit { to: t.to, data });
        }
        let mut t = self.client.poll_timeout();
        let mut fold = |x: Option<Instant>| {
            if let Some(x) = x {
                t = Some(t.map_or(x, |t| t.min(x)));
            }
        };
        if self.phase == Phase::Allocated {
            fold(self.refresh_at);
            fold(self.expires);
            for p in &self.peers {
                if !p.permission_pending {
                    fold(p.permitted_until.map(|u| u - CHANNEL_REFRESH));
                }
                if !p.channel_pending {
                    fold(p.channel_until.map(|u| u - CHANNEL_REFRESH));
                }
            }
        }
        self.timeout = t;
    }
}
