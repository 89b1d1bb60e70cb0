//! Sans-IO DTLS 1.2 (RFC 6347) for WebRTC: client and server [`Connection`]s with mutual
//! certificate authentication against SDP fingerprints, DTLS-SRTP key export (RFC 5764), and
//! application data for SCTP.
//!
//! # What it does and does not do
//!
//! It runs the full DTLS 1.2 handshake with `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`
//! (mandatory for WebRTC), `..._AES_256_GCM_SHA384` and `..._CHACHA20_POLY1305_SHA256`; ECDHE
//! over x25519 or secp256r1; ECDSA P-256/SHA-256 signatures; the extended master secret
//! (required); `use_srtp`; HelloVerifyRequest cookies; flight retransmission with exponential
//! backoff; MTU-sized fragmentation; the anti-replay window; alerts and close_notify.
//!
//! Peers with RSA certificates (GStreamer's webrtcbin, older OpenSSL-based stacks) are
//! accepted: as a client we also offer `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`,
//! `..._AES_256_GCM_SHA384` and `..._CHACHA20_POLY1305_SHA256` (after the ECDSA ones) and
//! verify an RSA ServerKeyExchange; as a server our CertificateRequest lists `rsa_sign` and
//! the RSA schemes and we verify an RSA CertificateVerify. Schemes verified:
//! `rsa_pkcs1_sha256/384/512`, `rsa_pss_rsae_sha256/384/512`. RSA keys must have 2048 to
//! 8192 bits ([`Error::KeyTooSmall`] below), and the server's key type must match the suite
//! ([`Error::UnsupportedCertificate`]). Our own certificate is always ECDSA P-256: we never
//! sign with RSA, so a server never selects an ECDHE_RSA suite. Only RSA *public-key*
//! operations are used, so RUSTSEC-2023-0071 (Marvin, a timing side channel in RSA
//! private-key operations of the `rsa` crate) does not apply.
//!
//! It does not do: session resumption, renegotiation (refused with `no_renegotiation`),
//! static-RSA or PSK key exchange, RSA certificates of our own, `rsa_pss_pss` keys, CBC
//! suites, compression, DTLS 1.3 (a 1.3-capable ClientHello negotiates 1.2), certificate
//! chains to a CA (WebRTC authenticates by fingerprint), connection IDs, I/O of any kind.
//!
//! One [`Connection`] serves one peer. An [`Endpoint`] serves many peers on one socket as a
//! server: it demultiplexes by source address, answers ClientHellos statelessly with an
//! address-bound cookie (RFC 6347 §4.2.1), and creates a bounded number of connections.
//!
//! Crypto: RustCrypto (`aes-gcm`, `chacha20poly1305`, `sha2`, `hmac`, `p256`, `rsa`) and
//! `x25519-dalek`, all behind one private module so another backend can replace them;
//! `x509-parser` reads peer certificates. Record MACs are bypassed only under `cfg(fuzzing)`.
//!
//! # Call order
//!
//! 1. [`Connection::new`] with a [`Config`], a [`Role`] and `now`. A client queues its
//!    ClientHello at once.
//! 2. Feed every datagram from the peer to [`Connection::handle_packet`]; call
//!    [`Connection::handle_timeout`] when [`Connection::poll_timeout`] is reached.
//! 3. After each input, drain [`Connection::poll_transmit`] (send each datagram) and
//!    [`Connection::poll_event`] until both return `None`.
//! 4. Once [`Event::Connected`] came, [`Connection::send`] queues application data;
//!    [`Connection::close`] sends close_notify. Give the `Vec` of each
//!    [`Event::ApplicationData`] back with [`Connection::recycle`] and keep passing the same
//!    buffer to `poll_transmit`: the steady state then allocates nothing (`tests/alloc.rs`).
//!
//! The peer's fingerprints come from [`Config::remote_fingerprints`] or
//! [`Connection::set_remote_fingerprints`]; they must be known when the peer's Certificate
//! arrives (fail closed: none means mismatch). A composer that learns the remote description
//! late buffers the DTLS datagrams until then.
//!
//! Fatal errors are sticky: the call that hits one returns it, [`Event::Failed`] reports it,
//! and the connection then only drains its fatal alert. Invalid records (bad MAC, replayed,
//! unknown epoch, malformed) are dropped and counted in [`Connection::stats`]
//! (RFC 6347 §4.1.2.7).
//!
//! An [`Endpoint`] follows the same order with addresses: `handle_packet(now, from, data)`,
//! `handle_timeout(now)`, then drain `poll_transmit` (which returns the destination) and
//! `poll_event` (which returns the peer); after a command on [`Endpoint::connection_mut`]
//! call [`Endpoint::touch`].
//!
//! Two deliberate differences from the workspace's generic contract: a `Connection` is
//! already bound to one peer, so `handle_packet` takes no addresses, and `poll_transmit`
//! returns the datagram's length (the datagram is the caller's `buf`).
//!
//! # Time and randomness
//!
//! The crate never reads a clock: `now` is an argument, and an earlier `now` than the last one
//! is clamped. Randomness (client/server randoms, ECDHE keys, cookies) comes from a ChaCha20
//! CSPRNG owned by each connection, seeded by [`Config::seed`] (tests) or OS entropy once at
//! construction. ECDSA signatures are deterministic (RFC 6979).
//!
//! # Run loop
//!
//! ```
//! use std::time::{Duration, Instant};
//! use strata_dtls::{Certificate, Config, Connection, Event, FingerprintAlgorithm, Role};
//!
//! let t0 = Instant::now();
//! let (ca, cb) = (Certificate::generate([1; 32], 1_764_000_000), Certificate::generate([2; 32], 1_764_000_000));
//! let fa = ca.fingerprint(FingerprintAlgorithm::Sha256);
//! let fb = cb.fingerprint(FingerprintAlgorithm::Sha256);
//! let mut client = Connection::new(Config::new(ca).with_remote_fingerprints(vec![fb]).with_seed([3; 32]), Role::Client, t0);
//! let mut server = Connection::new(Config::new(cb).with_remote_fingerprints(vec![fa]).with_seed([4; 32]), Role::Server, t0);
//! let mut buf = Vec::new();
//! let mut now = t0;
//! for _ in 0..20 {
//!     while client.poll_transmit(now, &mut buf).is_some() { server.handle_packet(now, &buf).unwrap(); }
//!     while server.poll_transmit(now, &mut buf).is_some() { client.handle_packet(now, &buf).unwrap(); }
//!     now += Duration::from_millis(10);
//!     client.handle_timeout(now);
//!     server.handle_timeout(now);
//! }
//! assert!(matches!(client.poll_event(), Some(Event::Connected { .. })));
//! assert!(matches!(client.poll_event(), Some(Event::SrtpKeyingMaterial(_))));
//! client.send(b"hello").unwrap();
//! while client.poll_transmit(now, &mut buf).is_some() { server.handle_packet(now, &buf).unwrap(); }
//! let got: Vec<_> = std::iter::from_fn(|| server.poll_event()).collect();
//! assert!(got.contains(&Event::ApplicationData(b"hello".to_vec())));
//! ```
//!
//! # RFC coverage
//!
//! | RFC | sections | notes |
//! |---|---|---|
//! | 6347 DTLS 1.2 | §4.1 records, epochs, 48-bit sequence numbers; §4.1.2.6 replay window (64); §4.1.2.7 invalid records dropped; §4.2.1 HelloVerifyRequest; §4.2.2-3 message header, fragmentation, reassembly; §4.2.4 timers and retransmission; §4.2.6 transcript | no path MTU discovery (configured MTU); the first ClientHello and HVR are excluded from the transcript |
//! | 5246 TLS 1.2 | §5 PRF; §6.2.3.3 AEAD records; §7.2 alerts; §7.4 handshake messages; §8.1 key derivation | no resumption, no renegotiation, no compression |
//! | 5246 TLS 1.2 | §7.4.1.4.1 signature_algorithms; §7.4.2 server key must fit the suite; §7.4.3 ServerKeyExchange signature (ECDSA or RSA); §7.4.4 CertificateRequest (`ecdsa_sign`, `rsa_sign`); §7.4.8 CertificateVerify (ECDSA or RSA) | we sign with ECDSA P-256/SHA-256 only |
//! | 5288 / 5289 | AES-GCM suites with ECDHE-ECDSA and (client only) ECDHE-RSA | explicit nonce = epoch‖sequence |
//! | 7905 | ChaCha20-Poly1305 suites (ECDHE-ECDSA; ECDHE-RSA client only) | |
//! | 8017 | RSASSA-PKCS1-v1_5 and RSASSA-PSS verification (PSS salt = hash length, RFC 8446 §4.2.3 code points) | verification only; RSA keys of 2048 to 8192 bits; certificate self-signatures sha1/256/384/512WithRSAEncryption |
//! | 8422 | ECDHE named curves, ec_point_formats (uncompressed only), ECDSA; §2 key exchange needs the matching certificate key | secp384r1 not offered |
//! | 7748 | x25519 | all-zero shared secrets rejected |
//! | 7627 | extended master secret | required: a peer without it fails with handshake_failure |
//! | 5746 | renegotiation_info (empty) | renegotiation refused with no_renegotiation |
//! | 5764 | use_srtp, profile choice by server preference, `EXTRACTOR-dtls_srtp` | MKI not used |
//! | 5705 | exporter without context | |
//! | 8122 / 8827 | fingerprints sha-1/224/256/384/512, mismatch → bad_certificate | peer certificate validity dates are not checked (WebRTC practice) |
//!
//! MUSTs not implemented: none known for the subset above. Deviations: a server
//! [`Connection`] keeps state before the cookie exchange (it is per peer already; its cookie
//! binds the client random), while an [`Endpoint`] is stateless until the cookie returns (its
//! cookie binds the source address). A ChangeCipherSpec record carries no state: epochs are
//! explicit in DTLS records, and Finished is accepted only from epoch 1. Epoch-1 records that
//! arrive before their keys are buffered (8 at most). Received alerts in epoch 0 are ignored
//! once the handshake is over (they are unauthenticated).
#![warn(missing_docs)]

pub mod alert;
pub mod cert;
mod codec;
pub mod config;
mod connection;
mod crypto;
mod endpoint;
pub mod error;
pub mod event;
pub mod extension;
pub mod handshake;
mod keys;
mod reassembly;
pub mod record;
pub mod replay;

pub use alert::{Alert, AlertDescription, AlertLevel};
pub use cert::{Certificate, Fingerprint, FingerprintAlgorithm};
pub use config::Config;
pub use connection::{Connection, Role, SRTP_EXPORTER_LABEL, Stats};
pub use endpoint::{Endpoint, EndpointStats};
pub use error::{DecodeError, Error};
pub use event::{Event, SrtpKeyingMaterial};
pub use extension::{NamedGroup, SignatureScheme, SrtpProfileId};
pub use handshake::CipherSuite;
