//! `strata`: the Strata WebRTC demo, an offer/answer echo tool over WHIP-like HTTP
//! signaling, and a STUN client. See `DESIGN.md` (the CLI and its signaling).
#![allow(clippy::disallowed_methods)]

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use strata_cli::net::NetArgs;
use strata_cli::{answer, demo, offer, stun};

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
    /// Answer offers: POST /offer (application/sdp) -> 201 answer; GET /health; GET /stats
    /// (counters and each peer's W3C-shaped report). Echoes every data-channel message,
    /// reflects media, and relays keyframe requests to the media's source.
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
        /// Also send an audio track (the embedded Opus clip, looped) and count what the
        /// answerer reflects.
        #[arg(long)]
        audio: bool,
        /// Also send a video track (the embedded VP8 clip, looped).
        #[arg(long)]
        video: bool,
        /// Seconds of media to send.
        #[arg(long, default_value_t = 2.0)]
        media_seconds: f64,
        #[command(flatten)]
        net: NetArgs,
    },
    /// Alice calls Bob through a WebSocket signaling server on loopback; they chat over a
    /// data channel and send audio and video both ways; the timeline and stats are printed.
    Demo {
        /// Signaling server listen address.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Seconds of audio and video each way.
        #[arg(long, default_value_t = 2.0)]
        media_seconds: f64,
        /// Also serve the browser page (GET /) and an echo bot in room `bot` until Ctrl-C;
        /// `--bind` is the bot's candidate address (a LAN address for another machine).
        #[arg(long)]
        serve: bool,
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
        Cmd::Demo {
            listen,
            media_seconds,
            serve,
            net,
        } => match demo::run(demo::DemoArgs {
            listen,
            media_seconds: secs(media_seconds),
            serve,
            net,
        })
        .await
        {
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
