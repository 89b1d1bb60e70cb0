//! Source description (RFC 3550 §6.5).

use core::fmt;

use super::{Header, be32};
use crate::error::RtcpError;

/// SDES item type (RFC 3550 §6.5, §12.2). Open: unknown values round-trip.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SdesType(pub u8);

impl SdesType {
    /// Canonical end-point identifier (§6.5.1).
    pub const CNAME: Self = Self(1);
    /// User name (§6.5.2).
    pub const NAME: Self = Self(2);
    /// Electronic mail address (§6.5.3).
    pub const EMAIL: Self = Self(3);
    /// Phone number (§6.5.4).
    pub const PHONE: Self = Self(4);
    /// Geographic location (§6.5.5).
    pub const LOC: Self = Self(5);
    /// Application or tool name (§6.5.6).
    pub const TOOL: Self = Self(6);
    /// Notice/status (§6.5.7).
    pub const NOTE: Self = Self(7);
    /// Private extensions (§6.5.8).
    pub const PRIV: Self = Self(8);
}

impl fmt::Debug for SdesType {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SdesType({})", self.0)
    }
}

/// One SDES item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesItem<'a> {
    /// Item type (never 0, the terminator).
    pub kind: SdesType,
    /// The value as sent (UTF-8 per §6.5, not checked here).
    pub value: &'a [u8],
}

/// An SDES packet: chunks of (SSRC, items).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sdes<'a> {
    count: u8,
    body: &'a [u8],
}

impl<'a> Sdes<'a> {
    #[inline]
    pub(crate) fn parse(h: Header, body: &'a [u8]) -> Result<Self, RtcpError> {
        let s = Self {
            count: h.count,
            body,
        };
        // Validate once so that the iterators below cannot fail.
        let mut off = 0;
        for _ in 0..h.count {
            off = chunk_end(body, off)?;
        }
        if off != body.len() {
            return Err(RtcpError::BadSdes);
        }
        Ok(s)
    }

    /// Number of chunks.
    #[inline]
    pub fn len(&self) -> usize {
        usize::from(self.count)
    }

    /// Whether there are no chunks.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The chunks.
    #[inline]
    pub fn chunks(&self) -> SdesChunks<'a> {
        SdesChunks {
            body: self.body,
            off: 0,
            left: self.count,
        }
    }
}

/// Validates the chunk at `off`; returns the offset after its terminator and padding.
#[inline]
fn chunk_end(body: &[u8], off: usize) -> Result<usize, RtcpError> {
    let mut p = off + 4;
    if p > body.len() {
        return Err(RtcpError::BadSdes);
    }
    loop {
        let t = *body.get(p).ok_or(RtcpError::BadSdes)?;
        if t == 0 {
            // The null item and padding run to the next 32-bit boundary.
            let end = (p + 4) & !3;
            if end > body.len() {
                return Err(RtcpError::BadSdes);
            }
            return Ok(end);
        }
        let len = usize::from(*body.get(p + 1).ok_or(RtcpError::BadSdes)?);
        p += 2 + len;
        if p > body.len() {
            return Err(RtcpError::BadSdes);
        }
    }
}

/// Iterator over SDES chunks.
#[derive(Debug, Clone)]
pub struct SdesChunks<'a> {
    body: &'a [u8],
    off: usize,
    left: u8,
}

impl<'a> Iterator for SdesChunks<'a> {
    type Item = SdesChunk<'a>;
    #[inline]
    fn next(&mut self) -> Option<SdesChunk<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let end = chunk_end(self.body, self.off).ok()?;
        let c = SdesChunk {
            ssrc: be32(self.body, self.off),
            items: &self.body[self.off + 4..end],
        };
        self.off = end;
        Some(c)
    }
}

/// One SDES chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesChunk<'a> {
    /// SSRC or CSRC described.
    pub ssrc: u32,
    items: &'a [u8],
}

impl<'a> SdesChunk<'a> {
    /// The chunk's items, in order.
    #[inline]
    pub fn items(&self) -> SdesItems<'a> {
        SdesItems {
            data: self.items,
            off: 0,
        }
    }

    /// The CNAME, if present.
    #[inline]
    pub fn cname(&self) -> Option<&'a [u8]> {
        self.items()
            .find(|i| i.kind == SdesType::CNAME)
            .map(|i| i.value)
    }
}

/// Iterator over the items of a chunk.
#[derive(Debug, Clone)]
pub struct SdesItems<'a> {
    data: &'a [u8],
    off: usize,
}

impl<'a> Iterator for SdesItems<'a> {
    type Item = SdesItem<'a>;
    #[inline]
    fn next(&mut self) -> Option<SdesItem<'a>> {
        let t = *self.data.get(self.off)?;
        if t == 0 {
            return None;
        }
        let len = usize::from(*self.data.get(self.off + 1)?);
        let value = self.data.get(self.off + 2..self.off + 2 + len)?;
        self.off += 2 + len;
        Some(SdesItem {
            kind: SdesType(t),
            value,
        })
    }
}
