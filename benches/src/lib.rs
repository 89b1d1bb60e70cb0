//! The side-by-side bench harness.
//!
//! Every bench in this crate runs our implementation and a reference on the same input in one
//! process, interleaving their samples so that drift on a shared machine hits both alike, and
//! prints medians and the ratio. Absolute times on these machines wander; ratios hold.
//!
//! The crate also installs a counting global allocator, so a bench can prove that a data path
//! allocates nothing ([`allocations`]).
#![allow(clippy::disallowed_methods)] // a bench reads the clock by design

use std::alloc::System;
use std::hint::black_box;
use std::time::{Duration, Instant};

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Runs `f` once and returns its result with the number of heap allocations it made
/// (allocations and reallocations, on any thread).
pub fn allocations<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let region = Region::new(GLOBAL);
    let r = f();
    let stats = region.change();
    (r, stats.allocations + stats.reallocations)
}

/// The outcome of one side-by-side comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// What was measured.
    pub name: String,
    /// Median time per operation of our implementation.
    pub ours: Duration,
    /// Median time per operation of the reference.
    pub theirs: Duration,
    /// Name of the reference.
    pub reference: String,
}

impl Comparison {
    /// How many times faster we are: reference time over our time.
    pub fn ratio(&self) -> f64 {
        self.theirs.as_secs_f64() / self.ours.as_secs_f64()
    }

    /// Prints the result as one human line plus one machine line (`RESULT {json}`) that
    /// `cargo xtask bench` collects into `target/bench/summary.md`.
    pub fn report(&self, goal: Option<f64>) {
        let ratio = self.ratio();
        let verdict = match goal {
            Some(g) if ratio >= g => format!(" (goal >= {g}x: met)"),
            Some(g) => format!(" (goal >= {g}x: NOT met)"),
            None => String::new(),
        };
        println!(
            "{:<48} ours {:>10.1} ns  {:<14} {:>10.1} ns  ratio {:>6.2}x{}",
            self.name,
            ns(self.ours),
            self.reference,
            ns(self.theirs),
            ratio,
            verdict
        );
        println!(
            "RESULT {{\"name\":\"{}\",\"reference\":\"{}\",\"ours_ns\":{:.1},\"theirs_ns\":{:.1},\"ratio\":{:.3},\"goal\":{}}}",
            self.name,
            self.reference,
            ns(self.ours),
            ns(self.theirs),
            ratio,
            goal.map_or("null".to_string(), |g| g.to_string())
        );
    }
}

fn ns(d: Duration) -> f64 {
    d.as_secs_f64() * 1e9
}

/// Measurement settings; the defaults suit micro-operations of 100 ns to 100 µs.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Target wall time of one sample.
    pub sample: Duration,
    /// Samples per side.
    pub samples: usize,
}

impl Default for Settings {
    fn default() -> Self {
        let quick = std::env::var_os("STRATA_BENCH_QUICK").is_some();
        Settings {
            sample: Duration::from_millis(if quick { 1 } else { 5 }),
            samples: if quick { 11 } else { 51 },
        }
    }
}

/// Times `ours` against `theirs` with default [`Settings`].
pub fn compare(
    name: &str,
    reference: &str,
    ours: impl FnMut(),
    theirs: impl FnMut(),
) -> Comparison {
    compare_with(Settings::default(), name, reference, ours, theirs)
}

/// Times `ours` against `theirs`: calibrates a batch size for each, then takes samples
/// alternately (ours, theirs, ours, ...) and keeps the median time per operation of each.
pub fn compare_with(
    settings: Settings,
    name: &str,
    reference: &str,
    mut ours: impl FnMut(),
    mut theirs: impl FnMut(),
) -> Comparison {
    let batch_ours = calibrate(&mut ours, settings.sample);
    let batch_theirs = calibrate(&mut theirs, settings.sample);
    let mut a = Vec::with_capacity(settings.samples);
    let mut b = Vec::with_capacity(settings.samples);
    for _ in 0..settings.samples {
        a.push(sample(&mut ours, batch_ours));
        b.push(sample(&mut theirs, batch_theirs));
    }
    Comparison {
        name: name.to_string(),
        reference: reference.to_string(),
        ours: median(a),
        theirs: median(b),
    }
}

/// Times one function alone (for numbers that have no reference in Rust).
pub fn measure(mut f: impl FnMut()) -> Duration {
    let settings = Settings::default();
    let batch = calibrate(&mut f, settings.sample);
    median(
        (0..settings.samples)
            .map(|_| sample(&mut f, batch))
            .collect(),
    )
}

fn calibrate(f: &mut impl FnMut(), target: Duration) -> u64 {
    // Warm caches and branch predictors, then grow the batch until it fills the target.
    for _ in 0..16 {
        black_box(&mut *f)();
    }
    let mut batch = 1u64;
    loop {
        let start = Instant::now();
        for _ in 0..batch {
            black_box(&mut *f)();
        }
        let took = start.elapsed();
        if took >= target || batch >= 1 << 30 {
            return batch;
        }
        let grow = if took.is_zero() {
            16.0
        } else {
            (target.as_secs_f64() / took.as_secs_f64() * 1.2).clamp(1.5, 16.0)
        };
        batch = ((batch as f64) * grow).ceil() as u64;
    }
}

fn sample(f: &mut impl FnMut(), batch: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..batch {
        black_box(&mut *f)();
    }
    start.elapsed() / u32::try_from(batch).unwrap_or(u32::MAX)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_orders_the_slower_side_as_reference() {
        let s = Settings {
            sample: Duration::from_micros(200),
            samples: 5,
        };
        let c = compare_with(
            s,
            "spin",
            "slow",
            || {
                black_box((0..10u64).sum::<u64>());
            },
            || std::thread::sleep(Duration::from_micros(50)),
        );
        assert!(c.ratio() > 1.0, "{c:?}");
    }

    #[test]
    fn counts_allocations() {
        let (_, n) = allocations(|| black_box(vec![1u8; 100]));
        assert!(n >= 1);
        let (_, n) = allocations(|| black_box(3 + 4));
        assert_eq!(n, 0);
    }
}
