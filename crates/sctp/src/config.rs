//! Association configuration.

use std::time::Duration;

/// Configuration of an [`Association`](crate::Association). Defaults follow RFC 9260 §16
/// except where WebRTC practice differs (noted per field).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Our SCTP port (RFC 8841 `a=sctp-port`; 5000 by default).
    pub local_port: u16,
    /// The peer's SCTP port.
    pub remote_port: u16,
    /// Largest SCTP packet we send: the DTLS record payload budget (RFC 8261 §5; 1200 keeps
    /// the DTLS datagram under IPv6's minimum MTU with room for DTLS overhead).
    pub mtu: usize,
    /// Receive buffer: the a_rwnd we advertise and the most unread data we hold.
    pub receive_window: u32,
    /// Most bytes queued for sending (not yet acknowledged); `send` fails beyond it.
    pub send_buffer: usize,
    /// Largest message accepted for sending or reassembly (WebRTC `a=max-message-size`).
    pub max_message_size: usize,
    /// Outbound streams we ask for and inbound streams we accept (RFC 9260 §3.3.2).
    pub streams: u16,
    /// RTO.Initial (RFC 9260 §16: 1 s).
    pub rto_initial: Duration,
    /// RTO.Min (RFC 9260 §16: 1 s; WebRTC stacks use lower values; ours 200 ms).
    pub rto_min: Duration,
    /// RTO.Max (RFC 9260 §16: 60 s).
    pub rto_max: Duration,
    /// Max.Init.Retransmits (RFC 9260 §16: 8).
    pub max_init_retransmits: u32,
    /// Association.Max.Retrans (RFC 9260 §16: 10).
    pub max_retransmits: u32,
    /// Delayed SACK timer (RFC 9260 §6.2: at most 500 ms; 200 ms default).
    pub delayed_ack: Duration,
    /// HB.interval (RFC 9260 §16: 30 s); `None` disables heartbeats.
    pub heartbeat_interval: Option<Duration>,
    /// Valid.Cookie.Life (RFC 9260 §16: 60 s).
    pub cookie_lifetime: Duration,
    /// Advertise and use I-DATA (RFC 8260) when the peer does too.
    pub i_data: bool,
    /// Advertise RFC 9653 zero checksum (DTLS as the alternate error detection method).
    pub zero_checksum: bool,
    /// RNG seed for verification tags, initial TSNs and the cookie key; `None` uses OS entropy.
    pub seed: Option<[u8; 32]>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            local_port: 5000,
            remote_port: 5000,
            mtu: 1200,
            receive_window: 1024 * 1024,
            send_buffer: 4 * 1024 * 1024,
            max_message_size: 256 * 1024,
            streams: 65535,
            rto_initial: Duration::from_secs(1),
            rto_min: Duration::from_millis(200),
            rto_max: Duration::from_secs(60),
            max_init_retransmits: 8,
            max_retransmits: 10,
            delayed_ack: Duration::from_millis(200),
            heartbeat_interval: Some(Duration::from_secs(30)),
            cookie_lifetime: Duration::from_secs(60),
            i_data: false,
            zero_checksum: false,
            seed: None,
        }
    }
}

impl Config {
    /// Sets the RNG seed (reproducible tests).
    pub fn with_seed(mut self, seed: [u8; 32]) -> Self {
        self.seed = Some(seed);
        self
    }
}
