//! Connection configuration.

use std::time::Duration;

use crate::cert::{Certificate, Fingerprint};
use crate::extension::{NamedGroup, SrtpProfileId};
use crate::handshake::CipherSuite;

/// Configuration of one [`crate::Connection`]. Fields are public; [`Config::new`] gives
/// WebRTC defaults.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Our certificate and key (RFC 8827 §6.5: self-signed is expected).
    pub certificate: Certificate,
    /// Fingerprints from the peer's SDP (RFC 8122 §5); the peer's certificate must match one.
    /// Empty means every certificate fails (fail closed).
    pub remote_fingerprints: Vec<Fingerprint>,
    /// Verify the peer certificate's self-signature (on by default). Turning it off saves
    /// one ECDSA verification per handshake without weakening authentication: the
    /// fingerprint pins the certificate bytes and the handshake signatures prove the key
    /// (browsers do not check it either).
    pub verify_certificate_signature: bool,
    /// Cipher suites in preference order. The ECDHE_RSA ones are only offered as a client
    /// (for peers with RSA certificates); a server, whose certificate is ECDSA, skips them.
    pub cipher_suites: Vec<CipherSuite>,
    /// ECDHE groups in preference order (x25519 first: it is the fast one).
    pub groups: Vec<NamedGroup>,
    /// DTLS-SRTP profiles in preference order (RFC 5764 §4.1.1); empty: no `use_srtp`.
    pub srtp_profiles: Vec<SrtpProfileId>,
    /// Largest datagram we send, including all record headers (RFC 6347 §4.1.1.1).
    pub mtu: usize,
    /// Initial retransmission timeout (RFC 6347 §4.2.4.1: 1 s).
    pub initial_rto: Duration,
    /// Retransmission timeout cap (RFC 6347 §4.2.4.1: 60 s).
    pub max_rto: Duration,
    /// Retransmissions of one flight before the handshake fails.
    pub max_retransmissions: u32,
    /// Server: answer a ClientHello without a valid cookie with a HelloVerifyRequest
    /// (RFC 6347 §4.2.1). Chromium turns this off in WebRTC.
    pub hello_verify: bool,
    /// Server: request and require a client certificate (WebRTC does).
    pub require_client_certificate: bool,
    /// Seed of the connection's CSPRNG; `None` reads OS entropy once at construction.
    pub seed: Option<[u8; 32]>,
    /// Emit [`crate::Event::KeyLog`] lines in SSLKEYLOGFILE format for Wireshark.
    pub key_log: bool,
    /// Bound on datagrams waiting in `poll_transmit`.
    pub max_queued_datagrams: usize,
    /// Bound on undrained events.
    pub max_queued_events: usize,
}

impl Config {
    /// WebRTC defaults around `certificate`.
    pub fn new(certificate: Certificate) -> Self {
        Self {
            certificate,
            remote_fingerprints: Vec::new(),
            verify_certificate_signature: true,
            cipher_suites: vec![
                CipherSuite::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                CipherSuite::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                CipherSuite::ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                CipherSuite::ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            ],
            groups: vec![NamedGroup::X25519, NamedGroup::SECP256R1],
            srtp_profiles: vec![
                SrtpProfileId::AEAD_AES_128_GCM,
                SrtpProfileId::AEAD_AES_256_GCM,
                SrtpProfileId::AES128_CM_HMAC_SHA1_80,
                SrtpProfileId::AES128_CM_HMAC_SHA1_32,
            ],
            mtu: 1200,
            initial_rto: Duration::from_secs(1),
            max_rto: Duration::from_secs(60),
            max_retransmissions: 7,
            hello_verify: true,
            require_client_certificate: true,
            seed: None,
            key_log: false,
            max_queued_datagrams: 256,
            max_queued_events: 1024,
        }
    }

    /// Sets the expected peer fingerprints.
    pub fn with_remote_fingerprints(mut self, f: Vec<Fingerprint>) -> Self {
        self.remote_fingerprints = f;
        self
    }

    /// Sets the RNG seed (reproducible tests).
    pub fn with_seed(mut self, seed: [u8; 32]) -> Self {
        self.seed = Some(seed);
        self
    }
}
