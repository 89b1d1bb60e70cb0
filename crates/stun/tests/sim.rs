//! The client transaction machine against the Binding server over strata-sim's lossy,
//! jittery, duplicating, reordering links, in virtual time. A failing run names its seed
//! (rerun with `STRATA_SIM_SEED=n`).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use strata_sim::{Datagram, LinkConfig, Machine, Sim, run_seeds};
use strata_stun::{BindingServer, Client, ClientStats, Config, Event, Request, TransactionId};

const CLIENT: &str = "10.0.0.1:40000";
const SERVER: &str = "10.0.0.2:3478";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

enum Node {
    Client {
        client: Box<Client>,
        addr: SocketAddr,
        buf: Vec<u8>,
    },
    Server {
        server: BindingServer,
        addr: SocketAddr,
        out: VecDeque<Datagram>,
    },
}

impl Machine for Node {
    type Event = Event;

    fn handle_datagram(&mut self, now: Instant, from: SocketAddr, _to: SocketAddr, data: &[u8]) {
        match self {
            // Malformed or unmatched datagrams are counted by the client; nothing else to do.
            Node::Client { client, .. } => drop(client.handle_packet(now, from, data)),
            Node::Server { server, addr, out } => {
                let mut reply = Vec::new();
                if let Ok(Some(_)) = server.respond(from, data, &mut reply) {
                    out.push_back(Datagram {
                        from: *addr,
                        to: from,
                        data: reply,
                    });
                }
            }
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if let Node::Client { client, .. } = self {
            client.handle_timeout(now);
        }
    }

    fn poll_transmit(&mut self, now: Instant) -> Option<Datagram> {
        match self {
            Node::Client { client, addr, buf } => {
                let t = client.poll_transmit(now, buf)?;
                Some(Datagram {
                    from: *addr,
                    to: t.to,
                    data: buf.clone(),
                })
            }
            Node::Server { out, .. } => out.pop_front(),
        }
    }

    fn poll_event(&mut self) -> Option<Event> {
        match self {
            Node::Client { client, .. } => client.poll_event(),
            Node::Server { .. } => None,
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match self {
            Node::Client { client, .. } => client.poll_timeout(),
            Node::Server { .. } => None,
        }
    }
}

fn event_id(e: &Event) -> TransactionId {
    match e {
        Event::Response(r) => r.id,
        Event::Timeout { id, .. } | Event::Failed { id, .. } => *id,
        other => panic!("unexpected event {other:?}"),
    }
}

/// Starts `n` Binding transactions over `link` (both directions) and runs until each has
/// ended; returns the events by id, the client's counters and the virtual time taken.
fn run(
    seed: u64,
    n: usize,
    link: LinkConfig,
) -> Result<(HashMap<TransactionId, Event>, ClientStats, Duration), String> {
    let mut sim = Sim::new(seed);
    let mut rng_seed = [0u8; 32];
    rng_seed[..8].copy_from_slice(&seed.to_le_bytes());
    let client = sim.add_node(
        addr(CLIENT),
        Node::Client {
            client: Box::new(Client::new(Config::default().with_seed(rng_seed))),
            addr: addr(CLIENT),
            buf: Vec::new(),
        },
    );
    sim.add_node(
        addr(SERVER),
        Node::Server {
            server: BindingServer {
                fingerprint: true,
                ..Default::default()
            },
            addr: addr(SERVER),
            out: VecDeque::new(),
        },
    );
    sim.set_link_both(addr(CLIENT), addr(SERVER), link);
    let ids: Vec<TransactionId> = sim.with_node(client, |m, now| {
        let Node::Client { client, .. } = m else {
            unreachable!()
        };
        (0..n)
            .map(|_| {
                client
                    .start(now, addr(SERVER), Request::binding().with_fingerprint())
                    .unwrap()
            })
            .collect()
    });
    let mut events = HashMap::new();
    let collect =
        |sim: &mut Sim<Node>, events: &mut HashMap<TransactionId, Event>| -> Result<(), String> {
            for e in sim.take_events(client) {
                let id = event_id(&e);
                if let Some(first) = events.insert(id, e) {
                    return Err(format!("second event for {id:?} (first {first:?})"));
                }
            }
            Ok(())
        };
    let mut failure = Ok(());
    sim.run_until(Duration::from_secs(60), |sim| {
        failure = collect(sim, &mut events);
        failure.is_err() || events.len() == n
    })
    .map_err(|e| e.to_string())?;
    failure?;
    let took = sim.elapsed();
    // Nothing more may happen: late duplicates and retransmitted answers are dropped.
    sim.run_for(Duration::from_secs(60))
        .map_err(|e| e.to_string())?;
    collect(&mut sim, &mut events)?;
    let stats = match sim.node(client) {
        Node::Client { client, .. } => {
            assert_eq!(client.outstanding(), 0);
            assert_eq!(client.poll_timeout(), None);
            client.stats()
        }
        Node::Server { .. } => unreachable!(),
    };
    assert!(ids.iter().all(|id| events.contains_key(id)));
    Ok((events, stats, took))
}

#[test]
fn lossy_link_every_transaction_ends_exactly_once() {
    let link = LinkConfig {
        latency: Duration::from_millis(30),
        jitter: Duration::from_millis(40),
        loss: 0.3,
        duplicate: 0.2,
        reorder: 0.1,
        reorder_delay: Duration::from_millis(700),
        ..Default::default()
    };
    let mut answered = 0;
    run_seeds(16, |seed| {
        let (events, stats, _) = run(seed, 20, link.clone())?;
        for e in events.values() {
            match e {
                Event::Response(r) => {
                    assert!(r.is_success());
                    assert_eq!(r.from, addr(SERVER));
                    assert_eq!(r.message().xor_mapped_address(), Some(addr(CLIENT)));
                    answered += 1;
                }
                Event::Timeout { .. } => {}
                other => return Err(format!("unexpected {other:?}")),
            }
        }
        assert_eq!(stats.responses + stats.timeouts, 20, "{stats:?}");
        assert!(
            stats.retransmits > 0,
            "30% loss needs retransmissions: {stats:?}"
        );
        Ok::<(), String>(())
    });
    // Each attempt gets through with p = 0.49; seven attempts almost always suffice.
    assert!(
        answered >= 16 * 20 - 3,
        "answered {answered} of {}",
        16 * 20
    );
}

#[test]
fn blackholed_server_times_out_after_rfc_schedule() {
    run_seeds(4, |seed| {
        let link = LinkConfig {
            loss: 1.0,
            latency: Duration::from_millis(10),
            ..Default::default()
        };
        let (events, stats, took) = run(seed, 5, link)?;
        assert!(events.values().all(|e| matches!(e, Event::Timeout { .. })));
        assert_eq!(stats.timeouts, 5);
        assert_eq!(stats.transmits, 5 * 7, "Rc = 7 transmissions each");
        assert_eq!(
            took,
            Duration::from_millis(39_500),
            "RFC 8489 §6.2.1: 39.5 s"
        );
        Ok::<(), String>(())
    });
}
