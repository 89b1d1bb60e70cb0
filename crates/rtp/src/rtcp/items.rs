//! Fixed-size item lists read straight from the wire.

use core::fmt;
use core::marker::PhantomData;

/// A fixed-size wire item (a report block, a NACK pair, an SSRC, ...).
pub trait WireItem: Sized + Copy + 'static {
    /// Encoded size in bytes.
    const LEN: usize;
    /// Decodes from `b[..LEN]`.
    fn read(b: &[u8]) -> Self;
    /// Encodes into `b[..LEN]`.
    fn write(&self, b: &mut [u8]);
}

impl WireItem for u32 {
    const LEN: usize = 4;
    #[inline]
    fn read(b: &[u8]) -> Self {
        super::be32(b, 0)
    }
    #[inline]
    fn write(&self, b: &mut [u8]) {
        b[..4].copy_from_slice(&self.to_be_bytes());
    }
}

/// A list of fixed-size items borrowed from a packet; iterating decodes them on the fly.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Items<'a, T> {
    data: &'a [u8],
    _t: PhantomData<T>,
}

impl<'a, T: WireItem> Items<'a, T> {
    /// Wraps `data`, whose length must be a multiple of `T::LEN` (extra bytes are ignored).
    #[inline]
    pub(crate) fn new(data: &'a [u8]) -> Self {
        let n = data.len() - data.len() % T::LEN;
        Self {
            data: &data[..n],
            _t: PhantomData,
        }
    }

    /// Number of items.
    #[inline]
    pub fn len(&self) -> usize {
        self.data.len() / T::LEN
    }

    /// Whether there are none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Item `i`, if present.
    #[inline]
    pub fn get(&self, i: usize) -> Option<T> {
        let s = i.checked_mul(T::LEN)?;
        self.data.get(s..s + T::LEN).map(T::read)
    }

    /// The items in order.
    #[inline]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = T> + 'a {
        self.data.chunks_exact(T::LEN).map(T::read)
    }

    /// The raw bytes.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.data
    }
}

impl<T: WireItem + fmt::Debug> fmt::Debug for Items<'_, T> {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
