//! Errors of the agent, by category.

/// What went wrong. Nothing here allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed input: the datagram is neither STUN nor TURN ChannelData; dropped.
    #[error("not a STUN or ChannelData datagram")]
    NotStun,
    /// Malformed STUN; dropped and counted.
    #[error("malformed STUN: {0}")]
    Stun(#[from] strata_stun::ParseError),
    /// The datagram arrived at an address the agent does not own; dropped.
    #[error("datagram for an unknown local address")]
    UnknownLocalAddress,
    /// Caller misuse: a limit of [`Config`](crate::Config) is reached.
    #[error("limit reached: {0}")]
    Limit(&'static str),
    /// Caller misuse: the candidate or address is not usable (wrong component, port 0, ...).
    #[error("invalid candidate: {0}")]
    InvalidCandidate(&'static str),
    /// Caller misuse: there is no selected pair to send on.
    #[error("no selected pair")]
    NotConnected,
    /// RFC 7675 §5.1: consent expired; the agent no longer sends on the pair.
    #[error("consent expired")]
    ConsentExpired,
    /// The agent was closed.
    #[error("agent closed")]
    Closed,
}
