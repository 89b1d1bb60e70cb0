//! `strata answer`: POST /offer (application/sdp) -> 201 with the answer; every data
//! channel the remote opens is echoed (text stays text, binary stays binary).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use webrtc_peer::{ConnectionState, Description, Event, MediaKind, TrackId};

use crate::driver::Driver;
use crate::net::NetArgs;

/// Counters served at GET /stats.
#[derive(Default)]
pub struct Counters {
    offers: AtomicU64,
    answered: AtomicU64,
    rejected: AtomicU64,
    active: AtomicU64,
    connected: AtomicU64,
    failed: AtomicU64,
    channels: AtomicU64,
    messages_echoed: AtomicU64,
    media_reflected: AtomicU64,
    bytes_echoed: AtomicU64,
    echo_dropped: AtomicU64,
}

/// What the handlers share.
pub struct Shared {
    net: NetArgs,
    counters: Counters,
}

/// Answers one offer: a new socket and peer, the answer after gathering, then the peer runs
/// as an echo task.
pub async fn answer_offer(shared: &Arc<Shared>, offer: &str) -> Result<String, String> {
    let config = shared.net.config()?;
    let mut d = Driver::bind(shared.net.bind, config)
        .await
        .map_err(|e| e.to_string())?;
    d.peer
        .set_remote_description(&Description::offer(offer))
        .map_err(|e| e.to_string())?;
    // The reflector: one sender per kind; each attaches to an offered section of its kind.
    for kind in [MediaKind::Audio, MediaKind::Video] {
        d.peer
            .add_track(kind, "reflector")
            .map_err(|e| e.to_string())?;
    }
    let a = d.peer.create_answer().map_err(|e| e.to_string())?;
    d.peer
        .set_local_description(&a)
        .map_err(|e| e.to_string())?;
    d.gather(Duration::from_secs(5))
        .await
        .map_err(|e| e.to_string())?;
    let sdp = d
        .peer
        .local_description()
        .ok_or("no local description")?
        .sdp;
    let s = shared.clone();
    tokio::spawn(async move {
        s.counters.active.fetch_add(1, Relaxed);
        run_echo(d, &s.counters).await;
        s.counters.active.fetch_sub(1, Relaxed);
    });
    Ok(sdp)
}

/// Echoes until the connection closes or fails.
pub async fn run_echo(mut d: Driver, c: &Counters) {
    let mut events = Vec::new();
    let mut pending: VecDeque<(webrtc_peer::ChannelId, bool, Vec<u8>)> = VecDeque::new();
    loop {
        if d.step(Duration::from_millis(100), &mut events)
            .await
            .is_err()
        {
            break;
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
                        MediaKind::Audio => TrackId(0),
                        MediaKind::Video => TrackId(1),
                    };
                    if d.peer
                        .send_rtp(t, &p.payload, p.timestamp, p.marker)
                        .is_ok()
                    {
                        c.media_reflected.fetch_add(1, Relaxed);
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
                    return;
                }
                Event::ConnectionStateChanged(ConnectionState::Closed) => {
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
    let c = &s.counters;
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
    axum::serve(listener, router(net)).await
}
