//! WebSocket signaling with rooms: the server side (an axum route) and a client.
//!
//! Every message is one JSON text frame with a `type`:
//!
//! | from a client | the server |
//! |---|---|
//! | `{"type":"join","room":R,"name":N}` | replies `{"type":"joined","room":R,"name":N,"peers":[..]}` and tells the others `{"type":"peer-joined","name":N}` |
//! | `{"type":"offer"\|"answer"\|"candidate"\|"bye","to":M,...}` | relays the whole object to member `M` of the room, with `"from":N` added |
//! | anything else, or before `join` | replies `{"type":"error","message":...}` |
//!
//! When a client leaves, the others get `{"type":"peer-left","name":N}`. Room and member counts,
//! names, message sizes and each client's outgoing queue are bounded.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// Largest signaling message, in bytes (an SDP with many candidates fits easily).
pub const MAX_MESSAGE: usize = 64 * 1024;
/// Rooms at most.
pub const MAX_ROOMS: usize = 256;
/// Members per room at most.
pub const MAX_MEMBERS: usize = 16;
/// Messages queued towards one client at most; beyond it, messages to it are dropped.
pub const QUEUE: usize = 64;

/// The rooms and counters the WebSocket route shares.
#[derive(Default)]
pub struct Rooms {
    rooms: Mutex<HashMap<String, HashMap<String, mpsc::Sender<String>>>>,
    /// Messages relayed between members.
    pub relayed: AtomicU64,
    /// Messages dropped because the receiver's queue was full.
    pub dropped: AtomicU64,
    /// Clients that joined a room.
    pub joins: AtomicU64,
}

fn valid_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

fn error(message: &str) -> String {
    json!({"type": "error", "message": message}).to_string()
}

impl Rooms {
    /// Member names of a room.
    pub fn members(&self, room: &str) -> Vec<String> {
        let rooms = self.rooms.lock().expect("not poisoned");
        let mut v: Vec<String> = rooms
            .get(room)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    fn join(
        &self,
        room: &str,
        name: &str,
        tx: mpsc::Sender<String>,
    ) -> Result<Vec<String>, &'static str> {
        if !valid_name(room) || !valid_name(name) {
            return Err("room and name: 1 to 64 of [A-Za-z0-9._-]");
        }
        let mut rooms = self.rooms.lock().expect("not poisoned");
        if !rooms.contains_key(room) && rooms.len() >= MAX_ROOMS {
            return Err("too many rooms");
        }
        let members = rooms.entry(room.to_owned()).or_default();
        if members.contains_key(name) {
            return Err("name taken in this room");
        }
        if members.len() >= MAX_MEMBERS {
            return Err("room full");
        }
        let mut peers: Vec<String> = members.keys().cloned().collect();
        peers.sort();
        let note = json!({"type": "peer-joined", "name": name}).to_string();
        for m in members.values() {
            self.push(m, note.clone());
        }
        members.insert(name.to_owned(), tx);
        self.joins.fetch_add(1, Relaxed);
        Ok(peers)
    }

    fn leave(&self, room: &str, name: &str) {
        let mut rooms = self.rooms.lock().expect("not poisoned");
        let Some(members) = rooms.get_mut(room) else {
            return;
        };
        members.remove(name);
        let note = json!({"type": "peer-left", "name": name}).to_string();
        for m in members.values() {
            self.push(m, note.clone());
        }
        if members.is_empty() {
            rooms.remove(room);
        }
    }

    fn push(&self, to: &mpsc::Sender<String>, msg: String) -> bool {
        let ok = to.try_send(msg).is_ok();
        if !ok {
            self.dropped.fetch_add(1, Relaxed);
        }
        ok
    }

    fn relay(&self, room: &str, from: &str, mut msg: Value) -> Result<(), &'static str> {
        let to = msg
            .get("to")
            .and_then(Value::as_str)
            .ok_or("missing \"to\"")?
            .to_owned();
        msg["from"] = from.into();
        let rooms = self.rooms.lock().expect("not poisoned");
        let tx = rooms
            .get(room)
            .and_then(|m| m.get(&to))
            .ok_or("no such peer in this room")?;
        if !self.push(tx, msg.to_string()) {
            return Err("peer's queue is full");
        }
        self.relayed.fetch_add(1, Relaxed);
        Ok(())
    }
}

/// `GET /ws`: upgrades to a WebSocket signaling session.
pub async fn ws_route(State(rooms): State<Arc<Rooms>>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| session(rooms, socket))
}

async fn session(rooms: Arc<Rooms>, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::channel::<String>(QUEUE);
    let writer = tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            if sink.send(Message::Text(m.into())).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let mut me: Option<(String, String)> = None;
    while let Some(Ok(msg)) = stream.next().await {
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(_) => break,
            Message::Binary(_) => {
                rooms.push(&tx, error("text frames only"));
                continue;
            }
            _ => continue, // ping/pong: axum answers pings itself
        };
        let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else {
            rooms.push(&tx, error("not JSON"));
            continue;
        };
        let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
        match (kind, &me) {
            ("join", None) => {
                let room = v.get("room").and_then(Value::as_str).unwrap_or("");
                let name = v.get("name").and_then(Value::as_str).unwrap_or("");
                match rooms.join(room, name, tx.clone()) {
                    Ok(peers) => {
                        rooms.push(
                            &tx,
                            json!({"type": "joined", "room": room, "name": name, "peers": peers})
                                .to_string(),
                        );
                        me = Some((room.to_owned(), name.to_owned()));
                    }
                    Err(e) => {
                        rooms.push(&tx, error(e));
                    }
                }
            }
            ("join", Some(_)) => {
                rooms.push(&tx, error("already joined"));
            }
            ("offer" | "answer" | "candidate" | "bye", Some((room, name))) => {
                if let Err(e) = rooms.relay(room, name, v) {
                    rooms.push(&tx, error(e));
                }
            }
            (_, None) => {
                rooms.push(&tx, error("join a room first"));
            }
            _ => {
                rooms.push(&tx, error("unknown type"));
            }
        }
    }
    if let Some((room, name)) = me {
        rooms.leave(&room, &name);
    }
    drop(tx);
    // Let queued messages (an error, a last answer) go out, briefly.
    let _ = tokio::time::timeout(Duration::from_secs(1), writer).await;
}

/// A signaling client over `tokio-tungstenite`.
pub struct Client {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    /// Names already in the room when we joined.
    pub peers: Vec<String>,
}

impl Client {
    /// Connects to `url` (`ws://HOST:PORT/ws`) and joins `room` as `name`.
    pub async fn join(url: &str, room: &str, name: &str) -> Result<Client, String> {
        // disable_nagle: signaling messages are small and must not wait for a delayed ACK.
        let (ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let mut c = Client {
            ws,
            peers: Vec::new(),
        };
        c.send(json!({"type": "join", "room": room, "name": name}))
            .await?;
        let v = c.recv().await?;
        if v["type"] != "joined" {
            return Err(format!("join refused: {v}"));
        }
        c.peers = v["peers"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok(c)
    }

    /// Sends one message.
    pub async fn send(&mut self, v: Value) -> Result<(), String> {
        self.ws
            .send(tokio_tungstenite::tungstenite::Message::text(v.to_string()))
            .await
            .map_err(|e| e.to_string())
    }

    /// Sends `{"type":kind,"to":to, ...fields}`.
    pub async fn send_to(&mut self, kind: &str, to: &str, fields: Value) -> Result<(), String> {
        let mut v = json!({"type": kind, "to": to});
        if let (Some(m), Value::Object(f)) = (v.as_object_mut(), fields) {
            m.extend(f);
        }
        self.send(v).await
    }

    /// The next JSON message; `Err` when the connection ends.
    pub async fn recv(&mut self) -> Result<Value, String> {
        use tokio_tungstenite::tungstenite::Message as M;
        loop {
            match self.ws.next().await {
                Some(Ok(M::Text(t))) => {
                    return serde_json::from_str(t.as_str()).map_err(|e| e.to_string());
                }
                Some(Ok(M::Close(_))) | None => return Err("signaling connection closed".into()),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.to_string()),
            }
        }
    }

    /// Closes the connection politely.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
