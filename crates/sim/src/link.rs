//! One direction of a virtual link: its configuration, its counters and the per-datagram fate.

use std::time::{Duration, Instant};

use rand_chacha::ChaCha8Rng;
use rand_core::Rng;

/// Default bottleneck queue of a rate-limited link, in bytes.
pub const DEFAULT_QUEUE_LIMIT: usize = 64 * 1024;

/// How one direction of a link treats datagrams. `Default` is a perfect, instant link.
///
/// The stages run in this order: MTU check, rate limit (bottleneck queue), loss, delay
/// (latency, jitter, reordering), duplication. Jitter is drawn per datagram, so a jitter larger
/// than the gap between two datagrams may also reorder them (as netem does).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkConfig {
    /// Fixed one-way delay.
    pub latency: Duration,
    /// Extra delay drawn uniformly from `[0, jitter]` for each datagram.
    pub jitter: Duration,
    /// Independent loss probability in `[0, 1]`.
    pub loss: f64,
    /// Bursty loss (Gilbert-Elliott two-state model), applied on top of `loss`.
    pub burst: Option<GilbertElliott>,
    /// Probability that a datagram is held back by `reorder_delay`.
    pub reorder: f64,
    /// Extra delay of a held-back datagram.
    pub reorder_delay: Duration,
    /// Probability that a datagram is delivered twice (the copy draws its own jitter).
    pub duplicate: f64,
    /// Datagrams longer than this are dropped (and counted in `mtu_dropped`).
    pub mtu: Option<usize>,
    /// Bottleneck rate in bits per second: serialisation delay plus a bounded FIFO queue.
    pub rate_bps: Option<u64>,
    /// Queue bound in bytes for a rate-limited link, tail drop; 0 means 64 KiB.
    pub queue_limit: usize,
}

/// Gilbert-Elliott bursty loss: a Markov chain with a good and a bad state, each with its own
/// loss probability. The state moves once per datagram, before the loss draw. The mean burst
/// (time in the bad state) is `1 / p_bad_to_good` datagrams.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GilbertElliott {
    /// Per-datagram probability of moving from good to bad.
    pub p_good_to_bad: f64,
    /// Per-datagram probability of moving from bad to good.
    pub p_bad_to_good: f64,
    /// Loss probability in the good state (often 0).
    pub loss_good: f64,
    /// Loss probability in the bad state (often 1).
    pub loss_bad: f64,
}

/// Counters of one link direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Datagrams offered to the link.
    pub sent: u64,
    /// Datagrams (copies included) handed to the receiving machine.
    pub delivered: u64,
    /// Datagrams lost by random or bursty loss.
    pub lost: u64,
    /// Extra copies scheduled.
    pub duplicated: u64,
    /// Datagrams held back by `reorder_delay`.
    pub reordered: u64,
    /// Datagrams dropped for exceeding the MTU.
    pub mtu_dropped: u64,
    /// Datagrams tail-dropped at the full bottleneck queue.
    pub queue_dropped: u64,
    /// Datagrams sent to an address no node owns.
    pub unroutable: u64,
}

/// Why a datagram was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// Random or bursty loss.
    Loss,
    /// Longer than the link MTU.
    Mtu,
    /// Bottleneck queue full.
    Queue,
    /// No node owns the destination address.
    Unroutable,
}

/// What the link decided for one datagram.
pub(crate) enum Fate {
    Drop(DropReason),
    Deliver {
        at: Instant,
        copy_at: Option<Instant>,
    },
}

/// Mutable state of one link direction. `cfg: None` follows the simulator's default link.
#[derive(Default)]
pub(crate) struct Link {
    pub(crate) cfg: Option<LinkConfig>,
    pub(crate) stats: LinkStats,
    /// Gilbert-Elliott state.
    bad: bool,
    /// When the bottleneck finishes sending what is queued.
    busy_until: Option<Instant>,
}

impl Link {
    /// Decide the fate of a datagram of `len` bytes offered at `now`, updating the counters.
    pub(crate) fn offer(
        &mut self,
        default: &LinkConfig,
        now: Instant,
        len: usize,
        rng: &mut ChaCha8Rng,
    ) -> Fate {
        let cfg = self.cfg.as_ref().unwrap_or(default);
        self.stats.sent += 1;
        if cfg.mtu.is_some_and(|mtu| len > mtu) {
            self.stats.mtu_dropped += 1;
            return Fate::Drop(DropReason::Mtu);
        }
        let mut depart = now;
        if let Some(rate) = cfg.rate_bps.filter(|&r| r > 0) {
            let busy = self.busy_until.filter(|&b| b > now).unwrap_or(now);
            let backlog = bytes_in(busy - now, rate);
            let limit = match cfg.queue_limit {
                0 => DEFAULT_QUEUE_LIMIT,
                n => n,
            };
            if backlog + len as u128 > limit as u128 {
                self.stats.queue_dropped += 1;
                return Fate::Drop(DropReason::Queue);
            }
            depart = busy + serialisation(len, rate);
            self.busy_until = Some(depart);
        }
        let mut lost = chance(rng, cfg.loss);
        if let Some(ge) = &cfg.burst {
            let flip = if self.bad {
                ge.p_bad_to_good
            } else {
                ge.p_good_to_bad
            };
            if chance(rng, flip) {
                self.bad = !self.bad;
            }
            lost |= chance(rng, if self.bad { ge.loss_bad } else { ge.loss_good });
        }
        if lost {
            self.stats.lost += 1;
            return Fate::Drop(DropReason::Loss);
        }
        let mut at = depart + cfg.latency + jitter(rng, cfg.jitter);
        if chance(rng, cfg.reorder) {
            self.stats.reordered += 1;
            at += cfg.reorder_delay;
        }
        let copy_at = chance(rng, cfg.duplicate).then(|| {
            self.stats.duplicated += 1;
            depart + cfg.latency + jitter(rng, cfg.jitter)
        });
        Fate::Deliver { at, copy_at }
    }
}

/// Bytes a link of `rate` bit/s sends in `d`.
fn bytes_in(d: Duration, rate: u64) -> u128 {
    d.as_nanos() * u128::from(rate) / 8_000_000_000
}

/// Time to put `len` bytes on a link of `rate` bit/s, rounded up to the nanosecond.
fn serialisation(len: usize, rate: u64) -> Duration {
    let nanos = (len as u128 * 8_000_000_000).div_ceil(u128::from(rate));
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// A uniform draw in `[0, 1)`. The RNG is only touched when `p > 0`, so enabling one
/// impairment does not shift the random stream of a link that lacks it.
pub(crate) fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    p > 0.0 && ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
}

/// A uniform delay in `[0, max]`.
fn jitter(rng: &mut ChaCha8Rng, max: Duration) -> Duration {
    let max = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    if max == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(rng.next_u64() % max.saturating_add(1))
}
