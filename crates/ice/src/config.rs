//! Agent configuration. Defaults follow RFC 8445 §14, RFC 7675 §5.1 and Chromium.

use std::net::SocketAddr;
use std::time::Duration;

/// A TURN server and its long-term credentials (RFC 8656 over UDP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnServer {
    /// The server's UDP address.
    pub addr: SocketAddr,
    /// Long-term username.
    pub username: String,
    /// Long-term password.
    pub password: String,
}

/// [`Agent`](crate::Agent) settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Start in the controlling role (RFC 8445 §6.1.1: the offerer, or the full agent against
    /// a lite peer). Role conflicts are repaired at run time (§7.3.1.1).
    pub controlling: bool,
    /// Be an ICE-lite agent (RFC 8445 §2.5): answer checks, never send them.
    pub lite: bool,
    /// Ta, the pacing interval between new checks (RFC 8445 §14.2: 50 ms).
    pub ta: Duration,
    /// Lower bound of the check RTO (RFC 8445 §14.3: 500 ms).
    pub min_rto: Duration,
    /// Transmissions of a check, the first included (RFC 8489 Rc: 7).
    pub max_check_transmits: u32,
    /// Last wait, in RTOs, before a check times out (RFC 8489 Rm: 16).
    pub check_final_wait: u32,
    /// Regular nomination: how long the controlling agent waits after the first valid pair
    /// for higher-priority pairs still in flight before it nominates the best one.
    pub nomination_delay: Duration,
    /// Set USE-CANDIDATE on every check when controlling, as Chromium does (RFC 5245
    /// aggressive nomination). The controlled side selects the best nominated valid pair.
    pub aggressive_nomination: bool,
    /// Mean interval of consent checks on the selected pair (RFC 7675 §5.1: 5 s, ±20 %).
    pub consent_interval: Duration,
    /// Consent expires after this long without a successful check (RFC 7675: 30 s).
    pub consent_timeout: Duration,
    /// The state turns `Disconnected` after this long without a successful consent check.
    pub disconnected_timeout: Duration,
    /// Keepalive (Binding indication) interval when no consent check is due (RFC 8445 §11: 15 s).
    pub keepalive_interval: Duration,
    /// STUN servers for server-reflexive candidates.
    pub stun_servers: Vec<SocketAddr>,
    /// TURN servers for relayed candidates.
    pub turn_servers: Vec<TurnServer>,
    /// Use relayed candidates only (W3C `iceTransportPolicy: "relay"`): host bases only reach
    /// the TURN servers; they are not signalled, paired, or answered on.
    pub relay_only: bool,
    /// Bound on remote candidates, signalled and peer-reflexive together.
    pub max_remote_candidates: usize,
    /// Bound on peer-reflexive remote candidates among them.
    pub max_prflx_candidates: usize,
    /// Bound on local candidates.
    pub max_local_candidates: usize,
    /// Bound on candidate pairs (RFC 8445 §6.1.2.5 suggests 100).
    pub max_pairs: usize,
    /// Bound on datagrams queued for `poll_transmit`; more are dropped and counted.
    pub max_queued_transmits: usize,
    /// Bound on undrained events; more are dropped and counted.
    pub max_queued_events: usize,
    /// Seed of the agent's ChaCha20 CSPRNG (ufrag, pwd, tie-breaker, transaction ids,
    /// jitter). `None`: from the operating system.
    pub seed: Option<[u8; 32]>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            controlling: true,
            lite: false,
            ta: Duration::from_millis(50),
            min_rto: Duration::from_millis(500),
            max_check_transmits: 7,
            check_final_wait: 16,
            nomination_delay: Duration::from_millis(200),
            aggressive_nomination: false,
            consent_interval: Duration::from_secs(5),
            consent_timeout: Duration::from_secs(30),
            disconnected_timeout: Duration::from_millis(7_500),
            keepalive_interval: Duration::from_secs(15),
            stun_servers: Vec::new(),
            turn_servers: Vec::new(),
            relay_only: false,
            max_remote_candidates: 100,
            max_prflx_candidates: 20,
            max_local_candidates: 32,
            max_pairs: 300,
            max_queued_transmits: 256,
            max_queued_events: 256,
            seed: None,
        }
    }
}

impl Config {
    /// Controlling agent defaults.
    pub fn controlling() -> Self {
        Config::default()
    }

    /// Controlled agent defaults.
    pub fn controlled() -> Self {
        Config {
            controlling: false,
            ..Config::default()
        }
    }

    /// Sets [`seed`](Self::seed).
    pub fn with_seed(mut self, seed: [u8; 32]) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Sets [`lite`](Self::lite). A lite agent is always controlled.
    pub fn with_lite(mut self, lite: bool) -> Self {
        self.lite = lite;
        if lite {
            self.controlling = false;
        }
        self
    }

    /// Sets [`aggressive_nomination`](Self::aggressive_nomination).
    pub fn with_aggressive_nomination(mut self, on: bool) -> Self {
        self.aggressive_nomination = on;
        self
    }

    /// Sets [`ta`](Self::ta).
    pub fn with_ta(mut self, ta: Duration) -> Self {
        self.ta = ta;
        self
    }

    /// Adds a STUN server.
    pub fn with_stun_server(mut self, addr: SocketAddr) -> Self {
        self.stun_servers.push(addr);
        self
    }

    /// Adds a TURN server.
    pub fn with_turn_server(mut self, addr: SocketAddr, username: &str, password: &str) -> Self {
        self.turn_servers.push(TurnServer {
            addr,
            username: username.to_owned(),
            password: password.to_owned(),
        });
        self
    }

    /// Sets [`relay_only`](Self::relay_only).
    pub fn with_relay_only(mut self, relay_only: bool) -> Self {
        self.relay_only = relay_only;
        self
    }
}
