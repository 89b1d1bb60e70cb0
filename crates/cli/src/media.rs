//! The embedded test clips (`media/README.md` says how they were made): an Ogg Opus tone and
//! an IVF VP8 test pattern, small bounded parsers for both containers, a [`Looper`] that
//! sends a clip in a loop paced by its timestamps (through `Peer::send_frame`, which
//! packetizes), and a [`FrameCounter`] for what arrives.

use std::sync::OnceLock;
use std::time::Duration;

use webrtc_peer::{Codec, MediaFrame, MediaKind, MediaPacket, Peer, TrackId};

/// `media/tone.opus`: 3 s of 440 Hz, Opus 48 kHz mono, 20 ms frames, in Ogg.
pub const OPUS_FILE: &[u8] = include_bytes!("../media/tone.opus");
/// `media/testsrc.ivf`: 3 s of 320x240 VP8 at 30 fps, a keyframe every second, in IVF.
pub const IVF_FILE: &[u8] = include_bytes!("../media/testsrc.ivf");

/// Packets or frames kept from one file at most.
pub const MAX_FRAMES: usize = 100_000;
/// Largest packet or frame accepted, in bytes.
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// A container that is not what it claims to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// Input ends inside a header or a body.
    #[error("truncated {0}")]
    Truncated(&'static str),
    /// A magic number, version or codec is not the expected one.
    #[error("not {0}")]
    Format(&'static str),
    /// An Ogg page's CRC does not match its content (RFC 3533 §6).
    #[error("Ogg page CRC mismatch")]
    Crc,
    /// A packet, frame or their count exceeds [`MAX_FRAME_BYTES`] or [`MAX_FRAMES`].
    #[error("{0} exceeds its bound")]
    TooLarge(&'static str),
}

/// One frame of a clip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipFrame {
    /// How long it lasts, in clock-rate ticks (the RTP timestamp step to the next frame).
    pub duration: u32,
    /// Decodable on its own (every Opus packet; VP8 keyframes).
    pub keyframe: bool,
    /// The codec bitstream.
    pub data: Vec<u8>,
}

/// A parsed clip: frames and the RTP clock they are timed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clip {
    /// Audio (Opus) or video (VP8).
    pub kind: MediaKind,
    /// RTP clock rate: 48 000 for Opus (RFC 7587 §4.1), 90 000 for VP8 (RFC 7741 §6.1).
    pub clock_rate: u32,
    /// Width and height (video only).
    pub size: Option<(u16, u16)>,
    /// The frames, in order; never empty.
    pub frames: Vec<ClipFrame>,
}

impl Clip {
    /// Total duration in clock ticks.
    pub fn ticks(&self) -> u64 {
        self.frames.iter().map(|f| u64::from(f.duration)).sum()
    }

    /// Total duration.
    pub fn duration(&self) -> Duration {
        ticks_to_duration(self.ticks(), self.clock_rate)
    }
}

fn ticks_to_duration(ticks: u64, rate: u32) -> Duration {
    Duration::from_nanos(ticks.saturating_mul(1_000_000_000) / u64::from(rate.max(1)))
}

/// The embedded Opus clip, parsed once.
pub fn opus_clip() -> &'static Clip {
    static CLIP: OnceLock<Clip> = OnceLock::new();
    CLIP.get_or_init(|| {
        parse_ogg_opus(OPUS_FILE).expect("invariant: the committed Opus file parses")
    })
}

/// The embedded VP8 clip, parsed once.
pub fn vp8_clip() -> &'static Clip {
    static CLIP: OnceLock<Clip> = OnceLock::new();
    CLIP.get_or_init(|| parse_ivf_vp8(IVF_FILE).expect("invariant: the committed VP8 file parses"))
}

/// The embedded clip of a kind.
pub fn clip(kind: MediaKind) -> &'static Clip {
    match kind {
        MediaKind::Audio => opus_clip(),
        MediaKind::Video => vp8_clip(),
    }
}

/// Ogg CRC-32 (RFC 3533 §6): polynomial 0x04c11db7, not reflected, initial value 0.
fn ogg_crc(data: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in data {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Splits an Ogg stream (RFC 3533) into the packets of its first logical stream. Packets that
/// span pages are joined; a continuation without its start is dropped.
pub fn ogg_packets(mut data: &[u8]) -> Result<Vec<Vec<u8>>, MediaError> {
    let mut packets = Vec::new();
    let mut partial: Option<Vec<u8>> = None;
    let mut serial = None;
    while !data.is_empty() {
        // RFC 3533 §6: 27-byte header, then the segment table.
        let head = data
            .get(..27)
            .ok_or(MediaError::Truncated("Ogg page header"))?;
        if &head[..4] != b"OggS" || head[4] != 0 {
            return Err(MediaError::Format("an Ogg page"));
        }
        let continued = head[5] & 0x01 != 0;
        let page_serial = u32::from_le_bytes([head[14], head[15], head[16], head[17]]);
        let crc = u32::from_le_bytes([head[22], head[23], head[24], head[25]]);
        let nsegs = usize::from(head[26]);
        let table = data
            .get(27..27 + nsegs)
            .ok_or(MediaError::Truncated("Ogg segment table"))?;
        let body_len: usize = table.iter().map(|&l| usize::from(l)).sum();
        let page_len = 27 + nsegs + body_len;
        let page = data
            .get(..page_len)
            .ok_or(MediaError::Truncated("Ogg page"))?;
        let mut check = page.to_vec();
        check[22..26].fill(0);
        if ogg_crc(&check) != crc {
            return Err(MediaError::Crc);
        }
        data = &data[page_len..];
        if *serial.get_or_insert(page_serial) != page_serial {
            continue; // another logical stream
        }
        if !continued {
            partial = None;
        }
        // The tail of a packet whose start we do not have is skipped.
        let mut orphan = continued && partial.is_none();
        let mut body = &page[27 + nsegs..];
        for &lacing in table {
            let (seg, rest) = body.split_at(usize::from(lacing));
            body = rest;
            if orphan {
                orphan = lacing == 255;
                continue;
            }
            let p = partial.get_or_insert_with(Vec::new);
            if p.len() + seg.len() > MAX_FRAME_BYTES {
                return Err(MediaError::TooLarge("Ogg packet"));
            }
            p.extend_from_slice(seg);
            if lacing < 255 {
                if packets.len() == MAX_FRAMES {
                    return Err(MediaError::TooLarge("Ogg packet count"));
                }
                packets.extend(partial.take());
            }
        }
    }
    Ok(packets)
}

/// Samples (at 48 kHz) in one Opus packet, from its TOC byte (RFC 6716 §3.1, §3.2.5).
pub fn opus_packet_samples(packet: &[u8]) -> Option<u32> {
    let toc = *packet.first()?;
    let config = toc >> 3;
    // Frame length in 1/8 ms (2.5 ms is the shortest).
    let eighths: u32 = match config {
        0..=11 => [80, 160, 320, 480][usize::from(config % 4)],
        12..=15 => [80, 160][usize::from(config % 2)],
        _ => [20, 40, 80, 160][usize::from(config % 4)],
    };
    let frames = match toc & 0x03 {
        0 => 1,
        1 | 2 => 2,
        _ => u32::from(*packet.get(1)? & 0x3f),
    };
    let samples = eighths * 6 * frames; // 48 samples per ms
    // RFC 6716 §3.2.5: at most 120 ms per packet.
    (samples > 0 && samples <= 5760).then_some(samples)
}

/// Parses an Ogg Opus file (RFC 7845): checks the `OpusHead` and `OpusTags` headers and
/// returns the audio packets with their durations from their TOC bytes.
pub fn parse_ogg_opus(data: &[u8]) -> Result<Clip, MediaError> {
    let packets = ogg_packets(data)?;
    let mut it = packets.into_iter();
    // RFC 7845 §5.1: OpusHead, version 1 (major version 0).
    let head = it.next().ok_or(MediaError::Truncated("Ogg Opus"))?;
    if !head.starts_with(b"OpusHead") || head.len() < 19 || head[8] >> 4 != 0 {
        return Err(MediaError::Format("an OpusHead header"));
    }
    // RFC 7845 §5.2.
    let tags = it.next().ok_or(MediaError::Truncated("Ogg Opus"))?;
    if !tags.starts_with(b"OpusTags") {
        return Err(MediaError::Format("an OpusTags header"));
    }
    let frames = it
        .map(|data| {
            let duration =
                opus_packet_samples(&data).ok_or(MediaError::Format("an Opus packet"))?;
            Ok(ClipFrame {
                duration,
                keyframe: true,
                data,
            })
        })
        .collect::<Result<Vec<_>, MediaError>>()?;
    if frames.is_empty() {
        return Err(MediaError::Truncated("Ogg Opus: no audio packets"));
    }
    Ok(Clip {
        kind: MediaKind::Audio,
        clock_rate: 48_000,
        size: None,
        frames,
    })
}

/// Parses an IVF file of VP8 frames (the libvpx container: a 32-byte header, then frames
/// with a 12-byte header: size and timestamp, little-endian). Durations come from the
/// timestamps in the file's time base; keyframes from the VP8 frame tag (RFC 6386 §9.1).
pub fn parse_ivf_vp8(data: &[u8]) -> Result<Clip, MediaError> {
    let head = data.get(..32).ok_or(MediaError::Truncated("IVF header"))?;
    let u16_at = |i: usize| u16::from_le_bytes([head[i], head[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
    if &head[..4] != b"DKIF" || u16_at(4) != 0 {
        return Err(MediaError::Format("an IVF file"));
    }
    if &head[8..12] != b"VP80" {
        return Err(MediaError::Format("VP8"));
    }
    let header_len = usize::from(u16_at(6));
    let (width, height) = (u16_at(12), u16_at(14));
    // Time base: timestamps count units of `scale / rate` seconds.
    let (rate, scale) = (u32_at(16), u32_at(20));
    if rate == 0 || scale == 0 || header_len < 32 {
        return Err(MediaError::Format("an IVF header"));
    }
    let mut rest = data
        .get(header_len..)
        .ok_or(MediaError::Truncated("IVF header"))?;
    let mut raw: Vec<(u64, &[u8])> = Vec::new();
    while !rest.is_empty() {
        let fh = rest
            .get(..12)
            .ok_or(MediaError::Truncated("IVF frame header"))?;
        let size = u32::from_le_bytes([fh[0], fh[1], fh[2], fh[3]]) as usize;
        let pts = u64::from_le_bytes(fh[4..12].try_into().expect("invariant: 8 bytes"));
        if size > MAX_FRAME_BYTES {
            return Err(MediaError::TooLarge("IVF frame"));
        }
        if raw.len() == MAX_FRAMES {
            return Err(MediaError::TooLarge("IVF frame count"));
        }
        let frame = rest
            .get(12..12 + size)
            .ok_or(MediaError::Truncated("IVF frame"))?;
        // RFC 6386 §9.1: a 3-byte frame tag at least.
        if frame.len() < 3 {
            return Err(MediaError::Format("a VP8 frame"));
        }
        raw.push((pts, frame));
        rest = &rest[12 + size..];
    }
    if raw.is_empty() {
        return Err(MediaError::Truncated("IVF: no frames"));
    }
    // 90 kHz ticks of one time-base unit, as a fraction.
    let to_ticks = |units: u64| -> u32 {
        let t = u128::from(units) * 90_000 * u128::from(scale) / u128::from(rate);
        u32::try_from(t).unwrap_or(u32::MAX).max(1)
    };
    let default = to_ticks(1);
    let frames = raw
        .iter()
        .enumerate()
        .map(|(i, (pts, frame))| {
            let duration = raw
                .get(i + 1)
                .and_then(|(next, _)| next.checked_sub(*pts))
                .filter(|&d| d > 0)
                .map_or(default, to_ticks);
            ClipFrame {
                duration,
                keyframe: frame[0] & 0x01 == 0,
                data: frame.to_vec(),
            }
        })
        .collect();
    Ok(Clip {
        kind: MediaKind::Video,
        clock_rate: 90_000,
        size: Some((width, height)),
        frames,
    })
}

/// Sends a clip on a track in a loop, each frame when it is due by the clip's timestamps.
#[derive(Debug)]
pub struct Looper {
    /// The track it sends on.
    pub track: TrackId,
    clip: &'static Clip,
    next: usize,
    // Ticks since the start of the first frame of the next frame.
    ticks: u64,
    /// Frames sent.
    pub frames_sent: u64,
    /// RTP packets sent.
    pub packets_sent: u64,
    /// Frames the peer refused (queue full, not negotiated yet): skipped, as live media is.
    pub frames_dropped: u64,
    /// Keyframe requests honoured.
    pub keyframe_requests: u64,
}

impl Looper {
    /// A looper for `clip` on `track`.
    pub fn new(track: TrackId, clip: &'static Clip) -> Self {
        Looper {
            track,
            clip,
            next: 0,
            ticks: 0,
            frames_sent: 0,
            packets_sent: 0,
            frames_dropped: 0,
            keyframe_requests: 0,
        }
    }

    /// Sends every frame due by `elapsed` (time since sending began), none starting past
    /// `until`. Returns how many frames went out.
    pub fn poll(&mut self, peer: &mut Peer, elapsed: Duration, until: Option<Duration>) -> usize {
        let mut sent = 0;
        let rate = self.clip.clock_rate;
        loop {
            let due = ticks_to_duration(self.ticks, rate);
            if due > elapsed || until.is_some_and(|u| due >= u) {
                return sent;
            }
            let frame = &self.clip.frames[self.next];
            // The RTP timestamp wraps (RFC 3550 §5.1).
            let ts = self.ticks as u32;
            if self.send(peer, frame, ts) {
                self.frames_sent += 1;
                sent += 1;
            } else {
                self.frames_dropped += 1;
            }
            self.ticks += u64::from(frame.duration);
            self.next = (self.next + 1) % self.clip.frames.len();
        }
    }

    fn send(&mut self, peer: &mut Peer, frame: &ClipFrame, ts: u32) -> bool {
        // Only into a track that negotiated the clip's codec: VP8 bytes are no H.264.
        let codec = match self.clip.kind {
            MediaKind::Audio => Codec::Opus,
            MediaKind::Video => Codec::Vp8,
        };
        if peer.track_codec(self.track) != Some(codec) {
            return false;
        }
        // The peer packetizes (RFC 7587 §4.2, RFC 7741 §4.1 with a PictureID) and sets the
        // video marker on the last packet.
        match peer.send_frame(self.track, &frame.data, ts) {
            Ok(n) => {
                self.packets_sent += n as u64;
                true
            }
            Err(_) => false,
        }
    }

    /// The remote asked for a keyframe (PLI/FIR): the next frame sent is the latest keyframe
    /// at or before the current position, so the remote can decode from it.
    pub fn keyframe_request(&mut self) {
        self.keyframe_requests += 1;
        let frames = &self.clip.frames;
        if frames[self.next].keyframe {
            return;
        }
        self.next = (0..self.next)
            .rev()
            .find(|&i| frames[i].keyframe)
            .unwrap_or(0);
    }
}

/// Counts received media: RTP packets ([`webrtc_peer::Event::Media`]) and reassembled frames
/// ([`webrtc_peer::Event::Frame`], with `Config::with_frames`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FrameCounter {
    /// RTP packets per kind (audio, video).
    pub packets: [u64; 2],
    /// Frames per kind (audio, video).
    pub frames: [u64; 2],
    /// Video keyframes.
    pub keyframes: u64,
}

impl FrameCounter {
    /// Counts one packet.
    pub fn packet(&mut self, p: &MediaPacket) {
        self.packets[usize::from(p.kind == MediaKind::Video)] += 1;
    }

    /// Counts one frame; returns true if it is the first of its kind.
    pub fn frame(&mut self, f: &MediaFrame) -> bool {
        let video = f.codec.kind() == MediaKind::Video;
        let i = usize::from(video);
        self.frames[i] += 1;
        if video && f.keyframe {
            self.keyframes += 1;
        }
        self.frames[i] == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_opus_clip_is_three_seconds_of_20ms_packets() {
        let c = parse_ogg_opus(OPUS_FILE).unwrap();
        assert_eq!(c.clock_rate, 48_000);
        assert!(
            (145..=160).contains(&c.frames.len()),
            "{} packets",
            c.frames.len()
        );
        assert!(c.frames.iter().all(|f| f.duration == 960));
        let d = c.duration().as_secs_f64();
        assert!((2.9..3.2).contains(&d), "{d}");
        // No header packet leaks into the audio.
        assert!(!c.frames.iter().any(|f| f.data.starts_with(b"Opus")));
    }

    #[test]
    fn committed_vp8_clip_is_320x240_30fps_keyframe_each_second() {
        let c = parse_ivf_vp8(IVF_FILE).unwrap();
        assert_eq!(c.size, Some((320, 240)));
        assert_eq!(c.frames.len(), 90);
        assert!(c.frames.iter().all(|f| f.duration == 3000));
        let keys: Vec<usize> = (0..90).filter(|&i| c.frames[i].keyframe).collect();
        assert_eq!(keys, [0, 30, 60]);
        // A VP8 keyframe carries the start code and dimensions (RFC 6386 §9.1).
        let k = &c.frames[0].data;
        assert_eq!(&k[3..6], &[0x9d, 0x01, 0x2a]);
        assert_eq!(u16::from_le_bytes([k[6], k[7]]) & 0x3fff, 320);
        assert_eq!(u16::from_le_bytes([k[8], k[9]]) & 0x3fff, 240);
    }

    #[test]
    fn files_stay_small() {
        assert!(OPUS_FILE.len() <= 150_000 && IVF_FILE.len() <= 150_000);
    }

    #[test]
    fn opus_toc_durations() {
        // RFC 6716 §3.1: config 1 (SILK NB 20 ms) code 0; config 31 (CELT FB 20 ms) code 1;
        // config 16 (CELT 2.5 ms) code 3 with 4 frames; code 3 without its count byte.
        assert_eq!(opus_packet_samples(&[1 << 3]), Some(960));
        assert_eq!(opus_packet_samples(&[(31 << 3) | 1]), Some(1920));
        assert_eq!(opus_packet_samples(&[(16 << 3) | 3, 4]), Some(480));
        assert_eq!(opus_packet_samples(&[(16 << 3) | 3]), None);
        assert_eq!(opus_packet_samples(&[(3 << 3) | 3, 3]), None); // 180 ms > 120 ms
        assert_eq!(opus_packet_samples(&[]), None);
    }

    #[test]
    fn ogg_crc_mismatch_is_refused() {
        let mut bad = OPUS_FILE.to_vec();
        let last = bad.len() - 1;
        bad[last] ^= 0x55;
        assert_eq!(ogg_packets(&bad), Err(MediaError::Crc));
    }

    #[test]
    fn ogg_joins_packets_across_pages_and_drops_orphans() {
        fn page(flags: u8, serial: u32, lacing: &[u8], body: &[u8]) -> Vec<u8> {
            let mut p = b"OggS\0".to_vec();
            p.push(flags);
            p.extend_from_slice(&[0; 8]);
            p.extend_from_slice(&serial.to_le_bytes());
            p.extend_from_slice(&[0; 8]);
            p.push(lacing.len() as u8);
            p.extend_from_slice(lacing);
            p.extend_from_slice(body);
            let crc = ogg_crc(&p);
            p[22..26].copy_from_slice(&crc.to_le_bytes());
            p
        }
        let mut s = page(0, 7, &[255], &[1; 255]);
        s.extend(page(1, 7, &[10, 3], &[2; 13]));
        s.extend(page(0, 9, &[4], &[9; 4])); // another logical stream: skipped
        // Claims to continue a packet that ended: its first packet is an orphan tail.
        s.extend(page(1, 7, &[5, 6], &[3; 11]));
        let p = ogg_packets(&s).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].len(), 265);
        assert!(p[0][..255].iter().all(|&b| b == 1) && p[0][255..].iter().all(|&b| b == 2));
        assert_eq!(p[1], [2; 3]);
        assert_eq!(p[2], [3; 6]);
        // A page that does not continue discards an unfinished packet.
        let mut s = page(0, 7, &[255], &[1; 255]);
        s.extend(page(0, 7, &[2], &[4; 2]));
        assert_eq!(ogg_packets(&s).unwrap(), vec![vec![4; 2]]);
    }

    #[test]
    fn truncated_or_corrupted_input_never_panics() {
        for file in [OPUS_FILE, IVF_FILE] {
            for n in (0..file.len())
                .step_by(97)
                .chain([1, 4, 26, 27, 31, 32, 43, 44])
            {
                let _ = parse_ogg_opus(&file[..n.min(file.len())]);
                let _ = parse_ivf_vp8(&file[..n.min(file.len())]);
            }
            for i in (0..file.len()).step_by(53) {
                let mut f = file.to_vec();
                f[i] ^= 0xff;
                let _ = parse_ogg_opus(&f);
                let _ = parse_ivf_vp8(&f);
            }
        }
        assert!(matches!(
            parse_ivf_vp8(&IVF_FILE[..40]),
            Err(MediaError::Truncated(_))
        ));
        assert!(parse_ogg_opus(IVF_FILE).is_err());
        assert!(parse_ivf_vp8(OPUS_FILE).is_err());
        // A frame size beyond the bound is refused before any allocation.
        let mut huge = IVF_FILE[..32].to_vec();
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        huge.extend_from_slice(&[0; 8]);
        assert_eq!(parse_ivf_vp8(&huge), Err(MediaError::TooLarge("IVF frame")));
    }

    #[test]
    fn looper_paces_by_timestamps_loops_and_stops_at_until() {
        // A peer without a negotiated track refuses every frame: the looper skips them as
        // live media does, so pacing shows in `frames_dropped` and the position.
        let mut peer = Peer::new(webrtc_peer::Config::default(), std::time::Instant::now());
        let clip = opus_clip();
        let n = clip.frames.len() as u64;
        let mut l = Looper::new(TrackId(0), clip);
        // Frames are due at 0, 20, ..., 980 ms.
        assert_eq!(l.poll(&mut peer, Duration::from_millis(990), None), 0);
        assert_eq!((l.frames_dropped, l.ticks), (50, 50 * 960));
        // Past the end of the clip it starts over, timestamps still rising.
        l.poll(&mut peer, Duration::from_millis(3500), None);
        assert_eq!(l.frames_dropped, 176);
        assert_eq!(l.next as u64, 176 % n);
        assert_eq!(l.ticks, 176 * 960);
        // Nothing due at or after `until` goes out.
        l.poll(
            &mut peer,
            Duration::from_secs(10),
            Some(Duration::from_secs(4)),
        );
        assert_eq!(l.frames_dropped, 200);
        assert_eq!(l.frames_sent, 0);
    }

    #[test]
    fn keyframe_request_rewinds_to_the_last_keyframe() {
        let mut l = Looper::new(TrackId(1), vp8_clip());
        l.next = 45;
        l.keyframe_request();
        assert_eq!(l.next, 30);
        l.next = 30;
        l.keyframe_request();
        assert_eq!(l.next, 30);
        l.next = 5;
        l.keyframe_request();
        assert_eq!(l.next, 0);
        assert_eq!(l.keyframe_requests, 3);
    }
}
