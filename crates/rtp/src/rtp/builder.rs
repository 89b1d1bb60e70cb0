//! Writing RTP packets in place into the caller's buffer.

use super::ext::{ExtensionForm, ExtensionValue};
use crate::error::{BuildError, ExtensionError};
use crate::serial::{RtpTimestamp, SeqNum};

/// The fixed RTP header fields a sender chooses (RFC 3550 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RtpHeader {
    /// M bit.
    pub marker: bool,
    /// Payload type, 0–127.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence_number: SeqNum,
    /// Timestamp.
    pub timestamp: RtpTimestamp,
    /// SSRC.
    pub ssrc: u32,
}

/// Writes one RTP packet into a borrowed buffer: fixed header and CSRCs, then optional
/// RFC 8285 extension elements, then the payload and optional padding. Nothing is allocated.
///
/// ```
/// use strata_rtp::rtp::{ExtensionForm, RtpHeader, RtpPacket, RtpWriter};
/// use strata_rtp::rtp::ext::AudioLevel;
/// let mut buf = [0u8; 1500];
/// let mut w = RtpWriter::new(&mut buf, &RtpHeader { payload_type: 111, ssrc: 7, ..Default::default() }, &[])?;
/// w.start_extensions(ExtensionForm::OneByte)?;
/// w.extension_value(1, &AudioLevel { voice: true, level: 30 })?;
/// let n = w.payload(b"opus")?;
/// let p = RtpPacket::new_checked(&buf[..n]).unwrap();
/// assert_eq!(p.payload(), b"opus");
/// # Ok::<(), strata_rtp::BuildError>(())
/// ```
#[derive(Debug)]
pub struct RtpWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
    // Form and offset of the extension block header, once started.
    ext: Option<(Option<ExtensionForm>, usize)>,
}

impl<'b> RtpWriter<'b> {
    /// Writes the fixed header and up to 15 CSRCs.
    #[inline]
    pub fn new(buf: &'b mut [u8], h: &RtpHeader, csrcs: &[u32]) -> Result<Self, BuildError> {
        if csrcs.len() > 15 {
            return Err(BuildError::TooMany);
        }
        if h.payload_type > 127 {
            return Err(BuildError::OutOfRange);
        }
        let len = 12 + 4 * csrcs.len();
        if buf.len() < len {
            return Err(BuildError::BufferTooSmall);
        }
        buf[0] = 0x80 | csrcs.len() as u8;
        buf[1] = (u8::from(h.marker) << 7) | h.payload_type;
        buf[2..4].copy_from_slice(&h.sequence_number.0.to_be_bytes());
        buf[4..8].copy_from_slice(&h.timestamp.0.to_be_bytes());
        buf[8..12].copy_from_slice(&h.ssrc.to_be_bytes());
        for (i, c) in csrcs.iter().enumerate() {
            buf[12 + 4 * i..16 + 4 * i].copy_from_slice(&c.to_be_bytes());
        }
        Ok(Self {
            buf,
            len,
            ext: None,
        })
    }

    /// Opens an RFC 8285 extension block in `form` (sets X).
    #[inline]
    pub fn start_extensions(&mut self, form: ExtensionForm) -> Result<(), BuildError> {
        self.open_block(Some(form), form.profile())
    }

    /// Writes a non-RFC 8285 extension block: a 16-bit profile value and data whose length is
    /// a multiple of 4 bytes (RFC 3550 §5.3.1).
    #[inline]
    pub fn raw_extension(&mut self, profile: u16, data: &[u8]) -> Result<(), BuildError> {
        if !data.len().is_multiple_of(4) {
            return Err(BuildError::OutOfRange);
        }
        self.open_block(None, profile)?;
        self.put(data)
    }

    #[inline]
    fn open_block(&mut self, form: Option<ExtensionForm>, profile: u16) -> Result<(), BuildError> {
        if self.ext.is_some() {
            return Err(BuildError::OutOfRange);
        }
        if self.buf.len() < self.len + 4 {
            return Err(BuildError::BufferTooSmall);
        }
        self.buf[0] |= 0x10;
        self.buf[self.len..self.len + 2].copy_from_slice(&profile.to_be_bytes());
        self.ext = Some((form, self.len));
        self.len += 4;
        Ok(())
    }

    #[inline]
    fn put(&mut self, data: &[u8]) -> Result<(), BuildError> {
        let end = self.len + data.len();
        if end > self.buf.len() {
            return Err(BuildError::BufferTooSmall);
        }
        self.buf[self.len..end].copy_from_slice(data);
        self.len = end;
        Ok(())
    }

    /// Appends one element to the open RFC 8285 block.
    #[inline]
    pub fn extension(&mut self, id: u8, data: &[u8]) -> Result<(), BuildError> {
        self.extension_with(id, data.len(), |out| out.copy_from_slice(data))
    }

    /// Appends one typed element.
    #[inline]
    pub fn extension_value<E: ExtensionValue>(&mut self, id: u8, v: &E) -> Result<(), BuildError> {
        self.extension_with(id, v.encoded_len(), |out| v.write(out))
    }

    #[inline]
    fn extension_with(
        &mut self,
        id: u8,
        len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<(), BuildError> {
        let Some((Some(form), _)) = self.ext else {
            return Err(BuildError::Extension(ExtensionError::BadId));
        };
        form.check(id, len)?;
        let hl = form.element_header_len();
        if self.buf.len() < self.len + hl + len {
            return Err(BuildError::BufferTooSmall);
        }
        match form {
            ExtensionForm::OneByte => self.buf[self.len] = (id << 4) | (len as u8 - 1),
            ExtensionForm::TwoByte => {
                self.buf[self.len] = id;
                self.buf[self.len + 1] = len as u8;
            }
        }
        let s = self.len + hl;
        fill(&mut self.buf[s..s + len]);
        self.len = s + len;
        Ok(())
    }

    /// Pads the open extension block to a 32-bit boundary and writes its length.
    #[inline]
    fn close_block(&mut self) -> Result<(), BuildError> {
        if let Some((_, at)) = self.ext {
            while !(self.len - at).is_multiple_of(4) {
                if self.len >= self.buf.len() {
                    return Err(BuildError::BufferTooSmall);
                }
                self.buf[self.len] = 0;
                self.len += 1;
            }
            let words = (self.len - at - 4) / 4;
            let words = u16::try_from(words).map_err(|_| BuildError::OutOfRange)?;
            self.buf[at + 2..at + 4].copy_from_slice(&words.to_be_bytes());
        }
        Ok(())
    }

    /// Finishes with `payload`; returns the packet length.
    #[inline]
    pub fn payload(self, payload: &[u8]) -> Result<usize, BuildError> {
        self.payload_padded(payload, 0)
    }

    /// Finishes with `payload` and `padding` bytes of RTP padding (RFC 3550 §5.1; 0 for
    /// none). Returns the packet length.
    #[inline]
    pub fn payload_padded(self, payload: &[u8], padding: u8) -> Result<usize, BuildError> {
        self.payload_with(payload.len(), padding, |out| out.copy_from_slice(payload))
    }

    /// Finishes with a payload of `len` bytes written by `fill` in place.
    #[inline]
    pub fn payload_with(
        mut self,
        len: usize,
        padding: u8,
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<usize, BuildError> {
        self.close_block()?;
        let end = self.len + len + usize::from(padding);
        if end > self.buf.len() {
            return Err(BuildError::BufferTooSmall);
        }
        fill(&mut self.buf[self.len..self.len + len]);
        if padding > 0 {
            self.buf[0] |= 0x20;
            let ps = self.len + len;
            self.buf[ps..end].fill(0);
            self.buf[end - 1] = padding;
        }
        Ok(end)
    }
}
