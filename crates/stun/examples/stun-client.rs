//! Prints this host's server-reflexive address as a STUN server sees it, like `stunclient`.
//!
//! ```sh
//! cargo run -p strata-stun --example stun-client -- 127.0.0.1:3478
//! ```
//!
//! Exits with status 1 and a message if the server does not answer (after RFC 8489's
//! 39.5 s of retransmissions, or `--timeout SECS`), 2 on bad arguments.
#![allow(clippy::disallowed_methods)] // a program at the edge reads the real clock

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use strata_stun::{AttrType, Client, Config, Event, Request};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut server = None;
    let mut limit = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--timeout" => {
                limit = args
                    .next()
                    .and_then(|s| s.parse::<f64>().ok())
                    .map(Duration::from_secs_f64)
            }
            "-h" | "--help" => return usage(),
            _ if server.is_none() => server = Some(a),
            _ => return usage(),
        }
    }
    let Some(server) = server else { return usage() };
    let server: SocketAddr = match server.to_socket_addrs().ok().and_then(|mut a| a.next()) {
        Some(a) => a,
        None => {
            eprintln!("stun-client: cannot resolve {server:?} (want HOST:PORT)");
            return ExitCode::from(2);
        }
    };
    match query(server, limit) {
        Ok(addr) => {
            println!("{addr}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("stun-client: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: stun-client HOST:PORT [--timeout SECS]");
    ExitCode::from(2)
}

fn query(server: SocketAddr, limit: Option<Duration>) -> Result<SocketAddr, String> {
    let bind: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    }
    .parse()
    .unwrap();
    let sock = UdpSocket::bind(bind).map_err(|e| format!("bind: {e}"))?;
    let mut client = Client::new(Config::default());
    let start = Instant::now();
    client
        .start(start, server, Request::binding().with_fingerprint())
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut buf = [0u8; 1500];
    loop {
        let now = Instant::now();
        if limit.is_some_and(|l| now - start >= l) {
            return Err(format!(
                "no response from {server} within {:?}",
                limit.unwrap()
            ));
        }
        while let Some(t) = client.poll_transmit(now, &mut out) {
            sock.send_to(&out, t.to)
                .map_err(|e| format!("send to {server}: {e}"))?;
        }
        if let Some(event) = client.poll_event() {
            return match event {
                Event::Response(r) if r.is_success() => {
                    let msg = r.message();
                    if let Some(software) = msg.text(AttrType::SOFTWARE) {
                        eprintln!("server software: {software}");
                    }
                    msg.xor_mapped_address()
                        .ok_or_else(|| format!("{server} answered without XOR-MAPPED-ADDRESS"))
                }
                Event::Response(r) => Err(match r.message().error_code() {
                    Some((code, reason)) => {
                        format!("{server} answered with error {} {reason}", code.0)
                    }
                    None => format!("{server} answered with an error response"),
                }),
                Event::Timeout { .. } => Err(format!(
                    "timed out: no response from {server} after {:.1} s of retransmissions",
                    start.elapsed().as_secs_f64()
                )),
                other => Err(format!("transaction failed: {other:?}")),
            };
        }
        let mut wait = client
            .poll_timeout()
            .map_or(Duration::from_millis(100), |t| {
                t.saturating_duration_since(now)
            });
        if let Some(l) = limit {
            wait = wait.min((start + l).saturating_duration_since(now));
        }
        sock.set_read_timeout(Some(wait.max(Duration::from_millis(1))))
            .map_err(|e| e.to_string())?;
        match sock.recv_from(&mut buf) {
            // Anything that is not a well-formed response is dropped (and counted) by the client.
            Ok((n, from)) => {
                let _ = client.handle_packet(Instant::now(), from, &buf[..n]);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::ConnectionRefused
                ) => {}
            Err(e) => return Err(format!("receive: {e}")),
        }
        client.handle_timeout(Instant::now());
    }
}
