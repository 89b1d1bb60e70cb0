//! Against real coturn on 127.0.0.1 (started by the test on a free port): a relay-only agent
//! gathers a relayed candidate with long-term credentials, connects to a host-only agent
//! through the relay, data flows both ways (ChannelData and Send/Data indications), the
//! allocation, permissions and channels are refreshed across ten minutes of virtual time
//! (with stale nonces, 438), and closing deallocates. Fails (never skips) when `turnserver`
//! is missing.
#![allow(clippy::disallowed_methods)] // a real server needs the real clock

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use strata_testkit::{Coturn, PASSWORD, USER};

use strata_ice::{Agent, CandidateKind, Config, Event, State};

struct Side {
    agent: Agent,
    sock: UdpSocket,
    events: Vec<Event>,
    raw: Vec<Vec<u8>>,
}

impl Side {
    fn new(config: Config, now: Instant) -> Side {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_nonblocking(true).unwrap();
        let mut agent = Agent::new(config, now);
        agent.add_local_host(sock.local_addr().unwrap()).unwrap();
        Side {
            agent,
            sock,
            events: Vec::new(),
            raw: Vec::new(),
        }
    }

    fn connected(&self) -> bool {
        matches!(self.agent.state(), State::Connected | State::Completed)
    }

    fn data(&self) -> impl Iterator<Item = &[u8]> {
        self.events.iter().filter_map(|e| match e {
            Event::Data { data, .. } => Some(&data[..]),
            _ => None,
        })
    }
}

/// Real sockets, virtual offset: the agents see `Instant::now() + offset`.
struct World {
    a: Side,
    b: Side,
    offset: Duration,
}

impl World {
    fn now(&self) -> Instant {
        Instant::now() + self.offset
    }

    /// Moves datagrams, events and timers for `d` of real time, or until `pred`.
    fn run(&mut self, d: Duration, mut pred: impl FnMut(&World) -> bool) -> bool {
        let end = Instant::now() + d;
        let mut buf = [0u8; 2048];
        loop {
            let now = self.now();
            for side in [&mut self.a, &mut self.b] {
                if side.agent.poll_timeout().is_some_and(|t| t <= now) {
                    side.agent.handle_timeout(now);
                }
                while let Some(t) = side.agent.poll_transmit(now) {
                    assert_eq!(t.from, side.sock.local_addr().unwrap());
                    let _ = side.sock.send_to(&t.data, t.to);
                }
                while let Some(e) = side.agent.poll_event() {
                    side.events.push(e);
                }
                while let Ok((n, from)) = side.sock.recv_from(&mut buf) {
                    let to = side.sock.local_addr().unwrap();
                    // The application's demux (RFC 7983): STUN and ChannelData to ICE.
                    if strata_stun::is_stun(&buf[..n]) || strata_stun::is_channel_data(&buf[..n]) {
                        let _ = side.agent.handle_packet(now, from, to, &buf[..n]);
                    } else {
                        side.raw.push(buf[..n].to_vec());
                    }
                }
                while let Some(t) = side.agent.poll_transmit(now) {
                    let _ = side.sock.send_to(&t.data, t.to);
                }
                while let Some(e) = side.agent.poll_event() {
                    side.events.push(e);
                }
            }
            // Signaling: trickle candidates across.
            for (from, to) in [(0, 1), (1, 0)] {
                let sides = [&mut self.a, &mut self.b];
                let cands: Vec<_> = sides[from]
                    .events
                    .iter()
                    .filter_map(|e| match e {
                        Event::LocalCandidate(c) => Some(c.clone()),
                        _ => None,
                    })
                    .collect();
                let [a, b] = sides;
                let target = if to == 0 { a } else { b };
                for c in cands {
                    let _ = target.agent.add_remote_candidate(c);
                }
            }
            if pred(self) {
                return true;
            }
            if Instant::now() >= end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

#[test]
fn relay_only_agent_connects_through_coturn() {
    // Nonces go stale after 3 s, so refreshes meet 438 and the client must retry.
    let server = Coturn::start("ice", 40_000, &["--stale-nonce=3"]);
    let now = Instant::now();
    let a = Side::new(
        Config::controlling()
            .with_turn_server(server.addr, USER, PASSWORD)
            .with_relay_only(true),
        now,
    );
    let b = Side::new(Config::controlled(), now);
    let mut w = World {
        a,
        b,
        offset: Duration::ZERO,
    };
    let (ca, cb) = (
        w.a.agent.local_credentials().clone(),
        w.b.agent.local_credentials().clone(),
    );
    w.a.agent.set_remote_credentials(&cb.ufrag, &cb.pwd);
    w.b.agent.set_remote_credentials(&ca.ufrag, &ca.pwd);

    // Gathering: one relayed candidate, and nothing else signalled by the relay-only side.
    assert!(
        w.run(Duration::from_secs(10), |w| w
            .a
            .events
            .contains(&Event::GatheringComplete)),
        "no gathering; coturn log:\n{}",
        server.log()
    );
    let cands: Vec<_> =
        w.a.events
            .iter()
            .filter_map(|e| {
                if let Event::LocalCandidate(c) = e {
                    Some(c.clone())
                } else {
                    None
                }
            })
            .collect();
    assert!(
        !cands.is_empty(),
        "no candidate; coturn log:\n{}",
        server.log()
    );
    assert!(
        cands.iter().all(|c| c.kind == CandidateKind::Relayed),
        "{cands:?}"
    );
    let relayed = cands[0].addr;
    assert_eq!(relayed.ip(), server.addr.ip());
    assert_eq!(
        cands[0].related,
        Some(w.a.sock.local_addr().unwrap()),
        "raddr is the mapped address"
    );
    assert_eq!(w.a.agent.turn_stats().allocations, 1);
    assert!(
        w.a.agent.turn_stats().auth_retries >= 1,
        "the first Allocate meets 401"
    );

    assert!(
        w.run(Duration::from_secs(15), |w| w.a.connected()
            && w.b.connected()),
        "not connected: A {:?} B {:?}\nA pairs {:#?}\ncoturn log:\n{}",
        w.a.agent.state(),
        w.b.agent.state(),
        w.a.agent.pairs(),
        server.log()
    );
    let (l, _) = w.a.agent.selected_pair().unwrap();
    assert_eq!(l.kind, CandidateKind::Relayed);
    let (_, r) = w.b.agent.selected_pair().unwrap();
    assert_eq!(r.addr, relayed, "B talks to A's relayed address");

    // Data both ways through the relay.
    let now = w.now();
    w.a.agent.send(now, b"\x80from-a").unwrap();
    w.b.agent.send(now, b"\x80from-b").unwrap();
    assert!(
        w.run(Duration::from_secs(5), |w| w
            .b
            .raw
            .iter()
            .any(|d| d == b"\x80from-a")
            && w.a.data().any(|d| d == b"\x80from-b")),
        "data did not cross the relay: B raw {:?}, A data {:?}",
        w.b.raw,
        w.a.data().collect::<Vec<_>>()
    );

    // Ten minutes of virtual time in 3 s steps: consent keeps flowing, the allocation,
    // permission and channel are refreshed before they lapse.
    let before = w.a.agent.turn_stats();
    for _ in 0..200 {
        w.offset += Duration::from_secs(3);
        w.run(Duration::from_millis(25), |_| false);
    }
    w.run(Duration::from_millis(300), |_| false);
    let after = w.a.agent.turn_stats();
    eprintln!("TURN counters before {before:?}\nafter {after:?}\nrelayed {relayed}");
    assert!(
        w.a.connected() && w.b.connected(),
        "A {:?} B {:?}",
        w.a.agent.state(),
        w.b.agent.state()
    );
    assert!(
        after.refreshes > before.refreshes,
        "{before:?} -> {after:?}"
    );
    assert!(
        after.permissions >= before.permissions + 2,
        "{before:?} -> {after:?}"
    );
    assert!(
        after.channel_binds > before.channel_binds,
        "{before:?} -> {after:?}"
    );
    assert!(
        after.auth_retries > before.auth_retries,
        "stale nonces (438) retried: {after:?}"
    );
    let now = w.now();
    w.b.agent.send(now, b"\x80still-there").unwrap();
    assert!(
        w.run(Duration::from_secs(5), |w| w
            .a
            .data()
            .any(|d| d == b"\x80still-there")),
        "relay lost after refreshes; coturn log:\n{}",
        server.log()
    );

    // Close: the allocation is released (Refresh, lifetime 0).
    let now = w.now();
    w.a.agent.close(now);
    assert!(
        w.run(Duration::from_secs(5), |w| w
            .a
            .agent
            .turn_stats()
            .deallocations
            == 1),
        "no deallocation; coturn log:\n{}",
        server.log()
    );
    assert_eq!(w.a.agent.state(), State::Closed);
}

#[test]
fn wrong_password_fails_gathering() {
    let server = Coturn::start("ice", 40_000, &[]);
    let now = Instant::now();
    let a = Side::new(
        Config::controlling()
            .with_turn_server(server.addr, USER, "wrong")
            .with_relay_only(true),
        now,
    );
    let b = Side::new(Config::controlled(), now);
    let mut w = World {
        a,
        b,
        offset: Duration::ZERO,
    };
    assert!(w.run(Duration::from_secs(10), |w| {
        w.a.events.contains(&Event::GatheringComplete)
    }));
    assert!(
        !w.a.events
            .iter()
            .any(|e| matches!(e, Event::LocalCandidate(_)))
    );
    assert_eq!(w.a.agent.turn_stats().allocations, 0);
}

#[test]
fn srflx_gathering_against_coturn() {
    let server = Coturn::start("ice", 40_000, &[]);
    let now = Instant::now();
    let a = Side::new(Config::controlling().with_stun_server(server.addr), now);
    let b = Side::new(Config::controlled(), now);
    let mut w = World {
        a,
        b,
        offset: Duration::ZERO,
    };
    assert!(
        w.run(Duration::from_secs(10), |w| w
            .a
            .events
            .contains(&Event::GatheringComplete)),
        "no gathering; coturn log:\n{}",
        server.log()
    );
    assert_eq!(
        w.a.agent.stats().server_reflexive_answers,
        1,
        "coturn answered the Binding request"
    );
    // On loopback the mapped address is the host address: the srflx is redundant (RFC 8445
    // §5.1.3) and only the host candidate is signalled.
    let kinds: Vec<_> =
        w.a.events
            .iter()
            .filter_map(|e| {
                if let Event::LocalCandidate(c) = e {
                    Some(c.kind)
                } else {
                    None
                }
            })
            .collect();
    assert_eq!(kinds, vec![CandidateKind::Host]);
}
