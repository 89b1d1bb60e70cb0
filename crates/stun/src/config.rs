//! Configuration of the client transaction layer.

use std::time::Duration;

/// [`Client`](crate::Client) settings. Defaults are RFC 8489 §6.2.1's.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Initial retransmission timeout (RFC 8489 §6.2.1: 500 ms; SHOULD be > 500 ms on
    /// fixed lines). A [`Request`](crate::Request) may override it (ICE paces its own).
    pub rto: Duration,
    /// Rc: transmissions of a request over UDP, the first included (RFC 8489: 7).
    pub rc: u32,
    /// Rm: after the last transmission, wait `rm × rto` before giving up (RFC 8489: 16).
    pub rm: u32,
    /// Bound on outstanding transactions plus undrained events; `start` fails beyond it.
    pub max_transactions: usize,
    /// Seed of the ChaCha20 CSPRNG that draws transaction ids. `None` seeds it from the OS
    /// (getrandom); a fixed seed makes runs reproducible in tests.
    pub seed: Option<[u8; 32]>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            rto: Duration::from_millis(500),
            rc: 7,
            rm: 16,
            max_transactions: 64,
            seed: None,
        }
    }
}

impl Config {
    /// Sets [`seed`](Self::seed).
    pub fn with_seed(mut self, seed: [u8; 32]) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Sets [`rto`](Self::rto).
    pub fn with_rto(mut self, rto: Duration) -> Self {
        self.rto = rto;
        self
    }

    /// Sets [`rc`](Self::rc) and [`rm`](Self::rm).
    pub fn with_retransmissions(mut self, rc: u32, rm: u32) -> Self {
        self.rc = rc.max(1);
        self.rm = rm;
        self
    }

    /// Sets [`max_transactions`](Self::max_transactions).
    pub fn with_max_transactions(mut self, n: usize) -> Self {
        self.max_transactions = n;
        self
    }
}
