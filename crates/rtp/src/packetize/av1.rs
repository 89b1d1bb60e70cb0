//! AV1 (AOM "RTP Payload Format for AV1" v1.0): aggregation header and OBU elements.
//! Frames (temporal units) are in the low-overhead bitstream format: every OBU carries
//! `obu_has_size_field = 1`. On the wire OBUs have no size field; element lengths are
//! LEB128.

use super::{Depacketizer, Packetizer, PayloadMeta};
use crate::error::DepacketizeError;

const Z: u8 = 0x80;
const Y: u8 = 0x40;
const N: u8 = 0x08;
const OBU_SEQUENCE_HEADER: u8 = 1;
const OBU_TEMPORAL_DELIMITER: u8 = 2;
const HAS_EXT: u8 = 0x04;
const HAS_SIZE: u8 = 0x02;

fn leb128_read(b: &[u8]) -> Option<(usize, usize)> {
    let mut v = 0usize;
    for (i, x) in b.iter().enumerate().take(8) {
        v |= usize::from(x & 0x7f) << (7 * i);
        if x & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn leb128_len(mut v: usize) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

fn leb128_write(mut v: usize, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn leb128_put(mut v: usize, out: &mut [u8]) -> usize {
    let mut i = 0;
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out[i] = b;
            return i + 1;
        }
        out[i] = b | 0x80;
        i += 1;
    }
}

/// One OBU of a low-overhead temporal unit: header bytes (size flag cleared) and payload.
fn next_obu(tu: &[u8], pos: usize) -> Option<(u8, Option<u8>, &[u8], usize)> {
    let h = *tu.get(pos)?;
    let mut p = pos + 1;
    let ext = if h & HAS_EXT != 0 {
        p += 1;
        Some(*tu.get(p - 1)?)
    } else {
        None
    };
    let len = if h & HAS_SIZE != 0 {
        let (v, n) = leb128_read(tu.get(p..)?)?;
        p += n;
        v
    } else {
        tu.len() - p
    };
    let body = tu.get(p..p.checked_add(len)?)?;
    Some((h & !HAS_SIZE, ext, body, p + len))
}

/// Packetizes one AV1 temporal unit: temporal delimiters are dropped, every element is
/// length-prefixed (W = 0), OBUs are fragmented across packets with Z/Y.
#[derive(Debug, Clone)]
pub struct Av1Packetizer<'f> {
    tu: &'f [u8],
    // Next OBU to start, and how much of the current one went out.
    pos: usize,
    cur: Option<(usize, usize)>,
    new_sequence: bool,
    first_packet: bool,
}

impl<'f> Av1Packetizer<'f> {
    /// Packetizes the temporal unit `tu` (low-overhead format).
    pub fn new(tu: &'f [u8]) -> Self {
        let mut p = 0;
        let mut seq = false;
        while let Some((h, _, _, next)) = next_obu(tu, p) {
            seq |= (h >> 3) & 0x0f == OBU_SEQUENCE_HEADER;
            p = next;
        }
        Self {
            tu,
            pos: 0,
            cur: None,
            new_sequence: seq,
            first_packet: true,
        }
    }

    /// The current OBU serialized without size field: (header+ext, payload) as one range
    /// is not contiguous in the input, so it is written piecewise.
    fn obu_at(&self, pos: usize) -> Option<(u8, Option<u8>, &'f [u8], usize)> {
        let mut p = pos;
        loop {
            let o = next_obu(self.tu, p)?;
            if (o.0 >> 3) & 0x0f != OBU_TEMPORAL_DELIMITER {
                return Some(o);
            }
            p = o.3;
        }
    }
}

impl Packetizer for Av1Packetizer<'_> {
    fn next_payload(&mut self, out: &mut [u8]) -> Option<(usize, bool)> {
        if out.len() < 3 {
            return None;
        }
        let mut off = 1;
        let mut agg = 0u8;
        if self.first_packet && self.new_sequence {
            agg |= N;
        }
        let mut wrote_any = false;
        loop {
            let start = self.cur.map_or(self.pos, |c| c.0);
            let Some((h, ext, body, next)) = self.obu_at(start) else {
                break;
            };
            let hdr_len = 1 + usize::from(ext.is_some());
            let total = hdr_len + body.len();
            let done = self.cur.map_or(0, |c| c.1);
            if done > 0 && !wrote_any {
                agg |= Z;
            }
            let left = total - done;
            let room = out.len() - off;
            // Room for the length prefix and at least one byte.
            let lp = leb128_len(left.min(room));
            if room <= lp {
                break;
            }
            let take = left.min(room - lp);
            let lp = leb128_put(take, &mut out[off..]);
            off += lp;
            for i in done..done + take {
                out[off] = match i {
                    0 => h,
                    1 if ext.is_some() => ext.unwrap_or(0),
                    _ => body[i - hdr_len],
                };
                off += 1;
            }
            wrote_any = true;
            if done + take == total {
                self.cur = None;
                self.pos = next;
            } else {
                self.cur = Some((start, done + take));
                agg |= Y;
                break;
            }
        }
        if !wrote_any {
            return None;
        }
        out[0] = agg;
        self.first_packet = false;
        let last = self.cur.is_none() && self.obu_at(self.pos).is_none();
        Some((off, last))
    }
}

/// Depacketizes AV1 into low-overhead temporal units.
///
/// While a frame is assembled, elements are kept as `[4-byte length][OBU bytes]` so that a
/// fragment (Z) can extend the previous one; [`Depacketizer::finish`] rewrites them with
/// OBU size fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct Av1Depacketizer;

/// Walks the OBU elements of a payload, calling `f` with each element's range;
/// returns the aggregation header.
fn elements(p: &[u8], mut f: impl FnMut(usize, usize, bool)) -> Result<u8, DepacketizeError> {
    let agg = *p.first().ok_or(DepacketizeError::TooShort)?;
    let w = usize::from((agg >> 4) & 0x03);
    let mut off = 1;
    let mut count = 0;
    while off < p.len() {
        let last_unsized = w != 0 && count + 1 == w;
        let len = if last_unsized {
            p.len() - off
        } else {
            let (l, n) = leb128_read(&p[off..]).ok_or(DepacketizeError::Malformed)?;
            off += n;
            l
        };
        let end = off
            .checked_add(len)
            .filter(|e| *e <= p.len())
            .ok_or(DepacketizeError::TooShort)?;
        f(off, end, count == 0);
        count += 1;
        off = end;
        if last_unsized {
            break;
        }
    }
    if count == 0 {
        return Err(DepacketizeError::Malformed);
    }
    Ok(agg)
}

impl Depacketizer for Av1Depacketizer {
    fn inspect(&self, p: &[u8]) -> Result<PayloadMeta, DepacketizeError> {
        let agg = elements(p, |_, _, _| {})?;
        Ok(PayloadMeta {
            frame_start: agg & Z == 0,
            start_certain: agg & N != 0 && agg & Z == 0,
            frame_end: false,
            keyframe: agg & N != 0,
        })
    }

    fn append(&self, p: &[u8], frame: &mut Vec<u8>) -> Result<(), DepacketizeError> {
        let agg = *p.first().ok_or(DepacketizeError::TooShort)?;
        // A continuation extends the last element: find it by walking the length prefixes.
        let mut last_at = None;
        if agg & Z != 0 {
            let mut q = 0;
            while q + 4 <= frame.len() {
                last_at = Some(q);
                q += 4 + be32(frame, q) as usize;
            }
            if last_at.is_none() {
                return Err(DepacketizeError::Malformed);
            }
        }
        let mut err = None;
        elements(p, |s, e, first| {
            let n = e - s;
            match (first, last_at) {
                (true, Some(at)) => match u32::try_from(be32(frame, at) as usize + n) {
                    Ok(l) => frame[at..at + 4].copy_from_slice(&l.to_be_bytes()),
                    Err(_) => err = Some(DepacketizeError::Malformed),
                },
                _ => frame.extend_from_slice(&(n as u32).to_be_bytes()),
            }
            frame.extend_from_slice(&p[s..e]);
        })?;
        err.map_or(Ok(()), Err)
    }

    fn finish(&self, frame: &mut Vec<u8>) -> Result<(), DepacketizeError> {
        let raw = core::mem::take(frame);
        let mut q = 0;
        while q + 4 <= raw.len() {
            let l = be32(&raw, q) as usize;
            let obu = raw
                .get(q + 4..q + 4 + l)
                .ok_or(DepacketizeError::Malformed)?;
            q += 4 + l;
            let h = *obu.first().ok_or(DepacketizeError::Malformed)?;
            let hl = if h & HAS_EXT != 0 { 2 } else { 1 };
            if obu.len() < hl {
                return Err(DepacketizeError::Malformed);
            }
            if h & HAS_SIZE != 0 {
                // The sender kept the size field (allowed): pass the OBU through.
                frame.extend_from_slice(obu);
                continue;
            }
            frame.push(h | HAS_SIZE);
            frame.extend_from_slice(&obu[1..hl]);
            leb128_write(obu.len() - hl, frame);
            frame.extend_from_slice(&obu[hl..]);
        }
        Ok(())
    }
}
