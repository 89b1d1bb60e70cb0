//! Interop with usrsctp 0.9.5 (Debian libusrsctp-dev): a small C echo peer on AF_CONN with
//! SCTP packets carried in UDP datagrams on 127.0.0.1, exactly what WebRTC puts inside DTLS.
//! Both sides connect at once (INIT collision), data flows both ways with fragmentation,
//! a stream is reset in both directions, and the association shuts down gracefully.
#![allow(clippy::disallowed_methods)] // real sockets and wall time against a real peer

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use strata_sctp::{Association, CloseReason, Config, Event, SendOptions};

struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn build_peer() -> std::path::PathBuf {
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("usrsctp_peer");
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/usrsctp_peer.c");
    let status = Command::new("cc")
        .args(["-O1", "-o"])
        .arg(&out)
        .arg(src)
        .args(["-lusrsctp", "-lpthread"])
        .status()
        .expect("`cc` not found: run `cargo xtask setup` (xtask/setup/40-sctp.sh)");
    assert!(
        status.success(),
        "building the usrsctp peer failed: is libusrsctp-dev installed? run `cargo xtask setup` \
         (xtask/setup/40-sctp.sh)"
    );
    out
}

struct Run {
    assoc: Association,
    sock: UdpSocket,
    events: Vec<Event>,
    buf: Vec<u8>,
}

impl Run {
    fn pump(&mut self, until: impl Fn(&[Event]) -> bool, limit: Duration) -> bool {
        let end = Instant::now() + limit;
        let mut rx = vec![0u8; 65536];
        loop {
            let now = Instant::now();
            while let Some(n) = self.assoc.poll_transmit(now, &mut self.buf) {
                self.sock.send(&self.buf[..n]).expect("udp send");
            }
            while let Some(e) = self.assoc.poll_event() {
                self.events.push(e);
            }
            if until(&self.events) {
                return true;
            }
            if now >= end {
                return false;
            }
            let wait = self
                .assoc
                .poll_timeout()
                .map_or(Duration::from_millis(20), |t| {
                    t.saturating_duration_since(now)
                })
                .clamp(Duration::from_millis(1), Duration::from_millis(20));
            self.sock.set_read_timeout(Some(wait)).unwrap();
            if let Ok(n) = self.sock.recv(&mut rx) {
                let _ = self.assoc.handle_packet(Instant::now(), &rx[..n]);
            }
            let now = Instant::now();
            if self.assoc.poll_timeout().is_some_and(|t| t <= now) {
                self.assoc.handle_timeout(now);
            }
        }
    }
}

#[test]
fn usrsctp_association_data_reset_and_shutdown() {
    let exe = build_peer();
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sock.local_addr().unwrap().port();
    let mut child = Command::new(&exe)
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start usrsctp peer");
    let stdout = child.stdout.take().unwrap();
    let _peer = Peer(child);
    let (tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let first = lines
        .recv_timeout(Duration::from_secs(10))
        .expect("peer port");
    let peer_port: u16 = first.strip_prefix("PORT ").unwrap().parse().unwrap();
    sock.connect(("127.0.0.1", peer_port)).unwrap();

    let mut cfg = Config::default();
    cfg.rto_initial = Duration::from_millis(300);
    let mut run = Run {
        assoc: Association::new(cfg, Instant::now()),
        sock,
        events: Vec::new(),
        buf: Vec::new(),
    };
    run.assoc.connect(Instant::now()).unwrap();
    assert!(
        run.pump(|e| e.contains(&Event::Connected), Duration::from_secs(10)),
        "no association with usrsctp: {:?}",
        run.assoc.state()
    );
    assert!(run.assoc.supports_partial_reliability());

    // Messages up to 64 KiB (fragmented), text and binary, ordered and unordered.
    let sizes = [1usize, 100, 1200, 5000, 65536, 3, 20000];
    let mut sent = Vec::new();
    for (i, &n) in sizes.iter().enumerate() {
        let data: Vec<u8> = (0..n).map(|k| (k * 13 + i) as u8).collect();
        let sid = if i % 2 == 0 { 1 } else { 3 };
        let ppid = if i % 3 == 0 { 51 } else { 53 };
        let opts = SendOptions {
            unordered: i == 5,
            ..SendOptions::default()
        };
        run.assoc
            .send(Instant::now(), sid, ppid, data.clone(), opts)
            .unwrap();
        sent.push((sid, ppid, data));
    }
    let n = sent.len();
    assert!(
        run.pump(
            |e| e.iter().filter(|e| matches!(e, Event::Message(_))).count() == n,
            Duration::from_secs(20)
        ),
        "echoes missing: {:?}",
        run.events
    );
    let mut echoed: Vec<(u16, u32, Vec<u8>)> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some((m.stream_id, m.ppid, m.data.clone())),
            _ => None,
        })
        .collect();
    echoed.sort();
    sent.sort();
    assert!(echoed == sent, "echoed data differs");

    // Stream reset: ours goes out, usrsctp answers and resets its own outgoing stream 1.
    run.assoc.reset_streams(Instant::now(), &[1]).unwrap();
    assert!(
        run.pump(
            |e| e.contains(&Event::OutgoingStreamsReset(vec![1]))
                && e.contains(&Event::IncomingStreamsReset(vec![1])),
            Duration::from_secs(10)
        ),
        "stream reset: {:?}",
        run.events
    );
    // The stream works again from SSN 0 both ways.
    run.events.clear();
    run.assoc
        .send(
            Instant::now(),
            1,
            53,
            b"again".to_vec(),
            SendOptions::default(),
        )
        .unwrap();
    assert!(run.pump(
        |e| {
            e.iter()
                .any(|e| matches!(e, Event::Message(m) if m.data == b"again"))
        },
        Duration::from_secs(10)
    ));

    run.assoc.shutdown(Instant::now()).unwrap();
    assert!(
        run.pump(
            |e| e.contains(&Event::Closed(CloseReason::Shutdown)),
            Duration::from_secs(10)
        ),
        "shutdown: {:?} {:?}",
        run.assoc.state(),
        run.events
    );
    let mut log = Vec::new();
    while let Ok(l) = lines.recv_timeout(Duration::from_secs(5)) {
        let done = l == "DONE";
        log.push(l);
        if done {
            break;
        }
    }
    assert_eq!(log.last().map(String::as_str), Some("DONE"), "{log:?}");
    // usrsctp reported the association up (SCTP_COMM_UP = 1), our reset of stream 1, and
    // the shutdown (SCTP_SHUTDOWN_COMP = 4).
    assert!(log.iter().any(|l| l == "ASSOC 1"), "{log:?}");
    assert!(
        log.iter()
            .any(|l| l.starts_with("RESET") && l.ends_with("sid=1")),
        "{log:?}"
    );
    assert!(log.iter().any(|l| l == "ASSOC 4"), "{log:?}");
    assert!(!log.iter().any(|l| l.contains("FAILED")), "{log:?}");
}
