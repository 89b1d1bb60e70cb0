//! Transport-wide congestion control feedback
//! (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): RTPFB, FMT 15.

use super::{be16, be32};
use crate::error::RtcpError;
use crate::serial::SeqNum;

/// Reception status of one packet (§3.1.1). `Reserved` (0b11) never passes validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketStatus {
    /// Not received.
    NotReceived,
    /// Received, delta in one unsigned byte.
    SmallDelta,
    /// Received, delta in two signed bytes (or negative).
    LargeDelta,
}

impl PacketStatus {
    #[inline]
    fn from_bits(b: u16) -> Option<Self> {
        match b {
            0 => Some(Self::NotReceived),
            1 => Some(Self::SmallDelta),
            2 => Some(Self::LargeDelta),
            _ => None,
        }
    }

    #[inline]
    fn bits(self) -> u16 {
        match self {
            Self::NotReceived => 0,
            Self::SmallDelta => 1,
            Self::LargeDelta => 2,
        }
    }

    #[inline]
    fn delta_len(self) -> usize {
        match self {
            Self::NotReceived => 0,
            Self::SmallDelta => 1,
            Self::LargeDelta => 2,
        }
    }

    /// The status a receive delta (in 250 µs ticks) needs; `None` when it does not fit 16 bits.
    #[inline]
    pub fn for_delta(delta: Option<i32>) -> Option<Self> {
        match delta {
            None => Some(Self::NotReceived),
            Some(d) if (0..=255).contains(&d) => Some(Self::SmallDelta),
            Some(d) if i16::try_from(d).is_ok() => Some(Self::LargeDelta),
            Some(_) => None,
        }
    }
}

/// A packet status chunk as sent (§3.1.3, §3.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChunk {
    /// Run-length chunk: `run` packets with the same status symbol (2 bits raw).
    RunLength {
        /// Raw 2-bit symbol.
        symbol: u8,
        /// Run length, 13 bits.
        run: u16,
    },
    /// Status vector of 14 one-bit symbols (MSB first).
    OneBit(u16),
    /// Status vector of 7 two-bit symbols (MSB first).
    TwoBit(u16),
}

impl StatusChunk {
    #[inline]
    fn from_raw(v: u16) -> Self {
        if v & 0x8000 == 0 {
            Self::RunLength {
                symbol: ((v >> 13) & 3) as u8,
                run: v & 0x1fff,
            }
        } else if v & 0x4000 == 0 {
            Self::OneBit(v & 0x3fff)
        } else {
            Self::TwoBit(v & 0x3fff)
        }
    }

    /// The 16-bit wire form.
    #[inline]
    pub fn raw(self) -> u16 {
        match self {
            Self::RunLength { symbol, run } => (u16::from(symbol & 3) << 13) | (run & 0x1fff),
            Self::OneBit(v) => 0x8000 | (v & 0x3fff),
            Self::TwoBit(v) => 0xc000 | (v & 0x3fff),
        }
    }

    /// Number of packets the chunk describes.
    #[inline]
    pub fn symbols(self) -> usize {
        match self {
            Self::RunLength { run, .. } => usize::from(run),
            Self::OneBit(_) => 14,
            Self::TwoBit(_) => 7,
        }
    }

    /// Raw symbol `i` (< `symbols()`).
    #[inline]
    pub fn symbol(self, i: usize) -> u16 {
        match self {
            Self::RunLength { symbol, .. } => u16::from(symbol),
            Self::OneBit(v) => (v >> (13 - i)) & 1,
            Self::TwoBit(v) => (v >> (12 - 2 * i)) & 3,
        }
    }
}

/// Transport-wide CC feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportCc<'a> {
    /// SSRC of the feedback sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source.
    pub media_ssrc: u32,
    /// Transport-wide sequence number of the first packet reported.
    pub base_seq: SeqNum,
    /// Number of packets reported.
    pub status_count: u16,
    /// Reference time, 24 bits, in 64 ms units.
    pub reference_time: u32,
    /// Feedback packet count (8 bits).
    pub fb_count: u8,
    chunks: &'a [u8],
    deltas: &'a [u8],
}

impl<'a> TransportCc<'a> {
    #[inline]
    pub(crate) fn parse(
        sender_ssrc: u32,
        media_ssrc: u32,
        fci: &'a [u8],
    ) -> Result<Self, RtcpError> {
        if fci.len() < 8 {
            return Err(RtcpError::BadTwcc);
        }
        let status_count = be16(fci, 2);
        let mut off = 8;
        let mut covered = 0usize;
        let mut delta_len = 0usize;
        let want = usize::from(status_count);
        while covered < want {
            if off + 2 > fci.len() {
                return Err(RtcpError::BadTwcc);
            }
            let c = StatusChunk::from_raw(be16(fci, off));
            off += 2;
            let take = c.symbols().min(want - covered);
            if let StatusChunk::RunLength { symbol, .. } = c {
                let s = PacketStatus::from_bits(u16::from(symbol)).ok_or(RtcpError::BadTwcc)?;
                delta_len += take * s.delta_len();
            } else {
                for i in 0..take {
                    let s = PacketStatus::from_bits(c.symbol(i)).ok_or(RtcpError::BadTwcc)?;
                    delta_len += s.delta_len();
                }
            }
            covered += take;
        }
        let chunks = &fci[8..off];
        let deltas = fci.get(off..off + delta_len).ok_or(RtcpError::BadTwcc)?;
        // Only zero padding to the 32-bit boundary may follow.
        if fci.len() - off - delta_len >= 4 {
            return Err(RtcpError::BadTwcc);
        }
        Ok(Self {
            sender_ssrc,
            media_ssrc,
            base_seq: SeqNum(be16(fci, 0)),
            status_count,
            reference_time: be32(fci, 4) >> 8,
            fb_count: fci[7],
            chunks,
            deltas,
        })
    }

    /// The status chunks as sent.
    #[inline]
    pub fn chunks(&self) -> impl Iterator<Item = StatusChunk> + 'a {
        self.chunks
            .chunks_exact(2)
            .map(|c| StatusChunk::from_raw(be16(c, 0)))
    }

    /// Reference time in microseconds.
    #[inline]
    pub fn reference_time_us(&self) -> i64 {
        i64::from(self.reference_time) * 64_000
    }

    /// Every reported packet with its status and receive delta, in order.
    #[inline]
    pub fn packets(&self) -> TwccPackets<'a> {
        TwccPackets {
            chunks: self.chunks,
            deltas: self.deltas,
            chunk_off: 0,
            in_chunk: 0,
            delta_off: 0,
            seq: self.base_seq,
            left: self.status_count,
        }
    }
}

/// One reported packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TwccPacket {
    /// Transport-wide sequence number.
    pub seq: SeqNum,
    /// Status.
    pub status: PacketStatus,
    /// Receive delta in 250 µs ticks, when received.
    pub delta: Option<i32>,
}

impl TwccPacket {
    /// Receive delta in microseconds.
    #[inline]
    pub fn delta_us(&self) -> Option<i64> {
        self.delta.map(|d| i64::from(d) * 250)
    }
}

/// Iterator over reported packets; allocation-free.
#[derive(Debug, Clone)]
pub struct TwccPackets<'a> {
    chunks: &'a [u8],
    deltas: &'a [u8],
    chunk_off: usize,
    in_chunk: usize,
    delta_off: usize,
    seq: SeqNum,
    left: u16,
}

impl Iterator for TwccPackets<'_> {
    type Item = TwccPacket;

    #[inline]
    fn next(&mut self) -> Option<TwccPacket> {
        if self.left == 0 {
            return None;
        }
        let mut c = StatusChunk::from_raw(be16(self.chunks.get(self.chunk_off..)?, 0));
        while self.in_chunk >= c.symbols() {
            self.chunk_off += 2;
            self.in_chunk = 0;
            c = StatusChunk::from_raw(be16(self.chunks.get(self.chunk_off..)?, 0));
        }
        let status = PacketStatus::from_bits(c.symbol(self.in_chunk))?;
        self.in_chunk += 1;
        let delta = match status {
            PacketStatus::NotReceived => None,
            PacketStatus::SmallDelta => {
                let d = *self.deltas.get(self.delta_off)?;
                self.delta_off += 1;
                Some(i32::from(d))
            }
            PacketStatus::LargeDelta => {
                let b = self.deltas.get(self.delta_off..self.delta_off + 2)?;
                self.delta_off += 2;
                Some(i32::from(i16::from_be_bytes([b[0], b[1]])))
            }
        };
        let p = TwccPacket {
            seq: self.seq,
            status,
            delta,
        };
        self.seq = self.seq.next();
        self.left -= 1;
        Some(p)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(usize::from(self.left)))
    }
}

/// Decodes a lone receive delta of 1 or 2 bytes into microseconds (§3.1.5).
#[inline]
pub fn decode_delta_us(b: &[u8]) -> Option<i64> {
    match b {
        [d] => Some(i64::from(*d) * 250),
        [a, b] => Some(i64::from(i16::from_be_bytes([*a, *b])) * 250),
        _ => None,
    }
}

/// Encodes statuses into chunks (greedy: run-length for runs of 7 or more, else one-bit
/// vectors, else two-bit vectors). Calls `out` with each chunk.
#[inline]
pub(crate) fn encode_chunks(statuses: &[PacketStatus], mut out: impl FnMut(StatusChunk)) {
    let mut i = 0;
    while i < statuses.len() {
        let s = statuses[i];
        let run = statuses[i..]
            .iter()
            .take(0x1fff)
            .take_while(|&&x| x == s)
            .count();
        if run >= 7 || i + run == statuses.len() {
            out(StatusChunk::RunLength {
                symbol: s.bits() as u8,
                run: run as u16,
            });
            i += run;
            continue;
        }
        let next14 = &statuses[i..(i + 14).min(statuses.len())];
        if next14.iter().all(|&x| x != PacketStatus::LargeDelta) {
            let mut v = 0u16;
            for (k, x) in next14.iter().enumerate() {
                v |= x.bits() << (13 - k);
            }
            out(StatusChunk::OneBit(v));
            i += next14.len();
        } else {
            let next7 = &statuses[i..(i + 7).min(statuses.len())];
            let mut v = 0u16;
            for (k, x) in next7.iter().enumerate() {
                v |= x.bits() << (12 - 2 * k);
            }
            out(StatusChunk::TwoBit(v));
            i += next7.len();
        }
    }
}
