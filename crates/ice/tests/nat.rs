//! Server-reflexive candidates through a STUN server (strata-stun's BindingServer) and a NAT
//! model in the simulator.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use strata_ice::{CandidateKind, Config, State};
use strata_sim::{LinkConfig, Sim};
use strata_stun::BindingServer;

const STUN: &str = "198.51.100.50:3478";

fn link() -> LinkConfig {
    LinkConfig {
        latency: Duration::from_millis(15),
        jitter: Duration::from_millis(5),
        loss: 0.05,
        ..LinkConfig::default()
    }
}

fn public_ports(ip: &str) -> Vec<SocketAddr> {
    (40000..40016)
        .map(|p| SocketAddr::new(ip.parse().unwrap(), p))
        .collect()
}

fn stun_node() -> Node {
    Node::Stun(StunNode {
        server: BindingServer {
            fingerprint: true,
            ..BindingServer::default()
        },
        out: Default::default(),
        me: addr(STUN),
    })
}

/// Two agents, each behind a NAT of `kind`, with private host addresses nobody can reach.
fn natted(seed: u64, kind_a: NatKind, kind_b: NatKind) -> Pairing {
    let mut sim = Sim::new(seed);
    sim.set_default_link(link());
    sim.add_node(addr(STUN), stun_node());
    let now = sim.now();
    let cfg = |c: Config, who| c.with_seed(seed32(seed, who)).with_stun_server(addr(STUN));
    let a = agent_node(
        cfg(Config::controlling(), 1),
        now,
        &[addr("203.0.113.10:5000")],
        Some(Nat::new(kind_a, "192.0.2.1")),
    );
    let b = agent_node(
        cfg(Config::controlled(), 2),
        now,
        &[addr("203.0.113.20:6000")],
        Some(Nat::new(kind_b, "198.51.100.1")),
    );
    Pairing::new(
        sim,
        &public_ports("192.0.2.1"),
        a,
        &public_ports("198.51.100.1"),
        b,
    )
}

#[test]
fn srflx_gathered_from_binding_server() {
    let mut p = natted(
        1,
        NatKind::EndpointIndependent,
        NatKind::EndpointIndependent,
    );
    p.run_until(Duration::from_secs(5), |p| p.la.gathered && p.lb.gathered)
        .unwrap();
    let srflx: Vec<_> =
        p.la.candidates
            .iter()
            .filter(|c| c.kind == CandidateKind::ServerReflexive)
            .collect();
    assert_eq!(srflx.len(), 1, "{:?}", p.la.candidates);
    assert_eq!(srflx[0].addr, addr("192.0.2.1:40000"));
    assert_eq!(srflx[0].related, Some(addr("203.0.113.10:5000")));
    assert_eq!(srflx[0].priority >> 24, 100);
    // Gathering completes once the server answered.
    assert!(p.la.gathered);
}

#[test]
fn srflx_without_nat_is_pruned_as_redundant() {
    let mut sim = Sim::new(2);
    sim.set_default_link(link());
    sim.add_node(addr(STUN), stun_node());
    let now = sim.now();
    let a = agent_node(
        Config::controlling()
            .with_seed(seed32(2, 1))
            .with_stun_server(addr(STUN)),
        now,
        &[addr("192.0.2.1:5000")],
        None,
    );
    let b = agent_node(
        Config::controlled().with_seed(seed32(2, 2)),
        now,
        &[addr("198.51.100.1:6000")],
        None,
    );
    let mut p = Pairing::new(
        sim,
        &[addr("192.0.2.1:5000")],
        a,
        &[addr("198.51.100.1:6000")],
        b,
    );
    p.run_until(Duration::from_secs(5), |p| p.la.gathered)
        .unwrap();
    assert_eq!(p.la.candidates.len(), 1, "{:?}", p.la.candidates);
    assert_eq!(p.la.candidates[0].kind, CandidateKind::Host);
}

#[test]
fn endpoint_independent_nats_connect_through_srflx() {
    strata_sim::run_seeds(20, |seed| {
        let mut p = natted(
            seed,
            NatKind::EndpointIndependent,
            NatKind::EndpointIndependent,
        );
        p.run_until_connected(Duration::from_secs(30))?;
        let (l, r) = p.sim.node(p.a).agent().selected_pair().unwrap();
        if l.kind != CandidateKind::Host || r.addr.ip() != addr("198.51.100.1:1").ip() {
            return Err(format!("unexpected selection {l:?} -> {r:?}"));
        }
        Ok::<(), String>(())
    });
}

#[test]
fn one_address_dependent_nat_connects_via_prflx() {
    strata_sim::run_seeds(20, |seed| {
        let mut p = natted(
            seed,
            NatKind::AddressDependent,
            NatKind::EndpointIndependent,
        );
        p.run_until_connected(Duration::from_secs(30))?;
        // B sees A from a port that the STUN server never saw: peer-reflexive.
        let (_, r) = p.sim.node(p.b).agent().selected_pair().unwrap();
        if r.kind != CandidateKind::PeerReflexive {
            return Err(format!("B's remote should be prflx: {r:?}"));
        }
        Ok::<(), String>(())
    });
}

#[test]
fn two_address_dependent_nats_need_a_relay() {
    let mut p = natted(3, NatKind::AddressDependent, NatKind::AddressDependent);
    p.run_until(Duration::from_secs(5), |p| p.la.gathered && p.lb.gathered)
        .unwrap();
    p.sim
        .node_mut(p.a)
        .agent_mut()
        .set_remote_end_of_candidates();
    p.sim
        .node_mut(p.b)
        .agent_mut()
        .set_remote_end_of_candidates();
    p.run_until(Duration::from_secs(120), |p| {
        p.la.state() == Some(State::Failed)
    })
    .unwrap();
    assert!(!p.lb.connected());
}

const TURN: &str = "198.51.100.60:3478";

/// Both behind address-dependent NATs: only the relay connects them. Then an hour of virtual
/// time: the allocation, permission and channel must be refreshed, or the simulated server
/// (which enforces lifetimes) stops relaying and consent expires.
#[test]
fn address_dependent_nats_connect_through_turn_and_stay_for_an_hour() {
    strata_sim::run_seeds(5, |seed| {
        let mut sim = Sim::new(seed);
        sim.set_default_link(link());
        sim.add_node(addr(STUN), stun_node());
        let turn = sim.add_node(
            addr(TURN),
            Node::Turn(Box::new(TurnNode::new(addr(TURN), "u", "p"))),
        );
        for r in TurnNode::relay_addrs(addr(TURN)) {
            sim.add_addr(turn, r);
        }
        let now = sim.now();
        let cfg = |c: Config, who| {
            c.with_seed(seed32(seed, who))
                .with_stun_server(addr(STUN))
                .with_turn_server(addr(TURN), "u", "p")
        };
        let a = agent_node(
            cfg(Config::controlling(), 1),
            now,
            &[addr("203.0.113.10:5000")],
            Some(Nat::new(NatKind::AddressDependent, "192.0.2.1")),
        );
        let b = agent_node(
            cfg(Config::controlled(), 2),
            now,
            &[addr("203.0.113.20:6000")],
            Some(Nat::new(NatKind::AddressDependent, "198.51.100.1")),
        );
        let mut p = Pairing::new(
            sim,
            &public_ports("192.0.2.1"),
            a,
            &public_ports("198.51.100.1"),
            b,
        );
        p.run_until_connected(Duration::from_secs(30))?;
        let la = p.sim.node(p.a).agent().selected_pair().unwrap().0.clone();
        let lb = p.sim.node(p.b).agent().selected_pair().unwrap().0.clone();
        if la.kind != CandidateKind::Relayed && lb.kind != CandidateKind::Relayed {
            return Err(format!("no relay in the selected pair: {la:?} / {lb:?}"));
        }
        for _ in 0..360 {
            p.sim
                .run_for(Duration::from_secs(10))
                .map_err(|e| e.to_string())?;
            p.pump();
        }
        if p.la.consent_expired || p.lb.consent_expired || !p.la.connected() || !p.lb.connected() {
            return Err(format!(
                "lost the relay: A {:?} B {:?}",
                p.la.states, p.lb.states
            ));
        }
        let Node::Turn(t) = p.sim.node(turn) else {
            unreachable!()
        };
        if t.refreshes < 6 || t.permissions + t.channel_binds < 12 {
            return Err(format!(
                "refreshes {} permissions {} channels {}",
                t.refreshes, t.permissions, t.channel_binds
            ));
        }
        // Closing releases every allocation.
        let now = p.sim.now();
        p.sim.node_mut(p.a).agent_mut().close(now);
        p.sim.node_mut(p.b).agent_mut().close(now);
        p.sim
            .run_for(Duration::from_secs(5))
            .map_err(|e| e.to_string())?;
        let Node::Turn(t) = p.sim.node(turn) else {
            unreachable!()
        };
        if !t.allocations.is_empty() || t.deallocations != 2 {
            return Err(format!(
                "{} allocations left ({:?}), {} released; A {:?} {:?}; B {:?} {:?}",
                t.allocations.len(),
                t.allocations
                    .iter()
                    .map(|a| (a.client, a.expires > p.sim.now()))
                    .collect::<Vec<_>>(),
                t.deallocations,
                p.sim.node(p.a).agent().turn_stats(),
                p.sim.node(p.a).agent().state(),
                p.sim.node(p.b).agent().turn_stats(),
                p.sim.node(p.b).agent().state(),
            ));
        }
        Ok::<(), String>(())
    });
}
