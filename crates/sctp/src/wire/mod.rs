//! Wire formats: zero-copy views and reprs. No state lives here.
//!
//! - [`packet`]: the common header and CRC32c (RFC 9260 §3.1, App. A).
//! - [`chunk`]: chunk TLVs and their reprs (RFC 9260 §3.3, RFC 3758, RFC 6525, RFC 8260).
//! - [`param`]: parameters of INIT, INIT-ACK, HEARTBEAT and RE-CONFIG (RFC 9260 §3.3.2, RFC 6525 §4).
//! - [`cause`]: error causes of ERROR and ABORT (RFC 9260 §3.3.10).

pub mod cause;
pub mod chunk;
pub mod packet;
pub mod param;

/// A malformed wire structure. Copy, no allocation: safe on hot paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// Fewer bytes than the structure needs.
    #[error("truncated {0}")]
    Truncated(&'static str),
    /// A length field is smaller than the fixed part or runs past the buffer.
    #[error("invalid length {len} in {what}")]
    BadLength {
        /// What was being parsed.
        what: &'static str,
        /// The length found.
        len: usize,
    },
    /// CRC32c mismatch (RFC 9260 §6.8).
    #[error("bad checksum")]
    BadChecksum,
    /// Bytes left over after a structure that must fill its container.
    #[error("trailing bytes in {0}")]
    Trailing(&'static str),
    /// A field holds a value the format forbids.
    #[error("invalid value in {0}")]
    Invalid(&'static str),
}

/// Rounds a length up to the 4-byte padding boundary.
pub(crate) const fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

/// A small read cursor over a TLV body.
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    what: &'static str,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        Cursor { buf, what }
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if self.buf.len() < n {
            return Err(WireError::Truncated(self.what));
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Ok(a)
    }
    pub(crate) fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u16(&mut self) -> Result<u16, WireError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    pub(crate) fn u32(&mut self) -> Result<u32, WireError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.buf)
    }
    pub(crate) fn peek_len(&self) -> usize {
        self.buf.len()
    }
    pub(crate) fn finish(&self) -> Result<(), WireError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(WireError::Trailing(self.what))
        }
    }
}

/// A write cursor over a buffer of exactly the right size (callers size it with `buffer_len`).
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.buf[self.pos..self.pos + b.len()].copy_from_slice(b);
        self.pos += b.len();
    }
    pub(crate) fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }
    pub(crate) fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }
    pub(crate) fn zeros(&mut self, n: usize) {
        self.buf[self.pos..self.pos + n].fill(0);
        self.pos += n;
    }
    pub(crate) fn pad(&mut self) {
        let p = pad4(self.pos) - self.pos;
        self.zeros(p);
    }
}

/// Iterates type-length-value items with a 4-byte header (u16 type, u16 length including the
/// header) padded to 4 bytes, as parameters and error causes are laid out (RFC 9260 §3.2.1).
/// The final item's padding may be missing.
#[derive(Clone, Debug)]
pub struct TlvIter<'a> {
    buf: &'a [u8],
    what: &'static str,
}

impl<'a> TlvIter<'a> {
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        TlvIter { buf, what }
    }
    /// Checks that the whole list is well formed.
    pub(crate) fn validate(buf: &'a [u8], what: &'static str) -> Result<(), WireError> {
        for r in TlvIter::new(buf, what) {
            r?;
        }
        Ok(())
    }
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Result<(u16, &'a [u8]), WireError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.is_empty() {
            return None;
        }
        if self.buf.len() < 4 {
            self.buf = &[];
            return Some(Err(WireError::Truncated(self.what)));
        }
        let ty = u16::from_be_bytes([self.buf[0], self.buf[1]]);
        let len = usize::from(u16::from_be_bytes([self.buf[2], self.buf[3]]));
        if len < 4 || len > self.buf.len() {
            self.buf = &[];
            return Some(Err(WireError::BadLength {
                what: self.what,
                len,
            }));
        }
        let value = &self.buf[4..len];
        let padded = pad4(len).min(self.buf.len());
        // Padding content is ignored (RFC 9260 §3.2).
        self.buf = &self.buf[padded..];
        Some(Ok((ty, value)))
    }
}

/// Length of one TLV (header + value) padded to 4.
pub(crate) const fn tlv_len(value_len: usize) -> usize {
    pad4(4 + value_len)
}

/// Writes one TLV with its padding.
pub(crate) fn write_tlv(w: &mut Writer<'_>, ty: u16, value: &[u8]) {
    w.u16(ty);
    w.u16((4 + value.len()) as u16);
    w.bytes(value);
    w.pad();
}
