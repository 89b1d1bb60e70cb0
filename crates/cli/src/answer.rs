//! `strata answer`: POST /offer (application/sdp) -> 201 with the answer; every data
//! channel the remote opens is echoed (text stays text, binary stays binary); media is
//! reflected on a track of the same kind, and keyframe requests are relayed to the source.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use webrtc_peer::{ConnectionState, Event, MediaKind, TrackId};

use crate::driver::Driver;
use crate::net::NetArgs;

/// Counters served at GET /stats.
#[derive(Default)]
pub struct Counters {
    /// Offers received.
    pub offers: AtomicU64,
    /// Offers answered.
    pub answered: AtomicU64,
    /// Offers refused.
    pub rejected: AtomicU64,
    /// Peers running now.
    pub active: AtomicU64,
    /// Peers that connected.
    pub connected: AtomicU64,
    /// Peers that failed.
    pub failed: AtomicU64,
    /// Data channels the remotes opened.
    pub channels: AtomicU64,
    /// Messages echoed.
    pub messages_echoed: AtomicU64,
    /// RTP packets reflected.
    pub media_reflected: AtomicU64,
    /// Bytes echoed.
    pub bytes_echoed: AtomicU64,
    /// Messages that could not be echoed.
    pub echo_dropped: AtomicU64,
    /// Keyframe requests (PLI/FIR) the remotes sent about reflected video.
    pub keyframe_requests: AtomicU64,
    /// Those passed on as a PLI to the remote's own video.
    pub keyframe_requests_relayed: AtomicU64,
    /// Peers started (the id of the next one).
    pub peers: AtomicU64,
    /// The latest W3C-shaped report of the last [`MAX_REPORTS`] peers, by peer id.
    pub reports: Mutex<VecDeque<(u64, serde_json::Value)>>,
}

/// Peers whose W3C stats reports GET /stats keeps.
pub const MAX_REPORTS: usize = 8;
/// How often a running peer refreshes its report.
const REPORT_EVERY: Duration = Duration::from_millis(500);

impl Counters {
    /// Stores peer `id`'s current W3C-shaped report (`Peer::stats_report`), keeping the
    /// latest [`MAX_REPORTS`] peers.
    pub fn publish(&self, id: u64, peer: &webrtc_peer::Peer) {
        let report = serde_json::to_value(peer.stats_report(Instant::now()))
            .unwrap_or(serde_json::Value::Null);
        let mut reports = self.reports.lock().expect("not poisoned");
        match reports.iter_mut().find(|(i, _)| *i == id) {
            Some(slot) => slot.1 = report,
            None => {
                if reports.len() == MAX_REPORTS {
                    reports.pop_front();
                }
                reports.push_back((id, report));
            }
        }
    }
}

/// What the signaling side tells a running call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// A trickled remote candidate (`candidate:...`; empty: end of candidates).
    Candidate(String),
    /// The remote hung up.
    Bye,
}

/// What the handlers share.
pub struct Shared {
    net: NetArgs,
    counters: Counters,
}

/// The reflector's tracks, one per kind.
#[derive(Debug, Clone, Copy)]
pub struct Reflector {
    audio: TrackId,
    video: TrackId,
}

/// Answers one offer: a new socket and peer with a reflector track per kind, the answer SDP
/// after gathering. Run the returned driver with [`run_echo`].
pub async fn accept_offer(
    net: &NetArgs,
    offer: &str,
) -> Result<(Driver, Reflector, String), String> {
    let mut d = Driver::bind(net.bind, net.config()?)
        .await
        .map_err(|e| e.to_string())?;
    // The reflector: one sender per kind, each attached to an offered section of its kind.
    let (audio, video, sdp) = d.answer_av(offer, "reflector").await?;
    Ok((d, Reflector { audio, video }, sdp))
}

/// Answers one offer and runs the peer as an echo task.
pub async fn answer_offer(shared: &Arc<Shared>, offer: &str) -> Result<String, String> {
    let (d, r, sdp) = accept_offer(&shared.net, offer).await?;
    let s = shared.clone();
    tokio::spawn(async move {
        s.counters.active.fetch_add(1, Relaxed);
        run_echo(d, r, &s.counters, None).await;
        s.counters.active.fetch_sub(1, Relaxed);
    });
    Ok(sdp)
}

/// Echoes every data-channel message and reflects media until the connection closes or
/// fails (or `control` says [`Control::Bye`]). A keyframe request from the remote on a reflected track
/// is passed on as a PLI (RFC 4585 §6.3.1) to the remote's own track: only its encoder can
/// make one. `control` carries what signaling learns during the call.
pub async fn run_echo(
    mut d: Driver,
    r: Reflector,
    c: &Counters,
    control: Option<tokio::sync::mpsc::Receiver<Control>>,
) {
    let id = c.peers.fetch_add(1, Relaxed);
    echo_loop(&mut d, r, c, control, id).await;
    c.publish(id, &d.peer);
}

async fn echo_loop(
    d: &mut Driver,
    r: Reflector,
    c: &Counters,
    mut control: Option<tokio::sync::mpsc::Receiver<Control>>,
    id: u64,
) {
    let mut published = Instant::now();
    let mut events = Vec::new();
    let mut pending: VecDeque<(webrtc_peer::ChannelId, bool, Vec<u8>)> = VecDeque::new();
    // The section the remote's video arrives in: where a relayed PLI goes.
    let mut video_mid: Option<String> = None;
    loop {
        if d.step(Duration::from_millis(100), &mut events)
            .await
            .is_err()
        {
            break;
        }
        if published.elapsed() >= REPORT_EVERY {
            c.publish(id, &d.peer);
            published = Instant::now();
        }
        while let Some(msg) = control.as_mut().and_then(|rx| rx.try_recv().ok()) {
            match msg {
                Control::Candidate(line) => {
                    let line = line.trim_start_matches("a=");
                    let _ = d.peer.add_ice_candidate(line);
                }
                Control::Bye => {
                    d.peer.close();
                    let _ = d.flush().await;
                    return;
                }
            }
        }
        for e in events.drain(..) {
            match e {
                Event::ChannelMessage { id, binary, data } => {
                    if pending.len() < 65_536 {
                        pending.push_back((id, binary, data));
                    } else {
                        c.echo_dropped.fetch_add(1, Relaxed);
                    }
                }
                Event::Media(p) => {
                    let t = match p.kind {
                        MediaKind::Audio => r.audio,
                        MediaKind::Video => {
                            if video_mid.as_deref() != Some(p.mid.as_str()) {
                                video_mid = Some(p.mid.clone());
                            }
                            r.video
                        }
                    };
                    if d.peer
                        .send_rtp(t, &p.payload, p.timestamp, p.marker)
                        .is_ok()
                    {
                        c.media_reflected.fetch_add(1, Relaxed);
                    }
                }
                Event::KeyframeRequest(t) if t == r.video => {
                    c.keyframe_requests.fetch_add(1, Relaxed);
                    let mid = video_mid
                        .clone()
                        .or_else(|| d.peer.track_mid(t).map(str::to_owned));
                    if let Some(mid) = mid
                        && d.peer.request_keyframe(&mid).is_ok()
                    {
                        c.keyframe_requests_relayed.fetch_add(1, Relaxed);
                    }
                }
                Event::DataChannel { .. } => {
                    c.channels.fetch_add(1, Relaxed);
                }
                Event::ConnectionStateChanged(ConnectionState::Connected) => {
                    c.connected.fetch_add(1, Relaxed);
                }
                Event::ConnectionStateChanged(ConnectionState::Failed) => {
                    c.failed.fetch_add(1, Relaxed);
                    d.peer.close(); // releases TURN allocations
                    let _ = d.flush().await;
                    return;
                }
                Event::ConnectionStateChanged(ConnectionState::Closed) => {
                    // The remote hung up; closing our side too ends ICE, which deallocates
                    // any TURN allocation at once instead of leaving it to expire.
                    d.peer.close();
                    let _ = d.flush().await;
                    return;
                }
                _ => {}
            }
        }
        while let Some((id, binary, data)) = pending.front() {
            match d.peer.send(*id, data, *binary) {
                Ok(()) => {
                    c.messages_echoed.fetch_add(1, Relaxed);
                    c.bytes_echoed.fetch_add(data.len() as u64, Relaxed);
                    pending.pop_front();
                }
                Err(webrtc_peer::Error::Sctp(strata_sctp::Error::WouldBlock)) => break, // retry next turn
                Err(_) => {
                    c.echo_dropped.fetch_add(1, Relaxed);
                    pending.pop_front();
                }
            }
        }
    }
}

async fn offer(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: String,
) -> impl IntoResponse {
    s.counters.offers.fetch_add(1, Relaxed);
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("application/sdp") {
        s.counters.rejected.fetch_add(1, Relaxed);
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            [(header::CONTENT_TYPE, "text/plain")],
            "expected Content-Type: application/sdp\n".to_owned(),
        );
    }
    match answer_offer(&s, &body).await {
        Ok(sdp) => {
            s.counters.answered.fetch_add(1, Relaxed);
            (
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, "application/sdp")],
                sdp,
            )
        }
        Err(e) => {
            s.counters.rejected.fetch_add(1, Relaxed);
            (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain")],
                format!("{e}\n"),
            )
        }
    }
}

async fn stats(State(s): State<Arc<Shared>>) -> impl IntoResponse {
    stats_json(&s.counters)
}

/// The counters as JSON.
pub fn stats_json(c: &Counters) -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({
        "offers": c.offers.load(Relaxed),
        "answered": c.answered.load(Relaxed),
        "rejected": c.rejected.load(Relaxed),
        "peers_active": c.active.load(Relaxed),
        "peers_connected": c.connected.load(Relaxed),
        "peers_failed": c.failed.load(Relaxed),
        "data_channels": c.channels.load(Relaxed),
        "messages_echoed": c.messages_echoed.load(Relaxed),
        "bytes_echoed": c.bytes_echoed.load(Relaxed),
        "media_reflected": c.media_reflected.load(Relaxed),
        "echo_dropped": c.echo_dropped.load(Relaxed),
        "keyframe_requests": c.keyframe_requests.load(Relaxed),
        "keyframe_requests_relayed": c.keyframe_requests_relayed.load(Relaxed),
        "peers": c.reports.lock().expect("not poisoned").iter().map(|(id, r)| {
            serde_json::json!({"peer": id, "report": r})
        }).collect::<Vec<_>>(),
    }))
}

/// The router: POST /offer, GET /health, GET /stats.
pub fn router(net: NetArgs) -> Router {
    let shared = Arc::new(Shared {
        net,
        counters: Counters::default(),
    });
    Router::new()
        .route("/offer", post(offer))
        .route("/health", get(|| async { "ok" }))
        .route("/stats", get(stats))
        .with_state(shared)
}

/// `strata answer --listen ADDR`: prints `listening on ADDR` and serves until killed.
pub async fn run(listen: SocketAddr, net: NetArgs) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("listening on {}", listener.local_addr()?);
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true); // answers go out at once, not after a delayed ACK
    });
    axum::serve(listener, router(net)).await
}
