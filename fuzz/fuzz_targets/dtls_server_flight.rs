//! A DTLS server fed arbitrary datagrams (each prefixed by a two-byte length), with timers
//! firing between them. Seeds replay a real client's datagrams against a server built with
//! the same fixed seeds, so the fuzzer starts from a complete handshake. Record MACs are
//! bypassed under cfg(fuzzing). It must never panic or grow without bound.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use strata_dtls::{Certificate, Config, Connection, FingerprintAlgorithm, Role};

fn base() -> Instant {
    static T: OnceLock<Instant> = OnceLock::new();
    *T.get_or_init(Instant::now)
}

fn certs() -> &'static (Certificate, Certificate) {
    static C: OnceLock<(Certificate, Certificate)> = OnceLock::new();
    C.get_or_init(|| {
        (
            Certificate::generate([1; 32], 1_764_000_000),
            Certificate::generate([2; 32], 1_764_000_000),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let (client_cert, server_cert) = certs();
    let mut cfg = Config::new(server_cert.clone())
        .with_remote_fingerprints(vec![client_cert.fingerprint(FingerprintAlgorithm::Sha256)])
        .with_seed([4; 32]);
    cfg.hello_verify = false;
    cfg.mtu = 300;
    let mut now = base();
    let mut server = Connection::new(cfg, Role::Server, now);
    let mut rest = data;
    let mut buf = Vec::new();
    while rest.len() >= 2 {
        let n = usize::from(u16::from_be_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        let d = &rest[2..2 + n];
        rest = &rest[2 + n..];
        let _ = server.handle_packet(now, d);
        while server.poll_transmit(now, &mut buf).is_some() {}
        while server.poll_event().is_some() {}
        now += Duration::from_millis(300);
        server.handle_timeout(now);
        if server.is_connected() {
            let _ = server.send(b"x");
        }
    }
});
