//! The agent driven by hand: security checks fail closed, limits hold, API edges.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{addr, seed32};
use strata_ice::{Agent, Candidate, CandidateKind, Config, Error, Event, PairState, Transport};
use strata_stun::{Attribute, Class, Message, MessageBuilder, Method, TransactionId};

const LOCAL: &str = "192.0.2.1:5000";
const PEER: &str = "198.51.100.1:6000";

#[allow(clippy::disallowed_methods)]
fn t0() -> Instant {
    Instant::now()
}

fn agent(config: Config) -> (Agent, Instant) {
    let now = t0();
    let mut a = Agent::new(config.with_seed(seed32(9, 9)), now);
    a.add_local_host(addr(LOCAL)).unwrap();
    (a, now)
}

fn check(username: &str, key: &[u8], fingerprint: bool, extra: &[Attribute<'_>]) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Class::Request,
        Method::BINDING,
        TransactionId([3; 12]),
    );
    b.add(&Attribute::Username(username))
        .add(&Attribute::Priority(1_862_270_975));
    for a in extra {
        b.add(a);
    }
    b.message_integrity(key);
    if fingerprint {
        b.fingerprint();
    }
    b.finish().unwrap();
    buf
}

/// A check to `a` with its own credentials (username `<ufrag>:peer`), with FINGERPRINT.
fn check_to(a: &Agent, extra: &[Attribute<'_>]) -> Vec<u8> {
    let creds = a.local_credentials();
    check(
        &format!("{}:peer", creds.ufrag),
        creds.pwd.as_bytes(),
        true,
        extra,
    )
}

fn drain(a: &mut Agent, now: Instant) -> Vec<strata_ice::Transmit> {
    std::iter::from_fn(|| a.poll_transmit(now)).collect()
}

#[test]
fn credentials_are_random_ice_chars_of_rfc_length() {
    let now = t0();
    let a = Agent::new(Config::default().with_seed([1; 32]), now);
    let b = Agent::new(Config::default().with_seed([2; 32]), now);
    let c = a.local_credentials();
    // RFC 8839 §5.4: ufrag 4..256 ice-chars, pwd 22..256.
    assert!(c.ufrag.len() >= 4 && c.pwd.len() >= 22);
    let ice_char = |ch: char| ch.is_ascii_alphanumeric() || ch == '+' || ch == '/';
    assert!(c.ufrag.chars().chain(c.pwd.chars()).all(ice_char));
    assert_ne!(c, b.local_credentials());
    assert_ne!(a.tie_breaker(), b.tie_breaker());
    // Same seed, same values: reproducible.
    let a2 = Agent::new(Config::default().with_seed([1; 32]), now);
    assert_eq!(a2.local_credentials(), c);
}

#[test]
fn valid_check_is_answered_with_integrity_and_fingerprint() {
    let (mut a, now) = agent(Config::controlled());
    let creds = a.local_credentials().clone();
    let req = check_to(&a, &[Attribute::IceControlling(5)]);
    a.handle_packet(now, addr(PEER), addr(LOCAL), &req).unwrap();
    let out = drain(&mut a, now);
    let resp = out.iter().find(|t| t.to == addr(PEER)).expect("a response");
    assert_eq!(resp.from, addr(LOCAL));
    let m = Message::new_checked(&resp.data[..]).unwrap();
    assert_eq!(m.message_type().class, Class::SuccessResponse);
    assert_eq!(m.transaction_id(), TransactionId([3; 12]));
    assert_eq!(m.xor_mapped_address(), Some(addr(PEER)));
    m.verify_integrity(creds.pwd.as_bytes()).unwrap();
    m.verify_fingerprint().unwrap();
    // The unknown source became a peer-reflexive remote candidate (RFC 8445 §7.3.1.3).
    let r: Vec<&Candidate> = a.remote_candidates().collect();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].kind, CandidateKind::PeerReflexive);
    assert_eq!(r[0].priority, 1_862_270_975);
}

#[test]
fn bad_integrity_is_dropped_and_counted() {
    let (mut a, now) = agent(Config::controlled());
    let creds = a.local_credentials().clone();
    let user = format!("{}:peer", creds.ufrag);
    let forged = check(&user, b"not-the-password-at-all", true, &[]);
    a.handle_packet(now, addr(PEER), addr(LOCAL), &forged)
        .unwrap();
    assert!(
        drain(&mut a, now).is_empty(),
        "a forged check must not be answered"
    );
    assert_eq!(a.stats().bad_integrity, 1);
    assert_eq!(a.remote_candidates().count(), 0, "nor create a candidate");
    // A flipped bit in an otherwise valid request.
    let mut good = check(&user, creds.pwd.as_bytes(), false, &[]);
    let n = good.len();
    good[n - 1] ^= 1;
    let mut b = good.clone();
    // Re-append a valid FINGERPRINT so only MESSAGE-INTEGRITY is wrong.
    let m = Message::new_checked(&b[..]).unwrap();
    let len = m.as_bytes().len();
    let _ = len;
    b.clear();
    {
        let m = Message::new_checked(&good[..]).unwrap();
        let mut w =
            MessageBuilder::new(&mut b, Class::Request, Method::BINDING, m.transaction_id());
        for raw in m.raw_attributes() {
            w.raw(raw.typ, raw.value);
        }
        w.fingerprint();
        w.finish().unwrap();
    }
    a.handle_packet(now, addr(PEER), addr(LOCAL), &b).unwrap();
    assert!(drain(&mut a, now).is_empty());
    assert_eq!(a.stats().bad_integrity, 2);
}

#[test]
fn missing_fingerprint_or_wrong_username_is_dropped() {
    let (mut a, now) = agent(Config::controlled());
    let creds = a.local_credentials().clone();
    let no_fp = check(
        &format!("{}:peer", creds.ufrag),
        creds.pwd.as_bytes(),
        false,
        &[],
    );
    a.handle_packet(now, addr(PEER), addr(LOCAL), &no_fp)
        .unwrap();
    assert_eq!(a.stats().bad_fingerprint, 1);
    let wrong_user = check("someone:peer", creds.pwd.as_bytes(), true, &[]);
    a.handle_packet(now, addr(PEER), addr(LOCAL), &wrong_user)
        .unwrap();
    assert_eq!(a.stats().unknown_username, 1);
    assert!(drain(&mut a, now).is_empty());
    // Garbage is a typed error, counted.
    assert!(
        a.handle_packet(now, addr(PEER), addr(LOCAL), &[0, 1, 2])
            .is_err()
    );
    assert_eq!(a.stats().malformed, 1);
    // A datagram for an address we do not own.
    let ok = check_to(&a, &[]);
    assert_eq!(
        a.handle_packet(now, addr(PEER), addr("192.0.2.99:1"), &ok),
        Err(Error::UnknownLocalAddress)
    );
}

/// Starts a check from `a` to PEER and returns the request.
fn outgoing_check(a: &mut Agent, now: Instant) -> (strata_ice::Transmit, String) {
    a.set_remote_credentials("peeruf", "peerpasswordpeerpassword");
    a.add_remote_candidate(Candidate::host(addr(PEER), "7"))
        .unwrap();
    a.handle_timeout(now);
    let out = drain(a, now);
    assert_eq!(out.len(), 1, "{out:?}");
    (out[0].clone(), "peerpasswordpeerpassword".into())
}

fn response(req: &[u8], key: &[u8], mapped: SocketAddr) -> Vec<u8> {
    let m = Message::new_checked(req).unwrap();
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Class::SuccessResponse,
        Method::BINDING,
        m.transaction_id(),
    );
    b.add(&Attribute::XorMappedAddress(mapped))
        .message_integrity(key)
        .fingerprint();
    b.finish().unwrap();
    buf
}

#[test]
fn outgoing_check_carries_ice_attributes() {
    let (mut a, now) = agent(Config::controlling());
    let (t, pwd) = outgoing_check(&mut a, now);
    assert_eq!((t.from, t.to), (addr(LOCAL), addr(PEER)));
    let m = Message::new_checked(&t.data[..]).unwrap();
    m.verify_integrity(pwd.as_bytes()).unwrap();
    m.verify_fingerprint().unwrap();
    let user = m.text(strata_stun::AttrType::USERNAME).unwrap();
    assert_eq!(user, format!("peeruf:{}", a.local_credentials().ufrag));
    let attrs: Vec<Attribute<'_>> = m.attributes().map(Result::unwrap).collect();
    assert!(attrs.contains(&Attribute::IceControlling(a.tie_breaker())));
    // PRIORITY is that of a peer-reflexive candidate from this base (RFC 8445 §7.1.1).
    assert!(
        attrs
            .iter()
            .any(|x| matches!(x, Attribute::Priority(p) if p >> 24 == 110))
    );
}

#[test]
fn forged_response_is_dropped_and_counted() {
    let (mut a, now) = agent(Config::controlling());
    let (t, pwd) = outgoing_check(&mut a, now);
    let forged = response(&t.data, b"wrong-password-wrong-pwd", addr(LOCAL));
    a.handle_packet(now, addr(PEER), addr(LOCAL), &forged)
        .unwrap();
    assert_eq!(a.stats().bad_integrity, 1);
    assert_eq!(a.pairs()[0].state, PairState::InProgress);
    // From another address: not a response to our check (RFC 8445 §7.2.5.2.1).
    let good = response(&t.data, pwd.as_bytes(), addr(LOCAL));
    a.handle_packet(now, addr("198.51.100.2:6000"), addr(LOCAL), &good)
        .unwrap();
    assert_eq!(a.pairs()[0].state, PairState::InProgress);
    assert!(a.stats().unmatched_responses >= 1);
    // The genuine one succeeds.
    a.handle_packet(
        now + Duration::from_millis(30),
        addr(PEER),
        addr(LOCAL),
        &good,
    )
    .unwrap();
    let p = &a.pairs()[0];
    assert_eq!(p.state, PairState::Succeeded);
    assert_eq!(p.stats.responses_received, 1);
    assert_eq!(p.stats.rtt, Some(Duration::from_millis(30)));
}

#[test]
fn tcp_and_other_components_are_ignored() {
    let (mut a, _) = agent(Config::controlling());
    let mut tcp = Candidate::host(addr("198.51.100.1:9"), "2");
    tcp.transport = Transport::Tcp;
    a.add_remote_candidate(tcp).unwrap();
    let mut rtcp = Candidate::host(addr(PEER), "3");
    rtcp.component = 2;
    a.add_remote_candidate(rtcp).unwrap();
    assert_eq!(a.remote_candidates().count(), 0);
    assert_eq!(a.pairs().len(), 0);
    assert_eq!(a.stats().ignored_candidates, 2);
    assert!(
        a.add_remote_candidate(Candidate::host(addr("0.0.0.0:1"), "4"))
            .is_err()
    );
}

#[test]
fn mdns_candidates_are_surfaced() {
    let (mut a, _) = agent(Config::controlling());
    while a.poll_event().is_some() {}
    a.add_remote_mdns_candidate("1f2e3d4c-aaaa.local", 5555)
        .unwrap();
    assert_eq!(
        a.poll_event(),
        Some(Event::ResolveMdns {
            name: "1f2e3d4c-aaaa.local".into(),
            port: 5555
        })
    );
    assert!(a.add_remote_mdns_candidate("example.com", 1).is_err());
}

#[test]
fn remote_candidates_and_pairs_are_bounded() {
    let mut config = Config::controlling();
    config.max_remote_candidates = 20;
    config.max_pairs = 30;
    let (mut a, now) = agent(config);
    a.add_local_host(addr("192.0.2.2:5000")).unwrap();
    let mut refused = 0;
    for i in 0..100u16 {
        let c = Candidate::host(
            SocketAddr::new("198.51.100.1".parse().unwrap(), 1000 + i),
            "9",
        );
        if a.add_remote_candidate(c).is_err() {
            refused += 1;
        }
    }
    assert_eq!(refused, 80);
    assert_eq!(a.remote_candidates().count(), 20);
    assert!(a.pairs().len() <= 30);
    let _ = now;
}

#[test]
fn prflx_flood_is_bounded() {
    let (mut a, now) = agent(Config::controlled());
    let req = check_to(&a, &[Attribute::IceControlling(1)]);
    for i in 0..500u16 {
        let from = SocketAddr::new("203.0.113.5".parse().unwrap(), 1024 + i);
        a.handle_packet(now, from, addr(LOCAL), &req).unwrap();
        drain(&mut a, now);
    }
    assert_eq!(
        a.remote_candidates().count(),
        Config::default().max_prflx_candidates
    );
    assert!(a.stats().refused_by_limit > 0);
}

#[test]
fn transmit_queue_is_bounded() {
    let mut config = Config::controlled();
    config.max_queued_transmits = 8;
    let (mut a, now) = agent(config);
    let req = check_to(&a, &[Attribute::IceControlling(1)]);
    for _ in 0..50 {
        a.handle_packet(now, addr(PEER), addr(LOCAL), &req).unwrap();
    }
    assert_eq!(drain(&mut a, now).len(), 8);
    assert_eq!(a.stats().dropped_transmits, 42);
}

#[test]
fn role_conflict_answered_with_487_when_we_win() {
    let mut config = Config::controlling();
    config.seed = Some([4; 32]);
    let now = t0();
    let mut a = Agent::new(config, now);
    a.add_local_host(addr(LOCAL)).unwrap();
    let creds = a.local_credentials().clone();
    let user = format!("{}:peer", creds.ufrag);
    // The peer also claims controlling, with a lower tie-breaker: 487 (RFC 8445 §7.3.1.1).
    let low = check(
        &user,
        creds.pwd.as_bytes(),
        true,
        &[Attribute::IceControlling(0)],
    );
    a.handle_packet(now, addr(PEER), addr(LOCAL), &low).unwrap();
    let out = drain(&mut a, now);
    let m = Message::new_checked(&out[0].data[..]).unwrap();
    assert_eq!(m.message_type().class, Class::ErrorResponse);
    assert_eq!(
        m.error_code().unwrap().0,
        strata_stun::ErrorCode::ROLE_CONFLICT
    );
    m.verify_integrity(creds.pwd.as_bytes()).unwrap();
    assert!(a.is_controlling());
    // A higher tie-breaker: we switch to controlled and answer.
    let high = check(
        &user,
        creds.pwd.as_bytes(),
        true,
        &[Attribute::IceControlling(u64::MAX)],
    );
    a.handle_packet(now, addr(PEER), addr(LOCAL), &high)
        .unwrap();
    let out = drain(&mut a, now);
    let m = Message::new_checked(&out[0].data[..]).unwrap();
    assert_eq!(m.message_type().class, Class::SuccessResponse);
    assert!(!a.is_controlling());
    assert!(
        std::iter::from_fn(|| a.poll_event())
            .any(|e| e == Event::RoleChanged { controlling: false })
    );
}

#[test]
fn time_going_backwards_is_clamped() {
    let (mut a, now) = agent(Config::controlling());
    let (_t, _) = outgoing_check(&mut a, now + Duration::from_secs(1));
    a.handle_timeout(now);
    let _ = a.poll_transmit(now);
    assert!(a.poll_timeout().is_some());
}

#[test]
fn new_checks_are_paced_by_ta() {
    let ta = Duration::from_millis(20);
    let now = t0();
    let mut a = Agent::new(Config::controlling().with_seed([6; 32]).with_ta(ta), now);
    for i in 1..=3u8 {
        a.add_local_host(SocketAddr::from(([192, 0, 2, i], 5000)))
            .unwrap();
    }
    a.set_remote_credentials("peeruf", "peerpasswordpeerpassword");
    for i in 1..=3u8 {
        a.add_remote_candidate(Candidate::host(
            SocketAddr::from(([198, 51, 100, i], 6000)),
            format!("r{i}"),
        ))
        .unwrap();
    }
    let mut t = now;
    let mut first: Vec<(Instant, TransactionId)> = Vec::new();
    while t < now + Duration::from_millis(400) {
        a.handle_timeout(t);
        while let Some(x) = a.poll_transmit(t) {
            let id = Message::new_checked(&x.data[..]).unwrap().transaction_id();
            if !first.iter().any(|(_, i)| *i == id) {
                first.push((t, id));
            }
        }
        t = a.poll_timeout().unwrap().max(t + Duration::from_millis(1));
    }
    // Nine pairs, nine foundations: one new check per Ta, never two in one slot.
    assert_eq!(first.len(), 9, "{first:?}");
    for w in first.windows(2) {
        assert!(w[1].0 - w[0].0 >= ta, "checks {:?} apart", w[1].0 - w[0].0);
    }
    assert!(first[8].0 - first[0].0 <= ta * 8 + Duration::from_millis(8));
    // Highest pair priority first (RFC 8445 §6.1.4.2).
    let pairs = a.pairs();
    assert_eq!(pairs.len(), 9);
    assert!(pairs.iter().all(|p| p.state == PairState::InProgress));
}

#[test]
fn rfc8445_6_1_2_6_one_waiting_pair_per_foundation() {
    let now = t0();
    let mut a = Agent::new(Config::controlling().with_seed([6; 32]), now);
    // Two host candidates on one IP share a foundation; so do the peer's two.
    a.add_local_host(addr("192.0.2.1:5000")).unwrap();
    a.add_local_host(addr("192.0.2.1:5001")).unwrap();
    let f: Vec<String> = a.local_candidates().map(|c| c.foundation.clone()).collect();
    assert_eq!(f[0], f[1]);
    a.add_remote_candidate(Candidate::host(addr("198.51.100.1:6000"), "x"))
        .unwrap();
    a.add_remote_candidate(Candidate::host(addr("198.51.100.1:6001"), "x"))
        .unwrap();
    let states: Vec<PairState> = a.pairs().iter().map(|p| p.state).collect();
    assert_eq!(
        states.iter().filter(|s| **s == PairState::Waiting).count(),
        1,
        "{states:?}"
    );
    assert_eq!(
        states.iter().filter(|s| **s == PairState::Frozen).count(),
        3,
        "{states:?}"
    );
    // The waiting one is the best pair; its success unfreezes the rest (§7.2.5.3.3).
    a.set_remote_credentials("peeruf", "peerpasswordpeerpassword");
    a.handle_timeout(now);
    let t = a.poll_transmit(now).unwrap();
    assert_eq!(t.to, a.pairs()[0].remote);
    let resp = response(&t.data, b"peerpasswordpeerpassword", t.from);
    a.handle_packet(now, t.to, t.from, &resp).unwrap();
    let states: Vec<PairState> = a.pairs().iter().map(|p| p.state).collect();
    assert_eq!(states[0], PairState::Succeeded);
    assert!(
        states[1..].iter().all(|s| *s == PairState::Waiting),
        "{states:?}"
    );
}

#[test]
fn events_queue_is_bounded() {
    let mut config = Config::controlling();
    config.max_queued_events = 4;
    let now = t0();
    let mut a = Agent::new(config.with_seed([1; 32]), now);
    for i in 1..=10u8 {
        a.add_local_host(SocketAddr::from(([192, 0, 2, i], 5000)))
            .unwrap();
    }
    let events: Vec<Event> = std::iter::from_fn(|| a.poll_event()).collect();
    // Four candidates kept, the rest counted, then the lazily produced GatheringComplete.
    assert_eq!(events.len(), 5, "{events:?}");
    assert_eq!(a.stats().dropped_events, 6);
}

/// Fuzz regression (ice_agent): a remote candidate *signalled* with type prflx, then the same
/// address signalled as host, underflowed the learned-prflx counter.
#[test]
fn signalled_prflx_then_host_for_same_address() {
    let (mut a, _) = agent(Config::controlling());
    let p = addr(PEER);
    a.add_remote_candidate(Candidate::new(CandidateKind::PeerReflexive, p, 7, "p"))
        .unwrap();
    a.add_remote_candidate(Candidate::host(p, "h")).unwrap();
    assert_eq!(a.remote_candidates().count(), 1);
    // A learned prflx upgraded by a signalled host frees its slot in the prflx cap.
    let (mut b, now) = agent(Config::controlled());
    let req = check_to(&b, &[Attribute::IceControlling(1)]);
    b.handle_packet(now, p, addr(LOCAL), &req).unwrap();
    assert_eq!(
        b.remote_candidates().next().unwrap().kind,
        CandidateKind::PeerReflexive
    );
    b.add_remote_candidate(Candidate::host(p, "h")).unwrap();
    let r: Vec<&Candidate> = b.remote_candidates().collect();
    assert_eq!((r.len(), r[0].kind), (1, CandidateKind::Host));
}

#[test]
fn unauthenticated_error_response_cannot_fail_a_pair() {
    let (mut a, now) = agent(Config::controlling());
    let (t, _) = outgoing_check(&mut a, now);
    let m = Message::new_checked(&t.data[..]).unwrap();
    let mut buf = Vec::new();
    let mut b = MessageBuilder::new(
        &mut buf,
        Class::ErrorResponse,
        Method::BINDING,
        m.transaction_id(),
    );
    b.add(&Attribute::ErrorCode {
        code: strata_stun::ErrorCode::UNAUTHENTICATED,
        reason: "",
    })
    .fingerprint();
    b.finish().unwrap();
    a.handle_packet(now, t.to, t.from, &buf).unwrap();
    assert_eq!(a.pairs()[0].state, PairState::InProgress);
    assert_eq!(a.stats().bad_integrity, 1);
}

#[test]
fn chromium_goog_network_info_is_accepted_and_unknown_required_gets_420() {
    let (mut a, now) = agent(Config::controlled());
    let creds = a.local_credentials().clone();
    let user = format!("{}:peer", creds.ufrag);
    let goog = Attribute::Unknown {
        typ: strata_stun::AttrType(0xC057),
        value: &[0, 1, 0, 10],
    };
    let req = check(
        &user,
        creds.pwd.as_bytes(),
        true,
        &[Attribute::IceControlling(3), goog],
    );
    a.handle_packet(now, addr(PEER), addr(LOCAL), &req).unwrap();
    let out = drain(&mut a, now);
    let m = Message::new_checked(&out[0].data[..]).unwrap();
    assert_eq!(m.message_type().class, Class::SuccessResponse);
    // A comprehension-required attribute we do not know: 420 (RFC 8489 §6.3.1.1).
    let odd = Attribute::Unknown {
        typ: strata_stun::AttrType(0x7F01),
        value: &[1, 2, 3, 4],
    };
    let req = check(&user, creds.pwd.as_bytes(), true, &[odd]);
    a.handle_packet(now, addr(PEER), addr(LOCAL), &req).unwrap();
    let out = drain(&mut a, now);
    let m = Message::new_checked(&out[0].data[..]).unwrap();
    assert_eq!(m.message_type().class, Class::ErrorResponse);
    assert_eq!(
        m.error_code().unwrap().0,
        strata_stun::ErrorCode::UNKNOWN_ATTRIBUTE
    );
    assert_eq!(a.stats().unknown_attributes, 1);
}

#[test]
fn relay_only_host_base_is_neither_signalled_nor_answered() {
    // W3C iceTransportPolicy "relay": the host base only reaches the TURN server. Listing it,
    // or answering a check that arrives there, would give the peer a path around the relay
    // (it did: `strata answer --relay-only` put its host candidate in the answer and a
    // controlling peer nominated host <-> host).
    let (mut a, now) = agent(Config::controlled().with_relay_only(true));
    assert_eq!(
        a.local_candidates().count(),
        0,
        "the host base is not a candidate"
    );
    let req = check_to(&a, &[Attribute::IceControlling(5)]);
    assert_eq!(
        a.handle_packet(now, addr(PEER), addr(LOCAL), &req),
        Err(Error::UnknownLocalAddress)
    );
    assert!(
        drain(&mut a, now).iter().all(|t| t.to != addr(PEER)),
        "no answer"
    );
    assert_eq!(
        a.remote_candidates().count(),
        0,
        "no peer-reflexive candidate learned"
    );

    // The same check is answered when host candidates are allowed.
    let (mut b, now) = agent(Config::controlled());
    assert_eq!(b.local_candidates().count(), 1);
    let req = check_to(&b, &[Attribute::IceControlling(5)]);
    b.handle_packet(now, addr(PEER), addr(LOCAL), &req).unwrap();
    assert!(drain(&mut b, now).iter().any(|t| t.to == addr(PEER)));
}
