//! Media: tracks, SRTP, RTP in and out, RTCP reports, NACK and PLI (RFC 3550, RFC 4585).

use std::time::Instant;

use super::*;

impl Peer {
    /// Adds a track (W3C `addTrack`): an Opus or VP8 m-section in our next offer, or, on the
    /// answering side before [`create_answer`](Self::create_answer), the sender of the first
    /// offered m-section of that kind. After the connection is up, negotiate again
    /// (a new offer) to send it. Returns the handle [`send_rtp`](Self::send_rtp) takes.
    pub fn add_track(&mut self, kind: MediaKind, stream_id: &str) -> Result<TrackId, Error> {
        self.check_open()?;
        let id = TrackId(self.tracks.len() as u32);
        let ssrc = self.rng.next_u32();
        let seq = (self.rng.next_u32() & 0x7fff) as u16;
        self.tracks.push(LocalTrack {
            kind,
            stream_id: stream_id.to_owned(),
            track_id: format!("{}-{}", kind.as_str(), id.0),
            ssrc,
            seq,
            mid: None,
            sent: strata_rtp::stats::SenderStats::default(),
            last_ts: 0,
            history: strata_rtp::history::PacketHistory::new(
                512,
                1500,
                std::time::Duration::from_secs(2),
            ),
        });
        Ok(id)
    }

    /// The m-section of a track once negotiated, `None` if it was rejected or not yet offered.
    pub fn track_mid(&self, track: TrackId) -> Option<&str> {
        let mid = self.tracks.get(track.0 as usize)?.mid.as_deref()?;
        self.sections
            .iter()
            .any(|s| s.mid == mid && !s.rejected)
            .then_some(mid)
    }

    /// Sends one RTP packet on a track (RFC 3550 §5.1: our SSRC, the negotiated payload type,
    /// the next sequence number; the caller gives the payload, timestamp and marker),
    /// SRTP-protected with the keys DTLS exported (RFC 5764 §4.2).
    pub fn send_rtp(
        &mut self,
        track: TrackId,
        payload: &[u8],
        timestamp: u32,
        marker: bool,
    ) -> Result<(), Error> {
        self.check_open()?;
        let t = self
            .tracks
            .get_mut(track.0 as usize)
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
        let mut buf = vec![0u8; 12 + payload.len()];
        let n = strata_rtp::rtp::RtpWriter::new(&mut buf, &header, &[])
            .and_then(|w| w.payload(payload))
            .map_err(|_| Error::Media("RTP packet does not fit"))?;
        buf.truncate(n);
        let _ = t.history.insert(&buf, self.now);
        t.sent.on_sent(payload.len());
        t.last_ts = timestamp;
        srtp.outbound
            .protect_rtp(&mut buf)
            .map_err(|_| Error::Media("SRTP protect failed"))?;
        t.seq = t.seq.wrapping_add(1);
        self.media_out.push_back(buf);
        self.stats.rtp_packets_sent += 1;
        self.stats.rtp_bytes_sent += payload.len() as u64;
        Ok(())
    }

    /// Answerer: accept each offered audio/video m-section whose codec we have (Opus, VP8),
    /// with the offer's payload type, and attach our first unattached track of that kind.
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
            let want = kind.default_codec();
            let Some(&(pt, _, clock)) = ml
                .rtpmaps
                .iter()
                .find(|(_, name, _)| name.eq_ignore_ascii_case(want.name))
            else {
                continue; // no common codec: rejected in the answer
            };
            let track = (0..self.tracks.len())
                .find(|&i| !used[i] && self.tracks[i].kind == kind)
                .map(|i| {
                    used[i] = true;
                    TrackId(i as u32)
                });
            sections.push(MediaSection {
                mid: ml.mid.clone(),
                kind,
                codec: crate::media::Codec {
                    payload_type: pt,
                    clock_rate: clock,
                    ..want
                },
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

    pub(super) fn handle_rtp(&mut self, data: &[u8]) -> Result<(), Error> {
        let Some(srtp) = &mut self.srtp else {
            self.stats.rtp_dropped += 1;
            return Ok(());
        };
        let mut buf = data.to_vec();
        if strata_rtp::rtp::is_rtcp(&buf) {
            // RFC 5761 §4: RTCP by packet type. TODO(media): SR/RR, NACK, PLI.
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
        let Ok(p) = strata_rtp::rtp::RtpPacket::new_checked(&buf[..]) else {
            self.stats.rtp_dropped += 1;
            return Err(Error::Media("malformed RTP"));
        };
        let pt = p.payload_type();
        // Video negotiates `nack` (our rtcp-fb lines); audio does not, as in Chromium.
        let video = self
            .sections
            .iter()
            .any(|s| !s.rejected && s.codec.payload_type == pt && s.kind == MediaKind::Video);
        if video && (self.receivers.len() < MAX_RECEIVERS || self.receivers.contains_key(&p.ssrc()))
        {
            let outcome = self
                .receivers
                .entry(p.ssrc())
                .or_insert_with(|| {
                    strata_rtp::nack::NackGenerator::new(strata_rtp::nack::NackConfig::default())
                })
                .on_packet(p.sequence_number(), self.now);
            if outcome == strata_rtp::nack::NackOutcome::KeyframeNeeded {
                // RFC 4585 §6.3.1: too much lost to NACK: ask for a keyframe.
                self.pending_pli.push(p.ssrc());
            }
        }
        let Some(sec) = self
            .sections
            .iter()
            .find(|s| !s.rejected && s.codec.payload_type == pt)
        else {
            self.stats.rtp_dropped += 1;
            return Err(Error::Media("unknown payload type"));
        };
        if self.recv_stats.len() < MAX_RECEIVERS || self.recv_stats.contains_key(&p.ssrc()) {
            self.recv_stats
                .entry(p.ssrc())
                .or_insert_with(|| {
                    strata_rtp::stats::ReceiverStats::new(p.ssrc(), sec.codec.clock_rate)
                })
                .on_packet(p.sequence_number(), p.timestamp(), self.now);
        }
        if self.remote_ssrcs.len() < MAX_RECEIVERS {
            self.remote_ssrcs
                .entry(p.ssrc())
                .or_insert_with(|| sec.mid.clone());
        }
        let packet = MediaPacket {
            mid: sec.mid.clone(),
            kind: sec.kind,
            payload_type: pt,
            sequence_number: p.sequence_number().0,
            timestamp: p.timestamp().0,
            ssrc: p.ssrc(),
            marker: p.marker(),
            payload: p.payload().to_vec(),
        };
        self.stats.rtp_packets_received += 1;
        self.stats.rtp_bytes_received += packet.payload.len() as u64;
        self.push_event(Event::Media(packet));
        Ok(())
    }

    /// RFC 4585 §6.2.1: re-send what a NACK names, from the history (plain retransmission;
    /// RTX (RFC 4588) is not negotiated yet).
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
                    if self.tracks.iter().any(|t| t.ssrc == b.ssrc) {
                        self.stats.remote_fraction_lost = Some(b.fraction_lost);
                        if let Some(rtt) = strata_rtp::stats::rtt(&b, &self.ntp, self.now) {
                            self.stats.rtt = Some(rtt);
                            for g in self.receivers.values_mut() {
                                g.set_rtt(rtt);
                            }
                        }
                    }
                }
                continue;
            }
            let requested = match pkt {
                Ok(RtcpPacket::Pli(p)) => Some(p.media_ssrc),
                Ok(RtcpPacket::Fir(f)) => f.entries.iter().next().map(|e| e.ssrc),
                _ => None,
            };
            if let Some(ssrc) = requested {
                if let Some(i) = self.tracks.iter().position(|t| t.ssrc == ssrc) {
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
            let Some(t) = self.tracks.iter().find(|t| t.ssrc == n.media_ssrc) else {
                continue;
            };
            for seq in n.lost() {
                if self.media_out.len() >= MAX_MEDIA_QUEUE {
                    return;
                }
                if let Some(p) = t.history.get(seq, self.now) {
                    let mut v = p.to_vec();
                    if srtp.outbound.protect_rtp(&mut v).is_ok() {
                        self.media_out.push_back(v);
                        self.stats.rtp_retransmitted += 1;
                    }
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

    /// Asks the peer for a keyframe on the video it sends in section `mid` (PLI, RFC 4585
    /// §6.3.1). Fails if nothing was received there yet (the SSRC is unknown).
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
            }
        }
    }
}
