//! VP8 (RFC 7741 §4): payload descriptor, partition-agnostic packetization.

use super::{Depacketizer, Packetizer, PayloadMeta};
use crate::error::DepacketizeError;

/// Packetizes one VP8 frame (RFC 7741 §4.1), with an optional 15-bit PictureID.
#[derive(Debug, Clone)]
pub struct Vp8Packetizer<'f> {
    frame: &'f [u8],
    pos: usize,
    picture_id: Option<u16>,
}

impl<'f> Vp8Packetizer<'f> {
    /// Packetizes `frame`; `picture_id` (15 bits) is written in every descriptor if given.
    pub fn new(frame: &'f [u8], picture_id: Option<u16>) -> Self {
        Self {
            frame,
            pos: 0,
            picture_id,
        }
    }

    fn descriptor_len(&self) -> usize {
        if self.picture_id.is_some() { 4 } else { 1 }
    }
}

impl Packetizer for Vp8Packetizer<'_> {
    fn next_payload(&mut self, out: &mut [u8]) -> Option<(usize, bool)> {
        let dl = self.descriptor_len();
        if self.pos >= self.frame.len() && !(self.pos == 0 && self.frame.is_empty()) {
            return None;
        }
        if out.len() <= dl {
            return None;
        }
        let first = self.pos == 0;
        let take = (out.len() - dl).min(self.frame.len() - self.pos);
        out[0] = if first { 0x10 } else { 0 }; // S bit, PID 0
        if let Some(pid) = self.picture_id {
            out[0] |= 0x80; // X
            out[1] = 0x80; // I
            out[2..4].copy_from_slice(&(0x8000 | (pid & 0x7fff)).to_be_bytes());
        }
        out[dl..dl + take].copy_from_slice(&self.frame[self.pos..self.pos + take]);
        self.pos += take;
        if self.frame.is_empty() {
            self.pos = 1;
        }
        Some((dl + take, self.pos >= self.frame.len()))
    }
}

/// Depacketizes VP8 (RFC 7741 §4.2, §4.3).
#[derive(Debug, Clone, Copy, Default)]
pub struct Vp8Depacketizer;

/// Length of the payload descriptor at the start of `p`.
fn descriptor_len(p: &[u8]) -> Result<usize, DepacketizeError> {
    let b0 = *p.first().ok_or(DepacketizeError::TooShort)?;
    let mut n = 1;
    if b0 & 0x80 != 0 {
        let x = *p.get(1).ok_or(DepacketizeError::TooShort)?;
        n = 2;
        if x & 0x80 != 0 {
            let pid = *p.get(n).ok_or(DepacketizeError::TooShort)?;
            n += if pid & 0x80 != 0 { 2 } else { 1 };
        }
        if x & 0x40 != 0 {
            n += 1; // TL0PICIDX
        }
        if x & 0x30 != 0 {
            n += 1; // TID/Y/KEYIDX
        }
    }
    if n > p.len() {
        return Err(DepacketizeError::TooShort);
    }
    Ok(n)
}

impl Depacketizer for Vp8Depacketizer {
    fn inspect(&self, payload: &[u8]) -> Result<PayloadMeta, DepacketizeError> {
        let n = descriptor_len(payload)?;
        let start = payload[0] & 0x10 != 0 && payload[0] & 0x07 == 0;
        // RFC 7741 §4.3: P bit of the VP8 payload header, 0 for key frames.
        let keyframe = start && payload.get(n).is_some_and(|h| h & 0x01 == 0);
        Ok(PayloadMeta {
            frame_start: start,
            start_certain: start,
            frame_end: false,
            keyframe,
        })
    }

    fn append(&self, payload: &[u8], frame: &mut Vec<u8>) -> Result<(), DepacketizeError> {
        let n = descriptor_len(payload)?;
        frame.extend_from_slice(&payload[n..]);
        Ok(())
    }
}
