//! SRTP and SRTCP (RFC 3711) for the profiles WebRTC negotiates, sans-IO and in place.
//!
//! `strata-srtp` turns RTP and RTCP packets into SRTP and SRTCP packets and back, on the
//! caller's buffer, with no allocation per packet. It derives session keys from a master key
//! and salt (RFC 3711 §4.3, key derivation rate 0), or from DTLS-SRTP keying material
//! (RFC 5764 §4.2), keeps a rollover counter, replay window and SRTCP index per SSRC, and
//! rejects forged, replayed and malformed packets with a typed [`Error`] that leaves the
//! context unchanged.
//!
//! It does **not** run DTLS (see `strata-dtls`, which exports the keying material), parse RTP
//! beyond the header fields SRTP needs, rekey, or support a key derivation rate other than 0
//! (WebRTC uses 0).
//!
//! # Call order
//!
//! 1. Build a [`Context`] per master key with [`Context::new`], or both directions at once
//!    with [`Session::from_dtls`] once the DTLS handshake has exported its keying material.
//! 2. Per packet, [`Context::protect_rtp`] / [`Context::protect_rtcp`] before sending, and
//!    [`Context::unprotect_rtp`] / [`Context::unprotect_rtcp`] on receipt (RFC 7983 demux
//!    first). Drop a packet whose call returned an error.
//!
//! There is no clock and no randomness: SRTP needs neither. Streams (SSRCs) are created on
//! the first packet that protects, or that authenticates, up to [`Config::max_streams`].
//!
//! ```
//! use strata_srtp::{Config, Profile, Role, Session};
//!
//! let profile = Profile::AesCm128HmacSha1_80;
//! // In WebRTC this comes from the DTLS exporter (RFC 5764 §4.2).
//! let material = vec![7u8; Session::keying_material_len(profile)];
//! let mut alice = Session::from_dtls(profile, &material, Role::Client, Config::default())?;
//! let mut bob = Session::from_dtls(profile, &material, Role::Server, Config::default())?;
//!
//! for seq in 0..3u16 {
//!     let mut pkt = Vec::with_capacity(1500);
//!     pkt.extend_from_slice(&[0x80, 96]);
//!     pkt.extend_from_slice(&seq.to_be_bytes());
//!     pkt.extend_from_slice(&[0, 0, 0, 0, 0xca, 0xfe, 0xba, 0xbe]); // timestamp, SSRC
//!     pkt.extend_from_slice(b"media");
//!     let plain = pkt.clone();
//!     alice.outbound.protect_rtp(&mut pkt)?; // in place: tag appended
//!     bob.inbound.unprotect_rtp(&mut pkt)?; // in place: tag checked and removed
//!     assert_eq!(pkt, plain);
//! }
//! # Ok::<(), strata_srtp::Error>(())
//! ```
//!
//! # RFC coverage
//!
//! | RFC | sections | status |
//! |---|---|---|
//! | 3711 SRTP | §3.1-3.4 packet formats, §3.3.1 ROC estimation (App. A), §3.3.2 replay, §4.1.1 AES-CM, §4.2.1 HMAC-SHA1, §4.3 key derivation | implemented, KDR 0 only; MKI: one fixed MKI per context |
//! | 3711 | §3.3.1 sender ROC | the sender estimates like the receiver, so a re-sent older SEQ keeps its ROC |
//! | 3711 | §9.2 key lifetime | protect fails with [`Error::KeyExhausted`] at 2^48 SRTP / 2^31 SRTCP packets; rekeying is the caller's |
//! | 5764 DTLS-SRTP | §4.1.2 profiles, §4.2 key material layout | implemented (profile ids as [`ProtectionProfileId`]) |
//! | 6188 AES-192/256-CM | §3, §7 | implemented |
//! | 7714 AES-GCM | §8 SRTP, §9 SRTCP (encrypted and tag-only; §8.1/§9.1 IVs), §11 KDF with a 96-bit salt | implemented |
//! | 6904 header-extension encryption | §4.1 one-byte and two-byte elements, §4.3 keys; with AES-CM and (as libsrtp) GCM | implemented (`Config::encrypted_header_extensions`); extension bodies over 2 KiB are refused |
//! | 9335 cryptex | sender (0xC0DE/0xC2DE, the empty extension a CSRC-only packet MUST get), receiver, AES-CM and GCM | implemented (`Config::cryptex`); negotiating it (`a=cryptex`) is the caller's |
//!
//! # Cryptography
//!
//! AES-CM and HMAC-SHA1 come from RustCrypto (`aes` and the `sha1` compression function,
//! with their runtime CPU feature detection: AES-NI, SHA-NI). HMAC is assembled here: the
//! inner and outer states after the key blocks are prepared once per context, and per packet
//! the packet's 64-byte blocks are hashed straight from the caller's buffer. Counter mode runs
//! inside one AES backend call per packet, a batch of blocks at a time and interleaved with
//! the HMAC, so the AES work runs while SHA-1 waits on its own dependency chain; counter
//! blocks are written a batch ahead (a 16-byte load right after the 8-byte stores that
//! wrote it stalls). On unprotect each block is hashed before it is decrypted, and a bad tag
//! re-applies the keystream, so a failed packet is left as it arrived. Property tests check
//! HMAC against `hmac` and the interleaved paths against the plain ones.
//!
//! AES-GCM comes from `ring` (stitched AES/GHASH assembly with VAES and VPCLMULQDQ where the
//! CPU has them, chosen at run time), not RustCrypto: about 2.3x as fast on 1200-byte
//! packets as our best composition of `aes` and `polyval`, which stayed at libsrtp+OpenSSL's
//! speed. On a failed tag ring zeroes the payload, so no unverified plaintext is left. It is
//! checked against `aes-gcm` 0.11 by a property test, and against the RFC 7714 and libsrtp
//! vectors.
//!
//! Fuzzing builds (`cfg(fuzzing)`, set by `cargo fuzz`) have `fuzzing::accept_any_tag`: a
//! fuzz target that calls it gets every SRTP/SRTCP authentication tag accepted, so it reaches
//! the RTP/RTCP code behind the check (`peer_datagram` does; `srtp_unprotect` does not, as it
//! checks that tampered packets are refused). AES-CM packets are still decrypted, AES-GCM
//! packets with a bad tag keep their bytes as they arrived, and MKI, replay and index checks
//! stay. No other build has the switch; a unit test in `transform.rs` and `tests/streams.rs`
//! prove a bad tag is refused.
//!
//! Deviations: the first SRTCP index is 0 as RFC 3711 §3.4 says (libsrtp starts at 1; each
//! accepts the other's). The sender does not refuse to protect the same index twice (libsrtp does, by
//! default); a repeated index re-uses keystream only for a re-sent packet. Session keys are
//! not zeroized on drop.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod auth;
#[cfg(fuzzing)]
pub mod fuzzing {
    //! Fuzzing builds only: see the crate docs.
    use std::sync::atomic::{AtomicBool, Ordering};

    pub(crate) static ACCEPT_ANY_TAG: AtomicBool = AtomicBool::new(false);

    /// Accept every authentication tag from now on, in this process.
    pub fn accept_any_tag(on: bool) {
        ACCEPT_ANY_TAG.store(on, Ordering::Relaxed);
    }
}
mod config;
mod context;
mod cryptex;
mod crypto;
mod error;
mod gcm;
mod hdrext;
mod header;
mod index;
mod profile;
mod replay;
mod session;
mod transform;
#[cfg(test)]
mod vector_tests;

pub use config::{Config, MAX_REPLAY_WINDOW};
pub use context::Context;
pub use error::Error;
pub use index::{PacketIndex, SeqNum};
pub use profile::{Profile, ProtectionProfileId};
pub use session::{Role, Session};
