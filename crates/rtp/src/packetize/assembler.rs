//! Frame reassembly across loss and reordering.

use super::{Depacketizer, PayloadMeta};
use crate::error::DepacketizeError;
use crate::rtp::RtpPacket;
use crate::serial::{RtpTimestamp, SeqNum, SeqUnwrapper};

/// Frame assembler bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssemblerConfig {
    /// Packets buffered at most; older ones are evicted beyond it.
    pub max_packets: usize,
    /// Largest frame assembled, in bytes; larger frames are dropped.
    pub max_frame_bytes: usize,
}

impl Default for AssemblerConfig {
    fn default() -> Self {
        Self {
            max_packets: 1024,
            max_frame_bytes: 4 << 20,
        }
    }
}

/// A reassembled frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// RTP timestamp of the frame.
    pub timestamp: RtpTimestamp,
    /// Whether it is a keyframe.
    pub keyframe: bool,
    /// First and last sequence numbers.
    pub seq_range: (SeqNum, SeqNum),
    /// Earlier frames were lost or skipped before this one.
    pub after_loss: bool,
    /// The codec bitstream.
    pub data: Vec<u8>,
}

/// Counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AssemblerStats {
    /// Frames emitted.
    pub frames: u64,
    /// Packets dropped: late, duplicate, evicted, skipped or malformed.
    pub dropped_packets: u64,
}

#[derive(Debug, Clone)]
struct Slot {
    ext: i64,
    ts: u32,
    marker: bool,
    meta: PayloadMeta,
    payload: Vec<u8>,
}

/// Collects RTP packets of one stream and hands out complete frames in order.
///
/// A frame is a run of consecutive sequence numbers with one timestamp, from a packet the
/// codec marks as a frame start to one with the RTP marker (video) or that ends a frame by
/// itself (audio). Frames come out in sequence order: a frame that follows a gap is held
/// until the gap is repaired (e.g. by RTX), unless it is a keyframe, which is decodable on
/// its own; the frames before it are then given up. Memory is bounded by
/// [`AssemblerConfig`].
#[derive(Debug, Clone)]
pub struct FrameAssembler<D> {
    depack: D,
    config: AssemblerConfig,
    slots: Vec<Option<Slot>>,
    unwrap: SeqUnwrapper,
    // Next sequence number expected to start a frame; None before the first frame.
    next: Option<i64>,
    lowest: Option<i64>,
    stats: AssemblerStats,
}

impl<D: Depacketizer> FrameAssembler<D> {
    /// An assembler using `depack` for the codec.
    pub fn new(depack: D, config: AssemblerConfig) -> Self {
        Self {
            depack,
            config,
            slots: vec![None; config.max_packets.max(1)],
            unwrap: SeqUnwrapper::new(),
            next: None,
            lowest: None,
            stats: AssemblerStats::default(),
        }
    }

    /// Counters.
    pub fn stats(&self) -> AssemblerStats {
        self.stats
    }

    fn idx(&self, ext: i64) -> usize {
        ext.rem_euclid(self.slots.len() as i64) as usize
    }

    fn get(&self, ext: i64) -> Option<&Slot> {
        self.slots[self.idx(ext)].as_ref().filter(|s| s.ext == ext)
    }

    fn take(&mut self, ext: i64) -> Option<Slot> {
        let i = self.idx(ext);
        if self.slots[i].as_ref().is_some_and(|s| s.ext == ext) {
            self.slots[i].take()
        } else {
            None
        }
    }

    /// Adds a received packet (original or repaired). Malformed payloads are dropped with an
    /// error; late and duplicate packets are dropped silently (counted).
    pub fn push(&mut self, packet: &RtpPacket<&[u8]>) -> Result<(), DepacketizeError> {
        let meta = match self.depack.inspect(packet.payload()) {
            Ok(m) => m,
            Err(e) => {
                self.stats.dropped_packets += 1;
                return Err(e);
            }
        };
        let ext = self.unwrap.unwrap(packet.sequence_number());
        let cap = self.slots.len() as i64;
        if self.next.is_some_and(|n| ext < n) || self.get(ext).is_some() {
            self.stats.dropped_packets += 1;
            return Ok(());
        }
        let newest = self.unwrap.last().unwrap_or(ext);
        if ext <= newest - cap {
            self.stats.dropped_packets += 1;
            return Ok(());
        }
        let i = self.idx(ext);
        if self.slots[i].take().is_some() {
            self.stats.dropped_packets += 1; // evicted: older than the window
        }
        self.slots[i] = Some(Slot {
            ext,
            ts: packet.timestamp().0,
            marker: packet.marker(),
            meta,
            payload: packet.payload().to_vec(),
        });
        self.lowest = Some(
            self.lowest
                .map_or(ext, |l| l.min(ext))
                .max(newest - cap + 1),
        );
        Ok(())
    }

    /// The end of a complete frame starting at `s`, if all its packets are here.
    fn complete_from(&self, s: i64) -> Option<i64> {
        let first = self.get(s)?;
        if !first.meta.frame_start {
            return None;
        }
        if self.next != Some(s) {
            match self.get(s - 1) {
                Some(prev) if prev.ts == first.ts && !prev.marker && !prev.meta.frame_end => {
                    return None;
                }
                Some(_) => {}
                None if !first.meta.start_certain => return None,
                None => {}
            }
        }
        let mut e = s;
        loop {
            let p = self.get(e)?;
            if p.ts != first.ts {
                return None;
            }
            if p.marker || p.meta.frame_end {
                return Some(e);
            }
            e += 1;
        }
    }

    /// Whether a complete frame is buffered but held back by a gap before it (and is not a
    /// keyframe): the receiver should NACK the gap or ask for a keyframe (PLI/FIR).
    /// O(buffered window).
    pub fn is_blocked(&self) -> bool {
        let (Some(newest), Some(lowest)) = (self.unwrap.last(), self.lowest) else {
            return false;
        };
        let from = self.next.map_or(lowest, |n| n.max(lowest));
        (from..=newest).any(|s| self.complete_from(s).is_some() && self.next != Some(s))
    }

    /// The next complete frame, if any.
    pub fn pop_frame(&mut self) -> Option<Frame> {
        // A frame that fails to depacketize is dropped and the search goes on.
        loop {
            match self.try_pop()? {
                Some(f) => return Some(f),
                None => continue,
            }
        }
    }

    /// Outer `None`: nothing ready. Inner `None`: a frame was dropped, look again.
    fn try_pop(&mut self) -> Option<Option<Frame>> {
        let newest = self.unwrap.last()?;
        let lowest = self.lowest?;
        let from = self.next.map_or(lowest, |n| n.max(lowest));
        for s in from..=newest {
            let Some(e) = self.complete_from(s) else {
                continue;
            };
            let keyframe = (s..=e).any(|x| self.get(x).is_some_and(|p| p.meta.keyframe));
            let contiguous = self.next == Some(s);
            if !contiguous && !keyframe {
                continue;
            }
            // Give up everything before this frame.
            for x in from..s {
                if self.take(x).is_some() {
                    self.stats.dropped_packets += 1;
                }
            }
            let mut data = Vec::new();
            let mut ok = true;
            let mut ts = 0;
            for x in s..=e {
                let p = self
                    .take(x)
                    .expect("invariant: complete frame packets are present");
                ts = p.ts;
                if self.depack.append(&p.payload, &mut data).is_err()
                    || data.len() > self.config.max_frame_bytes
                {
                    ok = false;
                }
            }
            if ok && self.depack.finish(&mut data).is_err() {
                ok = false;
            }
            self.next = Some(e + 1);
            self.lowest = Some(e + 1);
            if !ok {
                self.stats.dropped_packets += (e - s + 1) as u64;
                return Some(None);
            }
            self.stats.frames += 1;
            return Some(Some(Frame {
                timestamp: RtpTimestamp(ts),
                keyframe,
                seq_range: (SeqNum(s as u16), SeqNum(e as u16)),
                after_loss: !contiguous,
                data,
            }));
        }
        None
    }
}
