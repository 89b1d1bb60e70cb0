//! The echo bot: joins a signaling room over WebSocket as `bot`, answers every offer sent
//! to it with a peer that echoes data-channel messages and reflects media (the same peer as
//! `strata answer`), and applies trickled candidates and `bye`.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use serde_json::json;
use tokio::sync::mpsc;

use crate::answer::{Control, Counters, accept_offer, run_echo};
use crate::net::NetArgs;
use crate::signal::Client;

/// The bot's name in its room.
pub const NAME: &str = "bot";

/// Joins `room` at `ws_url` and serves calls until the signaling connection ends. `joined`
/// fires once the bot is in the room.
pub async fn run(
    ws_url: String,
    room: String,
    net: NetArgs,
    counters: Arc<Counters>,
    joined: tokio::sync::oneshot::Sender<()>,
) -> Result<(), String> {
    let mut sig = Client::join(&ws_url, &room, NAME).await?;
    let _ = joined.send(());
    // One running call per caller; a new offer from the same caller replaces the old call.
    let mut calls: HashMap<String, mpsc::Sender<Control>> = HashMap::new();
    loop {
        let v = sig.recv().await?;
        let kind = v["type"].as_str().unwrap_or("");
        let from = v["from"]
            .as_str()
            .or_else(|| v["name"].as_str())
            .unwrap_or("")
            .to_owned();
        match kind {
            "offer" => {
                counters.offers.fetch_add(1, Relaxed);
                if let Some(old) = calls.remove(&from) {
                    let _ = old.try_send(Control::Bye);
                }
                let sdp = v["sdp"].as_str().unwrap_or("");
                match accept_offer(&net, sdp).await {
                    Ok((d, r, answer)) => {
                        counters.answered.fetch_add(1, Relaxed);
                        sig.send_to("answer", &from, json!({ "sdp": answer }))
                            .await?;
                        let (tx, rx) = mpsc::channel(64);
                        calls.insert(from, tx);
                        let c = counters.clone();
                        tokio::spawn(async move {
                            c.active.fetch_add(1, Relaxed);
                            run_echo(d, r, &c, Some(rx)).await;
                            c.active.fetch_sub(1, Relaxed);
                        });
                    }
                    Err(e) => {
                        counters.rejected.fetch_add(1, Relaxed);
                        sig.send_to("bye", &from, json!({ "reason": e })).await?;
                    }
                }
            }
            "candidate" => {
                let line = v["candidate"].as_str().unwrap_or("").to_owned();
                if let Some(tx) = calls.get(&from) {
                    let _ = tx.try_send(Control::Candidate(line));
                }
            }
            "bye" | "peer-left" => {
                if let Some(tx) = calls.remove(&from) {
                    let _ = tx.try_send(Control::Bye);
                }
            }
            _ => {}
        }
        // Calls that ended on their own.
        calls.retain(|_, tx| !tx.is_closed());
    }
}
