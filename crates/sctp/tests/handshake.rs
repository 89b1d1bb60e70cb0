//! Handshake and input-validation conformance against crafted packets (RFC 9260 §5, §8.5).

mod common;

use std::time::Duration;

use strata_sctp::wire::cause::CauseCode;
use strata_sctp::wire::chunk::{Chunk, ChunkIter};
use strata_sctp::wire::packet::{Packet, PacketHeader};
use strata_sctp::wire::param::{Param, Params, encode_params};
use strata_sctp::{Association, Config, Error, Event, State};

const AIORTC_INIT: &str = "1388138800000000ae5f854d010000562452170300020000010008003092614bc000000480080009c00fc180820000008002002489992738156ca469abf5a11ac89dc274af07e51ab3fa38045017da1e3390f17780040006000100008003000680c10000";
const AIORTC_INIT_BAD_TAG: &str = "1388138800003039942718d0010000562452170300020000010008003092614bc000000480080009c00fc180820000008002002489992738156ca469abf5a11ac89dc274af07e51ab3fa38045017da1e3390f17780040006000100008003000680c10000";

fn assoc() -> Association {
    Association::new(Config::default().with_seed([3; 32]), common::base())
}

fn drain(a: &mut Association, now: std::time::Instant) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while let Some(n) = a.poll_transmit(now, &mut buf) {
        out.push(buf[..n].to_vec());
    }
    out
}

fn packet(vtag: u32, chunks: &[Chunk<'_>]) -> Vec<u8> {
    let mut out = vec![0u8; 12];
    PacketHeader {
        src_port: 5000,
        dst_port: 5000,
        verification_tag: vtag,
    }
    .emit(&mut out);
    for c in chunks {
        c.emit_to(&mut out);
    }
    Packet::new_checked(&mut out[..]).unwrap().fill_checksum();
    out
}

fn chunks(p: &[u8]) -> Vec<Chunk<'_>> {
    ChunkIter::from_packet(p)
        .unwrap()
        .map(|c| Chunk::parse(c.unwrap()).unwrap())
        .collect()
}

/// Answers the aiortc INIT and returns (INIT ACK packet, cookie bytes).
fn init_ack(a: &mut Association) -> (Vec<u8>, Vec<u8>) {
    let now = common::base();
    a.handle_packet(now, &hex::decode(AIORTC_INIT).unwrap())
        .unwrap();
    let out = drain(a, now);
    assert_eq!(out.len(), 1);
    let p = Packet::new_checked(&out[0][..]).unwrap();
    assert!(p.verify_checksum());
    assert_eq!(
        p.verification_tag(),
        0x24521703,
        "INIT ACK carries the peer's tag"
    );
    let cs = chunks(&out[0]);
    let Chunk::InitAck(ia) = cs[0] else {
        panic!("{cs:?}")
    };
    let cookie = ia
        .params
        .iter()
        .find_map(|p| match p {
            Param::StateCookie(c) => Some(c.to_vec()),
            _ => None,
        })
        .expect("state cookie");
    assert_ne!(ia.initiate_tag, 0);
    (out[0].clone(), cookie)
}

#[test]
fn rfc9260_8_5_1_init_with_nonzero_tag_is_discarded() {
    let mut a = assoc();
    let r = a.handle_packet(common::base(), &hex::decode(AIORTC_INIT_BAD_TAG).unwrap());
    assert_eq!(r, Err(Error::BadVerificationTag));
    assert!(drain(&mut a, common::base()).is_empty());
    assert_eq!(a.state(), State::Closed);
}

#[test]
fn rfc9260_5_1_3_init_keeps_no_state() {
    let mut a = assoc();
    let (_, cookie) = init_ack(&mut a);
    assert_eq!(a.state(), State::Closed);
    assert!(a.poll_timeout().is_none(), "no timers either");
    assert!(!cookie.is_empty());
}

fn init_ack_tag(p: &[u8]) -> u32 {
    match chunks(p)[0] {
        Chunk::InitAck(i) => i.initiate_tag,
        _ => panic!(),
    }
}

#[test]
fn rfc9260_5_1_5_valid_cookie_establishes() {
    let mut a = assoc();
    let (ack, cookie) = init_ack(&mut a);
    let tag = init_ack_tag(&ack);
    let now = common::base() + Duration::from_millis(10);
    a.handle_packet(now, &packet(tag, &[Chunk::CookieEcho(&cookie)]))
        .unwrap();
    assert_eq!(a.state(), State::Established);
    assert_eq!(a.poll_event(), Some(Event::Connected));
    let out = drain(&mut a, now);
    assert!(matches!(chunks(&out[0])[0], Chunk::CookieAck));
    assert_eq!(
        Packet::new_checked(&out[0][..]).unwrap().verification_tag(),
        0x24521703
    );
}

#[test]
fn rfc9260_5_1_5_forged_cookie_is_rejected() {
    let mut a = assoc();
    let (ack, cookie) = init_ack(&mut a);
    let tag = init_ack_tag(&ack);
    for i in [0, 5, 20, cookie.len() - 1] {
        let mut c = cookie.clone();
        c[i] ^= 1;
        let r = a.handle_packet(common::base(), &packet(tag, &[Chunk::CookieEcho(&c)]));
        assert_eq!(r, Err(Error::BadCookie), "byte {i}");
        assert_eq!(a.state(), State::Closed);
    }
    // The right cookie under the wrong verification tag is refused too.
    let r = a.handle_packet(
        common::base(),
        &packet(tag ^ 1, &[Chunk::CookieEcho(&cookie)]),
    );
    assert_eq!(r, Err(Error::BadVerificationTag));
    // And a cookie made by another association (another key) is refused.
    let mut b = Association::new(Config::default().with_seed([4; 32]), common::base());
    let (ack_b, cookie_b) = init_ack(&mut b);
    let r = a.handle_packet(
        common::base(),
        &packet(init_ack_tag(&ack_b), &[Chunk::CookieEcho(&cookie_b)]),
    );
    assert_eq!(r, Err(Error::BadCookie));
    assert!(drain(&mut a, common::base()).is_empty());
    assert_eq!(a.state(), State::Closed);
}

#[test]
fn rfc9260_5_1_5_stale_cookie_gets_an_error() {
    let mut a = assoc();
    let (ack, cookie) = init_ack(&mut a);
    let tag = init_ack_tag(&ack);
    let late = common::base() + Duration::from_secs(61);
    let r = a.handle_packet(late, &packet(tag, &[Chunk::CookieEcho(&cookie)]));
    assert_eq!(r, Err(Error::BadCookie));
    assert_eq!(a.state(), State::Closed);
    let out = drain(&mut a, late);
    assert_eq!(out.len(), 1);
    let Chunk::Error(causes) = chunks(&out[0])[0] else {
        panic!()
    };
    let c = causes.iter().next().unwrap();
    assert_eq!(c.code, CauseCode::STALE_COOKIE);
    assert_eq!(u32::from_be_bytes(c.info.try_into().unwrap()), 1_000_000);
}

fn established() -> (Association, u32) {
    let mut a = assoc();
    let (ack, cookie) = init_ack(&mut a);
    let tag = init_ack_tag(&ack);
    a.handle_packet(common::base(), &packet(tag, &[Chunk::CookieEcho(&cookie)]))
        .unwrap();
    drain(&mut a, common::base());
    while a.poll_event().is_some() {}
    (a, tag)
}

#[test]
fn rfc9260_6_8_bad_checksum_is_dropped() {
    let (mut a, tag) = established();
    let info = encode_params(&[Param::HeartbeatInfo(b"x")]);
    let mut p = packet(tag, &[Chunk::Heartbeat(Params::parse(&info).unwrap())]);
    p[8] ^= 1;
    assert_eq!(a.handle_packet(common::base(), &p), Err(Error::BadChecksum));
    assert!(drain(&mut a, common::base()).is_empty());
    // Zero checksum is refused unless we advertised RFC 9653 support.
    p[8..12].fill(0);
    assert_eq!(a.handle_packet(common::base(), &p), Err(Error::BadChecksum));
}

#[test]
fn rfc9260_8_5_wrong_tag_is_dropped() {
    let (mut a, tag) = established();
    let info = encode_params(&[Param::HeartbeatInfo(b"x")]);
    let hb = Params::parse(&info).unwrap();
    let r = a.handle_packet(
        common::base(),
        &packet(tag.wrapping_add(1), &[Chunk::Heartbeat(hb)]),
    );
    assert_eq!(r, Err(Error::BadVerificationTag));
    assert!(drain(&mut a, common::base()).is_empty());
    a.handle_packet(common::base(), &packet(tag, &[Chunk::Heartbeat(hb)]))
        .unwrap();
    let out = drain(&mut a, common::base());
    assert!(matches!(chunks(&out[0])[0], Chunk::HeartbeatAck(p) if p == hb));
}

#[test]
fn rfc9260_3_2_unknown_chunks_by_upper_bits() {
    let info = encode_params(&[Param::HeartbeatInfo(b"x")]);
    let hb = Chunk::Heartbeat(Params::parse(&info).unwrap());
    let unknown = |ty| Chunk::Unknown {
        ty: strata_sctp::wire::chunk::ChunkType(ty),
        flags: 0,
        value: b"zz",
    };
    // 00: stop, no report. 01: stop, report. 10: skip. 11: skip, report.
    for (ty, processed, reported) in [
        (0x3e, false, false),
        (0x7e, false, true),
        (0xbe, true, false),
        (0xfe, true, true),
    ] {
        let (mut a, tag) = established();
        a.handle_packet(common::base(), &packet(tag, &[unknown(ty), hb]))
            .unwrap();
        let out = drain(&mut a, common::base());
        let all: Vec<_> = out.iter().flat_map(|p| chunks(p)).collect();
        let hb_ack = all.iter().any(|c| matches!(c, Chunk::HeartbeatAck(_)));
        let err = all.iter().find_map(|c| match c {
            Chunk::Error(cs) => cs.iter().next(),
            _ => None,
        });
        assert_eq!(hb_ack, processed, "type {ty:#x}");
        assert_eq!(err.is_some(), reported, "type {ty:#x}");
        if let Some(e) = err {
            assert_eq!(e.code, CauseCode::UNRECOGNIZED_CHUNK_TYPE);
            assert_eq!(e.info, &[ty, 0, 0, 6, b'z', b'z']);
        }
    }
}

#[test]
fn rfc9260_3_3_2_unknown_init_params_reported_in_init_ack() {
    let mut a = assoc();
    let extra = encode_params(&[
        Param::Other {
            ty: strata_sctp::wire::param::ParamType(0x4abc),
            value: b"r",
        },
        Param::Other {
            ty: strata_sctp::wire::param::ParamType(0x8abc),
            value: b"s",
        },
    ]);
    let init = Chunk::Init(strata_sctp::wire::chunk::Init {
        initiate_tag: 77,
        a_rwnd: 100000,
        outbound_streams: 10,
        inbound_streams: 10,
        initial_tsn: strata_sctp::serial::Tsn(5),
        params: Params::parse(&extra).unwrap(),
    });
    a.handle_packet(common::base(), &packet(0, &[init]))
        .unwrap();
    let out = drain(&mut a, common::base());
    let Chunk::InitAck(ia) = chunks(&out[0])[0] else {
        panic!()
    };
    let unrec: Vec<_> = ia
        .params
        .iter()
        .filter_map(|p| match p {
            Param::UnrecognizedParameter(u) => Some(u.to_vec()),
            _ => None,
        })
        .collect();
    // 0x4abc: stop and report, so 0x8abc is never looked at.
    assert_eq!(unrec, vec![vec![0x4a, 0xbc, 0, 5, b'r']]);
}

#[test]
fn time_going_backwards_is_clamped() {
    let (mut a, _) = established();
    let t = common::base() + Duration::from_secs(5);
    a.handle_timeout(t);
    a.handle_timeout(common::base());
    a.handle_timeout(common::base() - Duration::from_secs(1));
    assert_eq!(a.state(), State::Established);
}

fn data(tag: u32, tsn: u32, flags: u8, len: usize) -> Vec<u8> {
    data_ssn(tag, tsn, flags, 0, len)
}

fn data_ssn(tag: u32, tsn: u32, flags: u8, ssn: u16, len: usize) -> Vec<u8> {
    let payload = vec![0x11u8; len];
    packet(
        tag,
        &[Chunk::Data(strata_sctp::wire::chunk::Data {
            flags,
            tsn: strata_sctp::serial::Tsn(tsn),
            stream_id: 0,
            ssn: strata_sctp::serial::Ssn(ssn),
            ppid: 53,
            payload: &payload,
        })],
    )
}

const PEER_TSN: u32 = 814899531; // initial TSN of the aiortc INIT

#[test]
fn out_of_order_data_is_bounded_by_the_window() {
    let (mut a, tag) = established();
    let now = common::base();
    // Never send PEER_TSN (SSN 0) itself: every later message waits for it, up to the window.
    for i in 1..2000u32 {
        a.handle_packet(now, &data_ssn(tag, PEER_TSN + i, 0x03, i as u16, 1000))
            .unwrap();
    }
    assert_eq!(a.poll_event(), None, "nothing deliverable");
    let s = a.stats();
    assert!(s.data_dropped > 900, "{s:?}");
    let out = drain(&mut a, now);
    let sack = out
        .iter()
        .flat_map(|p| chunks(p))
        .filter_map(|c| match c {
            Chunk::Sack(s) => Some((s.a_rwnd, s.num_gap_blocks())),
            _ => None,
        })
        .next_back()
        .expect("a SACK");
    assert!(sack.0 < 1000, "window closed: {}", sack.0);
    assert_eq!(sack.1, 1, "one gap block");
    assert_eq!(a.state(), State::Established);
}

#[test]
fn reassembly_is_bounded_by_max_message_size() {
    let (mut a, tag) = established();
    let now = common::base();
    // B fragment, then middles past the 256 KiB maximum: the association aborts.
    a.handle_packet(now, &data(tag, PEER_TSN, 0x02, 1000))
        .unwrap();
    let mut i = 1;
    while a.state() == State::Established && i < 400 {
        let _ = a.handle_packet(now, &data(tag, PEER_TSN + i, 0, 1000));
        i += 1;
    }
    assert!(i < 300, "aborted near 256 fragments, not {i}");
    assert_eq!(
        a.poll_event(),
        Some(Event::Closed(strata_sctp::CloseReason::ProtocolViolation))
    );
    let out = drain(&mut a, now);
    let abort = out.iter().flat_map(|p| chunks(p)).find_map(|c| match c {
        Chunk::Abort { causes, .. } => causes.iter().next().map(|c| c.code),
        _ => None,
    });
    assert_eq!(abort, Some(CauseCode::OUT_OF_RESOURCE));
}

#[test]
fn rfc9260_6_2_empty_data_chunk_aborts() {
    let (mut a, tag) = established();
    a.handle_packet(common::base(), &data(tag, PEER_TSN, 0x03, 0))
        .unwrap();
    let out = drain(&mut a, common::base());
    let abort = out.iter().flat_map(|p| chunks(p)).find_map(|c| match c {
        Chunk::Abort { causes, .. } => causes.iter().next().map(|c| c.code),
        _ => None,
    });
    assert_eq!(abort, Some(CauseCode::NO_USER_DATA));
}

#[test]
fn rfc9260_8_5_1_forged_cookie_cannot_smuggle_an_abort() {
    let (mut a, tag) = established();
    let forged = vec![0u8; 78];
    let abort = Chunk::Abort {
        t: false,
        causes: strata_sctp::wire::cause::Causes::parse(&[]).unwrap(),
    };
    let r = a.handle_packet(
        common::base(),
        &packet(tag ^ 0xdead, &[Chunk::CookieEcho(&forged), abort]),
    );
    assert_eq!(r, Err(Error::BadCookie));
    assert_eq!(a.state(), State::Established);
    assert_eq!(a.poll_event(), None);
}

#[test]
fn rfc9260_5_2_4_d_late_cookie_echo_after_lost_cookie_ack_is_acked() {
    // Sim seed 10791 regression: the COOKIE ACK was lost for longer than the cookie lifetime;
    // the retransmitted COOKIE ECHO must still get a COOKIE ACK, not a Stale Cookie error.
    let mut a = assoc();
    let (ack, cookie) = init_ack(&mut a);
    let tag = init_ack_tag(&ack);
    a.handle_packet(common::base(), &packet(tag, &[Chunk::CookieEcho(&cookie)]))
        .unwrap();
    drain(&mut a, common::base());
    let late = common::base() + Duration::from_secs(120);
    a.handle_packet(late, &packet(tag, &[Chunk::CookieEcho(&cookie)]))
        .unwrap();
    let out = drain(&mut a, late);
    let all: Vec<_> = out.iter().flat_map(|p| chunks(p)).collect();
    assert!(all.iter().any(|c| matches!(c, Chunk::CookieAck)), "{all:?}");
    assert!(!all.iter().any(|c| matches!(c, Chunk::Error(_))));
}

#[test]
fn rfc9260_8_4_out_of_the_blue_gets_abort_with_t_bit() {
    let mut a = assoc();
    let now = common::base();
    // DATA for an association that does not exist.
    a.handle_packet(now, &data(0x1234, 5, 0x03, 10))
        .unwrap_err();
    let out = drain(&mut a, now);
    assert_eq!(out.len(), 1);
    assert_eq!(
        Packet::new_checked(&out[0][..]).unwrap().verification_tag(),
        0x1234
    );
    assert!(matches!(chunks(&out[0])[0], Chunk::Abort { t: true, .. }));
    // An ABORT is never answered (no ABORT ping-pong).
    let abort = Chunk::Abort {
        t: false,
        causes: strata_sctp::wire::cause::Causes::default(),
    };
    a.handle_packet(now, &packet(0x1234, &[abort])).unwrap_err();
    assert!(drain(&mut a, now).is_empty());
    assert_eq!(a.state(), State::Closed);
}
