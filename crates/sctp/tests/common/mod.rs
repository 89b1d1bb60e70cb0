//! A tiny deterministic in-memory network for two associations: virtual time, seeded loss,
//! duplication, reordering, jitter and an MTU. (strata-sim offers the same; this keeps the
//! crate's tests independent of it.)
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use strata_sctp::{Association, ChannelEvent, Config, DataChannels, DtlsRole, Event};

/// The sans-IO shape both machines share.
pub trait Node {
    type Ev: std::fmt::Debug + PartialEq;
    fn make(cfg: Config, side: u8, now: Instant) -> Self;
    fn packet(&mut self, now: Instant, data: &[u8]);
    fn timeout(&mut self, now: Instant);
    fn transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize>;
    fn deadline(&self) -> Option<Instant>;
    fn event(&mut self) -> Option<Self::Ev>;
}

impl Node for Association {
    type Ev = Event;
    fn make(cfg: Config, _side: u8, now: Instant) -> Self {
        Association::new(cfg, now)
    }
    fn packet(&mut self, now: Instant, data: &[u8]) {
        let _ = self.handle_packet(now, data);
    }
    fn timeout(&mut self, now: Instant) {
        self.handle_timeout(now)
    }
    fn transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        self.poll_transmit(now, buf)
    }
    fn deadline(&self) -> Option<Instant> {
        self.poll_timeout()
    }
    fn event(&mut self) -> Option<Event> {
        self.poll_event()
    }
}

impl Node for DataChannels {
    type Ev = ChannelEvent;
    fn make(cfg: Config, side: u8, now: Instant) -> Self {
        let role = if side == 1 {
            DtlsRole::Client
        } else {
            DtlsRole::Server
        };
        DataChannels::new(cfg, role, now)
    }
    fn packet(&mut self, now: Instant, data: &[u8]) {
        let _ = self.handle_packet(now, data);
    }
    fn timeout(&mut self, now: Instant) {
        self.handle_timeout(now)
    }
    fn transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        self.poll_transmit(now, buf)
    }
    fn deadline(&self) -> Option<Instant> {
        self.poll_timeout()
    }
    fn event(&mut self) -> Option<ChannelEvent> {
        self.poll_event()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub loss: f64,
    pub duplicate: f64,
    pub reorder: f64,
    pub latency: Duration,
    pub jitter: Duration,
    pub mtu: usize,
}

impl Default for Link {
    fn default() -> Self {
        Link {
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            latency: Duration::from_millis(10),
            jitter: Duration::ZERO,
            mtu: 1500,
        }
    }
}

impl Link {
    pub fn lossy(loss: f64) -> Self {
        Link {
            loss,
            duplicate: loss / 4.0,
            reorder: loss / 2.0,
            jitter: Duration::from_millis(2),
            ..Link::default()
        }
    }
}

pub struct Pair<N: Node = Association> {
    pub a: N,
    pub b: N,
    pub now: Instant,
    pub link: Link,
    pub ea: Vec<N::Ev>,
    pub eb: Vec<N::Ev>,
    rng: ChaCha8Rng,
    queue: BinaryHeap<(Reverse<Instant>, u64, bool, Vec<u8>)>,
    seq: u64,
    buf: Vec<u8>,
    pub steps: u64,
    pub dropped: u64,
    pub delivered: u64,
}

pub fn base() -> Instant {
    #[allow(clippy::disallowed_methods)]
    Instant::now()
}

pub fn seed32(seed: u64, side: u8) -> [u8; 32] {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    s[8] = side;
    s
}

impl<N: Node> Pair<N> {
    pub fn new(seed: u64, ca: Config, cb: Config, link: Link) -> Self {
        let now = base();
        Pair {
            a: N::make(ca.with_seed(seed32(seed, 1)), 1, now),
            b: N::make(cb.with_seed(seed32(seed, 2)), 2, now),
            now,
            link,
            ea: Vec::new(),
            eb: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            queue: BinaryHeap::new(),
            seq: 0,
            buf: Vec::with_capacity(2048),
            steps: 0,
            dropped: 0,
            delivered: 0,
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (self.rng.next_u64() as f64 / u64::MAX as f64) < p
    }

    fn schedule(&mut self, to_b: bool, data: Vec<u8>) {
        if data.len() > self.link.mtu || self.chance(self.link.loss) {
            self.dropped += 1;
            return;
        }
        let copies = if self.chance(self.link.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let mut d = self.link.latency;
            if !self.link.jitter.is_zero() {
                d += Duration::from_nanos(self.rng.next_u64() % self.link.jitter.as_nanos() as u64);
            }
            if self.chance(self.link.reorder) {
                d += self.link.latency;
            }
            self.seq += 1;
            self.queue
                .push((Reverse(self.now + d), self.seq, to_b, data.clone()));
        }
    }

    /// Moves every pending transmit onto the wire and collects events.
    pub fn flush(&mut self) {
        loop {
            let mut any = false;
            let mut buf = std::mem::take(&mut self.buf);
            while let Some(n) = self.a.transmit(self.now, &mut buf) {
                any = true;
                let d = buf[..n].to_vec();
                self.schedule(true, d);
            }
            while let Some(n) = self.b.transmit(self.now, &mut buf) {
                any = true;
                let d = buf[..n].to_vec();
                self.schedule(false, d);
            }
            self.buf = buf;
            while let Some(e) = self.a.event() {
                self.ea.push(e);
            }
            while let Some(e) = self.b.event() {
                self.eb.push(e);
            }
            if !any {
                break;
            }
        }
    }

    /// Advances to the next packet delivery or timer. False when nothing is left to do.
    pub fn step(&mut self) -> bool {
        self.flush();
        self.steps += 1;
        let next_pkt = self.queue.peek().map(|(Reverse(t), ..)| *t);
        let next = [next_pkt, self.a.deadline(), self.b.deadline()]
            .into_iter()
            .flatten()
            .min();
        let Some(next) = next else { return false };
        if next > self.now {
            self.now = next;
        }
        while let Some((Reverse(t), ..)) = self.queue.peek() {
            if *t > self.now {
                break;
            }
            let (_, _, to_b, data) = self.queue.pop().expect("peeked");
            self.delivered += 1;
            if to_b {
                self.b.packet(self.now, &data);
            } else {
                self.a.packet(self.now, &data);
            }
        }
        if self.a.deadline().is_some_and(|t| t <= self.now) {
            self.a.timeout(self.now);
        }
        if self.b.deadline().is_some_and(|t| t <= self.now) {
            self.b.timeout(self.now);
        }
        self.flush();
        true
    }

    /// Runs until `done` returns true; panics with the seed context after `limit` of virtual
    /// time or too many steps.
    pub fn run_until(
        &mut self,
        limit: Duration,
        mut done: impl FnMut(&mut Pair<N>) -> bool,
    ) -> bool {
        let end = self.now + limit;
        while self.now < end && self.steps < 50_000_000 {
            if done(self) {
                return true;
            }
            if !self.step() {
                return done(self);
            }
        }
        done(self)
    }
}

impl Pair<Association> {
    pub fn connected(&self) -> bool {
        self.ea.contains(&Event::Connected) && self.eb.contains(&Event::Connected)
    }
}
