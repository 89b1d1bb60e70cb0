//! Errors. Parse errors are small `Copy` enums: no allocation on the hot path.

use thiserror::Error;

/// Why an RTP packet was rejected (RFC 3550 §5.1, RFC 8285 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RtpError {
    /// Fewer than 12 bytes: no fixed header.
    #[error("RTP packet shorter than the 12-byte fixed header")]
    TooShort,
    /// The version field is not 2.
    #[error("RTP version is not 2")]
    BadVersion,
    /// The CSRC list runs past the end of the packet.
    #[error("RTP CSRC list truncated")]
    TruncatedCsrc,
    /// The header extension runs past the end of the packet.
    #[error("RTP header extension truncated")]
    TruncatedExtension,
    /// The padding count is zero or larger than the payload.
    #[error("RTP padding count invalid")]
    BadPadding,
}

/// Why an RTP header extension element could not be read or written (RFC 8285 §4.2, §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ExtensionError {
    /// An element's length runs past the end of the extension block.
    #[error("header extension element truncated")]
    Truncated,
    /// One-byte form: id 15 is reserved and ends processing; we refuse to write it.
    #[error("header extension id out of range for this form")]
    BadId,
    /// The element value is too long for the chosen form (16 bytes one-byte, 255 two-byte).
    #[error("header extension element too long for this form")]
    TooLong,
    /// The typed payload has the wrong size or an invalid value.
    #[error("header extension payload malformed")]
    BadPayload,
}

/// Why an RTCP packet was rejected (RFC 3550 §6.4 and App. A.2, RFC 4585 §6, RFC 5104 §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RtcpError {
    /// Fewer than 4 bytes left where a header was expected.
    #[error("RTCP header truncated")]
    TooShort,
    /// The version field is not 2.
    #[error("RTCP version is not 2")]
    BadVersion,
    /// The length field points past the end of the datagram.
    #[error("RTCP packet length exceeds the datagram")]
    Truncated,
    /// The padding count is zero, not a multiple the packet allows, or larger than the body.
    #[error("RTCP padding invalid")]
    BadPadding,
    /// The padding bit is set on a packet that is not the last of the compound (RFC 3550 A.2).
    #[error("RTCP padding bit set on a packet that is not the last")]
    PaddingNotLast,
    /// A full compound packet must start with SR or RR (RFC 3550 §6.1, A.2).
    #[error("RTCP compound packet does not start with SR or RR")]
    FirstNotReport,
    /// The body is too short for the count field or for the packet type's fixed part.
    #[error("RTCP packet body too short for its count or type")]
    BadLength,
    /// An SDES chunk or item runs past its packet.
    #[error("RTCP SDES chunk or item truncated")]
    BadSdes,
    /// A BYE reason runs past its packet.
    #[error("RTCP BYE reason truncated")]
    BadBye,
    /// A feedback message's FCI is empty where one entry is required, or misaligned.
    #[error("RTCP feedback FCI invalid")]
    BadFci,
    /// Transport-wide CC feedback: chunks or deltas inconsistent with the status count.
    #[error("transport-wide CC feedback malformed")]
    BadTwcc,
    /// RFC 8888 feedback: report blocks inconsistent with their lengths.
    #[error("RFC 8888 congestion control feedback malformed")]
    BadCcfb,
    /// An XR report block runs past its packet or has a bad length.
    #[error("RTCP XR block malformed")]
    BadXr,
    /// REMB: missing "REMB" identifier or SSRC count mismatch.
    #[error("REMB malformed")]
    BadRemb,
}

/// Why a packet could not be built: the caller's buffer or arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The output buffer is too small.
    #[error("output buffer too small")]
    BufferTooSmall,
    /// A count does not fit its wire field (e.g. more than 31 report blocks or 15 CSRCs).
    #[error("too many items for the wire field")]
    TooMany,
    /// A value does not fit its wire field.
    #[error("value out of range for its wire field")]
    OutOfRange,
    /// Header extension write failed.
    #[error("header extension: {0}")]
    Extension(#[from] ExtensionError),
}

/// Why a depacketizer rejected a payload (RFC 7587, RFC 7741, RFC 6184).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DepacketizeError {
    /// The payload is empty or shorter than its payload descriptor.
    #[error("payload too short for its descriptor")]
    TooShort,
    /// The payload descriptor or NAL header is malformed.
    #[error("payload descriptor malformed")]
    Malformed,
    /// A NAL unit type this depacketizer does not handle (e.g. MTAP, FU-B).
    #[error("unsupported NAL unit type {0}")]
    Unsupported(u8),
}
