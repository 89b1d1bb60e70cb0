//! The composition: one ICE agent, one DTLS connection, one SCTP association, by value.

mod channels;
mod jsep;
mod rtp;
mod stats;
mod twcc;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use strata_dtls::{Certificate, Connection as Dtls, Fingerprint, FingerprintAlgorithm, Role};
use strata_ice::{Agent, State as IceState};
use strata_sctp::{ChannelEvent, ChannelOptions, DataChannels, DtlsRole};
use strata_sdp::Setup;

use crate::config::Config;
use crate::error::Error;
use crate::event::{ChannelId, ConnectionState, DtlsState, Event};
use crate::jsep::{Description, LocalParams, RemoteParams, SdpType, parse_remote};
use crate::media::{LocalTrack, MediaKind, MediaPacket, MediaSection, TrackId};
use crate::stats::Stats;

/// A datagram to send: from our socket `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The local address (one of [`Config::host_addrs`]) to send from.
    pub from: SocketAddr,
    /// The destination.
    pub to: SocketAddr,
    /// The datagram.
    pub data: Vec<u8>,
}

/// W3C `RTCSignalingState` (the subset without provisional answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignalingState {
    /// No offer pending.
    Stable,
    /// We set a local offer and wait for the answer.
    HaveLocalOffer,
    /// We set a remote offer and owe an answer.
    HaveRemoteOffer,
}

#[derive(Debug)]
struct Channel {
    stream: Option<u16>,
    options: ChannelOptions,
    open: bool,
    low_threshold: usize,
    counters: ChannelCounters,
}

/// Per-channel counters for W3C `data-channel` stats.
#[derive(Debug, Clone, Copy, Default)]
struct ChannelCounters {
    messages_sent: u64,
    bytes_sent: u64,
    messages_received: u64,
    bytes_received: u64,
}

/// RFC 7983 §7: what the first byte of a datagram says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Stun,
    Dtls,
    Rtp,
    Unknown,
}

fn classify(data: &[u8]) -> Kind {
    match data.first() {
        Some(0..=3) | Some(64..=79) => Kind::Stun, // STUN, TURN ChannelData
        Some(20..=63) => Kind::Dtls,
        Some(128..=191) => Kind::Rtp,
        _ => Kind::Unknown,
    }
}

/// A sans-IO WebRTC PeerConnection. See the [crate docs](crate) for the call order.
#[derive(Debug)]
pub struct Peer {
    config: Config,
    rng: ChaCha20Rng,
    now: Instant,
    certificate: Certificate,
    fingerprint: Fingerprint,
    session_id: u64,
    session_version: u64,
    signaling: SignalingState,
    local_kind: Option<SdpType>,
    offerer: Option<bool>,
    ice: Option<Agent>,
    ice_state: IceState,
    gathering_complete: bool,
    remote: Option<RemoteParams>,
    dtls_role: Option<Role>,
    dtls: Option<Dtls>,
    dtls_state: DtlsState,
    early: VecDeque<Vec<u8>>,
    sctp: Option<DataChannels>,
    sctp_connected: bool,
    channels: HashMap<ChannelId, Channel>,
    by_stream: HashMap<u16, ChannelId>,
    next_channel: u32,
    events: VecDeque<Event>,
    state: ConnectionState,
    closed: bool,
    buf: Vec<u8>,
    sctp_buf: Vec<u8>,
    stats: Stats,
    tracks: Vec<LocalTrack>,
    sections: Vec<MediaSection>,
    data_mid: Option<String>,
    srtp: Option<strata_srtp::Session>,
    media_out: VecDeque<Vec<u8>>,
    /// Mids announced with [`Event::Track`] (each once).
    announced: Vec<String>,
    /// The m-line order of the session (JSEP keeps it across renegotiations).
    mline_order: Vec<String>,
    /// NACK generators per remote video SSRC (RFC 4585), bounded by [`MAX_RECEIVERS`].
    receivers: HashMap<u32, strata_rtp::nack::NackGenerator>,
    rtcp_ssrc: u32,
    /// Receiver statistics per remote SSRC (RFC 3550 §6.4), bounded by [`MAX_RECEIVERS`].
    recv_stats: HashMap<u32, strata_rtp::stats::ReceiverStats>,
    /// Remote SSRC -> mid, learned from received RTP (bounded by [`MAX_RECEIVERS`]).
    remote_ssrcs: HashMap<u32, String>,
    pending_pli: Vec<u32>,
    ntp: strata_rtp::stats::NtpClock,
    next_report: Option<Instant>,
    /// Remote RTX SSRC -> the media SSRC it repairs (RFC 4588, `a=ssrc-group:FID`), bounded
    /// by [`MAX_RECEIVERS`].
    remote_rtx: HashMap<u32, u32>,
    /// Header extension ids for parsing received RTP (RFC 8285).
    rx_extmap: strata_rtp::rtp::ExtensionMap,
    /// Next transport-wide sequence number we send (one counter for the transport).
    twcc_seq: u16,
    twcc_rx: twcc::TwccReceiver,
    next_twcc: Option<Instant>,
    /// W3C `inbound-rtp` counters per remote SSRC, bounded by [`MAX_RECEIVERS`].
    inbound: HashMap<u32, rtp::InboundCounters>,
    /// Frame assemblers per remote SSRC (with `Config::assemble_frames`), bounded.
    assemblers: HashMap<u32, rtp::Assembler>,
    /// The negotiated SRTP protection profile (RFC 5764 §4.1.2), for stats.
    srtp_profile: Option<u16>,
}

/// Transport-cc feedback interval (libwebrtc sends about every 100 ms).
const TWCC_INTERVAL: std::time::Duration = std::time::Duration::from_millis(100);

/// RTCP report interval (RFC 3550 §6.2 computes it from bandwidth; WebRTC stacks use about
/// 1 s for video).
const REPORT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Bound on remote SSRCs tracked for NACK.
const MAX_RECEIVERS: usize = 16;

/// Bound on SRTP packets waiting for `poll_transmit`.
const MAX_MEDIA_QUEUE: usize = 1024;

impl Peer {
    /// A new peer. Draws its certificate key (unless given) and the seeds of every
    /// sub-machine from its CSPRNG.
    pub fn new(config: Config, now: Instant) -> Self {
        let seed = config.seed.unwrap_or_else(|| {
            let mut s = [0u8; 32];
            getrandom::fill(&mut s).expect("the OS entropy source is available");
            s
        });
        let mut rng = ChaCha20Rng::from_seed(seed);
        let certificate = match &config.certificate {
            Some(c) => c.clone(),
            None => Certificate::generate(seed32(&mut rng), config.unix_time),
        };
        let fingerprint = certificate.fingerprint(FingerprintAlgorithm::Sha256);
        // RFC 8829 §5.2.1: a 63-bit session id.
        let session_id = rng.next_u64() >> 1;
        let rtcp_ssrc = rng.next_u32();
        let twcc_seq = (rng.next_u32() & 0x7fff) as u16;
        Peer {
            rng,
            now,
            certificate,
            fingerprint,
            session_id,
            session_version: 1,
            signaling: SignalingState::Stable,
            local_kind: None,
            offerer: None,
            ice: None,
            ice_state: IceState::New,
            gathering_complete: false,
            remote: None,
            dtls_role: None,
            dtls: None,
            dtls_state: DtlsState::New,
            early: VecDeque::new(),
            sctp: None,
            sctp_connected: false,
            channels: HashMap::new(),
            by_stream: HashMap::new(),
            next_channel: 0,
            events: VecDeque::new(),
            state: ConnectionState::New,
            closed: false,
            buf: Vec::new(),
            sctp_buf: Vec::new(),
            stats: Stats::default(),
            tracks: Vec::new(),
            sections: Vec::new(),
            data_mid: None,
            srtp: None,
            media_out: VecDeque::new(),
            announced: Vec::new(),
            mline_order: Vec::new(),
            receivers: HashMap::new(),
            rtcp_ssrc,
            recv_stats: HashMap::new(),
            remote_ssrcs: HashMap::new(),
            pending_pli: Vec::new(),
            ntp: strata_rtp::stats::NtpClock::new(
                now,
                strata_rtp::rtcp::NtpTime::from_duration(std::time::Duration::from_secs(
                    config.unix_time + strata_rtp::rtcp::NtpTime::UNIX_OFFSET_SECS,
                )),
            ),
            next_report: None,
            remote_rtx: HashMap::new(),
            rx_extmap: strata_rtp::rtp::ExtensionMap::default(),
            twcc_seq,
            twcc_rx: twcc::TwccReceiver::new(now),
            next_twcc: None,
            inbound: HashMap::new(),
            assemblers: HashMap::new(),
            srtp_profile: None,
            config,
        }
    }

    // ------------------------------------------------------------------ accessors

    /// The SHA-256 fingerprint of our certificate (`a=fingerprint`).
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// The signaling state.
    pub fn signaling_state(&self) -> SignalingState {
        self.signaling
    }

    /// The connection state.
    pub fn connection_state(&self) -> ConnectionState {
        self.state
    }

    /// The ICE state.
    pub fn ice_state(&self) -> IceState {
        self.ice_state
    }

    /// The DTLS state.
    pub fn dtls_state(&self) -> DtlsState {
        self.dtls_state
    }

    /// Our DTLS role, once the descriptions decided it (RFC 8842 §5).
    pub fn dtls_role(&self) -> Option<Role> {
        self.dtls_role
    }

    /// Whether gathering finished (the local description holds every candidate).
    pub fn is_gathering_complete(&self) -> bool {
        self.gathering_complete
    }

    /// The selected pair `(local, remote)`.
    pub fn selected_pair(&self) -> Option<(SocketAddr, SocketAddr)> {
        let (l, r) = self.ice.as_ref()?.selected_pair()?;
        Some((l.addr, r.addr))
    }

    /// Counters resembling W3C getStats (transport, candidate pair, data channels).
    pub fn stats(&self) -> Stats {
        let mut s = self.stats.clone();
        s.ice_state = self.ice_state;
        s.dtls_state = self.dtls_state;
        s.connection_state = self.state;
        s.selected_pair = self.selected_pair();
        if let Some(a) = &self.ice {
            s.ice = a.stats();
        }
        if let Some(d) = &self.dtls {
            s.dtls = Some(d.stats());
            s.dtls_cipher_suite = d.cipher_suite();
        }
        if let Some(c) = &self.sctp {
            let a = c.association();
            s.sctp = Some(a.stats());
            s.sctp_srtt = a.srtt();
        }
        s.channels_open = self.channels.values().filter(|c| c.open).count();
        s
    }

    /// A channel's label.
    pub fn channel_label(&self, id: ChannelId) -> Option<&str> {
        self.channels.get(&id).map(|c| c.options.label.as_str())
    }

    /// A channel's options (as created or as the remote announced them).
    pub fn channel_options(&self, id: ChannelId) -> Option<&ChannelOptions> {
        self.channels.get(&id).map(|c| &c.options)
    }

    /// A channel's SCTP stream id, once known.
    pub fn channel_stream_id(&self, id: ChannelId) -> Option<u16> {
        self.channels.get(&id).and_then(|c| c.stream)
    }

    /// Bytes queued on a channel and not yet acknowledged (W3C `bufferedAmount`).
    pub fn buffered_amount(&self, id: ChannelId) -> usize {
        match (self.channels.get(&id).and_then(|c| c.stream), &self.sctp) {
            (Some(s), Some(sctp)) => sctp.buffered_amount(s),
            _ => 0,
        }
    }

    // ------------------------------------------------------------------ sans-IO

    /// Whether a datagram that arrived at `to` from `from` belongs to this peer (so one socket
    /// can serve many peers): STUN requests carrying our ufrag, anything else from an address
    /// ICE knows as the peer's (or a configured server).
    pub fn accepts(&self, from: SocketAddr, to: SocketAddr, data: &[u8]) -> bool {
        let Some(agent) = &self.ice else {
            return false;
        };
        if !self.config.host_addrs.contains(&to) {
            return false;
        }
        if strata_stun::is_stun(data)
            && let Ok(msg) = strata_stun::Message::new_checked(data)
            && msg.message_type().class == strata_stun::Class::Request
        {
            let ufrag = &agent.local_credentials().ufrag;
            return msg
                .text(strata_stun::AttrType::USERNAME)
                .and_then(|u| u.split_once(':'))
                .is_some_and(|(ours, _)| ours == ufrag);
        }
        agent.remote_candidates().any(|c| c.addr == from)
            || self.config.stun_servers.contains(&from)
            || self.config.turn_servers.iter().any(|t| t.0 == from)
    }

    /// RFC 7983 demux of one received datagram: STUN and TURN to ICE, DTLS to the DTLS
    /// connection (held until it exists), RTP/RTCP to SRTP and the media path (dropped and
    /// counted before the SRTP keys exist). Errors say why a datagram was dropped; only DTLS
    /// failures are fatal (and reported as events too).
    pub fn handle_datagram(
        &mut self,
        now: Instant,
        from: SocketAddr,
        to: SocketAddr,
        data: &[u8],
    ) -> Result<(), Error> {
        self.clamp(now);
        self.stats.datagrams_received += 1;
        self.stats.bytes_received += data.len() as u64;
        let r = self.demux(from, to, data);
        self.pump();
        r
    }

    fn demux(&mut self, from: SocketAddr, to: SocketAddr, data: &[u8]) -> Result<(), Error> {
        match classify(data) {
            Kind::Stun => match &mut self.ice {
                Some(a) => Ok(a.handle_packet(self.now, from, to, data)?),
                None => {
                    self.stats.dropped += 1;
                    Err(Error::InvalidState("STUN before any description"))
                }
            },
            Kind::Dtls => self.handle_dtls(data),
            Kind::Rtp => {
                let r = self.handle_rtp(data);
                if !self.pending_pli.is_empty() {
                    self.send_plis();
                }
                r
            }
            Kind::Unknown => {
                self.stats.dropped += 1;
                Err(Error::UnknownPacket)
            }
        }
    }

    fn handle_dtls(&mut self, data: &[u8]) -> Result<(), Error> {
        match &mut self.dtls {
            Some(d) => Ok(d.handle_packet(self.now, data)?),
            None => {
                if self.early.len() < self.config.max_early_datagrams {
                    self.early.push_back(data.to_vec());
                } else {
                    self.stats.dropped += 1;
                }
                Ok(())
            }
        }
    }

    /// Advances every timer (ICE pacing and consent, DTLS retransmission, SCTP T3 and
    /// delayed SACK). Early or repeated calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clamp(now);
        if let Some(a) = &mut self.ice {
            a.handle_timeout(now);
        }
        if let Some(d) = &mut self.dtls {
            d.handle_timeout(now);
        }
        if let Some(s) = &mut self.sctp {
            s.handle_timeout(now);
        }
        self.poll_nacks(now);
        if self.next_report.is_some_and(|t| t <= now) {
            self.send_reports(now);
            self.next_report = Some(now + REPORT_INTERVAL);
        }
        if self.next_twcc.is_some_and(|t| t <= now) {
            self.send_twcc();
            self.next_twcc = self.twcc_rx.has_pending().then_some(now + TWCC_INTERVAL);
        }
        self.pump();
    }

    /// The next datagram to send. Output is pulled layer by layer (ICE's own, then DTLS
    /// records once a pair is selected, then SCTP packets once DTLS is up), so no layer's
    /// queue fills faster than the application drains it.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Transmit> {
        let now = self.clamp(now);
        let agent = self.ice.as_mut()?;
        loop {
            if let Some(t) = agent.poll_transmit(now) {
                self.stats.datagrams_sent += 1;
                self.stats.bytes_sent += t.data.len() as u64;
                return Some(Transmit {
                    from: t.from,
                    to: t.to,
                    data: t.data,
                });
            }
            agent.selected_pair()?;
            let dtls = self.dtls.as_mut()?;
            // DTLS first: the server's Finished must not be overtaken by the SRTP it keys.
            if dtls.poll_transmit(now, &mut self.buf).is_some() {
                if agent.send(now, &self.buf).is_err() {
                    self.stats.dropped += 1;
                }
                continue;
            }
            if let Some(p) = self.media_out.pop_front() {
                if agent.send(now, &p).is_err() {
                    self.stats.dropped += 1;
                }
                continue;
            }
            if !dtls.is_connected() {
                return None;
            }
            let sctp = self.sctp.as_mut()?;
            let n = sctp.poll_transmit(now, &mut self.sctp_buf)?;
            if dtls.send(&self.sctp_buf[..n]).is_err() {
                self.stats.dropped += 1;
            }
        }
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        if self.events.is_empty() {
            self.pump();
        }
        self.events.pop_front()
    }

    /// The earliest deadline of the parts (ICE, DTLS, SCTP); O(1).
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.ice.as_ref().and_then(Agent::poll_timeout),
            self.dtls.as_ref().and_then(Dtls::poll_timeout),
            self.sctp.as_ref().and_then(DataChannels::poll_timeout),
            self.next_report,
            self.next_twcc,
            // At most MAX_RECEIVERS generators: bounded, not O(streams) in general.
            self.receivers
                .values()
                .filter_map(strata_rtp::nack::NackGenerator::poll_timeout)
                .min(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    // ------------------------------------------------------------------ internals

    fn clamp(&mut self, now: Instant) -> Instant {
        self.now = self.now.max(now);
        self.now
    }

    fn push_event(&mut self, e: Event) {
        if self.events.len() < self.config.max_queued_events {
            self.events.push_back(e);
        } else {
            self.stats.events_dropped += 1;
        }
    }

    /// Moves events between the layers until none has anything left to say.
    fn pump(&mut self) {
        loop {
            let mut progress = false;
            while let Some(e) = self.ice.as_mut().and_then(Agent::poll_event) {
                progress = true;
                self.on_ice_event(e);
            }
            self.maybe_start_dtls();
            while let Some(e) = self.dtls.as_mut().and_then(Dtls::poll_event) {
                progress = true;
                self.on_dtls_event(e);
            }
            while let Some(e) = self.sctp.as_mut().and_then(DataChannels::poll_event) {
                progress = true;
                self.on_sctp_event(e);
            }
            if !progress {
                break;
            }
        }
        self.update_state();
    }

    fn on_ice_event(&mut self, e: strata_ice::Event) {
        use strata_ice::Event as E;
        match e {
            E::LocalCandidate(c) => self.push_event(Event::LocalCandidate(c)),
            E::GatheringComplete if !self.gathering_complete => {
                self.gathering_complete = true;
                self.push_event(Event::IceGatheringComplete);
            }
            E::StateChanged(s) => {
                self.ice_state = s;
                self.push_event(Event::IceStateChanged(s));
            }
            E::SelectedPair { local, remote } => {
                self.push_event(Event::SelectedPair { local, remote })
            }
            E::Data { data, .. } => {
                // Through a TURN relay: the same demux, minus STUN.
                if classify(&data) == Kind::Dtls {
                    let _ = self.handle_dtls(&data);
                } else if classify(&data) == Kind::Rtp {
                    let _ = self.handle_rtp(&data);
                }
            }
            _ => {}
        }
    }

    /// DTLS starts once the role is known and ICE has selected a pair; early datagrams
    /// (a ClientHello that beat our nomination) are replayed into it.
    fn maybe_start_dtls(&mut self) {
        if self.dtls.is_some() || self.closed {
            return;
        }
        let (Some(role), Some(remote)) = (self.dtls_role, &self.remote) else {
            return;
        };
        let (fingerprints, data) = (remote.fingerprints.clone(), remote.data.clone());
        if self.local_kind.is_none()
            || self
                .ice
                .as_ref()
                .is_none_or(|a| a.selected_pair().is_none())
        {
            return;
        }
        let mut cfg = strata_dtls::Config::new(self.certificate.clone())
            .with_remote_fingerprints(fingerprints)
            .with_seed(seed32(&mut self.rng));
        cfg.mtu = self.config.mtu;
        // Chromium does not use HelloVerifyRequest in WebRTC: ICE already proved the path.
        cfg.hello_verify = false;
        let mut dtls = Dtls::new(cfg, role, self.now);
        while let Some(d) = self.early.pop_front() {
            // A bad early datagram fails the connection; the event reports it.
            let _ = dtls.handle_packet(self.now, &d);
        }
        self.dtls = Some(dtls);
        self.dtls_state = DtlsState::Connecting;
        self.push_event(Event::DtlsStateChanged(DtlsState::Connecting));
        if let Some(data) = data {
            let mut cfg = strata_sctp::Config::default().with_seed(seed32(&mut self.rng));
            cfg.local_port = self.config.sctp_port;
            cfg.remote_port = data.sctp_port;
            cfg.max_message_size = self.config.max_message_size;
            // DTLS record header (13) + AEAD explicit nonce and tag (24) must fit the MTU.
            cfg.mtu = self.config.mtu.saturating_sub(40).max(512);
            let dtls_role = match role {
                Role::Client => DtlsRole::Client,
                _ => DtlsRole::Server,
            };
            let mut sctp = DataChannels::new(cfg, dtls_role, self.now);
            // RFC 8841 §6.1: without the attribute the remote takes 64 KiB; 0 means no limit.
            let remote_max = data
                .max_message_size
                .map_or(65_536, |m| usize::try_from(m).unwrap_or(usize::MAX));
            sctp.set_remote_max_message_size(remote_max);
            let mut pending: Vec<ChannelId> = self
                .channels
                .iter()
                .filter(|(_, c)| c.stream.is_none())
                .map(|(id, _)| *id)
                .collect();
            pending.sort();
            for id in pending {
                let c = self.channels.get_mut(&id).expect("invariant: listed above");
                match sctp.open(self.now, c.options.clone()) {
                    Ok(s) => {
                        c.stream = Some(s);
                        if c.low_threshold > 0 {
                            sctp.set_buffered_amount_low_threshold(s, c.low_threshold);
                        }
                        self.by_stream.insert(s, id);
                    }
                    Err(_) => {
                        self.channels.remove(&id);
                        self.push_event(Event::ChannelClosed(id));
                    }
                }
            }
            self.sctp = Some(sctp);
        }
    }

    fn on_dtls_event(&mut self, e: strata_dtls::Event) {
        use strata_dtls::Event as E;
        match e {
            E::Connected { .. } => {
                self.dtls_state = DtlsState::Connected;
                self.push_event(Event::DtlsStateChanged(DtlsState::Connected));
                if let Some(sctp) = &mut self.sctp {
                    let _ = sctp.connect(self.now);
                }
            }
            E::ApplicationData(data) => {
                if let Some(sctp) = &mut self.sctp
                    && sctp.handle_packet(self.now, &data).is_err()
                {
                    self.stats.sctp_dropped += 1;
                }
                if let Some(d) = &mut self.dtls {
                    d.recycle(data);
                }
            }
            E::Closed => {
                self.close_all_channels();
                self.dtls_state = DtlsState::Closed;
                self.push_event(Event::DtlsStateChanged(DtlsState::Closed));
            }
            E::Failed(err) => {
                self.close_all_channels();
                self.dtls_state = DtlsState::Failed;
                self.push_event(Event::DtlsFailed(err));
                self.push_event(Event::DtlsStateChanged(DtlsState::Failed));
            }
            E::SrtpKeyingMaterial(km) => {
                // RFC 5764 §4.2: the exporter output keys both directions.
                let profile =
                    strata_srtp::Profile::from_id(strata_srtp::ProtectionProfileId(km.profile.0));
                let role = if km.is_client {
                    strata_srtp::Role::Client
                } else {
                    strata_srtp::Role::Server
                };
                if let Some(p) = profile {
                    self.srtp_profile = Some(km.profile.0);
                    if self.sections.iter().any(|s| !s.rejected) {
                        self.next_report = Some(self.now + REPORT_INTERVAL);
                    }
                    self.srtp = strata_srtp::Session::from_dtls(
                        p,
                        &km.material,
                        role,
                        strata_srtp::Config::default(),
                    )
                    .ok();
                }
            }
            _ => {}
        }
    }

    fn on_sctp_event(&mut self, e: ChannelEvent) {
        match e {
            ChannelEvent::Connected => {
                self.sctp_connected = true;
                self.push_event(Event::SctpConnected);
            }
            ChannelEvent::Open(s) => {
                if let Some(id) = self.by_stream.get(&s).copied()
                    && let Some(c) = self.channels.get_mut(&id)
                {
                    c.open = true;
                    self.stats.channels_opened += 1;
                    self.push_event(Event::ChannelOpen(id));
                }
            }
            ChannelEvent::Incoming { id: s, options } => {
                let id = ChannelId(self.next_channel);
                self.next_channel += 1;
                let (label, protocol) = (options.label.clone(), options.protocol.clone());
                self.channels.insert(
                    id,
                    Channel {
                        stream: Some(s),
                        options,
                        open: true,
                        low_threshold: 0,
                        counters: ChannelCounters::default(),
                    },
                );
                self.by_stream.insert(s, id);
                self.stats.channels_opened += 1;
                self.push_event(Event::DataChannel {
                    id,
                    label,
                    protocol,
                });
                self.push_event(Event::ChannelOpen(id));
            }
            ChannelEvent::Message {
                id: s,
                binary,
                data,
            } => {
                if let Some(id) = self.by_stream.get(&s).copied() {
                    if let Some(c) = self.channels.get_mut(&id) {
                        c.counters.messages_received += 1;
                        c.counters.bytes_received += data.len() as u64;
                    }
                    self.stats.dc_messages_received += 1;
                    self.stats.dc_bytes_received += data.len() as u64;
                    self.push_event(Event::ChannelMessage { id, binary, data });
                }
            }
            ChannelEvent::BufferedAmountLow(s) => {
                if let Some(id) = self.by_stream.get(&s).copied() {
                    self.push_event(Event::ChannelBufferedAmountLow(id));
                }
            }
            ChannelEvent::Closed(s) => {
                if let Some(id) = self.by_stream.remove(&s) {
                    self.channels.remove(&id);
                    self.stats.channels_closed += 1;
                    self.push_event(Event::ChannelClosed(id));
                }
            }
            ChannelEvent::AssociationClosed(_) => self.close_all_channels(),
            _ => {}
        }
    }

    /// The transport under the channels ended: every channel is closed.
    fn close_all_channels(&mut self) {
        self.sctp_connected = false;
        let mut ids: Vec<ChannelId> = self.channels.keys().copied().collect();
        ids.sort();
        for id in ids {
            self.channels.remove(&id);
            self.stats.channels_closed += 1;
            self.push_event(Event::ChannelClosed(id));
        }
        self.by_stream.clear();
    }

    fn update_state(&mut self) {
        let connected_ice = matches!(self.ice_state, IceState::Connected | IceState::Completed);
        let s = if self.closed || self.dtls_state == DtlsState::Closed {
            ConnectionState::Closed
        } else if self.dtls_state == DtlsState::Failed || self.ice_state == IceState::Failed {
            ConnectionState::Failed
        } else if self.ice_state == IceState::Disconnected {
            ConnectionState::Disconnected
        } else if connected_ice && self.dtls_state == DtlsState::Connected {
            ConnectionState::Connected
        } else if self.ice_state != IceState::New || self.dtls_state == DtlsState::Connecting {
            ConnectionState::Connecting
        } else {
            ConnectionState::New
        };
        if s != self.state {
            self.state = s;
            self.push_event(Event::ConnectionStateChanged(s));
        }
    }
}

fn seed32(rng: &mut ChaCha20Rng) -> [u8; 32] {
    let mut s = [0u8; 32];
    rng.fill_bytes(&mut s);
    s
}
