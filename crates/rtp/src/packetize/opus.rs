//! Opus (RFC 7587 §4): one Opus packet per RTP payload, no descriptor.

use super::{Depacketizer, Packetizer, PayloadMeta};
use crate::error::DepacketizeError;

/// Packetizes one Opus packet (RFC 7587 §4.2: exactly one per RTP packet).
#[derive(Debug, Clone)]
pub struct OpusPacketizer<'f> {
    frame: Option<&'f [u8]>,
}

impl<'f> OpusPacketizer<'f> {
    /// Packetizes `frame`.
    pub fn new(frame: &'f [u8]) -> Self {
        Self { frame: Some(frame) }
    }
}

impl Packetizer for OpusPacketizer<'_> {
    fn next_payload(&mut self, out: &mut [u8]) -> Option<(usize, bool)> {
        let f = self.frame?;
        if f.len() > out.len() {
            return None;
        }
        self.frame = None;
        out[..f.len()].copy_from_slice(f);
        Some((f.len(), true))
    }
}

/// Depacketizes Opus: each payload is a whole frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpusDepacketizer;

impl Depacketizer for OpusDepacketizer {
    fn inspect(&self, payload: &[u8]) -> Result<PayloadMeta, DepacketizeError> {
        if payload.is_empty() {
            return Err(DepacketizeError::TooShort);
        }
        Ok(PayloadMeta {
            frame_start: true,
            start_certain: true,
            frame_end: true,
            keyframe: true,
        })
    }

    fn append(&self, payload: &[u8], frame: &mut Vec<u8>) -> Result<(), DepacketizeError> {
        frame.extend_from_slice(payload);
        Ok(())
    }
}
