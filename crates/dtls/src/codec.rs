//! A small bounds-checked cursor for TLS vectors (RFC 5246 §4.3), used by every parser.

use crate::error::DecodeError;

/// Reads big-endian fields from a borrowed buffer; every read is bounds-checked.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.buf.len() < n {
            return Err(DecodeError::Truncated);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.buf)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u24(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(3)?;
        Ok(u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let b = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    /// A vector with a one-byte length prefix.
    pub(crate) fn vec8(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u8()? as usize;
        self.take(n)
    }

    /// A vector with a two-byte length prefix.
    pub(crate) fn vec16(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u16()? as usize;
        self.take(n)
    }

    /// A vector with a three-byte length prefix.
    pub(crate) fn vec24(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u24()? as usize;
        self.take(n)
    }

    /// Rejects trailing bytes.
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes)
        }
    }
}

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_u24(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes()[1..]);
}

/// Writes `body` with a one-byte length prefix. Callers keep bodies within bounds.
pub(crate) fn put_vec8(out: &mut Vec<u8>, body: &[u8]) {
    debug_assert!(body.len() <= 0xff);
    out.push(body.len() as u8);
    out.extend_from_slice(body);
}

pub(crate) fn put_vec16(out: &mut Vec<u8>, body: &[u8]) {
    debug_assert!(body.len() <= 0xffff);
    put_u16(out, body.len() as u16);
    out.extend_from_slice(body);
}

pub(crate) fn put_vec24(out: &mut Vec<u8>, body: &[u8]) {
    debug_assert!(body.len() <= 0xff_ffff);
    put_u24(out, body.len() as u32);
    out.extend_from_slice(body);
}

/// Starts a length-prefixed block of `width` bytes; close it with [`end_len`].
pub(crate) fn start_len(out: &mut Vec<u8>, width: usize) -> usize {
    let at = out.len();
    out.extend(core::iter::repeat_n(0, width));
    at
}

pub(crate) fn end_len(out: &mut [u8], at: usize, width: usize) {
    let len = out.len() - at - width;
    let bytes = (len as u32).to_be_bytes();
    out[at..at + width].copy_from_slice(&bytes[4 - width..]);
}
