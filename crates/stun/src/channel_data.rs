//! ChannelData framing (RFC 8656 §12.4, §12.5).

use crate::attr::ChannelNumber;
use crate::cursor::padding;
use crate::error::{EncodeError, ParseError};

/// RFC 8656 §12.4: channel number (2 bytes) and length (2 bytes).
pub const CHANNEL_DATA_HEADER_LEN: usize = 4;

/// A checked, zero-copy view of a ChannelData message (RFC 8656 §12.4).
#[derive(Debug, Clone)]
pub struct ChannelData<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ChannelData<T> {
    /// Validates the header: a channel number in 0x4000..=0x4FFF and a length that fits.
    /// After the data only padding to a multiple of 4 may follow (RFC 8656 §12.5: required
    /// over TCP, optional over UDP); anything more is [`ParseError::BadPadding`].
    pub fn new_checked(buffer: T) -> Result<Self, ParseError> {
        let b = buffer.as_ref();
        let Some(&[c0, c1, l0, l1]) = b.get(..CHANNEL_DATA_HEADER_LEN) else {
            return Err(ParseError::Truncated);
        };
        if !ChannelNumber(u16::from_be_bytes([c0, c1])).is_valid() {
            return Err(ParseError::BadChannelNumber);
        }
        let len = usize::from(u16::from_be_bytes([l0, l1]));
        let extra = (b.len() - CHANNEL_DATA_HEADER_LEN)
            .checked_sub(len)
            .ok_or(ParseError::BadLength)?;
        if extra != 0 && extra != padding(len) {
            return Err(ParseError::BadPadding);
        }
        Ok(ChannelData { buffer })
    }

    /// The channel.
    pub fn channel(&self) -> ChannelNumber {
        let b = self.buffer.as_ref();
        ChannelNumber(u16::from_be_bytes([b[0], b[1]]))
    }

    /// The application data, without padding.
    pub fn data(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
        &b[CHANNEL_DATA_HEADER_LEN..CHANNEL_DATA_HEADER_LEN + len]
    }
}

/// RFC 8656 §12.4: the parsed form of a ChannelData message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelDataRepr<'a> {
    /// 0x4000..=0x4FFF.
    pub channel: ChannelNumber,
    /// The application data.
    pub data: &'a [u8],
}

impl<'a> ChannelDataRepr<'a> {
    /// From a checked view.
    pub fn parse<T: AsRef<[u8]> + ?Sized>(view: &ChannelData<&'a T>) -> Self {
        let b: &'a [u8] = view.buffer.as_ref();
        let len = usize::from(u16::from_be_bytes([b[2], b[3]]));
        ChannelDataRepr {
            channel: view.channel(),
            data: &b[CHANNEL_DATA_HEADER_LEN..CHANNEL_DATA_HEADER_LEN + len],
        }
    }

    /// Bytes [`emit`](Self::emit) writes; `padded` rounds up to 4 (required over TCP).
    pub fn buffer_len(&self, padded: bool) -> usize {
        let n = CHANNEL_DATA_HEADER_LEN + self.data.len();
        if padded {
            n + padding(self.data.len())
        } else {
            n
        }
    }

    /// Writes the frame into `buf[..self.buffer_len(padded)]`, padding with zeros.
    pub fn emit(&self, buf: &mut [u8], padded: bool) -> Result<usize, EncodeError> {
        if !self.channel.is_valid() {
            return Err(EncodeError::InvalidValue(crate::AttrType::CHANNEL_NUMBER));
        }
        let len = u16::try_from(self.data.len()).map_err(|_| EncodeError::MessageTooLong)?;
        let n = self.buffer_len(padded);
        let out = buf.get_mut(..n).ok_or(EncodeError::BufferTooSmall)?;
        out[..2].copy_from_slice(&self.channel.0.to_be_bytes());
        out[2..4].copy_from_slice(&len.to_be_bytes());
        let end = CHANNEL_DATA_HEADER_LEN + self.data.len();
        out[CHANNEL_DATA_HEADER_LEN..end].copy_from_slice(self.data);
        out[end..].fill(0);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8656_12_padding_rules() {
        let r = ChannelDataRepr {
            channel: ChannelNumber(0x4001),
            data: b"hello",
        };
        let mut buf = [0xffu8; 16];
        assert_eq!(r.emit(&mut buf, true), Ok(12));
        assert_eq!(&buf[..12], b"\x40\x01\x00\x05hello\0\0\0");
        // Padded (TCP) and unpadded (UDP) forms both parse to the same frame.
        for n in [9, 12] {
            let v = ChannelData::new_checked(&buf[..n]).unwrap();
            assert_eq!(ChannelDataRepr::parse(&v), r);
        }
        // One or two padding bytes, or more than the padding: refused.
        assert_eq!(
            ChannelData::new_checked(&buf[..10]).unwrap_err(),
            ParseError::BadPadding
        );
        assert_eq!(
            ChannelData::new_checked(&buf[..13]).unwrap_err(),
            ParseError::BadPadding
        );
        assert_eq!(
            ChannelData::new_checked(&buf[..8]).unwrap_err(),
            ParseError::BadLength
        );
        assert_eq!(
            ChannelData::new_checked(&buf[..3]).unwrap_err(),
            ParseError::Truncated
        );
        assert_eq!(
            ChannelData::new_checked(&b"\x50\x00\x00\x00"[..]).unwrap_err(),
            ParseError::BadChannelNumber
        );
        assert_eq!(
            r.emit(&mut buf[..11], true),
            Err(EncodeError::BufferTooSmall)
        );
    }
}
