//! `strata offer`: data channel `echo`, N messages of SIZE bytes, every echo checked in
//! order, one JSON line.

use std::time::{Duration, Instant};

use webrtc_peer::{
    ChannelOptions, ConnectionState, Description, Event, MediaKind, StatsRecord, StatsReport,
};

use crate::driver::Driver;
use crate::http;
use crate::media::{Looper, clip};
use crate::net::NetArgs;

/// What `strata offer` was asked to do.
pub struct OfferArgs {
    /// Signaling URL (POST the offer there).
    pub url: String,
    /// Messages to send.
    pub messages: usize,
    /// Bytes per message.
    pub size: usize,
    /// Text messages instead of binary.
    pub text: bool,
    /// Give up after this long.
    pub timeout: Duration,
    /// Send an audio track: the embedded Opus clip, looped.
    pub audio: bool,
    /// Send a video track: the embedded VP8 clip, looped.
    pub video: bool,
    /// How long to send media for (RTP packets are counted: `media_sent`, `media_received`).
    pub media_seconds: Duration,
    /// Network flags.
    pub net: NetArgs,
}

/// Message `i`: deterministic content, printable for text.
pub fn payload(i: usize, size: usize, text: bool) -> Vec<u8> {
    (0..size)
        .map(|j| {
            let k = i.wrapping_mul(131).wrapping_add(j);
            if text {
                b'a' + (k % 26) as u8
            } else {
                (k % 251) as u8
            }
        })
        .collect()
}

fn ms(d: Option<Duration>) -> serde_json::Value {
    d.map_or(serde_json::Value::Null, |d| {
        serde_json::json!((d.as_secs_f64() * 1e6).round() / 1e3)
    })
}

/// Runs the client; returns the one-line JSON report and whether it is ok.
pub async fn run(args: OfferArgs) -> (String, bool) {
    let t0 = Instant::now();
    let mut error: Option<String> = None;
    let (mut gathered, mut connected, mut opened) = (None, None, None);
    let (mut sent, mut received, mut mismatch) = (0usize, 0usize, 0usize);
    let (mut first_send, mut last_echo) = (None, None);
    let (mut media_sent, mut media_received) = (0u64, 0u64);
    let mut selected_pair = None;
    let media = args.audio || args.video;
    let r: Result<(), String> = async {
        let config = args.net.config()?;
        let mut d = Driver::bind(args.net.bind, config)
            .await
            .map_err(|e| e.to_string())?;
        let ch = d
            .peer
            .create_data_channel("echo", ChannelOptions::default())
            .map_err(|e| e.to_string())?;
        // The embedded clips, looped (real Opus and VP8: the far end can decode them).
        let mut loopers = Vec::new();
        for (on, kind) in [
            (args.audio, MediaKind::Audio),
            (args.video, MediaKind::Video),
        ] {
            if on {
                let t = d
                    .peer
                    .add_track(kind, "strata")
                    .map_err(|e| e.to_string())?;
                loopers.push(Looper::new(t, clip(kind)));
            }
        }
        let mut media_end = None;
        let offer = d.peer.create_offer().map_err(|e| e.to_string())?;
        d.peer
            .set_local_description(&offer)
            .map_err(|e| e.to_string())?;
        d.gather(args.timeout).await.map_err(|e| e.to_string())?;
        gathered = Some(t0.elapsed());
        let sdp = d
            .peer
            .local_description()
            .ok_or("no local description")?
            .sdp;
        let resp = tokio::time::timeout(
            args.timeout,
            http::request("POST", &args.url, "application/sdp", &sdp),
        )
        .await
        .map_err(|_| "signaling timed out".to_owned())?
        .map_err(|e| format!("signaling: {e}"))?;
        if resp.status != 201 {
            return Err(format!(
                "signaling: status {}: {}",
                resp.status,
                resp.body.trim()
            ));
        }
        d.peer
            .set_remote_description(&Description::answer(resp.body))
            .map_err(|e| e.to_string())?;
        // Keep at most ~1 MiB (and 256 messages) unanswered.
        let window = (1 << 20) / args.size.max(1);
        let window = window.clamp(1, 256);
        let mut events = Vec::new();
        loop {
            let now = t0.elapsed();
            let media_done =
                !media || media_end.is_some_and(|e| now > e + Duration::from_millis(300));
            if received >= args.messages && media_done {
                break;
            }
            if t0.elapsed() > args.timeout {
                return Err("timed out".into());
            }
            d.step(
                Duration::from_millis(if media { 5 } else { 50 }),
                &mut events,
            )
            .await
            .map_err(|e| e.to_string())?;
            for e in events.drain(..) {
                match e {
                    Event::ConnectionStateChanged(ConnectionState::Connected) => {
                        connected.get_or_insert(t0.elapsed());
                        media_end.get_or_insert(t0.elapsed() + args.media_seconds);
                    }
                    Event::Media(_) => media_received += 1,
                    Event::KeyframeRequest(t) => {
                        for l in loopers.iter_mut().filter(|l| l.track == t) {
                            l.keyframe_request();
                        }
                    }
                    Event::ConnectionStateChanged(
                        s @ (ConnectionState::Failed | ConnectionState::Closed),
                    ) => {
                        return Err(format!("connection {s:?}"));
                    }
                    Event::DtlsFailed(e) => return Err(format!("DTLS: {e}")),
                    Event::ChannelOpen(id) if id == ch => {
                        opened.get_or_insert(t0.elapsed());
                    }
                    Event::ChannelMessage { id, binary, data } if id == ch => {
                        if binary == args.text || data != payload(received, args.size, args.text) {
                            if mismatch < 3 {
                                // Which message came instead: payload(i) starts with i * 131 mod 251.
                                let head: Vec<String> =
                                    data.iter().take(4).map(|b| format!("{b:02x}")).collect();
                                eprintln!(
                                    "strata offer: echo {received} differs: {} B, binary {binary}, starts {}",
                                    data.len(),
                                    head.join("")
                                );
                            }
                            mismatch += 1;
                        }
                        received += 1;
                        last_echo = Some(t0.elapsed());
                    }
                    _ => {}
                }
            }
            if let Some(c) = connected {
                let elapsed = t0.elapsed().saturating_sub(c);
                for l in &mut loopers {
                    l.poll(&mut d.peer, elapsed, Some(args.media_seconds));
                }
                media_sent = loopers.iter().map(|l| l.packets_sent).sum();
            }
            if opened.is_some() {
                while sent < args.messages && sent - received < window {
                    let p = payload(sent, args.size, args.text);
                    match d.peer.send(ch, &p, !args.text) {
                        Ok(()) => {
                            first_send.get_or_insert(t0.elapsed());
                            sent += 1;
                        }
                        Err(webrtc_peer::Error::Sctp(strata_sctp::Error::WouldBlock)) => break,
                        Err(e) => {
                            // E.g. larger than the answer's max-message-size: still hang up,
                            // so the answerer does not wait for consent to expire.
                            d.peer.close();
                            let _ = d.flush().await;
                            return Err(e.to_string());
                        }
                    }
                }
            }
        }
        selected_pair = pair_types(&d.peer.stats_report(Instant::now()));
        d.peer.close();
        let _ = d.flush().await;
        Ok(())
    }
    .await;
    if let Err(e) = r {
        error = Some(e);
    }
    let span = match (first_send, last_echo) {
        (Some(a), Some(b)) if b > a => (b - a).as_secs_f64(),
        _ => 0.0,
    };
    let rate = if span > 0.0 {
        received as f64 / span
    } else {
        0.0
    };
    let mbps = if span > 0.0 {
        (received * args.size) as f64 / span / 1e6
    } else {
        0.0
    };
    // Media: what the reflector sent back, allowing for a few in flight at the end.
    let media_ok = !media || (media_sent > 0 && media_received * 10 >= media_sent * 9);
    let ok = error.is_none() && received == args.messages && mismatch == 0 && media_ok;
    // The keys in DESIGN.md's order (serde_json's map would sort them).
    let mut fields: Vec<(&str, serde_json::Value)> = vec![
        ("gathered_ms", ms(gathered)),
        ("connected_ms", ms(connected)),
        ("dc_open_ms", ms(opened)),
        ("echo_received", received.into()),
        ("echo_mismatch", mismatch.into()),
        ("echo_msgs_per_s", rate.round().into()),
        ("echo_MBps", ((mbps * 1000.0).round() / 1000.0).into()),
        ("media_sent", media_sent.into()),
        ("media_received", media_received.into()),
        ("selected_pair", selected_pair.into()),
        ("ok", ok.into()),
    ];
    if let Some(e) = error {
        fields.push(("error", e.into()));
    }
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
    (format!("{{{}}}", body.join(",")), ok)
}

/// The candidate types of the selected pair, `"local -> remote"` (e.g. `"relay -> host"`).
fn pair_types(r: &StatsReport) -> Option<String> {
    let id = r.transport()?.selected_candidate_pair_id.as_deref()?;
    let pair = r.candidate_pairs().find(|p| p.id == id)?;
    let kind = |id: &str| match r.get(id) {
        Some(StatsRecord::LocalCandidate(c) | StatsRecord::RemoteCandidate(c)) => c.candidate_type,
        _ => "unknown",
    };
    Some(format!(
        "{} -> {}",
        kind(&pair.local_candidate_id),
        kind(&pair.remote_candidate_id)
    ))
}
