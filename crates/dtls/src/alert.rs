//! Alert protocol wire format (RFC 5246 §7.2).

use crate::error::DecodeError;

/// RFC 5246 §7.2 `AlertLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AlertLevel(pub u8);

impl AlertLevel {
    /// `warning(1)`.
    pub const WARNING: Self = Self(1);
    /// `fatal(2)`.
    pub const FATAL: Self = Self(2);
}

/// RFC 5246 §7.2 `AlertDescription`; open so unknown codes round-trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AlertDescription(pub u8);

#[allow(missing_docs)]
impl AlertDescription {
    pub const CLOSE_NOTIFY: Self = Self(0);
    pub const UNEXPECTED_MESSAGE: Self = Self(10);
    pub const BAD_RECORD_MAC: Self = Self(20);
    pub const RECORD_OVERFLOW: Self = Self(22);
    pub const HANDSHAKE_FAILURE: Self = Self(40);
    pub const BAD_CERTIFICATE: Self = Self(42);
    pub const UNSUPPORTED_CERTIFICATE: Self = Self(43);
    pub const CERTIFICATE_UNKNOWN: Self = Self(46);
    pub const ILLEGAL_PARAMETER: Self = Self(47);
    pub const DECODE_ERROR: Self = Self(50);
    pub const DECRYPT_ERROR: Self = Self(51);
    pub const PROTOCOL_VERSION: Self = Self(70);
    pub const INSUFFICIENT_SECURITY: Self = Self(71);
    pub const INTERNAL_ERROR: Self = Self(80);
    pub const USER_CANCELED: Self = Self(90);
    pub const NO_RENEGOTIATION: Self = Self(100);
    pub const UNSUPPORTED_EXTENSION: Self = Self(110);
}

/// One alert message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert {
    /// Level.
    pub level: AlertLevel,
    /// Description.
    pub description: AlertDescription,
}

impl Alert {
    /// Parses the two-byte alert body.
    pub fn parse(b: &[u8]) -> Result<Self, DecodeError> {
        match b {
            [l, d] => Ok(Self {
                level: AlertLevel(*l),
                description: AlertDescription(*d),
            }),
            _ if b.len() < 2 => Err(DecodeError::Truncated),
            _ => Err(DecodeError::TrailingBytes),
        }
    }

    /// The two-byte wire form.
    pub fn to_bytes(self) -> [u8; 2] {
        [self.level.0, self.description.0]
    }

    /// True when the alert ends the connection (RFC 5246 §7.2: fatal, or close_notify).
    pub fn is_fatal(self) -> bool {
        self.level != AlertLevel::WARNING
    }
}
