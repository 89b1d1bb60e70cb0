//! A Rust caller against the reflectors, on loopback: the echo bot of `strata demo --serve`
//! reached over WebSocket signaling, and `strata answer` over HTTP. Both echo the data
//! channel, reflect VP8, and relay a keyframe request (PLI) from the caller back to the
//! caller's own video.
#![allow(clippy::disallowed_methods)] // tests read the clock

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use strata_cli::driver::Driver;
use strata_cli::media::{Looper, clip};
use strata_cli::net::NetArgs;
use strata_cli::signal::Client;
use webrtc_peer::{ChannelId, ChannelOptions, Description, Event, MediaKind};

const BIN: &str = env!("CARGO_BIN_EXE_strata");

/// Kills the child when the test ends, pass or fail.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `strata` and returns it with the first stdout line; the rest is drained.
fn start(args: &[&str]) -> (Guard, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("strata starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    (Guard(child), line.trim().to_owned())
}

fn net() -> NetArgs {
    NetArgs {
        bind: "127.0.0.1".parse().unwrap(),
        ice_servers: Vec::new(),
        relay_only: false,
    }
}

/// A caller with data channel `echo`, a video track and an audio track, its offer gathered.
async fn caller() -> (Driver, ChannelId, Looper, String) {
    let mut d = Driver::bind(net().bind, net().config().unwrap())
        .await
        .unwrap();
    let ch = d
        .peer
        .create_data_channel("echo", ChannelOptions::default())
        .unwrap();
    d.peer.add_track(MediaKind::Audio, "test").unwrap();
    let video = d.peer.add_track(MediaKind::Video, "test").unwrap();
    let offer = d.peer.create_offer().unwrap();
    d.peer.set_local_description(&offer).unwrap();
    d.gather(Duration::from_secs(5)).await.unwrap();
    let sdp = d.peer.local_description().unwrap().sdp;
    (d, ch, Looper::new(video, clip(MediaKind::Video)), sdp)
}

#[derive(Debug, Default)]
struct Outcome {
    echoes: Vec<(bool, Vec<u8>)>,
    video_received: u64,
    pli_sent: bool,
    keyframe_requested_back: bool,
}

/// Runs the call: two messages (text, binary) and VP8; once reflected video arrives, asks
/// for a keyframe on it and waits for the reflector to ask us in turn.
async fn exercise(d: &mut Driver, ch: ChannelId, mut video: Looper, answer: String) -> Outcome {
    d.peer
        .set_remote_description(&Description::answer(answer))
        .unwrap();
    let mut out = Outcome::default();
    let mut events = Vec::new();
    let mut connected = None;
    let end = Instant::now() + Duration::from_secs(15);
    while Instant::now() < end
        && !(out.echoes.len() == 2 && out.keyframe_requested_back && out.video_received >= 10)
    {
        d.step(Duration::from_millis(5), &mut events).await.unwrap();
        if let Some(c) = connected {
            video.poll(&mut d.peer, Instant::now() - c, None);
        }
        for e in events.drain(..) {
            match e {
                Event::ConnectionStateChanged(webrtc_peer::ConnectionState::Connected) => {
                    connected = Some(Instant::now());
                }
                Event::ChannelOpen(id) if id == ch => {
                    d.peer.send_text(ch, "hello bot").unwrap();
                    d.peer.send(ch, &[0, 1, 2, 255], true).unwrap();
                }
                Event::ChannelMessage { binary, data, .. } => out.echoes.push((binary, data)),
                Event::Media(p) if p.kind == MediaKind::Video => {
                    out.video_received += 1;
                    if !out.pli_sent {
                        out.pli_sent = d.peer.request_keyframe(&p.mid).is_ok();
                    }
                }
                Event::KeyframeRequest(t) if t == video.track => {
                    out.keyframe_requested_back = true;
                }
                _ => {}
            }
        }
    }
    out
}

fn check(o: &Outcome) {
    assert_eq!(
        o.echoes,
        [(false, b"hello bot".to_vec()), (true, vec![0, 1, 2, 255])],
        "{o:?}"
    );
    assert!(o.video_received >= 10, "{o:?}");
    assert!(o.pli_sent, "{o:?}");
    assert!(
        o.keyframe_requested_back,
        "the reflector did not relay our PLI to our video: {o:?}"
    );
}

async fn stats(addr: &str) -> serde_json::Value {
    let r = strata_cli::http::request("GET", &format!("http://{addr}/stats"), "text/plain", "")
        .await
        .unwrap();
    serde_json::from_str(&r.body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_serve_bot_answers_over_websocket_echoes_and_relays_keyframes() {
    let (_child, line) = start(&[
        "demo",
        "--serve",
        "--listen",
        "127.0.0.1:0",
        "--bind",
        "127.0.0.1",
        "--media-seconds",
        "0.3",
    ]);
    let addr = line
        .strip_prefix("open http://")
        .and_then(|r| r.split_once('/'))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .0
        .to_owned();
    // The page is served by the same server.
    let page = strata_cli::http::request("GET", &format!("http://{addr}/"), "text/plain", "")
        .await
        .unwrap();
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<title>Strata"));

    let mut sig = Client::join(&format!("ws://{addr}/ws"), "bot", "tester")
        .await
        .unwrap();
    assert_eq!(sig.peers, ["bot"]);
    let (d, ch, video, offer) = caller().await;
    sig.send_to("offer", "bot", json!({ "sdp": offer }))
        .await
        .unwrap();
    let v = tokio::time::timeout(Duration::from_secs(10), sig.recv())
        .await
        .expect("an answer in time")
        .unwrap();
    assert_eq!(v["type"], "answer", "{v}");
    assert_eq!(v["from"], "bot");
    let mut d = d;
    let o = exercise(&mut d, ch, video, v["sdp"].as_str().unwrap().to_owned()).await;
    check(&o);
    d.peer.close();
    d.flush().await.unwrap();
    let s = stats(&addr).await;
    assert_eq!(s["bot"]["answered"], 1, "{s}");
    assert_eq!(s["bot"]["messages_echoed"], 2, "{s}");
    assert!(
        s["bot"]["keyframe_requests_relayed"].as_u64() >= Some(1),
        "{s}"
    );
    assert!(s["bot"]["media_reflected"].as_u64() >= Some(10), "{s}");
    // The bot refuses garbage with a bye instead of dying, and keeps serving.
    sig.send_to("offer", "bot", json!({ "sdp": "v=0\r\nnonsense\r\n" }))
        .await
        .unwrap();
    let v = sig.recv().await.unwrap();
    assert_eq!(v["type"], "bye", "{v}");
    let (mut d, ch, video, offer) = caller().await;
    sig.send_to("offer", "bot", json!({ "sdp": offer }))
        .await
        .unwrap();
    let v = sig.recv().await.unwrap();
    assert_eq!(v["type"], "answer", "{v}");
    check(&exercise(&mut d, ch, video, v["sdp"].as_str().unwrap().to_owned()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_relays_keyframe_requests_to_the_source() {
    let (_child, line) = start(&["answer", "--listen", "127.0.0.1:0", "--bind", "127.0.0.1"]);
    let addr = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    let (mut d, ch, video, offer) = caller().await;
    let r = strata_cli::http::request(
        "POST",
        &format!("http://{addr}/offer"),
        "application/sdp",
        &offer,
    )
    .await
    .unwrap();
    assert_eq!(r.status, 201, "{}", r.body);
    check(&exercise(&mut d, ch, video, r.body).await);
    let s = stats(&addr).await;
    assert!(s["keyframe_requests"].as_u64() >= Some(1), "{s}");
    assert!(s["keyframe_requests_relayed"].as_u64() >= Some(1), "{s}");
    // The answering peer's W3C-shaped report, refreshed while it runs (keep ours running).
    let end = Instant::now() + Duration::from_secs(5);
    let mut events = Vec::new();
    let report = loop {
        let s = stats(&addr).await;
        let r = s["peers"][0]["report"].clone();
        let echoed = records(&r, "data-channel").any(|c| c["messagesSent"] == 2);
        if echoed || Instant::now() > end {
            break r;
        }
        let pause = Instant::now() + Duration::from_millis(100);
        while Instant::now() < pause {
            d.step(Duration::from_millis(10), &mut events)
                .await
                .unwrap();
            events.clear();
        }
    };
    let t = records(&report, "transport")
        .next()
        .expect("a transport record");
    assert_eq!(t["dtlsState"], "connected", "{report}");
    assert!(t["srtpCipher"].is_string(), "{t}");
    let dc = records(&report, "data-channel")
        .next()
        .expect("a data-channel record");
    assert_eq!(dc["label"], "echo");
    assert_eq!(dc["messagesReceived"], 2);
    assert_eq!(dc["messagesSent"], 2);
    let video_in = records(&report, "inbound-rtp")
        .find(|r| r["kind"] == "video")
        .expect("inbound video");
    let video_out = records(&report, "outbound-rtp")
        .find(|r| r["kind"] == "video")
        .expect("outbound video");
    assert!(
        video_in["packetsReceived"].as_u64() >= Some(10),
        "{video_in}"
    );
    assert!(video_out["packetsSent"].as_u64() >= Some(10), "{video_out}");
    // Our PLI reached the reflector's sender; its own PLI went to our video.
    assert!(video_out["pliCount"].as_u64() >= Some(1), "{video_out}");
    assert!(video_in["pliCount"].as_u64() >= Some(1), "{video_in}");
    d.peer.close();
    d.flush().await.unwrap();
}

fn records<'a>(
    report: &'a serde_json::Value,
    kind: &'a str,
) -> impl Iterator<Item = &'a serde_json::Value> {
    report["records"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |r| r["type"] == kind)
}
