//! Interop with GnuTLS 3.7 (`gnutls-serv --udp --echo`, `gnutls-cli --udp`) over loopback
//! UDP, both roles: mutual ECDSA authentication, peers with RSA-2048 certificates, use_srtp,
//! application data, and (as server) our exporter output compared with
//! `gnutls-cli --keymatexport`.
//!
//! Needs gnutls-bin (`cargo xtask setup` installs it); fails, never skips, without it.

use std::io::Write;
use std::time::Duration;

use strata_dtls::*;

mod common;
use common::interop::*;

fn cert(tag: &str, key_args: &[&str]) -> Setup {
    // certtool would do too; openssl is already a test dependency of this crate.
    cert_with("gnutls-", tag, key_args)
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
    let s = cert(tag, key_args);
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
    let mut x = Session::client(our_config(&s, 40).0, proc, port);
    x.drive(15, |c, _, _| c.is_connected());
    // The server's key type decides the suite (RFC 8422 §2).
    let suite = x.conn.cipher_suite().unwrap();
    let rsa = [
        CipherSuite::ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];
    assert_eq!(rsa.contains(&suite), key_args == RSA_2048, "{suite:?}");
    assert_eq!(
        x.conn.srtp_profile(),
        Some(SrtpProfileId::AES128_CM_HMAC_SHA1_80)
    );
    // The echo server sends our data back.
    x.conn.send(b"echo me").unwrap();
    x.drive(10, |_, ev, _| {
        ev.iter()
            .any(|e| matches!(e, Event::ApplicationData(d) if d.starts_with(b"echo me")))
    });
    x.conn.close();
}

#[test]
fn gnutls_cli_with_strata_server() {
    // An RSA-2048 client certificate too: its CertificateVerify is RSA.
    for (cookies, key_args) in [(true, EC_P256), (false, EC_P256), (false, RSA_2048)] {
        let s = cert("cli", key_args);
        let mut cfg = our_config(&s, 50).0;
        cfg.hello_verify = cookies;
        let mut x = Session::server(cfg, "gnutls-cli", |port| {
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
            args
        });
        x.drive(15, |c, _, p| {
            c.is_connected() && p.keying_material().is_some()
        });
        let mut ours = [0u8; 60];
        x.conn
            .export_keying_material(SRTP_EXPORTER_LABEL, &mut ours)
            .unwrap();
        assert_eq!(x.proc.keying_material().unwrap(), ours.to_vec());
        // Our preference (CM-80 before CM-32) wins over the client order.
        assert_eq!(
            x.conn.srtp_profile(),
            Some(SrtpProfileId::AES128_CM_HMAC_SHA1_80)
        );
        // gnutls-cli sends stdin lines; we answer.
        let stdin = x.proc.stdin.as_mut().unwrap();
        stdin.write_all(b"from gnutls\n").unwrap();
        stdin.flush().unwrap();
        x.drive(10, |_, ev, _| {
            ev.iter()
                .any(|e| matches!(e, Event::ApplicationData(d) if d.starts_with(b"from gnutls")))
        });
        x.conn.send(b"from strata\n").unwrap();
        x.drive(10, |_, _, p| p.has("from strata"));
    }
}
