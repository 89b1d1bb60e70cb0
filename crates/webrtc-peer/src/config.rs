//! Peer configuration.

use std::net::SocketAddr;

use strata_dtls::Certificate;

/// [`Peer`](crate::Peer) settings. [`Config::default`] gives WebRTC defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Seed of the peer's ChaCha20 CSPRNG; every sub-machine's seed (ICE, DTLS, SCTP, the
    /// certificate key) is drawn from it. `None`: OS entropy, once, in [`Peer::new`](crate::Peer::new).
    pub seed: Option<[u8; 32]>,
    /// Our DTLS certificate; `None` generates a self-signed ECDSA P-256 one from the RNG.
    pub certificate: Option<Certificate>,
    /// Seconds since the Unix epoch, for the generated certificate's validity (the peer reads
    /// no clock). Browsers check only the fingerprint, so a fixed value works.
    pub unix_time: u64,
    /// Host addresses (bound sockets) to gather candidates on.
    pub host_addrs: Vec<SocketAddr>,
    /// STUN servers for server-reflexive candidates.
    pub stun_servers: Vec<SocketAddr>,
    /// TURN servers (address, username, password).
    pub turn_servers: Vec<(SocketAddr, String, String)>,
    /// Use relayed candidates only (W3C `iceTransportPolicy: "relay"`).
    pub relay_only: bool,
    /// Template for the ICE agent (its role and seed are set by the peer).
    pub ice: strata_ice::Config,
    /// Our SCTP port (RFC 8841 `a=sctp-port`).
    pub sctp_port: u16,
    /// Largest data-channel message we accept (RFC 8841 `a=max-message-size`).
    pub max_message_size: usize,
    /// Largest DTLS datagram (and SCTP packet budget derived from it).
    pub mtu: usize,
    /// Bound on undrained events; more are dropped and counted.
    pub max_queued_events: usize,
    /// Bound on DTLS datagrams held before the DTLS connection exists; more are dropped.
    pub max_early_datagrams: usize,
    /// Reassemble received RTP into frames (strata-rtp depacketizers) and report each as
    /// [`Event::Frame`](crate::Event::Frame), besides the per-packet
    /// [`Event::Media`](crate::Event::Media). Off by default (a reflector needs packets only).
    pub assemble_frames: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: None,
            certificate: None,
            unix_time: 1_764_000_000,
            host_addrs: Vec::new(),
            stun_servers: Vec::new(),
            turn_servers: Vec::new(),
            relay_only: false,
            // Chromium nominates aggressively; it saves the regular-nomination delay.
            ice: strata_ice::Config::default().with_aggressive_nomination(true),
            sctp_port: 5000,
            max_message_size: 262_144,
            mtu: 1200,
            max_queued_events: 4096,
            max_early_datagrams: 32,
            assemble_frames: false,
        }
    }
}

impl Config {
    /// Sets [`seed`](Self::seed).
    pub fn with_seed(mut self, seed: [u8; 32]) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Adds a host address to gather on.
    pub fn with_host(mut self, addr: SocketAddr) -> Self {
        self.host_addrs.push(addr);
        self
    }

    /// Adds a STUN server.
    pub fn with_stun_server(mut self, addr: SocketAddr) -> Self {
        self.stun_servers.push(addr);
        self
    }

    /// Sets [`assemble_frames`](Self::assemble_frames).
    pub fn with_frames(mut self, on: bool) -> Self {
        self.assemble_frames = on;
        self
    }

    /// Sets [`certificate`](Self::certificate).
    pub fn with_certificate(mut self, certificate: Certificate) -> Self {
        self.certificate = Some(certificate);
        self
    }
}
