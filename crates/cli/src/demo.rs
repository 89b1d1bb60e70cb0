//! `strata demo`: a signaling server on loopback (WebSocket rooms, the browser page, health
//! and stats); Bob joins room `demo` and waits; Alice joins and calls him through the server;
//! they chat over a data channel and send the embedded Opus and VP8 clips both ways; the
//! timeline and stats are printed. With `--serve`, an echo bot waits in room `bot` for a
//! browser opening the page, until Ctrl-C.
//!
//! Routes: `GET /` (the page), `GET /ws` (signaling, see [`crate::signal`]), `GET /health`,
//! `GET /stats`.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::serve::ListenerExt;
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use webrtc_peer::{
    ChannelOptions, ConnectionState, Description, Event, MediaKind, Peer, Stats, StatsRecord,
    StatsReport, TrackId,
};

use crate::answer::{Counters, stats_json};
use crate::driver::Driver;
use crate::media::{FrameCounter, Looper, clip};
use crate::net::NetArgs;
use crate::signal::{Client, Rooms, ws_route};

/// `println!` that ignores a closed stdout: with `--serve` the server must outlive a reader
/// that stopped listening after the URL line.
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// The page a person opens to call the bot.
pub const PAGE: &str = include_str!("../web/index.html");

/// What the demo server's routes share.
#[derive(Clone, Default)]
pub struct ServerState {
    /// Signaling rooms.
    pub rooms: Arc<Rooms>,
    /// The bot's counters.
    pub bot: Arc<Counters>,
}

impl FromRef<ServerState> for Arc<Rooms> {
    fn from_ref(s: &ServerState) -> Self {
        s.rooms.clone()
    }
}

async fn stats(State(s): State<ServerState>) -> impl IntoResponse {
    let bot = stats_json(&s.bot).0;
    axum::Json(json!({
        "signaling": {
            "joins": s.rooms.joins.load(std::sync::atomic::Ordering::Relaxed),
            "relayed": s.rooms.relayed.load(std::sync::atomic::Ordering::Relaxed),
            "dropped": s.rooms.dropped.load(std::sync::atomic::Ordering::Relaxed),
        },
        "bot": bot,
    }))
}

/// The signaling server's routes.
pub fn router(state: ServerState) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE) }),
        )
        .route("/ws", get(ws_route))
        .route("/health", get(|| async { "ok" }))
        .route("/stats", get(stats))
        .with_state(state)
}

type Entries = Arc<Mutex<Vec<(Duration, &'static str, String)>>>;

#[derive(Clone)]
struct Timeline {
    t0: Instant,
    entries: Entries,
}

impl Timeline {
    fn log(&self, who: &'static str, what: impl Into<String>) {
        self.entries
            .lock()
            .expect("not poisoned")
            .push((self.t0.elapsed(), who, what.into()));
    }

    fn event(&self, who: &'static str, e: &Event) {
        let what = match e {
            Event::IceGatheringComplete => "ICE gathering complete".to_owned(),
            Event::IceStateChanged(s) => format!("ICE {s:?}"),
            Event::SelectedPair { local, remote } => {
                format!("ICE selected pair {} -> {}", local.addr, remote.addr)
            }
            Event::DtlsStateChanged(s) => format!("DTLS {s:?}"),
            Event::DtlsFailed(e) => format!("DTLS failed: {e}"),
            Event::ConnectionStateChanged(s) => format!("connection {s:?}"),
            Event::SctpConnected => "SCTP association up".to_owned(),
            Event::DataChannel { label, .. } => format!("remote opened data channel '{label}'"),
            Event::ChannelOpen(_) => "data channel open".to_owned(),
            Event::ChannelClosed(_) => "data channel closed".to_owned(),
            Event::Track { mid, kind } => format!("remote {} track (mid {mid})", kind.as_str()),
            _ => return,
        };
        self.log(who, what);
    }
}

/// Both clips on one peer, sent from connection on for `seconds`.
struct Media {
    start: Option<Instant>,
    seconds: Duration,
    loopers: [Looper; 2],
}

impl Media {
    fn new(audio: TrackId, video: TrackId, seconds: Duration) -> Self {
        Media {
            start: None,
            seconds,
            loopers: [
                Looper::new(audio, clip(MediaKind::Audio)),
                Looper::new(video, clip(MediaKind::Video)),
            ],
        }
    }

    fn tick(&mut self, peer: &mut Peer, tl: &Timeline, who: &'static str) {
        let Some(start) = self.start else { return };
        let elapsed = start.elapsed();
        for (l, kind) in self.loopers.iter_mut().zip(["audio", "video"]) {
            let before = l.frames_sent;
            l.poll(peer, elapsed, Some(self.seconds));
            if before == 0 && l.frames_sent > 0 {
                tl.log(who, format!("first {kind} frame sent"));
            }
        }
    }

    fn keyframe_request(&mut self, t: TrackId) {
        if t == self.loopers[1].track {
            self.loopers[1].keyframe_request();
        }
    }

    fn done(&self) -> bool {
        self.start.is_some_and(|s| s.elapsed() >= self.seconds)
    }

    fn sent(&self) -> [u64; 2] {
        [self.loopers[0].frames_sent, self.loopers[1].frames_sent]
    }
}

fn received(
    counter: &mut FrameCounter,
    f: &webrtc_peer::MediaFrame,
    tl: &Timeline,
    who: &'static str,
) {
    if counter.frame(f) {
        tl.log(
            who,
            format!(
                "first {} frame received ({}{})",
                f.codec.kind().as_str(),
                f.codec.name(),
                if f.keyframe && f.codec.kind() == MediaKind::Video {
                    ", keyframe"
                } else {
                    ""
                }
            ),
        );
    }
}

/// What one side reports at the end.
struct Report {
    stats: Stats,
    w3c: StatsReport,
    sent: [u64; 2],
    received: FrameCounter,
    keyframe_requests: u64,
}

const ALICE_LINES: [&str; 3] = [
    "Hi Bob, it's Alice. Can you hear me?",
    "Great. This is a Strata data channel: SCTP in DTLS over ICE.",
    "Bye for now!",
];

const ROOM: &str = "demo";

async fn bob(
    ws: String,
    net: NetArgs,
    media_seconds: Duration,
    tl: Timeline,
    ready: oneshot::Sender<()>,
) -> Result<Report, String> {
    let mut sig = Client::join(&ws, ROOM, "bob").await?;
    tl.log("bob", format!("joined room '{ROOM}' over WebSocket"));
    let _ = ready.send(());
    let (from, offer) = loop {
        let v = sig.recv().await?;
        if v["type"] == "offer" {
            let from = v["from"].as_str().unwrap_or("").to_owned();
            break (from, v["sdp"].as_str().unwrap_or("").to_owned());
        }
    };
    tl.log("bob", format!("incoming call from {from}"));
    let mut d = Driver::bind(net.bind, net.config()?.with_frames(true))
        .await
        .map_err(|e| e.to_string())?;
    let (audio, video, sdp) = d.answer_av(&offer, "bob").await?;
    sig.send_to("answer", &from, json!({ "sdp": sdp })).await?;
    tl.log("bob", "answer sent over WebSocket");
    // Signaling from now on: only a `bye` matters.
    let (bye_tx, mut bye_rx) = mpsc::channel::<()>(1);
    let reader = tokio::spawn(async move {
        while let Ok(v) = sig.recv().await {
            if v["type"] == "bye" {
                let _ = bye_tx.send(()).await;
            }
        }
    });
    let mut events = Vec::new();
    let end = Instant::now() + media_seconds + Duration::from_secs(20);
    let mut media = Media::new(audio, video, media_seconds);
    let mut counter = FrameCounter::default();
    let result = loop {
        if Instant::now() >= end {
            break Err("Bob timed out".to_owned());
        }
        // Alice's close_notify normally ends the call first; her `bye` ends it too.
        let mut closed = bye_rx.try_recv().is_ok();
        if closed {
            tl.log("bob", "bye received over WebSocket");
        }
        d.step(Duration::from_millis(5), &mut events)
            .await
            .map_err(|e| e.to_string())?;
        media.tick(&mut d.peer, &tl, "bob");
        for e in events.drain(..) {
            tl.event("bob", &e);
            match e {
                Event::ConnectionStateChanged(ConnectionState::Connected) => {
                    media.start = Some(Instant::now());
                }
                Event::Media(p) => counter.packet(&p),
                Event::Frame(f) => received(&mut counter, &f, &tl, "bob"),
                Event::KeyframeRequest(t) => media.keyframe_request(t),
                Event::ChannelMessage { id, data, .. } => {
                    let text = String::from_utf8_lossy(&data).into_owned();
                    tl.log("bob", format!("chat <- {text:?}"));
                    let reply = format!("Bob here, got {} bytes: loud and clear.", data.len());
                    d.peer.send_text(id, &reply).map_err(|e| e.to_string())?;
                    tl.log("bob", format!("chat -> {reply:?}"));
                }
                Event::ConnectionStateChanged(ConnectionState::Closed) => closed = true,
                Event::ConnectionStateChanged(ConnectionState::Failed) => {
                    return Err("Bob's connection failed".into());
                }
                _ => {}
            }
        }
        if closed {
            break Ok(Report {
                stats: d.peer.stats(),
                w3c: d.peer.stats_report(Instant::now()),
                sent: media.sent(),
                received: counter,
                keyframe_requests: media.loopers[1].keyframe_requests,
            });
        }
    };
    reader.abort();
    result
}

/// Frames of `kind` a sender emits in `d` (the clip loops).
fn frames_in(kind: MediaKind, d: Duration) -> u64 {
    let c = clip(kind);
    let per = c.duration().as_secs_f64() / c.frames.len() as f64;
    (d.as_secs_f64() / per).ceil() as u64
}

async fn alice(
    ws: String,
    net: NetArgs,
    media_seconds: Duration,
    tl: Timeline,
) -> Result<Report, String> {
    let mut sig = Client::join(&ws, ROOM, "alice").await?;
    tl.log(
        "alice",
        format!(
            "joined room '{ROOM}' over WebSocket (members: {})",
            sig.peers.join(", ")
        ),
    );
    if !sig.peers.iter().any(|p| p == "bob") {
        return Err("Bob is not in the room".into());
    }
    let mut d = Driver::bind(net.bind, net.config()?.with_frames(true))
        .await
        .map_err(|e| e.to_string())?;
    let ch = d
        .peer
        .create_data_channel("chat", ChannelOptions::default())
        .map_err(|e| e.to_string())?;
    let audio = d
        .peer
        .add_track(MediaKind::Audio, "alice")
        .map_err(|e| e.to_string())?;
    let video = d
        .peer
        .add_track(MediaKind::Video, "alice")
        .map_err(|e| e.to_string())?;
    let offer = d.peer.create_offer().map_err(|e| e.to_string())?;
    d.peer
        .set_local_description(&offer)
        .map_err(|e| e.to_string())?;
    d.gather(Duration::from_secs(5))
        .await
        .map_err(|e| e.to_string())?;
    let sdp = d.peer.local_description().ok_or("no description")?.sdp;
    sig.send_to("offer", "bob", json!({ "sdp": sdp })).await?;
    tl.log("alice", "calling bob (offer sent over WebSocket)");
    let answer = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let v = sig.recv().await?;
            match v["type"].as_str() {
                Some("answer") if v["from"] == "bob" => {
                    return Ok::<String, String>(v["sdp"].as_str().unwrap_or("").to_owned());
                }
                Some("error" | "bye") => return Err(format!("call refused: {v}")),
                _ => {}
            }
        }
    })
    .await
    .map_err(|_| "no answer from Bob".to_owned())??;
    tl.log("alice", "answer received over WebSocket");
    d.peer
        .set_remote_description(&Description::answer(answer))
        .map_err(|e| e.to_string())?;
    let mut events = Vec::new();
    let mut replies = 0;
    let end = Instant::now() + media_seconds + Duration::from_secs(20);
    let mut media = Media::new(audio, video, media_seconds);
    let mut counter = FrameCounter::default();
    // Bob sends as long as we do; allow a little loss before hanging up anyway.
    let want = [
        frames_in(MediaKind::Audio, media_seconds) * 9 / 10,
        frames_in(MediaKind::Video, media_seconds) * 9 / 10,
    ];
    let mut grace: Option<Instant> = None;
    while Instant::now() < end {
        d.step(Duration::from_millis(5), &mut events)
            .await
            .map_err(|e| e.to_string())?;
        media.tick(&mut d.peer, &tl, "alice");
        // Hang up once the chat is over, our media is sent and Bob's has arrived.
        if replies == ALICE_LINES.len() && media.done() {
            let got = counter.frames[0] >= want[0] && counter.frames[1] >= want[1];
            let waited = grace.get_or_insert_with(Instant::now).elapsed() > Duration::from_secs(2);
            if got || waited {
                let report = Report {
                    stats: d.peer.stats(),
                    w3c: d.peer.stats_report(Instant::now()),
                    sent: media.sent(),
                    received: counter,
                    keyframe_requests: media.loopers[1].keyframe_requests,
                };
                d.peer.close();
                d.flush().await.map_err(|e| e.to_string())?;
                let _ = sig.send_to("bye", "bob", json!({})).await;
                sig.close().await;
                tl.log("alice", "hung up (bye sent over WebSocket)");
                return Ok(report);
            }
        }
        for e in events.drain(..) {
            tl.event("alice", &e);
            match e {
                Event::ConnectionStateChanged(ConnectionState::Connected) => {
                    media.start = Some(Instant::now());
                }
                Event::Media(p) => counter.packet(&p),
                Event::Frame(f) => received(&mut counter, &f, &tl, "alice"),
                Event::KeyframeRequest(t) => media.keyframe_request(t),
                Event::ChannelOpen(id) if id == ch => {
                    d.peer
                        .send_text(ch, ALICE_LINES[0])
                        .map_err(|e| e.to_string())?;
                    tl.log("alice", format!("chat -> {:?}", ALICE_LINES[0]));
                }
                Event::ChannelMessage { data, .. } => {
                    tl.log(
                        "alice",
                        format!("chat <- {:?}", String::from_utf8_lossy(&data)),
                    );
                    replies += 1;
                    if replies == ALICE_LINES.len() {
                        continue;
                    }
                    d.peer
                        .send_text(ch, ALICE_LINES[replies])
                        .map_err(|e| e.to_string())?;
                    tl.log("alice", format!("chat -> {:?}", ALICE_LINES[replies]));
                }
                Event::ConnectionStateChanged(ConnectionState::Failed) => {
                    return Err("Alice's connection failed".into());
                }
                _ => {}
            }
        }
    }
    Err("Alice timed out".into())
}

fn print_report(who: &str, r: &Report) {
    let s = &r.stats;
    out!(
        "  {who:<5} datagrams {}/{} (sent/received), bytes {}/{}, channel messages {}/{}, pair {}, SCTP srtt {}",
        s.datagrams_sent,
        s.datagrams_received,
        s.bytes_sent,
        s.bytes_received,
        s.dc_messages_sent,
        s.dc_messages_received,
        s.selected_pair
            .map_or("-".to_owned(), |(l, r)| format!("{l} -> {r}")),
        s.sctp_srtt.map_or("-".to_owned(), |d| format!("{d:?}")),
    );
    out!(
        "        RTP packets {}/{} (sent/received), RTP bytes {}/{}, NACKs sent {}, retransmitted {}, PLIs sent {}, SRTP dropped {}",
        s.rtp_packets_sent,
        s.rtp_packets_received,
        s.rtp_bytes_sent,
        s.rtp_bytes_received,
        s.nacks_sent,
        s.rtp_retransmitted,
        s.plis_sent,
        s.srtp_dropped
    );
    out!(
        "        media frames sent: audio {} video {}; received: audio {} video {} (keyframes {}); keyframe requests honoured {}",
        r.sent[0],
        r.sent[1],
        r.received.frames[0],
        r.received.frames[1],
        r.received.keyframes,
        r.keyframe_requests,
    );
    for l in w3c_lines(&r.w3c) {
        out!("        {l}");
    }
}

/// The W3C-shaped records (webrtc-stats member names), one line each.
fn w3c_lines(r: &StatsReport) -> Vec<String> {
    let opt =
        |v: Option<f64>, scale: f64| v.map_or("-".to_owned(), |v| format!("{:.3}", v * scale));
    let mut out = Vec::new();
    for rec in &r.records {
        let line = match rec {
            StatsRecord::Transport(t) => format!(
                "transport: dtlsState {}, dtlsRole {}, tlsVersion {}, dtlsCipher {}, srtpCipher {}, packetsSent {}, packetsReceived {}",
                t.dtls_state,
                t.dtls_role,
                t.tls_version.unwrap_or("-"),
                t.dtls_cipher.as_deref().unwrap_or("-"),
                t.srtp_cipher.unwrap_or("-"),
                t.packets_sent,
                t.packets_received,
            ),
            StatsRecord::CandidatePair(p) if p.nominated => format!(
                "candidate-pair (nominated): state {}, currentRoundTripTime {} ms, requestsSent {}, responsesReceived {}",
                p.state,
                opt(p.current_round_trip_time, 1e3),
                p.requests_sent,
                p.responses_received,
            ),
            StatsRecord::OutboundRtp(o) => format!(
                "outbound-rtp {} {}: packetsSent {}, framesSent {}, retransmittedPacketsSent {}, nackCount {}, pliCount {}",
                o.kind,
                o.mime_type.as_deref().unwrap_or("-"),
                o.packets_sent,
                o.frames_sent,
                o.retransmitted_packets_sent,
                o.nack_count,
                o.pli_count,
            ),
            StatsRecord::InboundRtp(i) => format!(
                "inbound-rtp {} {}: packetsReceived {}, packetsLost {}, jitter {} ms, framesReceived {}, keyFramesReceived {}, nackCount {}",
                i.kind,
                i.mime_type.as_deref().unwrap_or("-"),
                i.packets_received,
                i.packets_lost,
                opt(Some(i.jitter), 1e3),
                i.frames_received.map_or("-".to_owned(), |v| v.to_string()),
                i.key_frames_received
                    .map_or("-".to_owned(), |v| v.to_string()),
                i.nack_count,
            ),
            StatsRecord::RemoteInboundRtp(i) => format!(
                "remote-inbound-rtp {}: packetsLost {}, fractionLost {}, roundTripTime {} ms",
                i.kind,
                i.packets_lost,
                i.fraction_lost,
                opt(i.round_trip_time, 1e3),
            ),
            StatsRecord::DataChannel(c) => format!(
                "data-channel '{}': state {}, messagesSent {}, messagesReceived {}",
                c.label, c.state, c.messages_sent, c.messages_received,
            ),
            _ => continue,
        };
        out.push(line);
    }
    out
}

/// What `strata demo` was asked to do.
#[derive(Debug, Clone)]
pub struct DemoArgs {
    /// Signaling server address.
    pub listen: SocketAddr,
    /// Seconds of audio and video each way.
    pub media_seconds: Duration,
    /// Keep the server and the bot running until Ctrl-C.
    pub serve: bool,
    /// Network flags for every peer.
    pub net: NetArgs,
}

/// Starts the server; with `serve`, the bot too. Returns the address.
async fn start_server(args: &DemoArgs, state: ServerState) -> Result<SocketAddr, String> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        // Signaling messages are small and interactive: without TCP_NODELAY, Nagle and the
        // peer's delayed ACK hold each one back about 40 ms.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let _ = axum::serve(listener, router(state)).await;
    });
    Ok(addr)
}

/// Runs the whole call; `Err` if any phase fails.
pub async fn run(args: DemoArgs) -> Result<(), String> {
    let tl = Timeline {
        t0: Instant::now(),
        entries: Arc::new(Mutex::new(Vec::new())),
    };
    let state = ServerState::default();
    let addr = start_server(&args, state.clone()).await?;
    let ws = format!("ws://{addr}/ws");
    tl.log(
        "server",
        format!("signaling server on http://{addr} (WebSocket {ws})"),
    );
    if args.serve {
        let (joined_tx, joined_rx) = oneshot::channel();
        tokio::spawn(crate::bot::run(
            ws.clone(),
            crate::bot::NAME.to_owned(),
            args.net.clone(),
            state.bot.clone(),
            joined_tx,
        ));
        joined_rx
            .await
            .map_err(|_| "the bot could not join its room".to_owned())?;
        out!(
            "open http://{addr}/ in a browser to call the echo bot (room '{}')",
            crate::bot::NAME
        );
        let _ = std::io::stdout().flush();
    }
    let result = call(&args, &ws, &tl).await;
    if args.serve {
        if let Err(e) = &result {
            eprintln!("strata demo: {e}");
        }
        out!("serving http://{addr}/ until Ctrl-C");
        let _ = std::io::stdout().flush();
        tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    }
    result
}

async fn call(args: &DemoArgs, ws: &str, tl: &Timeline) -> Result<(), String> {
    let (ready_tx, ready_rx) = oneshot::channel();
    let bob = tokio::spawn(bob(
        ws.to_owned(),
        args.net.clone(),
        args.media_seconds,
        tl.clone(),
        ready_tx,
    ));
    if ready_rx.await.is_err() {
        let e = bob.await.map_err(|e| e.to_string())?.err();
        return Err(format!("Bob failed to join: {}", e.unwrap_or_default()));
    }
    let a = alice(
        ws.to_owned(),
        args.net.clone(),
        args.media_seconds,
        tl.clone(),
    )
    .await;
    if a.is_err() {
        bob.abort();
    }
    let b = bob.await.map_err(|e| e.to_string());
    out!("strata demo: Alice calls Bob\n\ntimeline (ms since start):");
    let mut entries = tl.entries.lock().expect("not poisoned").clone();
    entries.sort_by_key(|e| e.0);
    for (t, who, what) in &entries {
        out!("  {:>9.3}  {who:<6} {what}", t.as_secs_f64() * 1e3);
    }
    let (a, b) = (a?, b??);
    out!("\nstats:");
    print_report("alice", &a);
    print_report("bob", &b);
    // Each side must get most of what the other sent, and video must start decodable.
    for (who, rx, tx) in [("alice", &a, &b), ("bob", &b, &a)] {
        for (i, kind) in ["audio", "video"].into_iter().enumerate() {
            if tx.sent[i] == 0 || rx.received.frames[i] * 10 < tx.sent[i] * 8 {
                return Err(format!(
                    "{who} received {} of {} {kind} frames",
                    rx.received.frames[i], tx.sent[i]
                ));
            }
        }
        if rx.received.keyframes == 0 {
            return Err(format!("{who} received no VP8 keyframe"));
        }
    }
    out!(
        "\nok: the call connected, {} chat lines and audio+video went each way",
        ALICE_LINES.len()
    );
    Ok(())
}
