//! webrtc-peer: offer to open data channel, two Peers in memory (no reference peer in this
//! process: the DESIGN.md goal is <= 20 ms Rust<->Rust on loopback, `strata offer` measures
//! that with sockets), and heap memory per established data-channel connection (goal
//! <= 64 KiB), measured over 1,000 peers (500 connected pairs) in one process.
#![allow(clippy::disallowed_methods)] // a bench reads the clock by design

use std::time::{Duration, Instant};

use stats_alloc::{INSTRUMENTED_SYSTEM, Region};
use webrtc_peer::{ChannelOptions, Config, Event, Peer};

/// Two peers, offer/answer, run to an open channel on a lossless zero-latency wire.
fn connect(seed: u64, t0: Instant) -> (Peer, Peer) {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    let a_addr = format!("10.{}.{}.1:5000", (seed >> 8) & 255, seed & 255)
        .parse()
        .unwrap();
    let b_addr = format!("10.{}.{}.2:6000", (seed >> 8) & 255, seed & 255)
        .parse()
        .unwrap();
    let mut a = Peer::new(Config::default().with_seed(s).with_host(a_addr), t0);
    s[31] = 1;
    let mut b = Peer::new(Config::default().with_seed(s).with_host(b_addr), t0);
    let ch = a
        .create_data_channel("bench", ChannelOptions::default())
        .unwrap();
    let o = a.create_offer().unwrap();
    a.set_local_description(&o).unwrap();
    b.set_remote_description(&a.local_description().unwrap())
        .unwrap();
    let ans = b.create_answer().unwrap();
    b.set_local_description(&ans).unwrap();
    a.set_remote_description(&b.local_description().unwrap())
        .unwrap();
    let mut now = t0;
    for _ in 0..10_000 {
        while let Some(t) = a.poll_transmit(now) {
            let _ = b.handle_datagram(now, t.from, t.to, &t.data);
        }
        while let Some(t) = b.poll_transmit(now) {
            let _ = a.handle_datagram(now, t.from, t.to, &t.data);
        }
        let mut open = false;
        while let Some(e) = a.poll_event() {
            open |= e == Event::ChannelOpen(ch);
        }
        while b.poll_event().is_some() {}
        if open {
            return (a, b);
        }
        now = [a.poll_timeout(), b.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now)
            .max(now + Duration::from_micros(1));
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    panic!("no open channel");
}

fn main() {
    let t0 = Instant::now();
    let mut seed = 0;
    let per = strata_benches::measure(|| {
        seed += 1;
        std::hint::black_box(connect(seed, t0));
    });
    println!(
        "{:<48} ours {:>10.3} ms  (CPU time of both ends, in memory; goal <= 20 ms wall on loopback)",
        "peer offer-to-open (in memory, both ends)",
        per.as_secs_f64() * 1e3
    );

    let n = 500;
    let region = Region::new(&INSTRUMENTED_SYSTEM);
    let pairs: Vec<(Peer, Peer)> = (0..n).map(|i| connect(1_000_000 + i, t0)).collect();
    let st = region.change();
    let live =
        st.bytes_allocated as i64 + st.bytes_reallocated as i64 - st.bytes_deallocated as i64;
    let per_peer = live as f64 / (2 * n) as f64;
    println!(
        "{:<48} {:>10.1} KiB per peer ({} peers; goal <= 64 KiB: {})",
        "peer memory per open data-channel connection",
        per_peer / 1024.0,
        2 * n,
        if per_peer <= 64.0 * 1024.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    std::hint::black_box(pairs);
}
