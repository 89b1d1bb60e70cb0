//! Parse errors and warnings.
//!
//! Both carry the 1-based line number and a [`ErrorKind`]; neither allocates, so a hostile
//! offer cannot make error reporting expensive.

/// What was wrong with a line. Names of attributes and fields are static strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input has no lines at all.
    #[error("empty session description")]
    Empty,
    /// A line is not of the form `<letter>=<value>` (RFC 8866 §5).
    #[error("line is not <type>=<value>")]
    NotATypeValueLine,
    /// A blank line in the middle of the description (strict mode only).
    #[error("blank line")]
    BlankLine,
    /// A line type letter that SDP does not define (RFC 8866 §5: ignore or reject).
    #[error("unknown line type '{}'", *.0 as char)]
    UnknownLineType(u8),
    /// `v=` is not `0` (RFC 8866 §5.1).
    #[error("unsupported version (only v=0)")]
    UnsupportedVersion,
    /// A mandatory line is missing; the letter says which.
    #[error("missing {}= line", *.0 as char)]
    MissingLine(u8),
    /// A line appears where RFC 8866 §5 does not allow it.
    #[error("{}= line out of order", *.0 as char)]
    OutOfOrder(u8),
    /// A line that may appear once appears twice.
    #[error("duplicate {}= line", *.0 as char)]
    Duplicate(u8),
    /// The value of a field line (o, c, b, t, m, ...) is malformed; the name says which.
    #[error("malformed {0} line")]
    Malformed(&'static str),
    /// An attribute value does not match its grammar.
    #[error("invalid a={0} value")]
    InvalidAttribute(&'static str),
    /// A media-level attribute at session level.
    #[error("a={0} is not allowed at session level")]
    NotAtSessionLevel(&'static str),
    /// A session-level attribute inside an m-section.
    #[error("a={0} is not allowed at media level")]
    NotAtMediaLevel(&'static str),
    /// rtpmap, fmtp or rtcp-fb names a payload type that the m= line does not list
    /// (RFC 8866 §6.6).
    #[error("payload type {0} is not in the m= line")]
    UnknownPayloadType(u8),
    /// A fingerprint whose length does not fit its hash function (RFC 8122 §5).
    #[error("fingerprint has {actual} bytes, its hash needs {expected}")]
    FingerprintLength {
        /// Bytes the hash function produces.
        expected: u8,
        /// Bytes found.
        actual: usize,
    },
    /// The address does not match the address type (`IP4` with an IPv6 address).
    #[error("address does not match its address type")]
    AddressTypeMismatch,
}

/// A parse failure (or, in lenient mode, a warning): where and what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct ParseError {
    /// 1-based line number in the input (0 when the problem is the whole input).
    pub line: usize,
    /// What was wrong.
    pub kind: ErrorKind,
}

impl ParseError {
    pub(crate) fn new(line: usize, kind: ErrorKind) -> Self {
        ParseError { line, kind }
    }
}
