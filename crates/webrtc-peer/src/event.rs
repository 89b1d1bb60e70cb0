//! What the peer reports through [`Peer::poll_event`](crate::Peer::poll_event).

use strata_ice::Candidate;

/// A data channel, as the application sees it (stable from creation on, unlike the SCTP
/// stream id, which is known only once the DTLS role is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub u32);

/// W3C `RTCPeerConnectionState`, derived from the ICE and DTLS states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// Nothing started.
    New,
    /// ICE checks or the DTLS handshake are running.
    Connecting,
    /// ICE has a pair and DTLS is connected.
    Connected,
    /// ICE lost consent for a while; may recover.
    Disconnected,
    /// ICE or DTLS failed (for instance a fingerprint mismatch).
    Failed,
    /// [`Peer::close`](crate::Peer::close) was called or the remote closed DTLS.
    Closed,
}

/// W3C `RTCDtlsTransportState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DtlsState {
    /// Not started.
    New,
    /// Handshaking.
    Connecting,
    /// Handshake done, fingerprint verified.
    Connected,
    /// close_notify sent or received.
    Closed,
    /// The handshake or the connection failed.
    Failed,
}

/// An event. Drain them after every input or command.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The ICE connection state changed.
    IceStateChanged(strata_ice::State),
    /// A local candidate appeared (already in [`Peer::local_description`](crate::Peer::local_description)).
    LocalCandidate(Candidate),
    /// Gathering is complete: the local description now holds every candidate.
    IceGatheringComplete,
    /// The selected candidate pair changed.
    SelectedPair {
        /// Our candidate.
        local: Candidate,
        /// Theirs.
        remote: Candidate,
    },
    /// The DTLS state changed.
    DtlsStateChanged(DtlsState),
    /// The DTLS connection failed (bad fingerprint, handshake timeout, ...).
    DtlsFailed(strata_dtls::Error),
    /// The overall connection state changed.
    ConnectionStateChanged(ConnectionState),
    /// The SCTP association is up.
    SctpConnected,
    /// The peer opened a data channel (W3C `ondatachannel`); [`Event::ChannelOpen`] follows.
    DataChannel {
        /// Its handle.
        id: ChannelId,
        /// Its label.
        label: String,
        /// Its sub-protocol.
        protocol: String,
    },
    /// A channel is open: messages can be sent.
    ChannelOpen(ChannelId),
    /// A message arrived on a channel.
    ChannelMessage {
        /// The channel.
        id: ChannelId,
        /// Binary (PPID 53/57) or text (51/56).
        binary: bool,
        /// The payload.
        data: Vec<u8>,
    },
    /// The channel's buffered amount fell to its low threshold.
    ChannelBufferedAmountLow(ChannelId),
    /// The channel is closed.
    ChannelClosed(ChannelId),
    /// The peer sends media on an m-section we accepted (W3C `ontrack`).
    Track {
        /// Its mid.
        mid: String,
        /// Audio or video.
        kind: crate::MediaKind,
    },
    /// An RTP packet arrived (after SRTP; an RTX packet as the original it restores).
    Media(crate::MediaPacket),
    /// A complete frame was reassembled (only with
    /// [`Config::assemble_frames`](crate::Config::assemble_frames)).
    Frame(crate::MediaFrame),
    /// The peer asked for a keyframe on one of our tracks (PLI, RFC 4585 §6.3.1, or FIR,
    /// RFC 5104 §4.3.1): the encoder should produce one.
    KeyframeRequest(crate::TrackId),
}
