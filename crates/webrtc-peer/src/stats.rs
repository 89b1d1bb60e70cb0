//! Counters resembling W3C getStats.

use std::net::SocketAddr;
use std::time::Duration;

use crate::event::{ConnectionState, DtlsState};

/// A snapshot of the peer's counters (W3C `RTCTransportStats`, `RTCIceCandidatePairStats`,
/// `RTCDataChannelStats` in spirit).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Datagrams handed to the application to send.
    pub datagrams_sent: u64,
    /// Bytes in them.
    pub bytes_sent: u64,
    /// Datagrams received.
    pub datagrams_received: u64,
    /// Bytes in them.
    pub bytes_received: u64,
    /// Datagrams dropped (unknown first byte, no state for them, queue bounds).
    pub dropped: u64,
    /// RTP datagrams dropped: before the SRTP keys, malformed, or matching no section.
    pub rtp_dropped: u64,
    /// RTP packets sent (SRTP-protected).
    pub rtp_packets_sent: u64,
    /// RTP payload bytes sent.
    pub rtp_bytes_sent: u64,
    /// RTP packets received and authenticated.
    pub rtp_packets_received: u64,
    /// RTP payload bytes received.
    pub rtp_bytes_received: u64,
    /// RTP packets re-sent in answer to a NACK (as RTX when negotiated, RFC 4588).
    pub rtp_retransmitted: u64,
    /// RTX packets received and restored to their original stream (RFC 4588 §4).
    pub rtx_received: u64,
    /// RTX packets dropped (padding-only, no OSN).
    pub rtx_dropped: u64,
    /// Transport-wide congestion control feedback messages sent (draft-holmer §3.1).
    pub twcc_feedback_sent: u64,
    /// Transport-wide CC feedback messages received (parsed; no congestion control yet).
    pub twcc_feedback_received: u64,
    /// Packets those messages reported as received.
    pub twcc_packets_acked: u64,
    /// PLIs sent (by [`Peer::request_keyframe`](crate::Peer::request_keyframe) or on a
    /// loss burst NACK cannot repair).
    pub plis_sent: u64,
    /// RTCP compound reports (SR or RR) sent.
    pub rtcp_reports_sent: u64,
    /// Round-trip time from the latest report block about our media (RFC 3550 §6.4.1).
    pub rtt: Option<Duration>,
    /// Fraction lost (of 256) the peer reported about our media, latest block.
    pub remote_fraction_lost: Option<u8>,
    /// NACK packets sent (RFC 4585 §6.2.1).
    pub nacks_sent: u64,
    /// SRTCP packets received and authenticated (their content is not used yet).
    pub rtcp_packets_received: u64,
    /// SRTP/SRTCP packets that failed authentication or replay checks.
    pub srtp_dropped: u64,
    /// SCTP packets the association refused.
    pub sctp_dropped: u64,
    /// Events dropped because the queue was full.
    pub events_dropped: u64,
    /// Data-channel messages sent.
    pub dc_messages_sent: u64,
    /// Bytes in them.
    pub dc_bytes_sent: u64,
    /// Data-channel messages received.
    pub dc_messages_received: u64,
    /// Bytes in them.
    pub dc_bytes_received: u64,
    /// Channels that opened (ours and the peer's).
    pub channels_opened: u64,
    /// Channels that closed.
    pub channels_closed: u64,
    /// Channels open now.
    pub channels_open: usize,
    /// ICE state.
    pub ice_state: strata_ice::State,
    /// DTLS state.
    pub dtls_state: DtlsState,
    /// Connection state.
    pub connection_state: ConnectionState,
    /// Selected pair `(local, remote)`.
    pub selected_pair: Option<(SocketAddr, SocketAddr)>,
    /// ICE agent counters.
    pub ice: strata_ice::AgentStats,
    /// DTLS record counters.
    pub dtls: Option<strata_dtls::Stats>,
    /// The DTLS cipher suite.
    pub dtls_cipher_suite: Option<strata_dtls::CipherSuite>,
    /// SCTP counters.
    pub sctp: Option<strata_sctp::Stats>,
    /// SCTP smoothed round-trip time.
    pub sctp_srtt: Option<Duration>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            datagrams_sent: 0,
            bytes_sent: 0,
            datagrams_received: 0,
            bytes_received: 0,
            dropped: 0,
            rtp_dropped: 0,
            rtp_packets_sent: 0,
            rtp_bytes_sent: 0,
            rtp_packets_received: 0,
            rtp_bytes_received: 0,
            rtcp_packets_received: 0,
            rtp_retransmitted: 0,
            rtx_received: 0,
            rtx_dropped: 0,
            twcc_feedback_sent: 0,
            twcc_feedback_received: 0,
            twcc_packets_acked: 0,
            nacks_sent: 0,
            rtcp_reports_sent: 0,
            plis_sent: 0,
            rtt: None,
            remote_fraction_lost: None,
            srtp_dropped: 0,
            sctp_dropped: 0,
            events_dropped: 0,
            dc_messages_sent: 0,
            dc_bytes_sent: 0,
            dc_messages_received: 0,
            dc_bytes_received: 0,
            channels_opened: 0,
            channels_closed: 0,
            channels_open: 0,
            ice_state: strata_ice::State::New,
            dtls_state: DtlsState::New,
            connection_state: ConnectionState::New,
            selected_pair: None,
            ice: strata_ice::AgentStats::default(),
            dtls: None,
            dtls_cipher_suite: None,
            sctp: None,
            sctp_srtt: None,
        }
    }
}
