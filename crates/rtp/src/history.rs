//! Send-side loss repair: a bounded packet history and RTX (RFC 4588) encapsulation.

use std::time::{Duration, Instant};

use crate::error::{BuildError, RtpError};
use crate::rtp::RtpPacket;
use crate::serial::{SeqNum, SeqUnwrapper};

/// Why a packet was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// Larger than the configured maximum packet size.
    #[error("packet larger than the history's slot size")]
    TooLarge,
    /// Not a valid RTP packet.
    #[error("not an RTP packet: {0}")]
    Rtp(#[from] RtpError),
}

#[derive(Debug, Clone)]
struct Slot {
    seq: Option<i64>,
    sent: Option<Instant>,
    data: Vec<u8>,
}

/// A ring of the last `capacity` sent packets, indexed by sequence number, kept at most
/// `max_age`. Memory is bounded by `capacity × max_packet_size`; slot buffers are reused, so
/// after warm-up storing allocates nothing.
#[derive(Debug, Clone)]
pub struct PacketHistory {
    slots: Vec<Slot>,
    max_packet_size: usize,
    max_age: Duration,
    unwrap: SeqUnwrapper,
}

impl PacketHistory {
    /// A history of `capacity` packets (at least 1) of at most `max_packet_size` bytes.
    pub fn new(capacity: usize, max_packet_size: usize, max_age: Duration) -> Self {
        let slots = vec![
            Slot {
                seq: None,
                sent: None,
                data: Vec::new(),
            };
            capacity.max(1)
        ];
        Self {
            slots,
            max_packet_size,
            max_age,
            unwrap: SeqUnwrapper::new(),
        }
    }

    fn index(&self, ext: i64) -> usize {
        ext.rem_euclid(self.slots.len() as i64) as usize
    }

    /// Stores a sent packet, replacing whatever was in its slot.
    pub fn insert(&mut self, packet: &[u8], now: Instant) -> Result<(), HistoryError> {
        if packet.len() > self.max_packet_size {
            return Err(HistoryError::TooLarge);
        }
        let p = RtpPacket::new_checked(packet)?;
        let ext = self.unwrap.unwrap(p.sequence_number());
        let i = self.index(ext);
        let slot = &mut self.slots[i];
        slot.seq = Some(ext);
        slot.sent = Some(now);
        slot.data.clear();
        slot.data.extend_from_slice(packet);
        Ok(())
    }

    /// The stored packet with sequence number `seq`, if still held and younger than `max_age`.
    pub fn get(&self, seq: SeqNum, now: Instant) -> Option<&[u8]> {
        let ext = self.unwrap.peek(seq);
        let slot = &self.slots[self.index(ext)];
        if slot.seq != Some(ext) {
            return None;
        }
        let sent = slot.sent?;
        if now.saturating_duration_since(sent) > self.max_age {
            return None;
        }
        Some(&slot.data)
    }
}

/// Builds the RTX packet for `original` (RFC 4588 §4): same header (CSRCs and extensions
/// included) with the RTX payload type, SSRC and sequence number; the payload is the original
/// sequence number (OSN) followed by the original payload; padding is dropped.
pub fn rtx_encapsulate(
    original: &RtpPacket<&[u8]>,
    rtx_pt: u8,
    rtx_ssrc: u32,
    rtx_seq: SeqNum,
    out: &mut [u8],
) -> Result<usize, BuildError> {
    let hl = original.header_len();
    let payload = original.payload();
    let n = hl + 2 + payload.len();
    if out.len() < n {
        return Err(BuildError::BufferTooSmall);
    }
    if rtx_pt > 127 {
        return Err(BuildError::OutOfRange);
    }
    out[..hl].copy_from_slice(&original.as_bytes()[..hl]);
    out[0] &= !0x20; // no padding
    out[1] = (out[1] & 0x80) | rtx_pt;
    out[2..4].copy_from_slice(&rtx_seq.0.to_be_bytes());
    out[8..12].copy_from_slice(&rtx_ssrc.to_be_bytes());
    out[hl..hl + 2].copy_from_slice(&original.sequence_number().0.to_be_bytes());
    out[hl + 2..n].copy_from_slice(payload);
    Ok(n)
}

/// Why an RTX packet could not be unwrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtxError {
    /// The payload is shorter than the 2-byte OSN (RFC 4588 §4); e.g. a padding-only probe.
    #[error("RTX payload has no original sequence number")]
    NoOsn,
    /// The output buffer is too small.
    #[error("output buffer too small")]
    BufferTooSmall,
}

/// Restores the original packet from an RTX packet (RFC 4588 §4): original payload type and
/// SSRC from the caller's mapping (`a=fmtp:<rtx> apt=`, `a=ssrc-group:FID`), sequence
/// number from the OSN. Padding is dropped. Returns the restored length.
pub fn rtx_decapsulate(
    rtx: &RtpPacket<&[u8]>,
    original_pt: u8,
    original_ssrc: u32,
    out: &mut [u8],
) -> Result<usize, RtxError> {
    let payload = rtx.payload();
    if payload.len() < 2 {
        return Err(RtxError::NoOsn);
    }
    let hl = rtx.header_len();
    let n = hl + payload.len() - 2;
    if out.len() < n {
        return Err(RtxError::BufferTooSmall);
    }
    out[..hl].copy_from_slice(&rtx.as_bytes()[..hl]);
    out[0] &= !0x20;
    out[1] = (out[1] & 0x80) | (original_pt & 0x7f);
    out[2..4].copy_from_slice(&payload[..2]);
    out[8..12].copy_from_slice(&original_ssrc.to_be_bytes());
    out[hl..n].copy_from_slice(&payload[2..]);
    Ok(n)
}

/// The sender side of one RTX stream: its payload type, SSRC and own sequence numbers
/// (RFC 4588 §4: RTX sequence numbers are independent of the original stream's).
#[derive(Debug, Clone)]
pub struct RtxSender {
    /// RTX payload type.
    pub payload_type: u8,
    /// RTX SSRC.
    pub ssrc: u32,
    next_seq: SeqNum,
}

impl RtxSender {
    /// Starts at `first_seq` (pick it at random, RFC 3550 §5.1).
    pub fn new(payload_type: u8, ssrc: u32, first_seq: SeqNum) -> Self {
        Self {
            payload_type,
            ssrc,
            next_seq: first_seq,
        }
    }

    /// Looks `seq` up in `history` and writes its RTX packet into `out`. `None` when the
    /// packet is no longer held (or `out` is too small).
    pub fn resend(
        &mut self,
        history: &PacketHistory,
        seq: SeqNum,
        now: Instant,
        out: &mut [u8],
    ) -> Option<usize> {
        let orig = history.get(seq, now)?;
        let p = RtpPacket::new_checked(orig).ok()?;
        let n = rtx_encapsulate(&p, self.payload_type, self.ssrc, self.next_seq, out).ok()?;
        self.next_seq = self.next_seq.next();
        Some(n)
    }
}
