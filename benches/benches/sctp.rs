//! SCTP goodput of an in-memory association pair, reliable ordered, ours against two webrtc-rs
//! references in the same run: `sctp-proto` (sans-IO, driven the same way as ours) and
//! `webrtc-sctp` (async, over a tokio current-thread runtime and an in-memory channel `Conn`).
//! 1 KiB and 64 KiB messages, 0 % and 1 % loss (every 100th packet dropped, both directions
//! sharing one counter). One operation moves 1 MiB of messages from one side to the other and
//! reads them all. The three sides are sampled interleaved; the ratio is against the faster
//! reference. Also counts heap allocations per message.
//!
//! Time: ours and sctp-proto jump a virtual clock to the next timer when idle; webrtc-sctp gets
//! the same with a paused tokio clock (it auto-advances to the next timer only when every task
//! is idle). Goodput is always measured on the wall clock.
#![allow(clippy::disallowed_methods)] // a bench reads the clock by design

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use sctp_proto::{
    Association as PAssoc, AssociationHandle, ClientConfig, DatagramEvent, Endpoint,
    EndpointConfig, Event as PEvent, Payload, PayloadProtocolIdentifier, ServerConfig,
};
use strata_sctp::{Association, Config, Event, SendOptions};
use tokio::sync::{Mutex, mpsc};
use webrtc_sctp::association::{Association as WAssoc, Config as WConfig};
use webrtc_sctp::chunk::chunk_payload_data::PayloadProtocolIdentifier as WPpi;
use webrtc_sctp::stream::Stream as WStream;
use webrtc_util::Conn;

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

/// One end of an in-memory datagram pipe for webrtc-sctp: an unbounded channel each way (the
/// SCTP receive window bounds what is in flight), dropping every `n`th packet sent.
struct MemConn {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    rx: Mutex<mpsc::UnboundedReceiver<Vec<u8>>>,
    local: SocketAddr,
    peer: SocketAddr,
    loss: Arc<SharedDropper>,
}

/// [`Dropper`] shared by both directions, as the other drivers share one.
struct SharedDropper {
    n: u64,
    count: AtomicU64,
}

impl SharedDropper {
    fn lose(&self) -> bool {
        let c = self.count.fetch_add(1, Ordering::Relaxed) + 1;
        self.n > 0 && c.is_multiple_of(self.n)
    }
}

fn mem_pair(loss_every: u64) -> (MemConn, MemConn) {
    let loss = Arc::new(SharedDropper {
        n: loss_every,
        count: AtomicU64::new(0),
    });
    let (a_tx, a_rx) = mpsc::unbounded_channel();
    let (b_tx, b_rx) = mpsc::unbounded_channel();
    let a: SocketAddr = "127.0.0.1:5001".parse().unwrap();
    let b: SocketAddr = "127.0.0.1:5002".parse().unwrap();
    (
        MemConn {
            tx: b_tx,
            rx: Mutex::new(a_rx),
            local: a,
            peer: b,
            loss: loss.clone(),
        },
        MemConn {
            tx: a_tx,
            rx: Mutex::new(b_rx),
            local: b,
            peer: a,
            loss,
        },
    )
}

#[async_trait]
impl Conn for MemConn {
    async fn connect(&self, _addr: SocketAddr) -> webrtc_util::Result<()> {
        Ok(())
    }

    async fn recv(&self, buf: &mut [u8]) -> webrtc_util::Result<usize> {
        let p = self.rx.lock().await.recv().await;
        let p = p.ok_or_else(|| std::io::Error::other("pipe closed"))?;
        let n = p.len().min(buf.len());
        buf[..n].copy_from_slice(&p[..n]);
        Ok(n)
    }

    async fn recv_from(&self, buf: &mut [u8]) -> webrtc_util::Result<(usize, SocketAddr)> {
        Ok((self.recv(buf).await?, self.peer))
    }

    async fn send(&self, buf: &[u8]) -> webrtc_util::Result<usize> {
        if !self.loss.lose() {
            // A closed peer is a lost packet, as on a real network.
            let _ = self.tx.send(buf.to_vec());
        }
        Ok(buf.len())
    }

    async fn send_to(&self, buf: &[u8], _target: SocketAddr) -> webrtc_util::Result<usize> {
        self.send(buf).await
    }

    fn local_addr(&self) -> webrtc_util::Result<SocketAddr> {
        Ok(self.local)
    }

    fn remote_addr(&self) -> Option<SocketAddr> {
        Some(self.peer)
    }

    async fn close(&self) -> webrtc_util::Result<()> {
        Ok(())
    }

    fn as_any(&self) -> &(dyn std::any::Any + Send + Sync) {
        self
    }
}

/// webrtc-sctp pair on a current-thread runtime built once, outside the timed region.
struct Webrtc {
    // Fields drop in order: associations and streams before the runtime that runs their tasks.
    tx: Arc<WStream>,
    rx: Arc<WStream>,
    // Held only to keep the associations (and their tasks) alive.
    _client: WAssoc,
    _server: WAssoc,
    read_buf: Vec<u8>,
    rt: tokio::runtime::Runtime,
}

impl Webrtc {
    fn new(loss_every: u64) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let mut read_buf = vec![0; 1 << 17];
        let (client, server, tx, rx) = rt.block_on(async {
            let (ca, cb) = mem_pair(loss_every);
            let config = |conn: MemConn, name: &str| WConfig {
                net_conn: Arc::new(conn),
                // Same receive window as ours.
                max_receive_buffer_size: 4 << 20,
                max_message_size: 65536,
                mtu: 0,
                name: name.to_string(),
                local_port: 5000,
                remote_port: 5000,
            };
            let (client, server) = tokio::join!(
                WAssoc::client(config(ca, "client")),
                WAssoc::server(config(cb, "server"))
            );
            let (client, server) = (client.unwrap(), server.unwrap());
            let tx = client.open_stream(1, WPpi::Binary).await.unwrap();
            tx.write(&Bytes::from_static(b"open")).await.unwrap();
            let rx = server.accept_stream().await.unwrap();
            assert_eq!(rx.read(&mut read_buf).await.unwrap(), 4);
            (client, server, tx, rx)
        });
        Webrtc {
            tx,
            rx,
            _client: client,
            _server: server,
            read_buf,
            rt,
        }
    }

    fn transfer(&mut self, payload: &Bytes) {
        let msgs = BATCH / payload.len();
        let (tx, rx, buf) = (&self.tx, &self.rx, &mut self.read_buf);
        self.rt.block_on(async {
            let write = async {
                for _ in 0..msgs {
                    tx.write(payload).await.unwrap();
                }
            };
            let read = async {
                for _ in 0..msgs {
                    let n = rx.read(buf).await.unwrap();
                    debug_assert_eq!(n, payload.len());
                }
            };
            tokio::join!(write, read);
        });
    }
}

/// Interleaved samples of several operations (one sample of each in turn, so that drift on a
/// shared machine hits all alike); returns the median wall time per operation of each.
fn sample_all(settings: strata_benches::Settings, ops: &mut [&mut dyn FnMut()]) -> Vec<Duration> {
    let batches: Vec<u32> = ops
        .iter_mut()
        .map(|op| {
            let start = Instant::now();
            op();
            let once = start.elapsed().as_secs_f64().max(1e-9);
            (settings.sample.as_secs_f64() / once)
                .ceil()
                .clamp(1.0, 1e6) as u32
        })
        .collect();
    let mut times = vec![Vec::with_capacity(settings.samples); ops.len()];
    for _ in 0..settings.samples {
        for ((op, &batch), t) in ops.iter_mut().zip(&batches).zip(&mut times) {
            let start = Instant::now();
            for _ in 0..batch {
                op();
            }
            t.push(start.elapsed() / batch);
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort_unstable();
            t[t.len() / 2]
        })
        .collect()
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
            let mut proto = Theirs::new(loss);
            let mut webrtc = Webrtc::new(loss);
            ours.transfer(&payload);
            proto.transfer(&bytes);
            webrtc.transfer(&bytes);
            let (_, ours_allocs) = strata_benches::allocations(|| ours.transfer(&payload));
            let (_, proto_allocs) = strata_benches::allocations(|| proto.transfer(&bytes));
            let (_, webrtc_allocs) = strata_benches::allocations(|| webrtc.transfer(&bytes));
            let msgs = (BATCH / size) as f64;
            let settings = strata_benches::Settings {
                sample: Duration::from_millis(if size == 1024 { 30 } else { 20 }),
                samples: if std::env::var_os("STRATA_BENCH_QUICK").is_some() {
                    5
                } else {
                    15
                },
            };
            let t = sample_all(
                settings,
                &mut [
                    &mut || ours.transfer(&payload),
                    &mut || proto.transfer(&bytes),
                    &mut || webrtc.transfer(&bytes),
                ],
            );
            let refs = [("sctp-proto 0.9", t[1]), ("webrtc-sctp 0.17", t[2])];
            let (faster, faster_t) = if refs[0].1 <= refs[1].1 {
                refs[0]
            } else {
                refs[1]
            };
            let c = strata_benches::Comparison {
                name: format!("sctp goodput 1 MiB of {label} msgs, {lname} loss"),
                ours: t[0],
                theirs: faster_t,
                reference: faster.to_string(),
            };
            c.report(if loss == 0 { Some(3.0) } else { None });
            println!(
                "    Gbit/s: ours {:.2}, sctp-proto {:.2} ({:.2}x), webrtc-sctp {:.2} ({:.2}x){}",
                gbps(t[0]),
                gbps(t[1]),
                t[1].as_secs_f64() / t[0].as_secs_f64(),
                gbps(t[2]),
                t[2].as_secs_f64() / t[0].as_secs_f64(),
                match (size, loss) {
                    (65536, 0) if gbps(t[0]) >= 5.0 => " (goal ours >= 5 Gbit/s: met)",
                    (65536, 0) => " (goal ours >= 5 Gbit/s: NOT met)",
                    _ => "",
                }
            );
            println!(
                "    allocations per message: ours {:.1}, sctp-proto {:.1}, webrtc-sctp {:.1}",
                ours_allocs as f64 / msgs,
                proto_allocs as f64 / msgs,
                webrtc_allocs as f64 / msgs
            );
        }
    }
}
