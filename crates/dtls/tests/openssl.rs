//! Interop with OpenSSL 3 (`openssl s_server` / `s_client -dtls1_2`) over loopback UDP, both
//! roles: mutual ECDSA authentication, use_srtp, the RFC 5705 exporter compared with
//! OpenSSL's `-keymatexport`, and application data both ways; peers with RSA-2048
//! certificates (as GStreamer's webrtcbin uses) in both roles, RSA keys below 2048 bits
//! refused, and tampered RSA ServerKeyExchange messages rejected.
//!
//! Needs the `openssl` binary (`cargo xtask setup` installs it); fails, never skips, without it.

use std::io::Write;
use std::time::Duration;

use strata_dtls::*;

mod common;
use common::for_each_fragment;
use common::interop::*;

fn openssl_cert(tag: &str) -> Setup {
    cert_with("", tag, EC_P256)
}

/// A self-signed RSA certificate of `bits` (sha256WithRSAEncryption, like GStreamer's).
fn openssl_rsa_cert(tag: &str, bits: u32) -> Setup {
    cert_with("", tag, &["-newkey", &format!("rsa:{bits}")])
}

/// `s_client` towards our server (config `cfg`), with `extra` arguments after `-connect`.
fn s_client_session(cfg: Config, extra: Vec<String>) -> Session {
    Session::server(cfg, "openssl", |port| {
        let mut args: Vec<String> = vec![
            "s_client".into(),
            "-connect".into(),
            format!("127.0.0.1:{port}"),
        ];
        args.extend(extra);
        args
    })
}

/// `openssl s_server` on `port` with `args` (after `-accept`), given time to start.
fn spawn_s_server(port: u16, args: Vec<String>) -> Proc {
    let mut all: Vec<String> = vec![
        "s_server".into(),
        "-accept".into(),
        format!("127.0.0.1:{port}"),
    ];
    all.extend(args);
    let proc = Proc::spawn("openssl", &all);
    std::thread::sleep(Duration::from_millis(300));
    proc
}

/// Until our connection is up and OpenSSL printed its keying material (15 s at most).
fn connected_with_keys(c: &Connection, _: &[Event], o: &mut Proc) -> bool {
    c.is_connected() && o.keying_material().is_some()
}

fn common_args(s: &Setup, srtp: &str, groups: &str) -> Vec<String> {
    common_args_cipher(s, srtp, groups, "ECDHE-ECDSA-AES128-GCM-SHA256")
}

fn common_args_cipher(s: &Setup, srtp: &str, groups: &str, cipher: &str) -> Vec<String> {
    let mut args = base_args(s, srtp);
    args.extend(["-cipher", cipher, "-groups", groups].map(String::from));
    args
}

/// DTLS 1.2 with `s`'s certificate, use_srtp `srtp` and 60 bytes of exporter output.
fn base_args(s: &Setup, srtp: &str) -> Vec<String> {
    let d = s.dir.to_str().unwrap();
    [
        "-dtls1_2",
        "-cert",
        &format!("{d}/c.pem"),
        "-key",
        &format!("{d}/k.pem"),
        "-use_srtp",
        srtp,
        "-keymatexport",
        "EXTRACTOR-dtls_srtp",
        "-keymatexportlen",
        "60",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn exchange_data(x: &mut Session) {
    // Ours -> OpenSSL (it prints what it receives).
    x.conn.send(b"hello from strata\n").unwrap();
    x.drive(10, |_, _, o| o.has("hello from strata"));
    // OpenSSL -> ours (it sends what it reads on stdin).
    let stdin = x.proc.stdin.as_mut().unwrap();
    stdin.write_all(b"hello from openssl\n").unwrap();
    stdin.flush().unwrap();
    x.drive(10, |_, ev, _| {
        ev.iter()
            .any(|e| matches!(e, Event::ApplicationData(d) if d.starts_with(b"hello from openssl")))
    });
}

fn check_exporter(conn: &Connection, events: &[Event], ossl: &mut Proc, profile: SrtpProfileId) {
    let theirs = ossl
        .keying_material()
        .expect("openssl printed its keying material");
    let mut ours = [0u8; 60];
    conn.export_keying_material(SRTP_EXPORTER_LABEL, &mut ours)
        .unwrap();
    assert_eq!(
        theirs,
        ours.to_vec(),
        "RFC 5705 exporter output differs from OpenSSL's"
    );
    let k = events
        .iter()
        .find_map(|e| match e {
            Event::SrtpKeyingMaterial(k) => Some(k.clone()),
            _ => None,
        })
        .expect("SRTP keying material event");
    assert_eq!(k.profile, profile);
    // PRF output is prefix-consistent: the profile-sized material starts like the 60 bytes.
    let n = k.material.len().min(60);
    assert_eq!(&k.material[..n], &ours[..n]);
    assert_eq!(k.material.len(), profile.keying_material_len().unwrap());
}

#[test]
fn openssl_s_server_with_strata_client() {
    for (groups, srtp, profile, cipher, suite) in [
        (
            "P-256",
            "SRTP_AES128_CM_SHA1_80",
            SrtpProfileId::AES128_CM_HMAC_SHA1_80,
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            CipherSuite::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "X25519:P-256",
            "SRTP_AEAD_AES_128_GCM",
            SrtpProfileId::AEAD_AES_128_GCM,
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            CipherSuite::ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "X25519:P-256",
            "SRTP_AEAD_AES_256_GCM",
            SrtpProfileId::AEAD_AES_256_GCM,
            "ECDHE-ECDSA-CHACHA20-POLY1305",
            CipherSuite::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
    ] {
        let s = openssl_cert("srv");
        let port = free_port();
        let mut args: Vec<String> = vec!["-Verify".into(), "1".into()];
        args.extend(common_args_cipher(&s, srtp, groups, cipher));
        let ossl = spawn_s_server(port, args);
        let (cfg, _) = our_config(&s, 10);
        let mut x = Session::client(cfg, ossl, port);
        x.drive(15, connected_with_keys);
        assert_eq!(x.conn.cipher_suite(), Some(suite));
        check_exporter(&x.conn, &x.events, &mut x.proc, profile);
        exchange_data(&mut x);
        x.conn.close();
        let mut buf = Vec::new();
        while x.conn.poll_transmit(wall(), &mut buf).is_some() {
            x.sock.send_to(&buf, x.peer.unwrap()).unwrap();
        }
    }
}

#[test]
fn openssl_s_client_with_strata_server() {
    for (groups, srtp, profile, cookies) in [
        (
            "X25519:P-256",
            "SRTP_AES128_CM_SHA1_80",
            SrtpProfileId::AES128_CM_HMAC_SHA1_80,
            true,
        ),
        (
            "P-256",
            "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80",
            SrtpProfileId::AEAD_AES_128_GCM,
            false,
        ),
    ] {
        let s = openssl_cert("cli");
        let (mut cfg, _) = our_config(&s, 20);
        cfg.hello_verify = cookies;
        let mut x = s_client_session(cfg, common_args(&s, srtp, groups));
        x.drive(15, connected_with_keys);
        check_exporter(&x.conn, &x.events, &mut x.proc, profile);
        exchange_data(&mut x);
    }
}

#[test]
fn openssl_client_with_wrong_fingerprint_gets_bad_certificate() {
    let s = openssl_cert("bad");
    let (mut cfg, _) = our_config(&s, 30);
    cfg.remote_fingerprints =
        vec![Certificate::generate([77; 32], 0).fingerprint(FingerprintAlgorithm::Sha256)];
    let args = common_args(&s, "SRTP_AES128_CM_SHA1_80", "X25519:P-256");
    let mut x = s_client_session(cfg, args);
    x.drive(15, |c, _, o| {
        c.error().is_some() && o.has("bad certificate")
    });
    assert_eq!(x.conn.error(), Some(Error::FingerprintMismatch));
    assert!(
        !x.events
            .iter()
            .any(|e| matches!(e, Event::Connected { .. }))
    );
}

/// Our client against `openssl s_server` with `setup`'s certificate and `server_args`;
/// `mutate` may rewrite each datagram from the server. Returns the connection once it is
/// connected or failed.
fn client_against(
    s: &Setup,
    server_args: &[&str],
    seed: u8,
    mut mutate: impl FnMut(&mut Vec<u8>),
) -> (Connection, Vec<Event>, Proc) {
    let port = free_port();
    let mut args: Vec<String> = vec!["-Verify".into(), "1".into()];
    args.extend(base_args(s, "SRTP_AEAD_AES_128_GCM"));
    args.extend(server_args.iter().map(|s| s.to_string()));
    let ossl = spawn_s_server(port, args);
    let (cfg, _) = our_config(s, seed);
    let Session {
        mut conn,
        sock,
        peer,
        mut events,
        proc: mut ossl,
    } = Session::client(cfg, ossl, port);
    let peer = peer.unwrap();
    let deadline = wall() + Duration::from_secs(15);
    let mut buf = Vec::new();
    let mut rx = vec![0u8; 65536];
    loop {
        let now = wall();
        conn.handle_timeout(now);
        while conn.poll_transmit(now, &mut buf).is_some() {
            sock.send_to(&buf, peer).unwrap();
        }
        while let Some(e) = conn.poll_event() {
            events.push(e);
        }
        if conn.error().is_some() || (conn.is_connected() && ossl.keying_material().is_some()) {
            return (conn, events, ossl);
        }
        assert!(wall() < deadline, "timed out: {conn:?}\npeer said:\n{}", {
            ossl.gather();
            ossl.seen.join("\n")
        });
        sock.set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        if let Ok((n, _)) = sock.recv_from(&mut rx) {
            let mut d = rx[..n].to_vec();
            mutate(&mut d);
            let _ = conn.handle_packet(wall(), &d);
        }
    }
}

#[test]
fn openssl_rsa_2048_server_with_strata_client() {
    // (OpenSSL cipher, its signature algorithms, the suite we must end up with). The
    // server signs ServerKeyExchange with the only RSA scheme it is allowed; ECDSA+SHA256
    // stays listed so that its CertificateRequest accepts our ECDSA client certificate.
    for (cipher, sigalgs, suite) in [
        (
            "ECDHE-RSA-AES128-GCM-SHA256",
            "RSA+SHA256:ECDSA+SHA256",
            CipherSuite::ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            "ECDHE-RSA-AES256-GCM-SHA384",
            "RSA+SHA384:ECDSA+SHA256",
            CipherSuite::ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ),
        (
            "ECDHE-RSA-CHACHA20-POLY1305",
            "rsa_pss_rsae_sha256:ECDSA+SHA256",
            CipherSuite::ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ),
        // Stock settings, as GStreamer's webrtcbin runs them (no -cipher, no -sigalgs).
        ("", "", CipherSuite::ECDHE_RSA_WITH_AES_128_GCM_SHA256),
    ] {
        let s = openssl_rsa_cert("rsasrv", 2048);
        let args: &[&str] = if cipher.is_empty() {
            &[]
        } else {
            &["-cipher", cipher, "-sigalgs", sigalgs]
        };
        let (mut conn, events, mut ossl) = client_against(&s, args, 40, |_| {});
        assert!(
            conn.is_connected(),
            "{cipher}/{sigalgs}: {:?}\n{}",
            conn.error(),
            ossl.seen.join("\n")
        );
        // Stock OpenSSL follows our order among the RSA suites too.
        assert_eq!(conn.cipher_suite(), Some(suite), "{cipher}");
        check_exporter(&conn, &events, &mut ossl, SrtpProfileId::AEAD_AES_128_GCM);
        conn.close();
    }
}

#[test]
fn openssl_s_client_with_rsa_2048_certificate_and_strata_server() {
    // OpenSSL signs its CertificateVerify with the RSA scheme it is allowed.
    for sigalgs in [
        "rsa_pss_rsae_sha256:ECDSA+SHA256",
        "RSA+SHA256:ECDSA+SHA256",
        "RSA+SHA384:ECDSA+SHA256",
    ] {
        let s = openssl_rsa_cert("rsacli", 2048);
        let mut args: Vec<String> = vec!["-sigalgs".into(), sigalgs.into()];
        args.extend(common_args(&s, "SRTP_AES128_CM_SHA1_80", "X25519:P-256"));
        let (cfg, _) = our_config(&s, 50);
        let mut x = s_client_session(cfg, args);
        x.drive(15, connected_with_keys);
        let der = std::fs::read(s.dir.join("c.der")).unwrap();
        assert!(
            x.events
                .iter()
                .any(|e| matches!(e, Event::Connected { peer_certificate, .. } if *peer_certificate == der)),
            "{sigalgs}: the RSA client certificate authenticated"
        );
        check_exporter(
            &x.conn,
            &x.events,
            &mut x.proc,
            SrtpProfileId::AES128_CM_HMAC_SHA1_80,
        );
        exchange_data(&mut x);
    }
}

#[test]
fn openssl_rsa_1024_peers_are_refused() {
    // As server: our client refuses the certificate before any signature check.
    let s = openssl_rsa_cert("rsa1024srv", 1024);
    let (conn, events, _) = client_against(
        &s,
        &["-cipher", "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"],
        60,
        |_| {},
    );
    assert_eq!(conn.error(), Some(Error::KeyTooSmall { bits: 1024 }));
    assert!(!events.iter().any(|e| matches!(e, Event::Connected { .. })));
    // As client: our server refuses its certificate.
    let s = openssl_rsa_cert("rsa1024cli", 1024);
    let args = common_args_cipher(
        &s,
        "SRTP_AES128_CM_SHA1_80",
        "X25519:P-256",
        "ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0",
    );
    let (cfg, _) = our_config(&s, 70);
    let mut x = s_client_session(cfg, args);
    x.drive(15, |c, _, _| c.error().is_some());
    assert_eq!(x.conn.error(), Some(Error::KeyTooSmall { bits: 1024 }));
}

#[test]
fn openssl_rsa_server_key_exchange_tampering_is_rejected() {
    let s = openssl_rsa_cert("rsatamper", 2048);
    let args = [
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "-sigalgs",
        "RSA+SHA256:ECDSA+SHA256",
    ];
    // RFC 5246 §7.4.3: one flipped bit in the RSA signature.
    let (conn, _, _) = client_against(&s, &args, 80, |d| {
        for_each_fragment(d, |t, off, total, body| {
            if t == 12 && off + body.len() == total && !body.is_empty() {
                let n = body.len();
                body[n - 1] ^= 1;
            }
        })
    });
    assert_eq!(
        conn.error(),
        Some(Error::DecryptError("ServerKeyExchange signature"))
    );
    // The signed ECDHE share altered: the signature no longer covers it.
    let (conn, _, _) = client_against(&s, &args, 81, |d| {
        for_each_fragment(d, |t, off, _, body| {
            if t == 12 && off == 0 && body.len() > 8 {
                body[5] ^= 1;
            }
        })
    });
    assert_eq!(
        conn.error(),
        Some(Error::DecryptError("ServerKeyExchange signature"))
    );
    // An RSA key with an ECDSA scheme (RFC 5246 §7.4.1.4.1): refused before verifying.
    let (conn, _, _) = client_against(&s, &args, 82, |d| {
        for_each_fragment(d, |t, off, _, body| {
            if t == 12 && off == 0 && body.len() > 8 {
                let at = 4 + body[3] as usize;
                assert_eq!(&body[at..at + 2], &[4, 1], "rsa_pkcs1_sha256 as configured");
                body[at..at + 2].copy_from_slice(&[4, 3]);
            }
        })
    });
    assert_eq!(
        conn.error(),
        Some(Error::IllegalParameter(
            "signature scheme does not match the certificate key"
        ))
    );
    // An ECDHE_ECDSA suite announced with an RSA certificate (RFC 5246 §7.4.2).
    let (conn, _, _) = client_against(&s, &args, 83, |d| {
        for_each_fragment(d, |t, off, _, body| {
            if t == 2 && off == 0 && body.len() > 40 {
                let at = 35 + body[34] as usize;
                assert_eq!(&body[at..at + 2], &[0xc0, 0x2f]);
                body[at..at + 2].copy_from_slice(&[0xc0, 0x2b]);
            }
        })
    });
    assert_eq!(
        conn.error(),
        Some(Error::UnsupportedCertificate(
            "key type does not match the cipher suite"
        ))
    );
}
