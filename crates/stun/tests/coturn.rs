//! Interop with coturn (`turnserver`), started by this test on 127.0.0.1 with a free port:
//! our client transaction machine, driven by a std `UdpSocket` in real time, gets a Binding
//! response, then runs a long-term-credential Allocate (401, then success) and a Refresh
//! with lifetime 0. Fails (never skips) when `turnserver` is missing.
#![allow(clippy::disallowed_methods)] // a real server needs the real clock

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use strata_testkit::{Coturn, PASSWORD, REALM, USER};

use strata_stun::credentials::LongTermKey;
use strata_stun::{
    AttrType, Attribute, Client, Config, ErrorCode, Event, Integrity, Method, Request, Response,
    TRANSPORT_UDP,
};

/// Drives `client` over `sock` in real time until it reports an event.
fn run(client: &mut Client, sock: &UdpSocket, server: &mut Coturn) -> Event {
    let mut out = Vec::new();
    let mut buf = [0u8; 2048];
    let give_up = Instant::now() + Duration::from_secs(30);
    loop {
        let now = Instant::now();
        assert!(
            now < give_up,
            "no event in 30 s; coturn log:\n{}",
            server.log()
        );
        while let Some(t) = client.poll_transmit(now, &mut out) {
            sock.send_to(&out, t.to).unwrap();
        }
        if let Some(ev) = client.poll_event() {
            return ev;
        }
        server.check_alive();
        let wait = client
            .poll_timeout()
            .map_or(Duration::from_millis(100), |t| {
                t.saturating_duration_since(now)
            })
            .max(Duration::from_millis(1));
        sock.set_read_timeout(Some(wait)).unwrap();
        match sock.recv_from(&mut buf) {
            Ok((n, from)) => {
                client
                    .handle_packet(Instant::now(), from, &buf[..n])
                    .unwrap();
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            // ICMP port unreachable while coturn is still starting: retransmissions cover it.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
            Err(e) => panic!("recv: {e}"),
        }
        client.handle_timeout(Instant::now());
    }
}

fn response(ev: Event) -> Response {
    match ev {
        Event::Response(r) => r,
        other => panic!("expected a response, got {other:?}"),
    }
}

fn client() -> Client {
    // A short RTO: coturn may still be binding its socket when the first request leaves.
    Client::new(Config::default().with_rto(Duration::from_millis(100)))
}

#[test]
fn coturn_binding_and_long_term_allocate() {
    let mut server = Coturn::start("stun", 50_000, &[]);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut client = client();

    // Binding: XOR-MAPPED-ADDRESS is our own socket address (no NAT on loopback).
    client
        .start(
            Instant::now(),
            server.addr,
            Request::binding().with_fingerprint(),
        )
        .unwrap();
    let r = response(run(&mut client, &sock, &mut server));
    assert!(r.is_success(), "{:?}", r.message().error_code());
    let msg = r.message();
    assert_eq!(msg.xor_mapped_address(), Some(sock.local_addr().unwrap()));
    assert!(msg.has_fingerprint(), "coturn runs with --fingerprint");
    msg.verify_fingerprint().unwrap();

    // Allocate without credentials: 401 with REALM and NONCE (RFC 8656 §7.2, RFC 8489 §9.2.4).
    let transport = [Attribute::RequestedTransport(TRANSPORT_UDP)];
    client
        .start(
            Instant::now(),
            server.addr,
            Request::new(Method::ALLOCATE)
                .with_attributes(&transport)
                .with_fingerprint(),
        )
        .unwrap();
    let r = response(run(&mut client, &sock, &mut server));
    let msg = r.message();
    assert_eq!(
        msg.error_code().map(|e| e.0),
        Some(ErrorCode::UNAUTHENTICATED)
    );
    let realm = msg.text(AttrType::REALM).expect("REALM in 401").to_owned();
    let nonce = msg.text(AttrType::NONCE).expect("NONCE in 401").to_owned();
    assert_eq!(realm, REALM);

    // Retry with the long-term key: success with XOR-RELAYED-ADDRESS and LIFETIME, and a
    // response whose MESSAGE-INTEGRITY the client verified before reporting it.
    let key = LongTermKey::md5(USER, &realm, PASSWORD);
    let attrs = [
        Attribute::RequestedTransport(TRANSPORT_UDP),
        Attribute::Username(USER),
        Attribute::Realm(&realm),
        Attribute::Nonce(&nonce),
    ];
    let req = Request::new(Method::ALLOCATE)
        .with_attributes(&attrs)
        .with_integrity(Integrity::Sha1(key.as_bytes()))
        .with_fingerprint();
    client.start(Instant::now(), server.addr, req).unwrap();
    let r = response(run(&mut client, &sock, &mut server));
    let msg = r.message();
    assert!(r.is_success(), "Allocate failed: {:?}", msg.error_code());
    msg.verify_integrity(key.as_bytes()).unwrap();
    let relayed = match msg.get(AttrType::XOR_RELAYED_ADDRESS) {
        Some(Ok(Attribute::XorRelayedAddress(a))) => a,
        other => panic!("no XOR-RELAYED-ADDRESS: {other:?}"),
    };
    assert_eq!(relayed.ip(), sock.local_addr().unwrap().ip());
    assert_ne!(relayed.port(), 0);
    let lifetime = match msg.get(AttrType::LIFETIME) {
        Some(Ok(Attribute::Lifetime(s))) => s,
        other => panic!("no LIFETIME: {other:?}"),
    };
    assert!(lifetime > 0);
    assert_eq!(msg.xor_mapped_address(), Some(sock.local_addr().unwrap()));

    // A wrong password is refused by coturn (and its answer carries no valid tag for us).
    let wrong = LongTermKey::md5(USER, &realm, "not-the-password");
    let refresh = [
        Attribute::Lifetime(0),
        Attribute::Username(USER),
        Attribute::Realm(&realm),
        Attribute::Nonce(&nonce),
    ];
    let req = Request::new(Method::REFRESH)
        .with_attributes(&refresh)
        .with_integrity(Integrity::Sha1(wrong.as_bytes()))
        .with_fingerprint();
    client.start(Instant::now(), server.addr, req).unwrap();
    let r = response(run(&mut client, &sock, &mut server));
    assert_eq!(
        r.message().error_code().map(|e| e.0),
        Some(ErrorCode::UNAUTHENTICATED)
    );

    // Refresh with lifetime 0 deletes the allocation (RFC 8656 §7.3).
    let req = Request::new(Method::REFRESH)
        .with_attributes(&refresh)
        .with_integrity(Integrity::Sha1(key.as_bytes()))
        .with_fingerprint();
    client.start(Instant::now(), server.addr, req).unwrap();
    let r = response(run(&mut client, &sock, &mut server));
    assert!(
        r.is_success(),
        "Refresh failed: {:?}",
        r.message().error_code()
    );
    let stats = client.stats();
    assert_eq!(stats.responses, 5);
    assert_eq!(stats.bad_integrity + stats.bad_fingerprint, 0, "{stats:?}");
    // A late answer to a retransmission (coturn still starting) is the only unknown id.
    assert!(stats.unknown_id <= stats.retransmits, "{stats:?}");
}
