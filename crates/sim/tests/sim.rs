//! Behaviour of the simulator, checked with a small configurable toy machine.

use std::{
    collections::VecDeque,
    net::SocketAddr,
    panic::catch_unwind,
    time::{Duration, Instant},
};

use strata_sim::{
    Datagram, DropReason, GilbertElliott, LinkConfig, Machine, SEED_ENV, Sim, SimError, Traced,
    run_seeds,
};

const MS: Duration = Duration::from_millis(1);

fn addr(n: u8) -> SocketAddr {
    SocketAddr::from(([10, 0, 0, n], 5000))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    Recv { seq: u32, len: usize, at: Instant },
    Fired(Instant),
}

/// A toy machine: sends a numbered stream on a timer, and/or answers seq `s` with `s + 1`.
#[derive(Default)]
struct Toy {
    me: Option<SocketAddr>,
    peer: Option<SocketAddr>,
    /// Stream mode: datagrams left to send, their size, the gap between them.
    left: u32,
    sent: u32,
    size: usize,
    interval: Duration,
    /// Ping-pong mode: answer seq `s < relay_until` with `s + 1`.
    relay_until: u32,
    /// Misbehave: keep asking for a timeout at a fixed instant.
    livelock: bool,
    next: Option<Instant>,
    out: VecDeque<Datagram>,
    events: VecDeque<Ev>,
}

impl Toy {
    fn new(me: SocketAddr, peer: SocketAddr) -> Self {
        Toy {
            me: Some(me),
            peer: Some(peer),
            size: 100,
            ..Toy::default()
        }
    }
    fn stream(mut self, start: Instant, count: u32, size: usize, interval: Duration) -> Self {
        (self.left, self.size, self.interval, self.next) = (count, size, interval, Some(start));
        self
    }
    /// A command: queue `n` datagrams at once.
    fn send_now(&mut self, n: u32) {
        for _ in 0..n {
            self.queue(self.peer.unwrap());
        }
    }
    fn queue(&mut self, to: SocketAddr) {
        let mut data = self.sent.to_be_bytes().to_vec();
        data.resize(self.size.max(4), 0);
        self.sent += 1;
        self.out.push_back(Datagram {
            from: self.me.unwrap(),
            to,
            data,
        });
    }
}

impl Machine for Toy {
    type Event = Ev;
    fn handle_datagram(&mut self, now: Instant, from: SocketAddr, _to: SocketAddr, data: &[u8]) {
        let seq = u32::from_be_bytes(data[..4].try_into().unwrap());
        self.events.push_back(Ev::Recv {
            seq,
            len: data.len(),
            at: now,
        });
        if seq < self.relay_until {
            self.sent = seq + 1;
            self.queue(from);
        }
    }
    fn handle_timeout(&mut self, now: Instant) {
        if self.livelock || self.next.is_none_or(|t| t > now) {
            return;
        }
        self.events.push_back(Ev::Fired(now));
        self.next = None;
        if self.left > 0 {
            self.queue(self.peer.unwrap());
            self.left -= 1;
            self.next = (self.left > 0).then(|| now + self.interval);
        }
    }
    fn poll_transmit(&mut self, _now: Instant) -> Option<Datagram> {
        self.out.pop_front()
    }
    fn poll_event(&mut self) -> Option<Ev> {
        self.events.pop_front()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.next
    }
}

/// Sequence numbers received by `id`, in arrival order.
fn received(sim: &mut Sim<Toy>, id: strata_sim::NodeId) -> Vec<u32> {
    let evs = sim.take_events(id);
    evs.iter()
        .filter_map(|e| {
            if let Ev::Recv { seq, .. } = e {
                Some(*seq)
            } else {
                None
            }
        })
        .collect()
}

/// A sender streaming `count` datagrams over link `cfg` to a silent receiver; runs to idle.
fn stream(
    seed: u64,
    cfg: LinkConfig,
    count: u32,
    size: usize,
    gap: Duration,
) -> (Sim<Toy>, Vec<u32>) {
    let mut sim = Sim::new(seed);
    sim.set_link(addr(1), addr(2), cfg);
    let start = sim.now();
    sim.add_node(
        addr(1),
        Toy::new(addr(1), addr(2)).stream(start, count, size, gap),
    );
    let rx = sim.add_node(addr(2), Toy::new(addr(2), addr(1)));
    sim.run().unwrap();
    let got = received(&mut sim, rx);
    (sim, got)
}

fn impaired() -> LinkConfig {
    LinkConfig {
        latency: 20 * MS,
        jitter: 5 * MS,
        loss: 0.05,
        reorder: 0.05,
        reorder_delay: 10 * MS,
        duplicate: 0.05,
        ..LinkConfig::default()
    }
}

fn trace_of(seed: u64) -> Vec<strata_sim::TraceEntry> {
    let mut sim = Sim::new(seed);
    sim.set_trace_capacity(100_000);
    sim.set_default_link(impaired());
    let start = sim.now();
    sim.add_node(
        addr(1),
        Toy::new(addr(1), addr(2)).stream(start, 500, 200, MS),
    );
    let mut b = Toy::new(addr(2), addr(1));
    b.relay_until = u32::MAX; // answers every datagram
    sim.add_node(addr(2), b);
    sim.run().unwrap();
    sim.trace().cloned().collect()
}

#[test]
fn same_seed_same_trace_other_seed_other_trace() {
    let a = trace_of(11);
    assert!(a.len() > 1000, "trace too short: {}", a.len());
    // assert! rather than assert_eq!: the traces are long.
    assert!(a == trace_of(11), "same seed, different trace");
    assert!(a != trace_of(12), "different seed, same trace");
}

#[test]
fn random_loss_rate_within_bounds() {
    let n = 20_000;
    let cfg = LinkConfig {
        loss: 0.1,
        ..LinkConfig::default()
    };
    let (sim, got) = stream(1, cfg, n, 100, MS);
    let st = sim.link_stats(addr(1), addr(2));
    assert_eq!(st.sent, u64::from(n));
    assert_eq!(st.lost + st.delivered, st.sent);
    assert_eq!(got.len() as u64, st.delivered);
    // Binomial(20000, 0.1): mean 2000, sd 42.4; allow 5 sd.
    assert!((1788..=2212).contains(&st.lost), "lost {}", st.lost);
}

/// Mean length of runs of consecutive missing sequence numbers.
fn mean_loss_run(got: &[u32], n: u32) -> f64 {
    let mut present = vec![false; n as usize];
    got.iter().for_each(|&s| present[s as usize] = true);
    let runs: Vec<usize> = present
        .split(|&p| p)
        .map(<[bool]>::len)
        .filter(|&l| l > 0)
        .collect();
    runs.iter().sum::<usize>() as f64 / runs.len() as f64
}

#[test]
fn bursty_loss_comes_in_runs() {
    let n = 20_000;
    let ge = GilbertElliott {
        p_good_to_bad: 0.01,
        p_bad_to_good: 0.2,
        loss_good: 0.0,
        loss_bad: 1.0,
    };
    let (sim, got) = stream(
        2,
        LinkConfig {
            burst: Some(ge),
            ..LinkConfig::default()
        },
        n,
        100,
        MS,
    );
    let lost = sim.link_stats(addr(1), addr(2)).lost;
    // Stationary bad-state share 0.01 / 0.21 = 4.8 %.
    assert!((600..=1400).contains(&lost), "lost {lost}");
    let bursty = mean_loss_run(&got, n);
    // Independent loss at the same rate, for contrast.
    let rate = lost as f64 / f64::from(n);
    let (_, got) = stream(
        2,
        LinkConfig {
            loss: rate,
            ..LinkConfig::default()
        },
        n,
        100,
        MS,
    );
    let independent = mean_loss_run(&got, n);
    assert!(
        (3.5..=7.0).contains(&bursty),
        "mean burst {bursty} (expected about 5)"
    );
    assert!(independent < 1.2, "independent mean run {independent}");
}

#[test]
fn mtu_drops_are_counted() {
    let mut sim = Sim::new(3);
    sim.set_default_link(LinkConfig {
        mtu: Some(1200),
        ..LinkConfig::default()
    });
    let a = sim.add_node(addr(1), Toy::new(addr(1), addr(2)));
    let b = sim.add_node(addr(2), Toy::new(addr(2), addr(1)));
    for size in [1000, 1200, 1201, 1500, 100] {
        sim.with_node(a, |m, _| {
            m.size = size;
            m.send_now(1);
        });
    }
    sim.run().unwrap();
    let st = sim.link_stats(addr(1), addr(2));
    assert_eq!((st.sent, st.mtu_dropped, st.delivered), (5, 2, 3));
    assert_eq!(received(&mut sim, b), [0, 1, 4]);
    let drops = sim.trace().filter(|e| {
        matches!(
            e.what,
            Traced::Drop {
                reason: DropReason::Mtu,
                ..
            }
        )
    });
    assert_eq!(drops.count(), 2);
}

#[test]
fn duplication_happens_and_is_counted() {
    let n = 10_000;
    let (sim, got) = stream(
        4,
        LinkConfig {
            duplicate: 0.1,
            ..LinkConfig::default()
        },
        n,
        100,
        MS,
    );
    let st = sim.link_stats(addr(1), addr(2));
    assert_eq!(got.len() as u64, u64::from(n) + st.duplicated);
    assert_eq!(st.delivered, got.len() as u64);
    let mut seen = vec![0u32; n as usize];
    got.iter().for_each(|&s| seen[s as usize] += 1);
    assert!(seen.iter().all(|&c| (1..=2).contains(&c)));
    assert_eq!(
        seen.iter().filter(|&&c| c == 2).count() as u64,
        st.duplicated
    );
    assert!(
        (850..=1150).contains(&st.duplicated),
        "duplicated {}",
        st.duplicated
    );
}

#[test]
fn reordering_happens_and_is_counted() {
    let n = 10_000;
    let cfg = LinkConfig {
        latency: 5 * MS,
        reorder: 0.1,
        reorder_delay: 5 * MS,
        ..LinkConfig::default()
    };
    let (sim, got) = stream(5, cfg, n, 100, MS);
    let st = sim.link_stats(addr(1), addr(2));
    // A datagram arrives late when a higher sequence number came before it.
    let mut max = 0;
    let late = got
        .iter()
        .filter(|&&s| {
            let was = max;
            max = max.max(s);
            was > s
        })
        .count() as u64;
    assert_eq!(got.len() as u64, u64::from(n));
    assert!(
        late <= st.reordered && late + 10 >= st.reordered,
        "late {late}, reordered {}",
        st.reordered
    );
    assert!(
        (850..=1150).contains(&st.reordered),
        "reordered {}",
        st.reordered
    );
    // Without impairment, order holds.
    let (_, got) = stream(
        5,
        LinkConfig {
            latency: 5 * MS,
            ..LinkConfig::default()
        },
        1000,
        100,
        MS,
    );
    assert!(got.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn jitter_spreads_delay_within_bounds() {
    // One datagram every 10 ms: wider than the jitter, so arrival order is send order.
    let mut sim = Sim::new(10);
    let cfg = LinkConfig {
        latency: 20 * MS,
        jitter: 5 * MS,
        ..LinkConfig::default()
    };
    sim.set_link_both(addr(1), addr(2), cfg);
    let start = sim.now();
    sim.add_node(
        addr(1),
        Toy::new(addr(1), addr(2)).stream(start, 2000, 100, 10 * MS),
    );
    let b = sim.add_node(addr(2), Toy::new(addr(2), addr(1)));
    sim.run().unwrap();
    let delays: Vec<Duration> = sim
        .take_events(b)
        .iter()
        .map(|e| match e {
            Ev::Recv { seq, at, .. } => *at - (start + *seq * 10 * MS),
            Ev::Fired(_) => panic!("no timer"),
        })
        .collect();
    assert_eq!(delays.len(), 2000);
    let (min, max) = (*delays.iter().min().unwrap(), *delays.iter().max().unwrap());
    assert!(min >= 20 * MS && min < 20 * MS + MS / 10, "min {min:?}");
    assert!(max <= 25 * MS && max > 25 * MS - MS / 10, "max {max:?}");
    let mean = delays.iter().sum::<Duration>() / 2000;
    // Uniform on [20, 25] ms: mean 22.5 ms, sd of the mean 0.032 ms.
    assert!(
        mean > 22_300 * MS / 1000 && mean < 22_700 * MS / 1000,
        "mean {mean:?}"
    );
}

#[test]
fn rate_limit_serialises_and_tail_drops() {
    // 1 Mbit/s: a 1000-byte datagram takes 8 ms; the queue holds 10 of them.
    let cfg = LinkConfig {
        latency: 10 * MS,
        rate_bps: Some(1_000_000),
        queue_limit: 10_000,
        ..LinkConfig::default()
    };
    let mut sim = Sim::new(6);
    sim.set_link(addr(1), addr(2), cfg);
    let a = sim.add_node(addr(1), Toy::new(addr(1), addr(2)));
    let b = sim.add_node(addr(2), Toy::new(addr(2), addr(1)));
    let start = sim.now();
    // Commands through node_mut are picked up by the next step.
    sim.node_mut(a).size = 1000;
    sim.node_mut(a).send_now(50);
    sim.run().unwrap();
    let st = sim.link_stats(addr(1), addr(2));
    assert_eq!((st.sent, st.delivered, st.queue_dropped), (50, 10, 40));
    let arrivals: Vec<Duration> = sim
        .take_events(b)
        .iter()
        .map(|e| match e {
            Ev::Recv { at, .. } => *at - start,
            Ev::Fired(_) => panic!("no timer"),
        })
        .collect();
    let expected: Vec<Duration> = (1..=10).map(|k| 10 * MS + k * 8 * MS).collect();
    assert_eq!(arrivals, expected);
}

#[test]
fn rate_limit_bounds_sustained_throughput() {
    // Offer 1000-byte datagrams every 0.5 ms (16 Mbit/s) for 1 s into a 2 Mbit/s link.
    let cfg = LinkConfig {
        rate_bps: Some(2_000_000),
        ..LinkConfig::default()
    };
    let (sim, got) = stream(7, cfg, 2000, 1000, Duration::from_micros(500));
    let st = sim.link_stats(addr(1), addr(2));
    // 2 Mbit/s for ~1 s is 250 datagrams, plus what the 64 KiB queue held at the end.
    assert!(
        (250..=250 + 66).contains(&st.delivered),
        "delivered {}",
        st.delivered
    );
    assert_eq!(st.delivered + st.queue_dropped, 2000);
    assert_eq!(got.len() as u64, st.delivered);
    assert!(
        sim.elapsed() <= Duration::from_millis(1000 + 270),
        "elapsed {:?}",
        sim.elapsed()
    );
}

#[test]
fn timers_fire_at_the_right_virtual_time() {
    let mut sim = Sim::new(8);
    let start = sim.now();
    let mut toy = Toy::new(addr(1), addr(2));
    toy.next = Some(start + 100 * MS);
    let a = sim.add_node(addr(1), toy);
    sim.run_for(50 * MS).unwrap();
    assert_eq!(sim.now(), start + 50 * MS);
    assert!(sim.take_events(a).is_empty());
    // Moving the timer later makes the 100 ms entry stale.
    sim.node_mut(a).next = Some(start + 200 * MS);
    sim.run().unwrap();
    assert_eq!(sim.take_events(a), [Ev::Fired(start + 200 * MS)]);
    // A deadline in the past fires at once, at the current time.
    sim.with_node(a, |m, now| m.next = Some(now - 30 * MS));
    assert!(sim.step().unwrap());
    assert_eq!(sim.take_events(a), [Ev::Fired(start + 200 * MS)]);
    // Moving it earlier works too.
    sim.with_node(a, |m, now| m.next = Some(now + 500 * MS));
    sim.with_node(a, |m, now| m.next = Some(now + 300 * MS));
    sim.run().unwrap();
    assert_eq!(sim.take_events(a), [Ev::Fired(start + 500 * MS)]);
    assert_eq!(sim.steps(), 3);
}

#[test]
fn ping_pong_converses() {
    run_seeds(20, |seed| {
        let mut sim = Sim::new(seed);
        sim.set_default_link(LinkConfig {
            latency: 10 * MS,
            jitter: 2 * MS,
            ..LinkConfig::default()
        });
        let mut toy = Toy::new(addr(1), addr(2));
        toy.relay_until = 20;
        let a = sim.add_node(addr(1), toy);
        let mut toy = Toy::new(addr(2), addr(1));
        toy.relay_until = 20;
        let b = sim.add_node(addr(2), toy);
        sim.with_node(a, |m, _| m.send_now(1));
        let mut got_a = Vec::new();
        sim.run_until(Duration::from_secs(1), |s| {
            got_a.extend(received(s, a));
            got_a.len() == 10
        })?;
        sim.run()?;
        assert_eq!(got_a, (1..20).step_by(2).collect::<Vec<_>>());
        assert_eq!(
            received(&mut sim, b),
            (0..=20).step_by(2).collect::<Vec<_>>()
        );
        // 21 one-way trips of 10 to 12 ms.
        let t = sim.elapsed();
        assert!(t >= 210 * MS && t <= 252 * MS, "elapsed {t:?}");
        Ok::<_, SimError>(())
    });
}

#[test]
fn livelock_hits_step_limit_naming_the_seed() {
    let mut sim = Sim::new(4242);
    sim.set_step_limit(1000);
    let mut toy = Toy::new(addr(1), addr(2));
    toy.livelock = true;
    toy.next = Some(sim.now());
    sim.add_node(addr(1), toy);
    let err = sim
        .run_until(Duration::from_secs(1), |_| false)
        .unwrap_err();
    assert_eq!(
        err,
        SimError::StepLimit {
            seed: 4242,
            steps: 1000
        }
    );
    assert!(err.to_string().contains("seed 4242"), "{err}");
    assert_eq!(sim.elapsed(), Duration::ZERO);
}

#[test]
fn deadline_and_idle_errors_name_the_seed() {
    let mut sim = Sim::new(77);
    let start = sim.now();
    sim.add_node(
        addr(1),
        Toy::new(addr(1), addr(2)).stream(start, 1000, 100, 10 * MS),
    );
    let err = sim
        .run_until(Duration::from_secs(1), |_| false)
        .unwrap_err();
    assert!(matches!(err, SimError::Deadline { seed: 77, .. }), "{err}");
    assert!(err.to_string().contains("seed 77"));
    assert_eq!(sim.now(), start + Duration::from_secs(1));

    let mut sim = Sim::<Toy>::new(78);
    sim.add_node(addr(1), Toy::new(addr(1), addr(2)));
    let err = sim
        .run_until(Duration::from_secs(1), |_| false)
        .unwrap_err();
    assert_eq!(
        err,
        SimError::Idle {
            seed: 78,
            at: Duration::ZERO
        }
    );
    assert!(sim.format_trace().contains("seed 78"));
}

#[test]
fn unknown_destination_is_dropped_and_counted() {
    let mut sim = Sim::new(9);
    let a = sim.add_node(addr(1), Toy::new(addr(1), addr(99)));
    let b = sim.add_node(addr(2), Toy::new(addr(2), addr(1)));
    sim.with_node(a, |m, _| m.send_now(3));
    sim.run().unwrap();
    assert_eq!(sim.unroutable(), 3);
    assert_eq!(sim.link_stats(addr(1), addr(99)).unroutable, 3);
    assert!(sim.take_events(b).is_empty());
    // A second address of node b is reachable.
    sim.add_addr(b, addr(99));
    sim.with_node(a, |m, _| m.send_now(1));
    sim.run().unwrap();
    assert_eq!(received(&mut sim, b), [3]);
}

/// The seed run_seeds is expected to report first when every seed fails.
fn first_seed() -> u64 {
    std::env::var(SEED_ENV).map_or(0, |s| s.trim().parse().unwrap())
}

#[test]
fn run_seeds_reports_the_failing_seed() {
    let msg = |r: std::thread::Result<()>| {
        let p = r.unwrap_err();
        p.downcast_ref::<String>().cloned().unwrap()
    };
    let first = first_seed();
    let m = msg(catch_unwind(|| {
        run_seeds(10, |seed| Err(format!("boom {seed}")))
    }));
    assert!(
        m.contains(&format!("seed {first}")) && m.contains(&format!("{SEED_ENV}={first}")),
        "{m}"
    );
    // A panicking body is reported with its seed too.
    let m = msg(catch_unwind(|| {
        run_seeds(10, |seed| -> Result<(), ()> { panic!("bad {seed}") })
    }));
    assert!(m.contains(&format!("seed {first}: bad {first}")), "{m}");
    if std::env::var(SEED_ENV).is_err() {
        let m = msg(catch_unwind(|| {
            run_seeds(10, |seed| {
                if seed == 3 {
                    Err(SimError::Idle { seed, at: MS })
                } else {
                    Ok(())
                }
            })
        }));
        assert!(m.contains("failed with seed 3"), "{m}");
        let mut ran = Vec::new();
        run_seeds(5, |seed| {
            ran.push(seed);
            Ok::<_, ()>(())
        });
        assert_eq!(ran, [0, 1, 2, 3, 4]);
    }
}
