//! Media tracks: kinds, codecs, and the packets the peer hands out (RFC 8834, RFC 3550).

use strata_rtp::rtp::ExtensionMap;

/// Audio or video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `m=audio`, Opus.
    Audio,
    /// `m=video`, VP8 or H.264.
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

    /// The codec a track of this kind uses unless told otherwise.
    pub fn default_codec(self) -> Codec {
        match self {
            MediaKind::Audio => Codec::Opus,
            MediaKind::Video => Codec::Vp8,
        }
    }
}

/// A codec the peer negotiates, packetizes and depacketizes (through strata-rtp).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Codec {
    /// Opus (RFC 7587), 48 kHz stereo, payload type 111 in our offers.
    Opus,
    /// VP8 (RFC 7741), payload type 96 (RTX 97) in our offers.
    Vp8,
    /// H.264 constrained baseline (RFC 6184): `profile-level-id=42e01f`,
    /// `packetization-mode=1`, `level-asymmetry-allowed=1`; payload type 102 (RTX 103).
    H264,
}

impl Codec {
    /// Audio or video.
    pub fn kind(self) -> MediaKind {
        match self {
            Codec::Opus => MediaKind::Audio,
            Codec::Vp8 | Codec::H264 => MediaKind::Video,
        }
    }

    /// The rtpmap encoding name.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Opus => "opus",
            Codec::Vp8 => "VP8",
            Codec::H264 => "H264",
        }
    }

    /// What we offer for it: Chromium's payload types.
    pub(crate) fn params(self) -> CodecParams {
        match self {
            Codec::Opus => CodecParams {
                codec: self,
                payload_type: 111,
                clock_rate: 48_000,
                channels: Some(2),
                fmtp: Some("minptime=10;useinbandfec=1".into()),
            },
            Codec::Vp8 => CodecParams {
                codec: self,
                payload_type: 96,
                clock_rate: 90_000,
                channels: None,
                fmtp: None,
            },
            Codec::H264 => CodecParams {
                codec: self,
                payload_type: 102,
                clock_rate: 90_000,
                channels: None,
                fmtp: Some(H264_FMTP.into()),
            },
        }
    }

    /// The RTX payload type of our offers (RFC 4588 §8.6), video only.
    pub(crate) fn default_rtx(self) -> Option<u8> {
        match self {
            Codec::Opus => None,
            Codec::Vp8 => Some(97),
            Codec::H264 => Some(103),
        }
    }
}

/// RFC 6184 §8.1 parameters of our H.264: constrained baseline level 3.1, non-interleaved.
pub(crate) const H264_FMTP: &str =
    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f";

/// A negotiated codec: payload type and rtpmap/fmtp values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodecParams {
    pub codec: Codec,
    pub payload_type: u8,
    pub clock_rate: u32,
    pub channels: Option<u16>,
    pub fmtp: Option<String>,
}

impl CodecParams {
    pub fn name(&self) -> &'static str {
        self.codec.name()
    }
}

/// A local track (W3C `RTCRtpSender` in spirit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackId(pub u32);

/// One received RTP packet after SRTP (RFC 3550 §5.1 fields and the payload). A packet
/// repaired by RTX (RFC 4588) is handed out as the original it restores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaPacket {
    /// The m-section it belongs to (by SSRC, mid header extension, or payload type).
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

/// One reassembled frame (with [`Config::assemble_frames`](crate::Config::assemble_frames)):
/// the codec bitstream the sender gave [`Peer::send_frame`](crate::Peer::send_frame)
/// (Annex B for H.264).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFrame {
    /// The m-section.
    pub mid: String,
    /// The codec.
    pub codec: Codec,
    /// The sender's SSRC.
    pub ssrc: u32,
    /// RTP timestamp.
    pub timestamp: u32,
    /// Independently decodable.
    pub keyframe: bool,
    /// Frames before this one were lost or given up.
    pub after_loss: bool,
    /// The bitstream.
    pub data: Vec<u8>,
}

/// RFC 6464 audio level written on a track's packets when the extension is negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioLevel {
    /// The packet holds voice (V bit).
    pub voice: bool,
    /// 0 (loudest) to 127 (silence), -dBov.
    pub level: u8,
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
    /// The codec asked for in `add_track`; the negotiated one is the section's.
    pub codec: Codec,
    pub stream_id: String,
    pub track_id: String,
    pub ssrc: u32,
    pub seq: u16,
    /// The RTX stream (RFC 4588): its SSRC and sequence numbers; the payload type is set
    /// from the section when re-sending.
    pub rtx: strata_rtp::history::RtxSender,
    /// The m-section it was negotiated in.
    pub mid: Option<String>,
    pub audio_level: AudioLevel,
    /// VP8 picture id (RFC 7741 §4.2), 15 bits.
    pub picture_id: u16,
    pub counters: SendCounters,
    /// The latest report block about this track (RFC 3550 §6.4.1).
    pub remote: Option<RemoteReport>,
}

/// What the peer last reported about one of our tracks (W3C `remote-inbound-rtp`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RemoteReport {
    pub fraction_lost: u8,
    pub packets_lost: i32,
    pub jitter: u32,
    pub rtt: Option<std::time::Duration>,
    pub total_rtt: std::time::Duration,
    pub rtt_measurements: u64,
}

/// Per-track counters for W3C `outbound-rtp`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SendCounters {
    pub packets: u64,
    pub bytes: u64,
    pub retransmitted_packets: u64,
    pub retransmitted_bytes: u64,
    pub nacks: u64,
    pub plis: u64,
    pub firs: u64,
    pub frames: u64,
}

/// A negotiated audio/video m-section.
#[derive(Debug, Clone)]
pub(crate) struct MediaSection {
    pub mid: String,
    pub kind: MediaKind,
    pub codec: CodecParams,
    /// RFC 4588 `rtx` payload type with `apt` = the codec's, when both sides have it.
    pub rtx_pt: Option<u8>,
    /// RFC 8285 ids both sides agreed on.
    pub extmap: ExtensionMap,
    /// `a=rtcp-fb:<pt> transport-cc` on both sides (and the extension negotiated).
    pub twcc: bool,
    pub track: Option<TrackId>,
    pub rejected: bool,
}

impl MediaSection {
    /// A section we offer for `codec` with our defaults.
    pub fn offered(mid: String, codec: Codec, track: Option<TrackId>) -> Self {
        MediaSection {
            mid,
            kind: codec.kind(),
            codec: codec.params(),
            rtx_pt: codec.default_rtx(),
            extmap: default_extmap(codec.kind()),
            twcc: true,
            track,
            rejected: false,
        }
    }
}

/// Our extension ids, Chromium's numbering (the same URI has the same id in every section,
/// as BUNDLE needs).
pub(crate) const EXT_AUDIO_LEVEL: u8 = 1;
pub(crate) const EXT_ABS_SEND_TIME: u8 = 2;
pub(crate) const EXT_TRANSPORT_CC: u8 = 3;
pub(crate) const EXT_MID: u8 = 4;

pub(crate) fn default_extmap(kind: MediaKind) -> ExtensionMap {
    ExtensionMap {
        audio_level: (kind == MediaKind::Audio).then_some(EXT_AUDIO_LEVEL),
        abs_send_time: Some(EXT_ABS_SEND_TIME),
        transport_cc: Some(EXT_TRANSPORT_CC),
        mid: Some(EXT_MID),
        ..ExtensionMap::default()
    }
}

/// The `(id, uri)` pairs of the extensions we use, in id order.
pub(crate) fn extmap_entries(m: &ExtensionMap) -> Vec<(u8, &'static str)> {
    use strata_rtp::rtp::ext::{
        AbsSendTime, AudioLevel as Level, ExtensionValue, MID_URI, TransportSequence,
    };
    let mut v: Vec<(u8, &'static str)> = [
        (m.audio_level, Level::URI),
        (m.abs_send_time, AbsSendTime::URI),
        (m.transport_cc, TransportSequence::URI),
        (m.mid, MID_URI),
    ]
    .into_iter()
    .filter_map(|(id, uri)| Some((id?, uri)))
    .collect();
    v.sort_unstable();
    v
}
