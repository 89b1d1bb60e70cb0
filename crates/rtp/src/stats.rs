//! Receiver statistics (RFC 3550 App. A.1, A.3, A.8), report blocks and round-trip time.

use core::time::Duration;
use std::time::Instant;

use crate::rtcp::{NtpTime, ReportBlock, duration_to_compact};
use crate::serial::{RtpTimestamp, SeqNum};

const MAX_DROPOUT: u16 = 3000;
const MAX_MISORDER: u16 = 100;
const MIN_SEQUENTIAL: u8 = 2;
const SEQ_MOD: u32 = 1 << 16;

/// What [`ReceiverStats::on_packet`] made of a packet (RFC 3550 App. A.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketClass {
    /// Counted: in order, late, or duplicate within the misorder window.
    Valid,
    /// The source is still on probation (fewer than 2 sequential packets seen).
    Probation,
    /// A large jump; the next packet will tell whether the source restarted.
    Bad,
    /// Two sequential packets after a large jump: statistics restarted from this packet.
    Restarted,
}

/// Per-source reception statistics for report blocks (RFC 3550 App. A.1, A.3, A.8). Memory is
/// constant: no per-packet state.
#[derive(Debug, Clone)]
pub struct ReceiverStats {
    ssrc: u32,
    clock_rate: u32,
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u8,
    received: u64,
    expected_prior: u64,
    received_prior: u64,
    // A.8: previous transit and jitter scaled by 16, in timestamp units.
    transit: Option<i64>,
    jitter_q4: u32,
    epoch: Option<Instant>,
    last_sr: Option<(u32, Instant)>,
}

impl ReceiverStats {
    /// Statistics for source `ssrc` whose RTP clock runs at `clock_rate` Hz (for jitter).
    pub fn new(ssrc: u32, clock_rate: u32) -> Self {
        Self {
            ssrc,
            clock_rate: clock_rate.max(1),
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: SEQ_MOD + 1,
            probation: MIN_SEQUENTIAL,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: None,
            jitter_q4: 0,
            epoch: None,
            last_sr: None,
        }
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// Records a received packet (RFC 3550 App. A.1 `update_seq`, then A.8 jitter).
    /// Retransmissions (RTX) should not be fed here: they would distort jitter.
    pub fn on_packet(&mut self, seq: SeqNum, ts: RtpTimestamp, arrival: Instant) -> PacketClass {
        let seq = seq.0;
        if self.epoch.is_none() {
            self.epoch = Some(arrival);
            self.init_seq(seq);
            self.max_seq = seq.wrapping_sub(1);
            self.probation = MIN_SEQUENTIAL;
        }
        let udelta = seq.wrapping_sub(self.max_seq);
        let class = if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    PacketClass::Valid
                } else {
                    PacketClass::Probation
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
                PacketClass::Probation
            }
        } else if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(SEQ_MOD);
            }
            self.max_seq = seq;
            self.received += 1;
            PacketClass::Valid
        } else if u32::from(udelta) <= SEQ_MOD - u32::from(MAX_MISORDER) {
            if u32::from(seq) == self.bad_seq {
                self.init_seq(seq);
                self.received += 1;
                self.transit = None;
                PacketClass::Restarted
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (SEQ_MOD - 1);
                return PacketClass::Bad;
            }
        } else {
            self.received += 1;
            PacketClass::Valid
        };
        if class != PacketClass::Probation {
            self.update_jitter(ts, arrival);
        }
        class
    }

    fn update_jitter(&mut self, ts: RtpTimestamp, arrival: Instant) {
        let epoch = self.epoch.expect("invariant: epoch set on first packet");
        let since = arrival.saturating_duration_since(epoch);
        // Arrival in timestamp units; wrapping like the RTP clock does.
        let arrival_ts = (since.as_nanos() * u128::from(self.clock_rate) / 1_000_000_000) as u32;
        let transit = i64::from(arrival_ts.wrapping_sub(ts.0) as i32);
        if let Some(prev) = self.transit {
            let d = (transit - prev)
                .unsigned_abs()
                .min(u64::from(u32::MAX >> 4)) as u32;
            // J += (|D| - J) / 16, in Q4 fixed point (App. A.8).
            self.jitter_q4 = self
                .jitter_q4
                .wrapping_add(d)
                .wrapping_sub((self.jitter_q4 + 8) >> 4);
        }
        self.transit = Some(transit);
    }

    /// Records a sender report from this source, for LSR/DLSR (RFC 3550 §6.4.1).
    pub fn on_sender_report(&mut self, ntp: NtpTime, now: Instant) {
        self.last_sr = Some((ntp.compact(), now));
    }

    /// Extended highest sequence number received (App. A.3).
    pub fn extended_highest_seq(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    /// Packets expected since the first valid one (App. A.3).
    pub fn expected(&self) -> u64 {
        if self.received == 0 && self.probation > 0 {
            return 0;
        }
        (u64::from(self.cycles) + u64::from(self.max_seq)).saturating_sub(u64::from(self.base_seq))
            + 1
    }

    /// Packets received and counted.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Cumulative packets lost (negative with duplicates), App. A.3.
    pub fn cumulative_lost(&self) -> i64 {
        self.expected() as i64 - self.received as i64
    }

    /// Interarrival jitter in timestamp units (App. A.8).
    pub fn jitter(&self) -> u32 {
        self.jitter_q4 >> 4
    }

    /// Builds the report block for this source and starts a new reporting interval
    /// (App. A.3 fraction lost; §6.4.1 LSR/DLSR).
    pub fn report_block(&mut self, now: Instant) -> ReportBlock {
        let expected = self.expected();
        let expected_interval = expected.saturating_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received - self.received_prior;
        self.received_prior = self.received;
        let lost_interval = expected_interval as i64 - received_interval as i64;
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval as i64).min(255) as u8
        };
        let (lsr, dlsr) = match self.last_sr {
            Some((lsr, at)) => (lsr, duration_to_compact(now.saturating_duration_since(at))),
            None => (0, 0),
        };
        ReportBlock {
            ssrc: self.ssrc,
            fraction_lost,
            cumulative_lost: self.cumulative_lost().clamp(
                i64::from(ReportBlock::MIN_LOST),
                i64::from(ReportBlock::MAX_LOST),
            ) as i32,
            extended_highest_seq: self.extended_highest_seq(),
            jitter: self.jitter(),
            lsr,
            dlsr,
        }
    }
}

/// Maps monotonic `Instant`s to NTP wall-clock time from one anchor the caller reads once
/// (sans-IO: this crate never reads a clock).
#[derive(Debug, Clone, Copy)]
pub struct NtpClock {
    anchor: Instant,
    anchor_ntp: NtpTime,
}

impl NtpClock {
    /// `anchor_ntp` is the wall-clock time at `anchor`.
    pub fn new(anchor: Instant, anchor_ntp: NtpTime) -> Self {
        Self { anchor, anchor_ntp }
    }

    /// NTP time at `now` (times before the anchor clamp to it).
    pub fn ntp(&self, now: Instant) -> NtpTime {
        let d = now.saturating_duration_since(self.anchor);
        NtpTime::from_duration(self.anchor_ntp.to_duration() + d)
    }
}

/// Round-trip time from a report block about our stream (RFC 3550 §6.4.1), given when it
/// arrived. `None` if the peer has not seen an SR from us yet or the result is negative.
pub fn rtt(block: &ReportBlock, clock: &NtpClock, arrival: Instant) -> Option<Duration> {
    block.rtt(clock.ntp(arrival).compact())
}

/// Sender-side counters for SR sender info (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, Default)]
pub struct SenderStats {
    /// Packets sent.
    pub packet_count: u32,
    /// Payload octets sent.
    pub octet_count: u32,
}

impl SenderStats {
    /// Counts one sent packet with `payload_len` payload bytes (wrapping, as the fields do).
    pub fn on_sent(&mut self, payload_len: usize) {
        self.packet_count = self.packet_count.wrapping_add(1);
        self.octet_count = self.octet_count.wrapping_add(payload_len as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Instant {
        strata_sim::epoch()
    }

    #[test]
    fn rfc3550_a1_probation_then_counting() {
        let base = t0();
        let mut s = ReceiverStats::new(1, 90_000);
        assert_eq!(
            s.on_packet(SeqNum(10), RtpTimestamp(0), base),
            PacketClass::Probation
        );
        assert_eq!(
            s.on_packet(SeqNum(11), RtpTimestamp(0), base),
            PacketClass::Valid
        );
        assert_eq!(s.received(), 1);
        assert_eq!(s.expected(), 1);
        // Probation resets on a gap.
        let mut s2 = ReceiverStats::new(1, 90_000);
        s2.on_packet(SeqNum(10), RtpTimestamp(0), base);
        assert_eq!(
            s2.on_packet(SeqNum(20), RtpTimestamp(0), base),
            PacketClass::Probation
        );
        assert_eq!(
            s2.on_packet(SeqNum(21), RtpTimestamp(0), base),
            PacketClass::Valid
        );
    }

    #[test]
    fn rfc3550_a3_loss_fraction_and_wrap() {
        let base = t0();
        let mut s = ReceiverStats::new(7, 8000);
        // 65530..=65535, 0..=9 with 2, 3, 4 lost: 16 expected after the probation packet.
        let seqs: Vec<u16> = (65529..=65535)
            .chain(0..10)
            .filter(|x| ![2, 3, 4].contains(x))
            .collect();
        for s_ in &seqs {
            s.on_packet(SeqNum(*s_), RtpTimestamp(0), base);
        }
        assert_eq!(s.extended_highest_seq(), 65536 + 9);
        assert_eq!(s.expected(), 16);
        assert_eq!(s.received(), 13);
        let rb = s.report_block(base);
        assert_eq!(rb.cumulative_lost, 3);
        assert_eq!(rb.fraction_lost, (3 * 256 / 16) as u8);
        assert_eq!(rb.extended_highest_seq, 65545);
        // Next interval: 4 more, none lost; duplicates make the interval loss negative -> 0.
        for x in 10..14u16 {
            s.on_packet(SeqNum(x), RtpTimestamp(0), base);
        }
        s.on_packet(SeqNum(13), RtpTimestamp(0), base);
        let rb = s.report_block(base);
        assert_eq!(rb.fraction_lost, 0);
        assert_eq!(rb.cumulative_lost, 2);
    }

    #[test]
    fn rfc3550_a1_restart_after_two_sequential_jumps() {
        let base = t0();
        let mut s = ReceiverStats::new(7, 8000);
        for x in 100..110u16 {
            s.on_packet(SeqNum(x), RtpTimestamp(0), base);
        }
        assert_eq!(
            s.on_packet(SeqNum(30000), RtpTimestamp(0), base),
            PacketClass::Bad
        );
        assert_eq!(
            s.on_packet(SeqNum(30001), RtpTimestamp(0), base),
            PacketClass::Restarted
        );
        assert_eq!(s.expected(), 1);
        assert_eq!(s.extended_highest_seq(), 30001);
    }

    #[test]
    fn rfc3550_a8_jitter() {
        let base = t0();
        let mut s = ReceiverStats::new(7, 1000); // 1 tick = 1 ms
        // Constant transit: no jitter.
        for i in 0..50u16 {
            let at = base + Duration::from_millis(u64::from(i) * 20);
            s.on_packet(SeqNum(i), RtpTimestamp(u32::from(i) * 20), at);
        }
        assert_eq!(s.jitter(), 0);
        // Alternating 0/10 ms extra delay: |D| = 10 every packet; J converges to 10.
        for i in 50..400u16 {
            let extra = if i % 2 == 0 { 10 } else { 0 };
            let at = base + Duration::from_millis(u64::from(i) * 20 + extra);
            s.on_packet(SeqNum(i), RtpTimestamp(u32::from(i) * 20), at);
        }
        assert!((9..=10).contains(&s.jitter()), "{}", s.jitter());
    }

    #[test]
    fn rfc3550_6_4_1_lsr_dlsr_and_rtt() {
        let base = t0();
        let clock = NtpClock::new(base, NtpTime(0xe000_0000_0000_0000));
        let mut s = ReceiverStats::new(9, 90_000);
        s.on_packet(SeqNum(1), RtpTimestamp(0), base);
        s.on_packet(SeqNum(2), RtpTimestamp(0), base);
        // The peer (us, here) sent an SR at base+100ms; the receiver got it at +150 ms and
        // reports at +400 ms; the report arrives back at +460 ms: RTT = 460-100-250 = 110 ms.
        let sr_ntp = clock.ntp(base + Duration::from_millis(100));
        s.on_sender_report(sr_ntp, base + Duration::from_millis(150));
        let rb = s.report_block(base + Duration::from_millis(400));
        assert_eq!(rb.lsr, sr_ntp.compact());
        let r = rtt(&rb, &clock, base + Duration::from_millis(460)).unwrap();
        assert!((r.as_secs_f64() - 0.110).abs() < 0.001, "{r:?}");
        // No SR yet: no RTT.
        let mut s2 = ReceiverStats::new(9, 90_000);
        assert_eq!(s2.report_block(base).lsr, 0);
        assert!(rtt(&s2.report_block(base), &clock, base).is_none());
    }
}

#[cfg(test)]
mod xr_tests {
    use crate::rtcp::{DlrrItem, NtpTime};
    use core::time::Duration;

    #[test]
    fn rfc3611_4_5_dlrr_rtt() {
        let rrtr = NtpTime::from_duration(Duration::from_secs(1000));
        let arrival = NtpTime::from_duration(Duration::from_millis(1_000_300));
        let item = DlrrItem {
            ssrc: 1,
            lrr: rrtr.compact(),
            dlrr: crate::rtcp::duration_to_compact(Duration::from_millis(200)),
        };
        let rtt = item.rtt(arrival.compact()).unwrap();
        assert!((rtt.as_secs_f64() - 0.1).abs() < 0.001, "{rtt:?}");
        assert!(DlrrItem { lrr: 0, ..item }.rtt(arrival.compact()).is_none());
    }
}
