//! Two agents over strata-sim.

mod common;

use std::time::Duration;

use common::*;
use strata_ice::{CandidateKind, Config, PairState, State};
use strata_sim::{LinkConfig, Sim};

fn lossy(loss: f64) -> LinkConfig {
    LinkConfig {
        latency: Duration::from_millis(20),
        jitter: Duration::from_millis(5),
        loss,
        ..LinkConfig::default()
    }
}

fn pairing(seed: u64, ca: Config, cb: Config, loss: f64) -> Pairing {
    let mut sim = Sim::new(seed);
    sim.set_default_link(lossy(loss));
    let now = sim.now();
    let a_addr = addr("192.0.2.1:5000");
    let b_addr = addr("198.51.100.1:6000");
    let a = agent_node(ca.with_seed(seed32(seed, 1)), now, &[a_addr], None);
    let b = agent_node(cb.with_seed(seed32(seed, 2)), now, &[b_addr], None);
    Pairing::new(sim, &[a_addr], a, &[b_addr], b)
}

#[test]
fn host_host_connects_both_roles() {
    let mut p = pairing(1, Config::controlling(), Config::controlled(), 0.0);
    p.run_until_connected(Duration::from_secs(5)).unwrap();
    assert!(p.sim.node(p.a).agent().is_controlling());
    assert!(!p.sim.node(p.b).agent().is_controlling());
    let (la, ra) = p.sim.node(p.a).agent().selected_pair().unwrap();
    let (lb, rb) = p.sim.node(p.b).agent().selected_pair().unwrap();
    assert_eq!(la.addr, rb.addr);
    assert_eq!(lb.addr, ra.addr);
    // Without loss, one round of checks plus one nomination: well under a second.
    assert!(
        p.sim.elapsed() < Duration::from_millis(500),
        "{:?}",
        p.sim.elapsed()
    );
    assert_eq!(p.la.states.first(), Some(&State::Checking));
    // Both reach Completed once nothing is pending.
    p.run_until(Duration::from_secs(2), |p| {
        p.la.state() == Some(State::Completed) && p.lb.state() == Some(State::Completed)
    })
    .unwrap();
}

#[test]
fn connects_across_loss_many_seeds() {
    strata_sim::run_seeds(100, |seed| {
        let (ca, cb) = if seed % 2 == 0 {
            (Config::controlling(), Config::controlled())
        } else {
            (Config::controlled(), Config::controlling())
        };
        let mut p = pairing(seed, ca, cb, 0.2);
        // Also reordering and duplication.
        p.sim.set_default_link(LinkConfig {
            reorder: 0.1,
            reorder_delay: Duration::from_millis(40),
            duplicate: 0.05,
            ..lossy(0.2)
        });
        p.run_until_connected(Duration::from_secs(30))?;
        let (la, ra) = p.sim.node(p.a).agent().selected_pair().unwrap();
        let (lb, rb) = p.sim.node(p.b).agent().selected_pair().unwrap();
        if la.addr != rb.addr || lb.addr != ra.addr {
            return Err(format!(
                "mismatched selection {la:?}/{ra:?} vs {lb:?}/{rb:?}"
            ));
        }
        Ok::<(), String>(())
    });
}

/// Both agents start in the role `config` gives; over 10 seeds they end in opposite roles,
/// and (when `counted`) at least one of them counted the conflict.
fn role_conflict_is_repaired(config: fn() -> Config, counted: bool) {
    strata_sim::run_seeds(10, |seed| {
        let mut p = pairing(seed, config(), config(), 0.0);
        p.run_until_connected(Duration::from_secs(10))?;
        let a = p.sim.node(p.a).agent();
        let b = p.sim.node(p.b).agent();
        if a.is_controlling() == b.is_controlling() {
            return Err("roles not repaired".into());
        }
        // The higher tie-breaker keeps controlling (RFC 8445 §7.3.1.1).
        if a.is_controlling() != (a.tie_breaker() >= b.tie_breaker()) {
            return Err("wrong winner".into());
        }
        if counted && a.stats().role_conflicts + b.stats().role_conflicts == 0 {
            return Err("no conflict counted".into());
        }
        Ok::<(), String>(())
    });
}

#[test]
fn role_conflict_both_controlling_is_repaired() {
    role_conflict_is_repaired(Config::controlling, true);
}

#[test]
fn role_conflict_both_controlled_is_repaired() {
    role_conflict_is_repaired(Config::controlled, false);
}

#[test]
fn aggressive_controlling_peer_is_accepted() {
    strata_sim::run_seeds(10, |seed| {
        let mut p = pairing(
            seed,
            Config::controlling().with_aggressive_nomination(true),
            Config::controlled(),
            0.1,
        );
        p.run_until_connected(Duration::from_secs(20))?;
        Ok::<(), String>(())
    });
}

#[test]
fn peer_reflexive_from_incoming_checks() {
    // B never learns A's candidates: it must discover A as peer-reflexive (Chromium without
    // getUserMedia signals no candidates at all).
    strata_sim::run_seeds(10, |seed| {
        let mut p = pairing(seed, Config::controlling(), Config::controlled(), 0.0);
        p.signal_a_to_b = false;
        p.run_until_connected(Duration::from_secs(10))?;
        let (_, remote) = p.sim.node(p.b).agent().selected_pair().unwrap();
        if remote.kind != CandidateKind::PeerReflexive {
            return Err(format!("expected prflx remote, got {remote:?}"));
        }
        Ok::<(), String>(())
    });
    // And in the other direction: the controlled side's candidates are not signalled.
    strata_sim::run_seeds(10, |seed| {
        let mut p = pairing(seed, Config::controlling(), Config::controlled(), 0.0);
        p.signal_b_to_a = false;
        p.run_until_connected(Duration::from_secs(10))?;
        Ok::<(), String>(())
    });
}

#[test]
fn several_addresses_prefer_best_pair() {
    let mut sim = Sim::new(7);
    sim.set_default_link(lossy(0.0));
    let now = sim.now();
    let a1 = addr("192.0.2.1:5000");
    let a2 = addr("192.0.2.2:5001");
    let a6 = addr("[2001:db8::1]:5002");
    let b1 = addr("198.51.100.1:6000");
    let b6 = addr("[2001:db8::2]:6002");
    let a = agent_node(
        Config::controlling().with_seed(seed32(7, 1)),
        now,
        &[a1, a2, a6],
        None,
    );
    let b = agent_node(
        Config::controlled().with_seed(seed32(7, 2)),
        now,
        &[b1, b6],
        None,
    );
    let mut p = Pairing::new(sim, &[a1, a2, a6], a, &[b1, b6], b);
    p.run_until_connected(Duration::from_secs(5)).unwrap();
    // RFC 8421: IPv6 is preferred.
    let (l, r) = p.sim.node(p.a).agent().selected_pair().unwrap();
    assert_eq!((l.addr, r.addr), (a6, b6));
    let pairs = p.sim.node(p.a).agent().pairs();
    assert_eq!(pairs.len(), 3, "families never mix: {pairs:#?}");
    assert!(pairs.windows(2).all(|w| w[0].priority >= w[1].priority));
}

#[test]
fn unreachable_peer_fails_after_end_of_candidates() {
    let mut p = pairing(3, Config::controlling(), Config::controlled(), 1.0);
    p.sim
        .node_mut(p.a)
        .agent_mut()
        .set_remote_end_of_candidates();
    p.run_until(Duration::from_secs(60), |p| {
        p.la.state() == Some(State::Failed)
    })
    .unwrap();
    let pairs = p.sim.node(p.a).agent().pairs();
    assert!(pairs.iter().all(|x| x.state == PairState::Failed));
    // Retransmissions went through the STUN transaction layer: 7 transmissions per check.
    let stats = p
        .sim
        .link_stats(addr("192.0.2.1:5000"), addr("198.51.100.1:6000"));
    assert_eq!(stats.sent, 7);
}

const A: &str = "192.0.2.1:5000";
const B: &str = "198.51.100.1:6000";

#[test]
fn consent_checks_run_every_five_seconds_with_jitter() {
    let mut p = pairing(11, Config::controlling(), Config::controlled(), 0.0);
    p.run_until_connected(Duration::from_secs(5)).unwrap();
    let requests = |p: &Pairing| p.sim.node(p.a).agent().pairs()[0].stats.requests_sent;
    let (before, link_before) = (requests(&p), p.sim.link_stats(addr(A), addr(B)).sent);
    p.sim.run_for(Duration::from_secs(60)).unwrap();
    p.pump();
    let sent = requests(&p) - before;
    // 60 s / [4 s, 6 s] = 10..=15 consent checks.
    assert!((10..=15).contains(&sent), "{sent} consent checks in 60 s");
    // On the wire: those, and the answers to B's own consent checks; nothing else.
    let wire = p.sim.link_stats(addr(A), addr(B)).sent - link_before;
    assert!(wire <= 30, "{wire}");
    assert_eq!(p.la.state(), Some(State::Completed));
    let pair = &p.sim.node(p.a).agent().pairs()[0];
    assert!(pair.stats.responses_received >= 10, "{pair:?}");
    assert!(pair.stats.rtt.is_some());
}

#[test]
fn consent_expires_30s_after_the_peer_goes_silent() {
    strata_sim::run_seeds(5, |seed| {
        let mut p = pairing(seed, Config::controlling(), Config::controlled(), 0.0);
        p.run_until_connected(Duration::from_secs(5))?;
        p.sim.node_mut(p.b).node_mut().cut = true;
        let cut_at = p.sim.elapsed();
        p.run_until(Duration::from_secs(20), |p| {
            p.la.state() == Some(State::Disconnected)
        })?;
        let disc = p.sim.elapsed() - cut_at;
        p.run_until(Duration::from_secs(40), |p| p.la.consent_expired)?;
        let expired = p.sim.elapsed() - cut_at;
        // The last success was at most one consent interval (6 s) before the cut.
        if !(Duration::from_secs(24)..=Duration::from_secs(31)).contains(&expired) {
            return Err(format!("consent expired {expired:?} after the cut"));
        }
        if disc >= expired {
            return Err(format!(
                "disconnected {disc:?} not before expiry {expired:?}"
            ));
        }
        p.pump();
        if p.la.state() != Some(State::Failed) {
            return Err(format!("state {:?}", p.la.state()));
        }
        let now = p.sim.now();
        if p.sim.node_mut(p.a).agent_mut().send(now, b"media")
            != Err(strata_ice::Error::ConsentExpired)
        {
            return Err("send allowed after expiry".into());
        }
        // Nothing more leaves A for B.
        let sent = p.sim.link_stats(addr(A), addr(B)).sent;
        p.sim
            .run_for(Duration::from_secs(60))
            .map_err(|e| e.to_string())?;
        if p.sim.link_stats(addr(A), addr(B)).sent != sent {
            return Err("still sending after consent expiry".into());
        }
        Ok::<(), String>(())
    });
}

#[test]
fn data_flows_on_the_selected_pair() {
    let mut p = pairing(12, Config::controlling(), Config::controlled(), 0.0);
    p.run_until_connected(Duration::from_secs(5)).unwrap();
    let before = p.sim.link_stats(addr(A), addr(B)).sent;
    let now = p.sim.now();
    p.sim
        .node_mut(p.a)
        .agent_mut()
        .send(now, b"\x17hello")
        .unwrap();
    p.sim.run_for(Duration::from_millis(100)).unwrap();
    assert_eq!(p.sim.link_stats(addr(A), addr(B)).sent, before + 1);
}

#[test]
fn trickle_in_any_order_and_before_credentials() {
    strata_sim::run_seeds(10, |seed| {
        let mut p = pairing(seed, Config::controlling(), Config::controlled(), 0.05);
        p.hold = true;
        p.sim
            .run_for(Duration::from_millis(300))
            .map_err(|e| e.to_string())?;
        p.pump();
        p.release(seed % 2 == 0);
        p.hold = false;
        p.run_until_connected(Duration::from_secs(20))?;
        Ok::<(), String>(())
    });
    // Candidates first, credentials a second later.
    let mut sim = Sim::new(5);
    sim.set_default_link(lossy(0.0));
    let now = sim.now();
    let a = agent_node(
        Config::controlling().with_seed(seed32(5, 1)),
        now,
        &[addr(A)],
        None,
    );
    let b = agent_node(
        Config::controlled().with_seed(seed32(5, 2)),
        now,
        &[addr(B)],
        None,
    );
    let ia = sim.add_node(addr(A), a);
    let ib = sim.add_node(addr(B), b);
    for c in sim
        .node(ia)
        .agent()
        .local_candidates()
        .cloned()
        .collect::<Vec<_>>()
    {
        sim.node_mut(ib)
            .agent_mut()
            .add_remote_candidate(c)
            .unwrap();
    }
    for c in sim
        .node(ib)
        .agent()
        .local_candidates()
        .cloned()
        .collect::<Vec<_>>()
    {
        sim.node_mut(ia)
            .agent_mut()
            .add_remote_candidate(c)
            .unwrap();
    }
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(sim.node(ia).agent().state(), State::New);
    common::exchange_credentials(&mut sim, ia, ib);
    sim.run_for(Duration::from_secs(2)).unwrap();
    assert!(sim.node(ia).agent().selected_pair().is_some());
    assert!(sim.node(ib).agent().selected_pair().is_some());
}

#[test]
fn ice_restart_keeps_the_selected_pair_until_a_new_one() {
    strata_sim::run_seeds(10, |seed| {
        let mut p = pairing(seed, Config::controlling(), Config::controlled(), 0.1);
        p.run_until_connected(Duration::from_secs(20))?;
        let now = p.sim.now();
        let old = p.sim.node(p.a).agent().local_credentials().clone();
        let ca = p.sim.node_mut(p.a).agent_mut().restart(now);
        let cb = p.sim.node_mut(p.b).agent_mut().restart(now);
        if ca == old {
            return Err("credentials not renewed".into());
        }
        // Still usable while the new generation checks.
        if p.sim.node_mut(p.a).agent_mut().send(now, b"x").is_err() {
            return Err("selected pair dropped by restart".into());
        }
        p.sim
            .node_mut(p.a)
            .agent_mut()
            .set_remote_credentials(&cb.ufrag, &cb.pwd);
        p.sim
            .node_mut(p.b)
            .agent_mut()
            .set_remote_credentials(&ca.ufrag, &ca.pwd);
        p.run_until(Duration::from_secs(20), |p| {
            p.la.selected.len() >= 2 && p.lb.selected.len() >= 2
        })?;
        for (log, who) in [(&p.la, "A"), (&p.lb, "B")] {
            if log.states.contains(&State::Checking)
                && log.states.iter().rposition(|s| *s == State::Checking) != Some(0)
            {
                return Err(format!("{who} went back to checking: {:?}", log.states));
            }
        }
        Ok::<(), String>(())
    });
}

#[test]
fn lite_peer_against_full_agent() {
    // Full controlling agent against a lite peer, and a full agent told it is controlled
    // that must take control because the peer is lite (RFC 8445 §6.1.1).
    for full in [Config::controlling(), Config::controlled()] {
        strata_sim::run_seeds(10, |seed| {
            let mut p = pairing(seed, full.clone(), Config::default().with_lite(true), 0.1);
            p.sim.node_mut(p.a).agent_mut().set_remote_lite(true);
            p.run_until_connected(Duration::from_secs(20))?;
            if !p.sim.node(p.a).agent().is_controlling() || p.sim.node(p.b).agent().is_controlling()
            {
                return Err("full agent must control".into());
            }
            // The lite side never sends a check: all its datagrams are responses.
            let b_sent = p.sim.link_stats(addr(B), addr(A)).sent;
            let a_sent = p.sim.link_stats(addr(A), addr(B)).sent;
            if b_sent > a_sent {
                return Err(format!("lite sent {b_sent} for {a_sent} requests"));
            }
            Ok::<(), String>(())
        });
    }
}

#[test]
fn lite_agent_keeps_the_binding_alive() {
    let mut p = pairing(
        13,
        Config::controlling(),
        Config::default().with_lite(true),
        0.0,
    );
    p.sim.node_mut(p.a).agent_mut().set_remote_lite(true);
    p.run_until_connected(Duration::from_secs(5)).unwrap();
    // The full side's consent checks keep flowing; the lite side answers them and never
    // declares consent lost.
    p.sim.run_for(Duration::from_secs(60)).unwrap();
    p.pump();
    assert!(p.lb.connected(), "{:?}", p.lb.states);
    assert!(p.la.connected(), "{:?}", p.la.states);
}

#[test]
fn without_end_of_candidates_failure_waits() {
    // RFC 8838 §8: more candidates may still come, so failed pairs alone are not failure.
    let mut p = pairing(4, Config::controlling(), Config::controlled(), 1.0);
    p.run_until(Duration::from_secs(120), |_| false).ok();
    p.pump();
    assert!(
        p.sim
            .node(p.a)
            .agent()
            .pairs()
            .iter()
            .all(|x| x.state == PairState::Failed)
    );
    assert_eq!(p.la.state(), Some(State::Checking));
    // A late candidate still connects once the path works.
    p.sim.set_default_link(lossy(0.0));
    p.sim.add_addr(p.b, addr("198.51.100.1:6001"));
    // B binds a new socket; its candidate trickles to A through the pump.
    p.sim
        .node_mut(p.b)
        .agent_mut()
        .add_local_host(addr("198.51.100.1:6001"))
        .unwrap();
    p.run_until_connected(Duration::from_secs(10)).unwrap();
    let (_, r) = p.sim.node(p.a).agent().selected_pair().unwrap();
    assert_eq!(r.addr, addr("198.51.100.1:6001"));
}
