//! RFC 8285 header extension elements: iteration without allocation, typed payloads.

use core::ops::Range;

use crate::error::ExtensionError;

/// The two RFC 8285 element forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtensionForm {
    /// RFC 8285 §4.2: ids 1–14, values of 1–16 bytes, profile 0xBEDE.
    OneByte,
    /// RFC 8285 §4.3: ids 1–255, values of 0–255 bytes, profile 0x100X.
    TwoByte,
}

impl ExtensionForm {
    /// Recognizes the profile field of an extension block.
    #[inline]
    pub fn from_profile(profile: u16) -> Option<Self> {
        if profile == super::ONE_BYTE_PROFILE {
            Some(Self::OneByte)
        } else if profile & 0xfff0 == super::TWO_BYTE_PROFILE {
            Some(Self::TwoByte)
        } else {
            None
        }
    }

    /// The profile field to write for this form.
    #[inline]
    pub fn profile(self) -> u16 {
        match self {
            Self::OneByte => super::ONE_BYTE_PROFILE,
            Self::TwoByte => super::TWO_BYTE_PROFILE,
        }
    }

    /// Whether an element with this id and value length can be written in this form.
    #[inline]
    pub fn check(self, id: u8, len: usize) -> Result<(), ExtensionError> {
        match self {
            Self::OneByte => {
                if !(1..=14).contains(&id) {
                    Err(ExtensionError::BadId)
                } else if !(1..=16).contains(&len) {
                    Err(ExtensionError::TooLong)
                } else {
                    Ok(())
                }
            }
            Self::TwoByte => {
                if id == 0 {
                    Err(ExtensionError::BadId)
                } else if len > 255 {
                    Err(ExtensionError::TooLong)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Header bytes per element.
    #[inline]
    pub fn element_header_len(self) -> usize {
        match self {
            Self::OneByte => 1,
            Self::TwoByte => 2,
        }
    }
}

/// One header extension element (RFC 8285 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionElement<'a> {
    /// Local identifier negotiated with `a=extmap`.
    pub id: u8,
    /// The element value.
    pub data: &'a [u8],
}

/// Iterator over the elements of an extension block. Padding bytes are skipped; iteration
/// stops at the end, at a one-byte id 15 (RFC 8285 §4.2), or at a truncated element (see
/// [`Extensions::validate`]).
#[derive(Debug, Clone)]
pub struct Extensions<'a> {
    form: ExtensionForm,
    data: &'a [u8],
    pos: usize,
}

impl<'a> Extensions<'a> {
    /// Iterates the elements of an extension block's `data` in `form`.
    #[inline]
    pub fn new(form: ExtensionForm, data: &'a [u8]) -> Self {
        Self { form, data, pos: 0 }
    }

    /// An iterator with no elements.
    #[inline]
    pub fn empty() -> Self {
        Self::new(ExtensionForm::OneByte, &[])
    }

    /// The form being iterated.
    #[inline]
    pub fn form(&self) -> ExtensionForm {
        self.form
    }

    /// Checks the whole block: every element fits (RFC 8285 §4.2/§4.3).
    #[inline]
    pub fn validate(mut self) -> Result<(), ExtensionError> {
        while self.next_range().is_some() {}
        if self.pos > self.data.len() {
            Err(ExtensionError::Truncated)
        } else {
            Ok(())
        }
    }

    /// Next element as id and range within the block data.
    #[inline]
    pub(crate) fn next_range(&mut self) -> Option<(u8, Range<usize>)> {
        let d = self.data;
        loop {
            let b0 = *d.get(self.pos)?;
            match self.form {
                ExtensionForm::OneByte => {
                    let id = b0 >> 4;
                    if id == 0 {
                        // RFC 8285 §4.2: id 0 is a padding byte; its length nibble is ignored.
                        self.pos += 1;
                        continue;
                    }
                    if id == 15 {
                        // RFC 8285 §4.2: stop processing.
                        self.pos = d.len();
                        return None;
                    }
                    let len = usize::from(b0 & 0x0f) + 1;
                    let start = self.pos + 1;
                    if start + len > d.len() {
                        self.pos = d.len() + 1;
                        return None;
                    }
                    self.pos = start + len;
                    return Some((id, start..start + len));
                }
                ExtensionForm::TwoByte => {
                    if b0 == 0 {
                        self.pos += 1;
                        continue;
                    }
                    let len = usize::from(*d.get(self.pos + 1).or_else(|| {
                        self.pos = d.len() + 1;
                        None
                    })?);
                    let start = self.pos + 2;
                    if start + len > d.len() {
                        self.pos = d.len() + 1;
                        return None;
                    }
                    self.pos = start + len;
                    return Some((b0, start..start + len));
                }
            }
        }
    }
}

impl<'a> Iterator for Extensions<'a> {
    type Item = ExtensionElement<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (id, r) = self.next_range()?;
        Some(ExtensionElement {
            id,
            data: &self.data[r],
        })
    }
}

/// A typed header extension value.
pub trait ExtensionValue: Sized {
    /// The extension's URI, for `a=extmap`.
    const URI: &'static str;
    /// Decodes the element value.
    fn parse(data: &[u8]) -> Result<Self, ExtensionError>;
    /// Encoded length.
    fn encoded_len(&self) -> usize;
    /// Encodes into `out[..encoded_len()]`.
    fn write(&self, out: &mut [u8]);
}

/// abs-send-time: 24-bit 6.18 fixed-point seconds (webrtc.org abs-send-time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbsSendTime(pub u32);

impl AbsSendTime {
    /// From a 64-bit NTP timestamp (RFC 3550 §4): the middle 24 bits of 6.18 seconds.
    #[inline]
    pub fn from_ntp(ntp: u64) -> Self {
        Self(((ntp >> 14) & 0x00ff_ffff) as u32)
    }
}

impl ExtensionValue for AbsSendTime {
    const URI: &'static str = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    #[inline]
    fn parse(d: &[u8]) -> Result<Self, ExtensionError> {
        match d {
            [a, b, c, ..] => Ok(Self(u32::from_be_bytes([0, *a, *b, *c]))),
            _ => Err(ExtensionError::BadPayload),
        }
    }
    #[inline]
    fn encoded_len(&self) -> usize {
        3
    }
    #[inline]
    fn write(&self, out: &mut [u8]) {
        out[..3].copy_from_slice(&self.0.to_be_bytes()[1..]);
    }
}

/// Transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
/// Longer values (the -02 form's extra fields) are accepted and their extra bytes ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransportSequence(pub u16);

impl ExtensionValue for TransportSequence {
    const URI: &'static str =
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    #[inline]
    fn parse(d: &[u8]) -> Result<Self, ExtensionError> {
        match d {
            [a, b, ..] => Ok(Self(u16::from_be_bytes([*a, *b]))),
            _ => Err(ExtensionError::BadPayload),
        }
    }
    #[inline]
    fn encoded_len(&self) -> usize {
        2
    }
    #[inline]
    fn write(&self, out: &mut [u8]) {
        out[..2].copy_from_slice(&self.0.to_be_bytes());
    }
}

/// Client-to-mixer audio level (RFC 6464 §3): voice activity flag and level in -dBov.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioLevel {
    /// V bit: the encoder believes the packet holds voice.
    pub voice: bool,
    /// 0 (loudest) to 127 (silence), in -dBov.
    pub level: u8,
}

impl ExtensionValue for AudioLevel {
    const URI: &'static str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
    #[inline]
    fn parse(d: &[u8]) -> Result<Self, ExtensionError> {
        let b = *d.first().ok_or(ExtensionError::BadPayload)?;
        Ok(Self {
            voice: b & 0x80 != 0,
            level: b & 0x7f,
        })
    }
    #[inline]
    fn encoded_len(&self) -> usize {
        1
    }
    #[inline]
    fn write(&self, out: &mut [u8]) {
        out[0] = (u8::from(self.voice) << 7) | (self.level & 0x7f);
    }
}

/// Playout delay limits in 10 ms units, 12 bits each (webrtc.org playout-delay).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlayoutDelay {
    /// Minimum delay, units of 10 ms (0–4095).
    pub min: u16,
    /// Maximum delay, units of 10 ms (0–4095).
    pub max: u16,
}

impl ExtensionValue for PlayoutDelay {
    const URI: &'static str = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";
    #[inline]
    fn parse(d: &[u8]) -> Result<Self, ExtensionError> {
        match d {
            [a, b, c, ..] => {
                let v = u32::from_be_bytes([0, *a, *b, *c]);
                Ok(Self {
                    min: (v >> 12) as u16,
                    max: (v & 0xfff) as u16,
                })
            }
            _ => Err(ExtensionError::BadPayload),
        }
    }
    #[inline]
    fn encoded_len(&self) -> usize {
        3
    }
    #[inline]
    fn write(&self, out: &mut [u8]) {
        let v = (u32::from(self.min & 0xfff) << 12) | u32::from(self.max & 0xfff);
        out[..3].copy_from_slice(&v.to_be_bytes()[1..]);
    }
}

/// Coordination of video orientation (3GPP TS 26.114 §7.4.5): camera, flip, rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoOrientation {
    /// C bit: back-facing camera.
    pub back_camera: bool,
    /// F bit: horizontal flip.
    pub flip: bool,
    /// Rotation in quarter turns clockwise (0–3: 0°, 90°, 180°, 270°).
    pub rotation: u8,
}

impl ExtensionValue for VideoOrientation {
    const URI: &'static str = "urn:3gpp:video-orientation";
    #[inline]
    fn parse(d: &[u8]) -> Result<Self, ExtensionError> {
        let b = *d.first().ok_or(ExtensionError::BadPayload)?;
        Ok(Self {
            back_camera: b & 0x08 != 0,
            flip: b & 0x04 != 0,
            rotation: b & 0x03,
        })
    }
    #[inline]
    fn encoded_len(&self) -> usize {
        1
    }
    #[inline]
    fn write(&self, out: &mut [u8]) {
        out[0] =
            (u8::from(self.back_camera) << 3) | (u8::from(self.flip) << 2) | (self.rotation & 3);
    }
}

/// Absolute capture time (webrtc.org abs-capture-time): UQ32.32 NTP capture time and an
/// optional Q32.32 estimated offset of the capturer's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbsCaptureTime {
    /// Capture time, 64-bit NTP format.
    pub timestamp: u64,
    /// Estimated capture clock offset, signed Q32.32 seconds.
    pub clock_offset: Option<i64>,
}

impl ExtensionValue for AbsCaptureTime {
    const URI: &'static str = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time";
    #[inline]
    fn parse(d: &[u8]) -> Result<Self, ExtensionError> {
        let ts = |s: &[u8]| -> [u8; 8] { [s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]] };
        match d.len() {
            8 => Ok(Self {
                timestamp: u64::from_be_bytes(ts(d)),
                clock_offset: None,
            }),
            16 => Ok(Self {
                timestamp: u64::from_be_bytes(ts(d)),
                clock_offset: Some(i64::from_be_bytes(ts(&d[8..]))),
            }),
            _ => Err(ExtensionError::BadPayload),
        }
    }
    #[inline]
    fn encoded_len(&self) -> usize {
        if self.clock_offset.is_some() { 16 } else { 8 }
    }
    #[inline]
    fn write(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.timestamp.to_be_bytes());
        if let Some(o) = self.clock_offset {
            out[8..16].copy_from_slice(&o.to_be_bytes());
        }
    }
}

/// An RTP identifier carried as text: `sdes:mid` (RFC 9143 §15), `rtp-stream-id` and
/// `repaired-rtp-stream-id` (RFC 8852 §3). Borrowed from the packet, no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesText<'a>(pub &'a [u8]);

impl<'a> SdesText<'a> {
    /// Decodes a non-empty identifier value.
    #[inline]
    pub fn parse(d: &'a [u8]) -> Result<Self, ExtensionError> {
        if d.is_empty() {
            Err(ExtensionError::BadPayload)
        } else {
            Ok(Self(d))
        }
    }

    /// The value as UTF-8, if it is.
    #[inline]
    pub fn as_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.0).ok()
    }
}

/// URI of `sdes:mid` (RFC 9143 §15).
pub const MID_URI: &str = "urn:ietf:params:rtp-hdrext:sdes:mid";
/// URI of `rtp-stream-id` (RFC 8852 §3.1).
pub const RTP_STREAM_ID_URI: &str = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
/// URI of `repaired-rtp-stream-id` (RFC 8852 §3.2).
pub const REPAIRED_RTP_STREAM_ID_URI: &str =
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";

/// Maps the negotiated extension ids (from SDP `a=extmap`) to the extensions this crate knows.
/// Fixed size: 255 ids, no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtensionMap {
    /// id of abs-send-time.
    pub abs_send_time: Option<u8>,
    /// id of transport-wide-cc sequence.
    pub transport_cc: Option<u8>,
    /// id of ssrc-audio-level.
    pub audio_level: Option<u8>,
    /// id of sdes:mid.
    pub mid: Option<u8>,
    /// id of rtp-stream-id.
    pub rid: Option<u8>,
    /// id of repaired-rtp-stream-id.
    pub repaired_rid: Option<u8>,
    /// id of playout-delay.
    pub playout_delay: Option<u8>,
    /// id of video-orientation.
    pub video_orientation: Option<u8>,
    /// id of abs-capture-time.
    pub abs_capture_time: Option<u8>,
}

impl ExtensionMap {
    /// Records `uri` at `id`; unknown URIs are ignored (returns false).
    #[inline]
    pub fn insert(&mut self, id: u8, uri: &str) -> bool {
        let slot = match uri {
            AbsSendTime::URI => &mut self.abs_send_time,
            TransportSequence::URI => &mut self.transport_cc,
            AudioLevel::URI => &mut self.audio_level,
            MID_URI => &mut self.mid,
            RTP_STREAM_ID_URI => &mut self.rid,
            REPAIRED_RTP_STREAM_ID_URI => &mut self.repaired_rid,
            PlayoutDelay::URI => &mut self.playout_delay,
            VideoOrientation::URI => &mut self.video_orientation,
            AbsCaptureTime::URI => &mut self.abs_capture_time,
            _ => return false,
        };
        *slot = Some(id);
        true
    }
}

/// The known extensions of one packet, decoded in a single pass over the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParsedExtensions<'a> {
    /// abs-send-time.
    pub abs_send_time: Option<AbsSendTime>,
    /// transport-wide-cc sequence number.
    pub transport_cc: Option<TransportSequence>,
    /// audio level.
    pub audio_level: Option<AudioLevel>,
    /// MID.
    pub mid: Option<SdesText<'a>>,
    /// RID.
    pub rid: Option<SdesText<'a>>,
    /// Repaired RID.
    pub repaired_rid: Option<SdesText<'a>>,
    /// Playout delay.
    pub playout_delay: Option<PlayoutDelay>,
    /// Video orientation.
    pub video_orientation: Option<VideoOrientation>,
    /// Absolute capture time.
    pub abs_capture_time: Option<AbsCaptureTime>,
}

impl<'a> ParsedExtensions<'a> {
    /// Decodes every element whose id is in `map`. Malformed values are left as `None`.
    #[inline]
    pub fn parse(map: &ExtensionMap, elements: Extensions<'a>) -> Self {
        let mut p = Self::default();
        for e in elements {
            let id = Some(e.id);
            if id == map.abs_send_time {
                p.abs_send_time = AbsSendTime::parse(e.data).ok();
            } else if id == map.transport_cc {
                p.transport_cc = TransportSequence::parse(e.data).ok();
            } else if id == map.audio_level {
                p.audio_level = AudioLevel::parse(e.data).ok();
            } else if id == map.mid {
                p.mid = SdesText::parse(e.data).ok();
            } else if id == map.rid {
                p.rid = SdesText::parse(e.data).ok();
            } else if id == map.repaired_rid {
                p.repaired_rid = SdesText::parse(e.data).ok();
            } else if id == map.playout_delay {
                p.playout_delay = PlayoutDelay::parse(e.data).ok();
            } else if id == map.video_orientation {
                p.video_orientation = VideoOrientation::parse(e.data).ok();
            } else if id == map.abs_capture_time {
                p.abs_capture_time = AbsCaptureTime::parse(e.data).ok();
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<E: ExtensionValue + PartialEq + core::fmt::Debug>(v: E) {
        let mut b = [0u8; 16];
        v.write(&mut b);
        assert_eq!(E::parse(&b[..v.encoded_len()]).unwrap(), v);
    }

    #[test]
    fn typed_values_round_trip() {
        round_trip(AbsSendTime(0xab_cdef));
        round_trip(TransportSequence(65000));
        round_trip(AudioLevel {
            voice: false,
            level: 127,
        });
        round_trip(PlayoutDelay { min: 4095, max: 1 });
        round_trip(VideoOrientation {
            back_camera: true,
            flip: false,
            rotation: 3,
        });
        round_trip(AbsCaptureTime {
            timestamp: u64::MAX - 5,
            clock_offset: None,
        });
        round_trip(AbsCaptureTime {
            timestamp: 1,
            clock_offset: Some(-77),
        });
        assert!(AbsCaptureTime::parse(&[0; 9]).is_err());
        assert!(SdesText::parse(b"").is_err());
        assert_eq!(SdesText::parse(b"a1").unwrap().as_str(), Some("a1"));
        assert_eq!(
            AbsSendTime::from_ntp(0x0000_0001_8000_0000).0,
            (1 << 18) | (1 << 17)
        );
    }

    #[test]
    fn rfc8285_form_limits() {
        assert!(ExtensionForm::OneByte.check(15, 1).is_err());
        assert!(ExtensionForm::OneByte.check(0, 1).is_err());
        assert!(ExtensionForm::OneByte.check(14, 17).is_err());
        assert!(ExtensionForm::OneByte.check(14, 0).is_err());
        assert!(ExtensionForm::TwoByte.check(255, 0).is_ok());
        assert!(ExtensionForm::TwoByte.check(1, 256).is_err());
        assert_eq!(
            ExtensionForm::from_profile(0x1005),
            Some(ExtensionForm::TwoByte)
        );
        assert_eq!(ExtensionForm::from_profile(0xbedf), None);
        // A truncated element is reported by validate().
        let e = Extensions::new(ExtensionForm::OneByte, &[0x13, 1, 2]);
        assert_eq!(e.clone().count(), 0);
        assert_eq!(e.validate(), Err(ExtensionError::Truncated));
        let e = Extensions::new(ExtensionForm::TwoByte, &[0x05]);
        assert_eq!(e.validate(), Err(ExtensionError::Truncated));
    }

    #[test]
    fn extension_map_dispatch() {
        let mut m = ExtensionMap::default();
        assert!(m.insert(4, MID_URI));
        assert!(m.insert(5, VideoOrientation::URI));
        assert!(!m.insert(6, "urn:example:unknown"));
        let data = [0x40, b'a', 0x50, 0x0a, 0x60, 0x01];
        let p = ParsedExtensions::parse(&m, Extensions::new(ExtensionForm::OneByte, &data));
        assert_eq!(p.mid.and_then(|m| m.as_str()), Some("a"));
        assert_eq!(
            p.video_orientation,
            Some(VideoOrientation {
                back_camera: true,
                flip: false,
                rotation: 2
            })
        );
        assert_eq!(p.abs_send_time, None);
    }
}
