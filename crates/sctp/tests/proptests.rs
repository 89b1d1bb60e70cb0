//! Property tests: chunk round trips, parsers never panic, reassembly against a naive model,
//! and an association fed arbitrary packets.

mod common;

use proptest::prelude::*;
use strata_sctp::dcep::DcepMessage;
use strata_sctp::serial::{Mid, Ssn, Tsn};
use strata_sctp::wire::cause::{Cause, CauseCode, Causes, encode_causes};
use strata_sctp::wire::chunk::{
    Chunk, ChunkIter, ChunkType, Data, ForwardTsn, IData, Init, Sack, data_flags,
};
use strata_sctp::wire::packet::{Packet, PacketHeader};
use strata_sctp::wire::param::{
    Param, ParamType, Params, ReconfigResult, StreamList, encode_params,
};
use strata_sctp::{Association, Config, Event};

/// Owned material from which a borrowed chunk repr is built.
#[derive(Debug, Clone)]
enum Spec {
    Data(u8, u32, u16, u16, u32, Vec<u8>),
    IData(u8, u32, u16, u32, u32, Vec<u8>),
    Init(bool, u32, u32, u16, u16, u32, Vec<u8>),
    Sack(u32, u32, Vec<u8>, Vec<u8>),
    Abort(bool, Vec<u8>),
    Error(Vec<u8>),
    Shutdown(u32),
    Simple(u8),
    Cookie(Vec<u8>),
    Fwd(u32, Vec<u8>),
    Reconfig(Vec<u8>),
    Heartbeat(Vec<u8>),
    Unknown(u8, u8, Vec<u8>),
}

fn params_strategy() -> impl Strategy<Value = Vec<u8>> {
    let one = prop_oneof![
        any::<Vec<u8>>().prop_map(|v| encode_params(&[Param::StateCookie(&v)])),
        Just(encode_params(&[Param::ForwardTsnSupported])),
        any::<u32>().prop_map(|v| encode_params(&[Param::ZeroChecksumAcceptable(v)])),
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            proptest::collection::vec(any::<u16>(), 0..8)
        )
            .prop_map(|(a, b, c, s)| {
                let sb: Vec<u8> = s.iter().flat_map(|x| x.to_be_bytes()).collect();
                encode_params(&[Param::OutgoingSsnReset {
                    request_seq: a,
                    response_seq: b,
                    last_tsn: c,
                    streams: StreamList::from_bytes(&sb),
                }])
            }),
        (any::<u32>(), any::<u32>(), any::<Option<(u32, u32)>>()).prop_map(|(a, r, t)| {
            encode_params(&[Param::ReconfigResponse {
                response_seq: a,
                result: ReconfigResult(r),
                tsns: t,
            }])
        }),
        (
            0x4000u16..0x7fff,
            proptest::collection::vec(any::<u8>(), 0..20)
        )
            .prop_map(|(t, v)| encode_params(&[Param::Other {
                ty: ParamType(t),
                value: &v
            }])),
    ];
    proptest::collection::vec(one, 0..4).prop_map(|v| v.concat())
}

fn causes_strategy() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        (any::<u16>(), proptest::collection::vec(any::<u8>(), 0..20)),
        0..3,
    )
    .prop_map(|cs| {
        let cs: Vec<Cause<'_>> = cs
            .iter()
            .map(|(c, i)| Cause {
                code: CauseCode(*c),
                info: i,
            })
            .collect();
        encode_causes(&cs)
    })
}

fn spec() -> impl Strategy<Value = Spec> {
    let bytes = || proptest::collection::vec(any::<u8>(), 0..64);
    prop_oneof![
        (
            any::<u8>(),
            any::<u32>(),
            any::<u16>(),
            any::<u16>(),
            any::<u32>(),
            bytes()
        )
            .prop_map(|(f, t, s, q, p, d)| Spec::Data(f, t, s, q, p, d)),
        (
            any::<u8>(),
            any::<u32>(),
            any::<u16>(),
            any::<u32>(),
            any::<u32>(),
            bytes()
        )
            .prop_map(|(f, t, s, m, p, d)| Spec::IData(f, t, s, m, p, d)),
        (
            any::<bool>(),
            any::<u32>(),
            any::<u32>(),
            any::<u16>(),
            any::<u16>(),
            any::<u32>(),
            params_strategy()
        )
            .prop_map(|(a, b, c, d, e, f, g)| Spec::Init(a, b, c, d, e, f, g)),
        (
            any::<u32>(),
            any::<u32>(),
            proptest::collection::vec(any::<u8>(), 0..10),
            proptest::collection::vec(any::<u8>(), 0..10)
        )
            .prop_map(|(c, r, mut g, mut d)| {
                g.truncate(g.len() & !3);
                d.truncate(d.len() & !3);
                Spec::Sack(c, r, g, d)
            }),
        (any::<bool>(), causes_strategy()).prop_map(|(t, c)| Spec::Abort(t, c)),
        causes_strategy().prop_map(Spec::Error),
        any::<u32>().prop_map(Spec::Shutdown),
        prop_oneof![Just(8u8), Just(11), Just(14)].prop_map(Spec::Simple),
        bytes().prop_map(Spec::Cookie),
        (any::<u32>(), proptest::collection::vec(any::<u8>(), 0..16)).prop_map(|(c, mut v)| {
            v.truncate(v.len() & !3);
            Spec::Fwd(c, v)
        }),
        params_strategy().prop_map(Spec::Reconfig),
        bytes().prop_map(|v| Spec::Heartbeat(encode_params(&[Param::HeartbeatInfo(&v)]))),
        (any::<u8>(), any::<u8>(), bytes())
            .prop_filter("unknown types only", |(t, _, _)| {
                ![
                    0u8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 64, 130, 192, 194,
                ]
                .contains(t)
            })
            .prop_map(|(t, f, v)| Spec::Unknown(t, f, v)),
    ]
}

fn build(s: &Spec) -> Chunk<'_> {
    match s {
        Spec::Data(f, t, sid, q, p, d) => Chunk::Data(Data {
            flags: *f,
            tsn: Tsn(*t),
            stream_id: *sid,
            ssn: Ssn(*q),
            ppid: *p,
            payload: d,
        }),
        Spec::IData(f, t, sid, m, p, d) => Chunk::IData(IData {
            flags: *f,
            tsn: Tsn(*t),
            stream_id: *sid,
            mid: Mid(*m),
            ppid_or_fsn: *p,
            payload: d,
        }),
        Spec::Init(ack, tag, rw, os, is, tsn, p) => {
            let i = Init {
                initiate_tag: *tag,
                a_rwnd: *rw,
                outbound_streams: *os,
                inbound_streams: *is,
                initial_tsn: Tsn(*tsn),
                params: Params::parse(p).unwrap(),
            };
            if *ack {
                Chunk::InitAck(i)
            } else {
                Chunk::Init(i)
            }
        }
        Spec::Sack(c, r, g, d) => Chunk::Sack(Sack::from_raw(Tsn(*c), *r, g, d)),
        Spec::Abort(t, c) => Chunk::Abort {
            t: *t,
            causes: Causes::parse(c).unwrap(),
        },
        Spec::Error(c) => Chunk::Error(Causes::parse(c).unwrap()),
        Spec::Shutdown(c) => Chunk::Shutdown {
            cum_tsn_ack: Tsn(*c),
        },
        Spec::Simple(8) => Chunk::ShutdownAck,
        Spec::Simple(11) => Chunk::CookieAck,
        Spec::Simple(_) => Chunk::ShutdownComplete { t: true },
        Spec::Cookie(c) => Chunk::CookieEcho(c),
        Spec::Fwd(c, v) => Chunk::ForwardTsn(ForwardTsn::from_raw(Tsn(*c), v)),
        Spec::Reconfig(p) => Chunk::ReConfig(Params::parse(p).unwrap()),
        Spec::Heartbeat(p) => Chunk::Heartbeat(Params::parse(p).unwrap()),
        Spec::Unknown(t, f, v) => Chunk::Unknown {
            ty: ChunkType(*t),
            flags: *f,
            value: v,
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn chunk_round_trip(specs in proptest::collection::vec(spec(), 1..5), vtag: u32) {
        let chunks: Vec<Chunk<'_>> = specs.iter().map(build).collect();
        let mut pkt = vec![0u8; 12];
        PacketHeader { src_port: 5000, dst_port: 5000, verification_tag: vtag }.emit(&mut pkt);
        for c in &chunks {
            c.emit_to(&mut pkt);
        }
        Packet::new_checked(&mut pkt[..]).unwrap().fill_checksum();
        let view = Packet::new_checked(&pkt[..]).unwrap();
        prop_assert!(view.verify_checksum());
        prop_assert_eq!(view.verification_tag(), vtag);
        let parsed: Vec<Chunk<'_>> = ChunkIter::from_packet(&pkt)
            .unwrap()
            .map(|r| Chunk::parse(r.unwrap()).unwrap())
            .collect();
        prop_assert_eq!(&parsed, &chunks);
        // And re-emitting the parse gives the same bytes (canonical form).
        let mut again = vec![0u8; 12];
        PacketHeader::parse(&view).emit(&mut again);
        for c in &parsed {
            c.emit_to(&mut again);
        }
        Packet::new_checked(&mut again[..]).unwrap().fill_checksum();
        prop_assert_eq!(again, pkt);
    }

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(p) = Packet::new_checked(&bytes[..]) {
            let _ = p.verify_checksum();
            for r in p.chunks() {
                let Ok(raw) = r else { break };
                if let Ok(c) = Chunk::parse(raw) {
                    let mut out = Vec::new();
                    c.emit_to(&mut out);
                    if let Chunk::Init(i) | Chunk::InitAck(i) = c {
                        let _ = i.params.iter().count();
                    }
                    if let Chunk::Sack(s) = c {
                        let _ = s.gap_blocks().count() + s.dup_tsns().count();
                    }
                }
            }
        }
        let _ = DcepMessage::parse(&bytes);
        let _ = Params::parse(&bytes).map(|p| p.iter().count());
        let _ = Causes::parse(&bytes).map(|c| c.iter().count());
    }
}

/// An association established against a scripted peer (tag, initial TSN as in aiortc's INIT).
struct Scripted {
    a: Association,
    /// Tag the peer must put in packets to `a`.
    tag: u32,
    peer_tsn: u32,
}

const AIORTC_INIT: &str = "1388138800000000ae5f854d010000562452170300020000010008003092614bc000000480080009c00fc180820000008002002489992738156ca469abf5a11ac89dc274af07e51ab3fa38045017da1e3390f17780040006000100008003000680c10000";

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

fn scripted(cfg: Config) -> Scripted {
    let now = common::base();
    let mut a = Association::new(cfg.with_seed([9; 32]), now);
    a.handle_packet(now, &hex::decode(AIORTC_INIT).unwrap())
        .unwrap();
    let mut buf = Vec::new();
    let n = a.poll_transmit(now, &mut buf).unwrap();
    let ack = buf[..n].to_vec();
    let Chunk::InitAck(ia) = Chunk::parse(
        ChunkIter::from_packet(&ack)
            .unwrap()
            .next()
            .unwrap()
            .unwrap(),
    )
    .unwrap() else {
        panic!()
    };
    let cookie = ia
        .params
        .iter()
        .find_map(|p| match p {
            Param::StateCookie(c) => Some(c.to_vec()),
            _ => None,
        })
        .unwrap();
    let tag = ia.initiate_tag;
    a.handle_packet(now, &packet(tag, &[Chunk::CookieEcho(&cookie)]))
        .unwrap();
    while a.poll_transmit(now, &mut buf).is_some() {}
    assert_eq!(a.poll_event(), Some(Event::Connected));
    Scripted {
        a,
        tag,
        peer_tsn: 814899531,
    }
}

/// Naive model: messages as (stream, unordered, bytes); returns the DATA chunks in TSN order.
fn fragment(
    msgs: &[(u16, bool, Vec<u8>)],
    first_tsn: u32,
    frag: usize,
) -> Vec<(u32, u8, u16, u16, Vec<u8>)> {
    let mut ssn = [0u16; 4];
    let mut tsn = first_tsn;
    let mut out = Vec::new();
    for (sid, unordered, data) in msgs {
        let s = if *unordered {
            0
        } else {
            let v = ssn[*sid as usize];
            ssn[*sid as usize] += 1;
            v
        };
        let parts: Vec<&[u8]> = data.chunks(frag).collect();
        for (k, part) in parts.iter().enumerate() {
            let mut f = 0;
            if k == 0 {
                f |= data_flags::B;
            }
            if k + 1 == parts.len() {
                f |= data_flags::E;
            }
            if *unordered {
                f |= data_flags::U;
            }
            out.push((tsn, f, *sid, s, part.to_vec()));
            tsn = tsn.wrapping_add(1);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn reassembly_matches_naive_model(
        msgs in proptest::collection::vec(
            (0u16..4, any::<bool>(), proptest::collection::vec(any::<u8>(), 1..2500)), 1..25),
        order in any::<proptest::sample::Index>(),
        dup_every in 2usize..9,
        seed: u64,
    ) {
        let mut s = scripted(Config::default());
        let chunks = fragment(&msgs, s.peer_tsn, 400);
        // A deterministic shuffle from `seed`, plus duplicates.
        let mut idx: Vec<usize> = (0..chunks.len()).collect();
        let mut x = seed | 1;
        for i in (1..idx.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            idx.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let extra = order.index(chunks.len());
        idx.extend((0..chunks.len()).step_by(dup_every).chain([extra]));
        let now = common::base();
        let mut events = Vec::new();
        for i in idx {
            let (tsn, f, sid, ssn, d) = &chunks[i];
            let c = Chunk::Data(Data { flags: *f, tsn: Tsn(*tsn), stream_id: *sid, ssn: Ssn(*ssn), ppid: 53, payload: d });
            s.a.handle_packet(now, &packet(s.tag, &[c])).unwrap();
            while let Some(e) = s.a.poll_event() {
                events.push(e);
            }
        }
        let mut by_stream: std::collections::HashMap<u16, Vec<Vec<u8>>> = Default::default();
        let mut unordered: Vec<Vec<u8>> = Vec::new();
        for e in events {
            if let Event::Message(m) = e {
                if m.unordered { unordered.push(m.data) } else { by_stream.entry(m.stream_id).or_default().push(m.data) }
            }
        }
        for sid in 0..4u16 {
            let want: Vec<Vec<u8>> = msgs.iter().filter(|m| m.0 == sid && !m.1).map(|m| m.2.clone()).collect();
            prop_assert_eq!(by_stream.remove(&sid).unwrap_or_default(), want);
        }
        let mut want_u: Vec<Vec<u8>> = msgs.iter().filter(|m| m.1).map(|m| m.2.clone()).collect();
        want_u.sort();
        unordered.sort();
        prop_assert_eq!(unordered, want_u);
    }

    #[test]
    fn association_survives_arbitrary_packets(
        pkts in proptest::collection::vec(
            (any::<bool>(), proptest::collection::vec(spec(), 1..4)), 1..20),
        junk in proptest::collection::vec(any::<u8>(), 0..100),
    ) {
        let mut s = scripted(Config::default());
        let now = common::base();
        let _ = s.a.handle_packet(now, &junk);
        for (good_tag, specs) in &pkts {
            let chunks: Vec<Chunk<'_>> = specs.iter().map(build).collect();
            let tag = if *good_tag { s.tag } else { s.tag ^ 0x55 };
            let _ = s.a.handle_packet(now, &packet(tag, &chunks));
            let mut buf = Vec::new();
            let mut n = 0;
            while s.a.poll_transmit(now, &mut buf).is_some() {
                n += 1;
                prop_assert!(n < 10_000, "poll_transmit must run dry");
            }
            while s.a.poll_event().is_some() {}
            s.a.handle_timeout(now + std::time::Duration::from_secs(1));
        }
    }
}
