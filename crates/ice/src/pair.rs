//! Candidate pairs: priority, checklist states and statistics (RFC 8445 §6.1.2).

use std::net::SocketAddr;
use std::time::Duration;

/// RFC 8445 §6.1.2.3: `2^32 * MIN(G,D) + 2 * MAX(G,D) + (G > D ? 1 : 0)`, where G is the
/// priority of the controlling agent's candidate and D the controlled agent's. Candidate
/// priorities above 2^31 - 1 (RFC 8445 §5.1.2: the maximum) are clamped, so hostile PRIORITY
/// values cannot overflow.
pub const fn pair_priority(controlling: u32, controlled: u32) -> u64 {
    const MAX: u32 = 0x7FFF_FFFF;
    let g = if controlling > MAX { MAX } else { controlling };
    let d = if controlled > MAX { MAX } else { controlled };
    let (g, d) = (g as u64, d as u64);
    let (min, max) = if g < d { (g, d) } else { (d, g) };
    (min << 32) + 2 * max + if g > d { 1 } else { 0 }
}

/// RFC 8445 §6.1.2.6: the state of a pair in the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PairState {
    /// Waiting for a pair of the same foundation to succeed.
    Frozen,
    /// Ready to be checked when its turn comes.
    Waiting,
    /// A check is in flight.
    InProgress,
    /// A check succeeded: the pair is in the valid list.
    Succeeded,
    /// The check failed or timed out.
    Failed,
}

/// Per-pair counters (W3C `RTCIceCandidatePairStats` flavoured).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PairStats {
    /// Check and consent requests sent (retransmissions excluded).
    pub requests_sent: u64,
    /// Authentic success responses received.
    pub responses_received: u64,
    /// Authentic requests received on this pair.
    pub requests_received: u64,
    /// Responses sent on this pair.
    pub responses_sent: u64,
    /// Round-trip time of the last successful check (first transmission to response).
    pub rtt: Option<Duration>,
    /// Sum of all measured round trips, for a mean with `responses_received`.
    pub total_rtt: Duration,
}

/// A snapshot of one pair, for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PairInfo {
    /// The local candidate's address (for a relayed candidate, the relayed address).
    pub local: SocketAddr,
    /// The remote candidate's address.
    pub remote: SocketAddr,
    /// Pair priority (RFC 8445 §6.1.2.3).
    pub priority: u64,
    /// Checklist state.
    pub state: PairState,
    /// Whether the pair is nominated (RFC 8445 §8.1.1).
    pub nominated: bool,
    /// Counters.
    pub stats: PairStats,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8445_6_1_2_3_pair_priority() {
        let host = 2_130_706_431u32;
        let srflx = 1_694_498_815u32;
        assert_eq!(
            pair_priority(host, srflx),
            ((srflx as u64) << 32) + 2 * host as u64 + 1
        );
        assert_eq!(
            pair_priority(srflx, host),
            ((srflx as u64) << 32) + 2 * host as u64
        );
        // Both agents compute the same order whichever role they hold, and the controlling
        // agent's tie-break bit keeps the two directions distinct.
        assert!(pair_priority(host, srflx) > pair_priority(srflx, host));
        assert_eq!(pair_priority(7, 7), (7u64 << 32) + 14);
        // The MIN term dominates: a host-host pair beats any pair with a relayed side.
        assert!(pair_priority(host, host) > pair_priority(host, 16_777_215));
        let max = 0x7FFF_FFFFu64;
        assert_eq!(pair_priority(u32::MAX, u32::MAX), (max << 32) + 2 * max);
        assert_eq!(pair_priority(u32::MAX, 0), pair_priority(0x7FFF_FFFF, 0));
    }
}
