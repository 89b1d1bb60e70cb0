//! DTLS 1.2: full handshakes per second with both ends in memory, strata-dtls against
//! OpenSSL 3 over memory pipes (the `openssl` crate, same certificates, same suite
//! ECDHE-ECDSA-AES128-GCM-SHA256 over x25519, mutual authentication, use_srtp, extended
//! master secret, no cookie exchange); and AES-128-GCM record protection of 1200-byte
//! application data against OpenSSL's EVP AES-128-GCM on the same size.
//!
//! The headline comparison does the same checks on both sides: the peer certificate's SHA-256
//! fingerprint (OpenSSL's verify callback; OpenSSL does not verify self-signatures). A second
//! line adds our optional self-signature check (`verify_certificate_signature`, on by
//! default), one more ECDSA verification per side.
//!
//! `cargo bench -p strata-benches --bench dtls`.
#![allow(clippy::disallowed_methods)] // a bench reads the clock by design

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::ssl::{ErrorCode, Ssl, SslContext, SslMethod, SslStream, SslVerifyMode};
use openssl::symm::{Cipher, encrypt_aead};
use openssl::x509::X509;
use strata_benches::{Settings, allocations, compare_with};
use strata_dtls::{Certificate, Config, Connection, Event, FingerprintAlgorithm, Role};

fn configs(a: &Certificate, b: &Certificate, self_sig: bool) -> (Config, Config) {
    let mut c = Config::new(a.clone())
        .with_remote_fingerprints(vec![b.fingerprint(FingerprintAlgorithm::Sha256)])
        .with_seed([3; 32]);
    c.cipher_suites = vec![strata_dtls::CipherSuite::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256];
    let mut s = Config::new(b.clone())
        .with_remote_fingerprints(vec![a.fingerprint(FingerprintAlgorithm::Sha256)])
        .with_seed([4; 32]);
    s.hello_verify = false;
    c.verify_certificate_signature = self_sig;
    s.verify_certificate_signature = self_sig;
    (c, s)
}

fn ours_handshake(cc: &Config, sc: &Config, t: Instant) -> (Connection, Connection) {
    let mut c = Connection::new(cc.clone(), Role::Client, t);
    let mut s = Connection::new(sc.clone(), Role::Server, t);
    let mut buf = Vec::new();
    for _ in 0..4 {
        while c.poll_transmit(t, &mut buf).is_some() {
            s.handle_packet(t, &buf).unwrap();
        }
        while s.poll_transmit(t, &mut buf).is_some() {
            c.handle_packet(t, &buf).unwrap();
        }
    }
    assert!(c.is_connected() && s.is_connected());
    (c, s)
}

type Queue = Rc<RefCell<VecDeque<Vec<u8>>>>;

/// One end of an in-memory datagram pipe.
struct Pipe {
    inbox: Queue,
    outbox: Queue,
}

impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inbox.borrow_mut().pop_front() {
            Some(d) => {
                let n = d.len().min(buf.len());
                buf[..n].copy_from_slice(&d[..n]);
                Ok(n)
            }
            None => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.outbox.borrow_mut().push_back(buf.to_vec());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn openssl_ctx(cert: &Certificate, peer_fp: Vec<u8>) -> SslContext {
    let x = X509::from_der(cert.der()).unwrap();
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let public = x.public_key().unwrap().ec_key().unwrap();
    let ec = EcKey::from_private_components(
        &group,
        &BigNum::from_slice(&cert.private_key()).unwrap(),
        public.public_key(),
    )
    .unwrap();
    let key = PKey::from_ec_key(ec).unwrap();
    let mut b = SslContext::builder(SslMethod::dtls()).unwrap();
    b.set_certificate(&x).unwrap();
    b.set_private_key(&key).unwrap();
    b.set_cipher_list("ECDHE-ECDSA-AES128-GCM-SHA256").unwrap();
    b.set_groups_list("X25519:P-256").unwrap();
    b.set_tlsext_use_srtp("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80")
        .unwrap();
    b.set_verify_callback(
        SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT,
        move |_, store| {
            // WebRTC-style: accept exactly the certificate with the expected fingerprint.
            store
                .current_cert()
                .and_then(|c| c.digest(MessageDigest::sha256()).ok())
                .is_some_and(|d| d.as_ref() == peer_fp.as_slice())
        },
    );
    b.build()
}

fn openssl_handshake(cctx: &SslContext, sctx: &SslContext) -> (SslStream<Pipe>, SslStream<Pipe>) {
    let a: Queue = Rc::default();
    let b: Queue = Rc::default();
    let mut cs = Ssl::new(cctx).unwrap();
    cs.set_connect_state();
    let mut ss = Ssl::new(sctx).unwrap();
    ss.set_accept_state();
    let mut c = SslStream::new(
        cs,
        Pipe {
            inbox: a.clone(),
            outbox: b.clone(),
        },
    )
    .unwrap();
    let mut s = SslStream::new(
        ss,
        Pipe {
            inbox: b,
            outbox: a,
        },
    )
    .unwrap();
    let (mut cd, mut sd) = (false, false);
    for _ in 0..20 {
        if !cd {
            match c.do_handshake() {
                Ok(()) => cd = true,
                Err(e) if e.code() == ErrorCode::WANT_READ => {}
                Err(e) => panic!("openssl client: {e}"),
            }
        }
        if !sd {
            match s.do_handshake() {
                Ok(()) => sd = true,
                Err(e) if e.code() == ErrorCode::WANT_READ => {}
                Err(e) => panic!("openssl server: {e}"),
            }
        }
        if cd && sd {
            return (c, s);
        }
    }
    panic!("openssl handshake did not finish");
}

/// Bytes per second of `openssl speed -evp aes-128-gcm -bytes 1200 -elapsed -mr`.
fn openssl_speed_aes128gcm_1200() -> Option<f64> {
    let out = std::process::Command::new("openssl")
        .args([
            "speed",
            "-evp",
            "aes-128-gcm",
            "-bytes",
            "1200",
            "-seconds",
            "1",
        ])
        .args(["-elapsed", "-mr"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("+F:"))?;
    line.rsplit(':').next()?.trim().parse().ok()
}

fn main() {
    let t = Instant::now();
    let a = Certificate::generate([1; 32], 1_764_000_000);
    let b = Certificate::generate([2; 32], 1_764_000_000);
    let (cc, sc) = configs(&a, &b, false);
    let (cc_sig, sc_sig) = configs(&a, &b, true);
    let cctx = openssl_ctx(&a, b.fingerprint(FingerprintAlgorithm::Sha256).value);
    let sctx = openssl_ctx(&b, a.fingerprint(FingerprintAlgorithm::Sha256).value);
    // Both sides must really complete (and agree on the suite) before timing.
    let (oc, _) = openssl_handshake(&cctx, &sctx);
    assert_eq!(
        oc.ssl().current_cipher().unwrap().name(),
        "ECDHE-ECDSA-AES128-GCM-SHA256"
    );
    ours_handshake(&cc, &sc, t);

    let hs = Settings {
        sample: Duration::from_millis(40),
        samples: if std::env::var_os("STRATA_BENCH_QUICK").is_some() {
            5
        } else {
            21
        },
    };
    let c = compare_with(
        hs,
        "dtls full handshake, both ends (x25519, P-256 ECDSA)",
        "openssl 3",
        || {
            std::hint::black_box(ours_handshake(&cc, &sc, t));
        },
        || {
            std::hint::black_box(openssl_handshake(&cctx, &sctx));
        },
    );
    c.report(Some(1.0));
    println!(
        "  handshakes/s: ours {:.0}, openssl {:.0}",
        1.0 / c.ours.as_secs_f64(),
        1.0 / c.theirs.as_secs_f64()
    );
    let c = compare_with(
        hs,
        "dtls full handshake, + self-signature checks",
        "openssl 3",
        || {
            std::hint::black_box(ours_handshake(&cc_sig, &sc_sig, t));
        },
        || {
            std::hint::black_box(openssl_handshake(&cctx, &sctx));
        },
    );
    c.report(None);

    // Record protection at 1200 bytes: our send + poll_transmit (seal into a reused buffer)
    // against one EVP AES-128-GCM seal of the same size with a 13-byte AAD.
    let (mut client, mut server) = ours_handshake(&cc, &sc, t);
    let payload = vec![0x42u8; 1200];
    let mut buf = Vec::with_capacity(1400);
    let key = [7u8; 16];
    let iv = [9u8; 12];
    let aad = [1u8; 13];
    let mut tag = [0u8; 16];
    let c = compare_with(
        Settings::default(),
        "dtls AES-128-GCM record seal, 1200 B",
        "openssl EVP",
        || {
            client.send(&payload).unwrap();
            client.poll_transmit(t, &mut buf).unwrap();
        },
        || {
            std::hint::black_box(
                encrypt_aead(
                    Cipher::aes_128_gcm(),
                    &key,
                    Some(&iv),
                    &aad,
                    &payload,
                    &mut tag,
                )
                .unwrap(),
            );
        },
    );
    c.report(Some(1.0));
    let seal = c.ours;
    // The reference: `openssl speed -evp aes-128-gcm` at 1200 bytes (a reused EVP
    // context, no record framing), wall clock, run right after our samples.
    if let Some(bps) = openssl_speed_aes128gcm_1200() {
        let theirs = Duration::from_secs_f64(1200.0 / bps);
        strata_benches::Comparison {
            name: "dtls AES-128-GCM record seal vs openssl speed, 1200 B".into(),
            reference: "openssl speed".into(),
            ours: seal,
            theirs,
        }
        .report(Some(1.0));
    }
    let (_, allocs) = allocations(|| {
        for _ in 0..100 {
            client.send(&payload).unwrap();
            client.poll_transmit(t, &mut buf).unwrap();
        }
    });
    println!("  allocations per 100 sealed records (steady state): {allocs}");
    // Open path: one record through handle_packet (decrypt + replay check + event).
    let mut records = Vec::new();
    for _ in 0..200_000 {
        client.send(&payload).unwrap();
        client.poll_transmit(t, &mut buf).unwrap();
        records.push(buf.clone());
        if records.len() >= 4096 {
            break;
        }
    }
    while server.poll_event().is_some() {}
    let mut i = 0;
    let m = strata_benches::measure(|| {
        // Fresh sequence numbers are needed (replay window): re-seal when exhausted.
        if i == records.len() {
            for r in records.iter_mut() {
                client.send(&payload).unwrap();
                client.poll_transmit(t, &mut buf).unwrap();
                r.clear();
                r.extend_from_slice(&buf);
            }
            i = 0;
        }
        server.handle_packet(t, &records[i]).unwrap();
        i += 1;
        match server.poll_event() {
            Some(Event::ApplicationData(d)) => {
                std::hint::black_box(&d);
                server.recycle(d);
            }
            other => panic!("{other:?}"),
        }
    });
    println!(
        "dtls AES-128-GCM record open + amortized re-seal of the pool, 1200 B: ours {:.1} ns \
         (every open is paired with one seal; subtract the seal row for open alone)",
        m.as_secs_f64() * 1e9
    );
    // Round trip with buffers given back: the steady state allocates nothing.
    let (_, allocs) = allocations(|| {
        for _ in 0..100 {
            client.send(&payload).unwrap();
            client.poll_transmit(t, &mut buf).unwrap();
            server.handle_packet(t, &buf).unwrap();
            if let Some(Event::ApplicationData(d)) = server.poll_event() {
                server.recycle(d);
            }
        }
    });
    println!("  allocations per 100 records sealed + opened (steady state): {allocs}");
}
