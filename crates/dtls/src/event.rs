//! Events a connection hands out through `poll_event`.

use crate::error::Error;
use crate::extension::SrtpProfileId;
use crate::handshake::CipherSuite;

/// Something the application should know.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The handshake finished and the peer's certificate matched a fingerprint.
    Connected {
        /// Negotiated suite.
        cipher_suite: CipherSuite,
        /// Negotiated DTLS-SRTP profile (RFC 5764 §4.1.2).
        srtp_profile: Option<SrtpProfileId>,
        /// The peer's DER certificate.
        peer_certificate: Vec<u8>,
    },
    /// RFC 5764 §4.2 keys for SRTP, right after `Connected` when use_srtp was negotiated.
    SrtpKeyingMaterial(SrtpKeyingMaterial),
    /// One application data record.
    ApplicationData(Vec<u8>),
    /// One line for an SSLKEYLOGFILE (`CLIENT_RANDOM <random> <master secret>`).
    KeyLog(String),
    /// The peer sent close_notify (RFC 5246 §7.2.1).
    Closed,
    /// A fatal error ended the connection (also returned by the call that raised it).
    Failed(Error),
}

/// The output of the RFC 5705 exporter with label `EXTRACTOR-dtls_srtp`, split per RFC 5764
/// §4.2: `client_key | server_key | client_salt | server_salt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrtpKeyingMaterial {
    /// The profile the lengths come from.
    pub profile: SrtpProfileId,
    /// The raw exporter output.
    pub material: Vec<u8>,
    /// True when we are the DTLS client (our keys are the client's).
    pub is_client: bool,
}

impl SrtpKeyingMaterial {
    fn split(&self) -> (usize, usize) {
        let key = self.profile.key_len().unwrap_or(0);
        let salt = self.material.len() / 2 - key;
        (key, salt)
    }

    /// `(key, salt)` we protect outgoing SRTP with.
    pub fn local(&self) -> (&[u8], &[u8]) {
        self.side(self.is_client)
    }

    /// `(key, salt)` we unprotect incoming SRTP with.
    pub fn remote(&self) -> (&[u8], &[u8]) {
        self.side(!self.is_client)
    }

    fn side(&self, client: bool) -> (&[u8], &[u8]) {
        let (k, s) = self.split();
        let m = &self.material;
        if client {
            (&m[..k], &m[2 * k..2 * k + s])
        } else {
            (&m[k..2 * k], &m[2 * k + s..])
        }
    }
}
