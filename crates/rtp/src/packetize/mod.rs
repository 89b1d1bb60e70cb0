//! Packetizers and depacketizers: Opus (RFC 7587), VP8 (RFC 7741), VP9 (RFC 9628), AV1 (AOM
//! RTP payload format v1.0), H.264 (RFC 6184, packetization-mode 1), and a codec-agnostic frame assembler that reassembles frames across
//! loss and reordering.

mod assembler;
mod av1;
mod h264;
mod opus;
mod vp8;
mod vp9;

pub use assembler::{AssemblerConfig, AssemblerStats, Frame, FrameAssembler};
pub use av1::{Av1Depacketizer, Av1Packetizer};
pub use h264::{H264Depacketizer, H264Packetizer};
pub use opus::{OpusDepacketizer, OpusPacketizer};
pub use vp8::{Vp8Depacketizer, Vp8Packetizer};
pub use vp9::{Vp9Depacketizer, Vp9Packetizer};

use crate::error::DepacketizeError;

/// Splits one encoded frame into RTP payloads.
pub trait Packetizer {
    /// Writes the next payload into `out` (its length is the payload budget: MTU minus RTP
    /// header); returns the length and whether this payload ends the frame (the RTP marker
    /// for video), or `None` once the frame is done or `out` is too small to make progress.
    fn next_payload(&mut self, out: &mut [u8]) -> Option<(usize, bool)>;
}

/// What one payload says about the frame it belongs to, read without copying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PayloadMeta {
    /// The payload may start a frame.
    pub frame_start: bool,
    /// Nothing of the same frame can precede this payload (VP8 S bit with partition 0, an
    /// H.264 SPS or access unit delimiter). When false, a start is only trusted if the
    /// previous packet is known to end the previous frame.
    pub start_certain: bool,
    /// The payload ends a frame by itself (audio); video relies on the RTP marker.
    pub frame_end: bool,
    /// The payload belongs to a keyframe (independently decodable).
    pub keyframe: bool,
}

/// Turns RTP payloads back into codec bitstream.
pub trait Depacketizer {
    /// Reads the payload descriptor.
    fn inspect(&self, payload: &[u8]) -> Result<PayloadMeta, DepacketizeError>;
    /// Appends the payload's media bytes to `frame`.
    fn append(&self, payload: &[u8], frame: &mut Vec<u8>) -> Result<(), DepacketizeError>;
    /// Turns the appended bytes into the final bitstream once the frame is complete.
    fn finish(&self, _frame: &mut Vec<u8>) -> Result<(), DepacketizeError> {
        Ok(())
    }
}
