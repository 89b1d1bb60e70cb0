//! H.264 (RFC 6184), packetization-mode 1: single NAL unit packets (§5.6), STAP-A (§5.7.1)
//! and FU-A (§5.8). Input and output frames are Annex B byte streams.

use super::{Depacketizer, Packetizer, PayloadMeta};
use crate::error::DepacketizeError;

const STAP_A: u8 = 24;
const FU_A: u8 = 28;
const START_CODE: [u8; 4] = [0, 0, 0, 1];

/// Finds the next NAL unit in an Annex B stream from `pos`: returns its range.
fn next_nal(b: &[u8], mut pos: usize) -> Option<(usize, usize)> {
    // Skip the start code (00 00 01 or 00 00 00 01) at or after pos.
    let start = loop {
        if pos + 3 > b.len() {
            return None;
        }
        if b[pos] == 0 && b[pos + 1] == 0 && b[pos + 2] == 1 {
            break pos + 3;
        }
        pos += 1;
    };
    let mut i = start;
    while i + 3 <= b.len() {
        if b[i] == 0
            && b[i + 1] == 0
            && (b[i + 2] == 1 || (b[i + 2] == 0 && b.get(i + 3) == Some(&1)))
        {
            return Some((start, i));
        }
        i += 1;
    }
    Some((start, b.len()))
}

/// Packetizes one Annex B access unit (RFC 6184 §6.3, packetization-mode 1): small NAL units
/// are aggregated into STAP-A, large ones fragmented into FU-A.
#[derive(Debug, Clone)]
pub struct H264Packetizer<'f> {
    frame: &'f [u8],
    // The NAL being sent and how much of it (past its header) went out in FU-As.
    cur: Option<(usize, usize)>,
    fu_off: usize,
    pos: usize,
}

impl<'f> H264Packetizer<'f> {
    /// Packetizes the access unit `frame` (Annex B).
    pub fn new(frame: &'f [u8]) -> Self {
        let cur = next_nal(frame, 0).filter(|(s, e)| e > s);
        Self {
            frame,
            cur,
            fu_off: 0,
            pos: 0,
        }
    }

    fn advance(&mut self) {
        let end = self.cur.map_or(self.frame.len(), |c| c.1);
        self.pos = end;
        self.cur = next_nal(self.frame, end).filter(|(s, e)| e > s);
        self.fu_off = 0;
    }
}

impl Packetizer for H264Packetizer<'_> {
    fn next_payload(&mut self, out: &mut [u8]) -> Option<(usize, bool)> {
        let (s, e) = self.cur?;
        let nal = &self.frame[s..e];
        let mtu = out.len();
        if self.fu_off == 0 && nal.len() <= mtu {
            // Try to aggregate this and following NALs into one STAP-A.
            let mut total = 1 + 2 + nal.len();
            let mut count = 1;
            let mut last = (s, e);
            let mut nri = nal[0] & 0x60;
            while let Some((ns, ne)) = next_nal(self.frame, last.1).filter(|(a, b)| b > a) {
                let n = ne - ns;
                if total + 2 + n > mtu || n > 0xffff {
                    break;
                }
                total += 2 + n;
                count += 1;
                nri = nri.max(self.frame[ns] & 0x60);
                last = (ns, ne);
            }
            if count == 1 || nal.len() > 0xffff {
                out[..nal.len()].copy_from_slice(nal);
                self.advance();
                return Some((nal.len(), self.cur.is_none()));
            }
            out[0] = nri | STAP_A;
            let mut off = 1;
            let mut r = Some((s, e));
            while let Some((a, b)) = r {
                out[off..off + 2].copy_from_slice(&((b - a) as u16).to_be_bytes());
                out[off + 2..off + 2 + (b - a)].copy_from_slice(&self.frame[a..b]);
                off += 2 + (b - a);
                self.cur = Some((a, b));
                if (a, b) == last {
                    break;
                }
                r = next_nal(self.frame, b).filter(|(x, y)| y > x);
            }
            self.advance();
            return Some((off, self.cur.is_none()));
        }
        // FU-A: indicator, header, then a piece of the NAL body (its header byte excluded).
        if mtu <= 2 {
            return None;
        }
        let body = &nal[1..];
        let take = (mtu - 2).min(body.len() - self.fu_off);
        let start = self.fu_off == 0;
        let end = self.fu_off + take == body.len();
        out[0] = (nal[0] & 0xe0) | FU_A;
        out[1] = (u8::from(start) << 7) | (u8::from(end) << 6) | (nal[0] & 0x1f);
        out[2..2 + take].copy_from_slice(&body[self.fu_off..self.fu_off + take]);
        self.fu_off += take;
        if end {
            self.advance();
        }
        Some((2 + take, end && self.cur.is_none()))
    }
}

/// Depacketizes H.264 (RFC 6184 §5.6–§5.8) into Annex B with 4-byte start codes.
#[derive(Debug, Clone, Copy, Default)]
pub struct H264Depacketizer;

/// Whether a NAL (type and first body byte) may begin an access unit, whether nothing of the
/// unit can precede it, and whether it makes a keyframe (IDR slice or SPS).
fn nal_flags(nal_type: u8, first_body: Option<u8>) -> (bool, bool, bool) {
    match nal_type {
        // Slices: first_mb_in_slice == 0 (ue(v) "1") starts a picture, but SEI or parameter
        // sets may come first in the same access unit.
        1 | 5 => (
            first_body.is_some_and(|b| b & 0x80 != 0),
            false,
            nal_type == 5,
        ),
        6 => (true, false, false),
        9 => (true, true, false),
        7 => (true, true, true),
        8 => (true, false, true),
        _ => (false, false, false),
    }
}

impl Depacketizer for H264Depacketizer {
    fn inspect(&self, p: &[u8]) -> Result<PayloadMeta, DepacketizeError> {
        let h = *p.first().ok_or(DepacketizeError::TooShort)?;
        if h & 0x80 != 0 {
            return Err(DepacketizeError::Malformed); // F bit
        }
        let t = h & 0x1f;
        let (frame_start, start_certain, keyframe) = match t {
            1..=23 => nal_flags(t, p.get(1).copied()),
            STAP_A => {
                let mut off = 1;
                let mut first = None;
                let mut key = false;
                while off < p.len() {
                    let len = usize::from(u16::from_be_bytes([
                        p[off],
                        *p.get(off + 1).ok_or(DepacketizeError::TooShort)?,
                    ]));
                    let nal = p
                        .get(off + 2..off + 2 + len)
                        .ok_or(DepacketizeError::TooShort)?;
                    let nh = *nal.first().ok_or(DepacketizeError::Malformed)?;
                    let (s, c, k) = nal_flags(nh & 0x1f, nal.get(1).copied());
                    first.get_or_insert((s, c));
                    key |= k;
                    off += 2 + len;
                }
                let (s, c) = first.ok_or(DepacketizeError::Malformed)?;
                (s, c, key)
            }
            FU_A => {
                let fh = *p.get(1).ok_or(DepacketizeError::TooShort)?;
                if fh & 0x80 != 0 && fh & 0x40 != 0 {
                    return Err(DepacketizeError::Malformed); // S and E together
                }
                if fh & 0x80 != 0 {
                    nal_flags(fh & 0x1f, p.get(2).copied())
                } else {
                    (false, false, false)
                }
            }
            other => return Err(DepacketizeError::Unsupported(other)),
        };
        Ok(PayloadMeta {
            frame_start,
            start_certain,
            frame_end: false,
            keyframe,
        })
    }

    fn append(&self, p: &[u8], frame: &mut Vec<u8>) -> Result<(), DepacketizeError> {
        let h = *p.first().ok_or(DepacketizeError::TooShort)?;
        match h & 0x1f {
            1..=23 => {
                frame.extend_from_slice(&START_CODE);
                frame.extend_from_slice(p);
            }
            STAP_A => {
                let mut off = 1;
                while off + 2 <= p.len() {
                    let len = usize::from(u16::from_be_bytes([p[off], p[off + 1]]));
                    let nal = p
                        .get(off + 2..off + 2 + len)
                        .ok_or(DepacketizeError::TooShort)?;
                    frame.extend_from_slice(&START_CODE);
                    frame.extend_from_slice(nal);
                    off += 2 + len;
                }
            }
            FU_A => {
                let fh = *p.get(1).ok_or(DepacketizeError::TooShort)?;
                if fh & 0x80 != 0 {
                    frame.extend_from_slice(&START_CODE);
                    frame.push((h & 0xe0) | (fh & 0x1f));
                }
                frame.extend_from_slice(&p[2..]);
            }
            other => return Err(DepacketizeError::Unsupported(other)),
        }
        Ok(())
    }
}
