//! Handshakes over strata-sim's lossy virtual links: loss, reordering, duplication, small MTU,
//! many seeds. A failure names its seed (rerun with STRATA_SIM_SEED=n).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use strata_dtls::*;
use strata_sim::{Datagram, GilbertElliott, LinkConfig, Machine, Sim, run_seeds};

struct Node {
    conn: Connection,
    me: SocketAddr,
    peer: SocketAddr,
    buf: Vec<u8>,
}

impl Machine for Node {
    type Event = Event;
    fn handle_datagram(&mut self, now: Instant, _from: SocketAddr, _to: SocketAddr, data: &[u8]) {
        // Errors also surface as Event::Failed.
        let _ = self.conn.handle_packet(now, data);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.conn.handle_timeout(now);
    }
    fn poll_transmit(&mut self, now: Instant) -> Option<Datagram> {
        self.conn.poll_transmit(now, &mut self.buf)?;
        Some(Datagram {
            from: self.me,
            to: self.peer,
            data: self.buf.clone(),
        })
    }
    fn poll_event(&mut self) -> Option<Event> {
        self.conn.poll_event()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.conn.poll_timeout()
    }
}

const A: SocketAddr = SocketAddr::new(
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)),
    5000,
);
const B: SocketAddr = SocketAddr::new(
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)),
    5000,
);

fn config(own: u8, peer: u8, seed: u64, mtu: usize, cookies: bool) -> Config {
    let own_cert = Certificate::generate([own; 32], 1_764_000_000);
    let peer_cert = Certificate::generate([peer; 32], 1_764_000_000);
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    s[8] = own;
    let mut c = Config::new(own_cert)
        .with_remote_fingerprints(vec![peer_cert.fingerprint(FingerprintAlgorithm::Sha256)])
        .with_seed(s);
    c.mtu = mtu;
    c.hello_verify = cookies;
    // Under 30% loss a flight needs more tries; keep the virtual clock short.
    c.initial_rto = Duration::from_millis(400);
    c.max_rto = Duration::from_secs(4);
    c.max_retransmissions = 16;
    c
}

#[derive(Debug)]
#[allow(dead_code)] // fields are read through Debug when a seed fails
enum Fail {
    Sim(strata_sim::SimError),
    Mismatch(&'static str),
}

/// Runs one handshake; returns the datagrams the links lost.
fn handshake(seed: u64, link: LinkConfig, mtu: usize) -> Result<u64, Fail> {
    let mut sim: Sim<Node> = Sim::new(seed);
    let now = sim.now();
    let client = Connection::new(
        config(1, 2, seed, mtu, seed.is_multiple_of(2)),
        Role::Client,
        now,
    );
    let server = Connection::new(
        config(2, 1, seed, mtu, seed.is_multiple_of(2)),
        Role::Server,
        now,
    );
    let c = sim.add_node(
        A,
        Node {
            conn: client,
            me: A,
            peer: B,
            buf: Vec::new(),
        },
    );
    let s = sim.add_node(
        B,
        Node {
            conn: server,
            me: B,
            peer: A,
            buf: Vec::new(),
        },
    );
    sim.set_default_link(link);
    sim.run_until(Duration::from_secs(120), |sim| {
        sim.node(c).conn.is_connected() && sim.node(s).conn.is_connected()
    })
    .map_err(Fail::Sim)?;
    let mut a = [0u8; 60];
    let mut b = [0u8; 60];
    sim.node(c)
        .conn
        .export_keying_material(SRTP_EXPORTER_LABEL, &mut a)
        .map_err(|_| Fail::Mismatch("export"))?;
    sim.node(s)
        .conn
        .export_keying_material(SRTP_EXPORTER_LABEL, &mut b)
        .map_err(|_| Fail::Mismatch("export"))?;
    if a != b {
        return Err(Fail::Mismatch("exporter outputs differ"));
    }
    let ce = sim.take_events(c);
    let se = sim.take_events(s);
    let kc = ce.iter().find_map(|e| match e {
        Event::SrtpKeyingMaterial(k) => Some(k.clone()),
        _ => None,
    });
    let ks = se.iter().find_map(|e| match e {
        Event::SrtpKeyingMaterial(k) => Some(k.clone()),
        _ => None,
    });
    match (kc, ks) {
        (Some(x), Some(y)) if x.material == y.material => {}
        _ => return Err(Fail::Mismatch("SRTP keying material events")),
    }
    if ce.iter().chain(&se).any(|e| matches!(e, Event::Failed(_))) {
        return Err(Fail::Mismatch("a side failed"));
    }
    // Data still flows; duplicates are removed by the replay window.
    sim.node_mut(c)
        .conn
        .send(b"after")
        .map_err(|_| Fail::Mismatch("send"))?;
    sim.run_for(Duration::from_secs(1)).map_err(Fail::Sim)?;
    let got = sim
        .take_events(s)
        .into_iter()
        .filter(|e| *e == Event::ApplicationData(b"after".to_vec()))
        .count();
    if got > 1 {
        return Err(Fail::Mismatch("duplicate application data delivered"));
    }
    Ok(sim.link_stats(A, B).lost + sim.link_stats(B, A).lost)
}

/// Runs `n` seeds at `loss` and checks the links really lost datagrams (so retransmission
/// was exercised).
fn lossy_runs(n: u64, loss: f64) {
    let mut lost = 0;
    run_seeds(n, |seed| {
        lost += handshake(seed, lossy(loss), 1200)?;
        Ok::<(), Fail>(())
    });
    assert!(lost > 0, "no datagram lost over {n} seeds");
}

fn lossy(loss: f64) -> LinkConfig {
    LinkConfig {
        latency: Duration::from_millis(20),
        jitter: Duration::from_millis(10),
        loss,
        reorder: 0.1,
        reorder_delay: Duration::from_millis(30),
        duplicate: 0.1,
        ..LinkConfig::default()
    }
}

#[test]
fn sim_clean_link() {
    run_seeds(4, |seed| handshake(seed, lossy(0.0), 1200).map(drop));
}

#[test]
fn sim_10_percent_loss_reorder_duplicate() {
    lossy_runs(16, 0.10);
}

#[test]
fn sim_20_percent_loss_reorder_duplicate() {
    lossy_runs(16, 0.20);
}

#[test]
fn sim_30_percent_loss_reorder_duplicate() {
    lossy_runs(16, 0.30);
}

#[test]
fn sim_bursty_loss_gilbert_elliott() {
    run_seeds(8, |seed| {
        let link = LinkConfig {
            burst: Some(GilbertElliott {
                p_good_to_bad: 0.1,
                p_bad_to_good: 0.3,
                loss_good: 0.0,
                loss_bad: 1.0,
            }),
            ..lossy(0.05)
        };
        handshake(seed, link, 1200).map(drop)
    });
}

#[test]
fn sim_mtu_300_forces_fragmentation() {
    run_seeds(8, |seed| {
        let link = LinkConfig {
            mtu: Some(300),
            ..lossy(0.1)
        };
        handshake(seed, link, 300).map(drop)
    });
}

#[test]
fn sim_wrong_mtu_drops_are_counted_and_handshake_fails_by_timeout() {
    // Our MTU above the link's: flights with big datagrams never pass; the handshake must
    // end in a timeout, not hang.
    let mut sim: Sim<Node> = Sim::new(1);
    let now = sim.now();
    let mut cc = config(1, 2, 1, 1200, true);
    cc.max_retransmissions = 3;
    let mut sc = config(2, 1, 1, 1200, true);
    sc.max_retransmissions = 3;
    let c = sim.add_node(
        A,
        Node {
            conn: Connection::new(cc, Role::Client, now),
            me: A,
            peer: B,
            buf: Vec::new(),
        },
    );
    let s = sim.add_node(
        B,
        Node {
            conn: Connection::new(sc, Role::Server, now),
            me: B,
            peer: A,
            buf: Vec::new(),
        },
    );
    sim.set_default_link(LinkConfig {
        mtu: Some(200),
        ..LinkConfig::default()
    });
    sim.run_until(Duration::from_secs(120), |sim| {
        sim.node(c).conn.error().is_some() || sim.node(s).conn.error().is_some()
    })
    .unwrap();
    let err = sim.node(c).conn.error().or(sim.node(s).conn.error());
    assert_eq!(err, Some(Error::HandshakeTimeout));
    assert!(sim.link_stats(B, A).mtu_dropped > 0 || sim.link_stats(A, B).mtu_dropped > 0);
}
