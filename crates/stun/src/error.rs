//! Errors, by category: malformed input ([`ParseError`]), a failed security check
//! ([`IntegrityError`]), caller misuse while encoding ([`EncodeError`]) and the transaction
//! layer's own ([`Error`]). None allocates; all are `Copy`.

use crate::attr::AttrType;

/// The peer sent bytes that are not a well-formed STUN message or ChannelData frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Shorter than the fixed header (20 bytes for STUN, 4 for ChannelData).
    #[error("truncated: shorter than the header")]
    Truncated,
    /// The two most significant bits are not zero (RFC 8489 §5): not STUN.
    #[error("not a STUN message: top two bits set")]
    NotStun,
    /// The header length is not a multiple of 4 or disagrees with the datagram size.
    #[error("bad length field")]
    BadLength,
    /// The magic cookie is not 0x2112A442 (RFC 8489 §5).
    #[error("bad magic cookie")]
    BadCookie,
    /// An attribute's length runs past the end of the message.
    #[error("attribute {0:?} runs past the end of the message")]
    AttributeOverflow(AttrType),
    /// More attributes than [`MAX_ATTRIBUTES`](crate::MAX_ATTRIBUTES).
    #[error("too many attributes")]
    TooManyAttributes,
    /// FINGERPRINT is present but not the last attribute (RFC 8489 §14.7).
    #[error("FINGERPRINT is not the last attribute")]
    FingerprintNotLast,
    /// An attribute value does not decode.
    #[error("bad {typ:?} attribute: {error}")]
    Attribute {
        /// Which attribute.
        typ: AttrType,
        /// What is wrong with it.
        error: AttrError,
    },
    /// ChannelData: bytes after the data that are not padding (RFC 8656 §12.5).
    #[error("bad padding")]
    BadPadding,
    /// ChannelData: the channel number is outside 0x4000..=0x4FFF (RFC 8656 §12).
    #[error("channel number out of range")]
    BadChannelNumber,
}

/// What is wrong with one attribute value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AttrError {
    /// The value is shorter than its format needs.
    #[error("truncated value")]
    Truncated,
    /// The value has bytes its format does not use.
    #[error("trailing bytes in value")]
    TrailingBytes,
    /// Unknown address family (RFC 8489 §14.1).
    #[error("unknown address family")]
    BadFamily,
    /// Text that is not UTF-8.
    #[error("text is not UTF-8")]
    NotUtf8,
    /// Longer than the RFC allows (e.g. USERNAME < 513 bytes).
    #[error("value too long")]
    TooLong,
    /// A field holds a value the RFC forbids (e.g. an error class outside 3..=6).
    #[error("invalid field value")]
    Invalid,
}

/// A security check failed: the message must be dropped (RFC 8489 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntegrityError {
    /// The attribute being checked is absent.
    #[error("integrity attribute missing")]
    Missing,
    /// The HMAC or CRC does not match.
    #[error("integrity check failed")]
    Mismatch,
}

/// The caller asked the encoder for something it cannot write. Sticky in
/// [`MessageBuilder`](crate::MessageBuilder): the first one is reported by `finish`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// An attribute value is longer than its RFC limit or than 65535 bytes.
    #[error("{0:?} value too long")]
    ValueTooLong(AttrType),
    /// An attribute value is invalid (e.g. an error code outside 300..=699).
    #[error("{0:?} value invalid")]
    InvalidValue(AttrType),
    /// The message would exceed 65535 bytes of attributes.
    #[error("message too long")]
    MessageTooLong,
    /// The method does not fit in 12 bits.
    #[error("method does not fit in 12 bits")]
    InvalidMethod,
    /// An attribute was added after FINGERPRINT or an integrity attribute that must come last.
    #[error("attribute {0:?} after FINGERPRINT or MESSAGE-INTEGRITY")]
    AfterIntegrity(AttrType),
    /// More than [`MAX_ATTRIBUTES`](crate::MAX_ATTRIBUTES) attributes.
    #[error("too many attributes")]
    TooManyAttributes,
    /// A buffer is smaller than the frame.
    #[error("buffer too small")]
    BufferTooSmall,
}

/// Errors of the transaction layer ([`Client`](crate::Client)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed input; the datagram was dropped.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The datagram is a STUN request or indication, not a response: route it elsewhere.
    #[error("not a response")]
    NotAResponse,
    /// Caller misuse: the request could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// Caller misuse: [`Config::max_transactions`](crate::Config::max_transactions) are
    /// outstanding (or their events are not drained yet).
    #[error("too many outstanding transactions")]
    TooManyTransactions,
}
