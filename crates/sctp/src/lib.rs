//! # strata-sctp: SCTP over DTLS and WebRTC data channels, sans-IO
//!
//! An SCTP association (RFC 9260) running over a datagram transport as WebRTC does (RFC 8261):
//! each SCTP packet is the payload of one DTLS application-data record; there is no IP or UDP
//! encapsulation and no multi-homing. On top of it, [`DataChannels`] implements WebRTC data
//! channels (RFC 8831) with DCEP (RFC 8832).
//!
//! **It does not** do DTLS, sockets, a clock or threads: the caller feeds packets and time in,
//! and takes packets, events and deadlines out. It does not implement multi-homing, path
//! failover, AUTH (RFC 4895), dynamic addresses (RFC 5061) or peer restart.
//!
//! ## Layers
//!
//! - [`wire`]: zero-copy views and reprs of the common header (with CRC32c), chunks,
//!   parameters and error causes; [`dcep`]: DCEP messages and PPIDs; [`serial`]: RFC 1982
//!   serial newtypes for TSN, SSN, MID.
//! - [`Association`]: the state machine. [`DataChannels`]: channels over one association.
//!
//! ## Call order (both machines)
//!
//! 1. Create with [`Association::new`] (it answers INITs at once) and call
//!    [`connect`](Association::connect); in WebRTC both sides connect and the INITs collide.
//! 2. Feed every received SCTP packet to `handle_packet(now, bytes)`; an `Err` only means that
//!    packet was dropped (and counted in [`Stats`]).
//! 3. After any input or command, drain `poll_transmit(now, &mut buf)` until `None` (each
//!    `Some(n)` is one packet of `n` bytes in `buf`, for one DTLS record), then drain
//!    `poll_event()`.
//! 4. Call `handle_timeout(now)` when `poll_timeout()` (O(1)) passes; early or repeated
//!    calls are harmless.
//!
//! **Time** is always an argument; a `now` earlier than one seen before is clamped.
//! **Randomness** (verification tags, initial TSNs, the cookie key, heartbeat nonces) comes
//! from a ChaCha20 RNG seeded from [`Config::seed`] or OS entropy.
//! **Memory** is bounded: the send buffer ([`Config::send_buffer`], `send` fails with
//! [`Error::WouldBlock`]), the receive window (reassembly, out-of-order data and unread
//! messages all count against [`Config::receive_window`]), the message size, the gap
//! ranges held (256) and the control queue (64).
//!
//! ```
//! use std::time::{Duration, Instant};
//! use strata_sctp::{Association, Config, Event, SendOptions};
//!
//! let t0 = Instant::now();
//! let mut a = Association::new(Config::default().with_seed([1; 32]), t0);
//! let mut b = Association::new(Config::default().with_seed([2; 32]), t0);
//! a.connect(t0).unwrap();
//! b.connect(t0).unwrap(); // both sides start, as browsers do
//! let (mut buf, mut now, mut got) = (Vec::new(), t0, None);
//! for _ in 0..100 {
//!     // A lossless wire: every packet from one side goes straight to the other.
//!     while let Some(n) = a.poll_transmit(now, &mut buf) {
//!         let _ = b.handle_packet(now, &buf[..n]);
//!     }
//!     while let Some(n) = b.poll_transmit(now, &mut buf) {
//!         let _ = a.handle_packet(now, &buf[..n]);
//!     }
//!     while let Some(e) = a.poll_event() {
//!         if e == Event::Connected {
//!             a.send(now, 1, 51, b"hello".to_vec(), SendOptions::default()).unwrap();
//!         }
//!     }
//!     while let Some(e) = b.poll_event() {
//!         if let Event::Message(m) = e {
//!             got = Some(m.data);
//!         }
//!     }
//!     if got.is_some() {
//!         break;
//!     }
//!     // Nothing in flight: jump to the next deadline.
//!     now = [a.poll_timeout(), b.poll_timeout()].into_iter().flatten().min().unwrap_or(now + Duration::from_millis(10));
//!     a.handle_timeout(now);
//!     b.handle_timeout(now);
//! }
//! assert_eq!(got.as_deref(), Some(&b"hello"[..]));
//! ```
//!
//! ## RFC coverage
//!
//! | RFC | sections | status |
//! |---|---|---|
//! | 9260 SCTP | §3 packet, chunks, parameters, error causes; §3.2/§3.2.1 unknown chunk and parameter handling by upper bits | done |
//! | 9260 | §5.1 INIT/INIT-ACK with HMAC-SHA256 state cookie (no state before COOKIE-ECHO), cookie lifetime and Stale Cookie error; §5.2.1 and §5.2.4 INIT collision (actions B, C, D) | done; action A (peer restart) is **not** supported: such COOKIE-ECHOs are dropped |
//! | 9260 | §6.1–§6.2 transmission and SACK with gap blocks and duplicates, delayed SACK (every 2nd packet or 200 ms, immediate on gaps/dups), §6.3 RTO and T3-rtx, §6.5/§6.6 ordered and unordered delivery, §6.9 fragmentation and reassembly, §6.10 bundling | done; the receiver never reneges and assumes the peer does not either |
//! | 9260 | §6.1 D Max.Burst = 4: each SACK that acknowledges data, each T3-rtx expiry, and a write with nothing outstanding allow 4 more DATA packets (several SACKs fed before one drain allow 4 each; unused credit carries over only up to 4), applied by limiting the packets emitted, so cwnd is never changed by it | done |
//! | 9260 | §7 congestion control: slow start, congestion avoidance, cwnd decay per RTO of idleness (§7.2.1), T3-rtx collapse to 1 MTU (§7.2.3), fast retransmit/recovery (§7.2.4: HTNA miss indications, one cwnd reduction per recovery, one packet past cwnd on entry only, each chunk fast retransmitted at most once), cwnd/ssthresh, PMTU as the configured `mtu` | done; no PMTU discovery (the DTLS layer fixes the MTU) |
//! | 9260 | §8.1 association failure counter, §8.3 HEARTBEAT, §8.4 out-of-the-blue (SHUTDOWN-ACK answered after close; other OOTB packets dropped silently), §8.5 verification tags | done |
//! | 9260 | §9.1 ABORT (incl. user-initiated, cause 12; it replaces whatever control chunks were still queued, so the bounded queue never drops it), §9.2 SHUTDOWN | done |
//! | 9260 | §6.8 CRC32c (little-endian in the header) | done |
//! | 8261 | SCTP over DTLS: no IP/UDP layer, port 5000 default, MTU from the caller | done |
//! | 3758 | PR-SCTP: FORWARD-TSN, abandonment by max retransmits and lifetime | done |
//! | 6525 | outgoing SSN reset request and response, IN PROGRESS retry | done; incoming-reset, SSN/TSN reset and add-streams requests are answered DENIED |
//! | 8260 | I-DATA and I-FORWARD-TSN when both advertise; a fragmented message takes turns with the other queued messages, so a large message does not block small ones | done; round-robin per message, no stream priorities |
//! | 9653 | zero checksum with EDMID 1 (DTLS) when both advertise | done; never used for INIT, INIT-ACK, COOKIE-ECHO |
//! | 8831 | data channels, PPIDs 51/53 and empty forms 56/57, channel types, `max-message-size`, buffered amount and low-threshold events, stream reset to close | done; the DCEP priority is carried but does not weight the scheduler |
//! | 8832 | DCEP OPEN/ACK, parity by DTLS role, 1-byte ACK | done |
//!
//! Deviations: RTO.Min defaults to 200 ms (RFC 9260 suggests 1 s; WebRTC stacks go lower).
//! MUSTs not implemented: peer restart (§5.2.4 action A); reporting of unrecognized parameters in
//! INIT-ACK by an ERROR chunk is done, but AUTH (RFC 4895), which WebRTC does not use, is not.
//!
//! ## Allocation
//!
//! Sending a message costs one `Arc` around the caller's `Vec`; each DATA chunk references it.
//! Receiving a single-chunk message allocates its `Vec`; in-order fragments are appended to one
//! buffer that becomes the message. No allocation per packet in the steady state otherwise
//! (`benches/benches/sctp.rs` counts them).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod assoc;
pub mod channel;
mod config;
pub mod dcep;
mod error;
mod event;
pub mod serial;
pub mod wire;

pub use assoc::{Association, SendOptions, State, Stats};
pub use channel::{ChannelEvent, ChannelOptions, DataChannels, DtlsRole};
pub use config::Config;
pub use error::{CloseReason, Error};
pub use event::{Event, Message};
