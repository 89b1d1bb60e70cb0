//! STUN and TURN messages (RFC 8489, RFC 8656), their credentials, and sans-IO client
//! transactions.
//!
//! # What it does
//!
//! - **Codec.** [`Message`] is a zero-copy view: [`Message::new_checked`] validates the
//!   header and the attribute TLVs once, then attributes decode lazily into [`Attribute`]
//!   without allocation. [`MessageBuilder`] appends a message to a caller's `Vec<u8>`,
//!   computing MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT.
//!   [`MessageRepr`] is the owned-list form for round-trip laws. [`ChannelData`] and
//!   [`ChannelDataRepr`] frame TURN channel data.
//! - **Attributes**: every one of RFC 8489 §14, the ICE ones of RFC 8445 §16.1 and the TURN
//!   ones of RFC 8656 §18. Unknown comprehension-optional attributes (Chromium's 0xC057)
//!   are kept as [`Attribute::Unknown`] and re-emitted; unknown comprehension-required ones
//!   are listed by [`Message::unknown_required`] so a server can answer 420.
//! - **Credentials** ([`credentials`]): short-term keys, long-term MD5 and SHA-256 keys,
//!   USERHASH, and [`IntegrityKey`](credentials::IntegrityKey) for keys used many times;
//!   tags are compared in constant time. Checking a message and all its tags allocates
//!   nothing (`tests/alloc.rs`).
//! - **Transactions**: [`Client`] runs RFC 8489 §6.2.1 retransmissions and matches
//!   responses; [`BindingServer`] answers Binding requests.
//! - **Demux** (RFC 7983): [`is_stun`] and [`is_channel_data`] classify a datagram by its
//!   first byte.
//!
//! # What it does not do
//!
//! No sockets, clock, threads or async: the caller moves bytes and time. No TURN client or
//! server state machines (allocations, permissions, channels: the ICE crate builds the
//! client on this codec), no TCP framing or TLS/DTLS transports, no DNS (SRV) discovery, no
//! OpaqueString/SASLprep password preparation (see [`credentials`]).
//!
//! # Call order (every Strata machine)
//!
//! 1. Input: [`Client::handle_packet`] for datagrams, [`Client::handle_timeout`] when the
//!    time from [`Client::poll_timeout`] has come.
//! 2. Commands: [`Client::start`], [`Client::cancel`].
//! 3. Output: drain [`Client::poll_transmit`] and [`Client::poll_event`] until `None`, then
//!    sleep until [`Client::poll_timeout`] (or the next datagram).
//!
//! # Time and randomness
//!
//! Time is always an argument (`now: Instant`); the crate never reads a clock. A `now`
//! earlier than one seen before is clamped. Transaction ids come from a ChaCha20 CSPRNG the
//! client owns, seeded by [`Config::seed`] (reproducible tests) or from the OS.
//!
//! # Run loop
//!
//! A client and a server in memory; over UDP the transmits go to a socket instead.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use strata_stun::{BindingServer, Client, Config, Event, Request};
//!
//! let client_addr = "192.0.2.1:40000".parse().unwrap();
//! let server_addr = "198.51.100.7:3478".parse().unwrap();
//! let server = BindingServer { fingerprint: true, ..Default::default() };
//! let mut client = Client::new(Config::default().with_seed([1; 32]));
//! let mut now = Instant::now();
//!
//! let id = client.start(now, server_addr, Request::binding().with_fingerprint())?;
//! let (mut out, mut reply) = (Vec::new(), Vec::new());
//! let mapped = loop {
//!     while let Some(t) = client.poll_transmit(now, &mut out) {
//!         // "send" out to t.to; the server answers at once
//!         reply.clear();
//!         server.respond(client_addr, &out, &mut reply)?;
//!         client.handle_packet(now, t.to, &reply)?;
//!     }
//!     if let Some(event) = client.poll_event() {
//!         match event {
//!             Event::Response(r) => break r.message().xor_mapped_address(),
//!             other => panic!("{other:?}"),
//!         }
//!     }
//!     // Nothing to do: sleep until the next timer.
//!     now = client.poll_timeout().unwrap_or(now + Duration::from_millis(50));
//!     client.handle_timeout(now);
//! };
//! assert_eq!(mapped, Some(client_addr));
//! # let _ = id;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # RFC coverage
//!
//! | RFC section | status |
//! |---|---|
//! | 8489 §5 header, §6 transaction id from a CSPRNG | implemented; the top two bits, length (multiple of 4, equal to the datagram) and cookie are checked |
//! | 8489 §6.2.1 retransmission over UDP (RTO 500 ms doubling, Rc 7, Rm 16) | implemented, configurable, per-request RTO; no RTO caching across transactions (SHOULD) |
//! | 8489 §6.2.2/§6.2.3 TCP/TLS transactions (Ti = 39.5 s, no retransmission) | not implemented |
//! | 8489 §6.3 receiving: unknown comprehension-required attributes | reported ([`Message::unknown_required`]); 420 by [`BindingServer`]; the client fails the transaction |
//! | 8489 §7 FINGERPRINT | implemented; bad ones dropped by client and server |
//! | 8489 §8 DNS discovery of a server | not implemented (the caller resolves) |
//! | 8489 §9.1 short-term credentials | implemented (client and Binding server) |
//! | 8489 §9.1.4/§9.2.5 checking responses | a response to an authenticated request needs a valid tag of the same kind, except unauthenticated 400/401/438 error responses, which are accepted (deviation for short-term: the RFC discards them; ICE treats them as failures either way) |
//! | response source address | the client also drops responses from any address but the request's destination (stricter than RFC 8489; what ICE needs, RFC 8445 §7.2.5.2.1) |
//! | 8489 §9.2 long-term credentials (MD5, SHA-256 keys, realm, nonce, USERHASH) | keys and attributes implemented; the 401/438 retry is the caller's (a few lines, see `tests/coturn.rs`); nonce cookie security features (§9.2.1) are not interpreted |
//! | 8489 §9.2 OpaqueString (RFC 8265) password preparation | not implemented: passwords are used as given (exact for ASCII) |
//! | 8489 §10 ALTERNATE-SERVER mechanism | attributes only; following a redirect is the caller's |
//! | 8489 §11 RFC 3489 compatibility | not implemented: messages without the magic cookie are refused |
//! | 8489 §12 basic server behaviour | [`BindingServer`] (stateless; 400, 401, 420 answers) |
//! | 8489 §14.1-§14.16 attributes | all implemented, with RFC length limits on text |
//! | 8489 §14.5/§14.6 attributes after MESSAGE-INTEGRITY(-SHA256) are ignored | implemented ([`Message::attributes`]) |
//! | 5769 §2.1-§2.4 test vectors | pass (`tests/vectors.rs`) |
//! | 8489 App. B.1 (with Errata 6268) | passes; the published bytes are refused |
//! | 8445 §16.1 PRIORITY, USE-CANDIDATE, ICE-CONTROLLED, ICE-CONTROLLING | implemented |
//! | 8656 §12 ChannelData, §18 attributes | implemented; padding optional on receipt, on request when sending |
//! | 8656 TURN client/server behaviour (§6-§11) | not here (messages only); `tests/coturn.rs` drives Allocate and Refresh against coturn with this crate's client |
//! | 7983 demultiplexing | first-byte classification ([`is_stun`], [`is_channel_data`]) |
//!
//! Evidence: unit tests next to the code, `tests/vectors.rs` (RFC vectors), `tests/proptest.rs`
//! (round trips, never panics), `tests/sim.rs` (lossy virtual network), `tests/alloc.rs`
//! (zero allocations), `tests/coturn.rs` (real server), fuzz target `stun_message`, bench
//! `benches/benches/stun.rs` (against webrtc-rs `stun`).
//!
//! Fuzzing builds (`cfg(fuzzing)`) accept any MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and
//! FINGERPRINT value, so fuzzers reach the code behind them; no other build does.
#![warn(missing_docs)]

mod attr;
mod builder;
mod channel_data;
mod client;
mod config;
pub mod credentials;
mod crypto;
mod cursor;
mod error;
mod event;
mod header;
mod message;
mod server;

pub use attr::{
    AddressFamily, AttrType, AttrTypeList, Attribute, ChannelNumber, ErrorCode, MAX_DOMAIN,
    MAX_TEXT, MAX_USERNAME, PasswordAlgorithm, PasswordAlgorithmList, TRANSPORT_UDP,
};
pub use builder::{MessageBuilder, MessageRepr};
pub use channel_data::{CHANNEL_DATA_HEADER_LEN, ChannelData, ChannelDataRepr};
pub use client::{Client, ClientStats, Integrity, Request, Transmit};
pub use config::Config;
pub use error::{AttrError, EncodeError, Error, IntegrityError, ParseError};
pub use event::{Event, Response};
pub use header::{Class, HEADER_LEN, MAGIC_COOKIE, MessageType, Method, TransactionId};
pub use message::{FINGERPRINT_XOR, MAX_ATTRIBUTES, Message, RawAttribute};
pub use server::{BindingServer, Reply, ShortTermCredentials};

/// RFC 7983 §7: a first byte of 0..=3 means STUN. Also checks the length and magic cookie,
/// so a DTLS or RTP packet is never mistaken for STUN.
pub fn is_stun(datagram: &[u8]) -> bool {
    datagram.len() >= HEADER_LEN && datagram[0] < 4 && datagram[4..8] == MAGIC_COOKIE.to_be_bytes()
}

/// RFC 7983 §7 and RFC 8656 §12: a first byte of 64..=79 means TURN ChannelData.
pub fn is_channel_data(datagram: &[u8]) -> bool {
    datagram.len() >= CHANNEL_DATA_HEADER_LEN && (64..=79).contains(&datagram[0])
}
