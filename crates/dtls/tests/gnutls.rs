//! Interop with GnuTLS 3.7 (`gnutls-serv --udp --echo`, `gnutls-cli --udp`) over loopback
//! UDP, both roles: mutual ECDSA authentication, peers with RSA-2048 certificates, use_srtp,
//! application data, and (as server) our exporter output compared with
//! `gnutls-cli --keymatexport`.
//!
//! Needs gnutls-bin (`cargo xtask setup` installs it); fails, never skips, without it.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use strata_dtls::*;

#[allow(clippy::disallowed_methods)] // interop tests run on the wall clock
fn wall() -> Instant {
    Instant::now()
}

struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    fn spawn(program: &str, args: &[String]) -> Self {
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
        }
    }

    fn gather(&mut self) {
        while let Ok(l) = self.lines.try_recv() {
            self.seen.push(l);
        }
    }

    fn has(&mut self, needle: &str) -> bool {
        self.gather();
        self.seen.iter().any(|l| l.contains(needle))
    }

    fn keying_material(&mut self) -> Option<Vec<u8>> {
        self.gather();
        let l = self.seen.iter().find(|l| l.contains("Key material:"))?;
        hex::decode(l.split(':').nth(1)?.trim()).ok()
    }
}

fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Drives `conn` over `sock` until `done` or the deadline; returns the peer address.
fn drive(
    conn: &mut Connection,
    sock: &UdpSocket,
    peer: &mut Option<SocketAddr>,
    events: &mut Vec<Event>,
    ossl: &mut Proc,
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
        if done(conn, events, ossl) {
            return;
        }
        assert!(
            wall() < deadline,
            "timed out: {conn:?}\nevents {events:?}\npeer said:\n{}",
            {
                ossl.gather();
                ossl.seen.join("\n")
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

struct Setup {
    dir: std::path::PathBuf,
    their_fp: Fingerprint,
}

const EC_P256: &[&str] = &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
/// What GStreamer's webrtcbin (and older OpenSSL-based stacks) use.
const RSA_2048: &[&str] = &["-newkey", "rsa:2048"];

fn cert_with(tag: &str, key_args: &[&str]) -> Setup {
    let dir = std::env::temp_dir().join(format!("strata-dtls-gnutls-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // certtool would do too; openssl is already a test dependency of this crate.
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

fn our_config(s: &Setup, seed: u8) -> Config {
    #[allow(clippy::disallowed_methods)]
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Config::new(Certificate::generate([seed; 32], unix))
        .with_remote_fingerprints(vec![s.their_fp.clone()])
        .with_seed([seed + 1; 32])
}

fn files(s: &Setup) -> Vec<String> {
    let d = s.dir.to_str().unwrap();
    vec![
        format!("--x509certfile={d}/c.pem"),
        format!("--x509keyfile={d}/k.pem"),
    ]
}

#[test]
fn gnutls_serv_with_strata_client() {
    serv_with_strata_client(EC_P256, "srv");
}

#[test]
fn gnutls_serv_with_rsa_2048_certificate_and_strata_client() {
    serv_with_strata_client(RSA_2048, "rsasrv");
}

fn serv_with_strata_client(key_args: &[&str], tag: &str) {
    let s = cert_with(tag, key_args);
    let port = free_port();
    let mut args = vec![
        "--udp".to_string(),
        "--echo".into(),
        "-p".into(),
        port.to_string(),
        "--require-client-cert".into(),
        "--srtp-profiles=SRTP_AES128_CM_HMAC_SHA1_80".into(),
    ];
    args.extend(files(&s));
    let mut proc = Proc::spawn("gnutls-serv", &args);
    // Wait for the listening line.
    let t = wall();
    while !proc.has("listening") {
        assert!(
            wall() < t + Duration::from_secs(10),
            "gnutls-serv did not start: {:?}",
            proc.seen
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut peer = Some(SocketAddr::from(([127, 0, 0, 1], port)));
    let mut conn = Connection::new(our_config(&s, 40), Role::Client, wall());
    let mut events = Vec::new();
    drive(
        &mut conn,
        &sock,
        &mut peer,
        &mut events,
        &mut proc,
        15,
        |c, _, _| c.is_connected(),
    );
    // The server's key type decides the suite (RFC 8422 §2).
    let suite = conn.cipher_suite().unwrap();
    let rsa = [
        CipherSuite::ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];
    assert_eq!(rsa.contains(&suite), key_args == RSA_2048, "{suite:?}");
    assert_eq!(
        conn.srtp_profile(),
        Some(SrtpProfileId::AES128_CM_HMAC_SHA1_80)
    );
    // The echo server sends our data back.
    conn.send(b"echo me").unwrap();
    drive(
        &mut conn,
        &sock,
        &mut peer,
        &mut events,
        &mut proc,
        10,
        |_, ev, _| {
            ev.iter()
                .any(|e| matches!(e, Event::ApplicationData(d) if d.starts_with(b"echo me")))
        },
    );
    conn.close();
}

#[test]
fn gnutls_cli_with_strata_server() {
    // An RSA-2048 client certificate too: its CertificateVerify is RSA.
    for (cookies, key_args) in [(true, EC_P256), (false, EC_P256), (false, RSA_2048)] {
        let s = cert_with("cli", key_args);
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = sock.local_addr().unwrap().port();
        let mut args = vec![
            "--udp".to_string(),
            "-p".into(),
            port.to_string(),
            "127.0.0.1".into(),
            "--insecure".into(),
            "--srtp-profiles=SRTP_AES128_CM_HMAC_SHA1_32:SRTP_AES128_CM_HMAC_SHA1_80".into(),
            "--keymatexport=EXTRACTOR-dtls_srtp".into(),
            "--keymatexportsize=60".into(),
        ];
        args.extend(files(&s));
        let mut cfg = our_config(&s, 50);
        cfg.hello_verify = cookies;
        let mut conn = Connection::new(cfg, Role::Server, wall());
        let mut proc = Proc::spawn("gnutls-cli", &args);
        let mut peer = None;
        let mut events = Vec::new();
        drive(
            &mut conn,
            &sock,
            &mut peer,
            &mut events,
            &mut proc,
            15,
            |c, _, p| c.is_connected() && p.keying_material().is_some(),
        );
        let mut ours = [0u8; 60];
        conn.export_keying_material(SRTP_EXPORTER_LABEL, &mut ours)
            .unwrap();
        assert_eq!(proc.keying_material().unwrap(), ours.to_vec());
        // Our preference (CM-80 before CM-32) wins over the client order.
        assert_eq!(
            conn.srtp_profile(),
            Some(SrtpProfileId::AES128_CM_HMAC_SHA1_80)
        );
        // gnutls-cli sends stdin lines; we answer.
        let stdin = proc.stdin.as_mut().unwrap();
        stdin.write_all(b"from gnutls\n").unwrap();
        stdin.flush().unwrap();
        drive(
            &mut conn,
            &sock,
            &mut peer,
            &mut events,
            &mut proc,
            10,
            |_, ev, _| {
                ev.iter().any(
                    |e| matches!(e, Event::ApplicationData(d) if d.starts_with(b"from gnutls")),
                )
            },
        );
        conn.send(b"from strata\n").unwrap();
        drive(
            &mut conn,
            &sock,
            &mut peer,
            &mut events,
            &mut proc,
            10,
            |_, _, p| p.has("from strata"),
        );
    }
}
