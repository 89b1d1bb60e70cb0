//! proptest: arbitrary datagrams from arbitrary addresses, interleaved with timeouts, into
//! a connected agent never panic, and every bound holds. (The fuzz target `ice_agent` does
//! the same with integrity checks bypassed.)

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use strata_ice::{Agent, Candidate, Config, Event, State};
use strata_stun::{Attribute, Class, MessageBuilder, Method, TransactionId};

#[derive(Debug, Clone)]
enum Op {
    Raw(u8, u8, Vec<u8>),
    Check {
        from: u8,
        role: Option<bool>,
        tie: u64,
        prio: u32,
        use_candidate: bool,
    },
    Timeout(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (
            any::<u8>(),
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 0..120)
        )
            .prop_map(|(a, b, d)| Op::Raw(a, b, d)),
        // STUN-looking garbage: a valid header and random attributes.
        (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..60)).prop_map(|(a, mut d)| {
            d.truncate(d.len() / 4 * 4);
            let mut v = vec![0, 1, 0, d.len() as u8, 0x21, 0x12, 0xA4, 0x42];
            v.extend_from_slice(&[a; 12]);
            v.extend_from_slice(&d);
            Op::Raw(a, 0, v)
        }),
        (
            any::<u8>(),
            any::<Option<bool>>(),
            any::<u64>(),
            any::<u32>(),
            any::<bool>()
        )
            .prop_map(|(from, role, tie, prio, use_candidate)| Op::Check {
                from,
                role,
                tie,
                prio,
                use_candidate
            }),
        any::<u16>().prop_map(Op::Timeout),
    ]
}

fn peer(x: u8) -> SocketAddr {
    SocketAddr::new(
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, x % 32)),
        1000 + u16::from(x),
    )
}

const HOST: &str = "192.0.2.1:5000";

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_input_never_panics_and_stays_bounded(ops in proptest::collection::vec(op(), 0..80)) {
        #[allow(clippy::disallowed_methods)]
        let mut now = Instant::now();
        let mut config = Config::controlled().with_seed([5; 32]);
        config.max_remote_candidates = 12;
        config.max_prflx_candidates = 6;
        config.max_pairs = 10;
        config.max_queued_transmits = 16;
        config.max_queued_events = 16;
        let mut a = Agent::new(config, now);
        a.add_local_host(HOST.parse().unwrap()).unwrap();
        a.set_remote_credentials("peer", "peerpasswordpeerpassword");
        a.add_remote_candidate(Candidate::host(peer(1), "1")).unwrap();
        for op in ops {
            let creds = a.local_credentials().clone();
            match op {
                Op::Raw(from, to, data) => {
                    let to = if to < 200 { HOST.parse().unwrap() } else { peer(to) };
                    let _ = a.handle_packet(now, peer(from), to, &data);
                }
                Op::Check { from, role, tie, prio, use_candidate } => {
                    let mut buf = Vec::new();
                    let user = format!("{}:peer", creds.ufrag);
                    let mut b = MessageBuilder::new(&mut buf, Class::Request, Method::BINDING, TransactionId([from; 12]));
                    b.add(&Attribute::Username(&user)).add(&Attribute::Priority(prio));
                    match role {
                        Some(true) => { b.add(&Attribute::IceControlling(tie)); }
                        Some(false) => { b.add(&Attribute::IceControlled(tie)); }
                        None => {}
                    }
                    if use_candidate { b.add(&Attribute::UseCandidate); }
                    b.message_integrity(creds.pwd.as_bytes()).fingerprint();
                    b.finish().unwrap();
                    a.handle_packet(now, peer(from), HOST.parse().unwrap(), &buf).unwrap();
                }
                Op::Timeout(ms) => {
                    now += Duration::from_millis(u64::from(ms));
                    a.handle_timeout(now);
                }
            }
            let n = std::iter::from_fn(|| a.poll_transmit(now)).count();
            prop_assert!(n <= 16 + 64, "{n} transmits");
            let events: Vec<Event> = std::iter::from_fn(|| a.poll_event()).collect();
            prop_assert!(events.len() <= 17);
            prop_assert!(a.remote_candidates().count() <= 12);
            prop_assert!(a.pairs().len() <= 10);
            prop_assert!(a.state() != State::Closed);
        }
    }
}
