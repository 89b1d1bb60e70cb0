//! Receive side of transport-wide congestion control
//! (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3): arrival times by transport-wide
//! sequence number, turned into feedback messages.

use std::collections::BTreeMap;
use std::time::Instant;

use strata_rtp::rtcp::TwccBuilder;
use strata_rtp::{SeqNum, SeqUnwrapper};

/// Bound on arrivals waiting for feedback; the oldest are forgotten beyond it.
const MAX_PENDING: usize = 1024;
/// Largest sequence span one message covers (the rest waits for the next one).
const MAX_SPAN: i64 = 2048;

#[derive(Debug)]
pub(crate) struct TwccReceiver {
    epoch: Instant,
    unwrap: SeqUnwrapper,
    pending: BTreeMap<i64, Instant>,
    /// The first sequence number the next message reports (those before it were reported).
    next_base: Option<i64>,
    fb_count: u8,
    /// Feedback messages built.
    pub sent: u64,
}

impl TwccReceiver {
    pub fn new(epoch: Instant) -> Self {
        TwccReceiver {
            epoch,
            unwrap: SeqUnwrapper::new(),
            pending: BTreeMap::new(),
            next_base: None,
            fb_count: 0,
            sent: 0,
        }
    }

    /// Records one arrival. A packet that arrives after a message reported it missing
    /// (reordering) is reported again, in a message of its own run.
    pub fn on_packet(&mut self, seq: u16, now: Instant) {
        let s = self.unwrap.unwrap(SeqNum(seq));
        if self.next_base.is_some_and(|b| b - s > MAX_SPAN) {
            return;
        }
        self.pending.entry(s).or_insert(now);
        if self.pending.len() > MAX_PENDING {
            self.pending.pop_first();
        }
    }

    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// §3.1: one feedback message covering every sequence number from the last reported one
    /// to the newest arrival (missing ones as not received). Receive deltas are relative to
    /// the previous received packet, the first to the reference time (64 ms units).
    pub fn build(&mut self) -> Option<TwccBuilder> {
        let (&first, &first_at) = self.pending.first_key_value()?;
        let (&newest, _) = self.pending.last_key_value()?;
        // Late packets (below the reported range): their own run, nothing around them.
        let late = self.next_base.is_some_and(|b| first < b);
        let newest = if late {
            let mut end = first;
            while self.pending.contains_key(&(end + 1)) && Some(end + 1) < self.next_base {
                end += 1;
            }
            end
        } else {
            newest
        };
        // Start at the last reported + 1 unless that is too far behind (reset after a gap).
        let base = match self.next_base {
            Some(b) if b <= first && first - b < MAX_SPAN / 2 => b,
            _ => first,
        };
        let t_us = |t: Instant| t.saturating_duration_since(self.epoch).as_micros() as i64;
        let reference = t_us(first_at) / 64_000;
        let mut prev = reference * 64_000;
        let mut b = TwccBuilder::new(
            SeqNum(base as u16),
            (reference & 0xff_ffff) as u32,
            self.fb_count,
        );
        let mut last = None;
        for s in base..=newest.min(base + MAX_SPAN - 1) {
            let delta = match self.pending.get(&s) {
                None => None,
                Some(&t) => {
                    let d = (t_us(t) - prev).div_euclid(250);
                    if d < i64::from(i16::MIN) || d > i64::from(i16::MAX) {
                        break; // does not fit: the next message starts here
                    }
                    prev += d * 250;
                    Some(d as i32)
                }
            };
            if b.push(delta).is_err() {
                break;
            }
            last = Some(s);
        }
        let last = last?;
        // Keep what was not reported.
        if late {
            self.pending.retain(|&s, _| s < base || s > last);
        } else {
            self.pending = self.pending.split_off(&(last + 1));
            self.next_base = Some(last + 1);
        }
        self.fb_count = self.fb_count.wrapping_add(1);
        self.sent += 1;
        Some(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use strata_rtp::rtcp::{Compound, RtcpPacket, RtcpWriter, Validation};

    fn parse(b: &TwccBuilder) -> Vec<(u16, Option<i64>)> {
        let mut buf = vec![0u8; 4096];
        let mut w = RtcpWriter::new(&mut buf);
        w.transport_cc(1, 2, b).unwrap();
        let n = w.finish();
        let c = Compound::new(&buf[..n], Validation::ReducedSize).unwrap();
        let Some(Ok(RtcpPacket::TransportCc(t))) = c.iter().next() else {
            panic!("not TWCC")
        };
        t.packets()
            .map(|p| (p.seq.0, p.delta_us().map(|d| d / 250)))
            .collect()
    }

    #[test]
    fn reports_arrivals_and_gaps_then_continues() {
        let t0 = strata_sim::epoch();
        let mut r = TwccReceiver::new(t0);
        let at = |ms| t0 + Duration::from_millis(ms);
        r.on_packet(65534, at(100));
        r.on_packet(65535, at(101));
        r.on_packet(1, at(105)); // 0 lost
        let b = r.build().unwrap();
        let got = parse(&b);
        // Reference time 64 ms: first delta 36 ms = 144 ticks, then 4, then missing, then 16.
        assert_eq!(
            got,
            [
                (65534, Some(144)),
                (65535, Some(4)),
                (0, None),
                (1, Some(16))
            ]
        );
        assert!(!r.has_pending());
        // A late packet reported as lost gets a message of its own; the next regular one
        // starts at 2.
        r.on_packet(0, at(110));
        r.on_packet(3, at(120));
        let got = parse(&r.build().unwrap());
        assert_eq!(got, [(0, Some((110 - 64) * 4))]);
        let got = parse(&r.build().unwrap());
        assert_eq!(got[0].0, 2);
        assert_eq!(got.len(), 2);
        assert_eq!(r.sent, 3);
        assert!(r.build().is_none());
    }

    #[test]
    fn pending_is_bounded() {
        let t0 = strata_sim::epoch();
        let mut r = TwccReceiver::new(t0);
        for s in 0..5000u16 {
            r.on_packet(s.wrapping_mul(3), t0);
        }
        assert!(r.pending.len() <= MAX_PENDING);
        while r.build().is_some() {}
        assert!(!r.has_pending());
    }
}
