//! ICE: an agent with 50 local and 50 remote host candidates (2500 pairs) against a peer
//! with the mirror image, in memory with zero latency, stepping time one pacing interval
//! (Ta = 50 ms) at a time. Reports how many Ta intervals the controlling agent needs to be
//! connected (RFC 8445 allows 2: the check of the best pair, then its nomination), the CPU of
//! the whole run, and the CPU of answering one check. No Rust ICE agent is sans-IO enough to
//! run side by side (webrtc-rs ICE needs tokio), so the numbers stand alone.
//!
//! `cargo bench -p strata-benches --bench ice`

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use strata_benches::measure;
use strata_ice::{Agent, Config, Event, State};
use strata_stun::{Attribute, Class, MessageBuilder, Method, TransactionId};

const N: u8 = 50;

fn run() -> (u32, u64) {
    #[allow(clippy::disallowed_methods)]
    let mut now = Instant::now();
    let cfg = |c: Config, s: u8| {
        let mut c = c.with_seed([s; 32]);
        c.max_pairs = 2500;
        c.max_remote_candidates = 100;
        c.max_local_candidates = 64;
        c
    };
    let mut a = Agent::new(cfg(Config::controlling(), 1), now);
    let mut b = Agent::new(cfg(Config::controlled(), 2), now);
    for i in 0..N {
        a.add_local_host(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, i + 1)),
            5000,
        ))
        .unwrap();
        b.add_local_host(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::new(198, 51, 100, i + 1)),
            6000,
        ))
        .unwrap();
    }
    let (ca, cb) = (a.local_credentials().clone(), b.local_credentials().clone());
    a.set_remote_credentials(&cb.ufrag, &cb.pwd);
    b.set_remote_credentials(&ca.ufrag, &ca.pwd);
    while let Some(e) = a.poll_event() {
        if let Event::LocalCandidate(c) = e {
            b.add_remote_candidate(c).unwrap();
        }
    }
    while let Some(e) = b.poll_event() {
        if let Event::LocalCandidate(c) = e {
            a.add_remote_candidate(c).unwrap();
        }
    }
    let mut intervals = 0;
    while !matches!(a.state(), State::Connected | State::Completed) {
        // Deliver everything instantly, both ways, until quiet.
        loop {
            let mut moved = false;
            while let Some(t) = a.poll_transmit(now) {
                let _ = b.handle_packet(now, t.from, t.to, &t.data);
                moved = true;
            }
            while let Some(t) = b.poll_transmit(now) {
                let _ = a.handle_packet(now, t.from, t.to, &t.data);
                moved = true;
            }
            while a.poll_event().is_some() {}
            while b.poll_event().is_some() {}
            if !moved {
                break;
            }
        }
        if matches!(a.state(), State::Connected | State::Completed) {
            break;
        }
        now += Duration::from_millis(50);
        intervals += 1;
        a.handle_timeout(now);
        b.handle_timeout(now);
        assert!(intervals < 1000, "no connection");
    }
    let checks = a
        .pairs()
        .iter()
        .chain(b.pairs().iter())
        .map(|p| p.stats.requests_sent)
        .sum();
    (intervals, checks)
}

/// The responder's cost of one connectivity check: parse, verify FINGERPRINT and
/// MESSAGE-INTEGRITY, role and pair bookkeeping, and the signed response.
fn answer_cost() -> Duration {
    #[allow(clippy::disallowed_methods)]
    let now = Instant::now();
    let mut b = Agent::new(Config::controlled().with_seed([2; 32]), now);
    let local: SocketAddr = "198.51.100.1:6000".parse().unwrap();
    let peer: SocketAddr = "192.0.2.1:5000".parse().unwrap();
    b.add_local_host(local).unwrap();
    b.set_remote_credentials("peer", "peerpasswordpeerpassword");
    let creds = b.local_credentials().clone();
    let user = format!("{}:peer", creds.ufrag);
    let mut req = Vec::new();
    let mut m = MessageBuilder::new(
        &mut req,
        Class::Request,
        Method::BINDING,
        TransactionId([1; 12]),
    );
    m.add(&Attribute::Username(&user))
        .add(&Attribute::Priority(1_862_270_975))
        .add(&Attribute::IceControlling(42))
        .message_integrity(creds.pwd.as_bytes())
        .fingerprint();
    m.finish().unwrap();
    measure(|| {
        b.handle_packet(now, peer, local, &req).unwrap();
        while let Some(t) = b.poll_transmit(now) {
            std::hint::black_box(t);
        }
        while b.poll_event().is_some() {}
    })
}

fn main() {
    let (intervals, checks) = run();
    let t = measure(|| {
        std::hint::black_box(run());
    });
    let per_check = answer_cost();
    println!(
        "ice: 50x50 host candidates (2500 pairs): connected after {intervals} Ta intervals (RFC 8445 minimum: 2), {checks} checks"
    );
    println!(
        "ice: whole 50x50 run (2 agents: 100 candidates, 2x2500 pairs, checks, nomination): {:.2} ms",
        t.as_secs_f64() * 1e3
    );
    println!(
        "ice: answering one check (verify + respond): {:.2} us",
        per_check.as_secs_f64() * 1e6
    );
    println!(
        "RESULT {{\"bench\":\"ice\",\"ta_intervals\":{intervals},\"checks\":{checks},\"run_ms\":{:.3},\"answer_us\":{:.3}}}",
        t.as_secs_f64() * 1e3,
        per_check.as_secs_f64() * 1e6
    );
}
