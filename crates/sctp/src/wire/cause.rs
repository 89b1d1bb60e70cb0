//! Error causes carried by ERROR and ABORT chunks (RFC 9260 §3.3.10).

use super::{TlvIter, WireError, Writer, tlv_len, write_tlv};

/// An error cause code: an open wire enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CauseCode(pub u16);

impl CauseCode {
    /// RFC 9260 §3.3.10.1.
    pub const INVALID_STREAM_IDENTIFIER: Self = Self(1);
    /// RFC 9260 §3.3.10.2.
    pub const MISSING_MANDATORY_PARAMETER: Self = Self(2);
    /// RFC 9260 §3.3.10.3.
    pub const STALE_COOKIE: Self = Self(3);
    /// RFC 9260 §3.3.10.4.
    pub const OUT_OF_RESOURCE: Self = Self(4);
    /// RFC 9260 §3.3.10.5.
    pub const UNRESOLVABLE_ADDRESS: Self = Self(5);
    /// RFC 9260 §3.3.10.6.
    pub const UNRECOGNIZED_CHUNK_TYPE: Self = Self(6);
    /// RFC 9260 §3.3.10.7.
    pub const INVALID_MANDATORY_PARAMETER: Self = Self(7);
    /// RFC 9260 §3.3.10.8.
    pub const UNRECOGNIZED_PARAMETERS: Self = Self(8);
    /// RFC 9260 §3.3.10.9.
    pub const NO_USER_DATA: Self = Self(9);
    /// RFC 9260 §3.3.10.10.
    pub const COOKIE_RECEIVED_WHILE_SHUTTING_DOWN: Self = Self(10);
    /// RFC 9260 §3.3.10.11.
    pub const RESTART_WITH_NEW_ADDRESSES: Self = Self(11);
    /// RFC 9260 §3.3.10.12 (Chromium sends it with "Close called").
    pub const USER_INITIATED_ABORT: Self = Self(12);
    /// RFC 9260 §3.3.10.13.
    pub const PROTOCOL_VIOLATION: Self = Self(13);
}

/// One error cause, borrowed. `info` is the cause-specific body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cause<'a> {
    /// The cause code.
    pub code: CauseCode,
    /// The cause-specific information.
    pub info: &'a [u8],
}

impl Cause<'_> {
    /// Encoded length with header and padding.
    pub fn buffer_len(&self) -> usize {
        tlv_len(self.info.len())
    }
    pub(crate) fn write(&self, w: &mut Writer<'_>) {
        write_tlv(w, self.code.0, self.info);
    }
}

/// A validated list of causes borrowed from the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Causes<'a>(&'a [u8]);

impl<'a> Causes<'a> {
    /// Validates the TLV framing.
    pub fn parse(b: &'a [u8]) -> Result<Self, WireError> {
        TlvIter::validate(b, "error causes")?;
        Ok(Causes(b))
    }
    /// Raw bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }
    /// Iterates the causes.
    pub fn iter(&self) -> impl Iterator<Item = Cause<'a>> + 'a {
        TlvIter::new(self.0, "error causes")
            .filter_map(|r| r.ok())
            .map(|(code, info)| Cause {
                code: CauseCode(code),
                info,
            })
    }
}

/// Encodes causes to owned bytes.
pub fn encode_causes(causes: &[Cause<'_>]) -> Vec<u8> {
    let mut out = vec![0; causes.iter().map(Cause::buffer_len).sum()];
    let mut w = Writer::new(&mut out);
    for c in causes {
        c.write(&mut w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_round_trip() {
        let cs = [
            Cause {
                code: CauseCode::USER_INITIATED_ABORT,
                info: b"Close called",
            },
            Cause {
                code: CauseCode::STALE_COOKIE,
                info: &[0, 0, 1, 0],
            },
        ];
        let b = encode_causes(&cs);
        assert_eq!(b.len() % 4, 0);
        let got: Vec<_> = Causes::parse(&b).unwrap().iter().collect();
        assert_eq!(got, cs);
        assert!(Causes::parse(&b[..b.len() - 13]).is_err());
    }
}
