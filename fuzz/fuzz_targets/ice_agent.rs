//! strata-ice: an agent connected to a real peer, then fed arbitrary datagrams (raw and structured STUN: checks
//! with any role, tie-breaker, priority and USE-CANDIDATE, responses to its own requests,
//! TURN-looking traffic) from arbitrary addresses, plus timeouts, remote candidates, sends,
//! restarts and close. It must never panic, and every bound must hold.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use strata_ice::{Agent, Candidate, CandidateKind, Config, Transport};
use strata_stun::{Attribute, Class, ErrorCode, Message, MessageBuilder, Method, TransactionId};

#[derive(Debug, Arbitrary)]
enum Op {
    Raw { from: (u8, u16), to: u8, data: Vec<u8> },
    Check { from: (u8, u16), to: u8, good_user: bool, role: Option<bool>, tie: u64, prio: u32, use_candidate: bool },
    Answer { which: u8, error: Option<u16>, mapped: (u8, u16), good_key: bool },
    Timeout(u16),
    Remote { from: (u8, u16), prio: u32, tcp: bool, kind: u8 },
    Send(Vec<u8>),
    Restart,
    Close,
}

const HOSTS: [&str; 2] = ["192.0.2.1:5000", "192.0.2.2:5000"];

fn peer((ip, port): (u8, u16)) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, ip % 16)), 1000 + port % 64)
}

fn local(i: u8) -> SocketAddr {
    if i < 240 { HOSTS[usize::from(i) % 2].parse().unwrap() } else { SocketAddr::new(IpAddr::V4(Ipv4Addr::new(203, 0, 113, i)), 9) }
}

fuzz_target!(|ops: Vec<Op>| {
    #[allow(clippy::disallowed_methods)] // the fuzzer's base instant; only offsets matter
    let mut now = Instant::now();
    let mut config = Config::controlled().with_seed([7; 32]);
    config.max_remote_candidates = 16;
    config.max_prflx_candidates = 8;
    config.max_pairs = 24;
    config.max_queued_transmits = 32;
    config.max_queued_events = 32;
    let (maxr, maxp, maxq) = (config.max_remote_candidates, config.max_pairs, config.max_queued_transmits);
    let mut a = Agent::new(config, now);
    for h in HOSTS {
        a.add_local_host(h.parse().unwrap()).unwrap();
    }
    // Connect to a real peer first, so the fuzz input meets a selected pair with consent.
    let mut b = Agent::new(Config::controlling().with_seed([8; 32]), now);
    b.add_local_host(peer((1, 1))).unwrap();
    let (ca, cb) = (a.local_credentials().clone(), b.local_credentials().clone());
    a.set_remote_credentials(&cb.ufrag, &cb.pwd);
    b.set_remote_credentials(&ca.ufrag, &ca.pwd);
    for _ in 0..50 {
        while let Some(e) = a.poll_event() {
            if let strata_ice::Event::LocalCandidate(c) = e {
                let _ = b.add_remote_candidate(c);
            }
        }
        while let Some(e) = b.poll_event() {
            if let strata_ice::Event::LocalCandidate(c) = e {
                let _ = a.add_remote_candidate(c);
            }
        }
        while let Some(t) = a.poll_transmit(now) {
            let _ = b.handle_packet(now, t.from, t.to, &t.data);
        }
        while let Some(t) = b.poll_transmit(now) {
            let _ = a.handle_packet(now, t.from, t.to, &t.data);
        }
        if a.selected_pair().is_some() {
            break;
        }
        now += Duration::from_millis(10);
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    let peer_pwd = cb.pwd.clone();
    let mut sent: Vec<(SocketAddr, SocketAddr, Vec<u8>)> = Vec::new();
    for op in ops.into_iter().take(256) {
        let creds = a.local_credentials().clone();
        match op {
            Op::Raw { from, to, data } => {
                let _ = a.handle_packet(now, peer(from), local(to), &data);
            }
            Op::Check { from, to, good_user, role, tie, prio, use_candidate } => {
                let mut buf = Vec::new();
                let user = if good_user { format!("{}:peer", creds.ufrag) } else { "x:y".to_owned() };
                let mut b = MessageBuilder::new(&mut buf, Class::Request, Method::BINDING, TransactionId([tie as u8; 12]));
                b.add(&Attribute::Username(&user)).add(&Attribute::Priority(prio));
                match role {
                    Some(true) => { b.add(&Attribute::IceControlling(tie)); }
                    Some(false) => { b.add(&Attribute::IceControlled(tie)); }
                    None => {}
                }
                if use_candidate {
                    b.add(&Attribute::UseCandidate);
                }
                b.message_integrity(creds.pwd.as_bytes()).fingerprint();
                if b.finish().is_ok() {
                    let _ = a.handle_packet(now, peer(from), local(to), &buf);
                }
            }
            Op::Answer { which, error, mapped, good_key } => {
                if sent.is_empty() {
                    continue;
                }
                let (from, to, req) = sent[usize::from(which) % sent.len()].clone();
                let Ok(m) = Message::new_checked(&req[..]) else { continue };
                if m.message_type().class != Class::Request {
                    continue;
                }
                let mut buf = Vec::new();
                let class = if error.is_some() { Class::ErrorResponse } else { Class::SuccessResponse };
                let mut b = MessageBuilder::new(&mut buf, class, m.message_type().method, m.transaction_id());
                match error {
                    Some(code) => {
                        let code = ErrorCode(300 + code % 400);
                        b.add(&Attribute::ErrorCode { code, reason: "" });
                    }
                    None => {
                        b.add(&Attribute::XorMappedAddress(peer(mapped)));
                    }
                }
                let key: &[u8] = if good_key { peer_pwd.as_bytes() } else { b"nope" };
                b.message_integrity(key).fingerprint();
                if b.finish().is_ok() {
                    let _ = a.handle_packet(now, to, from, &buf);
                }
            }
            Op::Timeout(ms) => {
                now += Duration::from_millis(u64::from(ms));
                a.handle_timeout(now);
            }
            Op::Remote { from, prio, tcp, kind } => {
                let kind = [CandidateKind::Host, CandidateKind::ServerReflexive, CandidateKind::Relayed, CandidateKind::PeerReflexive][usize::from(kind) % 4];
                let mut c = Candidate::new(kind, peer(from), prio, "f");
                if tcp {
                    c.transport = Transport::Tcp;
                }
                let _ = a.add_remote_candidate(c);
            }
            Op::Send(d) => {
                let _ = a.send(now, &d);
            }
            Op::Restart => {
                let _ = a.restart(now);
                a.set_remote_credentials("peer", &peer_pwd);
            }
            Op::Close => a.close(now),
        }
        let mut n = 0;
        while let Some(t) = a.poll_transmit(now) {
            n += 1;
            assert!(n <= maxq + 256, "transmits unbounded");
            if sent.len() >= 16 {
                sent.remove(0);
            }
            sent.push((t.from, t.to, t.data));
        }
        while a.poll_event().is_some() {}
        assert!(a.remote_candidates().count() <= maxr);
        assert!(a.pairs().len() <= maxp);
        if let Some(t) = a.poll_timeout() {
            // Timers are never absurdly far away (no overflow, no stuck deadline in the past).
            assert!(t <= now + Duration::from_secs(3600));
        }
    }
});
