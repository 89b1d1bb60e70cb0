//! Errors. None of them allocates, and none leaves a context changed: a packet that fails is
//! dropped by the caller and the context is exactly as it was before the call.

/// Why a packet could not be protected or unprotected, or a context not built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed input: the packet is shorter than its header, tag and MKI need
    /// (RFC 3711 §3.1, §3.4).
    #[error("packet too short")]
    TooShort,
    /// Malformed input: not an RTP/RTCP version 2 packet (RFC 3550 §5.1).
    #[error("not an RTP/RTCP version 2 packet")]
    BadVersion,
    /// Peer misbehaved or attack: the authentication tag does not match (RFC 3711 §3.3 step 4,
    /// RFC 7714 §9.2).
    #[error("authentication failed")]
    AuthFailed,
    /// A packet with this index was already accepted (RFC 3711 §3.3.2).
    #[error("replayed packet")]
    Replay,
    /// The packet index is older than the replay window (RFC 3711 §3.3.2).
    #[error("packet index older than the replay window")]
    TooOld,
    /// The MKI in the packet is not the one of this context (RFC 3711 §3.1).
    #[error("unknown MKI")]
    UnknownMki,
    /// A new SSRC was seen but the context already holds `Config::max_streams` streams.
    #[error("unknown SSRC and the stream table is full")]
    TooManyStreams,
    /// The packet index space of the key is used up (2^48 SRTP or 2^31 SRTCP packets,
    /// RFC 3711 §9.2): rekey.
    #[error("key lifetime exhausted: rekey")]
    KeyExhausted,
    /// Caller misuse: the output buffer cannot hold the tag and trailer.
    #[error("output buffer too small")]
    BufferTooSmall,
    /// Caller misuse: a master key or salt has the wrong length for the profile.
    #[error("master key or salt has the wrong length for the profile")]
    KeyLength,
    /// Caller misuse: keying material has the wrong length (RFC 5764 §4.2).
    #[error("keying material has the wrong length for the profile")]
    KeyingMaterialLength,
    /// Caller misuse: cryptex (RFC 9335 §5.1) is on and the packet's header extension is
    /// neither the one-byte nor the two-byte form (with zero appbits).
    #[error("header extension cannot be sent with cryptex")]
    UnsupportedHeaderExtension,
    /// Caller misuse: the packet is longer than AES-GCM can protect (2^36 - 32 bytes,
    /// NIST SP 800-38D §5.2.1.1).
    #[error("packet too long for AES-GCM")]
    TooLong,
    /// Caller misuse: a configuration value is out of range.
    #[error("configuration value out of range")]
    BadConfig,
}
