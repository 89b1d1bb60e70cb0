//! A DTLS server for many peers on one socket: demultiplexes datagrams by source address,
//! answers ClientHellos without a valid cookie statelessly (RFC 6347 §4.2.1), and creates a
//! [`Connection`] only for a peer that echoed its cookie (or for any peer when cookies are
//! off), up to a bound.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use crate::codec::Reader;
use crate::config::Config;
use crate::connection::{Connection, Role};
use crate::crypto::{self, Csprng};
use crate::error::Error;
use crate::event::Event;
use crate::handshake::{
    Fragment, HandshakeHeader, HandshakeMessage, HandshakeType, HelloVerifyRequest,
};
use crate::record::{self, ContentType, Epoch, ProtocolVersion, Records};

const COOKIE_LEN: usize = 20;
/// Bound on stateless replies waiting in `poll_transmit`.
const MAX_STATELESS_OUT: usize = 256;
/// Bound on undrained events across connections.
const MAX_EVENTS: usize = 4096;

/// Counters of what the endpoint did without a connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// HelloVerifyRequests sent.
    pub hello_verify_sent: u64,
    /// Datagrams from unknown peers that were not a usable ClientHello.
    pub dropped: u64,
    /// ClientHellos refused because `max_connections` was reached.
    pub refused_full: u64,
}

/// Many server connections behind one address. See the crate docs for the call order; every
/// output carries the peer address.
pub struct Endpoint {
    config: Config,
    rng: Csprng,
    secret: [u8; 32],
    max_connections: usize,
    conns: HashMap<SocketAddr, Connection>,
    out: VecDeque<(SocketAddr, Vec<u8>)>,
    dirty: VecDeque<SocketAddr>,
    timers: BTreeSet<(Instant, SocketAddr)>,
    deadlines: HashMap<SocketAddr, Instant>,
    events: VecDeque<(SocketAddr, Event)>,
    stats: EndpointStats,
}

impl core::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Endpoint")
            .field("connections", &self.conns.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// A server endpoint; `config` is the template of every connection (its `seed` seeds the
    /// endpoint, each connection gets a fresh seed from it).
    pub fn new(config: Config, max_connections: usize) -> Self {
        let mut rng = Csprng::from_seed(config.seed.unwrap_or_else(crypto::os_seed));
        let secret = rng.array();
        Self {
            config,
            rng,
            secret,
            max_connections,
            conns: HashMap::new(),
            out: VecDeque::new(),
            dirty: VecDeque::new(),
            timers: BTreeSet::new(),
            deadlines: HashMap::new(),
            events: VecDeque::new(),
            stats: EndpointStats::default(),
        }
    }

    /// Counters.
    pub fn stats(&self) -> EndpointStats {
        self.stats
    }

    /// Number of live connections.
    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    /// The connection with `peer`, for commands; call [`Self::touch`] after a command so its
    /// output and timer are picked up.
    pub fn connection_mut(&mut self, peer: SocketAddr) -> Option<&mut Connection> {
        self.conns.get_mut(&peer)
    }

    /// Queues application data to `peer`.
    pub fn send(&mut self, peer: SocketAddr, data: &[u8]) -> Result<(), Error> {
        let c = self.conns.get_mut(&peer).ok_or(Error::NotConnected)?;
        let r = c.send(data);
        self.touch(peer);
        r
    }

    /// Registers that `peer`'s connection may have new output, events or a new timer.
    pub fn touch(&mut self, peer: SocketAddr) {
        let Some(c) = self.conns.get_mut(&peer) else {
            return;
        };
        while let Some(e) = c.poll_event() {
            if self.events.len() < MAX_EVENTS {
                self.events.push_back((peer, e));
            }
        }
        if let Some(old) = self.deadlines.remove(&peer) {
            self.timers.remove(&(old, peer));
        }
        if let Some(t) = c.poll_timeout() {
            self.deadlines.insert(peer, t);
            self.timers.insert((t, peer));
        }
        if !self.dirty.contains(&peer) {
            self.dirty.push_back(peer);
        }
    }

    /// Feeds a datagram from `from`.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        from: SocketAddr,
        data: &[u8],
    ) -> Result<(), Error> {
        if let Some(c) = self.conns.get_mut(&from) {
            let r = c.handle_packet(now, data);
            self.touch(from);
            return r;
        }
        let Some((cookie_ok, hvr)) = self.stateless(from, data) else {
            self.stats.dropped += 1;
            return Ok(());
        };
        if !cookie_ok {
            if self.out.len() < MAX_STATELESS_OUT {
                self.out.push_back((from, hvr));
                self.stats.hello_verify_sent += 1;
            }
            return Ok(());
        }
        if self.conns.len() >= self.max_connections {
            self.stats.refused_full += 1;
            return Ok(());
        }
        let mut cfg = self.config.clone();
        cfg.hello_verify = false;
        cfg.seed = Some(self.rng.array());
        let mut c = Connection::new(cfg, Role::Server, now);
        let r = c.handle_packet(now, data);
        self.conns.insert(from, c);
        self.touch(from);
        r
    }

    /// Fires due connection timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&(t, peer)) = self.timers.first() {
            if t > now {
                break;
            }
            self.timers.remove(&(t, peer));
            self.deadlines.remove(&peer);
            if let Some(c) = self.conns.get_mut(&peer) {
                c.handle_timeout(now);
            }
            self.touch(peer);
        }
    }

    /// The next datagram and its destination. Connections that failed or closed and have
    /// nothing left to send are dropped here.
    pub fn poll_transmit(
        &mut self,
        now: Instant,
        buf: &mut Vec<u8>,
    ) -> Option<(SocketAddr, usize)> {
        if let Some((to, d)) = self.out.pop_front() {
            *buf = d;
            return Some((to, buf.len()));
        }
        while let Some(&peer) = self.dirty.front() {
            let Some(c) = self.conns.get_mut(&peer) else {
                self.dirty.pop_front();
                continue;
            };
            if let Some(n) = c.poll_transmit(now, buf) {
                return Some((peer, n));
            }
            self.dirty.pop_front();
            if c.error().is_some() || (!c.is_connected() && !c.is_handshaking()) {
                self.conns.remove(&peer);
                if let Some(t) = self.deadlines.remove(&peer) {
                    self.timers.remove(&(t, peer));
                }
            }
        }
        None
    }

    /// The next event and the peer it concerns.
    pub fn poll_event(&mut self) -> Option<(SocketAddr, Event)> {
        self.events.pop_front()
    }

    /// Earliest connection timer, O(log n).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|&(t, _)| t)
    }

    fn cookie(&self, from: SocketAddr, random: &[u8]) -> [u8; COOKIE_LEN] {
        let addr = from.to_string();
        let mac = crypto::hmac_sha256(&self.secret, &[addr.as_bytes(), random]);
        let mut c = [0u8; COOKIE_LEN];
        c.copy_from_slice(&mac[..COOKIE_LEN]);
        c
    }

    /// Looks at the first fragment of a ClientHello: `(cookie valid, HelloVerifyRequest
    /// datagram)`, or `None` when the datagram is not a ClientHello start.
    fn stateless(&self, from: SocketAddr, data: &[u8]) -> Option<(bool, Vec<u8>)> {
        let rec = Records::new(data).next()?.ok()?;
        if rec.content_type != ContentType::HANDSHAKE || rec.epoch != Epoch(0) {
            return None;
        }
        let f = Fragment::new_checked(rec.fragment).ok()?;
        if f.msg_type() != HandshakeType::CLIENT_HELLO || f.fragment_offset() != 0 {
            return None;
        }
        // version, random, session_id, cookie: all in the first fragment.
        let mut r = Reader::new(f.body());
        let _version = r.u16().ok()?;
        let random = r.take(32).ok()?;
        let _sid = r.vec8().ok()?;
        let cookie = r.vec8().ok()?;
        let expected = self.cookie(from, random);
        if !self.config.hello_verify || crypto::ct_eq(cookie, &expected) {
            return Some((true, Vec::new()));
        }
        // RFC 6347 §4.2.1: HelloVerifyRequest with the ClientHello's record and message
        // sequence numbers, so a stateless reply never reuses one of ours.
        let mut body = Vec::new();
        HandshakeMessage::HelloVerifyRequest(HelloVerifyRequest {
            version: ProtocolVersion::DTLS_1_0,
            cookie: &expected,
        })
        .emit_body(&mut body);
        let mut hs = Vec::new();
        HandshakeHeader {
            msg_type: HandshakeType::HELLO_VERIFY_REQUEST,
            length: body.len() as u32,
            message_seq: f.message_seq(),
            fragment_offset: 0,
            fragment_length: body.len() as u32,
        }
        .emit(&mut hs);
        hs.extend_from_slice(&body);
        let mut out = vec![0u8; record::HEADER_LEN + hs.len()];
        record::emit_header(
            &mut out,
            ContentType::HANDSHAKE,
            ProtocolVersion::DTLS_1_0,
            Epoch(0),
            rec.seq,
            hs.len(),
        );
        out[record::HEADER_LEN..].copy_from_slice(&hs);
        Some((false, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::{Certificate, FingerprintAlgorithm};
    use std::time::Duration;

    #[test]
    fn endpoint_serves_two_clients_with_stateless_cookies() {
        let mut now = strata_sim::epoch();
        let a = Certificate::generate([1; 32], 1_764_000_000);
        let b = Certificate::generate([2; 32], 1_764_000_000);
        let mut sc = Config::new(b.clone())
            .with_remote_fingerprints(vec![a.fingerprint(FingerprintAlgorithm::Sha256)])
            .with_seed([9; 32]);
        sc.hello_verify = true;
        let mut ep = Endpoint::new(sc, 8);
        let addrs: [SocketAddr; 2] = [
            "10.0.0.1:1000".parse().unwrap(),
            "10.0.0.2:2000".parse().unwrap(),
        ];
        let mut clients: Vec<Connection> = (0..2u8)
            .map(|i| {
                Connection::new(
                    Config::new(a.clone())
                        .with_remote_fingerprints(vec![b.fingerprint(FingerprintAlgorithm::Sha256)])
                        .with_seed([i + 20; 32]),
                    Role::Client,
                    now,
                )
            })
            .collect();
        let mut buf = Vec::new();
        for _ in 0..10 {
            for (i, c) in clients.iter_mut().enumerate() {
                while c.poll_transmit(now, &mut buf).is_some() {
                    ep.handle_packet(now, addrs[i], &buf).unwrap();
                }
            }
            while let Some((to, _)) = ep.poll_transmit(now, &mut buf) {
                let i = addrs.iter().position(|a| *a == to).unwrap();
                clients[i].handle_packet(now, &buf).unwrap();
            }
            now += Duration::from_millis(10);
            ep.handle_timeout(now);
        }
        assert!(clients.iter().all(Connection::is_connected));
        assert_eq!(ep.connections(), 2);
        assert_eq!(ep.stats().hello_verify_sent, 2);
        let connected: Vec<_> = std::iter::from_fn(|| ep.poll_event())
            .filter(|(_, e)| matches!(e, Event::Connected { .. }))
            .map(|(a, _)| a)
            .collect();
        assert_eq!(connected.len(), 2);
        // Data to one peer only.
        ep.send(addrs[1], b"to two").unwrap();
        let (to, _) = ep.poll_transmit(now, &mut buf).unwrap();
        assert_eq!(to, addrs[1]);
        clients[1].handle_packet(now, &buf).unwrap();
        assert!(
            std::iter::from_fn(|| clients[1].poll_event())
                .any(|e| e == Event::ApplicationData(b"to two".to_vec()))
        );
        // A ClientHello echoing a cookie minted for another address is answered again with a
        // HelloVerifyRequest, never accepted.
        let x: SocketAddr = "10.0.0.3:3000".parse().unwrap();
        let y: SocketAddr = "10.0.0.4:4000".parse().unwrap();
        let mut c3 = Connection::new(
            Config::new(a.clone()).with_seed([30; 32]),
            Role::Client,
            now,
        );
        c3.poll_transmit(now, &mut buf).unwrap();
        ep.handle_packet(now, x, &buf).unwrap();
        let (to, _) = ep.poll_transmit(now, &mut buf).unwrap();
        assert_eq!(to, x);
        c3.handle_packet(now, &buf).unwrap();
        c3.poll_transmit(now, &mut buf).unwrap(); // ClientHello with x's cookie
        ep.handle_packet(now, y, &buf).unwrap();
        assert_eq!(ep.connections(), 2);
        assert_eq!(ep.stats().hello_verify_sent, 4);
        let (to, _) = ep.poll_transmit(now, &mut buf).unwrap();
        assert_eq!(to, y);
        // Echoing y's cookie from y is accepted.
        c3.handle_packet(now, &buf).unwrap();
        c3.poll_transmit(now, &mut buf).unwrap();
        ep.handle_packet(now, y, &buf).unwrap();
        assert_eq!(ep.connections(), 3);
    }

    #[test]
    fn endpoint_is_bounded_and_drops_junk() {
        let now = strata_sim::epoch();
        let b = Certificate::generate([2; 32], 1_764_000_000);
        let mut sc = Config::new(b).with_seed([9; 32]);
        sc.hello_verify = false;
        let mut ep = Endpoint::new(sc, 1);
        let mut buf = Vec::new();
        for i in 0..3u8 {
            let mut c = Connection::new(
                Config::new(Certificate::generate([i + 40; 32], 0)).with_seed([i; 32]),
                Role::Client,
                now,
            );
            c.poll_transmit(now, &mut buf).unwrap();
            let from: SocketAddr = format!("10.0.1.{i}:5000").parse().unwrap();
            ep.handle_packet(now, from, &buf).unwrap();
        }
        assert_eq!(ep.connections(), 1);
        assert_eq!(ep.stats().refused_full, 2);
        ep.handle_packet(now, "10.9.9.9:1".parse().unwrap(), &[23, 0xfe, 0xfd])
            .unwrap();
        assert_eq!(ep.stats().dropped, 1);
    }
}
