//! Extended reports (RFC 3611): RRTR (§4.4) and DLRR (§4.5); other blocks kept raw.

use core::fmt;

use super::items::{Items, WireItem};
use super::report::NtpTime;
use super::{be16, be32};
use crate::error::RtcpError;

/// XR block type (RFC 3611 §4). Open.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct XrBlockType(pub u8);

impl XrBlockType {
    /// Receiver reference time report (§4.4).
    pub const RRTR: Self = Self(4);
    /// DLRR report (§4.5).
    pub const DLRR: Self = Self(5);
}

impl fmt::Debug for XrBlockType {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "XrBlockType({})", self.0)
    }
}

/// A DLRR sub-block (RFC 3611 §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DlrrItem {
    /// SSRC of the receiver.
    pub ssrc: u32,
    /// Last RR: compact NTP time of the last RRTR from that receiver.
    pub lrr: u32,
    /// Delay since last RR, 1/65536 s.
    pub dlrr: u32,
}

impl DlrrItem {
    /// Round-trip time from a DLRR sub-block about our RRTR (RFC 3611 §4.5), given the
    /// compact NTP time the XR arrived; `None` without an RRTR (LRR 0) or if negative.
    #[inline]
    pub fn rtt(&self, arrival: u32) -> Option<core::time::Duration> {
        crate::rtcp::ReportBlock {
            lsr: self.lrr,
            dlsr: self.dlrr,
            ..Default::default()
        }
        .rtt(arrival)
    }
}

impl WireItem for DlrrItem {
    const LEN: usize = 12;
    #[inline]
    fn read(b: &[u8]) -> Self {
        Self {
            ssrc: be32(b, 0),
            lrr: be32(b, 4),
            dlrr: be32(b, 8),
        }
    }
    #[inline]
    fn write(&self, b: &mut [u8]) {
        b[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        b[4..8].copy_from_slice(&self.lrr.to_be_bytes());
        b[8..12].copy_from_slice(&self.dlrr.to_be_bytes());
    }
}

/// One XR report block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XrBlock<'a> {
    /// RRTR: the receiver's NTP time.
    Rrtr(NtpTime),
    /// DLRR sub-blocks.
    Dlrr(Items<'a, DlrrItem>),
    /// Another block type, undecoded.
    Other {
        /// Block type.
        block_type: XrBlockType,
        /// Type-specific byte.
        type_specific: u8,
        /// Contents.
        data: &'a [u8],
    },
}

/// An XR packet (RFC 3611 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Xr<'a> {
    /// SSRC of the packet sender.
    pub ssrc: u32,
    blocks: &'a [u8],
}

#[inline]
fn block_at(b: &[u8]) -> Result<(XrBlock<'_>, usize), RtcpError> {
    if b.len() < 4 {
        return Err(RtcpError::BadXr);
    }
    let len = 4 * usize::from(be16(b, 2));
    let data = b.get(4..4 + len).ok_or(RtcpError::BadXr)?;
    let block = match XrBlockType(b[0]) {
        XrBlockType::RRTR => {
            if len != 8 {
                return Err(RtcpError::BadXr);
            }
            XrBlock::Rrtr(NtpTime(
                (u64::from(be32(data, 0)) << 32) | u64::from(be32(data, 4)),
            ))
        }
        XrBlockType::DLRR => {
            if len % 12 != 0 {
                return Err(RtcpError::BadXr);
            }
            XrBlock::Dlrr(Items::new(data))
        }
        t => XrBlock::Other {
            block_type: t,
            type_specific: b[1],
            data,
        },
    };
    Ok((block, 4 + len))
}

impl<'a> Xr<'a> {
    #[inline]
    pub(crate) fn parse(body: &'a [u8]) -> Result<Self, RtcpError> {
        if body.len() < 4 {
            return Err(RtcpError::BadLength);
        }
        let blocks = &body[4..];
        let mut off = 0;
        while off < blocks.len() {
            off += block_at(&blocks[off..])?.1;
        }
        Ok(Self {
            ssrc: be32(body, 0),
            blocks,
        })
    }

    /// The report blocks.
    #[inline]
    pub fn blocks(&self) -> XrBlocks<'a> {
        XrBlocks { rest: self.blocks }
    }
}

/// Iterator over XR blocks.
#[derive(Debug, Clone)]
pub struct XrBlocks<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for XrBlocks<'a> {
    type Item = XrBlock<'a>;
    #[inline]
    fn next(&mut self) -> Option<XrBlock<'a>> {
        let (b, n) = block_at(self.rest).ok()?;
        self.rest = &self.rest[n..];
        Some(b)
    }
}
