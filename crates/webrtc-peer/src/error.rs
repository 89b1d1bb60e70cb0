//! Errors of the peer, by category.

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed input: a datagram whose first byte matches no RFC 7983 range; dropped.
    #[error("datagram matches no demultiplexing range (RFC 7983)")]
    UnknownPacket,
    /// A datagram the ICE agent refused (malformed or unauthenticated STUN); dropped.
    #[error("ICE: {0}")]
    Ice(#[from] strata_ice::Error),
    /// The DTLS connection failed (or dropped the datagram with an error).
    #[error("DTLS: {0}")]
    Dtls(#[from] strata_dtls::Error),
    /// An SCTP packet or data-channel command failed.
    #[error("SCTP: {0}")]
    Sctp(#[from] strata_sctp::Error),
    /// The SDP text does not parse.
    #[error("SDP: {0}")]
    Sdp(#[from] strata_sdp::ParseError),
    /// The description is well formed but unusable (peer incompatible), with why.
    #[error("unusable description: {0}")]
    Description(&'static str),
    /// Caller misuse: the call is not valid in the current signaling state.
    #[error("invalid signaling state: {0}")]
    InvalidState(&'static str),
    /// Media could not be sent or received (no SRTP keys yet, unknown track, bad packet).
    #[error("media: {0}")]
    Media(&'static str),
    /// A bounded queue is full; the item was not queued.
    #[error("queue full")]
    QueueFull,
    /// Caller misuse: no such data channel, or it is not open.
    #[error("unknown or closed data channel")]
    UnknownChannel,
    /// The peer was closed.
    #[error("peer closed")]
    Closed,
}
