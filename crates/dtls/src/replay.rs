//! RFC 6347 §4.1.2.6 anti-replay window: a 64-record sliding bitmap per epoch.

use crate::record::SeqNum;

/// Width of the window (RFC 6347 §4.1.2.6: "a minimum window size of 32 MUST be supported";
/// 64 is the suggested default).
pub const WINDOW: u64 = 64;

/// Sliding window of records already received in one epoch.
#[derive(Debug, Clone, Default)]
pub struct ReplayWindow {
    /// Highest sequence number accepted, `None` before the first.
    top: Option<SeqNum>,
    /// Bit `i` set: `top - i` was received.
    bits: u64,
}

impl ReplayWindow {
    /// An empty window.
    pub fn new() -> Self {
        Self::default()
    }

    /// True when `seq` is new and not too old. Call before authenticating the record; call
    /// [`Self::accept`] only after the record authenticated (RFC 6347 §4.1.2.6).
    pub fn check(&self, seq: SeqNum) -> bool {
        let Some(top) = self.top else { return true };
        match seq.distance_from(top) {
            Some(0) => false,
            Some(_) => true,
            None => {
                let back = top.get() - seq.get();
                back < WINDOW && self.bits & (1 << back) == 0
            }
        }
    }

    /// Marks `seq` as received.
    pub fn accept(&mut self, seq: SeqNum) {
        let Some(top) = self.top else {
            self.top = Some(seq);
            self.bits = 1;
            return;
        };
        match seq.distance_from(top) {
            Some(ahead) => {
                self.bits = if ahead >= WINDOW {
                    0
                } else {
                    self.bits << ahead
                };
                self.bits |= 1;
                self.top = Some(seq);
            }
            None => {
                let back = top.get() - seq.get();
                if back < WINDOW {
                    self.bits |= 1 << back;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn s(v: u64) -> SeqNum {
        SeqNum::new(v).unwrap()
    }

    #[test]
    fn rfc6347_4_1_2_6_duplicates_and_old_records_are_rejected() {
        let mut w = ReplayWindow::new();
        assert!(w.check(s(100)));
        w.accept(s(100));
        assert!(!w.check(s(100)));
        assert!(w.check(s(99)));
        w.accept(s(99));
        assert!(!w.check(s(99)));
        assert!(w.check(s(37)));
        assert!(!w.check(s(36)), "outside the 64-record window");
        w.accept(s(300));
        assert!(!w.check(s(100)));
        assert!(w.check(s(299)));
    }

    proptest::proptest! {
        /// Model: a set of seen numbers and the max; anything within the window and unseen is
        /// fresh, anything older than the window is refused.
        #[test]
        fn replay_window_matches_model(seqs in proptest::collection::vec(0u64..300, 1..200)) {
            let mut w = ReplayWindow::new();
            let mut seen = BTreeSet::new();
            let mut max: Option<u64> = None;
            for v in seqs {
                let expect = !seen.contains(&v) && max.is_none_or(|m| v + WINDOW > m);
                proptest::prop_assert_eq!(w.check(s(v)), expect, "seq {}", v);
                if expect {
                    w.accept(s(v));
                    seen.insert(v);
                    max = Some(max.map_or(v, |m| m.max(v)));
                }
            }
        }
    }
}
