//! RTP packets (RFC 3550 §5) and header extensions (RFC 8285).

mod builder;
pub mod ext;
mod packet;

pub use builder::{RtpHeader, RtpWriter};
pub use ext::{
    ExtensionElement, ExtensionForm, ExtensionMap, ExtensionValue, Extensions, ParsedExtensions,
};
pub use packet::RtpPacket;

/// RFC 8285 §4.2: the "defined by profile" value of the one-byte form.
pub const ONE_BYTE_PROFILE: u16 = 0xBEDE;
/// RFC 8285 §4.3: the two-byte form's profile value (low 4 bits are app bits).
pub const TWO_BYTE_PROFILE: u16 = 0x1000;

/// Whether the first byte and payload type of a datagram look like RTCP rather than RTP
/// (RFC 5761 §4: RTCP packet types 192–223 once the marker bit is folded in).
pub fn is_rtcp(datagram: &[u8]) -> bool {
    datagram.len() >= 2 && (192..=223).contains(&datagram[1])
}
