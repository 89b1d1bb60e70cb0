//! A tiny in-memory pump for two connections (virtual time, optional per-datagram filter).
#![allow(dead_code, clippy::disallowed_methods)]

pub mod interop;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use strata_dtls::*;

pub const T_UNIX: u64 = 1_764_000_000;

pub fn t0() -> Instant {
    static T: OnceLock<Instant> = OnceLock::new();
    *T.get_or_init(Instant::now)
}

pub fn certs() -> (Certificate, Certificate) {
    (
        Certificate::generate([1; 32], T_UNIX),
        Certificate::generate([2; 32], T_UNIX),
    )
}

pub fn client_with(f: impl FnOnce(&mut Config)) -> Connection {
    let (a, b) = certs();
    let mut c = Config::new(a)
        .with_remote_fingerprints(vec![b.fingerprint(FingerprintAlgorithm::Sha256)])
        .with_seed([3; 32]);
    f(&mut c);
    Connection::new(c, Role::Client, t0())
}

pub fn server_with(f: impl FnOnce(&mut Config)) -> Connection {
    let (a, b) = certs();
    let mut c = Config::new(b)
        .with_remote_fingerprints(vec![a.fingerprint(FingerprintAlgorithm::Sha256)])
        .with_seed([4; 32]);
    f(&mut c);
    Connection::new(c, Role::Server, t0())
}

/// Client and server configs that trust each other (seeds 3 and 4), the server without
/// cookies, both with `mtu`: a handshake that replays byte for byte.
pub fn seeded_configs(mtu: usize) -> (Config, Config) {
    let (a, b) = certs();
    let fa = a.fingerprint(FingerprintAlgorithm::Sha256);
    let fb = b.fingerprint(FingerprintAlgorithm::Sha256);
    let mut c = Config::new(a)
        .with_remote_fingerprints(vec![fb])
        .with_seed([3; 32]);
    c.mtu = mtu;
    let mut s = Config::new(b)
        .with_remote_fingerprints(vec![fa])
        .with_seed([4; 32]);
    s.hello_verify = false;
    s.mtu = mtu;
    (c, s)
}

pub fn drain(c: &mut Connection, now: Instant) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while c.poll_transmit(now, &mut buf).is_some() {
        out.push(buf.clone());
    }
    out
}

pub fn srtp_of(ev: &[Event]) -> Option<SrtpKeyingMaterial> {
    ev.iter().find_map(|e| match e {
        Event::SrtpKeyingMaterial(k) => Some(k.clone()),
        _ => None,
    })
}

pub struct Pair {
    pub client: Connection,
    pub server: Connection,
    pub client_events: Vec<Event>,
    pub server_events: Vec<Event>,
    pub now: Instant,
    pub max_seen: usize,
    pub datagrams: usize,
    pub server_cert: Certificate,
}

impl Pair {
    pub fn new(cf: impl FnOnce(&mut Config), sf: impl FnOnce(&mut Config)) -> (Self, ()) {
        let (_, b) = certs();
        (
            Self {
                client: client_with(cf),
                server: server_with(sf),
                client_events: Vec::new(),
                server_events: Vec::new(),
                now: t0(),
                max_seen: 0,
                datagrams: 0,
                server_cert: b,
            },
            (),
        )
    }

    pub fn with_fingerprint_alg(alg: FingerprintAlgorithm) -> (Self, ()) {
        let (a, b) = certs();
        Self::new(
            |c| c.remote_fingerprints = vec![b.fingerprint(alg)],
            |s| s.remote_fingerprints = vec![a.fingerprint(alg)],
        )
    }

    pub fn deliver_client_to_server(&mut self, mut keep: impl FnMut(&[u8]) -> bool) {
        for d in drain(&mut self.client, self.now) {
            self.max_seen = self.max_seen.max(d.len());
            self.datagrams += 1;
            if keep(&d) {
                let _ = self.server.handle_packet(self.now, &d);
            }
        }
    }

    pub fn deliver_server_to_client(&mut self, mut keep: impl FnMut(&[u8]) -> bool) {
        for d in drain(&mut self.server, self.now) {
            self.max_seen = self.max_seen.max(d.len());
            self.datagrams += 1;
            if keep(&d) {
                let _ = self.client.handle_packet(self.now, &d);
            }
        }
    }

    fn collect(&mut self) {
        while let Some(e) = self.client.poll_event() {
            self.client_events.push(e);
        }
        while let Some(e) = self.server.poll_event() {
            self.server_events.push(e);
        }
    }

    /// `rounds` exchanges, advancing virtual time by 10 ms each and firing timers.
    pub fn pump(&mut self, rounds: usize) {
        for _ in 0..rounds {
            self.deliver_client_to_server(|_| true);
            self.deliver_server_to_client(|_| true);
            self.collect();
            self.now += Duration::from_millis(10);
            self.client.handle_timeout(self.now);
            self.server.handle_timeout(self.now);
        }
        self.collect();
    }

    pub fn run_until_connected(&mut self) {
        for _ in 0..50 {
            self.pump(1);
            if self.client.is_connected() && self.server.is_connected() {
                return;
            }
        }
        panic!(
            "no connection: client {:?} server {:?}",
            self.client, self.server
        );
    }
}

/// A ClientHello datagram (record + handshake header) built by hand, with or without EMS.
pub fn client_hello_bytes(ems: bool) -> Vec<u8> {
    let mut body = vec![0xfe, 0xfd];
    body.extend_from_slice(&[7; 32]);
    body.push(0); // session id
    body.push(0); // cookie
    body.extend_from_slice(&[0, 2, 0xc0, 0x2b]);
    body.extend_from_slice(&[1, 0]);
    let mut ext = Vec::new();
    ext.extend_from_slice(&[0, 10, 0, 4, 0, 2, 0, 29]);
    ext.extend_from_slice(&[0, 13, 0, 4, 0, 2, 4, 3]);
    if ems {
        ext.extend_from_slice(&[0, 23, 0, 0]);
    }
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    handshake_record(1, 0, &body)
}

/// Wraps a handshake body into one epoch-0 record with an unfragmented header.
pub fn handshake_record(msg_type: u8, seq: u16, body: &[u8]) -> Vec<u8> {
    let len = body.len() as u32;
    let mut hs = vec![msg_type];
    hs.extend_from_slice(&len.to_be_bytes()[1..]);
    hs.extend_from_slice(&seq.to_be_bytes());
    hs.extend_from_slice(&[0, 0, 0]);
    hs.extend_from_slice(&len.to_be_bytes()[1..]);
    hs.extend_from_slice(body);
    let mut rec = vec![22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// Walks the epoch-0 handshake fragments of a datagram and hands each (msg_type,
/// fragment_offset, message length, fragment body) to `f` for in-place mutation.
pub fn for_each_fragment(d: &mut [u8], mut f: impl FnMut(u8, usize, usize, &mut [u8])) {
    let mut at = 0;
    while at + 13 <= d.len() {
        let len = u16::from_be_bytes([d[at + 11], d[at + 12]]) as usize;
        let end = (at + 13 + len).min(d.len());
        let epoch = u16::from_be_bytes([d[at + 3], d[at + 4]]);
        if d[at] == 22 && epoch == 0 {
            let mut h = at + 13;
            while h + 12 <= end {
                let u24 = |b: &[u8]| u32::from_be_bytes([0, b[0], b[1], b[2]]) as usize;
                let (t, total) = (d[h], u24(&d[h + 1..]));
                let (off, flen) = (u24(&d[h + 6..]), u24(&d[h + 9..]));
                let body_end = (h + 12 + flen).min(end);
                f(t, off, total, &mut d[h + 12..body_end]);
                h = body_end;
            }
        }
        at = end;
    }
}
