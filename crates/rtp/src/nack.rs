//! Receive-side loss repair: a NACK generator (RFC 4585 §6.2.1) with bounded state and retry
//! limits.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::rtcp::NackPair;
use crate::serial::{SeqNum, SeqUnwrapper};

/// NACK generator settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NackConfig {
    /// Most missing packets tracked at once; the oldest are dropped beyond it.
    pub max_tracked: usize,
    /// NACKs sent per missing packet before giving up on it.
    pub max_retries: u8,
    /// Wait before the first NACK of a gap, to let reordered packets arrive.
    pub reorder_delay: Duration,
    /// Least wait between NACKs of one packet; the RTT is used when larger.
    pub min_retry_interval: Duration,
    /// A gap larger than this (in packets) is not NACKed: [`NackGenerator::on_packet`]
    /// reports that a keyframe is needed instead.
    pub max_gap: u16,
}

impl Default for NackConfig {
    fn default() -> Self {
        Self {
            max_tracked: 1000,
            max_retries: 10,
            reorder_delay: Duration::from_millis(5),
            min_retry_interval: Duration::from_millis(20),
            max_gap: 1000,
        }
    }
}

/// Counters of what the generator did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NackStats {
    /// NACK requests issued (one per sequence number per retry).
    pub requested: u64,
    /// Missing packets that arrived later (reordered or retransmitted).
    pub recovered: u64,
    /// Missing packets abandoned after `max_retries`.
    pub given_up: u64,
    /// Missing packets dropped because `max_tracked` or `max_gap` was exceeded.
    pub dropped: u64,
}

/// What a received packet meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NackOutcome {
    /// In order, or a late packet.
    Ok,
    /// A packet we had marked missing arrived.
    Recovered,
    /// The gap exceeded `max_gap`: missing packets were not tracked; request a keyframe.
    KeyframeNeeded,
}

#[derive(Debug, Clone, Copy)]
struct Missing {
    retries: u8,
    due: Instant,
}

/// Tracks gaps in a received sequence and schedules NACKs for them.
///
/// Call order: [`on_packet`](Self::on_packet) for every received packet (original or
/// repaired), [`poll_nack`](Self::poll_nack) when [`poll_timeout`](Self::poll_timeout) is
/// reached, and send the pairs in an RTCP NACK.
#[derive(Debug, Clone)]
pub struct NackGenerator {
    config: NackConfig,
    unwrap: SeqUnwrapper,
    newest: Option<i64>,
    missing: BTreeMap<i64, Missing>,
    rtt: Duration,
    next_due: Option<Instant>,
    stats: NackStats,
}

impl NackGenerator {
    /// A generator with `config`.
    pub fn new(config: NackConfig) -> Self {
        Self {
            config,
            unwrap: SeqUnwrapper::new(),
            newest: None,
            missing: BTreeMap::new(),
            rtt: Duration::ZERO,
            next_due: None,
            stats: NackStats::default(),
        }
    }

    /// Updates the round-trip time used to space retries.
    pub fn set_rtt(&mut self, rtt: Duration) {
        self.rtt = rtt;
    }

    /// Counters.
    pub fn stats(&self) -> NackStats {
        self.stats
    }

    /// Number of packets currently considered missing.
    pub fn missing_len(&self) -> usize {
        self.missing.len()
    }

    fn retry_interval(&self) -> Duration {
        self.rtt.max(self.config.min_retry_interval)
    }

    /// Records a received packet.
    pub fn on_packet(&mut self, seq: SeqNum, now: Instant) -> NackOutcome {
        let ext = self.unwrap.unwrap(seq);
        let Some(newest) = self.newest else {
            self.newest = Some(ext);
            return NackOutcome::Ok;
        };
        if ext <= newest {
            if self.missing.remove(&ext).is_some() {
                self.stats.recovered += 1;
                return NackOutcome::Recovered;
            }
            return NackOutcome::Ok;
        }
        self.newest = Some(ext);
        let gap = ext - newest - 1;
        if gap > i64::from(self.config.max_gap) {
            self.stats.dropped += gap as u64 + self.missing.len() as u64;
            self.missing.clear();
            self.next_due = None;
            return NackOutcome::KeyframeNeeded;
        }
        let due = now + self.config.reorder_delay;
        // Only the newest `max_tracked` can survive, so skip the rest of a long gap.
        let first = (newest + 1).max(ext - self.config.max_tracked as i64);
        self.stats.dropped += (first - newest - 1) as u64;
        for s in first..ext {
            self.missing.insert(s, Missing { retries: 0, due });
        }
        while self.missing.len() > self.config.max_tracked {
            self.missing.pop_first();
            self.stats.dropped += 1;
        }
        if gap > 0 {
            self.next_due = Some(self.next_due.map_or(due, |d| d.min(due)));
        }
        NackOutcome::Ok
    }

    /// The time the next NACK is due, if any. O(1).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next_due
    }

    /// Appends NACK pairs for every missing packet due at `now`, oldest first; returns how
    /// many pairs were appended. Packets past `max_retries` are abandoned.
    pub fn poll_nack(&mut self, now: Instant, out: &mut Vec<NackPair>) -> usize {
        let before = out.len();
        let interval = self.retry_interval();
        let max = self.config.max_retries;
        let mut given_up = 0u64;
        let mut requested = 0u64;
        let mut next_due: Option<Instant> = None;
        // Pack while walking: the map is ordered oldest first, so pairs come out in order.
        let mut cur: Option<NackPair> = None;
        self.missing.retain(|&s, m| {
            if m.due <= now {
                if m.retries >= max {
                    given_up += 1;
                    return false;
                }
                m.retries += 1;
                m.due = now + interval;
                requested += 1;
                let seq = SeqNum(s as u16);
                match cur.as_mut() {
                    Some(p) if (1..=16).contains(&seq.diff(p.pid)) => {
                        p.blp |= 1 << (seq.diff(p.pid) - 1);
                    }
                    _ => {
                        if let Some(p) = cur.take() {
                            out.push(p);
                        }
                        cur = Some(NackPair { pid: seq, blp: 0 });
                    }
                }
            }
            next_due = Some(next_due.map_or(m.due, |d| d.min(m.due)));
            true
        });
        if let Some(p) = cur {
            out.push(p);
        }
        self.stats.given_up += given_up;
        self.stats.requested += requested;
        self.next_due = next_due;
        out.len() - before
    }
}
