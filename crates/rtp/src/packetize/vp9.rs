//! VP9 (RFC 9628 §4): payload descriptor in non-flexible and flexible mode, scalability
//! structure skipped. The packetizer writes non-flexible descriptors with a 15-bit
//! PictureID and no layer indices (one spatial layer).

use super::{Depacketizer, Packetizer, PayloadMeta};
use crate::error::DepacketizeError;

const I: u8 = 0x80;
const P: u8 = 0x40;
const L: u8 = 0x20;
const F: u8 = 0x10;
const B: u8 = 0x08;
const E: u8 = 0x04;
const V: u8 = 0x02;

/// Packetizes one VP9 frame (RFC 9628 §4.2, non-flexible mode).
#[derive(Debug, Clone)]
pub struct Vp9Packetizer<'f> {
    frame: &'f [u8],
    pos: usize,
    picture_id: u16,
    keyframe: bool,
    done: bool,
}

impl<'f> Vp9Packetizer<'f> {
    /// Packetizes `frame`; `keyframe` clears the P bit (not inter-picture predicted).
    pub fn new(frame: &'f [u8], picture_id: u16, keyframe: bool) -> Self {
        Self {
            frame,
            pos: 0,
            picture_id: picture_id & 0x7fff,
            keyframe,
            done: false,
        }
    }
}

impl Packetizer for Vp9Packetizer<'_> {
    fn next_payload(&mut self, out: &mut [u8]) -> Option<(usize, bool)> {
        const DL: usize = 3;
        if self.done || out.len() <= DL {
            return None;
        }
        let take = (out.len() - DL).min(self.frame.len() - self.pos);
        let first = self.pos == 0;
        let last = self.pos + take == self.frame.len();
        out[0] = I
            | if self.keyframe { 0 } else { P }
            | if first { B } else { 0 }
            | if last { E } else { 0 };
        out[1..3].copy_from_slice(&(0x8000 | self.picture_id).to_be_bytes());
        out[DL..DL + take].copy_from_slice(&self.frame[self.pos..self.pos + take]);
        self.pos += take;
        self.done = last;
        Some((DL + take, last))
    }
}

/// Depacketizes VP9 (RFC 9628 §4.2).
#[derive(Debug, Clone, Copy, Default)]
pub struct Vp9Depacketizer;

fn byte(p: &[u8], at: usize) -> Result<u8, DepacketizeError> {
    p.get(at).copied().ok_or(DepacketizeError::TooShort)
}

/// Length of the payload descriptor, and the spatial layer id (0 when absent).
fn descriptor(p: &[u8]) -> Result<(usize, u8), DepacketizeError> {
    let b0 = byte(p, 0)?;
    let mut n = 1;
    if b0 & I != 0 {
        n += if byte(p, n)? & 0x80 != 0 { 2 } else { 1 };
    }
    let mut sid = 0;
    if b0 & L != 0 {
        sid = (byte(p, n)? >> 1) & 0x07;
        n += 1;
        if b0 & F == 0 {
            n += 1; // TL0PICIDX
        }
    }
    if b0 & F != 0 && b0 & P != 0 {
        // Up to 3 P_DIFF bytes, each with an N bit announcing another.
        let mut k = 0;
        loop {
            let d = byte(p, n)?;
            n += 1;
            k += 1;
            if d & 0x01 == 0 {
                break;
            }
            if k == 3 {
                return Err(DepacketizeError::Malformed);
            }
        }
    }
    if b0 & V != 0 {
        let ss = byte(p, n)?;
        n += 1;
        let ns = usize::from(ss >> 5) + 1;
        if ss & 0x10 != 0 {
            n += 4 * ns; // WIDTH and HEIGHT per spatial layer
        }
        if ss & 0x08 != 0 {
            let ng = byte(p, n)?;
            n += 1;
            for _ in 0..ng {
                let g = byte(p, n)?;
                n += 1 + usize::from((g >> 2) & 0x03);
            }
        }
    }
    if n > p.len() {
        return Err(DepacketizeError::TooShort);
    }
    Ok((n, sid))
}

impl Depacketizer for Vp9Depacketizer {
    fn inspect(&self, payload: &[u8]) -> Result<PayloadMeta, DepacketizeError> {
        let (_, sid) = descriptor(payload)?;
        let b0 = payload[0];
        let start = b0 & B != 0 && sid == 0;
        Ok(PayloadMeta {
            frame_start: start,
            start_certain: start,
            frame_end: false,
            keyframe: start && b0 & P == 0,
        })
    }

    fn append(&self, payload: &[u8], frame: &mut Vec<u8>) -> Result<(), DepacketizeError> {
        let (n, _) = descriptor(payload)?;
        frame.extend_from_slice(&payload[n..]);
        Ok(())
    }
}
