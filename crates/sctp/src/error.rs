//! Errors.

use crate::wire::WireError;

/// Why a call failed. Input errors mean the packet was dropped; the association goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed packet (dropped).
    #[error("malformed packet: {0}")]
    Malformed(#[from] WireError),
    /// CRC32c mismatch (RFC 9260 §6.8; dropped).
    #[error("bad checksum")]
    BadChecksum,
    /// Verification tag or port mismatch (RFC 9260 §8.5; dropped).
    #[error("verification tag or port mismatch")]
    BadVerificationTag,
    /// The state cookie failed its MAC or was stale (RFC 9260 §5.1.5; dropped).
    #[error("invalid or stale state cookie")]
    BadCookie,
    /// The send buffer is full: retry after acknowledgements free space.
    #[error("send buffer full")]
    WouldBlock,
    /// Message larger than the negotiated maximum.
    #[error("message too large")]
    MessageTooLarge,
    /// Empty messages cannot be sent as SCTP user data (use the empty PPIDs).
    #[error("empty message")]
    EmptyMessage,
    /// Stream id outside the negotiated range, or being reset.
    #[error("invalid stream")]
    InvalidStream,
    /// The association is closed, shutting down, or not yet usable for this call.
    #[error("invalid state for this call")]
    InvalidState,
}

/// Why the association ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// Graceful SHUTDOWN completed (RFC 9260 §9.2).
    Shutdown,
    /// We aborted (user call).
    LocalAbort,
    /// The peer sent ABORT; the first cause code if any.
    PeerAbort(Option<u16>),
    /// Too many retransmissions or unanswered heartbeats (RFC 9260 §8.1), or INIT/COOKIE
    /// retransmissions exhausted.
    Timeout,
    /// The peer broke the protocol (we sent ABORT).
    ProtocolViolation,
}
