//! `strata demo`: a signaling server on loopback (HTTP, rooms by name); Bob registers and
//! waits; Alice calls Bob; they chat over a data channel; the timeline and stats are printed.
//!
//! Signaling routes: `POST /register/{name}`, `GET /poll/{name}` (long poll: a JSON call or
//! 204), `POST /call/{callee}/{caller}` (body: offer; 201 with the answer),
//! `POST /answer/{id}` (body: answer), `GET /health`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use webrtc_peer::{
    ChannelOptions, ConnectionState, Description, Event, MediaKind, Peer, Stats, TrackId,
};

use crate::driver::Driver;
use crate::http;
use crate::net::NetArgs;

#[derive(Serialize, Deserialize, Debug)]
struct Call {
    id: u64,
    from: String,
    sdp: String,
}

type Inbox = Arc<tokio::sync::Mutex<mpsc::Receiver<Call>>>;

#[derive(Default)]
struct Signaling {
    senders: Mutex<HashMap<String, mpsc::Sender<Call>>>,
    inboxes: Mutex<HashMap<String, Inbox>>,
    waiting: Mutex<HashMap<u64, oneshot::Sender<String>>>,
    next: AtomicU64,
}

async fn register(State(s): State<Arc<Signaling>>, Path(name): Path<String>) -> Response {
    let (tx, rx) = mpsc::channel(16);
    s.senders
        .lock()
        .expect("not poisoned")
        .insert(name.clone(), tx);
    s.inboxes
        .lock()
        .expect("not poisoned")
        .insert(name, Arc::new(tokio::sync::Mutex::new(rx)));
    "registered\n".into_response()
}

async fn poll(State(s): State<Arc<Signaling>>, Path(name): Path<String>) -> Response {
    let inbox = s.inboxes.lock().expect("not poisoned").get(&name).cloned();
    let Some(inbox) = inbox else {
        return (StatusCode::NOT_FOUND, "not registered\n").into_response();
    };
    let mut rx = inbox.lock().await;
    match tokio::time::timeout(Duration::from_secs(25), rx.recv()).await {
        Ok(Some(call)) => axum::Json(call).into_response(),
        _ => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn call(
    State(s): State<Arc<Signaling>>,
    Path((callee, caller)): Path<(String, String)>,
    sdp: String,
) -> Response {
    let tx = s
        .senders
        .lock()
        .expect("not poisoned")
        .get(&callee)
        .cloned();
    let Some(tx) = tx else {
        return (StatusCode::NOT_FOUND, "callee not registered\n").into_response();
    };
    let id = s.next.fetch_add(1, Relaxed);
    let (atx, arx) = oneshot::channel();
    s.waiting.lock().expect("not poisoned").insert(id, atx);
    if tx
        .send(Call {
            id,
            from: caller,
            sdp,
        })
        .await
        .is_err()
    {
        return (StatusCode::GONE, "callee left\n").into_response();
    }
    match tokio::time::timeout(Duration::from_secs(10), arx).await {
        Ok(Ok(answer)) => (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/sdp")],
            answer,
        )
            .into_response(),
        _ => {
            s.waiting.lock().expect("not poisoned").remove(&id);
            (StatusCode::GATEWAY_TIMEOUT, "no answer\n").into_response()
        }
    }
}

async fn answer(State(s): State<Arc<Signaling>>, Path(id): Path<u64>, sdp: String) -> Response {
    match s.waiting.lock().expect("not poisoned").remove(&id) {
        Some(tx) => {
            let _ = tx.send(sdp);
            "delivered\n".into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such call\n").into_response(),
    }
}

/// The signaling server's routes.
fn router() -> Router {
    Router::new()
        .route("/register/{name}", post(register))
        .route("/poll/{name}", get(poll))
        .route("/call/{callee}/{caller}", post(call))
        .route("/answer/{id}", post(answer))
        .route("/health", get(|| async { "ok" }))
        .route(
            "/",
            get(|| async { "strata signaling server: POST /register/{name}, GET /poll/{name}, POST /call/{callee}/{caller}, POST /answer/{id}\n" }),
        )
        .with_state(Arc::new(Signaling::default()))
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
            _ => return,
        };
        self.log(who, what);
    }
}

/// Synthetic media: 0.5 s of 20 ms audio frames and 30 fps video frames per track, sent
/// once connected. (The payloads are not real Opus/VP8 bitstreams.)
struct MediaSender {
    start: Option<Instant>,
    sent: [u32; 2],
}

impl MediaSender {
    const AUDIO: (Duration, usize, u32) = (Duration::from_millis(20), 25, 960);
    const VIDEO: (Duration, usize, u32) = (Duration::from_millis(33), 15, 3000);

    fn tick(&mut self, peer: &mut Peer, tl: &Timeline, who: &'static str) {
        let Some(start) = self.start else { return };
        for (i, (every, count, ts)) in [Self::AUDIO, Self::VIDEO].into_iter().enumerate() {
            while (self.sent[i] as usize) < count && start + every * self.sent[i] <= Instant::now()
            {
                let n = self.sent[i];
                let frame = vec![n as u8; if i == 0 { 120 } else { 1000 }];
                if peer
                    .send_rtp(TrackId(i as u32), &frame, n * ts, true)
                    .is_ok()
                    && n == 0
                {
                    tl.log(
                        who,
                        if i == 0 {
                            "first audio frame sent"
                        } else {
                            "first video frame sent"
                        },
                    );
                }
                self.sent[i] += 1;
            }
        }
    }

    fn done(&self) -> bool {
        self.sent[0] as usize == Self::AUDIO.1 && self.sent[1] as usize == Self::VIDEO.1
    }
}

fn first_media(seen: &mut [bool; 2], kind: MediaKind, tl: &Timeline, who: &'static str) {
    let i = usize::from(kind == MediaKind::Video);
    if !seen[i] {
        seen[i] = true;
        tl.log(who, format!("first {} frame received", kind.as_str()));
    }
}

const ALICE_LINES: [&str; 3] = [
    "Hi Bob, it's Alice. Can you hear me?",
    "Great. This is a Strata data channel: SCTP in DTLS over ICE.",
    "Bye for now!",
];

async fn bob(
    base: String,
    net: NetArgs,
    tl: Timeline,
    ready: oneshot::Sender<()>,
) -> Result<Stats, String> {
    let r = http::request("POST", &format!("{base}/register/bob"), "text/plain", "")
        .await
        .map_err(|e| e.to_string())?;
    if r.status != 200 {
        return Err(format!("register: {}", r.status));
    }
    tl.log("bob", "registered with the signaling server");
    let _ = ready.send(());
    let call: Call = loop {
        let r = http::request("GET", &format!("{base}/poll/bob"), "text/plain", "")
            .await
            .map_err(|e| e.to_string())?;
        if r.status == 200 {
            break serde_json::from_str(&r.body).map_err(|e| e.to_string())?;
        }
    };
    tl.log("bob", format!("incoming call from {}", call.from));
    let mut d = Driver::bind(net.bind, net.config()?)
        .await
        .map_err(|e| e.to_string())?;
    d.peer
        .set_remote_description(&Description::offer(call.sdp))
        .map_err(|e| e.to_string())?;
    d.peer
        .add_track(MediaKind::Audio, "bob")
        .map_err(|e| e.to_string())?;
    d.peer
        .add_track(MediaKind::Video, "bob")
        .map_err(|e| e.to_string())?;
    let a = d.peer.create_answer().map_err(|e| e.to_string())?;
    d.peer
        .set_local_description(&a)
        .map_err(|e| e.to_string())?;
    d.gather(Duration::from_secs(5))
        .await
        .map_err(|e| e.to_string())?;
    let sdp = d.peer.local_description().ok_or("no description")?.sdp;
    http::request(
        "POST",
        &format!("{base}/answer/{}", call.id),
        "application/sdp",
        &sdp,
    )
    .await
    .map_err(|e| e.to_string())?;
    tl.log("bob", "answer sent");
    let mut events = Vec::new();
    let end = Instant::now() + Duration::from_secs(20);
    let mut stats = d.peer.stats();
    let mut media = MediaSender {
        start: None,
        sent: [0; 2],
    };
    let mut seen = [false; 2];
    while Instant::now() < end {
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
                Event::Media(p) => {
                    first_media(&mut seen, p.kind, &tl, "bob");
                    stats = d.peer.stats();
                }
                Event::ChannelMessage { id, data, .. } => {
                    let text = String::from_utf8_lossy(&data).into_owned();
                    tl.log("bob", format!("chat <- {text:?}"));
                    let reply = format!("Bob here, got {} bytes: loud and clear.", data.len());
                    d.peer.send_text(id, &reply).map_err(|e| e.to_string())?;
                    tl.log("bob", format!("chat -> {reply:?}"));
                    stats = d.peer.stats();
                }
                Event::ConnectionStateChanged(ConnectionState::Closed) => return Ok(stats),
                Event::ConnectionStateChanged(ConnectionState::Failed) => {
                    return Err("Bob's connection failed".into());
                }
                _ => {}
            }
        }
    }
    Err("Bob timed out".into())
}

async fn alice(base: String, net: NetArgs, tl: Timeline) -> Result<Stats, String> {
    let mut d = Driver::bind(net.bind, net.config()?)
        .await
        .map_err(|e| e.to_string())?;
    let ch = d
        .peer
        .create_data_channel("chat", ChannelOptions::default())
        .map_err(|e| e.to_string())?;
    d.peer
        .add_track(MediaKind::Audio, "alice")
        .map_err(|e| e.to_string())?;
    d.peer
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
    tl.log("alice", "calling bob (offer sent)");
    let r = http::request(
        "POST",
        &format!("{base}/call/bob/alice"),
        "application/sdp",
        &sdp,
    )
    .await
    .map_err(|e| e.to_string())?;
    if r.status != 201 {
        return Err(format!("call: status {}: {}", r.status, r.body.trim()));
    }
    tl.log("alice", "answer received");
    d.peer
        .set_remote_description(&Description::answer(r.body))
        .map_err(|e| e.to_string())?;
    let mut events = Vec::new();
    let mut replies = 0;
    let end = Instant::now() + Duration::from_secs(20);
    let mut media = MediaSender {
        start: None,
        sent: [0; 2],
    };
    let mut seen = [false; 2];
    let mut media_in = 0;
    while Instant::now() < end {
        d.step(Duration::from_millis(5), &mut events)
            .await
            .map_err(|e| e.to_string())?;
        media.tick(&mut d.peer, &tl, "alice");
        // Hang up once the chat is over, our media is sent and Bob's has arrived.
        let want = MediaSender::AUDIO.1 + MediaSender::VIDEO.1;
        if replies == ALICE_LINES.len() && media.done() && media_in >= want {
            let stats = d.peer.stats();
            d.peer.close();
            d.flush().await.map_err(|e| e.to_string())?;
            tl.log("alice", "hung up");
            return Ok(stats);
        }
        for e in events.drain(..) {
            tl.event("alice", &e);
            match e {
                Event::ConnectionStateChanged(ConnectionState::Connected) => {
                    media.start = Some(Instant::now());
                }
                Event::Media(p) => {
                    media_in += 1;
                    first_media(&mut seen, p.kind, &tl, "alice");
                }
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

fn print_stats(who: &str, s: &Stats) {
    println!(
        "  {who:<5} datagrams {}/{} (sent/received), bytes {}/{}, channel messages {}/{}, pair {}, cipher {}, SCTP srtt {}",
        s.datagrams_sent,
        s.datagrams_received,
        s.bytes_sent,
        s.bytes_received,
        s.dc_messages_sent,
        s.dc_messages_received,
        s.selected_pair
            .map_or("-".to_owned(), |(l, r)| format!("{l} -> {r}")),
        s.dtls_cipher_suite
            .map_or("-".to_owned(), |c| format!("{c:?}")),
        s.sctp_srtt.map_or("-".to_owned(), |d| format!("{d:?}")),
    );
    println!(
        "        RTP packets {}/{} (sent/received), RTP bytes {}/{}, SRTP dropped {}",
        s.rtp_packets_sent,
        s.rtp_packets_received,
        s.rtp_bytes_sent,
        s.rtp_bytes_received,
        s.srtp_dropped
    );
}

/// Runs the whole call; `Err` if any phase fails.
pub async fn run(listen: SocketAddr, net: NetArgs) -> Result<(), String> {
    let tl = Timeline {
        t0: Instant::now(),
        entries: Arc::new(Mutex::new(Vec::new())),
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router()).await;
    });
    let base = format!("http://{addr}");
    tl.log("server", format!("signaling server on {base}"));
    let (ready_tx, ready_rx) = oneshot::channel();
    let bob = tokio::spawn(bob(base.clone(), net.clone(), tl.clone(), ready_tx));
    ready_rx
        .await
        .map_err(|_| "Bob failed to register".to_owned())?;
    let a = alice(base, net, tl.clone()).await;
    let b = bob.await.map_err(|e| e.to_string())?;
    println!("strata demo: Alice calls Bob\n\ntimeline (ms since start):");
    let mut entries = tl.entries.lock().expect("not poisoned").clone();
    entries.sort_by_key(|e| e.0);
    for (t, who, what) in &entries {
        println!("  {:>9.3}  {who:<6} {what}", t.as_secs_f64() * 1e3);
    }
    let (a, b) = (a?, b?);
    println!("\nstats:");
    print_stats("alice", &a);
    print_stats("bob", &b);
    if a.rtp_packets_received == 0 || b.rtp_packets_received == 0 {
        return Err("media did not flow both ways".into());
    }
    println!(
        "\nok: the call connected, {} chat lines and audio+video went each way",
        ALICE_LINES.len()
    );
    Ok(())
}
