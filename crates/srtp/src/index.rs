//! Sequence numbers and packet indices (RFC 3711 §3.3.1, Appendix A).

/// An RTP sequence number, compared with RFC 1982 serial arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeqNum(pub u16);

impl SeqNum {
    /// Signed serial distance from `self` to `other`, in `-32768..=32767` (RFC 1982 §3.2).
    pub fn distance_to(self, other: SeqNum) -> i32 {
        i32::from(other.0.wrapping_sub(self.0) as i16)
    }
}

/// The 48-bit SRTP packet index `i = 2^16 * ROC + SEQ` (RFC 3711 §3.3.1). It never wraps
/// within one master key's lifetime, so plain ordering is the right ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PacketIndex(u64);

impl PacketIndex {
    /// Largest index a key may protect (RFC 3711 §9.2: 2^48 packets).
    pub const MAX: u64 = (1 << 48) - 1;

    /// The index of `seq` under rollover counter `roc`.
    pub fn new(roc: u32, seq: u16) -> Self {
        PacketIndex((u64::from(roc) << 16) | u64::from(seq))
    }

    /// The 48-bit value.
    pub fn value(self) -> u64 {
        self.0
    }

    /// The rollover counter.
    pub fn roc(self) -> u32 {
        // 48-bit value: the top 32 bits fit.
        (self.0 >> 16) as u32
    }

    /// The sequence number.
    pub fn seq(self) -> SeqNum {
        SeqNum(self.0 as u16)
    }

    /// RFC 3711 §3.3.1 and Appendix A: the index of `seq` nearest to `self` (the highest
    /// index seen so far), i.e. ROC - 1, ROC or ROC + 1. `None` when that index would fall
    /// before 0 or past [`PacketIndex::MAX`].
    pub fn estimate(self, seq: SeqNum) -> Option<PacketIndex> {
        let v = self.0 as i64 + i64::from(self.seq().distance_to(seq));
        if v < 0 || v as u64 > Self::MAX {
            return None;
        }
        Some(PacketIndex(v as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_across_wrap_both_ways() {
        let h = PacketIndex::new(0, 0xfffe);
        assert_eq!(h.estimate(SeqNum(2)), Some(PacketIndex::new(1, 2)));
        assert_eq!(
            h.estimate(SeqNum(0xfff0)),
            Some(PacketIndex::new(0, 0xfff0))
        );
        let h = PacketIndex::new(1, 3);
        assert_eq!(
            h.estimate(SeqNum(0xfffd)),
            Some(PacketIndex::new(0, 0xfffd))
        );
        assert_eq!(h.estimate(SeqNum(9)), Some(PacketIndex::new(1, 9)));
    }

    #[test]
    fn estimate_refuses_negative_and_overflow() {
        assert_eq!(PacketIndex::new(0, 10).estimate(SeqNum(0xfff0)), None);
        let top = PacketIndex::new(u32::MAX, 0xfff0);
        assert_eq!(top.estimate(SeqNum(5)), None);
        assert_eq!(
            top.estimate(SeqNum(0xfff5)),
            Some(PacketIndex::new(u32::MAX, 0xfff5))
        );
    }

    #[test]
    fn appendix_a_agrees_away_from_the_half_way_point() {
        // RFC 3711 Appendix A, written as in the RFC.
        fn app_a(roc: u32, s_l: u16, seq: u16) -> i64 {
            let (roc, s_l, seq) = (i64::from(roc), i64::from(s_l), i64::from(seq));
            let v = if s_l < 32768 {
                if seq - s_l > 32768 { roc - 1 } else { roc }
            } else if s_l - 32768 > seq {
                roc + 1
            } else {
                roc
            };
            v * 65536 + seq
        }
        for &(roc, s_l) in &[
            (5u32, 0u16),
            (5, 100),
            (5, 32767),
            (5, 32768),
            (5, 40000),
            (5, 65535),
        ] {
            for seq in (0..=65535u16).step_by(7) {
                let d = SeqNum(s_l).distance_to(SeqNum(seq));
                if d.abs() >= 32767 {
                    continue; // the half-way tie is broken differently; both are valid
                }
                let ours = PacketIndex::new(roc, s_l).estimate(SeqNum(seq)).unwrap();
                assert_eq!(
                    ours.value() as i64,
                    app_a(roc, s_l, seq),
                    "s_l {s_l} seq {seq}"
                );
            }
        }
    }
}
