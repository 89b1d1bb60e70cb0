//! A DTLS client mid-handshake fed arbitrary datagrams (two-byte length prefixes). Seeds
//! replay a real server's datagrams for a client built with the same fixed seeds.
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
    let mut cfg = Config::new(client_cert.clone())
        .with_remote_fingerprints(vec![server_cert.fingerprint(FingerprintAlgorithm::Sha256)])
        .with_seed([3; 32]);
    cfg.mtu = 300;
    let mut now = base();
    let mut client = Connection::new(cfg, Role::Client, now);
    let mut rest = data;
    let mut buf = Vec::new();
    while rest.len() >= 2 {
        let n = usize::from(u16::from_be_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        let d = &rest[2..2 + n];
        rest = &rest[2 + n..];
        let _ = client.handle_packet(now, d);
        while client.poll_transmit(now, &mut buf).is_some() {}
        while client.poll_event().is_some() {}
        now += Duration::from_millis(300);
        client.handle_timeout(now);
    }
});
