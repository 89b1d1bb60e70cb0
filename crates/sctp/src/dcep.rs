//! Data Channel Establishment Protocol messages (RFC 8832 §5) and WebRTC PPIDs (RFC 8831 §8).

use crate::wire::{Cursor, WireError};

/// Payload protocol identifiers used by WebRTC (RFC 8831 §8, RFC 8832 §8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ppid(pub u32);

impl Ppid {
    /// DCEP messages.
    pub const DCEP: Self = Self(50);
    /// UTF-8 string.
    pub const STRING: Self = Self(51);
    /// Binary (partial, deprecated).
    pub const BINARY_PARTIAL: Self = Self(52);
    /// Binary.
    pub const BINARY: Self = Self(53);
    /// String (partial, deprecated).
    pub const STRING_PARTIAL: Self = Self(54);
    /// Empty string: the payload is one ignored byte (RFC 8831 §6.6).
    pub const STRING_EMPTY: Self = Self(56);
    /// Empty binary: the payload is one ignored byte.
    pub const BINARY_EMPTY: Self = Self(57);
}

/// DCEP message type (RFC 8832 §8.2.1).
pub const DATA_CHANNEL_OPEN: u8 = 0x03;
/// DCEP message type (RFC 8832 §8.2.1).
pub const DATA_CHANNEL_ACK: u8 = 0x02;

/// Channel type byte (RFC 8832 §5.1): an open wire enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChannelType(pub u8);

impl ChannelType {
    /// Reliable, ordered.
    pub const RELIABLE: Self = Self(0x00);
    /// Reliable, unordered.
    pub const RELIABLE_UNORDERED: Self = Self(0x80);
    /// Limited retransmissions, ordered.
    pub const PARTIAL_RELIABLE_REXMIT: Self = Self(0x01);
    /// Limited retransmissions, unordered.
    pub const PARTIAL_RELIABLE_REXMIT_UNORDERED: Self = Self(0x81);
    /// Limited lifetime, ordered.
    pub const PARTIAL_RELIABLE_TIMED: Self = Self(0x02);
    /// Limited lifetime, unordered.
    pub const PARTIAL_RELIABLE_TIMED_UNORDERED: Self = Self(0x82);

    /// True when the high bit (unordered) is set.
    pub const fn is_unordered(self) -> bool {
        self.0 & 0x80 != 0
    }
}

/// A DCEP message (RFC 8832 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DcepMessage<'a> {
    /// DATA_CHANNEL_OPEN (RFC 8832 §5.1).
    Open {
        /// Channel type.
        channel_type: ChannelType,
        /// Priority (RFC 8832 §5.1; browsers send 256 for "low").
        priority: u16,
        /// Max retransmissions or lifetime in ms, by channel type.
        reliability: u32,
        /// Label, UTF-8.
        label: &'a str,
        /// Protocol, UTF-8.
        protocol: &'a str,
    },
    /// DATA_CHANNEL_ACK (RFC 8832 §5.2): one byte; trailing bytes are tolerated.
    Ack,
}

impl<'a> DcepMessage<'a> {
    /// Parses a DCEP message.
    pub fn parse(b: &'a [u8]) -> Result<Self, WireError> {
        let mut c = Cursor::new(b, "DCEP");
        match c.u8()? {
            DATA_CHANNEL_ACK => Ok(DcepMessage::Ack),
            DATA_CHANNEL_OPEN => {
                let channel_type = ChannelType(c.u8()?);
                let priority = c.u16()?;
                let reliability = c.u32()?;
                let label_len = usize::from(c.u16()?);
                let proto_len = usize::from(c.u16()?);
                let label = core::str::from_utf8(c.take(label_len)?)
                    .map_err(|_| WireError::Invalid("DCEP label"))?;
                let protocol = core::str::from_utf8(c.take(proto_len)?)
                    .map_err(|_| WireError::Invalid("DCEP protocol"))?;
                c.finish()?;
                Ok(DcepMessage::Open {
                    channel_type,
                    priority,
                    reliability,
                    label,
                    protocol,
                })
            }
            _ => Err(WireError::Invalid("DCEP message type")),
        }
    }

    /// Encoded length.
    pub fn buffer_len(&self) -> usize {
        match self {
            DcepMessage::Ack => 1,
            DcepMessage::Open {
                label, protocol, ..
            } => 12 + label.len() + protocol.len(),
        }
    }

    /// Appends the encoding to `out`. Labels and protocols longer than 65535 bytes are the
    /// caller's error (checked by the channel API).
    pub fn emit_to(&self, out: &mut Vec<u8>) {
        match *self {
            DcepMessage::Ack => out.push(DATA_CHANNEL_ACK),
            DcepMessage::Open {
                channel_type,
                priority,
                reliability,
                label,
                protocol,
            } => {
                out.push(DATA_CHANNEL_OPEN);
                out.push(channel_type.0);
                out.extend_from_slice(&priority.to_be_bytes());
                out.extend_from_slice(&reliability.to_be_bytes());
                out.extend_from_slice(&(label.len() as u16).to_be_bytes());
                out.extend_from_slice(&(protocol.len() as u16).to_be_bytes());
                out.extend_from_slice(label.as_bytes());
                out.extend_from_slice(protocol.as_bytes());
            }
        }
    }
}
