//! The W3C getStats-shaped report ([`crate::report`]).

use std::net::SocketAddr;
use std::time::Instant;

use strata_ice::{CandidateKind, PairState};

use super::*;
use crate::media::Codec;
use crate::report::*;

const TRANSPORT_ID: &str = "T01";

fn local_id(a: SocketAddr) -> String {
    format!("IL{a}")
}

fn remote_id(a: SocketAddr) -> String {
    format!("IR{a}")
}

fn kind_letter(k: MediaKind) -> char {
    match k {
        MediaKind::Audio => 'A',
        MediaKind::Video => 'V',
    }
}

fn mime(codec: Codec) -> String {
    format!("{}/{}", codec.kind().as_str(), codec.name())
}

fn candidate(c: &strata_ice::Candidate, id: String, timestamp: f64) -> CandidateStats {
    CandidateStats {
        id,
        timestamp,
        transport_id: TRANSPORT_ID.into(),
        address: c.addr.ip().to_string(),
        port: c.addr.port(),
        protocol: "udp",
        candidate_type: match c.kind {
            CandidateKind::Host => "host",
            CandidateKind::ServerReflexive => "srflx",
            CandidateKind::PeerReflexive => "prflx",
            CandidateKind::Relayed => "relay",
        },
        priority: c.priority,
        foundation: c.foundation.clone(),
        related_address: c.related.map(|r| r.ip().to_string()),
        related_port: c.related.map(|r| r.port()),
    }
}

/// IANA names of the suites strata-dtls negotiates.
fn dtls_cipher(c: strata_dtls::CipherSuite) -> String {
    use strata_dtls::CipherSuite as C;
    match c {
        C::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into(),
        C::ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384".into(),
        C::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256".into()
        }
        C::ECDHE_RSA_WITH_AES_128_GCM_SHA256 => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".into(),
        C::ECDHE_RSA_WITH_AES_256_GCM_SHA384 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384".into(),
        C::ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => {
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256".into()
        }
        C(v) => format!("0x{v:04X}"),
    }
}

/// RFC 5764 §4.1.2 / RFC 7714 §14.2 profile names.
fn srtp_cipher(id: u16) -> &'static str {
    match id {
        0x0001 => "AES_CM_128_HMAC_SHA1_80",
        0x0002 => "AES_CM_128_HMAC_SHA1_32",
        0x0005 => "NULL_HMAC_SHA1_80",
        0x0006 => "NULL_HMAC_SHA1_32",
        0x0007 => "AEAD_AES_128_GCM",
        0x0008 => "AEAD_AES_256_GCM",
        _ => "unknown",
    }
}

impl Peer {
    /// Statistics shaped like W3C `getStats()` (webrtc-stats): transport, candidate pairs,
    /// local and remote candidates, inbound-rtp, outbound-rtp, remote-inbound-rtp and
    /// data-channel records with the W3C member names (camelCase through serde with the
    /// default `serde` feature). `now` stamps the records; nothing changes state.
    /// [`stats`](Self::stats) keeps the flat counters.
    pub fn stats_report(&self, now: Instant) -> StatsReport {
        let now = self.now.max(now);
        let ts = {
            let d = self.ntp.ntp(now).to_duration();
            d.as_secs_f64() * 1000.0 - (strata_rtp::rtcp::NtpTime::UNIX_OFFSET_SECS as f64) * 1000.0
        };
        let mut records = Vec::new();
        let selected = self.selected_pair();
        let dtls = self.dtls.as_ref();
        records.push(StatsRecord::Transport(TransportStats {
            id: TRANSPORT_ID.into(),
            timestamp: ts,
            packets_sent: self.stats.datagrams_sent,
            packets_received: self.stats.datagrams_received,
            bytes_sent: self.stats.bytes_sent,
            bytes_received: self.stats.bytes_received,
            ice_role: match &self.ice {
                Some(a) if a.is_controlling() => "controlling",
                Some(_) => "controlled",
                None => "unknown",
            },
            ice_state: match self.ice_state {
                IceState::New => "new",
                IceState::Checking => "checking",
                IceState::Connected => "connected",
                IceState::Completed => "completed",
                IceState::Disconnected => "disconnected",
                IceState::Failed => "failed",
                _ => "closed",
            },
            dtls_state: match self.dtls_state {
                DtlsState::New => "new",
                DtlsState::Connecting => "connecting",
                DtlsState::Connected => "connected",
                DtlsState::Closed => "closed",
                DtlsState::Failed => "failed",
            },
            dtls_role: match self.dtls_role {
                Some(Role::Client) => "client",
                Some(_) => "server",
                None => "unknown",
            },
            tls_version: dtls.and_then(|d| d.cipher_suite()).map(|_| "FEFD"),
            dtls_cipher: dtls.and_then(|d| d.cipher_suite()).map(dtls_cipher),
            srtp_cipher: self.srtp_profile.map(srtp_cipher),
            selected_candidate_pair_id: selected.map(|(l, r)| format!("CP{l}_{r}")),
        }));
        if let Some(agent) = &self.ice {
            for p in agent.pairs() {
                let on = selected == Some((p.local, p.remote));
                let st = p.stats;
                records.push(StatsRecord::CandidatePair(CandidatePairStats {
                    id: format!("CP{}_{}", p.local, p.remote),
                    timestamp: ts,
                    transport_id: TRANSPORT_ID.into(),
                    local_candidate_id: local_id(p.local),
                    remote_candidate_id: remote_id(p.remote),
                    state: match p.state {
                        PairState::Frozen => "frozen",
                        PairState::Waiting => "waiting",
                        PairState::InProgress => "in-progress",
                        PairState::Succeeded => "succeeded",
                        _ => "failed",
                    },
                    nominated: p.nominated,
                    priority: p.priority,
                    current_round_trip_time: st.rtt.map(|d| d.as_secs_f64()),
                    total_round_trip_time: st.total_rtt.as_secs_f64(),
                    requests_sent: st.requests_sent,
                    requests_received: st.requests_received,
                    responses_sent: st.responses_sent,
                    responses_received: st.responses_received,
                    bytes_sent: if on { self.stats.bytes_sent } else { 0 },
                    bytes_received: if on { self.stats.bytes_received } else { 0 },
                    packets_sent: if on { self.stats.datagrams_sent } else { 0 },
                    packets_received: if on { self.stats.datagrams_received } else { 0 },
                }));
            }
            for c in agent.local_candidates() {
                records.push(StatsRecord::LocalCandidate(candidate(
                    c,
                    local_id(c.addr),
                    ts,
                )));
            }
            for c in agent.remote_candidates() {
                records.push(StatsRecord::RemoteCandidate(candidate(
                    c,
                    remote_id(c.addr),
                    ts,
                )));
            }
        }
        for t in &self.tracks {
            let sec = t
                .mid
                .as_deref()
                .and_then(|m| self.sections.iter().find(|s| s.mid == m && !s.rejected));
            let k = kind_letter(t.kind);
            let id = format!("OT01{k}{}", t.ssrc);
            let rid = format!("RI{k}{}", t.ssrc);
            let c = &t.counters;
            records.push(StatsRecord::OutboundRtp(OutboundRtpStats {
                id: id.clone(),
                timestamp: ts,
                ssrc: t.ssrc,
                kind: t.kind.as_str(),
                mid: sec.map(|s| s.mid.clone()),
                transport_id: TRANSPORT_ID.into(),
                mime_type: sec.map(|s| mime(s.codec.codec)),
                rtx_ssrc: sec.and_then(|s| s.rtx_pt).map(|_| t.rtx.ssrc),
                packets_sent: c.packets,
                bytes_sent: c.bytes,
                retransmitted_packets_sent: c.retransmitted_packets,
                retransmitted_bytes_sent: c.retransmitted_bytes,
                nack_count: c.nacks,
                pli_count: c.plis,
                fir_count: c.firs,
                frames_sent: c.frames,
                target_bitrate: None,
                remote_id: t.remote.map(|_| rid.clone()),
            }));
            if let Some(r) = t.remote {
                let clock = sec.map_or(90_000, |s| s.codec.clock_rate).max(1);
                records.push(StatsRecord::RemoteInboundRtp(RemoteInboundRtpStats {
                    id: rid,
                    timestamp: ts,
                    ssrc: t.ssrc,
                    kind: t.kind.as_str(),
                    transport_id: TRANSPORT_ID.into(),
                    local_id: id,
                    packets_lost: i64::from(r.packets_lost),
                    fraction_lost: f64::from(r.fraction_lost) / 256.0,
                    jitter: f64::from(r.jitter) / f64::from(clock),
                    round_trip_time: r.rtt.map(|d| d.as_secs_f64()),
                    total_round_trip_time: r.total_rtt.as_secs_f64(),
                    round_trip_time_measurements: r.rtt_measurements,
                }));
            }
        }
        let mut inbound: Vec<_> = self.inbound.iter().collect();
        inbound.sort_by_key(|(ssrc, c)| (c.mid.clone(), **ssrc));
        for (&ssrc, c) in inbound {
            let kind = c.kind.unwrap_or(MediaKind::Video);
            let rs = self.recv_stats.get(&ssrc);
            let clock = c.codec.map_or(90_000, |k| k.params().clock_rate);
            let frames = self.assemblers.contains_key(&ssrc);
            records.push(StatsRecord::InboundRtp(InboundRtpStats {
                id: format!("IT01{}{ssrc}", kind_letter(kind)),
                timestamp: ts,
                ssrc,
                kind: kind.as_str(),
                mid: c.mid.clone(),
                transport_id: TRANSPORT_ID.into(),
                mime_type: c.codec.map(mime),
                packets_received: c.packets,
                bytes_received: c.bytes,
                header_bytes_received: c.header_bytes,
                packets_lost: rs.map_or(0, |r| r.cumulative_lost()),
                jitter: rs.map_or(0.0, |r| f64::from(r.jitter()) / f64::from(clock)),
                nack_count: c.nacks,
                pli_count: c.plis,
                fir_count: 0,
                retransmitted_packets_received: c.rtx_packets,
                frames_received: frames.then_some(c.frames),
                // webrtc-stats: keyFramesReceived exists for video only.
                key_frames_received: (frames && kind == MediaKind::Video).then_some(c.keyframes),
                frames_decoded: None,
            }));
        }
        let mut chans: Vec<_> = self.channels.iter().collect();
        chans.sort_by_key(|(id, _)| **id);
        for (id, ch) in chans {
            let c = &ch.counters;
            records.push(StatsRecord::DataChannel(DataChannelStats {
                id: format!("D{}", id.0),
                timestamp: ts,
                label: ch.options.label.clone(),
                protocol: ch.options.protocol.clone(),
                data_channel_identifier: ch.stream,
                state: if ch.open { "open" } else { "connecting" },
                messages_sent: c.messages_sent,
                bytes_sent: c.bytes_sent,
                messages_received: c.messages_received,
                bytes_received: c.bytes_received,
            }));
        }
        StatsReport {
            timestamp: ts,
            records,
        }
    }
}
