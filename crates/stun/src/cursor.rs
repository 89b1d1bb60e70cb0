//! A small read cursor for TLV bodies: `take`, `sub`, `finish`.
//!
//! Every attribute value is decoded through it, so bounds checks live in one place and no
//! decoder can index past its input.

use crate::error::AttrError;

/// A forward-only reader over a borrowed byte slice.
#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Cursor { buf }
    }

    /// The next `n` bytes, or `Truncated`.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], AttrError> {
        if n > self.buf.len() {
            return Err(AttrError::Truncated);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], AttrError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, AttrError> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, AttrError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, AttrError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, AttrError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A sub-cursor over the next `len` bytes; this cursor moves past them.
    pub(crate) fn sub(&mut self, len: usize) -> Result<Cursor<'a>, AttrError> {
        self.take(len).map(Cursor::new)
    }

    /// Everything that is left.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.buf)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Succeeds only if every byte was consumed.
    pub(crate) fn finish(self) -> Result<(), AttrError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(AttrError::TrailingBytes)
        }
    }
}

/// Bytes of padding after a value of `len` bytes (RFC 8489 §14: values pad to 4 bytes).
pub(crate) const fn padding(len: usize) -> usize {
    (4 - len % 4) % 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_sub_finish() {
        let mut c = Cursor::new(&[1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(c.u16(), Ok(0x0102));
        let mut s = c.sub(3).unwrap();
        assert_eq!(s.u8(), Ok(3));
        assert_eq!(s.clone().finish(), Err(AttrError::TrailingBytes));
        assert_eq!(s.take(2), Ok(&[4u8, 5][..]));
        assert_eq!(s.finish(), Ok(()));
        assert_eq!(c.u32(), Err(AttrError::Truncated));
        assert_eq!(c.rest(), &[6, 7]);
        assert!(c.is_empty());
    }

    #[test]
    fn padding_rounds_to_four() {
        assert_eq!([0, 1, 2, 3, 4, 5].map(padding), [0, 3, 2, 1, 0, 3]);
    }
}
