//! Building compound RTCP packets in place.

use super::PacketType;
use super::ccfb::MetricBlock;
use super::feedback::{
    FMT_AFB, FMT_CCFB, FMT_FIR, FMT_NACK, FMT_PLI, FMT_TWCC, FirEntry, NackPair, Remb,
};
use super::items::WireItem;
use super::report::{NtpTime, ReportBlock, SenderInfo};
use super::sdes::SdesItem;
use super::twcc::{PacketStatus, StatusChunk, encode_chunks};
use super::xr::{DlrrItem, XrBlockType};
use crate::error::BuildError;
use crate::serial::SeqNum;

/// An SDES chunk to write.
#[derive(Debug, Clone, Copy)]
pub struct SdesChunkRef<'x> {
    /// SSRC/CSRC.
    pub ssrc: u32,
    /// Items (values up to 255 bytes).
    pub items: &'x [SdesItem<'x>],
}

/// An RFC 8888 report block to write.
#[derive(Debug, Clone, Copy)]
pub struct CcfbBlockRef<'x> {
    /// SSRC of the RTP stream.
    pub media_ssrc: u32,
    /// Sequence number of the first metric.
    pub begin_seq: SeqNum,
    /// Metrics (at most 16384).
    pub metrics: &'x [MetricBlock],
}

/// Collects packet statuses for one transport-wide CC feedback message.
#[derive(Debug, Clone)]
pub struct TwccBuilder {
    /// First transport-wide sequence number.
    pub base_seq: SeqNum,
    /// Reference time, 24 bits, 64 ms units.
    pub reference_time: u32,
    /// Feedback packet count.
    pub fb_count: u8,
    statuses: Vec<PacketStatus>,
    deltas: Vec<i16>,
}

impl TwccBuilder {
    /// Most packets one message may report (16-bit status count).
    pub const MAX_PACKETS: usize = u16::MAX as usize;

    /// An empty message.
    #[inline]
    pub fn new(base_seq: SeqNum, reference_time: u32, fb_count: u8) -> Self {
        Self {
            base_seq,
            reference_time: reference_time & 0xff_ffff,
            fb_count,
            statuses: Vec::new(),
            deltas: Vec::new(),
        }
    }

    /// Adds the next packet: `None` if not received, else its receive delta in 250 µs ticks.
    #[inline]
    pub fn push(&mut self, delta: Option<i32>) -> Result<(), BuildError> {
        if self.statuses.len() >= Self::MAX_PACKETS {
            return Err(BuildError::TooMany);
        }
        let s = PacketStatus::for_delta(delta).ok_or(BuildError::OutOfRange)?;
        self.statuses.push(s);
        if let Some(d) = delta {
            self.deltas.push(d as i16);
        }
        Ok(())
    }

    /// Packets added so far.
    #[inline]
    pub fn len(&self) -> usize {
        self.statuses.len()
    }

    /// Whether no packet was added.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.statuses.is_empty()
    }

    #[inline]
    fn fci_len(&self) -> usize {
        let mut chunks = 0;
        encode_chunks(&self.statuses, |_| chunks += 1);
        let deltas: usize = self
            .statuses
            .iter()
            .map(|s| match s {
                PacketStatus::NotReceived => 0,
                PacketStatus::SmallDelta => 1,
                PacketStatus::LargeDelta => 2,
            })
            .sum();
        (8 + 2 * chunks + deltas + 3) & !3
    }

    #[inline]
    fn write_fci(&self, out: &mut [u8]) {
        out[0..2].copy_from_slice(&self.base_seq.0.to_be_bytes());
        out[2..4].copy_from_slice(&(self.statuses.len() as u16).to_be_bytes());
        out[4..8].copy_from_slice(
            &((self.reference_time << 8) | u32::from(self.fb_count)).to_be_bytes(),
        );
        let mut off = 8;
        encode_chunks(&self.statuses, |c: StatusChunk| {
            out[off..off + 2].copy_from_slice(&c.raw().to_be_bytes());
            off += 2;
        });
        for (s, d) in self
            .statuses
            .iter()
            .filter(|s| **s != PacketStatus::NotReceived)
            .zip(&self.deltas)
        {
            if *s == PacketStatus::SmallDelta {
                out[off] = *d as u8;
                off += 1;
            } else {
                out[off..off + 2].copy_from_slice(&d.to_be_bytes());
                off += 2;
            }
        }
        out[off..].fill(0);
    }
}

/// Writes a compound RTCP packet into a borrowed buffer, one packet per call. Order is the
/// caller's: RFC 3550 §6.1 wants SR/RR first, then SDES with CNAME, unless reduced-size
/// RTCP (RFC 5506) was negotiated.
///
/// ```
/// use strata_rtp::rtcp::{Compound, RtcpPacket, RtcpWriter, Validation};
/// let mut buf = [0u8; 1200];
/// let mut w = RtcpWriter::new(&mut buf);
/// w.receiver_report(1, &[], &[])?;
/// w.pli(1, 2)?;
/// let n = w.finish();
/// let c = Compound::parse_strict(&buf[..n], Validation::Compound).unwrap();
/// assert!(matches!(c.iter().nth(1), Some(Ok(RtcpPacket::Pli(_)))));
/// # Ok::<(), strata_rtp::BuildError>(())
/// ```
#[derive(Debug)]
pub struct RtcpWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
    last: Option<usize>,
}

impl<'b> RtcpWriter<'b> {
    /// Starts writing at the beginning of `buf`.
    #[inline]
    pub fn new(buf: &'b mut [u8]) -> Self {
        Self {
            buf,
            len: 0,
            last: None,
        }
    }

    /// Bytes written so far.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes a header for a body of `body_len` bytes (a multiple of 4) and returns the body.
    #[inline]
    fn packet(
        &mut self,
        pt: PacketType,
        count: u8,
        body_len: usize,
    ) -> Result<&mut [u8], BuildError> {
        debug_assert!(
            body_len.is_multiple_of(4),
            "invariant: RTCP bodies are whole words"
        );
        if count > 31 {
            return Err(BuildError::TooMany);
        }
        let total = 4 + body_len;
        let words = u16::try_from(total / 4 - 1).map_err(|_| BuildError::OutOfRange)?;
        if self.buf.len() < self.len + total {
            return Err(BuildError::BufferTooSmall);
        }
        let at = self.len;
        self.buf[at] = 0x80 | count;
        self.buf[at + 1] = pt.0;
        self.buf[at + 2..at + 4].copy_from_slice(&words.to_be_bytes());
        self.last = Some(at);
        self.len += total;
        Ok(&mut self.buf[at + 4..at + total])
    }

    #[inline]
    fn put_items<T: WireItem>(out: &mut [u8], items: &[T]) {
        for (c, it) in out.chunks_exact_mut(T::LEN).zip(items) {
            it.write(c);
        }
    }

    /// Sender report (RFC 3550 §6.4.1); `ext` is a profile-specific extension (whole words).
    #[inline]
    pub fn sender_report(
        &mut self,
        info: &SenderInfo,
        reports: &[ReportBlock],
        ext: &[u8],
    ) -> Result<(), BuildError> {
        if !ext.len().is_multiple_of(4) {
            return Err(BuildError::OutOfRange);
        }
        let count = u8::try_from(reports.len()).map_err(|_| BuildError::TooMany)?;
        let b = self.packet(PacketType::SR, count, 24 + 24 * reports.len() + ext.len())?;
        b[0..4].copy_from_slice(&info.ssrc.to_be_bytes());
        b[4..12].copy_from_slice(&info.ntp.0.to_be_bytes());
        b[12..16].copy_from_slice(&info.rtp_timestamp.to_be_bytes());
        b[16..20].copy_from_slice(&info.packet_count.to_be_bytes());
        b[20..24].copy_from_slice(&info.octet_count.to_be_bytes());
        let n = 24 + 24 * reports.len();
        Self::put_items(&mut b[24..n], reports);
        b[n..].copy_from_slice(ext);
        Ok(())
    }

    /// Receiver report (RFC 3550 §6.4.2).
    #[inline]
    pub fn receiver_report(
        &mut self,
        ssrc: u32,
        reports: &[ReportBlock],
        ext: &[u8],
    ) -> Result<(), BuildError> {
        if !ext.len().is_multiple_of(4) {
            return Err(BuildError::OutOfRange);
        }
        let count = u8::try_from(reports.len()).map_err(|_| BuildError::TooMany)?;
        let b = self.packet(PacketType::RR, count, 4 + 24 * reports.len() + ext.len())?;
        b[0..4].copy_from_slice(&ssrc.to_be_bytes());
        let n = 4 + 24 * reports.len();
        Self::put_items(&mut b[4..n], reports);
        b[n..].copy_from_slice(ext);
        Ok(())
    }

    /// Source description (RFC 3550 §6.5).
    #[inline]
    pub fn sdes(&mut self, chunks: &[SdesChunkRef<'_>]) -> Result<(), BuildError> {
        let count = u8::try_from(chunks.len()).map_err(|_| BuildError::TooMany)?;
        let mut len = 0;
        for c in chunks {
            let mut n = 4;
            for it in c.items {
                if it.value.len() > 255 || it.kind.0 == 0 {
                    return Err(BuildError::OutOfRange);
                }
                n += 2 + it.value.len();
            }
            len += (n + 4) & !3;
        }
        let b = self.packet(PacketType::SDES, count, len)?;
        let mut off = 0;
        for c in chunks {
            b[off..off + 4].copy_from_slice(&c.ssrc.to_be_bytes());
            let start = off;
            off += 4;
            for it in c.items {
                b[off] = it.kind.0;
                b[off + 1] = it.value.len() as u8;
                b[off + 2..off + 2 + it.value.len()].copy_from_slice(it.value);
                off += 2 + it.value.len();
            }
            let end = start + ((off - start + 4) & !3);
            b[off..end].fill(0);
            off = end;
        }
        Ok(())
    }

    /// Goodbye (RFC 3550 §6.6).
    #[inline]
    pub fn bye(&mut self, sources: &[u32], reason: Option<&[u8]>) -> Result<(), BuildError> {
        let count = u8::try_from(sources.len()).map_err(|_| BuildError::TooMany)?;
        let rlen = match reason {
            Some(r) if r.len() > 255 => return Err(BuildError::OutOfRange),
            Some(r) => (1 + r.len() + 3) & !3,
            None => 0,
        };
        let b = self.packet(PacketType::BYE, count, 4 * sources.len() + rlen)?;
        let n = 4 * sources.len();
        Self::put_items(&mut b[..n], sources);
        if let Some(r) = reason {
            b[n] = r.len() as u8;
            b[n + 1..n + 1 + r.len()].copy_from_slice(r);
            b[n + 1 + r.len()..].fill(0);
        }
        Ok(())
    }

    /// Application-defined packet (RFC 3550 §6.7); `data` in whole words.
    #[inline]
    pub fn app(
        &mut self,
        subtype: u8,
        ssrc: u32,
        name: [u8; 4],
        data: &[u8],
    ) -> Result<(), BuildError> {
        if !data.len().is_multiple_of(4) || subtype > 31 {
            return Err(BuildError::OutOfRange);
        }
        let b = self.packet(PacketType::APP, subtype, 8 + data.len())?;
        b[0..4].copy_from_slice(&ssrc.to_be_bytes());
        b[4..8].copy_from_slice(&name);
        b[8..].copy_from_slice(data);
        Ok(())
    }

    /// Extended report (RFC 3611) with an optional RRTR block and an optional DLRR block.
    #[inline]
    pub fn xr(
        &mut self,
        ssrc: u32,
        rrtr: Option<NtpTime>,
        dlrr: &[DlrrItem],
    ) -> Result<(), BuildError> {
        let rlen = if rrtr.is_some() { 12 } else { 0 };
        let dlen = if dlrr.is_empty() {
            0
        } else {
            4 + 12 * dlrr.len()
        };
        let dwords = u16::try_from(3 * dlrr.len()).map_err(|_| BuildError::TooMany)?;
        let b = self.packet(PacketType::XR, 0, 4 + rlen + dlen)?;
        b[0..4].copy_from_slice(&ssrc.to_be_bytes());
        let mut off = 4;
        if let Some(t) = rrtr {
            b[off] = XrBlockType::RRTR.0;
            b[off + 1] = 0;
            b[off + 2..off + 4].copy_from_slice(&2u16.to_be_bytes());
            b[off + 4..off + 12].copy_from_slice(&t.0.to_be_bytes());
            off += 12;
        }
        if !dlrr.is_empty() {
            b[off] = XrBlockType::DLRR.0;
            b[off + 1] = 0;
            b[off + 2..off + 4].copy_from_slice(&dwords.to_be_bytes());
            Self::put_items(&mut b[off + 4..], dlrr);
        }
        Ok(())
    }

    /// Any feedback message (RFC 4585 §6.1) with a raw FCI in whole words.
    #[inline]
    pub fn feedback(
        &mut self,
        pt: PacketType,
        fmt: u8,
        sender_ssrc: u32,
        media_ssrc: u32,
        fci: &[u8],
    ) -> Result<(), BuildError> {
        if !fci.len().is_multiple_of(4) {
            return Err(BuildError::OutOfRange);
        }
        let b = self.packet(pt, fmt, 8 + fci.len())?;
        b[0..4].copy_from_slice(&sender_ssrc.to_be_bytes());
        b[4..8].copy_from_slice(&media_ssrc.to_be_bytes());
        b[8..].copy_from_slice(fci);
        Ok(())
    }

    #[inline]
    fn fb_with(
        &mut self,
        pt: PacketType,
        fmt: u8,
        sender: u32,
        media: u32,
        fci_len: usize,
    ) -> Result<&mut [u8], BuildError> {
        let b = self.packet(pt, fmt, 8 + fci_len)?;
        b[0..4].copy_from_slice(&sender.to_be_bytes());
        b[4..8].copy_from_slice(&media.to_be_bytes());
        Ok(&mut b[8..])
    }

    /// Generic NACK (RFC 4585 §6.2.1); at least one pair.
    #[inline]
    pub fn nack(
        &mut self,
        sender_ssrc: u32,
        media_ssrc: u32,
        pairs: &[NackPair],
    ) -> Result<(), BuildError> {
        if pairs.is_empty() {
            return Err(BuildError::OutOfRange);
        }
        let f = self.fb_with(
            PacketType::RTPFB,
            FMT_NACK,
            sender_ssrc,
            media_ssrc,
            4 * pairs.len(),
        )?;
        Self::put_items(f, pairs);
        Ok(())
    }

    /// Picture loss indication (RFC 4585 §6.3.1).
    #[inline]
    pub fn pli(&mut self, sender_ssrc: u32, media_ssrc: u32) -> Result<(), BuildError> {
        self.fb_with(PacketType::PSFB, FMT_PLI, sender_ssrc, media_ssrc, 0)?;
        Ok(())
    }

    /// Full intra request (RFC 5104 §4.3.1); media SSRC is 0; at least one entry.
    #[inline]
    pub fn fir(&mut self, sender_ssrc: u32, entries: &[FirEntry]) -> Result<(), BuildError> {
        if entries.is_empty() {
            return Err(BuildError::OutOfRange);
        }
        let f = self.fb_with(PacketType::PSFB, FMT_FIR, sender_ssrc, 0, 8 * entries.len())?;
        Self::put_items(f, entries);
        Ok(())
    }

    /// REMB (draft-alvestrand-rmcat-remb-03 §2.2); the bitrate is rounded down to 18 bits of
    /// mantissa.
    #[inline]
    pub fn remb(
        &mut self,
        sender_ssrc: u32,
        bitrate: u64,
        ssrcs: &[u32],
    ) -> Result<(), BuildError> {
        let n = u8::try_from(ssrcs.len()).map_err(|_| BuildError::TooMany)?;
        let (exp, m) = Remb::encode_bitrate(bitrate);
        let f = self.fb_with(
            PacketType::PSFB,
            FMT_AFB,
            sender_ssrc,
            0,
            8 + 4 * ssrcs.len(),
        )?;
        f[0..4].copy_from_slice(b"REMB");
        f[4] = n;
        f[5] = (exp << 2) | ((m >> 16) as u8 & 3);
        f[6..8].copy_from_slice(&(m as u16).to_be_bytes());
        Self::put_items(&mut f[8..], ssrcs);
        Ok(())
    }

    /// Transport-wide CC feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
    #[inline]
    pub fn transport_cc(
        &mut self,
        sender_ssrc: u32,
        media_ssrc: u32,
        t: &TwccBuilder,
    ) -> Result<(), BuildError> {
        let f = self.fb_with(
            PacketType::RTPFB,
            FMT_TWCC,
            sender_ssrc,
            media_ssrc,
            t.fci_len(),
        )?;
        t.write_fci(f);
        Ok(())
    }

    /// RFC 8888 congestion control feedback.
    #[inline]
    pub fn ccfb(
        &mut self,
        sender_ssrc: u32,
        blocks: &[CcfbBlockRef<'_>],
        report_timestamp: u32,
    ) -> Result<(), BuildError> {
        let mut len = 8;
        for b in blocks {
            if b.metrics.len() > usize::from(super::ccfb::MAX_REPORTS) {
                return Err(BuildError::TooMany);
            }
            len += 8 + ((2 * b.metrics.len() + 3) & !3);
        }
        let out = self.packet(PacketType::RTPFB, FMT_CCFB, len)?;
        out[0..4].copy_from_slice(&sender_ssrc.to_be_bytes());
        let mut off = 4;
        for b in blocks {
            out[off..off + 4].copy_from_slice(&b.media_ssrc.to_be_bytes());
            out[off + 4..off + 6].copy_from_slice(&b.begin_seq.0.to_be_bytes());
            out[off + 6..off + 8].copy_from_slice(&(b.metrics.len() as u16).to_be_bytes());
            let m = 2 * b.metrics.len();
            Self::put_items(&mut out[off + 8..off + 8 + m], b.metrics);
            let end = off + 8 + ((m + 3) & !3);
            out[off + 8 + m..end].fill(0);
            off = end;
        }
        out[off..off + 4].copy_from_slice(&report_timestamp.to_be_bytes());
        Ok(())
    }

    /// Copies an already-encoded packet (whole words).
    #[inline]
    pub fn raw(&mut self, packet: &[u8]) -> Result<(), BuildError> {
        if packet.len() < 4 || !packet.len().is_multiple_of(4) {
            return Err(BuildError::OutOfRange);
        }
        if self.buf.len() < self.len + packet.len() {
            return Err(BuildError::BufferTooSmall);
        }
        self.buf[self.len..self.len + packet.len()].copy_from_slice(packet);
        self.last = Some(self.len);
        self.len += packet.len();
        Ok(())
    }

    /// Finishes; returns the datagram length.
    #[inline]
    pub fn finish(self) -> usize {
        self.len
    }

    /// Finishes with `pad` bytes of padding on the last packet (RFC 3550 §6.4.1 P bit;
    /// `pad` a non-zero multiple of 4, e.g. for SRTCP block alignment).
    #[inline]
    pub fn finish_padded(mut self, pad: u8) -> Result<usize, BuildError> {
        let Some(at) = self.last else {
            return Err(BuildError::OutOfRange);
        };
        if pad == 0 || !pad.is_multiple_of(4) {
            return Err(BuildError::OutOfRange);
        }
        let end = self.len + usize::from(pad);
        if end > self.buf.len() {
            return Err(BuildError::BufferTooSmall);
        }
        self.buf[self.len..end].fill(0);
        self.buf[end - 1] = pad;
        let words = u16::from_be_bytes([self.buf[at + 2], self.buf[at + 3]]) + u16::from(pad) / 4;
        self.buf[at + 2..at + 4].copy_from_slice(&words.to_be_bytes());
        self.buf[at] |= 0x20;
        self.len = end;
        Ok(self.len)
    }
}
