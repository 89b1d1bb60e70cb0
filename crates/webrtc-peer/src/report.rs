//! Statistics in the shape of W3C `RTCStatsReport` (webrtc-stats): typed records whose
//! field names serialize as the W3C camelCase members, with `type` as the tag, so
//! `serde_json::to_string(&report)` prints what a browser's `getStats()` would list.
//!
//! Times are seconds (`f64`) as in webrtc-stats; `timestamp` is milliseconds since the Unix
//! epoch, derived from [`Config::unix_time`](crate::Config::unix_time) and the peer's `now`
//! (the peer reads no clock).

#[cfg(feature = "serde")]
use serde::Serialize;

/// A snapshot of every record (W3C `RTCStatsReport`), in a fixed order: transport,
/// candidate pairs, local and remote candidates, outbound, remote-inbound and inbound RTP,
/// data channels.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "camelCase"))]
#[non_exhaustive]
pub struct StatsReport {
    /// Milliseconds since the Unix epoch when the snapshot was taken.
    pub timestamp: f64,
    /// The records.
    pub records: Vec<StatsRecord>,
}

impl StatsReport {
    /// The record with this `id`.
    pub fn get(&self, id: &str) -> Option<&StatsRecord> {
        self.records.iter().find(|r| r.id() == id)
    }

    /// The transport record (one: max-bundle).
    pub fn transport(&self) -> Option<&TransportStats> {
        self.records.iter().find_map(|r| match r {
            StatsRecord::Transport(t) => Some(t),
            _ => None,
        })
    }

    /// Every candidate pair.
    pub fn candidate_pairs(&self) -> impl Iterator<Item = &CandidatePairStats> {
        self.records.iter().filter_map(|r| match r {
            StatsRecord::CandidatePair(p) => Some(p),
            _ => None,
        })
    }

    /// Every inbound RTP stream.
    pub fn inbound_rtp(&self) -> impl Iterator<Item = &InboundRtpStats> {
        self.records.iter().filter_map(|r| match r {
            StatsRecord::InboundRtp(s) => Some(s),
            _ => None,
        })
    }

    /// Every outbound RTP stream.
    pub fn outbound_rtp(&self) -> impl Iterator<Item = &OutboundRtpStats> {
        self.records.iter().filter_map(|r| match r {
            StatsRecord::OutboundRtp(s) => Some(s),
            _ => None,
        })
    }

    /// Every remote-inbound RTP record (what the peer's receiver reports say).
    pub fn remote_inbound_rtp(&self) -> impl Iterator<Item = &RemoteInboundRtpStats> {
        self.records.iter().filter_map(|r| match r {
            StatsRecord::RemoteInboundRtp(s) => Some(s),
            _ => None,
        })
    }

    /// Every data channel.
    pub fn data_channels(&self) -> impl Iterator<Item = &DataChannelStats> {
        self.records.iter().filter_map(|r| match r {
            StatsRecord::DataChannel(s) => Some(s),
            _ => None,
        })
    }
}

/// One W3C stats object; serializes with `"type": "<kebab-case variant>"`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize),
    serde(tag = "type", rename_all = "kebab-case")
)]
#[non_exhaustive]
pub enum StatsRecord {
    /// `RTCTransportStats`.
    Transport(TransportStats),
    /// `RTCIceCandidatePairStats`.
    CandidatePair(CandidatePairStats),
    /// `RTCIceCandidateStats`, ours.
    LocalCandidate(CandidateStats),
    /// `RTCIceCandidateStats`, the peer's.
    RemoteCandidate(CandidateStats),
    /// `RTCInboundRtpStreamStats`.
    InboundRtp(InboundRtpStats),
    /// `RTCOutboundRtpStreamStats`.
    OutboundRtp(OutboundRtpStats),
    /// `RTCRemoteInboundRtpStreamStats`.
    RemoteInboundRtp(RemoteInboundRtpStats),
    /// `RTCDataChannelStats`.
    DataChannel(DataChannelStats),
}

impl StatsRecord {
    /// The record's `id`.
    pub fn id(&self) -> &str {
        match self {
            StatsRecord::Transport(s) => &s.id,
            StatsRecord::CandidatePair(s) => &s.id,
            StatsRecord::LocalCandidate(s) | StatsRecord::RemoteCandidate(s) => &s.id,
            StatsRecord::InboundRtp(s) => &s.id,
            StatsRecord::OutboundRtp(s) => &s.id,
            StatsRecord::RemoteInboundRtp(s) => &s.id,
            StatsRecord::DataChannel(s) => &s.id,
        }
    }
}

/// W3C `RTCTransportStats` (webrtc-stats §8.17).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "camelCase"))]
#[non_exhaustive]
pub struct TransportStats {
    /// `id`.
    pub id: String,
    /// `timestamp`, ms since the Unix epoch.
    pub timestamp: f64,
    /// `packetsSent` (datagrams).
    pub packets_sent: u64,
    /// `packetsReceived` (datagrams).
    pub packets_received: u64,
    /// `bytesSent`.
    pub bytes_sent: u64,
    /// `bytesReceived`.
    pub bytes_received: u64,
    /// `iceRole`: `controlling`, `controlled` or `unknown`.
    pub ice_role: &'static str,
    /// `iceState` (`RTCIceTransportState`).
    pub ice_state: &'static str,
    /// `dtlsState` (`RTCDtlsTransportState`).
    pub dtls_state: &'static str,
    /// `dtlsRole`: `client`, `server` or `unknown`.
    pub dtls_role: &'static str,
    /// `tlsVersion` (`FEFD` for DTLS 1.2) once connected.
    pub tls_version: Option<&'static str>,
    /// `dtlsCipher` (IANA name).
    pub dtls_cipher: Option<String>,
    /// `srtpCipher` (RFC 5764 profile name).
    pub srtp_cipher: Option<&'static str>,
    /// `selectedCandidatePairId`.
    pub selected_candidate_pair_id: Option<String>,
}

/// W3C `RTCIceCandidatePairStats` (webrtc-stats §8.19).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "camelCase"))]
#[non_exhaustive]
pub struct CandidatePairStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `transportId`.
    pub transport_id: String,
    /// `localCandidateId`.
    pub local_candidate_id: String,
    /// `remoteCandidateId`.
    pub remote_candidate_id: String,
    /// `state`: `frozen`, `waiting`, `in-progress`, `succeeded`, `failed`.
    pub state: &'static str,
    /// `nominated`.
    pub nominated: bool,
    /// `priority` (RFC 8445 §6.1.2.3).
    pub priority: u64,
    /// `currentRoundTripTime`, seconds, from the last check.
    pub current_round_trip_time: Option<f64>,
    /// `totalRoundTripTime`, seconds.
    pub total_round_trip_time: f64,
    /// `requestsSent`.
    pub requests_sent: u64,
    /// `requestsReceived`.
    pub requests_received: u64,
    /// `responsesSent`.
    pub responses_sent: u64,
    /// `responsesReceived`.
    pub responses_received: u64,
    /// `bytesSent` (the selected pair carries every datagram; others 0).
    pub bytes_sent: u64,
    /// `bytesReceived`.
    pub bytes_received: u64,
    /// `packetsSent`.
    pub packets_sent: u64,
    /// `packetsReceived`.
    pub packets_received: u64,
}

/// W3C `RTCIceCandidateStats` (webrtc-stats §8.18).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "camelCase"))]
#[non_exhaustive]
pub struct CandidateStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `transportId`.
    pub transport_id: String,
    /// `address`.
    pub address: String,
    /// `port`.
    pub port: u16,
    /// `protocol` (`udp`).
    pub protocol: &'static str,
    /// `candidateType`: `host`, `srflx`, `prflx`, `relay`.
    pub candidate_type: &'static str,
    /// `priority`.
    pub priority: u32,
    /// `foundation`.
    pub foundation: String,
    /// `relatedAddress`.
    pub related_address: Option<String>,
    /// `relatedPort`.
    pub related_port: Option<u16>,
}

/// W3C `RTCInboundRtpStreamStats` (webrtc-stats §8.6).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "camelCase"))]
#[non_exhaustive]
pub struct InboundRtpStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `ssrc`.
    pub ssrc: u32,
    /// `kind`: `audio` or `video`.
    pub kind: &'static str,
    /// `mid`.
    pub mid: String,
    /// `transportId`.
    pub transport_id: String,
    /// `codec` MIME type, e.g. `video/VP8` (webrtc-stats puts it in a codec record; flattened).
    pub mime_type: Option<String>,
    /// `packetsReceived` (RTX repairs counted once, as the packet they restore).
    pub packets_received: u64,
    /// `bytesReceived` (payload bytes).
    pub bytes_received: u64,
    /// `headerBytesReceived`.
    pub header_bytes_received: u64,
    /// `packetsLost` (RFC 3550 A.3 cumulative loss; negative with duplicates).
    pub packets_lost: i64,
    /// `jitter`, seconds (RFC 3550 A.8).
    pub jitter: f64,
    /// `nackCount`: NACK packets we sent about this stream.
    pub nack_count: u64,
    /// `pliCount`: PLIs we sent.
    pub pli_count: u64,
    /// `firCount` (we never send FIR).
    pub fir_count: u64,
    /// `retransmittedPacketsReceived`: RTX packets restored into this stream.
    pub retransmitted_packets_received: u64,
    /// `framesReceived`: reassembled frames (with `Config::assemble_frames`).
    pub frames_received: Option<u64>,
    /// `keyFramesReceived`, likewise.
    pub key_frames_received: Option<u64>,
    /// `framesDecoded`: the peer decodes nothing, so always `None`.
    pub frames_decoded: Option<u64>,
}

/// W3C `RTCOutboundRtpStreamStats` (webrtc-stats §8.9).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "camelCase"))]
#[non_exhaustive]
pub struct OutboundRtpStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `ssrc`.
    pub ssrc: u32,
    /// `kind`.
    pub kind: &'static str,
    /// `mid`.
    pub mid: Option<String>,
    /// `transportId`.
    pub transport_id: String,
    /// Codec MIME type.
    pub mime_type: Option<String>,
    /// `rtxSsrc`, when RTX is negotiated.
    pub rtx_ssrc: Option<u32>,
    /// `packetsSent` (originals; see `retransmittedPacketsSent`).
    pub packets_sent: u64,
    /// `bytesSent` (payload bytes).
    pub bytes_sent: u64,
    /// `retransmittedPacketsSent`.
    pub retransmitted_packets_sent: u64,
    /// `retransmittedBytesSent`.
    pub retransmitted_bytes_sent: u64,
    /// `nackCount`: NACK packets received.
    pub nack_count: u64,
    /// `pliCount`: PLIs received.
    pub pli_count: u64,
    /// `firCount`: FIRs received.
    pub fir_count: u64,
    /// `framesSent` (through [`Peer::send_frame`](crate::Peer::send_frame)).
    pub frames_sent: u64,
    /// `targetBitrate`: no congestion controller yet, so `None`.
    pub target_bitrate: Option<f64>,
    /// `remoteId` of the matching remote-inbound-rtp record, once a report came.
    pub remote_id: Option<String>,
}

/// W3C `RTCRemoteInboundRtpStreamStats` (webrtc-stats §8.8), from RTCP report blocks.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "camelCase"))]
#[non_exhaustive]
pub struct RemoteInboundRtpStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `ssrc`.
    pub ssrc: u32,
    /// `kind`.
    pub kind: &'static str,
    /// `transportId`.
    pub transport_id: String,
    /// `localId`: our outbound-rtp record.
    pub local_id: String,
    /// `packetsLost`.
    pub packets_lost: i64,
    /// `fractionLost`, 0 to 1.
    pub fraction_lost: f64,
    /// `jitter`, seconds.
    pub jitter: f64,
    /// `roundTripTime`, seconds, latest.
    pub round_trip_time: Option<f64>,
    /// `totalRoundTripTime`, seconds.
    pub total_round_trip_time: f64,
    /// `roundTripTimeMeasurements`.
    pub round_trip_time_measurements: u64,
}

/// W3C `RTCDataChannelStats` (webrtc-stats §8.15).
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "camelCase"))]
#[non_exhaustive]
pub struct DataChannelStats {
    /// `id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: f64,
    /// `label`.
    pub label: String,
    /// `protocol`.
    pub protocol: String,
    /// `dataChannelIdentifier`: the SCTP stream id, once known.
    pub data_channel_identifier: Option<u16>,
    /// `state`: `connecting` or `open` (closed channels leave the report).
    pub state: &'static str,
    /// `messagesSent`.
    pub messages_sent: u64,
    /// `bytesSent`.
    pub bytes_sent: u64,
    /// `messagesReceived`.
    pub messages_received: u64,
    /// `bytesReceived`.
    pub bytes_received: u64,
}
