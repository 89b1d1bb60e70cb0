//! Loss reaction against a bottleneck that tail-drops bursts (RFC 9260 §6.1 Max.Burst, §6.3
//! T3-rtx and RTO back-off, §7.2 slow start, congestion avoidance, fast retransmit/recovery).
//!
//! The link from the sender is rate-limited with a small FIFO queue, the way a slow receiver's
//! socket buffer behaves: whatever arrives faster than it drains past the queue bound is lost.
//! A sender that reacts to loss as RFC 9260 asks retransmits roughly what the queue dropped;
//! one that keeps blasting or re-sends what merely sat in the queue retransmits far more.

use std::net::SocketAddr;
use std::time::Duration;

use strata_sctp::{Config, Error, Event, SendOptions};
use strata_sim::{LinkConfig, NodeId, Sim};

#[path = "common/sim_node.rs"]
mod sim_node;
use sim_node::SimNode as Node;

fn message(i: u32) -> Vec<u8> {
    let mut d: Vec<u8> = (0..1024u32)
        .map(|k| (k ^ i.wrapping_mul(31)) as u8)
        .collect();
    d[..4].copy_from_slice(&i.to_be_bytes());
    d
}

struct Outcome {
    data_chunks: u64,
    retransmissions: u64,
    t3: u64,
    fr: u64,
    max_burst: u64,
    queue_dropped: u64,
    elapsed: Duration,
}

const MESSAGES: u32 = 1000;

/// Largest run of DATA packets one input may release (the sim drains after every input):
/// Max.Burst (4) for the SACK, up to 4 carried over from the previous drain, and the one fast
/// retransmission packet that RFC 9260 §7.2.4 lets past cwnd.
const BURST_BOUND: u64 = 2 * 4 + 1;

const A: &str = "10.0.0.1:5000";
const B: &str = "10.0.0.2:5000";

/// Two established associations, a → b over `link`; the SACK path b → a only has the latency.
struct Harness {
    sim: Sim<Node>,
    a: NodeId,
    b: NodeId,
    a_addr: SocketAddr,
    b_addr: SocketAddr,
    next: u32,
}

impl Harness {
    fn new(seed: u64, link: LinkConfig) -> Result<Self, String> {
        let mut sim: Sim<Node> = Sim::new(seed);
        let a_addr: SocketAddr = A.parse().unwrap();
        let b_addr: SocketAddr = B.parse().unwrap();
        let back = LinkConfig {
            latency: link.latency,
            ..LinkConfig::default()
        };
        sim.set_link(a_addr, b_addr, link);
        sim.set_link(b_addr, a_addr, back);
        let now = sim.now();
        let mut s = [0u8; 32];
        s[..8].copy_from_slice(&seed.to_le_bytes());
        s[8] = 1;
        let a = sim.add_node(
            a_addr,
            Node::new(Config::default(), s, a_addr, b_addr, now).counting(),
        );
        s[8] = 2;
        let b = sim.add_node(
            b_addr,
            Node::new(Config::default(), s, b_addr, a_addr, now).counting(),
        );
        sim.with_node(a, |n, now| n.assoc.connect(now))
            .map_err(|e| e.to_string())?;
        sim.with_node(b, |n, now| n.assoc.connect(now))
            .map_err(|e| e.to_string())?;
        let (mut a_up, mut b_up) = (false, false);
        sim.run_until(Duration::from_secs(30), |s| {
            a_up |= s.take_events(a).contains(&Event::Connected);
            b_up |= s.take_events(b).contains(&Event::Connected);
            a_up && b_up
        })
        .map_err(|e| format!("handshake: {e}"))?;
        Ok(Harness {
            sim,
            a,
            b,
            a_addr,
            b_addr,
            next: 0,
        })
    }

    /// The application writes `count` × 1 KiB reliable ordered messages at once (as the echo
    /// does with a burst of input); runs until all are delivered and acknowledged, and checks
    /// they arrived exactly once, intact and in order.
    fn transfer(&mut self, count: u32) -> Result<Outcome, String> {
        let (a, b) = (self.a, self.b);
        let sim = &mut self.sim;
        let start = sim.elapsed();
        let stats0 = sim.node(a).assoc.stats();
        let chunks0 = sim.node(a).data_chunks;
        let link0 = sim.link_stats(self.a_addr, self.b_addr);
        sim.node_mut(a).max_burst = 0;
        let first = self.next;
        for i in first..first + count {
            let r = sim.with_node(a, |n, now| {
                n.assoc.send(now, 0, 53, message(i), SendOptions::default())
            });
            match r {
                Ok(()) => {}
                Err(Error::WouldBlock) => return Err("send buffer too small for the test".into()),
                Err(e) => return Err(format!("send: {e}")),
            }
        }
        self.next += count;
        let mut got = Vec::with_capacity(count as usize);
        let mut bad = None;
        sim.run_until(Duration::from_secs(600), |s| {
            for e in s.take_events(b) {
                if let Event::Message(m) = e {
                    let i = u32::from_be_bytes(m.data[..4].try_into().unwrap());
                    if m.data != message(i) {
                        bad = Some(i);
                    }
                    got.push(i);
                }
            }
            s.take_events(a);
            got.len() >= count as usize && s.node(a).assoc.buffered_total() == 0
        })
        .map_err(|e| {
            format!(
                "{e}: delivered {} of {count}, a {:?} cwnd {:?}",
                got.len(),
                sim.node(a).assoc.stats(),
                sim.node(a).assoc.congestion()
            )
        })?;
        if let Some(i) = bad {
            return Err(format!("message {i} corrupted"));
        }
        let want: Vec<u32> = (first..first + count).collect();
        if got != want {
            return Err(format!(
                "not delivered exactly once in order: {} messages, first mismatch at {:?}",
                got.len(),
                got.iter().zip(&want).position(|(x, y)| x != y)
            ));
        }
        let node = sim.node(a);
        let st = node.assoc.stats();
        let link = sim.link_stats(self.a_addr, self.b_addr);
        Ok(Outcome {
            data_chunks: node.data_chunks - chunks0,
            retransmissions: st.retransmissions - stats0.retransmissions,
            t3: st.t3_expirations - stats0.t3_expirations,
            fr: st.fast_recoveries - stats0.fast_recoveries,
            max_burst: node.max_burst,
            queue_dropped: link.queue_dropped - link0.queue_dropped,
            elapsed: sim.elapsed() - start,
        })
    }
}

fn transfer(seed: u64, link: LinkConfig) -> Result<Outcome, String> {
    Harness::new(seed, link)?.transfer(MESSAGES)
}

fn link(rate_bps: u64, queue_limit: usize, latency_ms: u64) -> LinkConfig {
    LinkConfig {
        latency: Duration::from_millis(latency_ms),
        rate_bps: Some(rate_bps),
        queue_limit,
        ..LinkConfig::default()
    }
}

/// 1000 × 1 KiB over bottlenecks that drop bursts: 1 KiB messages travel one DATA chunk per
/// packet, so each tail drop loses exactly one chunk, and a sender that reacts as RFC 9260
/// asks retransmits about once per drop (a retransmission that is dropped again is a drop
/// too). Slow start overshoots once, by at most about one window, then each congestion
/// avoidance cycle loses a packet or a few: a few percent of 1000, so 15 % of the DATA
/// chunks sent leaves ample room. The old sender fast-retransmitted the same chunk again and
/// again, each time past cwnd, and on these five links made 1.1–1.7× as many retransmissions
/// as there were drops, 19–80 % of the DATA chunks it sent (the new one: 2.5–10 %, one per
/// drop).
#[test]
fn slow_receiver_retransmits_what_the_bottleneck_dropped() {
    let cases = [
        // (name, rate, queue, one-way latency): a slow receiver drains ~1000 packets/s into
        // a socket buffer of ~30 packets; shallower and deeper queues; a fast LAN.
        ("8 Mbit/s, 32 KiB, 20 ms RTT", link(8_000_000, 32 << 10, 10)),
        ("8 Mbit/s, 16 KiB, 20 ms RTT", link(8_000_000, 16 << 10, 10)),
        ("8 Mbit/s, 64 KiB, 20 ms RTT", link(8_000_000, 64 << 10, 10)),
        ("20 Mbit/s, 32 KiB, 2 ms RTT", link(20_000_000, 32 << 10, 1)),
        ("4 Mbit/s, 200 KiB, 2 ms RTT", link(4_000_000, 200 << 10, 1)),
    ];
    for (seed, (name, cfg)) in cases.into_iter().enumerate() {
        let o = transfer(seed as u64, cfg).unwrap_or_else(|e| panic!("{name}: {e}"));
        let drops = o.queue_dropped;
        let summary = format!(
            "{name}: {} DATA chunks, {} retransmissions, {drops} tail drops, {} T3, {} fast \
             recoveries, largest burst {} packets, {:?}",
            o.data_chunks, o.retransmissions, o.t3, o.fr, o.max_burst, o.elapsed
        );
        eprintln!("{summary}");
        assert!(
            drops > 0,
            "the bottleneck must drop for this test to mean anything: {summary}"
        );
        assert_eq!(
            o.data_chunks,
            u64::from(MESSAGES) + o.retransmissions,
            "{summary}"
        );
        // Every retransmission answers a drop; the slack is for a T3-rtx that also marks a
        // chunk still sitting in the queue.
        assert!(
            o.retransmissions <= drops + drops / 10 + 5,
            "retransmissions not explained by drops: {summary}"
        );
        assert!(
            o.retransmissions * 100 < o.data_chunks * 15,
            "more than 15 % of DATA chunks were retransmissions: {summary}"
        );
        assert!(o.max_burst <= BURST_BOUND, "{summary}");
    }
}

/// RFC 9260 §6.1 D (Max.Burst = 4): a sender whose cwnd grew large on a fast path must not
/// dump its whole window at once when the application writes again (right away, so the idle
/// decay of §7.2.1 does not apply) and the path has become a slow receiver: at most
/// `BURST_BOUND` DATA packets per input. Without the limit the first write went out as 300
/// packets back to back into a 6-packet queue, and after the first loss every marked chunk
/// went out at once (32 packets).
#[test]
fn idle_sender_with_open_cwnd_sends_at_most_max_burst() {
    let fast = LinkConfig {
        latency: Duration::from_millis(10),
        rate_bps: Some(1_000_000_000),
        queue_limit: 4 << 20,
        ..LinkConfig::default()
    };
    let mut h = Harness::new(7, fast).unwrap();
    let o = h.transfer(MESSAGES).unwrap();
    assert_eq!(o.retransmissions, 0, "lossless warm-up");
    let (cwnd, _, _) = h.sim.node(h.a).assoc.congestion().unwrap();
    assert!(cwnd > 100 * 1200, "cwnd grew: {cwnd}");
    // The path turns into a slow receiver with a 6-packet buffer.
    let (a_addr, b_addr) = (h.a_addr, h.b_addr);
    h.sim
        .set_link(a_addr, b_addr, link(8_000_000, 6 * 1100, 10));
    let o = h.transfer(300).unwrap();
    let summary = format!(
        "cwnd {cwnd}: largest burst {} packets, {} retransmissions, {} tail drops, {} T3",
        o.max_burst, o.retransmissions, o.queue_dropped, o.t3
    );
    eprintln!("{summary}");
    assert!(o.max_burst <= BURST_BOUND, "{summary}");
    // Each retransmission answers a drop, except that a T3-rtx expiry also re-sends what
    // still sits in the queue: at most a queue's worth (6 packets, 1 on the wire) each.
    assert!(
        o.retransmissions <= o.queue_dropped + 7 * o.t3 + 5,
        "{summary}"
    );
}
