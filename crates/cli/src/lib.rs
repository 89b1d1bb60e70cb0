//! `strata`: the Strata WebRTC demo, an offer/answer echo tool over WHIP-like HTTP
//! signaling, WebSocket signaling with rooms, a browser page and an echo bot, and a STUN
//! client. See `DESIGN.md` (the CLI and the signaling it speaks).
//!
//! This is the I/O shell around the sans-IO crates: it reads the clock and runs tokio. The
//! library exists so the binary's pieces (the tokio [`driver`], the [`signal`] client and
//! server, the [`media`] clips) can be tested and reused; the `strata` binary is the product.
//!
//! | module | does |
//! |---|---|
//! | [`answer`] | `strata answer`: POST /offer, echo and media reflector, keyframe relay |
//! | [`offer`] | `strata offer`: data-channel echo check, clips sent, one JSON line |
//! | [`demo`] | `strata demo`: signaling server, Alice calls Bob, the page and the bot |
//! | [`signal`] | WebSocket rooms relaying offer/answer/candidate/bye |
//! | [`bot`] | the echo bot a browser calls through the page |
//! | [`media`] | Ogg Opus and IVF VP8 parsers, the embedded clips, the looper |
//! | [`driver`] | one `Peer` on one tokio UDP socket |
//! | [`stun`] | `strata stun HOST:PORT` |
#![allow(clippy::disallowed_methods)]

pub mod answer;
pub mod bot;
pub mod demo;
pub mod driver;
pub mod http;
pub mod media;
pub mod net;
pub mod offer;
pub mod signal;
pub mod stun;
