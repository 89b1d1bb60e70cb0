//! The zero-copy RTP packet view.

use core::ops::Range;

use super::ext::{ExtensionForm, Extensions};
use crate::error::RtpError;
use crate::serial::{RtpTimestamp, SeqNum};

mod field {
    pub const FIRST: usize = 0;
    pub const SECOND: usize = 1;
    pub const SEQ: core::ops::Range<usize> = 2..4;
    pub const TIMESTAMP: core::ops::Range<usize> = 4..8;
    pub const SSRC: core::ops::Range<usize> = 8..12;
    pub const FIXED_LEN: usize = 12;
}

/// A zero-copy view of an RTP packet (RFC 3550 §5.1).
///
/// [`RtpPacket::new_checked`] validates every length once; afterwards no accessor can panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<T: AsRef<[u8]>> {
    buffer: T,
    // Offsets computed by `new_checked`: where the extension block's data starts and ends,
    // and where the payload starts and ends (before padding).
    ext: (u16, u16),
    payload: (u16, u16),
}

#[inline]
fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

#[inline]
fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl<T: AsRef<[u8]>> RtpPacket<T> {
    /// Validates `buffer` as an RTP packet: version 2, CSRC list, extension block and padding
    /// within bounds (RFC 3550 §5.1, §5.3.1; RFC 8285 §4.1). Packets longer than 65535 bytes
    /// are refused as truncated-in-kind: no RTP packet fits a UDP datagram that large.
    pub fn new_checked(buffer: T) -> Result<Self, RtpError> {
        let b = buffer.as_ref();
        if b.len() < field::FIXED_LEN {
            return Err(RtpError::TooShort);
        }
        if b.len() > usize::from(u16::MAX) {
            return Err(RtpError::TooShort);
        }
        let first = b[field::FIRST];
        if first >> 6 != 2 {
            return Err(RtpError::BadVersion);
        }
        let cc = usize::from(first & 0x0f);
        let mut off = field::FIXED_LEN + 4 * cc;
        if b.len() < off {
            return Err(RtpError::TruncatedCsrc);
        }
        let mut ext = (off as u16, off as u16);
        if first & 0x10 != 0 {
            if b.len() < off + 4 {
                return Err(RtpError::TruncatedExtension);
            }
            let words = usize::from(be16(b, off + 2));
            let start = off + 4;
            let end = start + 4 * words;
            if b.len() < end {
                return Err(RtpError::TruncatedExtension);
            }
            ext = (start as u16, end as u16);
            off = end;
        }
        let mut end = b.len();
        if first & 0x20 != 0 {
            let pad = usize::from(b[b.len() - 1]);
            if pad == 0 || pad > b.len() - off {
                return Err(RtpError::BadPadding);
            }
            end -= pad;
        }
        Ok(Self {
            buffer,
            ext,
            payload: (off as u16, end as u16),
        })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole packet as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Version: always 2 after `new_checked`.
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::FIRST] >> 6
    }

    /// RFC 3550 §5.1 P bit.
    pub fn has_padding(&self) -> bool {
        self.buffer.as_ref()[field::FIRST] & 0x20 != 0
    }

    /// RFC 3550 §5.1 X bit.
    pub fn has_extension(&self) -> bool {
        self.buffer.as_ref()[field::FIRST] & 0x10 != 0
    }

    /// Number of CSRCs (RFC 3550 §5.1 CC).
    pub fn csrc_count(&self) -> u8 {
        self.buffer.as_ref()[field::FIRST] & 0x0f
    }

    /// RFC 3550 §5.1 M bit.
    pub fn marker(&self) -> bool {
        self.buffer.as_ref()[field::SECOND] & 0x80 != 0
    }

    /// Payload type (7 bits).
    pub fn payload_type(&self) -> u8 {
        self.buffer.as_ref()[field::SECOND] & 0x7f
    }

    /// Sequence number.
    pub fn sequence_number(&self) -> SeqNum {
        SeqNum(be16(self.buffer.as_ref(), field::SEQ.start))
    }

    /// RTP timestamp.
    pub fn timestamp(&self) -> RtpTimestamp {
        RtpTimestamp(be32(self.buffer.as_ref(), field::TIMESTAMP.start))
    }

    /// Synchronization source.
    pub fn ssrc(&self) -> u32 {
        be32(self.buffer.as_ref(), field::SSRC.start)
    }

    /// The CSRC list, in order.
    pub fn csrcs(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        let b = self.buffer.as_ref();
        (0..usize::from(self.csrc_count())).map(move |i| be32(b, field::FIXED_LEN + 4 * i))
    }

    /// The extension block's 16-bit "defined by profile" field, if X is set.
    pub fn extension_profile(&self) -> Option<u16> {
        self.has_extension()
            .then(|| be16(self.buffer.as_ref(), usize::from(self.ext.0) - 4))
    }

    /// The extension block's data (without its 4-byte header); empty without X.
    pub fn extension_data(&self) -> &[u8] {
        &self.buffer.as_ref()[usize::from(self.ext.0)..usize::from(self.ext.1)]
    }

    /// RFC 8285 header extension elements; empty when X is clear or the profile is neither
    /// one-byte (0xBEDE) nor two-byte (0x100X). Iterating allocates nothing.
    pub fn extensions(&self) -> Extensions<'_> {
        match self
            .extension_profile()
            .and_then(ExtensionForm::from_profile)
        {
            Some(form) => Extensions::new(form, self.extension_data()),
            None => Extensions::empty(),
        }
    }

    /// The value of the first extension element with `id`, if any.
    pub fn extension(&self, id: u8) -> Option<&[u8]> {
        self.extensions().find(|e| e.id == id).map(|e| e.data)
    }

    /// Offset of the payload within the packet (header length).
    pub fn header_len(&self) -> usize {
        usize::from(self.payload.0)
    }

    /// Range of the payload within the packet.
    pub fn payload_range(&self) -> Range<usize> {
        usize::from(self.payload.0)..usize::from(self.payload.1)
    }

    /// The payload, without padding.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.payload_range()]
    }

    /// Number of padding bytes (0 when P is clear).
    pub fn padding_len(&self) -> usize {
        self.buffer.as_ref().len() - usize::from(self.payload.1)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> RtpPacket<T> {
    /// Sets the M bit.
    pub fn set_marker(&mut self, m: bool) {
        let b = &mut self.buffer.as_mut()[field::SECOND];
        *b = (*b & 0x7f) | (u8::from(m) << 7);
    }

    /// Sets the payload type (7 bits; the high bit is ignored).
    pub fn set_payload_type(&mut self, pt: u8) {
        let b = &mut self.buffer.as_mut()[field::SECOND];
        *b = (*b & 0x80) | (pt & 0x7f);
    }

    /// Sets the sequence number.
    pub fn set_sequence_number(&mut self, s: SeqNum) {
        self.buffer.as_mut()[field::SEQ].copy_from_slice(&s.0.to_be_bytes());
    }

    /// Sets the timestamp.
    pub fn set_timestamp(&mut self, t: RtpTimestamp) {
        self.buffer.as_mut()[field::TIMESTAMP].copy_from_slice(&t.0.to_be_bytes());
    }

    /// Sets the SSRC.
    pub fn set_ssrc(&mut self, ssrc: u32) {
        self.buffer.as_mut()[field::SSRC].copy_from_slice(&ssrc.to_be_bytes());
    }

    /// The payload, mutable in place.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let r = self.payload_range();
        &mut self.buffer.as_mut()[r]
    }

    /// Extension block data, mutable in place (e.g. to rewrite abs-send-time before sending).
    pub fn extension_data_mut(&mut self) -> &mut [u8] {
        let (s, e) = (usize::from(self.ext.0), usize::from(self.ext.1));
        &mut self.buffer.as_mut()[s..e]
    }

    /// The value of the first extension element with `id`, mutable in place (same size).
    pub fn extension_mut(&mut self, id: u8) -> Option<&mut [u8]> {
        let base = usize::from(self.ext.0);
        let mut it = self.extensions();
        let range = loop {
            let (eid, r) = it.next_range()?;
            if eid == id {
                break base + r.start..base + r.end;
            }
        };
        Some(&mut self.buffer.as_mut()[range])
    }
}
