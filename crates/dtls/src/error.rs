//! Errors. Categories (as in rustls): malformed input ([`Error::Decode`]), the peer broke the
//! protocol, the peer lacks something we require, the peer told us (alert), timeout, and API
//! misuse. Each protocol error maps to the alert we send ([`Error::alert`]). Nothing here
//! allocates.

use crate::alert::AlertDescription;

/// A wire-format problem. RFC 5246 §7.2.2: answered with `decode_error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ends before a declared field does.
    #[error("truncated")]
    Truncated,
    /// Bytes remain after the last field.
    #[error("trailing bytes")]
    TrailingBytes,
    /// A length exceeds the protocol or local bound.
    #[error("length out of bounds")]
    TooLong,
    /// A vector length that the grammar forbids (empty or odd where it must not be).
    #[error("invalid vector length")]
    InvalidLength,
    /// The same extension twice (RFC 5246 §7.4.1.4).
    #[error("duplicate extension")]
    DuplicateExtension,
    /// A field value the grammar forbids.
    #[error("invalid field value")]
    InvalidValue,
}

/// A connection error. Fatal errors are sticky: the connection then only drains its alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed handshake or alert message.
    #[error("malformed message: {0}")]
    Decode(#[from] DecodeError),
    /// A message that is not allowed in the current state (RFC 5246 §7.2.2).
    #[error("unexpected message")]
    UnexpectedMessage,
    /// A field with a value the protocol forbids here.
    #[error("illegal parameter: {0}")]
    IllegalParameter(&'static str),
    /// Finished or a signature did not verify (RFC 5246 §7.4.8, §7.4.9).
    #[error("decrypt error: {0}")]
    DecryptError(&'static str),
    /// The peer's certificate could not be parsed or its signature is wrong.
    #[error("bad certificate: {0}")]
    BadCertificate(&'static str),
    /// The peer's certificate key is not usable here: an unsupported key type, or a key type
    /// that does not match the negotiated cipher suite (RFC 5246 §7.4.2).
    #[error("unsupported certificate: {0}")]
    UnsupportedCertificate(&'static str),
    /// The peer's RSA key is smaller than 2048 bits (its size in bits).
    #[error("peer key too small: {bits} bits")]
    KeyTooSmall {
        /// Modulus size.
        bits: u32,
    },
    /// The peer's certificate does not match any expected fingerprint (RFC 8122 §5).
    #[error("peer certificate fingerprint mismatch")]
    FingerprintMismatch,
    /// No cipher suite, group or signature scheme in common.
    #[error("no common {0}")]
    NoCommon(&'static str),
    /// The peer did not negotiate extended_master_secret, which we require (RFC 7627 §5.3).
    #[error("extended master secret required")]
    ExtendedMasterSecretRequired,
    /// The server sent an extension we did not offer (RFC 5246 §7.4.1.4).
    #[error("unsolicited extension")]
    UnsupportedExtension,
    /// The peer sent no certificate although WebRTC requires one (RFC 5246 §7.4.6).
    #[error("peer certificate missing")]
    PeerCertificateMissing,
    /// The peer does not speak DTLS 1.2.
    #[error("unsupported protocol version")]
    ProtocolVersion,
    /// The peer sent a fatal alert.
    #[error("peer sent fatal alert {0:?}")]
    AlertReceived(AlertDescription),
    /// The handshake did not finish within the retransmission budget (RFC 6347 §4.2.4).
    #[error("handshake timed out")]
    HandshakeTimeout,
    /// Data sent before the handshake finished.
    #[error("not connected")]
    NotConnected,
    /// The connection is closed or failed.
    #[error("connection closed")]
    Closed,
    /// The outgoing queue is full; drain `poll_transmit` first.
    #[error("outgoing queue full")]
    QueueFull,
    /// Application data larger than one record.
    #[error("message too long for one record")]
    MessageTooLong,
    /// A local failure that is not the peer's fault.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl Error {
    /// The fatal alert this error sends to the peer, if any (RFC 5246 §7.2.2).
    pub fn alert(&self) -> Option<AlertDescription> {
        Some(match self {
            Error::Decode(_) => AlertDescription::DECODE_ERROR,
            Error::UnexpectedMessage => AlertDescription::UNEXPECTED_MESSAGE,
            Error::IllegalParameter(_) => AlertDescription::ILLEGAL_PARAMETER,
            Error::DecryptError(_) => AlertDescription::DECRYPT_ERROR,
            Error::BadCertificate(_) | Error::FingerprintMismatch => {
                AlertDescription::BAD_CERTIFICATE
            }
            Error::UnsupportedCertificate(_) | Error::KeyTooSmall { .. } => {
                AlertDescription::UNSUPPORTED_CERTIFICATE
            }
            Error::UnsupportedExtension => AlertDescription::UNSUPPORTED_EXTENSION,
            Error::NoCommon(_)
            | Error::ExtendedMasterSecretRequired
            | Error::PeerCertificateMissing => AlertDescription::HANDSHAKE_FAILURE,
            Error::ProtocolVersion => AlertDescription::PROTOCOL_VERSION,
            Error::Internal(_) => AlertDescription::INTERNAL_ERROR,
            Error::AlertReceived(_)
            | Error::HandshakeTimeout
            | Error::NotConnected
            | Error::Closed
            | Error::QueueFull
            | Error::MessageTooLong => return None,
        })
    }
}
