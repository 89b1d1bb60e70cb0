//! RTCP (RFC 3550 §6) and its feedback extensions: compound validation, zero-copy packet
//! views, and a writer that builds compound packets in place.

mod app_bye;
mod ccfb;
mod feedback;
mod items;
mod report;
mod sdes;
mod twcc;
mod writer;
mod xr;

use core::fmt;

pub use app_bye::{App, Bye};
pub use ccfb::{Ccfb, CcfbBlock, CcfbBlocks, Ecn, MetricBlock};
pub use feedback::{Feedback, Fir, FirEntry, Nack, NackLost, NackPair, Pli, Remb};
pub use items::{Items, WireItem};
pub use report::{
    NtpTime, ReceiverReport, ReportBlock, SenderInfo, SenderReport, compact_to_duration,
    duration_to_compact,
};
pub use sdes::{Sdes, SdesChunk, SdesChunks, SdesItem, SdesItems, SdesType};
pub use twcc::{PacketStatus, StatusChunk, TransportCc, TwccPacket, TwccPackets, decode_delta_us};
pub use writer::{CcfbBlockRef, RtcpWriter, SdesChunkRef, TwccBuilder};
pub use xr::{DlrrItem, Xr, XrBlock, XrBlockType, XrBlocks};

use crate::error::RtcpError;

/// RTCP packet type (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611 §2). Open: unknown values
/// round-trip.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PacketType(pub u8);

impl PacketType {
    /// Sender report (RFC 3550 §6.4.1).
    pub const SR: Self = Self(200);
    /// Receiver report (RFC 3550 §6.4.2).
    pub const RR: Self = Self(201);
    /// Source description (RFC 3550 §6.5).
    pub const SDES: Self = Self(202);
    /// Goodbye (RFC 3550 §6.6).
    pub const BYE: Self = Self(203);
    /// Application-defined (RFC 3550 §6.7).
    pub const APP: Self = Self(204);
    /// Transport-layer feedback (RFC 4585 §6.2).
    pub const RTPFB: Self = Self(205);
    /// Payload-specific feedback (RFC 4585 §6.3).
    pub const PSFB: Self = Self(206);
    /// Extended reports (RFC 3611 §2).
    pub const XR: Self = Self(207);
}

impl fmt::Debug for PacketType {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.0 {
            200 => "SR",
            201 => "RR",
            202 => "SDES",
            203 => "BYE",
            204 => "APP",
            205 => "RTPFB",
            206 => "PSFB",
            207 => "XR",
            _ => return write!(f, "PacketType({})", self.0),
        };
        f.write_str(name)
    }
}

/// The common 4-byte RTCP header (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// P bit.
    pub padding: bool,
    /// Report count, source count, subtype or FMT (5 bits).
    pub count: u8,
    /// Packet type.
    pub packet_type: PacketType,
    /// Length in 32-bit words minus one.
    pub length: u16,
}

impl Header {
    /// Reads a header from the first 4 bytes of `b`.
    #[inline]
    pub fn parse(b: &[u8]) -> Result<Self, RtcpError> {
        if b.len() < 4 {
            return Err(RtcpError::TooShort);
        }
        if b[0] >> 6 != 2 {
            return Err(RtcpError::BadVersion);
        }
        Ok(Self {
            padding: b[0] & 0x20 != 0,
            count: b[0] & 0x1f,
            packet_type: PacketType(b[1]),
            length: u16::from_be_bytes([b[2], b[3]]),
        })
    }

    /// Whole packet length in bytes, including the header.
    #[inline]
    pub fn packet_len(&self) -> usize {
        4 * (usize::from(self.length) + 1)
    }
}

/// Which RTCP validity rules to apply to a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Validation {
    /// RFC 3550 App. A.2: the first packet is SR or RR, only the last packet may be padded,
    /// lengths add up to the datagram.
    Compound,
    /// RFC 5506 §3.1: as `Compound`, except that the first packet may be of any type, so a
    /// datagram may carry, e.g., a lone feedback message. WebRTC negotiates this with
    /// `a=rtcp-rsize`.
    #[default]
    ReducedSize,
}

/// A validated compound (or reduced-size) RTCP datagram.
///
/// [`Compound::new`] checks the packet framing of RFC 3550 App. A.2 in one pass over the
/// headers; [`Compound::iter`] then decodes each packet's body, lazily, without allocating.
/// [`Compound::parse_strict`] does both and rejects the datagram if any body is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compound<'a> {
    data: &'a [u8],
}

impl<'a> Compound<'a> {
    /// Validates the framing of `data` (RFC 3550 App. A.2 / RFC 5506 §3.1).
    #[inline]
    pub fn new(data: &'a [u8], mode: Validation) -> Result<Self, RtcpError> {
        let first = Header::parse(data)?;
        if mode == Validation::Compound
            && first.packet_type != PacketType::SR
            && first.packet_type != PacketType::RR
        {
            return Err(RtcpError::FirstNotReport);
        }
        let mut off = 0;
        while off < data.len() {
            let h = Header::parse(&data[off..])?;
            let end = off + h.packet_len();
            if end > data.len() {
                return Err(RtcpError::Truncated);
            }
            if h.padding {
                if end != data.len() {
                    return Err(RtcpError::PaddingNotLast);
                }
                let pad = usize::from(data[end - 1]);
                if pad == 0 || pad > h.packet_len() - 4 {
                    return Err(RtcpError::BadPadding);
                }
            }
            off = end;
        }
        Ok(Self { data })
    }

    /// Validates framing and every packet body; the whole datagram or nothing.
    #[inline]
    pub fn parse_strict(data: &'a [u8], mode: Validation) -> Result<Self, RtcpError> {
        let c = Self::new(data, mode)?;
        for p in c.iter() {
            p?;
        }
        Ok(c)
    }

    /// The datagram.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.data
    }

    /// Iterates the packets, decoding each body.
    #[inline]
    pub fn iter(&self) -> CompoundIter<'a> {
        CompoundIter { rest: self.data }
    }
}

impl<'a> IntoIterator for Compound<'a> {
    type Item = Result<RtcpPacket<'a>, RtcpError>;
    type IntoIter = CompoundIter<'a>;
    #[inline]
    fn into_iter(self) -> CompoundIter<'a> {
        self.iter()
    }
}

/// Iterator over the packets of a [`Compound`].
#[derive(Debug, Clone)]
pub struct CompoundIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for CompoundIter<'a> {
    type Item = Result<RtcpPacket<'a>, RtcpError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let r = Header::parse(self.rest).and_then(|h| {
            let n = h.packet_len();
            if n > self.rest.len() {
                return Err(RtcpError::Truncated);
            }
            let (pkt, rest) = self.rest.split_at(n);
            self.rest = rest;
            RtcpPacket::parse_with(h, pkt)
        });
        if r.is_err() {
            self.rest = &[];
        }
        Some(r)
    }
}

/// The header and the body of one packet, padding removed.
#[inline]
pub(crate) fn body_of(h: Header, pkt: &[u8]) -> Result<&[u8], RtcpError> {
    let n = h.packet_len();
    if n > pkt.len() {
        return Err(RtcpError::Truncated);
    }
    let mut end = n;
    if h.padding {
        let pad = usize::from(pkt[n - 1]);
        if pad == 0 || pad > n - 4 {
            return Err(RtcpError::BadPadding);
        }
        end -= pad;
    }
    Ok(&pkt[4..end])
}

#[inline]
pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

#[inline]
pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// One decoded RTCP packet, borrowing from the datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpPacket<'a> {
    /// RFC 3550 §6.4.1.
    SenderReport(SenderReport<'a>),
    /// RFC 3550 §6.4.2.
    ReceiverReport(ReceiverReport<'a>),
    /// RFC 3550 §6.5.
    Sdes(Sdes<'a>),
    /// RFC 3550 §6.6.
    Bye(Bye<'a>),
    /// RFC 3550 §6.7.
    App(App<'a>),
    /// RFC 3611.
    Xr(Xr<'a>),
    /// RFC 4585 §6.2.1 generic NACK.
    Nack(Nack<'a>),
    /// RFC 4585 §6.3.1 picture loss indication.
    Pli(Pli),
    /// RFC 5104 §4.3.1 full intra request.
    Fir(Fir<'a>),
    /// draft-alvestrand-rmcat-remb receiver estimated maximum bitrate.
    Remb(Remb<'a>),
    /// draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.
    TransportCc(TransportCc<'a>),
    /// RFC 8888 §3.1 congestion control feedback.
    Ccfb(Ccfb<'a>),
    /// Any other RTPFB or PSFB message (SLI, RPSI, TMMBR, ...), FCI undecoded.
    Feedback(Feedback<'a>),
    /// A packet type this crate does not decode.
    Unknown {
        /// Its header.
        header: Header,
        /// Its body, padding removed.
        body: &'a [u8],
    },
}

impl<'a> RtcpPacket<'a> {
    /// Decodes one packet (exactly one: `pkt` may be longer, the rest is ignored).
    #[inline]
    pub fn parse(pkt: &'a [u8]) -> Result<Self, RtcpError> {
        let h = Header::parse(pkt)?;
        Self::parse_with(h, pkt)
    }

    /// Decodes one packet whose header was already read.
    #[inline]
    fn parse_with(h: Header, pkt: &'a [u8]) -> Result<Self, RtcpError> {
        let body = body_of(h, pkt)?;
        Ok(match h.packet_type {
            PacketType::SR => Self::SenderReport(SenderReport::parse(h, body)?),
            PacketType::RR => Self::ReceiverReport(ReceiverReport::parse(h, body)?),
            PacketType::SDES => Self::Sdes(Sdes::parse(h, body)?),
            PacketType::BYE => Self::Bye(Bye::parse(h, body)?),
            PacketType::APP => Self::App(App::parse(h, body)?),
            PacketType::XR => Self::Xr(Xr::parse(body)?),
            PacketType::RTPFB | PacketType::PSFB => feedback::parse(h, body)?,
            _ => Self::Unknown { header: h, body },
        })
    }

    /// The packet type on the wire.
    #[inline]
    pub fn packet_type(&self) -> PacketType {
        match self {
            Self::SenderReport(_) => PacketType::SR,
            Self::ReceiverReport(_) => PacketType::RR,
            Self::Sdes(_) => PacketType::SDES,
            Self::Bye(_) => PacketType::BYE,
            Self::App(_) => PacketType::APP,
            Self::Xr(_) => PacketType::XR,
            Self::Nack(_) | Self::TransportCc(_) | Self::Ccfb(_) => PacketType::RTPFB,
            Self::Pli(_) | Self::Fir(_) | Self::Remb(_) => PacketType::PSFB,
            Self::Feedback(f) => f.packet_type,
            Self::Unknown { header, .. } => header.packet_type,
        }
    }
}
