//! Replay protection: a sliding bitmap over packet indices (RFC 3711 §3.3.2).

use crate::Error;

/// A replay window of `window` packets below the highest index accepted so far. `check`
/// never changes state; `accept` is called only once the packet has authenticated.
#[derive(Debug, Clone)]
pub(crate) struct ReplayWindow {
    /// Bit `i mod (64 * bits.len())` is set when index `i` was accepted; `bits.len()` is a
    /// power of two, so the modulo is a mask.
    bits: Box<[u64]>,
    window: u64,
    highest: Option<u64>,
}

impl ReplayWindow {
    pub(crate) fn new(window: usize) -> Self {
        ReplayWindow {
            bits: vec![0; window.div_ceil(64).next_power_of_two()].into_boxed_slice(),
            window: window as u64,
            highest: None,
        }
    }

    pub(crate) fn highest(&self) -> Option<u64> {
        self.highest
    }

    fn slot(&self, index: u64) -> (usize, u64) {
        let n = self.bits.len() as u64 * 64;
        let bit = index & (n - 1);
        ((bit / 64) as usize, 1u64 << (bit % 64))
    }

    /// RFC 3711 §3.3.2: `Ok` if `index` is new and not older than the window.
    pub(crate) fn check(&self, index: u64) -> Result<(), Error> {
        let Some(h) = self.highest else { return Ok(()) };
        if index > h {
            return Ok(());
        }
        if h - index >= self.window {
            return Err(Error::TooOld);
        }
        let (w, m) = self.slot(index);
        if self.bits[w] & m != 0 {
            return Err(Error::Replay);
        }
        Ok(())
    }

    /// Marks `index` as received; call only after `check` passed and the packet authenticated.
    pub(crate) fn accept(&mut self, index: u64) {
        match self.highest {
            Some(h) if index <= h => {}
            Some(h) => {
                let n = self.bits.len() as u64 * 64;
                if index - h >= n {
                    self.bits.fill(0);
                } else {
                    for i in h + 1..index {
                        let (w, m) = self.slot(i);
                        self.bits[w] &= !m;
                    }
                }
                self.highest = Some(index);
            }
            None => self.highest = Some(index),
        }
        let (w, m) = self.slot(index);
        self.bits[w] |= m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// The obvious model: every accepted index, and the highest.
    struct Naive {
        seen: BTreeSet<u64>,
        window: u64,
    }

    impl Naive {
        fn check(&self, i: u64) -> Result<(), Error> {
            let Some(&h) = self.seen.last() else {
                return Ok(());
            };
            if i > h {
                Ok(())
            } else if h - i >= self.window {
                Err(Error::TooOld)
            } else if self.seen.contains(&i) {
                Err(Error::Replay)
            } else {
                Ok(())
            }
        }
    }

    #[test]
    fn duplicate_old_and_reordered() {
        let mut w = ReplayWindow::new(128);
        w.accept(1000);
        assert_eq!(w.check(1000), Err(Error::Replay));
        assert_eq!(w.check(999), Ok(()));
        assert_eq!(w.check(1000 - 127), Ok(()));
        assert_eq!(w.check(1000 - 128), Err(Error::TooOld));
        w.accept(995);
        assert_eq!(w.check(995), Err(Error::Replay));
        w.accept(1200);
        assert_eq!(w.check(1000), Err(Error::TooOld));
        assert_eq!(w.check(1199), Ok(()));
        assert_eq!(w.check(1200), Err(Error::Replay));
    }

    #[test]
    fn check_does_not_change_state() {
        let mut w = ReplayWindow::new(64);
        w.accept(5);
        for _ in 0..3 {
            assert_eq!(w.check(7), Ok(()));
        }
        assert_eq!(w.highest(), Some(5));
    }

    proptest! {
        #[test]
        fn matches_naive_model(
            window in prop_oneof![Just(64usize), Just(100), Just(128), Just(1024), Just(1500)],
            ops in proptest::collection::vec((0u64..3000, any::<bool>()), 1..400),
        ) {
            let mut w = ReplayWindow::new(window);
            let mut m = Naive { seen: BTreeSet::new(), window: window as u64 };
            for (i, accept) in ops {
                let got = w.check(i);
                prop_assert_eq!(got, m.check(i), "index {}", i);
                if got.is_ok() && accept {
                    w.accept(i);
                    m.seen.insert(i);
                }
                prop_assert_eq!(w.highest(), m.seen.last().copied());
            }
        }
    }
}
