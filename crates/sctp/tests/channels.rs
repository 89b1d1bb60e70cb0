//! Data channels (RFC 8831/8832) between two `DataChannels` over the in-memory network.

mod common;

use std::time::Duration;

use common::{Link, Pair};
use strata_sctp::wire::chunk::{Chunk, ChunkType};
use strata_sctp::wire::packet::{Packet, PacketHeader};
use strata_sctp::wire::param::{Param, Params, encode_params};
use strata_sctp::{ChannelEvent, ChannelOptions, CloseReason, Config, DataChannels, Error};

type P = Pair<DataChannels>;

fn up(seed: u64, link: Link) -> P {
    let mut p: P = Pair::new(seed, Config::default(), Config::default(), link);
    p.a.connect(p.now).unwrap();
    p.b.connect(p.now).unwrap();
    assert!(p.run_until(Duration::from_secs(60), |p| {
        p.ea.contains(&ChannelEvent::Connected) && p.eb.contains(&ChannelEvent::Connected)
    }));
    p
}

fn opts(label: &str) -> ChannelOptions {
    ChannelOptions {
        label: label.into(),
        ..ChannelOptions::default()
    }
}

fn messages(ev: &[ChannelEvent], id: u16) -> Vec<(bool, Vec<u8>)> {
    ev.iter()
        .filter_map(|e| match e {
            ChannelEvent::Message {
                id: i,
                binary,
                data,
            } if *i == id => Some((*binary, data.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn rfc8832_open_ack_and_messages_both_ways() {
    let mut p = up(1, Link::default());
    let o = ChannelOptions {
        label: "chat".into(),
        protocol: "proto-x".into(),
        ordered: false,
        max_retransmits: Some(3),
        ..ChannelOptions::default()
    };
    let id = p.a.open(p.now, o.clone()).unwrap();
    assert_eq!(id % 2, 0, "DTLS client picks even ids");
    assert!(p.run_until(Duration::from_secs(10), |p| {
        p.ea.contains(&ChannelEvent::Open(id))
    }));
    let incoming =
        p.eb.iter()
            .find_map(|e| match e {
                ChannelEvent::Incoming { id: i, options } if *i == id => Some(options.clone()),
                _ => None,
            })
            .expect("peer saw the OPEN");
    assert_eq!(incoming.label, "chat");
    assert_eq!(incoming.protocol, "proto-x");
    assert!(!incoming.ordered);
    assert_eq!(incoming.max_retransmits, Some(3));
    assert_eq!(incoming.priority, 256);
    p.a.send(p.now, id, b"hello", false).unwrap();
    p.a.send(p.now, id, &[1, 2, 3], true).unwrap();
    p.a.send(p.now, id, b"", false).unwrap();
    p.a.send(p.now, id, b"", true).unwrap();
    p.b.send(p.now, id, b"back", false).unwrap();
    assert!(p.run_until(Duration::from_secs(10), |p| {
        messages(&p.eb, id).len() == 4 && messages(&p.ea, id).len() == 1
    }));
    let mut got = messages(&p.eb, id);
    got.sort();
    let mut want = vec![
        (false, b"hello".to_vec()),
        (true, vec![1, 2, 3]),
        (false, vec![]),
        (true, vec![]),
    ];
    want.sort();
    assert_eq!(got, want, "text/binary and their empty forms (PPID 56/57)");
    assert_eq!(messages(&p.ea, id), vec![(false, b"back".to_vec())]);
}

#[test]
fn rfc8832_6_stream_id_parity_by_dtls_role() {
    let mut p = up(2, Link::default());
    let a1 = p.a.open(p.now, opts("a1")).unwrap();
    let a2 = p.a.open(p.now, opts("a2")).unwrap();
    let b1 = p.b.open(p.now, opts("b1")).unwrap();
    let b2 = p.b.open(p.now, opts("b2")).unwrap();
    assert!(a1.is_multiple_of(2) && a2.is_multiple_of(2) && a1 != a2);
    assert!(b1 % 2 == 1 && b2 % 2 == 1 && b1 != b2);
    assert!(p.run_until(Duration::from_secs(10), |p| {
        p.ea.contains(&ChannelEvent::Open(a2)) && p.eb.contains(&ChannelEvent::Open(b2))
    }));
}

#[test]
fn rfc8831_negotiated_channel_needs_no_dcep() {
    let mut p: P = Pair::new(3, Config::default(), Config::default(), Link::default());
    let o = ChannelOptions {
        negotiated: Some(42),
        ..opts("neg")
    };
    assert_eq!(p.a.open(p.now, o.clone()).unwrap(), 42);
    assert_eq!(p.b.open(p.now, o).unwrap(), 42);
    p.a.connect(p.now).unwrap();
    p.b.connect(p.now).unwrap();
    assert!(p.run_until(Duration::from_secs(10), |p| {
        p.ea.contains(&ChannelEvent::Open(42)) && p.eb.contains(&ChannelEvent::Open(42))
    }));
    p.a.send(p.now, 42, b"x", true).unwrap();
    assert!(p.run_until(Duration::from_secs(10), |p| {
        messages(&p.eb, 42) == vec![(true, b"x".to_vec())]
    }));
    assert!(
        !p.eb
            .iter()
            .any(|e| matches!(e, ChannelEvent::Incoming { .. }))
    );
}

#[test]
fn max_message_size_is_enforced() {
    let mut p = up(4, Link::default());
    let id = p.a.open(p.now, opts("big")).unwrap();
    p.a.set_remote_max_message_size(65536);
    assert_eq!(
        p.a.send(p.now, id, &vec![0; 65537], true),
        Err(Error::MessageTooLarge)
    );
    p.a.send(p.now, id, &vec![7; 65536], true).unwrap();
    assert!(p.run_until(Duration::from_secs(10), |p| {
        messages(&p.eb, id).len() == 1
    }));
    assert_eq!(messages(&p.eb, id)[0].1.len(), 65536);
}

#[test]
fn buffered_amount_and_low_threshold_event() {
    let mut p = up(5, Link::default());
    let id = p.a.open(p.now, opts("buf")).unwrap();
    p.a.set_buffered_amount_low_threshold(id, 10_000);
    for _ in 0..20 {
        p.a.send(p.now, id, &[1; 5000], true).unwrap();
    }
    assert!(p.a.buffered_amount(id) >= 100_000);
    assert!(p.run_until(Duration::from_secs(10), |p| {
        p.ea.contains(&ChannelEvent::BufferedAmountLow(id))
    }));
    assert!(p.a.buffered_amount(id) <= 10_000);
    assert!(p.run_until(Duration::from_secs(10), |p| {
        p.a.buffered_amount(id) == 0
    }));
    assert_eq!(
        p.ea.iter()
            .filter(|e| **e == ChannelEvent::BufferedAmountLow(id))
            .count(),
        1,
        "fires once per crossing"
    );
}

#[test]
fn rfc8831_6_7_close_by_stream_reset() {
    let mut p = up(6, Link::lossy(0.05));
    let id = p.a.open(p.now, opts("bye")).unwrap();
    p.a.send(p.now, id, b"last words", false).unwrap();
    p.a.close(p.now, id).unwrap();
    assert!(p.run_until(Duration::from_secs(60), |p| {
        p.ea.contains(&ChannelEvent::Closed(id)) && p.eb.contains(&ChannelEvent::Closed(id))
    }));
    assert_eq!(messages(&p.eb, id), vec![(false, b"last words".to_vec())]);
    assert!(p.a.is_empty() && p.b.is_empty());
    assert_eq!(p.a.send(p.now, id, b"x", false), Err(Error::InvalidStream));
}

#[test]
fn thousand_channels_opened_and_closed() {
    let mut p = up(7, Link::lossy(0.02));
    let mut ids = Vec::new();
    for i in 0..1000 {
        ids.push(p.a.open(p.now, opts(&format!("ch{i}"))).unwrap());
    }
    assert!(p.run_until(Duration::from_secs(120), |p| {
        p.ea.iter()
            .filter(|e| matches!(e, ChannelEvent::Open(_)))
            .count()
            == 1000
    }));
    for &id in &ids {
        p.a.send(p.now, id, &id.to_be_bytes(), true).unwrap();
    }
    for &id in &ids {
        p.a.close(p.now, id).unwrap();
    }
    let ok = p.run_until(Duration::from_secs(600), |p| {
        p.eb.iter()
            .filter(|e| matches!(e, ChannelEvent::Closed(_)))
            .count()
            == 1000
            && p.a.is_empty()
    });
    assert!(
        ok,
        "a left {} b left {} b closed {}",
        p.a.len(),
        p.b.len(),
        p.eb.iter()
            .filter(|e| matches!(e, ChannelEvent::Closed(_)))
            .count()
    );
    for &id in &ids {
        assert_eq!(messages(&p.eb, id), vec![(true, id.to_be_bytes().to_vec())]);
    }
    assert!(p.b.is_empty());
}

#[test]
fn abort_closes_everything_on_both_sides() {
    let mut p = up(8, Link::default());
    let id = p.a.open(p.now, opts("x")).unwrap();
    assert!(p.run_until(Duration::from_secs(10), |p| {
        p.ea.contains(&ChannelEvent::Open(id))
    }));
    p.a.abort(p.now);
    assert!(p.run_until(Duration::from_secs(10), |p| {
        p.eb.iter()
            .any(|e| matches!(e, ChannelEvent::AssociationClosed(_)))
    }));
    assert!(p.eb.contains(&ChannelEvent::Closed(id)));
    assert!(
        p.eb.contains(&ChannelEvent::AssociationClosed(CloseReason::PeerAbort(
            Some(12)
        )))
    );
}

#[test]
fn partially_reliable_unordered_channel_under_loss() {
    let mut p = up(9, Link::lossy(0.2));
    let o = ChannelOptions {
        ordered: false,
        max_retransmits: Some(0),
        ..opts("lossy")
    };
    let id = p.a.open(p.now, o).unwrap();
    assert!(p.run_until(Duration::from_secs(30), |p| {
        p.ea.contains(&ChannelEvent::Open(id))
    }));
    for i in 0..300u16 {
        let mut d = vec![0u8; 1000];
        d[..2].copy_from_slice(&i.to_be_bytes());
        p.a.send(p.now, id, &d, true).unwrap();
    }
    p.run_until(Duration::from_secs(30), |_| false);
    let got = messages(&p.eb, id);
    let mut seen: Vec<u16> = got
        .iter()
        .map(|(_, d)| u16::from_be_bytes([d[0], d[1]]))
        .collect();
    let n = seen.len();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), n, "no duplicates");
    assert!(n < 300 && n > 100, "{n}");
}

/// The packets `dc` emits now, without delivering them.
fn drain_dc(dc: &mut DataChannels, now: std::time::Instant) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while let Some(n) = dc.poll_transmit(now, &mut buf) {
        out.push(buf[..n].to_vec());
    }
    out
}

fn has_abort(pkt: &[u8]) -> bool {
    Packet::new_checked(pkt)
        .unwrap()
        .chunks()
        .any(|c| c.is_ok_and(|c| c.ty == ChunkType::ABORT))
}

/// RFC 9260 §9.1: `DataChannels::abort` emits an ABORT the peer accepts, whatever else is
/// going on: data in flight both ways, a SACK owed, a stream reset queued, and a control
/// queue the peer has filled to its bound with HEARTBEATs (the ABORT must not be the chunk
/// that the bound drops).
#[test]
fn rfc9260_9_1_abort_is_emitted_and_accepted_in_every_situation() {
    for case in 0..5 {
        let mut p = up(20 + case, Link::default());
        let id = p.a.open(p.now, opts("x")).unwrap();
        assert!(p.run_until(Duration::from_secs(10), |p| {
            p.ea.contains(&ChannelEvent::Open(id))
        }));
        let now = p.now;
        match case {
            0 => {} // idle
            1 => {
                // Data queued and in flight from a; data from b that a has not yet acked.
                for _ in 0..100 {
                    p.a.send(now, id, &[7; 1000], true).unwrap();
                    p.b.send(now, id, &[8; 1000], true).unwrap();
                }
                for pkt in drain_dc(&mut p.b, now).iter().take(3) {
                    let _ = p.a.handle_packet(now, pkt);
                }
                drain_dc(&mut p.a, now); // lost on the wire
            }
            2 => {
                // A SACK owed (one DATA packet received, delayed SACK armed).
                p.b.send(now, id, &[8; 100], true).unwrap();
                let pkts = drain_dc(&mut p.b, now);
                p.a.handle_packet(now, &pkts[0]).unwrap();
            }
            3 => {
                // A stream reset request queued in front of the ABORT.
                p.a.close(now, id).unwrap();
            }
            _ => {
                // b sends HEARTBEATs a never gets to answer: a's control queue fills up.
                let tag = Packet::new_checked(
                    &drain_dc(&mut p.b, now).pop().unwrap_or_else(|| {
                        p.b.send(now, id, &[8; 10], true).unwrap();
                        drain_dc(&mut p.b, now).pop().unwrap()
                    })[..],
                )
                .unwrap()
                .verification_tag();
                let info = encode_params(&[Param::HeartbeatInfo(&[1; 8])]);
                let mut hb = vec![0u8; 12];
                PacketHeader {
                    src_port: 5000,
                    dst_port: 5000,
                    verification_tag: tag,
                }
                .emit(&mut hb);
                Chunk::Heartbeat(Params::parse(&info).unwrap()).emit_to(&mut hb);
                Packet::new_checked(&mut hb[..]).unwrap().fill_checksum();
                for _ in 0..100 {
                    p.a.handle_packet(now, &hb).unwrap();
                }
            }
        }
        p.a.abort(now);
        let out = drain_dc(&mut p.a, now);
        assert!(
            out.iter().any(|pkt| has_abort(pkt)),
            "case {case}: no ABORT among {} packets",
            out.len()
        );
        assert!(
            drain_dc(&mut p.a, now).is_empty(),
            "case {case}: silent after"
        );
        for pkt in &out {
            let _ = p.b.handle_packet(now, pkt);
        }
        let mut ev = Vec::new();
        while let Some(e) = p.b.poll_event() {
            ev.push(e);
        }
        assert!(
            ev.contains(&ChannelEvent::AssociationClosed(CloseReason::PeerAbort(
                Some(12)
            ))),
            "case {case}: {ev:?}"
        );
        assert!(p.b.association().is_closed(), "case {case}");
    }
}
