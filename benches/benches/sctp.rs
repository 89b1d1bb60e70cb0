//! SCTP goodput of an in-memory association pair, reliable ordered, ours against webrtc-rs
//! `sctp-proto` (sans-IO, driven the same way) in the same run: 1 KiB and 64 KiB messages,
//! 0 % and 1 % loss (every 100th packet dropped, both directions). One operation moves
//! 1 MiB of messages from one side to the other and reads them all. Also counts heap
//! allocations per message.
#![allow(clippy::disallowed_methods)] // a bench reads the clock by design

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sctp_proto::{
    Association as PAssoc, AssociationHandle, ClientConfig, DatagramEvent, Endpoint,
    EndpointConfig, Event as PEvent, Payload, PayloadProtocolIdentifier, ServerConfig,
};
use strata_sctp::{Association, Config, Event, SendOptions};

const BATCH: usize = 1 << 20;

/// Drops every `n`th packet when `n > 0`.
struct Dropper {
    n: u64,
    count: u64,
}

impl Dropper {
    fn drop(&mut self) -> bool {
        self.count += 1;
        self.n > 0 && self.count.is_multiple_of(self.n)
    }
}

struct Ours {
    a: Association,
    b: Association,
    now: Instant,
    buf: Vec<u8>,
    loss: Dropper,
}

impl Ours {
    fn new(loss_every: u64) -> Self {
        Self::with(loss_every, false)
    }

    fn with(loss_every: u64, zero_checksum: bool) -> Self {
        let mut cfg = Config::default();
        cfg.zero_checksum = zero_checksum;
        cfg.receive_window = 4 << 20;
        cfg.send_buffer = 4 << 20;
        cfg.heartbeat_interval = None;
        let now = Instant::now();
        let mut s = Ours {
            a: Association::new(cfg.clone().with_seed([1; 32]), now),
            b: Association::new(cfg.with_seed([2; 32]), now),
            now,
            buf: Vec::with_capacity(2048),
            loss: Dropper {
                n: loss_every,
                count: 0,
            },
        };
        s.a.connect(now).unwrap();
        s.b.connect(now).unwrap();
        while !(s.a.is_established() && s.b.is_established()) {
            s.step();
        }
        while s.a.poll_event().is_some() || s.b.poll_event().is_some() {}
        s
    }

    /// Moves packets both ways; when idle, jumps virtual time to the next timer.
    fn step(&mut self) -> bool {
        let mut moved = false;
        while let Some(n) = self.a.poll_transmit(self.now, &mut self.buf) {
            moved = true;
            if !self.loss.drop() {
                let _ = self.b.handle_packet(self.now, &self.buf[..n]);
            }
        }
        while let Some(n) = self.b.poll_transmit(self.now, &mut self.buf) {
            moved = true;
            if !self.loss.drop() {
                let _ = self.a.handle_packet(self.now, &self.buf[..n]);
            }
        }
        if !moved {
            let next = [self.a.poll_timeout(), self.b.poll_timeout()]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(self.now + Duration::from_millis(1));
            self.now = self.now.max(next);
            self.a.handle_timeout(self.now);
            self.b.handle_timeout(self.now);
        }
        moved
    }

    fn transfer(&mut self, payload: &[u8]) {
        let msgs = BATCH / payload.len();
        let (mut sent, mut got) = (0, 0);
        while got < msgs {
            while sent < msgs {
                match self
                    .a
                    .send(self.now, 1, 53, payload.to_vec(), SendOptions::default())
                {
                    Ok(()) => sent += 1,
                    Err(_) => break,
                }
            }
            self.step();
            while let Some(e) = self.b.poll_event() {
                if let Event::Message(m) = e {
                    debug_assert_eq!(m.data.len(), payload.len());
                    got += 1;
                }
            }
            while self.a.poll_event().is_some() {}
        }
    }
}

struct Side {
    ep: Endpoint,
    conn: Option<(AssociationHandle, PAssoc)>,
    addr: SocketAddr,
}

struct Theirs {
    client: Side,
    server: Side,
    now: Instant,
    loss: Dropper,
    read_buf: Vec<u8>,
}

impl Theirs {
    fn new(loss_every: u64) -> Self {
        let cfg = Arc::new(EndpointConfig::new());
        let server = Endpoint::new(cfg.clone(), Some(Arc::new(ServerConfig::new())));
        let mut client = Endpoint::new(cfg, None);
        let caddr: SocketAddr = "127.0.0.1:5001".parse().unwrap();
        let saddr: SocketAddr = "127.0.0.1:5002".parse().unwrap();
        let (ch, conn) = client.connect(ClientConfig::new(), saddr).unwrap();
        let mut t = Theirs {
            client: Side {
                ep: client,
                conn: Some((ch, conn)),
                addr: caddr,
            },
            server: Side {
                ep: server,
                conn: None,
                addr: saddr,
            },
            now: Instant::now(),
            loss: Dropper {
                n: loss_every,
                count: 0,
            },
            read_buf: vec![0; 1 << 17],
        };
        let mut up = (false, false);
        for _ in 0..10_000 {
            t.step();
            if let Some((_, c)) = t.client.conn.as_mut() {
                while let Some(e) = c.poll() {
                    up.0 |= matches!(e, PEvent::Connected);
                }
            }
            if let Some((_, c)) = t.server.conn.as_mut() {
                while let Some(e) = c.poll() {
                    up.1 |= matches!(e, PEvent::Connected);
                }
            }
            if up.0 && up.1 {
                break;
            }
        }
        assert!(up.0 && up.1, "sctp-proto pair did not connect");
        let (_, c) = t.client.conn.as_mut().unwrap();
        c.open_stream(1, PayloadProtocolIdentifier::Binary).unwrap();
        t
    }

    fn pump(from: &mut Side, to: &mut Side, now: Instant, loss: &mut Dropper) -> bool {
        let mut out = Vec::new();
        while let Some(t) = from.ep.poll_transmit() {
            out.push(t);
        }
        if let Some((ch, c)) = from.conn.as_mut() {
            while let Some(ev) = c.poll_endpoint_event() {
                if let Some(ae) = from.ep.handle_event(*ch, ev) {
                    c.handle_event(ae);
                }
            }
            while let Some(t) = c.poll_transmit(now) {
                out.push(t);
            }
        }
        let moved = !out.is_empty();
        for t in out {
            let Payload::RawEncode(v) = t.payload else {
                continue;
            };
            for b in v {
                if loss.drop() {
                    continue;
                }
                match to.ep.handle(now, from.addr, None, None, b) {
                    Some((ch, DatagramEvent::NewAssociation(c))) => to.conn = Some((ch, c)),
                    Some((_, DatagramEvent::AssociationEvent(e))) => {
                        if let Some((_, c)) = to.conn.as_mut() {
                            c.handle_event(e);
                        }
                    }
                    None => {}
                }
            }
        }
        moved
    }

    fn step(&mut self) -> bool {
        let a = Self::pump(&mut self.client, &mut self.server, self.now, &mut self.loss);
        let b = Self::pump(&mut self.server, &mut self.client, self.now, &mut self.loss);
        if !(a || b) {
            let next = [
                self.client.conn.as_ref().and_then(|c| c.1.poll_timeout()),
                self.server.conn.as_ref().and_then(|c| c.1.poll_timeout()),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(self.now + Duration::from_millis(1));
            self.now = self.now.max(next);
            for side in [&mut self.client, &mut self.server] {
                if let Some((_, c)) = side.conn.as_mut() {
                    c.handle_timeout(self.now);
                }
            }
        }
        a || b
    }

    fn transfer(&mut self, payload: &Bytes) {
        let msgs = BATCH / payload.len();
        {
            let (_, c) = self.client.conn.as_mut().unwrap();
            let mut s = c.stream(1).unwrap();
            for _ in 0..msgs {
                s.write_sctp(payload, PayloadProtocolIdentifier::Binary)
                    .unwrap();
            }
        }
        let mut got = 0;
        while got < msgs {
            self.step();
            let (_, c) = self.server.conn.as_mut().unwrap();
            while c.accept_stream().is_some() {}
            while c.poll().is_some() {}
            if let Ok(mut s) = c.stream(1) {
                while let Ok(Some(chunks)) = s.read_sctp() {
                    let n = chunks.read(&mut self.read_buf).unwrap();
                    debug_assert_eq!(n, payload.len());
                    got += 1;
                }
            }
            let (_, c) = self.client.conn.as_mut().unwrap();
            while c.poll().is_some() {}
        }
    }
}

fn gbps(d: Duration) -> f64 {
    (BATCH as f64 * 8.0) / d.as_secs_f64() / 1e9
}

fn main() {
    {
        // Ours alone with RFC 9653 zero checksum (both sides advertise it; DTLS already
        // protects the packets): sctp-proto has no equivalent, so no ratio.
        let payload = vec![0xa5u8; 65536];
        let mut ours = Ours::with(0, true);
        assert!(ours.a.uses_zero_checksum());
        ours.transfer(&payload);
        let t = strata_benches::measure(|| ours.transfer(&payload));
        println!(
            "sctp goodput 1 MiB of 64KiB msgs, 0% loss, zero checksum (ours only): {:.1} ns, {:.2} Gbit/s",
            t.as_secs_f64() * 1e9,
            gbps(t)
        );
    }
    for (size, label) in [(1024usize, "1KiB"), (65536, "64KiB")] {
        for (loss, lname) in [(0u64, "0%"), (100, "1%")] {
            let payload = vec![0xa5u8; size];
            let bytes = Bytes::from(payload.clone());
            let mut ours = Ours::new(loss);
            let mut theirs = Theirs::new(loss);
            ours.transfer(&payload);
            theirs.transfer(&bytes);
            let (_, ours_allocs) = strata_benches::allocations(|| ours.transfer(&payload));
            let (_, their_allocs) = strata_benches::allocations(|| theirs.transfer(&bytes));
            let msgs = (BATCH / size) as f64;
            let settings = strata_benches::Settings {
                sample: Duration::from_millis(if size == 1024 { 30 } else { 20 }),
                samples: if std::env::var_os("STRATA_BENCH_QUICK").is_some() {
                    5
                } else {
                    15
                },
            };
            let c = strata_benches::compare_with(
                settings,
                &format!("sctp goodput 1 MiB of {label} msgs, {lname} loss"),
                "sctp-proto 0.9",
                || ours.transfer(&payload),
                || theirs.transfer(&bytes),
            );
            c.report(if loss == 0 { Some(3.0) } else { None });
            println!(
                "    ours {:.2} Gbit/s, sctp-proto {:.2} Gbit/s; allocations per message: ours {:.1}, sctp-proto {:.1}",
                gbps(c.ours),
                gbps(c.theirs),
                ours_allocs as f64 / msgs,
                their_allocs as f64 / msgs
            );
        }
    }
}
