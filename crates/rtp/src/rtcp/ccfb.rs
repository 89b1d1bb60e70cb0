//! RTP Control Protocol feedback for congestion control (RFC 8888 §3.1): RTPFB, FMT 11.

use core::fmt;

use super::items::{Items, WireItem};
use super::{be16, be32};
use crate::error::RtcpError;
use crate::serial::SeqNum;

/// RFC 8888 §3.1: at most 16384 reports per block.
pub const MAX_REPORTS: u16 = 16384;

/// ECN codepoint (RFC 3168 §5). Two bits; open.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ecn(pub u8);

impl Ecn {
    /// Not ECN-capable transport.
    pub const NOT_ECT: Self = Self(0);
    /// ECT(1).
    pub const ECT1: Self = Self(1);
    /// ECT(0).
    pub const ECT0: Self = Self(2);
    /// Congestion experienced.
    pub const CE: Self = Self(3);
}

impl fmt::Debug for Ecn {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ecn({})", self.0)
    }
}

/// One packet's metric (RFC 8888 §3.1): received flag, ECN, arrival time offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MetricBlock {
    /// R bit.
    pub received: bool,
    /// ECN codepoint seen.
    pub ecn: Ecn,
    /// Arrival time offset before the report timestamp, 1/1024 s, 13 bits (0x1FFF: unknown).
    pub ato: u16,
}

impl WireItem for MetricBlock {
    const LEN: usize = 2;
    #[inline]
    fn read(b: &[u8]) -> Self {
        let v = be16(b, 0);
        Self {
            received: v & 0x8000 != 0,
            ecn: Ecn(((v >> 13) & 3) as u8),
            ato: v & 0x1fff,
        }
    }
    #[inline]
    fn write(&self, b: &mut [u8]) {
        let v = (u16::from(self.received) << 15)
            | (u16::from(self.ecn.0 & 3) << 13)
            | (self.ato & 0x1fff);
        b[..2].copy_from_slice(&v.to_be_bytes());
    }
}

/// One per-SSRC report block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CcfbBlock<'a> {
    /// SSRC of the RTP stream reported on.
    pub media_ssrc: u32,
    /// Sequence number of the first metric.
    pub begin_seq: SeqNum,
    /// One metric per packet from `begin_seq`.
    pub metrics: Items<'a, MetricBlock>,
}

impl<'a> CcfbBlock<'a> {
    /// Reads one block at the start of `b`; returns it and its padded length.
    #[inline]
    pub fn parse(b: &'a [u8]) -> Result<(Self, usize), RtcpError> {
        if b.len() < 8 {
            return Err(RtcpError::BadCcfb);
        }
        let n = be16(b, 6);
        if n > MAX_REPORTS {
            return Err(RtcpError::BadCcfb);
        }
        let mlen = 2 * usize::from(n);
        let total = 8 + ((mlen + 3) & !3);
        if total > b.len() {
            return Err(RtcpError::BadCcfb);
        }
        Ok((
            Self {
                media_ssrc: be32(b, 0),
                begin_seq: SeqNum(be16(b, 4)),
                metrics: Items::new(&b[8..8 + mlen]),
            },
            total,
        ))
    }
}

/// RFC 8888 congestion control feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ccfb<'a> {
    /// SSRC of the feedback sender.
    pub sender_ssrc: u32,
    /// Report timestamp: middle 32 bits of the NTP time the report was made.
    pub report_timestamp: u32,
    blocks: &'a [u8],
}

impl<'a> Ccfb<'a> {
    #[inline]
    pub(crate) fn parse(body: &'a [u8]) -> Result<Self, RtcpError> {
        if body.len() < 8 {
            return Err(RtcpError::BadLength);
        }
        let blocks = &body[4..body.len() - 4];
        let mut off = 0;
        while off < blocks.len() {
            off += CcfbBlock::parse(&blocks[off..])?.1;
        }
        Ok(Self {
            sender_ssrc: be32(body, 0),
            report_timestamp: be32(body, body.len() - 4),
            blocks,
        })
    }

    /// The report blocks.
    #[inline]
    pub fn blocks(&self) -> CcfbBlocks<'a> {
        CcfbBlocks { rest: self.blocks }
    }
}

/// Iterator over RFC 8888 report blocks.
#[derive(Debug, Clone)]
pub struct CcfbBlocks<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for CcfbBlocks<'a> {
    type Item = CcfbBlock<'a>;
    #[inline]
    fn next(&mut self) -> Option<CcfbBlock<'a>> {
        let (b, n) = CcfbBlock::parse(self.rest).ok()?;
        self.rest = &self.rest[n..];
        Some(b)
    }
}
