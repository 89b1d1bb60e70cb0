//! `strata`: the Strata WebRTC demo, an offer/answer echo tool over WHIP-like HTTP
//! signaling, and a STUN client. See `../shared/DESIGN.md` (the CLI and its signaling).
//!
//! This is the I/O shell around the sans-IO crates: it reads the clock and runs tokio.
#![allow(clippy::disallowed_methods)]

mod answer;
mod demo;
mod driver;
mod http;
mod net;
mod offer;
mod stun;

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::net::NetArgs;

#[derive(Parser, Debug)]
#[command(
    name = "strata",
    version,
    about = "Strata WebRTC: demo call, offer/answer echo, STUN"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Answer offers: POST /offer (application/sdp) -> 201 answer; GET /health; GET /stats.
    /// Echoes every data-channel message.
    Answer {
        /// HTTP listen address (port 0 picks one; the chosen one is printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[command(flatten)]
        net: NetArgs,
    },
    /// Offer to an answerer, send N messages on data channel `echo`, check every echo, print
    /// one JSON line; exit 0 iff ok.
    Offer {
        /// Signaling URL, e.g. http://127.0.0.1:8080/offer.
        #[arg(long)]
        url: String,
        /// Messages to send.
        #[arg(long, default_value_t = 100)]
        messages: usize,
        /// Bytes per message.
        #[arg(long, default_value_t = 1024)]
        size: usize,
        /// Send text messages (default: binary).
        #[arg(long)]
        text: bool,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
        /// Also send an audio track (Opus m-section, synthetic 20 ms frames) and count
        /// what the answerer reflects.
        #[arg(long)]
        audio: bool,
        /// Also send a video track (VP8 m-section, synthetic 30 fps frames).
        #[arg(long)]
        video: bool,
        /// Seconds of media to send.
        #[arg(long, default_value_t = 2.0)]
        media_seconds: f64,
        #[command(flatten)]
        net: NetArgs,
    },
    /// Alice calls Bob through a signaling server on loopback; they chat over a data channel;
    /// the timeline and stats are printed.
    Demo {
        /// Signaling server listen address.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        #[command(flatten)]
        net: NetArgs,
    },
    /// Print the server-reflexive address a STUN server sees.
    Stun {
        /// HOST:PORT of the STUN server.
        server: String,
        /// Local address to send from.
        #[arg(long, default_value = "0.0.0.0")]
        bind: IpAddr,
        /// Seconds to wait.
        #[arg(long, default_value_t = 5.0)]
        timeout: f64,
    },
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.clamp(0.001, 86_400.0))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Answer { listen, net } => {
            if let Err(e) = net.config() {
                eprintln!("strata answer: {e}");
                return ExitCode::from(2);
            }
            match answer::run(listen, net).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("strata answer: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Cmd::Offer {
            url,
            messages,
            size,
            text,
            timeout,
            audio,
            video,
            media_seconds,
            net,
        } => {
            let (report, ok) = offer::run(offer::OfferArgs {
                url,
                messages,
                size,
                text,
                timeout: secs(timeout),
                audio,
                video,
                media_seconds: secs(media_seconds),
                net,
            })
            .await;
            println!("{report}");
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Cmd::Demo { listen, net } => match demo::run(listen, net).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("strata demo: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Stun {
            server,
            bind,
            timeout,
        } => match stun::run(&server, bind, secs(timeout)).await {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("strata stun: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
