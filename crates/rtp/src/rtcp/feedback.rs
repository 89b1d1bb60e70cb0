//! RTP/AVPF feedback messages: generic NACK, PLI (RFC 4585 §6), FIR (RFC 5104 §4.3.1) and
//! REMB (draft-alvestrand-rmcat-remb-03 §2.2), and dispatch of all feedback FMTs.

use super::ccfb::Ccfb;
use super::items::{Items, WireItem};
use super::twcc::TransportCc;
use super::{Header, PacketType, RtcpPacket, be16, be32};
use crate::error::RtcpError;
use crate::serial::SeqNum;

pub(crate) const FMT_NACK: u8 = 1;
pub(crate) const FMT_CCFB: u8 = 11;
pub(crate) const FMT_TWCC: u8 = 15;
pub(crate) const FMT_PLI: u8 = 1;
pub(crate) const FMT_FIR: u8 = 4;
pub(crate) const FMT_AFB: u8 = 15;

#[inline]
pub(crate) fn parse<'a>(h: Header, body: &'a [u8]) -> Result<RtcpPacket<'a>, RtcpError> {
    let rtpfb = h.packet_type == PacketType::RTPFB;
    if rtpfb && h.count == FMT_CCFB {
        // RFC 8888 has no media SSRC in its common header.
        return Ok(RtcpPacket::Ccfb(Ccfb::parse(body)?));
    }
    if body.len() < 8 {
        return Err(RtcpError::BadLength);
    }
    let sender_ssrc = be32(body, 0);
    let media_ssrc = be32(body, 4);
    let fci = &body[8..];
    Ok(match (rtpfb, h.count) {
        (true, FMT_NACK) => {
            // RFC 4585 §6.2.1: at least one NACK.
            if fci.is_empty() || !fci.len().is_multiple_of(4) {
                return Err(RtcpError::BadFci);
            }
            RtcpPacket::Nack(Nack {
                sender_ssrc,
                media_ssrc,
                pairs: Items::new(fci),
            })
        }
        (true, FMT_TWCC) => {
            RtcpPacket::TransportCc(TransportCc::parse(sender_ssrc, media_ssrc, fci)?)
        }
        (false, FMT_PLI) => {
            // RFC 4585 §6.3.1: "the length field MUST be 2".
            if !fci.is_empty() {
                return Err(RtcpError::BadFci);
            }
            RtcpPacket::Pli(Pli {
                sender_ssrc,
                media_ssrc,
            })
        }
        (false, FMT_FIR) => {
            // RFC 5104 §4.3.1.2: one or more FIR entries.
            if fci.is_empty() || !fci.len().is_multiple_of(8) {
                return Err(RtcpError::BadFci);
            }
            RtcpPacket::Fir(Fir {
                sender_ssrc,
                media_ssrc,
                entries: Items::new(fci),
            })
        }
        (false, FMT_AFB) if fci.starts_with(b"REMB") => {
            RtcpPacket::Remb(Remb::parse(sender_ssrc, media_ssrc, fci)?)
        }
        _ => RtcpPacket::Feedback(Feedback {
            packet_type: h.packet_type,
            fmt: h.count,
            sender_ssrc,
            media_ssrc,
            fci,
        }),
    })
}

/// A generic NACK entry (RFC 4585 §6.2.1): a lost packet id and a bitmask of the 16 after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NackPair {
    /// Packet id of a lost packet.
    pub pid: SeqNum,
    /// Bitmask of following lost packets: bit i (LSB first) means `pid + i + 1` is lost.
    pub blp: u16,
}

impl NackPair {
    /// The lost sequence numbers this pair names, in order.
    #[inline]
    pub fn lost(&self) -> NackLost {
        NackLost {
            pid: self.pid,
            // Bit 16 stands for the pid itself, so one mask walks all 17.
            mask: (u32::from(self.blp) << 1) | 1,
        }
    }

    /// Packs sequence numbers, sorted oldest first, into as few pairs as possible; calls `out`
    /// for each pair.
    #[inline]
    pub fn pack(seqs: impl IntoIterator<Item = SeqNum>, mut out: impl FnMut(NackPair)) {
        let mut cur: Option<NackPair> = None;
        for s in seqs {
            match cur.as_mut() {
                Some(p) => {
                    let d = s.0.wrapping_sub(p.pid.0);
                    if (1..=16).contains(&d) {
                        p.blp |= 1 << (d - 1);
                        continue;
                    }
                    if d == 0 {
                        continue;
                    }
                    out(*p);
                    cur = Some(NackPair { pid: s, blp: 0 });
                }
                None => cur = Some(NackPair { pid: s, blp: 0 }),
            }
        }
        if let Some(p) = cur {
            out(p);
        }
    }
}

impl WireItem for NackPair {
    const LEN: usize = 4;
    #[inline]
    fn read(b: &[u8]) -> Self {
        Self {
            pid: SeqNum(be16(b, 0)),
            blp: be16(b, 2),
        }
    }
    #[inline]
    fn write(&self, b: &mut [u8]) {
        b[0..2].copy_from_slice(&self.pid.0.to_be_bytes());
        b[2..4].copy_from_slice(&self.blp.to_be_bytes());
    }
}

/// Iterator over the sequence numbers one [`NackPair`] names.
#[derive(Debug, Clone)]
pub struct NackLost {
    pid: SeqNum,
    mask: u32,
}

impl Iterator for NackLost {
    type Item = SeqNum;
    #[inline]
    fn next(&mut self) -> Option<SeqNum> {
        if self.mask == 0 {
            return None;
        }
        let i = self.mask.trailing_zeros();
        self.mask &= self.mask - 1;
        Some(self.pid.add(i as u16))
    }
}

/// Generic NACK (RFC 4585 §6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nack<'a> {
    /// SSRC of the feedback sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source.
    pub media_ssrc: u32,
    /// NACK entries.
    pub pairs: Items<'a, NackPair>,
}

impl Nack<'_> {
    /// Every lost sequence number named, in wire order.
    #[inline]
    pub fn lost(&self) -> impl Iterator<Item = SeqNum> + '_ {
        self.pairs.iter().flat_map(|p| p.lost())
    }
}

/// Picture loss indication (RFC 4585 §6.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pli {
    /// SSRC of the feedback sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source.
    pub media_ssrc: u32,
}

/// A FIR entry (RFC 5104 §4.3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FirEntry {
    /// SSRC of the media sender asked for a decoder refresh.
    pub ssrc: u32,
    /// Command sequence number (8 bits).
    pub seq: u8,
}

impl WireItem for FirEntry {
    const LEN: usize = 8;
    #[inline]
    fn read(b: &[u8]) -> Self {
        Self {
            ssrc: be32(b, 0),
            seq: b[4],
        }
    }
    #[inline]
    fn write(&self, b: &mut [u8]) {
        b[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        b[4] = self.seq;
        b[5..8].fill(0);
    }
}

/// Full intra request (RFC 5104 §4.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fir<'a> {
    /// SSRC of the feedback sender.
    pub sender_ssrc: u32,
    /// Media SSRC field (RFC 5104: SHALL be 0; kept as sent).
    pub media_ssrc: u32,
    /// Requests.
    pub entries: Items<'a, FirEntry>,
}

/// Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb-03 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remb<'a> {
    /// SSRC of the feedback sender.
    pub sender_ssrc: u32,
    /// Media SSRC field (always 0 per the draft; kept as sent).
    pub media_ssrc: u32,
    /// Estimated bitrate in bits per second (mantissa << exponent).
    pub bitrate: u64,
    /// The SSRCs the estimate applies to.
    pub ssrcs: Items<'a, u32>,
}

impl<'a> Remb<'a> {
    #[inline]
    fn parse(sender_ssrc: u32, media_ssrc: u32, fci: &'a [u8]) -> Result<Self, RtcpError> {
        if fci.len() < 8 {
            return Err(RtcpError::BadRemb);
        }
        let n = usize::from(fci[4]);
        if fci.len() != 8 + 4 * n {
            return Err(RtcpError::BadRemb);
        }
        let exp = u32::from(fci[5] >> 2);
        let mantissa = u64::from(be32(fci, 4) & 0x3_ffff);
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            bitrate: mantissa.checked_shl(exp).unwrap_or(u64::MAX),
            ssrcs: Items::new(&fci[8..]),
        })
    }

    /// The 6-bit exponent and 18-bit mantissa nearest below `bitrate`.
    #[inline]
    pub fn encode_bitrate(bitrate: u64) -> (u8, u32) {
        let mut exp = 0u8;
        let mut m = bitrate;
        while m > 0x3_ffff && exp < 63 {
            m >>= 1;
            exp += 1;
        }
        (exp, m.min(0x3_ffff) as u32)
    }
}

/// Any other feedback message, FCI undecoded (RFC 4585 §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feedback<'a> {
    /// RTPFB or PSFB.
    pub packet_type: PacketType,
    /// Feedback message type.
    pub fmt: u8,
    /// SSRC of the feedback sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source.
    pub media_ssrc: u32,
    /// Feedback control information.
    pub fci: &'a [u8],
}
