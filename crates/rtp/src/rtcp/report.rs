//! Sender and receiver reports (RFC 3550 §6.4).

use core::time::Duration;

use super::items::{Items, WireItem};
use super::{Header, be32};
use crate::error::RtcpError;

/// A 64-bit NTP timestamp (RFC 3550 §4): seconds since 1900 in the high 32 bits, fraction in
/// the low 32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NtpTime(pub u64);

impl NtpTime {
    /// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
    pub const UNIX_OFFSET_SECS: u64 = 2_208_988_800;

    /// From a duration since the NTP epoch.
    #[inline]
    pub fn from_duration(d: Duration) -> Self {
        let secs = d.as_secs() & 0xffff_ffff;
        let frac = (u64::from(d.subsec_nanos()) << 32) / 1_000_000_000;
        Self((secs << 32) | frac)
    }

    /// As a duration since the NTP epoch.
    #[inline]
    pub fn to_duration(self) -> Duration {
        let secs = self.0 >> 32;
        let nanos = ((self.0 & 0xffff_ffff) * 1_000_000_000) >> 32;
        Duration::new(secs, nanos as u32)
    }

    /// The middle 32 bits, the compact form used by LSR and DLSR (RFC 3550 §6.4.1).
    #[inline]
    pub fn compact(self) -> u32 {
        (self.0 >> 16) as u32
    }
}

/// Converts a duration to the 1/65536-second units of DLSR (RFC 3550 §6.4.1), saturating.
#[inline]
pub fn duration_to_compact(d: Duration) -> u32 {
    let v = (d.as_secs() << 16) + ((u64::from(d.subsec_nanos()) << 16) / 1_000_000_000);
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Converts 1/65536-second units back to a duration.
#[inline]
pub fn compact_to_duration(v: u32) -> Duration {
    Duration::from_nanos((u64::from(v) * 1_000_000_000) >> 16)
}

/// A reception report block (RFC 3550 §6.4.1), 24 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// SSRC of the source reported on.
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative number of packets lost, 24-bit signed (duplicates make it negative).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub extended_highest_seq: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// Last SR timestamp: middle 32 bits of its NTP time, 0 if none.
    pub lsr: u32,
    /// Delay since last SR, 1/65536 s.
    pub dlsr: u32,
}

impl ReportBlock {
    /// Largest cumulative loss the 24-bit field holds.
    pub const MAX_LOST: i32 = 0x7f_ffff;
    /// Smallest cumulative loss the 24-bit field holds.
    pub const MIN_LOST: i32 = -0x80_0000;

    /// Round-trip time (RFC 3550 §6.4.1): `arrival - LSR - DLSR`, where `arrival` is the
    /// compact NTP time this block arrived. `None` when the peer has no SR yet (LSR 0) or the
    /// result would be negative (clock trouble).
    #[inline]
    pub fn rtt(&self, arrival: u32) -> Option<Duration> {
        if self.lsr == 0 {
            return None;
        }
        let rtt = arrival.wrapping_sub(self.lsr).wrapping_sub(self.dlsr);
        // A "negative" result wraps to a huge value; treat anything over half the space as bad.
        (rtt < 0x8000_0000).then(|| compact_to_duration(rtt))
    }
}

impl WireItem for ReportBlock {
    const LEN: usize = 24;
    #[inline]
    fn read(b: &[u8]) -> Self {
        let lost = be32(b, 4);
        // Sign-extend the 24-bit count.
        let cumulative_lost = ((lost << 8) as i32) >> 8;
        Self {
            ssrc: be32(b, 0),
            fraction_lost: b[4],
            cumulative_lost,
            extended_highest_seq: be32(b, 8),
            jitter: be32(b, 12),
            lsr: be32(b, 16),
            dlsr: be32(b, 20),
        }
    }
    #[inline]
    fn write(&self, b: &mut [u8]) {
        let lost = self.cumulative_lost.clamp(Self::MIN_LOST, Self::MAX_LOST) as u32 & 0x00ff_ffff;
        b[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        b[4..8].copy_from_slice(&(u32::from(self.fraction_lost) << 24 | lost).to_be_bytes());
        b[8..12].copy_from_slice(&self.extended_highest_seq.to_be_bytes());
        b[12..16].copy_from_slice(&self.jitter.to_be_bytes());
        b[16..20].copy_from_slice(&self.lsr.to_be_bytes());
        b[20..24].copy_from_slice(&self.dlsr.to_be_bytes());
    }
}

/// The sender information of an SR (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SenderInfo {
    /// SSRC of the sender.
    pub ssrc: u32,
    /// NTP timestamp of this report.
    pub ntp: NtpTime,
    /// RTP timestamp corresponding to `ntp`.
    pub rtp_timestamp: u32,
    /// Packets sent.
    pub packet_count: u32,
    /// Payload octets sent.
    pub octet_count: u32,
}

/// A sender report (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderReport<'a> {
    /// Sender information.
    pub info: SenderInfo,
    /// Reception report blocks.
    pub reports: Items<'a, ReportBlock>,
    /// Profile-specific extension (RFC 3550 §6.4.1), usually empty.
    pub extension: &'a [u8],
}

impl<'a> SenderReport<'a> {
    #[inline]
    pub(crate) fn parse(h: Header, body: &'a [u8]) -> Result<Self, RtcpError> {
        let blocks = 24 * usize::from(h.count);
        if body.len() < 24 + blocks {
            return Err(RtcpError::BadLength);
        }
        let info = SenderInfo {
            ssrc: be32(body, 0),
            ntp: NtpTime((u64::from(be32(body, 4)) << 32) | u64::from(be32(body, 8))),
            rtp_timestamp: be32(body, 12),
            packet_count: be32(body, 16),
            octet_count: be32(body, 20),
        };
        Ok(Self {
            info,
            reports: Items::new(&body[24..24 + blocks]),
            extension: &body[24 + blocks..],
        })
    }
}

/// A receiver report (RFC 3550 §6.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceiverReport<'a> {
    /// SSRC of the report's sender.
    pub ssrc: u32,
    /// Reception report blocks.
    pub reports: Items<'a, ReportBlock>,
    /// Profile-specific extension, usually empty.
    pub extension: &'a [u8],
}

impl<'a> ReceiverReport<'a> {
    #[inline]
    pub(crate) fn parse(h: Header, body: &'a [u8]) -> Result<Self, RtcpError> {
        let blocks = 24 * usize::from(h.count);
        if body.len() < 4 + blocks {
            return Err(RtcpError::BadLength);
        }
        Ok(Self {
            ssrc: be32(body, 0),
            reports: Items::new(&body[4..4 + blocks]),
            extension: &body[4 + blocks..],
        })
    }
}
