//! Media tracks: kinds, codecs, and the packets the peer hands out (RFC 8834, RFC 3550).

/// Audio or video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `m=audio`, Opus.
    Audio,
    /// `m=video`, VP8.
    Video,
}

impl MediaKind {
    /// The SDP media token.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        }
    }

    /// The codec we offer: Opus 111/48000/2 (RFC 7587) or VP8 96/90000 (RFC 7741), the
    /// payload types Chromium uses.
    pub(crate) fn default_codec(self) -> Codec {
        match self {
            MediaKind::Audio => Codec {
                payload_type: 111,
                name: "opus",
                clock_rate: 48_000,
                channels: Some(2),
            },
            MediaKind::Video => Codec {
                payload_type: 96,
                name: "VP8",
                clock_rate: 90_000,
                channels: None,
            },
        }
    }
}

/// A negotiated codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Codec {
    pub payload_type: u8,
    pub name: &'static str,
    pub clock_rate: u32,
    pub channels: Option<u16>,
}

/// A local track (W3C `RTCRtpSender` in spirit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackId(pub u32);

/// One received RTP packet after SRTP (RFC 3550 §5.1 fields and the payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaPacket {
    /// The m-section it belongs to (by payload type).
    pub mid: String,
    /// Audio or video.
    pub kind: MediaKind,
    /// Payload type.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence_number: u16,
    /// RTP timestamp.
    pub timestamp: u32,
    /// SSRC.
    pub ssrc: u32,
    /// M bit (end of a video frame).
    pub marker: bool,
    /// The payload (codec bytes, packetized as the sender did).
    pub payload: Vec<u8>,
}

#[derive(Debug)]
pub(crate) struct LocalTrack {
    /// Packet and octet counts for sender reports (RFC 3550 §6.4.1).
    pub sent: strata_rtp::stats::SenderStats,
    /// The last RTP timestamp sent.
    pub last_ts: u32,
    /// Sent packets (before SRTP) kept to answer NACKs (RFC 4585 §6.2.1).
    pub history: strata_rtp::history::PacketHistory,
    pub kind: MediaKind,
    pub stream_id: String,
    pub track_id: String,
    pub ssrc: u32,
    pub seq: u16,
    /// The m-section it was negotiated in.
    pub mid: Option<String>,
}

/// A negotiated audio/video m-section.
#[derive(Debug, Clone)]
pub(crate) struct MediaSection {
    pub mid: String,
    pub kind: MediaKind,
    pub codec: Codec,
    pub track: Option<TrackId>,
    pub rejected: bool,
}
