//! What the agent reports through [`Agent::poll_event`](crate::Agent::poll_event).

use crate::candidate::Candidate;

/// The agent's connection state (W3C `RTCIceTransportState`, RFC 8445 §6.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Nothing checked yet.
    New,
    /// Checks are running; no pair is selected.
    Checking,
    /// A nominated pair is selected; checks may still run.
    Connected,
    /// A pair is selected and no check is pending.
    Completed,
    /// No successful consent check for [`Config::disconnected_timeout`](crate::Config).
    Disconnected,
    /// Every pair failed after end-of-candidates, or consent expired.
    Failed,
    /// [`Agent::close`](crate::Agent::close) was called.
    Closed,
}

/// An event. Drain them with [`Agent::poll_event`](crate::Agent::poll_event) after every input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A local candidate to signal to the peer (RFC 8838 §4: trickled as it appears).
    LocalCandidate(Candidate),
    /// Every configured server answered or gave up: signal end-of-candidates (RFC 8838 §8.2).
    GatheringComplete,
    /// The connection state changed.
    StateChanged(State),
    /// The pair media goes over changed (RFC 8445 §8.1.1).
    SelectedPair {
        /// Our candidate.
        local: Candidate,
        /// Theirs.
        remote: Candidate,
    },
    /// The role changed to repair a conflict (RFC 8445 §7.3.1.1, §7.2.5.1).
    RoleChanged {
        /// The new role.
        controlling: bool,
    },
    /// RFC 7675 §5.1: no consent for 30 s; the agent stopped sending on the selected pair.
    ConsentExpired,
    /// A remote candidate with an mDNS name (`.local`): resolve it and add the address with
    /// [`Agent::add_remote_candidate`](crate::Agent::add_remote_candidate).
    ResolveMdns {
        /// The hostname as signalled.
        name: String,
        /// Its port.
        port: u16,
    },
    /// Application data that arrived through a TURN relay (RFC 8656 §11.6, §12.6).
    Data {
        /// The peer that sent it.
        from: std::net::SocketAddr,
        /// Our relayed address it arrived at.
        to: std::net::SocketAddr,
        /// The payload.
        data: Vec<u8>,
    },
}
