//! Errors of a simulation run. Every message names the seed that reproduces it.

use std::{fmt, time::Duration};

use crate::SEED_ENV;

/// A simulation run failed. `Display` always names the seed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimError {
    /// More than the step limit of events were processed: a livelock (e.g. a timer that keeps
    /// firing at the same instant) or a run without a deadline.
    StepLimit {
        /// Seed of the run.
        seed: u64,
        /// Steps taken.
        steps: u64,
    },
    /// `run_until` reached its deadline before its condition held.
    Deadline {
        /// Seed of the run.
        seed: u64,
        /// Virtual time since the start of the simulation.
        at: Duration,
    },
    /// `run_until`: nothing is left to happen (no datagram in flight, no timer) and the
    /// condition still does not hold.
    Idle {
        /// Seed of the run.
        seed: u64,
        /// Virtual time since the start of the simulation.
        at: Duration,
    },
}

impl SimError {
    /// The seed that reproduces the failure.
    pub fn seed(&self) -> u64 {
        match *self {
            Self::StepLimit { seed, .. }
            | Self::Deadline { seed, .. }
            | Self::Idle { seed, .. } => seed,
        }
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StepLimit { seed, steps } => {
                write!(f, "step limit reached after {steps} steps (livelock?)")?;
                write!(f, ", seed {seed} (rerun with {SEED_ENV}={seed})")
            }
            Self::Deadline { seed, at } => {
                write!(f, "deadline reached at {at:?} without the condition")?;
                write!(f, ", seed {seed} (rerun with {SEED_ENV}={seed})")
            }
            Self::Idle { seed, at } => {
                write!(f, "network idle at {at:?} without the condition")?;
                write!(f, ", seed {seed} (rerun with {SEED_ENV}={seed})")
            }
        }
    }
}

impl std::error::Error for SimError {}
