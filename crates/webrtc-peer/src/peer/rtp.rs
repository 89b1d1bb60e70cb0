//! Media: tracks, SRTP, RTP in and out, header extensions, RTX, RTCP reports, NACK, PLI and
//! transport-cc feedback (RFC 3550, RFC 4585, RFC 4588, RFC 8285).

use std::time::Instant;

use strata_rtp::packetize::{
    Depacketizer, FrameAssembler, H264Depacketizer, H264Packetizer, OpusDepacketizer,
    OpusPacketizer, Packetizer, Vp8Depacketizer, Vp8Packetizer,
};
use strata_rtp::rtp::ext::{AbsSendTime, AudioLevel as Level, TransportSequence};
use strata_rtp::rtp::{ExtensionForm, ExtensionMap, ParsedExtensions, RtpPacket};

use super::*;
use crate::media::{AudioLevel, Codec, MediaFrame, SendCounters};

/// Bytes of RTP header extensions we may add (one-byte form: mid ≤ 16, abs-send-time,
/// transport-cc, audio level, padding).
const EXT_ROOM: usize = 4 + 17 + 4 + 3 + 2 + 3;

/// Per remote SSRC receive counters (W3C `inbound-rtp`).
#[derive(Debug, Clone, Default)]
pub(crate) struct InboundCounters {
    pub mid: String,
    pub kind: Option<MediaKind>,
    pub codec: Option<Codec>,
    pub packets: u64,
    pub bytes: u64,
    pub header_bytes: u64,
    pub rtx_packets: u64,
    pub nacks: u64,
    pub plis: u64,
    pub frames: u64,
    pub keyframes: u64,
}

/// A frame assembler for the codec of a remote stream.
#[derive(Debug)]
pub(crate) enum Assembler {
    Opus(FrameAssembler<OpusDepacketizer>),
    Vp8(FrameAssembler<Vp8Depacketizer>),
    H264(FrameAssembler<H264Depacketizer>),
}

impl Assembler {
    fn new(codec: Codec) -> Self {
        let cfg = strata_rtp::packetize::AssemblerConfig {
            max_packets: 512,
            max_frame_bytes: 2 << 20,
        };
        match codec {
            Codec::Opus => Assembler::Opus(FrameAssembler::new(OpusDepacketizer, cfg)),
            Codec::Vp8 => Assembler::Vp8(FrameAssembler::new(Vp8Depacketizer, cfg)),
            Codec::H264 => Assembler::H264(FrameAssembler::new(H264Depacketizer, cfg)),
        }
    }

    fn push_pop(&mut self, p: &RtpPacket<&[u8]>, out: &mut Vec<strata_rtp::packetize::Frame>) {
        fn go<D: Depacketizer>(
            a: &mut FrameAssembler<D>,
            p: &RtpPacket<&[u8]>,
            out: &mut Vec<strata_rtp::packetize::Frame>,
        ) {
            let _ = a.push(p);
            while let Some(f) = a.pop_frame() {
                out.push(f);
            }
        }
        match self {
            Assembler::Opus(a) => go(a, p, out),
            Assembler::Vp8(a) => go(a, p, out),
            Assembler::H264(a) => go(a, p, out),
        }
    }
}

/// How a received packet maps to a section.
struct Route {
    section: usize,
    /// RTX (RFC 4588): the original stream's SSRC.
    rtx_of: Option<u32>,
}

impl Peer {
    /// Adds a track (W3C `addTrack`) with the kind's default codec (Opus or VP8). See
    /// [`add_track_with_codec`](Self::add_track_with_codec).
    pub fn add_track(&mut self, kind: MediaKind, stream_id: &str) -> Result<TrackId, Error> {
        self.add_track_with_codec(kind.default_codec(), stream_id)
    }

    /// Adds a track sending `codec`: an m-section in our next offer (with that codec and, for
    /// video, its RTX), or, on the answering side before
    /// [`create_answer`](Self::create_answer), the sender of the first offered m-section of
    /// that kind (the codec is used if offered, else the offer's first codec we have). After
    /// the connection is up, negotiate again (a new offer) to send it. Returns the handle
    /// [`send_rtp`](Self::send_rtp) and [`send_frame`](Self::send_frame) take.
    pub fn add_track_with_codec(
        &mut self,
        codec: Codec,
        stream_id: &str,
    ) -> Result<TrackId, Error> {
        self.check_open()?;
        let kind = codec.kind();
        let id = TrackId(self.tracks.len() as u32);
        let ssrc = self.rng.next_u32();
        let seq = (self.rng.next_u32() & 0x7fff) as u16;
        let rtx_ssrc = self.rng.next_u32();
        let rtx_seq = (self.rng.next_u32() & 0x7fff) as u16;
        let picture_id = (self.rng.next_u32() & 0x7fff) as u16;
        self.tracks.push(LocalTrack {
            kind,
            codec,
            stream_id: stream_id.to_owned(),
            track_id: format!("{}-{}", kind.as_str(), id.0),
            ssrc,
            seq,
            rtx: strata_rtp::history::RtxSender::new(0, rtx_ssrc, strata_rtp::SeqNum(rtx_seq)),
            mid: None,
            sent: strata_rtp::stats::SenderStats::default(),
            last_ts: 0,
            history: strata_rtp::history::PacketHistory::new(
                512,
                1500,
                std::time::Duration::from_secs(2),
            ),
            audio_level: AudioLevel {
                voice: false,
                level: 127,
            },
            picture_id,
            counters: SendCounters::default(),
            remote: None,
        });
        Ok(id)
    }

    /// The m-section of a track once negotiated, `None` if it was rejected or not yet offered.
    pub fn track_mid(&self, track: TrackId) -> Option<&str> {
        self.track_section(track).map(|s| s.mid.as_str())
    }

    /// The codec a track sends once negotiated (the section's, which may differ from the one
    /// asked for when the remote offered another).
    pub fn track_codec(&self, track: TrackId) -> Option<Codec> {
        self.track_section(track).map(|s| s.codec.codec)
    }

    /// Whether RTX (RFC 4588) is negotiated for a track: re-sent packets then go on the RTX
    /// SSRC; otherwise the original packet is re-sent as it was.
    pub fn track_rtx(&self, track: TrackId) -> bool {
        self.track_section(track)
            .is_some_and(|s| s.rtx_pt.is_some())
    }

    /// Sets the RFC 6464 audio level written on the track's next packets (when the
    /// `ssrc-audio-level` extension is negotiated). Until set: 127 (silence), no voice.
    pub fn set_audio_level(&mut self, track: TrackId, level: AudioLevel) -> Result<(), Error> {
        let t = self
            .tracks
            .get_mut(track.0 as usize)
            .ok_or(Error::Media("unknown track"))?;
        t.audio_level = AudioLevel {
            voice: level.voice,
            level: level.level.min(127),
        };
        Ok(())
    }

    fn track_section(&self, track: TrackId) -> Option<&MediaSection> {
        let mid = self.tracks.get(track.0 as usize)?.mid.as_deref()?;
        self.sections
            .iter()
            .find(|s| s.mid == mid && !s.rejected && s.track == Some(track))
    }

    /// Sends one RTP packet on a track (RFC 3550 §5.1: our SSRC, the negotiated payload type,
    /// the next sequence number; the caller gives the payload, timestamp and marker),
    /// with the negotiated header extensions (RFC 8285: mid, abs-send-time, transport-wide
    /// sequence number, audio level), SRTP-protected with the keys DTLS exported
    /// (RFC 5764 §4.2).
    pub fn send_rtp(
        &mut self,
        track: TrackId,
        payload: &[u8],
        timestamp: u32,
        marker: bool,
    ) -> Result<(), Error> {
        self.check_open()?;
        let i = track.0 as usize;
        let t = self
            .tracks
            .get_mut(i)
            .ok_or(Error::Media("unknown track"))?;
        let mid = t
            .mid
            .as_deref()
            .ok_or(Error::Media("track not negotiated"))?;
        let sec = self
            .sections
            .iter()
            .find(|s| s.mid == mid && !s.rejected && s.track == Some(track))
            .ok_or(Error::Media("track not negotiated"))?;
        let srtp = self
            .srtp
            .as_mut()
            .ok_or(Error::Media("SRTP keys not ready"))?;
        if self.media_out.len() >= MAX_MEDIA_QUEUE {
            return Err(Error::QueueFull);
        }
        let header = strata_rtp::rtp::RtpHeader {
            marker,
            payload_type: sec.codec.payload_type,
            sequence_number: strata_rtp::SeqNum(t.seq),
            timestamp: strata_rtp::RtpTimestamp(timestamp),
            ssrc: t.ssrc,
        };
        let mut buf = vec![0u8; 12 + EXT_ROOM + payload.len()];
        let mut w = strata_rtp::rtp::RtpWriter::new(&mut buf, &header, &[])
            .map_err(|_| Error::Media("RTP packet does not fit"))?;
        let m = &sec.extmap;
        let ext = ExtValues {
            mid: sec.mid.as_bytes(),
            abs_send_time: AbsSendTime::from_ntp(self.ntp.ntp(self.now).0),
            transport_seq: m.transport_cc.map(|_| {
                let s = self.twcc_seq;
                self.twcc_seq = s.wrapping_add(1);
                s
            }),
            level: (t.kind == MediaKind::Audio).then_some(Level {
                voice: t.audio_level.voice,
                level: t.audio_level.level,
            }),
        };
        write_extensions(&mut w, m, &ext).map_err(|_| Error::Media("RTP packet does not fit"))?;
        let n = w
            .payload(payload)
            .map_err(|_| Error::Media("RTP packet does not fit"))?;
        buf.truncate(n);
        let _ = t.history.insert(&buf, self.now);
        t.sent.on_sent(payload.len());
        t.last_ts = timestamp;
        t.counters.packets += 1;
        t.counters.bytes += payload.len() as u64;
        srtp.outbound
            .protect_rtp(&mut buf)
            .map_err(|_| Error::Media("SRTP protect failed"))?;
        t.seq = t.seq.wrapping_add(1);
        self.media_out.push_back(buf);
        self.stats.rtp_packets_sent += 1;
        self.stats.rtp_bytes_sent += payload.len() as u64;
        Ok(())
    }

    /// Sends one encoded frame on a track: packetized for the negotiated codec by strata-rtp
    /// (Opus RFC 7587, VP8 RFC 7741 with a picture id, H.264 RFC 6184 packetization-mode 1
    /// from an Annex B access unit), the marker on the last packet of a video frame. Returns
    /// the number of RTP packets sent. All packets are queued or none.
    pub fn send_frame(
        &mut self,
        track: TrackId,
        frame: &[u8],
        timestamp: u32,
    ) -> Result<usize, Error> {
        self.check_open()?;
        let codec = self
            .track_codec(track)
            .ok_or(Error::Media("track not negotiated"))?;
        if self.srtp.is_none() {
            return Err(Error::Media("SRTP keys not ready"));
        }
        let t = &mut self.tracks[track.0 as usize];
        // SRTP tag (16) and our extensions must fit the MTU with the payload.
        let budget = self.config.mtu.saturating_sub(12 + EXT_ROOM + 16).max(64);
        let payloads = match codec {
            Codec::Opus => packetize(OpusPacketizer::new(frame), budget),
            Codec::Vp8 => {
                let pid = t.picture_id;
                t.picture_id = (pid + 1) & 0x7fff;
                packetize(Vp8Packetizer::new(frame, Some(pid)), budget)
            }
            Codec::H264 => packetize(H264Packetizer::new(frame), budget),
        };
        if payloads.is_empty() {
            return Err(Error::Media("empty frame"));
        }
        if self.media_out.len() + payloads.len() > MAX_MEDIA_QUEUE {
            return Err(Error::QueueFull);
        }
        let video = codec.kind() == MediaKind::Video;
        let n = payloads.len();
        for (i, p) in payloads.iter().enumerate() {
            self.send_rtp(track, p, timestamp, video && i + 1 == n)?;
        }
        self.tracks[track.0 as usize].counters.frames += 1;
        Ok(n)
    }

    /// Answerer: accept each offered audio/video m-section with a codec we have (Opus, VP8,
    /// H.264 constrained baseline mode 1), with the offer's payload type, its RTX, the
    /// extensions we know with the offer's ids, and attach our first unattached track of
    /// that kind.
    pub(super) fn negotiate_answer_media(&mut self) {
        let Some(remote) = &self.remote else { return };
        let mut sections = Vec::new();
        // Tracks keep the section they were negotiated in (JSEP §5.3.2).
        let mut used: Vec<bool> = self.tracks.iter().map(|t| t.mid.is_some()).collect();
        for ml in &remote.mlines {
            if let Some(old) = self.sections.iter().find(|s| s.mid == ml.mid) {
                let mut old = old.clone();
                old.rejected |= ml.rejected;
                sections.push(old);
                continue;
            }
            let kind = match ml.media {
                strata_sdp::MediaType::Audio => MediaKind::Audio,
                strata_sdp::MediaType::Video => MediaKind::Video,
                _ => continue,
            };
            let offered = offered_codecs(ml, kind);
            let Some(&(first, ..)) = offered.first() else {
                continue; // no common codec: rejected in the answer
            };
            let track = (0..self.tracks.len())
                .find(|&i| !used[i] && self.tracks[i].kind == kind)
                .map(|i| {
                    used[i] = true;
                    TrackId(i as u32)
                });
            // The track's codec if offered, else the offerer's first choice.
            let want = track.map_or(first, |t| self.tracks[t.0 as usize].codec);
            let &(codec, pt, clock, ref fmtp) =
                offered.iter().find(|c| c.0 == want).unwrap_or(&offered[0]);
            let extmap = answer_extmap(ml, kind);
            sections.push(MediaSection {
                mid: ml.mid.clone(),
                kind,
                codec: crate::media::CodecParams {
                    codec,
                    payload_type: pt,
                    clock_rate: clock,
                    fmtp: fmtp.clone(),
                    ..codec.params()
                },
                rtx_pt: if kind == MediaKind::Video {
                    ml.rtx_for(pt)
                } else {
                    None
                },
                twcc: extmap.transport_cc.is_some() && ml.has_fb(pt, "transport-cc", None),
                extmap,
                track,
                rejected: ml.rejected,
            });
        }
        for (i, t) in self.tracks.iter_mut().enumerate() {
            t.mid = sections
                .iter()
                .find(|s| s.track == Some(TrackId(i as u32)))
                .map(|s| s.mid.clone());
        }
        self.sections = sections;
        self.update_rx_extmap();
    }

    /// Offerer: what the answer accepted of each section we offered: RTX only if the answer
    /// has an `rtx` with our `apt`, extensions only with the ids the answer repeats,
    /// transport-cc feedback only if both sides list it.
    pub(super) fn apply_answer_media(&mut self, remote: &crate::jsep::RemoteParams) {
        for sec in &mut self.sections {
            let Some(ml) = remote.mlines.iter().find(|m| m.mid == sec.mid) else {
                continue;
            };
            if ml.rejected {
                continue;
            }
            let pt = sec.codec.payload_type;
            if sec.rtx_pt.is_some() {
                sec.rtx_pt = ml.rtx_for(pt);
            }
            let ours = sec.extmap;
            let theirs = answer_extmap(ml, sec.kind);
            sec.extmap = ExtensionMap {
                audio_level: ours.audio_level.and(theirs.audio_level),
                abs_send_time: ours.abs_send_time.and(theirs.abs_send_time),
                transport_cc: ours.transport_cc.and(theirs.transport_cc),
                mid: ours.mid.and(theirs.mid),
                ..ExtensionMap::default()
            };
            sec.twcc &= sec.extmap.transport_cc.is_some() && ml.has_fb(pt, "transport-cc", None);
        }
        self.update_rx_extmap();
    }

    /// The SSRCs the remote description signals (RFC 5576 `a=ssrc`, `a=ssrc-group:FID`),
    /// so packets demux by SSRC and RTX maps to its original stream before any arrives.
    pub(super) fn learn_remote_ssrcs(&mut self, remote: &crate::jsep::RemoteParams) {
        for ml in remote.mlines.iter().filter(|m| !m.rejected) {
            for &(media, rtx) in &ml.fid {
                if self.remote_rtx.len() < MAX_RECEIVERS {
                    self.remote_rtx.insert(rtx, media);
                }
            }
            for &ssrc in &ml.ssrcs {
                if self.remote_rtx.contains_key(&ssrc) {
                    continue;
                }
                if self.remote_ssrcs.len() < MAX_RECEIVERS || self.remote_ssrcs.contains_key(&ssrc)
                {
                    self.remote_ssrcs.insert(ssrc, ml.mid.clone());
                }
            }
        }
    }

    /// One map for parsing received packets: with BUNDLE every section uses the same id for
    /// the same URI (RFC 8843 §9.1.3.4), so the first section's id for each URI serves all.
    fn update_rx_extmap(&mut self) {
        let mut m = ExtensionMap::default();
        for s in self.sections.iter().filter(|s| !s.rejected) {
            let e = &s.extmap;
            m.audio_level = m.audio_level.or(e.audio_level);
            m.abs_send_time = m.abs_send_time.or(e.abs_send_time);
            m.transport_cc = m.transport_cc.or(e.transport_cc);
            m.mid = m.mid.or(e.mid);
        }
        self.rx_extmap = m;
    }

    /// W3C `ontrack`: once negotiation finishes, each accepted section the peer sends on.
    pub(super) fn announce_remote_tracks(&mut self) {
        let Some(remote) = &self.remote else { return };
        let found: Vec<Event> = self
            .sections
            .iter()
            .filter(|s| !s.rejected && !self.announced.contains(&s.mid))
            .filter(|s| remote.mlines.iter().any(|m| m.mid == s.mid && m.sending))
            .map(|s| Event::Track {
                mid: s.mid.clone(),
                kind: s.kind,
            })
            .collect();
        for e in found {
            if let Event::Track { mid, .. } = &e {
                self.announced.push(mid.clone());
            }
            self.push_event(e);
        }
    }

    /// RFC 8843 §9.2 demux: a signalled or learned SSRC first, then the mid header
    /// extension (unsignalled SSRCs, as Chromium and Firefox send), then a payload type
    /// only one section uses. RTX finds its original SSRC through `a=ssrc-group:FID`, or
    /// the one stream known in its section.
    fn route(&mut self, ssrc: u32, pt: u8, mid: Option<&str>) -> Option<Route> {
        let live = |s: &MediaSection| !s.rejected;
        let by_mid = |sections: &[MediaSection], mid: &str| {
            sections.iter().position(|s| live(s) && s.mid == mid)
        };
        if let Some(m) = self.remote_ssrcs.get(&ssrc)
            && let Some(i) = by_mid(&self.sections, m)
        {
            return (self.sections[i].codec.payload_type == pt).then_some(Route {
                section: i,
                rtx_of: None,
            });
        }
        if let Some(&media) = self.remote_rtx.get(&ssrc) {
            let i = self
                .remote_ssrcs
                .get(&media)
                .and_then(|m| by_mid(&self.sections, m))
                .or_else(|| mid.and_then(|m| by_mid(&self.sections, m)))?;
            return (self.sections[i].rtx_pt == Some(pt)).then_some(Route {
                section: i,
                rtx_of: Some(media),
            });
        }
        let i = match mid.and_then(|m| by_mid(&self.sections, m)) {
            Some(i) => i,
            None => {
                let mut it = self.sections.iter().enumerate().filter(|(_, s)| {
                    live(s) && (s.codec.payload_type == pt || s.rtx_pt == Some(pt))
                });
                let (i, _) = it.next()?;
                if it.next().is_some() {
                    return None; // ambiguous without SSRC or mid
                }
                i
            }
        };
        let sec = &self.sections[i];
        if sec.codec.payload_type == pt {
            if self.remote_ssrcs.len() < MAX_RECEIVERS {
                self.remote_ssrcs.insert(ssrc, sec.mid.clone());
            }
            return Some(Route {
                section: i,
                rtx_of: None,
            });
        }
        if sec.rtx_pt != Some(pt) {
            return None;
        }
        // Unsignalled RTX: the one media SSRC of its section.
        let mut media = self
            .remote_ssrcs
            .iter()
            .filter(|(_, m)| **m == sec.mid)
            .map(|(s, _)| *s);
        let (Some(m), None) = (media.next(), media.next()) else {
            return None;
        };
        if self.remote_rtx.len() < MAX_RECEIVERS {
            self.remote_rtx.insert(ssrc, m);
        }
        Some(Route {
            section: i,
            rtx_of: Some(m),
        })
    }

    pub(super) fn handle_rtp(&mut self, data: &[u8]) -> Result<(), Error> {
        let Some(srtp) = &mut self.srtp else {
            self.stats.rtp_dropped += 1;
            return Ok(());
        };
        let mut buf = data.to_vec();
        if strata_rtp::rtp::is_rtcp(&buf) {
            // RFC 5761 §4: RTCP by packet type.
            return match srtp.inbound.unprotect_rtcp(&mut buf) {
                Ok(()) => {
                    self.stats.rtcp_packets_received += 1;
                    self.handle_rtcp(&buf);
                    Ok(())
                }
                Err(_) => {
                    self.stats.srtp_dropped += 1;
                    Err(Error::Media("SRTCP unprotect failed"))
                }
            };
        }
        if srtp.inbound.unprotect_rtp(&mut buf).is_err() {
            self.stats.srtp_dropped += 1;
            return Err(Error::Media("SRTP unprotect failed"));
        }
        let Ok(p) = RtpPacket::new_checked(&buf[..]) else {
            self.stats.rtp_dropped += 1;
            return Err(Error::Media("malformed RTP"));
        };
        let exts = ParsedExtensions::parse(&self.rx_extmap, p.extensions());
        if let Some(TransportSequence(s)) = exts.transport_cc
            && self.sections.iter().any(|s| !s.rejected && s.twcc)
        {
            self.twcc_rx.on_packet(s, self.now);
            if self.next_twcc.is_none() {
                self.next_twcc = Some(self.now + TWCC_INTERVAL);
            }
        }
        let mid = exts.mid.and_then(|m| m.as_str());
        let Some(route) = self.route(p.ssrc(), p.payload_type(), mid) else {
            self.stats.rtp_dropped += 1;
            return Err(Error::Media("unknown payload type or stream"));
        };
        let sec = &self.sections[route.section];
        let restored;
        let p = match route.rtx_of {
            None => p,
            Some(orig) => {
                // RFC 4588 §4: OSN and payload back into the original stream.
                let mut out = vec![0u8; buf.len()];
                match strata_rtp::history::rtx_decapsulate(
                    &p,
                    sec.codec.payload_type,
                    orig,
                    &mut out,
                ) {
                    Ok(n) => out.truncate(n),
                    Err(_) => {
                        // Padding-only probes carry nothing to restore.
                        self.stats.rtx_dropped += 1;
                        return Ok(());
                    }
                }
                self.stats.rtx_received += 1;
                if let Some(c) = self.inbound.get_mut(&orig) {
                    c.rtx_packets += 1;
                }
                restored = out;
                match RtpPacket::new_checked(&restored[..]) {
                    Ok(p) => p,
                    Err(_) => {
                        self.stats.rtp_dropped += 1;
                        return Err(Error::Media("malformed RTX"));
                    }
                }
            }
        };
        let (ssrc, seq) = (p.ssrc(), p.sequence_number());
        // Video negotiates `nack` (our rtcp-fb lines); audio does not, as in Chromium.
        if sec.kind == MediaKind::Video
            && (self.receivers.len() < MAX_RECEIVERS || self.receivers.contains_key(&ssrc))
        {
            let outcome = self
                .receivers
                .entry(ssrc)
                .or_insert_with(|| {
                    strata_rtp::nack::NackGenerator::new(strata_rtp::nack::NackConfig::default())
                })
                .on_packet(seq, self.now);
            if outcome == strata_rtp::nack::NackOutcome::KeyframeNeeded {
                // RFC 4585 §6.3.1: too much lost to NACK: ask for a keyframe.
                self.pending_pli.push(ssrc);
            }
        }
        if self.recv_stats.len() < MAX_RECEIVERS || self.recv_stats.contains_key(&ssrc) {
            self.recv_stats
                .entry(ssrc)
                .or_insert_with(|| {
                    strata_rtp::stats::ReceiverStats::new(ssrc, sec.codec.clock_rate)
                })
                .on_packet(seq, p.timestamp(), self.now);
        }
        if self.inbound.len() < MAX_RECEIVERS || self.inbound.contains_key(&ssrc) {
            let c = self.inbound.entry(ssrc).or_default();
            if c.kind.is_none() {
                c.mid = sec.mid.clone();
                c.kind = Some(sec.kind);
                c.codec = Some(sec.codec.codec);
            }
            c.packets += 1;
            c.bytes += p.payload().len() as u64;
            c.header_bytes += p.header_len() as u64;
        }
        let mut frames = Vec::new();
        if self.config.assemble_frames
            && (self.assemblers.len() < MAX_RECEIVERS || self.assemblers.contains_key(&ssrc))
        {
            self.assemblers
                .entry(ssrc)
                .or_insert_with(|| Assembler::new(sec.codec.codec))
                .push_pop(&p, &mut frames);
        }
        let packet = MediaPacket {
            mid: sec.mid.clone(),
            kind: sec.kind,
            payload_type: p.payload_type(),
            sequence_number: seq.0,
            timestamp: p.timestamp().0,
            ssrc,
            marker: p.marker(),
            payload: p.payload().to_vec(),
        };
        let (mid, codec) = (sec.mid.clone(), sec.codec.codec);
        self.stats.rtp_packets_received += 1;
        self.stats.rtp_bytes_received += packet.payload.len() as u64;
        self.push_event(Event::Media(packet));
        for f in frames {
            if let Some(c) = self.inbound.get_mut(&ssrc) {
                c.frames += 1;
                c.keyframes += u64::from(f.keyframe);
            }
            self.push_event(Event::Frame(MediaFrame {
                mid: mid.clone(),
                codec,
                ssrc,
                timestamp: f.timestamp.0,
                keyframe: f.keyframe,
                after_loss: f.after_loss,
                data: f.data,
            }));
        }
        Ok(())
    }

    /// RFC 3550 §6.4 reports (RTT, loss), RFC 4585 NACK answered from the history (as RTX,
    /// RFC 4588 §4, when negotiated; else the original packet again), PLI and FIR surfaced
    /// as keyframe requests.
    fn handle_rtcp(&mut self, buf: &[u8]) {
        use strata_rtp::rtcp::{Compound, RtcpPacket, Validation};
        let Ok(c) = Compound::new(buf, Validation::ReducedSize) else {
            return;
        };
        let Some(srtp) = &mut self.srtp else { return };
        for pkt in c.iter() {
            let blocks = match pkt {
                Ok(RtcpPacket::SenderReport(sr)) => {
                    if let Some(r) = self.recv_stats.get_mut(&sr.info.ssrc) {
                        r.on_sender_report(sr.info.ntp, self.now);
                    }
                    Some(sr.reports)
                }
                Ok(RtcpPacket::ReceiverReport(rr)) => Some(rr.reports),
                _ => None,
            };
            if let Some(blocks) = blocks {
                for b in blocks.iter() {
                    if let Some(t) = self.tracks.iter_mut().find(|t| t.ssrc == b.ssrc) {
                        self.stats.remote_fraction_lost = Some(b.fraction_lost);
                        let rtt = strata_rtp::stats::rtt(&b, &self.ntp, self.now);
                        let (total, n) = t.remote.map_or((std::time::Duration::ZERO, 0), |r| {
                            (r.total_rtt, r.rtt_measurements)
                        });
                        t.remote = Some(crate::media::RemoteReport {
                            fraction_lost: b.fraction_lost,
                            packets_lost: b.cumulative_lost,
                            jitter: b.jitter,
                            rtt,
                            total_rtt: total + rtt.unwrap_or_default(),
                            rtt_measurements: n + u64::from(rtt.is_some()),
                        });
                        if let Some(rtt) = rtt {
                            self.stats.rtt = Some(rtt);
                            for g in self.receivers.values_mut() {
                                g.set_rtt(rtt);
                            }
                        }
                    }
                }
                continue;
            }
            if let Ok(RtcpPacket::TransportCc(t)) = &pkt {
                // No congestion controller yet: counted for the stats only.
                self.stats.twcc_feedback_received += 1;
                self.stats.twcc_packets_acked +=
                    t.packets().filter(|p| p.delta.is_some()).count() as u64;
                continue;
            }
            let requested = match pkt {
                Ok(RtcpPacket::Pli(p)) => Some((p.media_ssrc, false)),
                Ok(RtcpPacket::Fir(f)) => f.entries.iter().next().map(|e| (e.ssrc, true)),
                _ => None,
            };
            if let Some((ssrc, fir)) = requested {
                if let Some(i) = self.tracks.iter().position(|t| t.ssrc == ssrc) {
                    let c = &mut self.tracks[i].counters;
                    if fir {
                        c.firs += 1;
                    } else {
                        c.plis += 1;
                    }
                    // Not push_event: `srtp` borrows self; the same bound applies.
                    if self.events.len() < self.config.max_queued_events {
                        self.events
                            .push_back(Event::KeyframeRequest(TrackId(i as u32)));
                    } else {
                        self.stats.events_dropped += 1;
                    }
                }
                continue;
            }
            let Ok(RtcpPacket::Nack(n)) = pkt else {
                continue;
            };
            let Some(t) = self.tracks.iter_mut().find(|t| t.ssrc == n.media_ssrc) else {
                continue;
            };
            t.counters.nacks += 1;
            let Some(sec) = t
                .mid
                .as_deref()
                .and_then(|m| self.sections.iter().find(|s| s.mid == m && !s.rejected))
            else {
                continue;
            };
            for seq in n.lost() {
                if self.media_out.len() >= MAX_MEDIA_QUEUE {
                    return;
                }
                let Some(orig) = t.history.get(seq, self.now) else {
                    continue;
                };
                let mut v = vec![0u8; orig.len() + 2];
                let n = match sec.rtx_pt {
                    Some(rtx) => {
                        t.rtx.payload_type = rtx;
                        t.rtx.resend(&t.history, seq, self.now, &mut v)
                    }
                    None => {
                        v[..orig.len()].copy_from_slice(orig);
                        Some(orig.len())
                    }
                };
                let Some(n) = n else { continue };
                v.truncate(n);
                // A re-sent packet is a new transport-wide packet (draft-holmer §2).
                if let Ok(mut p) = RtpPacket::new_checked(&mut v[..]) {
                    if let Some(id) = sec.extmap.transport_cc
                        && let Some(e) = p.extension_mut(id)
                        && e.len() >= 2
                    {
                        e[..2].copy_from_slice(&self.twcc_seq.to_be_bytes());
                        self.twcc_seq = self.twcc_seq.wrapping_add(1);
                    }
                    if let Some(id) = sec.extmap.abs_send_time
                        && let Some(e) = p.extension_mut(id)
                        && e.len() >= 3
                    {
                        let ast = AbsSendTime::from_ntp(self.ntp.ntp(self.now).0);
                        e[..3].copy_from_slice(&ast.0.to_be_bytes()[1..]);
                    }
                }
                let payload = v.len().saturating_sub(12) as u64;
                if srtp.outbound.protect_rtp(&mut v).is_ok() {
                    self.media_out.push_back(v);
                    self.stats.rtp_retransmitted += 1;
                    t.counters.retransmitted_packets += 1;
                    t.counters.retransmitted_bytes += payload;
                }
            }
        }
    }

    /// RFC 3550 §6.4: one compound per interval: an SR per sending track (the first carrying
    /// report blocks about what we receive), or an RR when we send nothing.
    pub(super) fn send_reports(&mut self, now: Instant) {
        use strata_rtp::rtcp::{RtcpWriter, SenderInfo};
        let Some(srtp) = &mut self.srtp else { return };
        let blocks: Vec<_> = self
            .recv_stats
            .values_mut()
            .take(31)
            .map(|r| r.report_block(now))
            .collect();
        let senders: Vec<_> = self
            .tracks
            .iter()
            .filter(|t| t.sent.packet_count > 0)
            .take(8)
            .collect();
        if senders.is_empty() && blocks.is_empty() {
            return;
        }
        let mut buf = vec![0u8; 64 + 24 * blocks.len() + 28 * senders.len()];
        let mut w = RtcpWriter::new(&mut buf);
        let ntp = self.ntp.ntp(now);
        let ok = if senders.is_empty() {
            w.receiver_report(self.rtcp_ssrc, &blocks, &[]).is_ok()
        } else {
            senders.iter().enumerate().all(|(i, t)| {
                let info = SenderInfo {
                    ssrc: t.ssrc,
                    ntp,
                    rtp_timestamp: t.last_ts,
                    packet_count: t.sent.packet_count,
                    octet_count: t.sent.octet_count,
                };
                let b: &[_] = if i == 0 { &blocks } else { &[] };
                w.sender_report(&info, b, &[]).is_ok()
            })
        };
        if !ok || self.media_out.len() >= MAX_MEDIA_QUEUE {
            return;
        }
        let n = w.finish();
        buf.truncate(n);
        if srtp.outbound.protect_rtcp(&mut buf).is_ok() {
            self.media_out.push_back(buf);
            self.stats.rtcp_reports_sent += 1;
        }
    }

    /// draft-holmer-rmcat-transport-wide-cc-extensions-01 §3: feedback about every packet
    /// that carried a transport-wide sequence number since the last message.
    pub(super) fn send_twcc(&mut self) {
        let Some(srtp) = &mut self.srtp else { return };
        while self.media_out.len() < MAX_MEDIA_QUEUE {
            let Some(b) = self.twcc_rx.build() else { break };
            let media_ssrc = self.remote_ssrcs.keys().copied().min().unwrap_or(0);
            let mut buf = vec![0u8; 64 + 2 * b.len() + 2 * b.len()];
            let mut w = strata_rtp::rtcp::RtcpWriter::new(&mut buf);
            if w.transport_cc(self.rtcp_ssrc, media_ssrc, &b).is_err() {
                continue;
            }
            let n = w.finish();
            buf.truncate(n);
            if srtp.outbound.protect_rtcp(&mut buf).is_ok() {
                self.media_out.push_back(buf);
                self.stats.twcc_feedback_sent += 1;
            }
        }
    }

    /// Asks the peer for a keyframe on the video it sends in section `mid` (PLI, RFC 4585
    /// §6.3.1): what a reflector calls when its own receiver asked it for one
    /// ([`Event::KeyframeRequest`]). Fails if no SSRC is known there yet (neither signalled
    /// nor received).
    pub fn request_keyframe(&mut self, mid: &str) -> Result<(), Error> {
        self.check_open()?;
        let ssrcs: Vec<u32> = self
            .remote_ssrcs
            .iter()
            .filter(|(_, m)| m.as_str() == mid)
            .map(|(s, _)| *s)
            .collect();
        if ssrcs.is_empty() {
            return Err(Error::Media("no media received on that mid yet"));
        }
        self.pending_pli.extend(ssrcs);
        self.send_plis();
        Ok(())
    }

    pub(super) fn send_plis(&mut self) {
        let Some(srtp) = &mut self.srtp else { return };
        for ssrc in self.pending_pli.drain(..) {
            if self.media_out.len() >= MAX_MEDIA_QUEUE {
                break;
            }
            let mut buf = vec![0u8; 16];
            let mut w = strata_rtp::rtcp::RtcpWriter::new(&mut buf);
            if w.pli(self.rtcp_ssrc, ssrc).is_err() {
                continue;
            }
            let n = w.finish();
            buf.truncate(n);
            if srtp.outbound.protect_rtcp(&mut buf).is_ok() {
                self.media_out.push_back(buf);
                self.stats.plis_sent += 1;
                if let Some(c) = self.inbound.get_mut(&ssrc) {
                    c.plis += 1;
                }
            }
        }
    }

    /// Sends the NACKs that are due.
    pub(super) fn poll_nacks(&mut self, now: Instant) {
        let Some(srtp) = &mut self.srtp else { return };
        let mut pairs = Vec::new();
        for (ssrc, g) in &mut self.receivers {
            if g.poll_timeout().is_none_or(|t| t > now) {
                continue;
            }
            pairs.clear();
            g.poll_nack(now, &mut pairs);
            if pairs.is_empty() || self.media_out.len() >= MAX_MEDIA_QUEUE {
                continue;
            }
            let mut buf = vec![0u8; 16 + 4 * pairs.len()];
            let mut w = strata_rtp::rtcp::RtcpWriter::new(&mut buf);
            if w.nack(self.rtcp_ssrc, *ssrc, &pairs).is_err() {
                continue;
            }
            let n = w.finish();
            buf.truncate(n);
            if srtp.outbound.protect_rtcp(&mut buf).is_ok() {
                self.media_out.push_back(buf);
                self.stats.nacks_sent += 1;
                if let Some(c) = self.inbound.get_mut(ssrc) {
                    c.nacks += 1;
                }
            }
        }
    }
}

/// The extension values of one outgoing packet.
struct ExtValues<'a> {
    mid: &'a [u8],
    abs_send_time: AbsSendTime,
    transport_seq: Option<u16>,
    level: Option<Level>,
}

/// RFC 8285 §4.2 one-byte elements for the negotiated ids (a mid longer than 16 bytes
/// does not fit that form and is left out).
fn write_extensions(
    w: &mut strata_rtp::rtp::RtpWriter<'_>,
    m: &ExtensionMap,
    v: &ExtValues<'_>,
) -> Result<(), strata_rtp::BuildError> {
    let mid = m.mid.filter(|_| (1..=16).contains(&v.mid.len()));
    let tcc = m.transport_cc.zip(v.transport_seq);
    let level = m.audio_level.zip(v.level);
    if mid.is_none() && m.abs_send_time.is_none() && tcc.is_none() && level.is_none() {
        return Ok(());
    }
    w.start_extensions(ExtensionForm::OneByte)?;
    if let Some(id) = mid {
        w.extension(id, v.mid)?;
    }
    if let Some(id) = m.abs_send_time {
        w.extension_value(id, &v.abs_send_time)?;
    }
    if let Some((id, s)) = tcc {
        w.extension_value(id, &TransportSequence(s))?;
    }
    if let Some((id, l)) = level {
        w.extension_value(id, &l)?;
    }
    Ok(())
}

fn packetize(mut p: impl Packetizer, budget: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; budget];
    // A frame of N bytes never needs more than N packets; the cap guards a packetizer bug.
    while out.len() < 4096 {
        let Some((n, _)) = p.next_payload(&mut buf) else {
            break;
        };
        out.push(buf[..n].to_vec());
    }
    out
}

/// The codecs of an offered m-section we can use, in the offer's order:
/// `(codec, payload type, clock rate, fmtp for our answer)`. H.264 needs
/// packetization-mode 1 and a baseline profile (`profile_idc` 0x42); constrained baseline
/// ones come first.
fn offered_codecs(
    ml: &crate::jsep::RemoteMline,
    kind: MediaKind,
) -> Vec<(Codec, u8, u32, Option<String>)> {
    let mut v = Vec::new();
    let mut h264 = Vec::new();
    for (i, (pt, name, clock)) in ml.rtpmaps.iter().enumerate() {
        let (pt, clock) = (*pt, *clock);
        match (kind, name.to_ascii_lowercase().as_str()) {
            (MediaKind::Audio, "opus") if clock == 48_000 => {
                v.push((i, (Codec::Opus, pt, clock, Codec::Opus.params().fmtp)));
            }
            (MediaKind::Video, "vp8") if clock == 90_000 => {
                v.push((i, (Codec::Vp8, pt, clock, None)));
            }
            (MediaKind::Video, "h264") if clock == 90_000 => {
                let f = ml.fmtp(pt).unwrap_or("");
                let get = |k: &str| {
                    f.split(';')
                        .filter_map(|kv| kv.trim().split_once('='))
                        .find(|(key, _)| key.trim().eq_ignore_ascii_case(k))
                        .map(|(_, val)| val.trim())
                };
                let Some(plid) = get("profile-level-id").filter(|p| p.len() == 6) else {
                    continue;
                };
                let (Ok(idc), Ok(iop)) = (
                    u8::from_str_radix(&plid[..2], 16),
                    u8::from_str_radix(&plid[2..4], 16),
                ) else {
                    continue;
                };
                if idc != 0x42 || get("packetization-mode") != Some("1") {
                    continue;
                }
                let fmtp = format!(
                    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id={plid}"
                );
                // constraint_set1_flag: constrained baseline (what we produce) first.
                h264.push((iop & 0x40 == 0, i, (Codec::H264, pt, clock, Some(fmtp))));
            }
            _ => {}
        }
    }
    // One H.264 entry, the best, at the place it was offered.
    if let Some((_, i, best)) = h264.into_iter().min_by_key(|(u, i, _)| (*u, *i)) {
        v.push((i, best));
    }
    v.sort_by_key(|(i, _)| *i);
    v.into_iter().map(|(_, c)| c).collect()
}

/// The extensions we use that an m-section lists, with its ids (one-byte ids only).
fn answer_extmap(ml: &crate::jsep::RemoteMline, kind: MediaKind) -> ExtensionMap {
    use strata_rtp::rtp::ext::{ExtensionValue, MID_URI};
    ExtensionMap {
        audio_level: if kind == MediaKind::Audio {
            ml.ext_id(Level::URI)
        } else {
            None
        },
        abs_send_time: ml.ext_id(AbsSendTime::URI),
        transport_cc: ml.ext_id(TransportSequence::URI),
        mid: ml.ext_id(MID_URI),
        ..ExtensionMap::default()
    }
}
