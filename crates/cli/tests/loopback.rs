//! `strata answer` and `strata offer` over real loopback sockets, and `strata demo`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_strata");

/// Kills the answerer when the test ends, pass or fail.
struct Answerer {
    child: Child,
    addr: String,
}

impl Drop for Answerer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn answerer() -> Answerer {
    let mut child = Command::new(BIN)
        .args(["answer", "--listen", "127.0.0.1:0", "--bind", "127.0.0.1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("strata answer starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Answerer { child, addr }
}

fn http(addr: &str, req: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn offer(addr: &str, extra: &[&str]) -> (serde_json::Value, bool) {
    let url = format!("http://{addr}/offer");
    let out = Command::new(BIN)
        .args([
            "offer",
            "--url",
            &url,
            "--bind",
            "127.0.0.1",
            "--timeout",
            "20",
        ])
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON line, got {stdout:?}");
    // DESIGN.md's key order, first to last.
    let keys = [
        "gathered_ms",
        "connected_ms",
        "dc_open_ms",
        "echo_received",
        "echo_mismatch",
        "echo_msgs_per_s",
        "echo_MBps",
        "media_sent",
        "media_received",
        "ok",
    ];
    let pos: Vec<usize> = keys
        .iter()
        .map(|k| lines[0].find(&format!("\"{k}\":")).unwrap_or(usize::MAX))
        .collect();
    assert!(
        pos.windows(2).all(|w| w[0] < w[1]),
        "key order in {}",
        lines[0]
    );
    (
        serde_json::from_str(lines[0]).unwrap(),
        out.status.success(),
    )
}

#[test]
fn offer_against_answer_echoes_200_binary_messages() {
    let a = answerer();
    assert!(
        http(
            &a.addr,
            "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .ends_with("ok")
    );
    let (v, success) = offer(&a.addr, &["--messages", "200", "--size", "1024"]);
    assert!(success, "{v}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["echo_received"], 200);
    assert_eq!(v["echo_mismatch"], 0);
    for k in [
        "gathered_ms",
        "connected_ms",
        "dc_open_ms",
        "echo_msgs_per_s",
        "echo_MBps",
    ] {
        assert!(v[k].as_f64().is_some_and(|x| x > 0.0), "{k} in {v}");
    }
    assert_eq!(v["media_sent"], 0);
    assert_eq!(v["media_received"], 0);
    let stats = http(
        &a.addr,
        "GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let body = stats.split_once("\r\n\r\n").unwrap().1;
    let s: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(s["messages_echoed"], 200);
    assert_eq!(s["bytes_echoed"], 200 * 1024);
}

#[test]
fn text_stays_text() {
    let a = answerer();
    // The client counts a binary echo of a text message as a mismatch.
    let (v, success) = offer(&a.addr, &["--messages", "50", "--size", "300", "--text"]);
    assert!(success, "{v}");
    assert_eq!(v["echo_received"], 50);
    assert_eq!(v["echo_mismatch"], 0);
}

#[test]
fn bad_offers_are_refused_and_offer_fails_without_answerer() {
    let a = answerer();
    let r = http(
        &a.addr,
        "POST /offer HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
    );
    assert!(r.starts_with("HTTP/1.1 415"), "{r}");
    let r = http(
        &a.addr,
        "POST /offer HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\nContent-Length: 8\r\nConnection: close\r\n\r\nv=0\r\nx\r\n",
    );
    assert!(r.starts_with("HTTP/1.1 400"), "{r}");
    // Nobody listening: ok is false and the exit status says so.
    let (v, success) = offer("127.0.0.1:1", &["--messages", "1"]);
    assert!(!success);
    assert_eq!(v["ok"], false);
}

#[test]
fn demo_call_completes() {
    let out = Command::new(BIN)
        .args(["demo", "--bind", "127.0.0.1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for phase in [
        "bob    joined room 'demo' over WebSocket",
        "alice  joined room 'demo' over WebSocket (members: bob)",
        "calling bob (offer sent over WebSocket)",
        "incoming call from alice",
        "answer received over WebSocket",
        "first audio frame received",
        "first video frame received",
        "ICE selected pair",
        "DTLS Connected",
        "SCTP association up",
        "remote opened data channel 'chat'",
        "chat <- \"Bye for now!\"",
        "hung up",
        // W3C-shaped records of both sides.
        "transport: dtlsState",
        "candidate-pair (nominated): state succeeded",
        "outbound-rtp video video/VP8",
        "inbound-rtp audio audio/opus",
        "data-channel 'chat': state open, messagesSent 3, messagesReceived 3",
    ] {
        assert!(stdout.contains(phase), "missing {phase:?} in\n{stdout}");
    }
    // 2 s of the clips each way: 100 Opus packets and 60 VP8 frames (two keyframes).
    let frames: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("media frames sent"))
        .collect();
    assert_eq!(frames.len(), 2, "{stdout}");
    for l in frames {
        let n: Vec<u64> = l
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|w| w.parse().ok())
            .collect();
        // sent audio, video; received audio, video; keyframes; keyframe requests
        assert!(n[0] >= 95 && n[1] >= 58, "{l}");
        assert!(n[2] * 10 >= n[0] * 9 && n[3] * 10 >= n[1] * 9, "{l}");
        assert!(n[4] >= 2, "{l}");
    }
}

#[test]
fn media_is_reflected() {
    let a = answerer();
    let (v, success) = offer(
        &a.addr,
        &[
            "--messages",
            "10",
            "--audio",
            "--video",
            "--media-seconds",
            "1",
        ],
    );
    assert!(success, "{v}");
    let sent = v["media_sent"].as_u64().unwrap();
    let got = v["media_received"].as_u64().unwrap();
    // 1 s of 50 audio + ~30 video frames; the reflector sends each back.
    assert!(sent >= 70, "{v}");
    assert!(got * 10 >= sent * 9, "{v}");
}
