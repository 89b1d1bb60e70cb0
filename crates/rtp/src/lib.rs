//! strata-rtp: RTP and RTCP for WebRTC, sans-IO.
//!
//! Everything about media packets except encryption (that is `strata-srtp`): an SFU author
//! can use this crate alone.
//!
//! - [`rtp`]: zero-copy RTP packet view ([`rtp::RtpPacket`], version 2 enforced, CSRCs,
//!   padding, header extension) and an in-place writer ([`rtp::RtpWriter`]); RFC 8285
//!   one-byte and two-byte extension elements iterated without allocation, typed payloads
//!   in [`rtp::ext`].
//! - [`rtcp`]: compound RTCP with RFC 3550 App. A.2 validation and reduced-size RTCP
//!   (RFC 5506), zero-copy views of SR, RR, SDES, BYE, APP, XR (RRTR, DLRR), generic NACK,
//!   PLI, FIR, REMB, transport-wide CC feedback and RFC 8888 feedback, and
//!   [`rtcp::RtcpWriter`] to build them in place.
//! - [`serial`]: RFC 1982 sequence numbers and timestamps, unwrapped to 64 bits.
//! - [`stats`]: receiver statistics (RFC 3550 App. A.1, A.3, A.8), report blocks, RTT.
//! - [`nack`]: receive-side NACK generator; [`history`]: send-side packet history and RTX
//!   (RFC 4588).
//! - [`packetize`]: Opus, VP8, VP9, AV1 and H.264 packetizers and depacketizers, and a frame
//!   assembler
//!   that survives loss and reordering and reports keyframes.
//!
//! What it does not do: encryption (SRTP), congestion control (it parses and builds the
//! feedback; estimating bandwidth is the caller's), jitter buffering for playout, codecs,
//! SDP (the caller maps `a=extmap` ids with [`rtp::ExtensionMap`]).
//!
//! # Time, randomness, memory
//!
//! Nothing here reads a clock: every time-dependent call takes `now: Instant`. Nothing draws
//! random numbers: initial sequence numbers and SSRCs come from the caller. Parsing allocates
//! nothing (the bench `benches/benches/rtp.rs` counts it). Every buffer is bounded: the NACK
//! generator by [`nack::NackConfig::max_tracked`], the packet history by its capacity, the
//! frame assembler by [`packetize::AssemblerConfig`]. Malformed input gives a typed error.
//!
//! # Call order (the NACK generator; the other machines follow the same shape)
//!
//! `on_packet(seq, now)` for every received packet; when `poll_timeout()` is reached,
//! `poll_nack(now, &mut pairs)` and send the pairs in an RTCP NACK; repeat.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use strata_rtp::nack::{NackConfig, NackGenerator};
//! use strata_rtp::rtcp::{Compound, RtcpPacket, RtcpWriter, Validation};
//! use strata_rtp::rtp::{RtpHeader, RtpPacket, RtpWriter};
//! use strata_rtp::SeqNum;
//!
//! # #[allow(clippy::disallowed_methods)]
//! let mut now = Instant::now();
//! let mut nacks = NackGenerator::new(NackConfig::default());
//! let mut pairs = Vec::new();
//! let mut buf = [0u8; 1500];
//! for seq in [1u16, 2, 5, 6] {
//!     // A packet arrives (3 and 4 are lost).
//!     let h = RtpHeader { sequence_number: SeqNum(seq), payload_type: 96, ..Default::default() };
//!     let n = RtpWriter::new(&mut buf, &h, &[])?.payload(b"media")?;
//!     let pkt = RtpPacket::new_checked(&buf[..n]).expect("valid");
//!     nacks.on_packet(pkt.sequence_number(), now);
//!     now += Duration::from_millis(10);
//!     // The run loop: wake at poll_timeout, collect due NACKs, send them.
//!     if nacks.poll_timeout().is_some_and(|t| t <= now) {
//!         nacks.poll_nack(now, &mut pairs);
//!     }
//! }
//! let mut w = RtcpWriter::new(&mut buf);
//! w.nack(1, 2, &pairs)?;
//! let n = w.finish();
//! let c = Compound::parse_strict(&buf[..n], Validation::ReducedSize).expect("valid");
//! let Some(Ok(RtcpPacket::Nack(nack))) = c.iter().next() else { unreachable!() };
//! assert_eq!(nack.lost().collect::<Vec<_>>(), [SeqNum(3), SeqNum(4)]);
//! # Ok::<(), strata_rtp::BuildError>(())
//! ```
//!
//! # RFC coverage
//!
//! | spec | sections | notes |
//! |---|---|---|
//! | RFC 3550 | §5.1 header, §5.3.1 extension, §6.4.1 SR, §6.4.2 RR, §6.5 SDES, §6.6 BYE, §6.7 APP, App. A.1 seq validation, A.2 RTCP validation, A.3 loss, A.8 jitter | no RTCP interval timer (§6.2, App. A.7): the caller schedules reports; SDES PRIV items are kept raw; APP data is not required to be whole words on parse (padding may end it) |
//! | RFC 5506 | §3 reduced-size RTCP | [`rtcp::Validation::ReducedSize`] |
//! | RFC 8285 | §4.2 one-byte, §4.3 two-byte elements | id 15 stops a one-byte block; mixing forms needs the two-byte form; a malformed element ends iteration ([`rtp::Extensions::validate`] reports it) but does not reject the packet |
//! | RFC 4585 | §6.1 feedback header, §6.2.1 generic NACK, §6.3.1 PLI | NACK with no FCI and PLI with FCI are rejected (MUST); SLI, RPSI and others are kept raw |
//! | RFC 5104 | §4.3.1 FIR | FIR with no entry rejected; TMMBR/TMMBN kept raw |
//! | RFC 3611 | §4.4 RRTR, §4.5 DLRR | other XR blocks kept raw |
//! | draft-alvestrand-rmcat-remb-03 | §2.2 | |
//! | draft-holmer-rmcat-transport-wide-cc-extensions-01 | §2 header extension, §3.1 feedback | reserved status symbol rejected; up to 3 trailing zero bytes allowed |
//! | RFC 8888 | §3.1 | more than 16384 reports per block rejected |
//! | RFC 6464 | §3 audio level | |
//! | RFC 8852, RFC 9143 | rid, repaired-rid, mid extensions | values borrowed, UTF-8 checked on request |
//! | RFC 1982 | §3.1, §3.2 serial arithmetic | |
//! | RFC 4588 | §4 RTX payload format | retransmission scheduling is the caller's (history lookup by seq) |
//! | RFC 7587 | §4 Opus payload | one Opus packet per RTP packet |
//! | RFC 7741 | §4 VP8 payload descriptor | partitions are not aligned to packets (allowed, §4.1) |
//! | RFC 6184 | §5.6 single NAL, §5.7.1 STAP-A, §5.8 FU-A | packetization-mode 1 only: STAP-B, MTAP, FU-B refused (`Unsupported`); DON not used |
//! | AOM AV1 RTP payload v1.0 | aggregation header, OBU elements | temporal units in low-overhead format; the packetizer drops temporal delimiters and always length-prefixes elements (W = 0); the depacketizer accepts any W, joins fragments (Z/Y) and restores OBU size fields; N marks keyframes; no dependency descriptor |
//! | RFC 9628 | §4.2 VP9 payload descriptor | depacketizer reads flexible and non-flexible descriptors and skips the scalability structure; spatial layers other than 0 do not start a frame (one assembled frame per superframe layer 0 start); the packetizer writes one spatial layer, non-flexible |
//!
//! Webrtc.org extensions (abs-send-time, playout-delay, abs-capture-time) and 3GPP
//! video-orientation follow their published descriptions.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod error;
pub mod history;
pub mod nack;
pub mod packetize;
pub mod rtcp;
pub mod rtp;
pub mod serial;
pub mod stats;

pub use error::{BuildError, DepacketizeError, ExtensionError, RtcpError, RtpError};
pub use serial::{RtpTimestamp, SeqNum, SeqUnwrapper, TimestampUnwrapper};
