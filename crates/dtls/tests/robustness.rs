//! Mutated real handshakes never panic: a server (and a client) fed the peer's recorded
//! datagrams with random bit flips, truncations and duplications either completes, fails
//! with a typed error, or keeps waiting; its queues stay bounded.

mod common;

use common::t0;
use proptest::prelude::*;
use std::time::Duration;
use strata_dtls::*;

fn cfgs() -> (Config, Config) {
    common::seeded_configs(400)
}

/// (client->server datagrams, server->client datagrams).
type Flights = (Vec<Vec<u8>>, Vec<Vec<u8>>);

/// The datagrams of a clean seeded handshake, recorded once.
fn recorded() -> Flights {
    static R: std::sync::OnceLock<Flights> = std::sync::OnceLock::new();
    R.get_or_init(record).clone()
}

fn record() -> Flights {
    let (cc, sc) = cfgs();
    let now = t0();
    let mut c = Connection::new(cc, Role::Client, now);
    let mut s = Connection::new(sc, Role::Server, now);
    let (mut c2s, mut s2c) = (Vec::new(), Vec::new());
    let mut buf = Vec::new();
    for _ in 0..4 {
        while c.poll_transmit(now, &mut buf).is_some() {
            c2s.push(buf.clone());
            s.handle_packet(now, &buf).unwrap();
        }
        while s.poll_transmit(now, &mut buf).is_some() {
            s2c.push(buf.clone());
            c.handle_packet(now, &buf).unwrap();
        }
    }
    assert!(c.is_connected() && s.is_connected());
    (c2s, s2c)
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { dgram: usize, byte: usize, bit: u8 },
    Truncate { dgram: usize, len: usize },
    Duplicate { dgram: usize },
    Drop { dgram: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<usize>(), 0u8..8).prop_map(|(dgram, byte, bit)| Mutation::Flip {
            dgram,
            byte,
            bit
        }),
        (any::<usize>(), any::<usize>()).prop_map(|(dgram, len)| Mutation::Truncate { dgram, len }),
        any::<usize>().prop_map(|dgram| Mutation::Duplicate { dgram }),
        any::<usize>().prop_map(|dgram| Mutation::Drop { dgram }),
    ]
}

fn apply(mut ds: Vec<Vec<u8>>, ms: &[Mutation]) -> Vec<Vec<u8>> {
    for m in ms {
        if ds.is_empty() {
            break;
        }
        let n = ds.len();
        match *m {
            Mutation::Flip { dgram, byte, bit } => {
                let d = &mut ds[dgram % n];
                if !d.is_empty() {
                    let l = d.len();
                    d[byte % l] ^= 1 << bit;
                }
            }
            Mutation::Truncate { dgram, len } => {
                let d = &mut ds[dgram % n];
                let l = d.len() + 1;
                d.truncate(len % l);
            }
            Mutation::Duplicate { dgram } => {
                let d = ds[dgram % n].clone();
                ds.push(d);
            }
            Mutation::Drop { dgram } => {
                ds.remove(dgram % n);
            }
        }
    }
    ds
}

fn feed(conn: &mut Connection, ds: &[Vec<u8>]) {
    let mut now = t0();
    let mut buf = Vec::new();
    for d in ds {
        let r = conn.handle_packet(now, d);
        if let Err(e) = r {
            // Errors are sticky and typed.
            assert_eq!(conn.error(), Some(e));
        }
        let mut n = 0;
        while conn.poll_transmit(now, &mut buf).is_some() {
            n += 1;
            assert!(n < 300, "unbounded output");
        }
        while conn.poll_event().is_some() {}
        now += Duration::from_millis(250);
        conn.handle_timeout(now);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn mutated_client_flights_never_panic_the_server(ms in proptest::collection::vec(mutation(), 1..6)) {
        let (c2s, _) = recorded();
        let (_, sc) = cfgs();
        let mut s = Connection::new(sc, Role::Server, t0());
        feed(&mut s, &apply(c2s, &ms));
    }

    #[test]
    fn mutated_server_flights_never_panic_the_client(ms in proptest::collection::vec(mutation(), 1..6)) {
        let (_, s2c) = recorded();
        let (cc, _) = cfgs();
        let mut c = Connection::new(cc, Role::Client, t0());
        feed(&mut c, &apply(s2c, &ms));
    }
}
