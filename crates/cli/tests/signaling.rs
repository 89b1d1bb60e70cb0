//! The demo server's WebSocket rooms, in process on loopback: join, relay with `from`,
//! isolation between rooms, refusals, leave notices, bounds; and the page at `/`.

use std::net::SocketAddr;

use serde_json::json;
use strata_cli::demo::{ServerState, router};
use strata_cli::signal::{Client, MAX_MEMBERS, MAX_MESSAGE};

async fn server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router(ServerState::default()))
            .await
            .unwrap();
    });
    addr
}

async fn get(addr: SocketAddr, path: &str) -> strata_cli::http::Response {
    strata_cli::http::request("GET", &format!("http://{addr}{path}"), "text/plain", "")
        .await
        .unwrap()
}

#[tokio::test]
async fn rooms_relay_offer_answer_candidate_bye_between_members() {
    let addr = server().await;
    let url = format!("ws://{addr}/ws");
    let mut alice = Client::join(&url, "r1", "alice").await.unwrap();
    assert!(alice.peers.is_empty());
    let mut bob = Client::join(&url, "r1", "bob").await.unwrap();
    assert_eq!(bob.peers, ["alice"]);
    let v = alice.recv().await.unwrap();
    assert_eq!(v, json!({"type": "peer-joined", "name": "bob"}));

    // Each kind is relayed whole, to the named member only, with `from` set by the server
    // (a client cannot pose as someone else).
    for (kind, fields) in [
        ("offer", json!({"sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"})),
        (
            "candidate",
            json!({"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "from": "mallory"}),
        ),
        ("bye", json!({})),
    ] {
        alice.send_to(kind, "bob", fields.clone()).await.unwrap();
        let v = bob.recv().await.unwrap();
        assert_eq!(v["type"], kind);
        assert_eq!(v["from"], "alice");
        assert_eq!(v["to"], "bob");
        for (k, val) in fields.as_object().unwrap() {
            if k != "from" {
                assert_eq!(&v[k], val, "{kind}.{k}");
            }
        }
    }
    bob.send_to("answer", "alice", json!({"sdp": "answer"}))
        .await
        .unwrap();
    let v = alice.recv().await.unwrap();
    assert_eq!(
        (v["type"].as_str(), v["sdp"].as_str()),
        (Some("answer"), Some("answer"))
    );

    // Rooms are isolated: carol in r2 cannot be reached from r1, nor can a stranger.
    let carol = Client::join(&url, "r2", "carol").await.unwrap();
    assert!(carol.peers.is_empty());
    for to in ["carol", "nobody"] {
        alice
            .send_to("offer", to, json!({"sdp": "x"}))
            .await
            .unwrap();
        let v = alice.recv().await.unwrap();
        assert_eq!(v["type"], "error", "{v}");
    }
    // Unknown types are refused.
    alice
        .send(json!({"type": "shout", "to": "bob"}))
        .await
        .unwrap();
    assert_eq!(alice.recv().await.unwrap()["type"], "error");

    // Leaving is announced to the room.
    bob.close().await;
    let v = alice.recv().await.unwrap();
    assert_eq!(v, json!({"type": "peer-left", "name": "bob"}));
    // And the name is free again.
    let bob2 = Client::join(&url, "r1", "bob").await.unwrap();
    assert_eq!(bob2.peers, ["alice"]);

    let stats: serde_json::Value = serde_json::from_str(&get(addr, "/stats").await.body).unwrap();
    assert_eq!(stats["signaling"]["relayed"], 4);
    assert_eq!(stats["signaling"]["joins"], 4);
    drop(carol);
}

#[tokio::test]
async fn joins_are_checked_and_bounded() {
    let addr = server().await;
    let url = format!("ws://{addr}/ws");
    let _a = Client::join(&url, "r", "a").await.unwrap();
    // A taken name, bad names, an empty room name.
    for (room, name) in [
        ("r", "a"),
        ("r", "a b"),
        ("r", ""),
        ("", "x"),
        ("r", &"n".repeat(65)),
    ] {
        let e = Client::join(&url, room, name).await.err();
        assert!(
            e.is_some_and(|e| e.contains("join refused")),
            "{room:?} {name:?}"
        );
    }
    // A room holds MAX_MEMBERS.
    let mut members = Vec::new();
    for i in 1..MAX_MEMBERS {
        members.push(Client::join(&url, "r", &format!("m{i}")).await.unwrap());
    }
    let e = Client::join(&url, "r", "late").await.err().unwrap();
    assert!(e.contains("room full"), "{e}");
    // Relaying before joining is refused.
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    ws.send(Message::text(
        json!({"type": "offer", "to": "a"}).to_string(),
    ))
    .await
    .unwrap();
    let Some(Ok(Message::Text(t))) = ws.next().await else {
        panic!("no reply")
    };
    assert!(t.as_str().contains("join a room first"), "{t}");
    // Not JSON.
    ws.send(Message::text("{")).await.unwrap();
    let Some(Ok(Message::Text(t))) = ws.next().await else {
        panic!("no reply")
    };
    assert!(t.as_str().contains("not JSON"), "{t}");
    // A message over the bound ends the session instead of being buffered.
    ws.send(Message::text("x".repeat(MAX_MESSAGE + 1)))
        .await
        .unwrap();
    let end = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(end.is_ok(), "oversized message did not end the session");
}

#[tokio::test]
async fn page_and_health_are_served() {
    let addr = server().await;
    let r = get(addr, "/").await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.starts_with("<!doctype html>"),
        "{}",
        &r.body[..60.min(r.body.len())]
    );
    // The page speaks this server's signaling: joins over /ws and calls the bot.
    for needle in [
        "/ws",
        "\"join\"",
        "\"offer\"",
        "to: \"bot\"",
        "RTCPeerConnection",
        "createDataChannel",
        "captureStream",
        "createOscillator",
    ] {
        assert!(r.body.contains(needle), "page lacks {needle}");
    }
    assert_eq!(r.body, strata_cli::demo::PAGE);
    assert_eq!(get(addr, "/health").await.body, "ok");
}
