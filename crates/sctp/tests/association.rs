//! Two associations over the in-memory network: handshake (incl. INIT collision), reliable
//! transfer under loss/reordering/duplication, shutdown, abort, partial reliability.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{Link, Pair};
use strata_sctp::{CloseReason, Config, Event, SendOptions, State};

fn cfg() -> Config {
    Config::default()
}

fn connect(p: &mut Pair, both: bool) {
    p.a.connect(p.now).unwrap();
    if both {
        p.b.connect(p.now).unwrap();
    }
    assert!(
        p.run_until(Duration::from_secs(120), |p| p.connected()),
        "handshake did not finish: a={:?} b={:?}",
        p.a.state(),
        p.b.state()
    );
    assert_eq!(p.a.state(), State::Established);
    assert_eq!(p.b.state(), State::Established);
}

#[test]
fn rfc9260_5_1_handshake_one_side() {
    let mut p: Pair = Pair::new(1, cfg(), cfg(), Link::default());
    connect(&mut p, false);
    assert_eq!(p.ea.iter().filter(|e| **e == Event::Connected).count(), 1);
    assert_eq!(p.eb.iter().filter(|e| **e == Event::Connected).count(), 1);
}

#[test]
fn rfc9260_5_2_4_init_collision_many_seeds() {
    // Both sides send INIT at once, as browsers do.
    for seed in 0..200 {
        let link = if seed % 2 == 0 {
            Link::default()
        } else {
            Link::lossy(0.2)
        };
        let mut p: Pair = Pair::new(seed, cfg(), cfg(), link);
        connect(&mut p, true);
        // Data flows both ways afterwards (tags agree).
        p.a.send(p.now, 0, 51, b"from a".to_vec(), SendOptions::default())
            .unwrap();
        p.b.send(p.now, 1, 51, b"from b".to_vec(), SendOptions::default())
            .unwrap();
        let ok = p.run_until(Duration::from_secs(120), |p| {
            p.ea.iter()
                .any(|e| matches!(e, Event::Message(m) if m.data == b"from b"))
                && p.eb
                    .iter()
                    .any(|e| matches!(e, Event::Message(m) if m.data == b"from a"))
        });
        assert!(ok, "seed {seed}: no data after collision");
        assert_eq!(
            p.ea.iter().filter(|e| **e == Event::Connected).count(),
            1,
            "seed {seed}"
        );
    }
}

/// Sends `n` messages per stream on `streams` streams from a to b (and some from b to a),
/// checks exactly-once and per-stream order.
fn transfer(seed: u64, link: Link, n: usize, max_size: usize) -> Pair {
    transfer_with(seed, cfg(), cfg(), link, n, max_size)
}

fn transfer_with(seed: u64, ca: Config, cb: Config, link: Link, n: usize, max_size: usize) -> Pair {
    let mut p: Pair = Pair::new(seed, ca, cb, link);
    connect(&mut p, true);
    let streams = [0u16, 1, 2, 7];
    let mut backlog: Vec<(u16, bool, Vec<u8>)> = Vec::new();
    let mut expect: HashMap<u16, Vec<Vec<u8>>> = HashMap::new();
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let mut rnd = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as usize
    };
    for i in 0..n {
        for &s in &streams {
            let len = 1 + rnd() % max_size;
            let mut data = vec![0u8; len];
            for (k, b) in data.iter_mut().enumerate() {
                *b = (i as u8) ^ (s as u8) ^ (k as u8).wrapping_mul(31);
            }
            data[0] = s as u8;
            let unordered = s == 7;
            if !unordered {
                expect.entry(s).or_default().push(data.clone());
            }
            backlog.push((s, unordered, data));
        }
    }
    let total = backlog.len();
    let mut unordered_expect: Vec<Vec<u8>> = backlog
        .iter()
        .filter(|b| b.1)
        .map(|b| b.2.clone())
        .collect();
    backlog.reverse();
    let mut got = 0usize;
    let mut received: HashMap<u16, Vec<Vec<u8>>> = HashMap::new();
    let mut unordered_got: Vec<Vec<u8>> = Vec::new();
    let ok = p.run_until(Duration::from_secs(3600), |p| {
        while let Some((s, u, d)) = backlog.pop() {
            let opts = SendOptions {
                unordered: u,
                ..SendOptions::default()
            };
            match p.a.send(p.now, s, 53, d.clone(), opts) {
                Ok(()) => {}
                Err(strata_sctp::Error::WouldBlock) => {
                    backlog.push((s, u, d));
                    break;
                }
                Err(e) => panic!("send: {e}"),
            }
        }
        for e in p.eb.drain(..) {
            if let Event::Message(m) = e {
                got += 1;
                if m.unordered {
                    unordered_got.push(m.data);
                } else {
                    received.entry(m.stream_id).or_default().push(m.data);
                }
            }
        }
        got >= total
    });
    assert!(
        ok,
        "seed {seed}: delivered {got}/{total} (a={:?}, b={:?}, stats {:?})",
        p.a.state(),
        p.b.state(),
        p.a.stats()
    );
    // Let stragglers (duplicates, late retransmissions) arrive; nothing more may be delivered.
    p.run_until(Duration::from_secs(5), |_| false);
    for e in p.eb.drain(..) {
        assert!(
            !matches!(e, Event::Message(_)),
            "seed {seed}: extra delivery"
        );
    }
    for (s, want) in &expect {
        let have = received.get(s).cloned().unwrap_or_default();
        assert_eq!(have.len(), want.len(), "seed {seed} stream {s}: count");
        assert!(have == *want, "seed {seed} stream {s}: order or content");
    }
    unordered_expect.sort();
    unordered_got.sort();
    assert!(
        unordered_got == unordered_expect,
        "seed {seed}: unordered set"
    );
    assert_eq!(p.a.buffered_total(), 0, "seed {seed}: all acknowledged");
    p
}

#[test]
fn reliable_transfer_no_loss() {
    let p = transfer(7, Link::default(), 200, 3000);
    assert_eq!(p.a.stats().retransmissions, 0);
}

#[test]
fn reliable_transfer_under_loss_many_seeds() {
    // 0, 1, 5, 10, 20, 30 % loss, with duplication and reordering scaled to the loss.
    let mut runs = 0;
    for (i, loss) in [0.0, 0.01, 0.05, 0.10, 0.20, 0.30].iter().enumerate() {
        let seeds = if *loss >= 0.2 { 6 } else { 10 };
        for seed in 0..seeds {
            let mut link = Link::lossy(*loss);
            link.reorder = link.reorder.max(0.05);
            link.duplicate = link.duplicate.max(0.02);
            transfer(1000 * i as u64 + seed, link, 30, 4000);
            runs += 1;
        }
    }
    assert_eq!(runs, 52);
}

#[test]
fn one_mib_message() {
    let mut c = cfg();
    c.max_message_size = 2 << 20;
    c.receive_window = 4 << 20;
    let mut p: Pair = Pair::new(3, c.clone(), c, Link::lossy(0.02));
    connect(&mut p, false);
    let msg: Vec<u8> = (0..(1usize << 20)).map(|i| (i * 7 % 251) as u8).collect();
    p.a.send(p.now, 3, 53, msg.clone(), SendOptions::default())
        .unwrap();
    let ok = p.run_until(Duration::from_secs(600), |p| {
        p.eb.iter().any(|e| matches!(e, Event::Message(_)))
    });
    assert!(ok);
    let got: Vec<_> =
        p.eb.iter()
            .filter_map(|e| match e {
                Event::Message(m) => Some(m.data.clone()),
                _ => None,
            })
            .collect();
    assert_eq!(got.len(), 1);
    assert!(got[0] == msg);
}

#[test]
fn rfc9260_9_2_graceful_shutdown_after_data() {
    let mut p: Pair = Pair::new(4, cfg(), cfg(), Link::lossy(0.05));
    connect(&mut p, true);
    for i in 0..50u8 {
        p.a.send(p.now, 0, 53, vec![i; 2000], SendOptions::default())
            .unwrap();
    }
    p.a.shutdown(p.now).unwrap();
    assert!(
        p.a.send(p.now, 0, 53, vec![1], SendOptions::default())
            .is_err()
    );
    let ok = p.run_until(Duration::from_secs(600), |p| {
        p.ea.contains(&Event::Closed(CloseReason::Shutdown))
            && p.eb.contains(&Event::Closed(CloseReason::Shutdown))
    });
    let closes: Vec<_> =
        p.ea.iter()
            .chain(p.eb.iter())
            .filter(|e| matches!(e, Event::Closed(_)))
            .collect();
    assert!(ok, "a={:?} b={:?} {closes:?}", p.a.state(), p.b.state());
    let n =
        p.eb.iter()
            .filter(|e| matches!(e, Event::Message(_)))
            .count();
    assert_eq!(n, 50, "all data delivered before shutdown completed");
    assert!(p.a.is_closed() && p.b.is_closed());
}

#[test]
fn rfc9260_9_1_user_abort() {
    let mut p: Pair = Pair::new(5, cfg(), cfg(), Link::default());
    connect(&mut p, true);
    p.a.abort(p.now);
    let ok = p.run_until(Duration::from_secs(10), |p| {
        p.eb.iter().any(|e| matches!(e, Event::Closed(_)))
    });
    assert!(ok);
    assert!(p.eb.contains(&Event::Closed(CloseReason::PeerAbort(Some(12)))));
    assert!(p.ea.contains(&Event::Closed(CloseReason::LocalAbort)));
}

#[test]
fn rfc9260_8_1_peer_vanishes_times_out() {
    let mut p: Pair = Pair::new(6, cfg(), cfg(), Link::default());
    connect(&mut p, true);
    p.link.loss = 1.0;
    p.a.send(p.now, 0, 53, vec![1; 100], SendOptions::default())
        .unwrap();
    let ok = p.run_until(Duration::from_secs(3600), |p| {
        p.ea.contains(&Event::Closed(CloseReason::Timeout))
    });
    assert!(ok, "{:?}", p.a.state());
}

#[test]
fn rfc9260_5_1_init_retransmits_then_gives_up() {
    let mut p: Pair = Pair::new(8, cfg(), cfg(), Link::default());
    p.link.loss = 1.0;
    p.a.connect(p.now).unwrap();
    let ok = p.run_until(Duration::from_secs(3600), |p| {
        p.ea.contains(&Event::Closed(CloseReason::Timeout))
    });
    assert!(ok);
    // 1 INIT + 8 retransmissions (Max.Init.Retransmits).
    assert_eq!(p.a.stats().packets_sent, 9);
}

#[test]
fn rfc3758_partial_reliability_drops_but_never_reorders_or_duplicates() {
    for seed in 0..10 {
        let mut p: Pair = Pair::new(100 + seed, cfg(), cfg(), Link::lossy(0.2));
        connect(&mut p, true);
        assert!(p.a.supports_partial_reliability());
        let n = 200u32;
        let mut sent = 0u32;
        let ok = p.run_until(Duration::from_secs(600), |p| {
            while sent < n {
                let opts = SendOptions {
                    unordered: false,
                    max_retransmits: Some(0),
                    lifetime: None,
                };
                let mut d = vec![0u8; 1500];
                d[..4].copy_from_slice(&sent.to_be_bytes());
                if p.a.send(p.now, 4, 53, d, opts).is_err() {
                    break;
                }
                sent += 1;
            }
            sent == n && p.a.buffered_total() == 0
        });
        assert!(ok, "seed {seed}: buffered {}", p.a.buffered_total());
        p.run_until(Duration::from_secs(5), |_| false);
        let got: Vec<u32> =
            p.eb.iter()
                .filter_map(|e| match e {
                    Event::Message(m) => Some(u32::from_be_bytes(m.data[..4].try_into().unwrap())),
                    _ => None,
                })
                .collect();
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "seed {seed}: order/dup"
        );
        assert!(
            got.len() < n as usize,
            "seed {seed}: 20% loss must drop some"
        );
        assert!(!got.is_empty());
    }
}

#[test]
fn rfc3758_lifetime_expiry_abandons() {
    let mut p: Pair = Pair::new(9, cfg(), cfg(), Link::default());
    connect(&mut p, true);
    p.link.loss = 1.0;
    let opts = SendOptions {
        unordered: true,
        max_retransmits: None,
        lifetime: Some(Duration::from_millis(500)),
    };
    p.a.send(p.now, 2, 53, vec![9; 500], opts).unwrap();
    p.run_until(Duration::from_secs(2), |_| false);
    p.link.loss = 0.0;
    p.a.send(p.now, 2, 53, vec![8; 500], SendOptions::default())
        .unwrap();
    let ok = p.run_until(Duration::from_secs(60), |p| {
        p.eb.iter().any(|e| matches!(e, Event::Message(_)))
    });
    assert!(ok);
    p.run_until(Duration::from_secs(5), |_| false);
    let got: Vec<_> =
        p.eb.iter()
            .filter_map(|e| match e {
                Event::Message(m) => Some(m.data[0]),
                _ => None,
            })
            .collect();
    assert_eq!(got, vec![8], "the expired message is never delivered");
}

#[test]
fn rfc6525_stream_reset() {
    let mut p: Pair = Pair::new(10, cfg(), cfg(), Link::lossy(0.05));
    connect(&mut p, true);
    for i in 0..5u8 {
        p.a.send(p.now, 6, 53, vec![i; 100], SendOptions::default())
            .unwrap();
    }
    p.a.reset_streams(p.now, &[6]).unwrap();
    assert_eq!(
        p.a.send(p.now, 6, 53, vec![1], SendOptions::default()),
        Err(strata_sctp::Error::InvalidStream)
    );
    let ok = p.run_until(Duration::from_secs(60), |p| {
        p.ea.contains(&Event::OutgoingStreamsReset(vec![6]))
            && p.eb.contains(&Event::IncomingStreamsReset(vec![6]))
    });
    assert!(ok);
    let n =
        p.eb.iter()
            .filter(|e| matches!(e, Event::Message(_)))
            .count();
    assert_eq!(n, 5, "queued data went out before the reset");
    // SSNs restart at 0 after the reset: new messages on stream 6 still arrive.
    p.a.send(p.now, 6, 53, vec![42; 10], SendOptions::default())
        .unwrap();
    let ok = p.run_until(Duration::from_secs(60), |p| {
        p.eb.iter()
            .any(|e| matches!(e, Event::Message(m) if m.data == vec![42; 10]))
    });
    assert!(ok);
}

#[test]
fn loss_is_really_recovered_by_retransmission() {
    let p = transfer(77, Link::lossy(0.1), 100, 4000);
    let s = p.a.stats();
    eprintln!(
        "dropped {} delivered {} stats {:?} cwnd {:?} srtt {:?} rto {:?} t={:?}",
        p.dropped,
        p.delivered,
        s,
        p.a.congestion(),
        p.a.srtt(),
        p.a.rto(),
        p.now - common::base()
    );
    assert!(p.dropped > 20);
    assert!(s.retransmissions > 10);
    assert!(p.b.stats().duplicates > 0);
    // 20 ms RTT: the smoothed RTT is measured near it.
    let srtt = p.a.srtt().unwrap();
    assert!(
        srtt >= Duration::from_millis(20) && srtt < Duration::from_millis(400),
        "{srtt:?}"
    );
}

#[test]
fn rfc8260_i_data_when_both_advertise() {
    let mut c = cfg();
    c.i_data = true;
    for seed in 0..8 {
        let p = transfer_with(
            500 + seed,
            c.clone(),
            c.clone(),
            Link::lossy(0.1),
            20,
            20000,
        );
        assert!(p.a.uses_i_data() && p.b.uses_i_data());
        let mut p = p;
        let pkt = next_packet(&mut p);
        assert_eq!(pkt[12], 64, "I-DATA chunk on the wire");
    }
    // One side only: plain DATA.
    let p = transfer_with(600, c.clone(), cfg(), Link::lossy(0.05), 10, 5000);
    assert!(!p.a.uses_i_data() && !p.b.uses_i_data());
}

#[test]
fn rfc8260_i_data_with_partial_reliability() {
    let mut c = cfg();
    c.i_data = true;
    let mut p: Pair = Pair::new(41, c.clone(), c, Link::lossy(0.2));
    connect(&mut p, true);
    assert!(p.a.uses_i_data());
    let n = 100u32;
    let mut sent = 0u32;
    let ok = p.run_until(Duration::from_secs(600), |p| {
        while sent < n {
            let opts = SendOptions {
                unordered: sent.is_multiple_of(3),
                max_retransmits: Some(0),
                lifetime: None,
            };
            let mut d = vec![0u8; 3000];
            d[..4].copy_from_slice(&sent.to_be_bytes());
            if p.a.send(p.now, (sent % 2) as u16, 53, d, opts).is_err() {
                break;
            }
            sent += 1;
        }
        sent == n && p.a.buffered_total() == 0
    });
    assert!(ok);
    p.run_until(Duration::from_secs(5), |_| false);
    let mut per_stream: HashMap<u16, Vec<u32>> = HashMap::new();
    let mut all = Vec::new();
    for e in &p.eb {
        if let Event::Message(m) = e {
            assert_eq!(m.data.len(), 3000, "no partial message delivered");
            let i = u32::from_be_bytes(m.data[..4].try_into().unwrap());
            all.push(i);
            if !m.unordered {
                per_stream.entry(m.stream_id).or_default().push(i);
            }
        }
    }
    for v in per_stream.values() {
        assert!(v.windows(2).all(|w| w[0] < w[1]));
    }
    let k = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), k, "no duplicates");
    assert!(k < n as usize);
}

#[test]
fn rfc9653_zero_checksum_when_both_advertise() {
    let mut c = cfg();
    c.zero_checksum = true;
    let mut p = transfer_with(700, c.clone(), c.clone(), Link::lossy(0.05), 20, 3000);
    assert!(p.a.uses_zero_checksum() && p.b.uses_zero_checksum());
    let pkt = next_packet(&mut p);
    assert_eq!(&pkt[8..12], &[0, 0, 0, 0], "checksum field is zero");
    // Only one side: checksums stay.
    let p = transfer_with(701, c, cfg(), Link::lossy(0.05), 10, 3000);
    assert!(!p.a.uses_zero_checksum() && !p.b.uses_zero_checksum());
}

/// Sends one message from a and returns the packet carrying it.
fn next_packet(p: &mut Pair) -> Vec<u8> {
    p.a.send(p.now, 0, 53, vec![5; 100], SendOptions::default())
        .unwrap();
    let mut buf = Vec::new();
    let n = p.a.poll_transmit(p.now, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

#[test]
fn rfc8260_large_message_does_not_block_other_streams() {
    for (i_data, small_first) in [(true, true), (false, false)] {
        let mut c = cfg();
        c.i_data = i_data;
        c.max_message_size = 1 << 20;
        let mut p: Pair = Pair::new(42, c.clone(), c, Link::default());
        connect(&mut p, true);
        p.a.send(p.now, 1, 53, vec![1; 1 << 20], SendOptions::default())
            .unwrap();
        p.a.send(p.now, 2, 51, b"small".to_vec(), SendOptions::default())
            .unwrap();
        assert!(p.run_until(Duration::from_secs(60), |p| {
            p.eb.iter()
                .filter(|e| matches!(e, Event::Message(_)))
                .count()
                == 2
        }));
        let order: Vec<u16> =
            p.eb.iter()
                .filter_map(|e| match e {
                    Event::Message(m) => Some(m.stream_id),
                    _ => None,
                })
                .collect();
        let want = if small_first { vec![2, 1] } else { vec![1, 2] };
        assert_eq!(order, want, "i_data={i_data}");
    }
}
