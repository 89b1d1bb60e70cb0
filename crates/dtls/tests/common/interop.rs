//! Interop harness: an external DTLS program (openssl, gnutls-cli/-serv) as a child
//! process, our `Connection` on a loopback UDP socket, and self-signed certificates.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use strata_dtls::*;

#[allow(clippy::disallowed_methods)] // interop tests run on the wall clock
pub fn wall() -> Instant {
    Instant::now()
}

/// A child process whose stdout and stderr lines are collected.
pub struct Proc {
    child: Child,
    pub stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    pub seen: Vec<String>,
    /// The line prefix under which the program prints its exported keying material.
    key_line: &'static str,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    pub fn spawn(program: &str, args: &[String]) -> Self {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("`{program}` is missing ({e}): run `cargo xtask setup`"));
        let (tx, rx) = channel();
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        let tx2 = tx.clone();
        #[allow(clippy::disallowed_methods)] // a test reads the child's pipes
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        #[allow(clippy::disallowed_methods)] // a test reads the child's pipes
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx2.send(format!("stderr: {l}"));
            }
        });
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            lines: rx,
            seen: Vec::new(),
            key_line: if program == "openssl" {
                "Keying material:"
            } else {
                "Key material:"
            },
        }
    }

    pub fn gather(&mut self) {
        while let Ok(l) = self.lines.try_recv() {
            self.seen.push(l);
        }
    }

    pub fn has(&mut self, needle: &str) -> bool {
        self.gather();
        self.seen.iter().any(|l| l.contains(needle))
    }

    pub fn keying_material(&mut self) -> Option<Vec<u8>> {
        self.gather();
        let l = self.seen.iter().find(|l| l.contains(self.key_line))?;
        hex::decode(l.split(':').nth(1)?.trim()).ok()
    }
}

pub fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Our connection on a loopback socket, talking to `proc`.
pub struct Session {
    pub conn: Connection,
    pub sock: UdpSocket,
    pub peer: Option<SocketAddr>,
    pub events: Vec<Event>,
    pub proc: Proc,
}

impl Session {
    /// Our server on a fresh socket; `args` gives the client's command line for its port.
    pub fn server(cfg: Config, program: &str, args: impl FnOnce(u16) -> Vec<String>) -> Self {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let args = args(sock.local_addr().unwrap().port());
        let conn = Connection::new(cfg, Role::Server, wall());
        let proc = Proc::spawn(program, &args);
        Self {
            conn,
            sock,
            peer: None,
            events: Vec::new(),
            proc,
        }
    }

    /// Our client towards `proc`, a server listening on loopback `port`.
    pub fn client(cfg: Config, proc: Proc, port: u16) -> Self {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let peer = Some(SocketAddr::from(([127, 0, 0, 1], port)));
        let conn = Connection::new(cfg, Role::Client, wall());
        Self {
            conn,
            sock,
            peer,
            events: Vec::new(),
            proc,
        }
    }

    /// Drives the connection until `done` or `secs` have passed (then fails).
    pub fn drive(&mut self, secs: u64, done: impl FnMut(&Connection, &[Event], &mut Proc) -> bool) {
        drive(
            &mut self.conn,
            &self.sock,
            &mut self.peer,
            &mut self.events,
            &mut self.proc,
            secs,
            done,
        );
    }
}

/// Drives `conn` over `sock` until `done` or the deadline; returns the peer address.
pub fn drive(
    conn: &mut Connection,
    sock: &UdpSocket,
    peer: &mut Option<SocketAddr>,
    events: &mut Vec<Event>,
    proc: &mut Proc,
    secs: u64,
    mut done: impl FnMut(&Connection, &[Event], &mut Proc) -> bool,
) {
    let deadline = wall() + Duration::from_secs(secs);
    let mut buf = Vec::new();
    let mut rx = vec![0u8; 65536];
    loop {
        let now = wall();
        conn.handle_timeout(now);
        if let Some(p) = *peer {
            while conn.poll_transmit(now, &mut buf).is_some() {
                sock.send_to(&buf, p).unwrap();
            }
        }
        while let Some(e) = conn.poll_event() {
            events.push(e);
        }
        if done(conn, events, proc) {
            return;
        }
        assert!(
            wall() < deadline,
            "timed out: {conn:?}\nevents {events:?}\npeer said:\n{}",
            {
                proc.gather();
                proc.seen.join("\n")
            }
        );
        let wait = conn
            .poll_timeout()
            .map_or(Duration::from_millis(20), |t| {
                t.saturating_duration_since(now)
            })
            .clamp(Duration::from_millis(1), Duration::from_millis(20));
        sock.set_read_timeout(Some(wait)).unwrap();
        if let Ok((n, from)) = sock.recv_from(&mut rx) {
            *peer = Some(from);
            let _ = conn.handle_packet(wall(), &rx[..n]);
        }
    }
}

/// A certificate made by `openssl req`, in its own temporary directory.
pub struct Setup {
    pub dir: std::path::PathBuf,
    pub their_fp: Fingerprint,
}

pub const EC_P256: &[&str] = &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
/// What GStreamer's webrtcbin (and older OpenSSL-based stacks) use.
pub const RSA_2048: &[&str] = &["-newkey", "rsa:2048"];

/// A self-signed certificate in `<tmp>/strata-dtls-<prefix><pid>-<tag>` with the key that
/// `key_args` of `openssl req` make.
pub fn cert_with(prefix: &str, tag: &str, key_args: &[&str]) -> Setup {
    let dir =
        std::env::temp_dir().join(format!("strata-dtls-{prefix}{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let st = Command::new("openssl")
        .args(["req", "-x509"])
        .args(key_args)
        .args([
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "c.pem",
            "-subj",
            "/CN=WebRTC",
            "-days",
            "30",
        ])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the `openssl` binary is missing: run `cargo xtask setup`");
    assert!(st.success());
    let st = Command::new("openssl")
        .args(["x509", "-in", "c.pem", "-outform", "DER", "-out", "c.der"])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    let der = std::fs::read(dir.join("c.der")).unwrap();
    Setup {
        their_fp: Fingerprint::of(FingerprintAlgorithm::Sha256, &der),
        dir,
    }
}

/// Our config trusting `s`'s certificate; our certificate carries today's date (OpenSSL
/// checks validity dates, then ignores the error).
pub fn our_config(s: &Setup, seed: u8) -> (Config, Certificate) {
    #[allow(clippy::disallowed_methods)]
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let cert = Certificate::generate([seed; 32], unix);
    let cfg = Config::new(cert.clone())
        .with_remote_fingerprints(vec![s.their_fp.clone()])
        .with_seed([seed + 1; 32]);
    (cfg, cert)
}
