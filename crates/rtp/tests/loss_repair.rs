//! NACK generator and packet history against naive models; RTX round trips (RFC 4585 §6.2.1,
//! RFC 4588 §4).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use strata_rtp::history::{PacketHistory, RtxSender, rtx_decapsulate, rtx_encapsulate};
use strata_rtp::nack::{NackConfig, NackGenerator, NackOutcome};
use strata_rtp::rtcp::NackPair;
use strata_rtp::rtp::{ExtensionForm, RtpHeader, RtpPacket, RtpWriter};
use strata_rtp::{RtpTimestamp, SeqNum};

fn base() -> Instant {
    #[allow(clippy::disallowed_methods)]
    Instant::now()
}

#[derive(Debug, Clone)]
enum Op {
    Recv(i16),
    Tick(u16),
    Poll,
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            4 => (-30i16..40).prop_map(Op::Recv),
            2 => (0u16..60).prop_map(Op::Tick),
            2 => Just(Op::Poll),
        ],
        1..300,
    )
}

/// The naive model: one flag per sequence number ever seen, scanned linearly.
struct Model {
    cfg: NackConfig,
    first: Option<i64>,
    newest: i64,
    // (seq, retries, due) for tracked missing packets, in no particular order.
    missing: Vec<(i64, u8, Instant)>,
}

impl Model {
    fn recv(&mut self, s: i64, now: Instant) -> NackOutcome {
        if self.first.is_none() {
            self.first = Some(s);
            self.newest = s;
            return NackOutcome::Ok;
        }
        if s <= self.newest {
            if let Some(i) = self.missing.iter().position(|m| m.0 == s) {
                self.missing.remove(i);
                return NackOutcome::Recovered;
            }
            return NackOutcome::Ok;
        }
        let gap = s - self.newest - 1;
        let old = self.newest;
        self.newest = s;
        if gap > i64::from(self.cfg.max_gap) {
            self.missing.clear();
            return NackOutcome::KeyframeNeeded;
        }
        for x in old + 1..s {
            self.missing.push((x, 0, now + self.cfg.reorder_delay));
        }
        while self.missing.len() > self.cfg.max_tracked {
            let min = self.missing.iter().map(|m| m.0).min().unwrap();
            self.missing.retain(|m| m.0 != min);
        }
        NackOutcome::Ok
    }

    fn poll(&mut self, now: Instant) -> Vec<i64> {
        let mut due = Vec::new();
        let cfg = self.cfg;
        self.missing.retain_mut(|m| {
            if m.2 <= now {
                if m.1 >= cfg.max_retries {
                    return false;
                }
                m.1 += 1;
                m.2 = now + cfg.min_retry_interval;
                due.push(m.0);
            }
            true
        });
        due.sort_unstable();
        due
    }
}

proptest! {
    #[test]
    fn nack_generator_matches_naive_model(ops in ops(), start in any::<u16>(), max_tracked in 1usize..64, max_gap in 0u16..80) {
        let cfg = NackConfig {
            max_tracked,
            max_retries: 3,
            reorder_delay: Duration::from_millis(5),
            min_retry_interval: Duration::from_millis(20),
            max_gap,
        };
        let t0 = base();
        let mut now = t0;
        let mut g = NackGenerator::new(cfg);
        let mut m = Model { cfg, first: None, newest: 0, missing: Vec::new() };
        let mut pos = i64::from(start);
        let mut out = Vec::new();
        for op in ops {
            match op {
                Op::Recv(d) => {
                    pos = (pos + i64::from(d)).max(m.newest - 1000);
                    let a = g.on_packet(SeqNum(pos.rem_euclid(65536) as u16), now);
                    let b = m.recv(pos, now);
                    prop_assert_eq!(a, b);
                }
                Op::Tick(ms) => now += Duration::from_millis(u64::from(ms)),
                Op::Poll => {
                    out.clear();
                    g.poll_nack(now, &mut out);
                    let ours: Vec<u16> = out.iter().flat_map(|p| p.lost()).map(|s| s.0).collect();
                    let want: Vec<u16> = m.poll(now).into_iter().map(|s| s.rem_euclid(65536) as u16).collect();
                    prop_assert_eq!(ours, want);
                }
            }
            prop_assert_eq!(g.missing_len(), m.missing.len());
            prop_assert!(g.missing_len() <= max_tracked);
            // poll_timeout is the earliest due time of anything tracked.
            let earliest = m.missing.iter().map(|x| x.2).min();
            if let (Some(t), Some(e)) = (g.poll_timeout(), earliest) {
                prop_assert!(t <= e);
            }
        }
    }
}

#[test]
fn rfc4585_nack_retries_then_gives_up() {
    let t0 = base();
    let cfg = NackConfig {
        max_retries: 2,
        ..NackConfig::default()
    };
    let mut g = NackGenerator::new(cfg);
    g.on_packet(SeqNum(65534), t0);
    g.on_packet(SeqNum(2), t0); // 65535, 0, 1 missing across the wrap
    let mut out = Vec::new();
    assert_eq!(g.poll_nack(t0, &mut out), 0, "reorder delay first");
    let t = g.poll_timeout().unwrap();
    g.poll_nack(t, &mut out);
    assert_eq!(
        out,
        [NackPair {
            pid: SeqNum(65535),
            blp: 0b11
        }]
    );
    g.on_packet(SeqNum(0), t);
    assert_eq!(g.stats().recovered, 1);
    out.clear();
    let t2 = g.poll_timeout().unwrap();
    assert!(t2 >= t + cfg.min_retry_interval);
    g.poll_nack(t2, &mut out);
    assert_eq!(
        out.iter().flat_map(|p| p.lost()).collect::<Vec<_>>(),
        [SeqNum(65535), SeqNum(1)]
    );
    out.clear();
    g.poll_nack(t2 + Duration::from_secs(1), &mut out);
    assert!(out.is_empty());
    assert_eq!(g.stats().given_up, 2);
    assert_eq!(g.missing_len(), 0);
    assert_eq!(g.poll_timeout(), None);
}

#[test]
fn rfc4585_large_gap_asks_for_keyframe_and_stays_bounded() {
    let t0 = base();
    let mut g = NackGenerator::new(NackConfig {
        max_gap: 100,
        max_tracked: 50,
        ..NackConfig::default()
    });
    g.on_packet(SeqNum(0), t0);
    assert_eq!(g.on_packet(SeqNum(500), t0), NackOutcome::KeyframeNeeded);
    assert_eq!(g.missing_len(), 0);
    assert_eq!(g.on_packet(SeqNum(590), t0), NackOutcome::Ok);
    assert_eq!(g.missing_len(), 50);
}

fn packet(seq: u16, payload: &[u8], padding: u8, buf: &mut [u8]) -> usize {
    let h = RtpHeader {
        marker: false,
        payload_type: 96,
        sequence_number: SeqNum(seq),
        timestamp: RtpTimestamp(9),
        ssrc: 0x1234,
    };
    let mut w = RtpWriter::new(buf, &h, &[7, 8]).unwrap();
    w.start_extensions(ExtensionForm::OneByte).unwrap();
    w.extension(3, &seq.to_be_bytes()).unwrap();
    w.payload_padded(payload, padding).unwrap()
}

#[derive(Debug, Clone)]
enum HOp {
    Send(u8),
    Tick(u16),
    Get(u16),
}

proptest! {
    /// Sequential sending: the history holds exactly the last `capacity` packets younger than
    /// `max_age`, like a naive deque.
    #[test]
    fn packet_history_matches_naive_deque(ops in prop::collection::vec(prop_oneof![
            3 => any::<u8>().prop_map(HOp::Send),
            1 => (0u16..300).prop_map(HOp::Tick),
            3 => (0u16..40).prop_map(HOp::Get)], 1..300),
        cap in 1usize..32, start in any::<u16>()) {
        let t0 = base();
        let mut now = t0;
        let max_age = Duration::from_millis(1000);
        let mut h = PacketHistory::new(cap, 200, max_age);
        let mut model: VecDeque<(u16, Vec<u8>, Instant)> = VecDeque::new();
        let mut seq = start;
        let mut buf = [0u8; 256];
        for op in ops {
            match op {
                HOp::Send(len) => {
                    let n = packet(seq, &vec![len; usize::from(len % 100)], 0, &mut buf);
                    h.insert(&buf[..n], now).unwrap();
                    model.push_back((seq, buf[..n].to_vec(), now));
                    if model.len() > cap { model.pop_front(); }
                    seq = seq.wrapping_add(1);
                }
                HOp::Tick(ms) => now += Duration::from_millis(u64::from(ms)),
                HOp::Get(back) => {
                    let q = seq.wrapping_sub(back);
                    let want = model.iter().find(|m| m.0 == q && now.duration_since(m.2) <= max_age).map(|m| m.1.as_slice());
                    prop_assert_eq!(h.get(SeqNum(q), now), want);
                }
            }
        }
    }

    /// RFC 4588 §4: decapsulate(encapsulate(p)) == p without padding.
    #[test]
    fn rfc4588_rtx_round_trip(seq: u16, rtx_seq: u16, payload in prop::collection::vec(any::<u8>(), 0..300), padding in 0u8..20) {
        let mut buf = [0u8; 512];
        let n = packet(seq, &payload, padding, &mut buf);
        let orig = RtpPacket::new_checked(&buf[..n]).unwrap();
        let mut rtx = [0u8; 512];
        let m = rtx_encapsulate(&orig, 97, 0x9999, SeqNum(rtx_seq), &mut rtx).unwrap();
        let r = RtpPacket::new_checked(&rtx[..m]).unwrap();
        prop_assert_eq!(r.payload_type(), 97);
        prop_assert_eq!(r.ssrc(), 0x9999);
        prop_assert_eq!(r.sequence_number(), SeqNum(rtx_seq));
        prop_assert_eq!(&r.payload()[..2], &seq.to_be_bytes()[..]);
        let mut back = [0u8; 512];
        let k = rtx_decapsulate(&r, 96, 0x1234, &mut back).unwrap();
        let mut expect = [0u8; 512];
        let e = packet(seq, &payload, 0, &mut expect);
        prop_assert_eq!(&back[..k], &expect[..e]);
    }
}

#[test]
fn rfc4588_rtx_sender_uses_own_sequence_and_history() {
    let t0 = base();
    let mut h = PacketHistory::new(8, 1500, Duration::from_secs(1));
    let mut buf = [0u8; 256];
    for s in 10..20u16 {
        let n = packet(s, b"media", 0, &mut buf);
        h.insert(&buf[..n], t0).unwrap();
    }
    let mut tx = RtxSender::new(97, 5, SeqNum(65535));
    let mut out = [0u8; 256];
    assert!(tx.resend(&h, SeqNum(11), t0, &mut out).is_none(), "evicted");
    let n = tx.resend(&h, SeqNum(15), t0, &mut out).unwrap();
    assert_eq!(
        RtpPacket::new_checked(&out[..n]).unwrap().sequence_number(),
        SeqNum(65535)
    );
    let n = tx.resend(&h, SeqNum(16), t0, &mut out).unwrap();
    assert_eq!(
        RtpPacket::new_checked(&out[..n]).unwrap().sequence_number(),
        SeqNum(0)
    );
    assert!(
        tx.resend(&h, SeqNum(16), t0 + Duration::from_secs(2), &mut out)
            .is_none(),
        "too old"
    );
    // A padding-only RTX probe has no OSN.
    let hdr = RtpHeader {
        payload_type: 97,
        ssrc: 5,
        ..Default::default()
    };
    let n = RtpWriter::new(&mut out, &hdr, &[])
        .unwrap()
        .payload_padded(&[], 200)
        .unwrap();
    let p = RtpPacket::new_checked(&out[..n]).unwrap();
    assert!(rtx_decapsulate(&p, 96, 1, &mut buf).is_err());
    // Too large for the history.
    let big = vec![0u8; 2000];
    assert!(h.insert(&big, t0).is_err());
}
