//! Same seeds, same bytes: replaying one side's recorded datagrams into a fresh, identically
//! seeded peer reproduces the handshake. The fuzz targets rely on this for their seed corpus;
//! with STRATA_WRITE_FUZZ_SEEDS=1 this test (re)writes those seeds.

mod common;

use std::time::Duration;

use common::t0;
use strata_dtls::*;

fn cfgs() -> (Config, Config) {
    common::seeded_configs(300)
}

fn framed(ds: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for d in ds {
        out.extend_from_slice(&(d.len() as u16).to_be_bytes());
        out.extend_from_slice(d);
    }
    out
}

#[test]
fn seeded_handshake_replays_byte_for_byte() {
    let (cc, sc) = cfgs();
    let now = t0();
    let mut client = Connection::new(cc, Role::Client, now);
    let mut server = Connection::new(sc.clone(), Role::Server, now);
    let (mut c2s, mut s2c) = (Vec::new(), Vec::new());
    let mut buf = Vec::new();
    for _ in 0..4 {
        while client.poll_transmit(now, &mut buf).is_some() {
            c2s.push(buf.clone());
            server.handle_packet(now, &buf).unwrap();
        }
        while server.poll_transmit(now, &mut buf).is_some() {
            s2c.push(buf.clone());
            client.handle_packet(now, &buf).unwrap();
        }
    }
    assert!(client.is_connected() && server.is_connected());
    // Replay the client's datagrams into a fresh server: same output, connected.
    let mut again = Connection::new(sc, Role::Server, now + Duration::from_millis(5));
    let mut out = Vec::new();
    for d in &c2s {
        again.handle_packet(now, d).unwrap();
        while again.poll_transmit(now, &mut buf).is_some() {
            out.push(buf.clone());
        }
    }
    assert!(again.is_connected());
    assert_eq!(out, s2c);
    if std::env::var_os("STRATA_WRITE_FUZZ_SEEDS").is_some() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus");
        let write = |target: &str, n: usize, bytes: &[u8]| {
            let dir = format!("{root}/{target}");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(format!("{dir}/seed-{n}"), bytes).unwrap();
        };
        write("dtls_server_flight", 1, &framed(&c2s));
        write("dtls_server_flight", 2, &framed(&c2s[..1]));
        write("dtls_client_handshake", 1, &framed(&s2c));
        for (i, d) in c2s.iter().chain(&s2c).take(6).enumerate() {
            write("dtls_record", i + 1, d);
        }
    }
}
