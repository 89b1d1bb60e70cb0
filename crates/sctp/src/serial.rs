//! RFC 1982 serial-number newtypes for TSN, SSN and MID, and an unwrapper to 64 bits.
//!
//! On the wire these numbers wrap; inside the association they are unwrapped to `u64`
//! (relative to the last value seen) so that queues can be ordered totally.

macro_rules! serial {
    ($(#[$m:meta])* $name:ident, $t:ty, $st:ty) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub $t);

        impl $name {
            /// `self + n`, wrapping.
            #[must_use]
            pub const fn add(self, n: $t) -> Self {
                $name(self.0.wrapping_add(n))
            }
            /// `self - n`, wrapping.
            #[must_use]
            pub const fn sub(self, n: $t) -> Self {
                $name(self.0.wrapping_sub(n))
            }
            /// The next number (`self + 1`, wrapping).
            #[must_use]
            pub const fn next(self) -> Self {
                self.add(1)
            }
            /// Signed distance from `self` to `other` (`other - self`), per RFC 1982.
            pub const fn delta(self, other: Self) -> $st {
                other.0.wrapping_sub(self.0) as $st
            }
            /// RFC 1982 `self < other`.
            pub const fn lt(self, other: Self) -> bool {
                self.delta(other) > 0
            }
            /// RFC 1982 `self <= other`.
            pub const fn le(self, other: Self) -> bool {
                self.delta(other) >= 0
            }
            /// RFC 1982 `self > other`.
            pub const fn gt(self, other: Self) -> bool {
                other.lt(self)
            }
            /// RFC 1982 `self >= other`.
            pub const fn ge(self, other: Self) -> bool {
                other.le(self)
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

serial!(
    /// Transmission Sequence Number (RFC 9260 §3.3.1), 32-bit serial.
    Tsn, u32, i32
);
serial!(
    /// Stream Sequence Number (RFC 9260 §3.3.1), 16-bit serial.
    Ssn, u16, i16
);
serial!(
    /// Message Identifier of I-DATA (RFC 8260 §2.1), 32-bit serial.
    Mid, u32, i32
);
serial!(
    /// Re-configuration request sequence number (RFC 6525 §4.1), 32-bit serial.
    ReconfSeq, u32, i32
);

/// Unwraps a 32-bit serial `v` to the `u64` nearest to `reference` (RFC 1982 window).
pub(crate) fn unwrap32(reference: u64, v: u32) -> u64 {
    let d = i64::from(v.wrapping_sub(reference as u32) as i32);
    (reference as i64 + d) as u64
}

/// Unwraps a 16-bit serial `v` to the `u64` nearest to `reference`.
pub(crate) fn unwrap16(reference: u64, v: u16) -> u64 {
    let d = i64::from(v.wrapping_sub(reference as u16) as i16);
    (reference as i64 + d) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1982_comparisons_wrap() {
        assert!(Tsn(u32::MAX).lt(Tsn(0)));
        assert!(Tsn(0).gt(Tsn(u32::MAX)));
        assert!(Tsn(5).le(Tsn(5)));
        assert!(Ssn(65535).lt(Ssn(1)));
        assert_eq!(Tsn(u32::MAX).next(), Tsn(0));
        assert_eq!(Tsn(10).delta(Tsn(7)), -3);
    }

    #[test]
    fn unwrap_crosses_the_wrap() {
        let r = (1u64 << 32) + u64::from(u32::MAX - 2);
        assert_eq!(unwrap32(r, 1), r + 4);
        assert_eq!(unwrap32(r, u32::MAX - 3), r - 1);
        let r16 = (1u64 << 32) + 65534;
        assert_eq!(unwrap16(r16, 2), r16 + 4);
        assert_eq!(unwrap16(r16, 65533), r16 - 1);
    }

    proptest::proptest! {
        #[test]
        fn unwrap_matches_model(start: u32, steps in proptest::collection::vec(-70000i64..70000, 1..50)) {
            let mut reference = (1u64 << 32) + u64::from(start);
            for s in steps {
                let model = (reference as i64 + s) as u64;
                proptest::prop_assert_eq!(unwrap32(reference, model as u32), model);
                reference = reference.max(model);
            }
        }
    }
}
