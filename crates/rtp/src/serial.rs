//! RFC 1982 serial-number arithmetic for RTP sequence numbers and timestamps, and
//! unwrapping to 64 bits.
//!
//! Serial comparison is not a total order (two values exactly half the space apart are
//! incomparable), so these types implement no `Ord`: use [`SeqNum::serial_cmp`] or
//! [`SeqNum::is_newer_than`].

use core::cmp::Ordering;
use core::fmt;

macro_rules! serial {
    ($(#[$m:meta])* $name:ident, $unwrapper:ident, $t:ty, $st:ty, $bits:expr) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub $t);

        impl $name {
            /// The serial number `n` steps later (wrapping, RFC 1982 §3.1).
            #[must_use]
            pub const fn add(self, n: $t) -> Self {
                Self(self.0.wrapping_add(n))
            }

            /// The serial number `n` steps earlier (wrapping).
            #[must_use]
            pub const fn sub(self, n: $t) -> Self {
                Self(self.0.wrapping_sub(n))
            }

            /// The next serial number.
            #[must_use]
            pub const fn next(self) -> Self {
                self.add(1)
            }

            /// Signed distance `self - other` in the serial space: positive when `self` is newer.
            /// At exactly half the space the result is the most negative value.
            pub const fn diff(self, other: Self) -> $st {
                self.0.wrapping_sub(other.0) as $st
            }

            /// RFC 1982 §3.2 comparison; `None` when the two are exactly half the space apart.
            pub fn serial_cmp(self, other: Self) -> Option<Ordering> {
                let d = self.0.wrapping_sub(other.0);
                if d == 0 {
                    Some(Ordering::Equal)
                } else if d == 1 << ($bits - 1) {
                    None
                } else if d < 1 << ($bits - 1) {
                    Some(Ordering::Greater)
                } else {
                    Some(Ordering::Less)
                }
            }

            /// Whether `self` is strictly newer than `other` (RFC 1982 §3.2 `s1 > s2`).
            pub fn is_newer_than(self, other: Self) -> bool {
                self.serial_cmp(other) == Some(Ordering::Greater)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl From<$t> for $name {
            fn from(v: $t) -> Self {
                Self(v)
            }
        }

        /// Unwraps serial numbers to a 64-bit signed count. The first value unwraps to itself;
        /// each later one to the value nearest the newest seen so far, so a value older than the
        /// first may unwrap below zero.
        #[derive(Debug, Clone, Default)]
        pub struct $unwrapper {
            last: Option<i64>,
        }

        impl $unwrapper {
            /// A fresh unwrapper.
            pub const fn new() -> Self {
                Self { last: None }
            }

            /// Unwraps `v` without remembering it.
            pub fn peek(&self, v: $name) -> i64 {
                match self.last {
                    None => i64::from(v.0),
                    Some(last) => {
                        let last_wrapped = $name(last as $t);
                        last + i64::from(v.diff(last_wrapped))
                    }
                }
            }

            /// Unwraps `v`; remembers it when it is the newest so far.
            pub fn unwrap(&mut self, v: $name) -> i64 {
                let u = self.peek(v);
                if self.last.is_none_or(|l| u > l) {
                    self.last = Some(u);
                }
                u
            }

            /// The newest unwrapped value so far.
            pub fn last(&self) -> Option<i64> {
                self.last
            }
        }
    };
}

serial!(
    /// RTP sequence number (RFC 3550 §5.1), 16-bit serial arithmetic.
    SeqNum, SeqUnwrapper, u16, i16, 16
);
serial!(
    /// RTP timestamp (RFC 3550 §5.1), 32-bit serial arithmetic.
    RtpTimestamp, TimestampUnwrapper, u32, i32, 32
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc1982_examples() {
        assert!(SeqNum(1).is_newer_than(SeqNum(0)));
        assert!(SeqNum(0).is_newer_than(SeqNum(65535)));
        assert!(!SeqNum(65535).is_newer_than(SeqNum(0)));
        assert_eq!(SeqNum(0).serial_cmp(SeqNum(32768)), None);
        assert_eq!(SeqNum(32767).serial_cmp(SeqNum(0)), Some(Ordering::Greater));
        assert_eq!(SeqNum(5).diff(SeqNum(65533)), 8);
        assert!(RtpTimestamp(10).is_newer_than(RtpTimestamp(u32::MAX - 10)));
    }

    #[test]
    fn unwrap_across_wrap_and_reorder() {
        let mut u = SeqUnwrapper::new();
        assert_eq!(u.unwrap(SeqNum(65534)), 65534);
        assert_eq!(u.unwrap(SeqNum(1)), 65537);
        assert_eq!(u.unwrap(SeqNum(65535)), 65535); // late packet
        assert_eq!(u.unwrap(SeqNum(2)), 65538);
        assert_eq!(u.last(), Some(65538));
        let mut u = SeqUnwrapper::new();
        assert_eq!(u.unwrap(SeqNum(3)), 3);
        assert_eq!(u.unwrap(SeqNum(65535)), -1);
        let mut t = TimestampUnwrapper::new();
        assert_eq!(t.unwrap(RtpTimestamp(u32::MAX)), i64::from(u32::MAX));
        assert_eq!(t.unwrap(RtpTimestamp(9)), (1i64 << 32) + 9);
    }

    proptest! {
        /// Against a naive model: a walk of true 64-bit positions, with steps below half the
        /// space, unwraps back to the walk itself.
        #[test]
        fn unwrap_matches_true_position(start in 0i64..65536, steps in prop::collection::vec(-30000i64..30000, 1..200)) {
            let mut u = SeqUnwrapper::new();
            let mut pos = start;
            let mut newest = start;
            prop_assert_eq!(u.unwrap(SeqNum(pos as u16)), pos);
            for s in steps {
                // Stay within half the space of the newest, as a real receiver does.
                let next = pos + s;
                if (next - newest).abs() >= 32768 { continue; }
                pos = next;
                prop_assert_eq!(u.unwrap(SeqNum(pos.rem_euclid(65536) as u16)), pos);
                newest = newest.max(pos);
            }
        }

        #[test]
        fn cmp_antisymmetric(a: u16, b: u16) {
            let x = SeqNum(a).serial_cmp(SeqNum(b));
            let y = SeqNum(b).serial_cmp(SeqNum(a));
            prop_assert_eq!(x.map(Ordering::reverse), y);
            prop_assert_eq!(SeqNum(a).add(SeqNum(b).diff(SeqNum(a)) as u16), SeqNum(b));
        }
    }
}
