//! # webrtc-peer: a sans-IO WebRTC PeerConnection
//!
//! [`Peer`] composes the Strata protocol crates into a PeerConnection: one ICE agent
//! (strata-ice), one DTLS connection (strata-dtls), one SCTP association with data channels
//! (strata-sctp), all owned by value and talking through returned events. Descriptions are
//! written and read with strata-sdp.
//!
//! **What it does:** JSEP offer/answer (a subset of RFC 9429/8829): max-bundle BUNDLE with
//! one transport, ICE credentials and non-trickle candidates in the SDP (trickle accepted
//! through [`Peer::add_ice_candidate`]), the `a=fingerprint` (SHA-256) of our certificate and
//! the peer's checked by DTLS (fail closed), `a=setup` actpass/active/passive deciding the
//! DTLS role (the answerer is active, as Chromium), the data-channel m-section
//! (`a=sctp-port`, `a=max-message-size`). Data channels: create, remote-opened, negotiated,
//! messages, buffered-amount-low, close.
//!
//! Media: [`Peer::add_track`] / [`Peer::add_track_with_codec`] (Opus, VP8, or H.264
//! constrained baseline `profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1`;
//! m-sections with msid, ssrc, rtcp-mux, rtcp-rsize; the answerer accepts offered codecs
//! with the offer's payload types and attaches its tracks). Video sections carry RTX
//! (RFC 4588: `rtx` with `apt=`, `a=ssrc-group:FID` and a second SSRC, Chromium's shape):
//! when negotiated, NACKed packets are re-sent as RTX (OSN prefix, RTX SSRC and sequence
//! numbers); without it, the original packet is re-sent. Received RTX is restored to the
//! original stream and repairs loss. Header extensions (RFC 8285, one-byte form) `sdes:mid`,
//! abs-send-time, transport-wide-cc (draft-holmer-01) and ssrc-audio-level (RFC 6464) are
//! offered with Chromium's ids and kept only when both sides list them; every packet
//! carries them (one transport-wide sequence counter, audio level on audio). Received
//! packets are demultiplexed by SSRC (signalled or learned), then by the mid extension
//! (unsignalled SSRCs), then by a payload type only one section uses (RFC 8843 §9.2).
//! Transport-cc feedback is sent about every 100 ms while packets arrive, when
//! `a=rtcp-fb:<pt> transport-cc` is negotiated. [`Peer::send_rtp`] takes RTP payloads;
//! [`Peer::send_frame`] packetizes encoded frames through strata-rtp (Opus, VP8, H.264);
//! received packets come as [`Event::Media`], and, with [`Config::assemble_frames`], as
//! reassembled frames in [`Event::Frame`]. Remote tracks as [`Event::Track`]; generic NACK
//! for video answered from a send history (RFC 4585); PLI sent by
//! [`Peer::request_keyframe`] (what a reflector calls when its own receiver asks it for a
//! keyframe) or when a loss burst is too large to NACK; PLI/FIR received as
//! [`Event::KeyframeRequest`]; RTCP sender and receiver reports every second with RTT and
//! loss (RFC 3550 §6.4). SRTP keyed from the DTLS exporter (RFC 5764).
//!
//! Renegotiation: either side may offer again once stable, to add tracks over the
//! established transport (mids, m-line order, ICE credentials and DTLS role kept). RFC 7983
//! demux and [`Peer::accepts`] so one socket can serve many peers. State events, flat
//! counters in [`Stats`], and W3C getStats-shaped records through [`Peer::stats_report`]
//! ([`report`]: transport, candidate-pair, local/remote-candidate, inbound-rtp,
//! outbound-rtp, remote-inbound-rtp, data-channel; serde with the default `serde` feature).
//!
//! **What it does not do (yet):** SDES/BYE, sending FIR, congestion control (transport-cc
//! feedback is sent and received feedback is counted, but no bandwidth estimate or pacing;
//! `targetBitrate` is absent), REMB, simulcast (rid), FEC, more than one codec per
//! m-section, H.264 other than packetization-mode 1 / baseline profiles, decoding (the
//! `framesDecoded` stat stays absent), removing tracks or stopping sections, adding a data
//! section by renegotiation, ICE restart through JSEP, rollback, SDP munging (a local
//! description must be one this peer created). No sockets, clock or threads: see
//! `examples/blocking.rs` for a std driver.
//!
//! # Call order
//!
//! 1. [`Peer::new`] with a [`Config`] listing the bound host addresses.
//! 2. Offerer: [`Peer::create_data_channel`], [`Peer::create_offer`],
//!    [`Peer::set_local_description`]; wait for [`Event::IceGatheringComplete`], send
//!    [`Peer::local_description`]; later [`Peer::set_remote_description`] with the answer.
//!    Answerer: [`Peer::set_remote_description`] with the offer, [`Peer::create_answer`],
//!    [`Peer::set_local_description`], send [`Peer::local_description`].
//! 3. Input: [`Peer::handle_datagram`] for every datagram received on a host socket (use
//!    [`Peer::accepts`] first when one socket serves many peers), [`Peer::handle_timeout`]
//!    when [`Peer::poll_timeout`] is reached.
//! 4. Output: after every input or command, drain [`Peer::poll_transmit`] (send `data` from
//!    socket `from` to `to`) and [`Peer::poll_event`] until both return `None`.
//!
//! Commands ([`Peer::send`], [`Peer::create_data_channel`], ...) use the latest `now` the
//! peer saw.
//!
//! # Time and randomness
//!
//! Time is an argument; an earlier `now` than one seen before is clamped. `poll_timeout` is
//! the minimum of the parts' deadlines, O(1). A ChaCha20 CSPRNG seeded from
//! [`Config::seed`] (or the OS, once) draws the certificate key and the seeds of the ICE,
//! DTLS and SCTP machines: one seed reproduces a run.
//!
//! # Run loop (two peers in memory)
//!
//! ```
//! use std::time::{Duration, Instant};
//! use webrtc_peer::{ChannelOptions, Config, Event, Peer};
//!
//! # #[allow(clippy::disallowed_methods)]
//! let t0 = Instant::now();
//! let (a_addr, b_addr) = ("192.0.2.1:5000".parse()?, "198.51.100.1:6000".parse()?);
//! let mut a = Peer::new(Config::default().with_seed([1; 32]).with_host(a_addr), t0);
//! let mut b = Peer::new(Config::default().with_seed([2; 32]).with_host(b_addr), t0);
//! let ch = a.create_data_channel("chat", ChannelOptions::default())?;
//! let offer = a.create_offer()?;
//! a.set_local_description(&offer)?;
//! b.set_remote_description(&a.local_description().unwrap())?;
//! let answer = b.create_answer()?;
//! b.set_local_description(&answer)?;
//! a.set_remote_description(&b.local_description().unwrap())?;
//!
//! let (mut now, mut got) = (t0, None);
//! for _ in 0..10_000 {
//!     // A lossless wire: each datagram goes straight to the other peer.
//!     while let Some(t) = a.poll_transmit(now) { let _ = b.handle_datagram(now, t.from, t.to, &t.data); }
//!     while let Some(t) = b.poll_transmit(now) { let _ = a.handle_datagram(now, t.from, t.to, &t.data); }
//!     while let Some(e) = a.poll_event() {
//!         if e == Event::ChannelOpen(ch) { a.send_text(ch, "hello")?; }
//!     }
//!     while let Some(e) = b.poll_event() {
//!         if let Event::ChannelMessage { data, .. } = e { got = Some(data); }
//!     }
//!     if got.is_some() { break; }
//!     now = [a.poll_timeout(), b.poll_timeout()].into_iter().flatten().min().unwrap_or(now).max(now);
//!     a.handle_timeout(now);
//!     b.handle_timeout(now);
//! }
//! assert_eq!(got.as_deref(), Some(&b"hello"[..]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # RFC coverage
//!
//! | RFC | sections | status |
//! |---|---|---|
//! | 7983 | §7 demux by first byte: 0-3 STUN, 20-63 DTLS, 64-79 TURN ChannelData, 128-191 RTP/RTCP (RTCP by packet type, RFC 5761 §4) | done |
//! | 9429 / 8829 JSEP | §5.2 initial offer, §5.3 initial answer (m-lines mirrored, unsupported codecs rejected with port 0), §5.8/§5.9 applying descriptions, §4.1.17 addIceCandidate | subset: one codec per m-section; §5.2.2/§5.3.2 subsequent offers and answers that add m-sections; no removal, no rollback, no pranswer |
//! | 9143 BUNDLE | max-bundle, one transport from the first accepted m-section | done; `bundle-only` read, not written |
//! | 8839 / 8838 | ice-ufrag, ice-pwd, ice-options:trickle, candidates in the description, end-of-candidates, trickled candidates | done; mDNS candidates surface through the agent's ResolveMdns (not re-emitted yet) |
//! | 8842 / 4145 | setup actpass in offers, active in answers (passive against an active offer) | done; holdconn refused |
//! | 8122 / 8827 §6.5 | SHA-256 fingerprint of our certificate; the peer's fingerprints checked by DTLS, none usable = description refused | done |
//! | 8841 | sctp-port, max-message-size | done |
//! | 8831 / 8832 | data channels, DCEP (through strata-sctp) | done |
//! | 5764 | DTLS-SRTP keys from the exporter; SRTP/SRTCP through strata-srtp | done; a packet failing authentication is dropped and counted |
//! | 3550 / 8834 | RTP sending (SSRC, sequence, payload type), receiving; §6.4 SR/RR every 1 s (fixed interval, not §6.2's computed one), RTT from LSR/DLSR | partial: no SDES/BYE |
//! | 8843 §9.2 | demux of received RTP: SSRC, then the mid extension, then a unique payload type | done; packets matching nothing are dropped and counted |
//! | 4585 | §6.2.1 generic NACK for video, answered from a 512-packet history; §6.3.1 PLI sent and received | done |
//! | 4588 | §4 RTX payload (OSN), §8.6 `rtx`/`apt` in SDP, RFC 5576 `ssrc-group:FID` | done for video (session-multiplexed); unsignalled RTX maps to the one media SSRC of its section; padding-only RTX probes dropped and counted |
//! | 8285 | §4.2 one-byte extensions, §5 SDP `a=extmap` negotiation (answer keeps the offer's ids; only ids both sides list are used) | mid, abs-send-time, transport-wide-cc-01, ssrc-audio-level; ids above 14 (two-byte form) are not negotiated |
//! | draft-holmer-rmcat-transport-wide-cc-extensions-01 | §2 sequence number per transport (RTX gets a fresh one), §3.1 feedback about every 100 ms while packets arrive; late packets reported in a message of their own | no bandwidth estimation from received feedback |
//! | 6464 | audio level on audio packets ([`Peer::set_audio_level`]) | level set by the application |
//! | 6184 | §5.6, §5.7.1, §5.8 (through strata-rtp), §8.1 `profile-level-id`, `packetization-mode=1`, `level-asymmetry-allowed=1`; §8.2.2 the answer uses an offered baseline (`profile_idc` 0x42) mode-1 entry, constrained baseline first | packetization-mode 0/2 and other profiles are not accepted |
//! | 7587 / 7741 | Opus and VP8 payloads through strata-rtp ([`Peer::send_frame`], [`Event::Frame`]) | done |
//! | 5104 | §4.3.1 FIR received as a keyframe request | not sent |
//! | webrtc-stats | `transport`, `candidate-pair`, `local-candidate`, `remote-candidate`, `inbound-rtp`, `outbound-rtp`, `remote-inbound-rtp`, `data-channel` with W3C member names | no `codec`, `media-source` or `peer-connection` records; codec as a flattened `mimeType` |
//!
//! MUSTs not implemented: SDES CNAME in compound RTCP (RFC 3550 §6.1; we send reduced-size
//! RTCP, RFC 5506), congestion control (RFC 8836), ICE restart (RFC 8829 §5.2.2 `iceRestart`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod error;
mod event;
mod jsep;
mod media;
mod peer;
pub mod report;
mod stats;

pub use config::Config;
pub use error::Error;
pub use event::{ChannelId, ConnectionState, DtlsState, Event};
pub use jsep::{Description, SdpType};
pub use media::{AudioLevel, Codec, MediaFrame, MediaKind, MediaPacket, TrackId};
pub use peer::{Peer, SignalingState, Transmit};
pub use report::{StatsRecord, StatsReport};
pub use stats::Stats;
pub use strata_dtls::{Certificate, Fingerprint, Role};
pub use strata_sctp::ChannelOptions;
