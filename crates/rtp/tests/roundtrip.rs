//! proptest round-trip laws for RTP and every RTCP packet type, and parse-never-panics.
#![allow(clippy::type_complexity)] // test models are plain nested tuples

use proptest::prelude::*;
use strata_rtp::rtcp::{
    CcfbBlockRef, Compound, DlrrItem, Ecn, FirEntry, MetricBlock, NackPair, NtpTime, PacketType,
    ReportBlock, RtcpPacket, RtcpWriter, SdesChunkRef, SdesItem, SdesType, SenderInfo, TwccBuilder,
    Validation, XrBlock,
};
use strata_rtp::rtp::{ExtensionForm, RtpHeader, RtpPacket, RtpWriter};
use strata_rtp::{RtpTimestamp, SeqNum};

// ---------- RTP ----------

#[derive(Debug, Clone)]
struct RtpModel {
    header: RtpHeader,
    csrcs: Vec<u32>,
    ext: Option<(ExtensionForm, Vec<(u8, Vec<u8>)>)>,
    payload: Vec<u8>,
    padding: u8,
}

fn rtp_model() -> impl Strategy<Value = RtpModel> {
    let header = (
        any::<bool>(),
        0u8..128,
        any::<u16>(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(|(m, pt, s, t, ssrc)| RtpHeader {
            marker: m,
            payload_type: pt,
            sequence_number: SeqNum(s),
            timestamp: RtpTimestamp(t),
            ssrc,
        });
    let one = prop::collection::vec((1u8..15, prop::collection::vec(any::<u8>(), 1..17)), 0..6)
        .prop_map(|v| (ExtensionForm::OneByte, v));
    let two = prop::collection::vec((1u8..=255, prop::collection::vec(any::<u8>(), 0..40)), 0..6)
        .prop_map(|v| (ExtensionForm::TwoByte, v));
    (
        header,
        prop::collection::vec(any::<u32>(), 0..16),
        prop::option::of(prop_oneof![one, two]),
        prop::collection::vec(any::<u8>(), 0..200),
        any::<u8>(),
    )
        .prop_map(|(header, csrcs, ext, payload, padding)| RtpModel {
            header,
            csrcs,
            ext,
            payload,
            padding,
        })
}

fn write_rtp(m: &RtpModel, buf: &mut [u8]) -> usize {
    let mut w = RtpWriter::new(buf, &m.header, &m.csrcs).unwrap();
    if let Some((form, elems)) = &m.ext {
        w.start_extensions(*form).unwrap();
        for (id, v) in elems {
            w.extension(*id, v).unwrap();
        }
    }
    w.payload_padded(&m.payload, m.padding).unwrap()
}

proptest! {
    #[test]
    fn rtp_round_trip(m in rtp_model()) {
        let mut buf = vec![0u8; 2048];
        let n = write_rtp(&m, &mut buf);
        let p = RtpPacket::new_checked(&buf[..n]).unwrap();
        prop_assert_eq!(p.marker(), m.header.marker);
        prop_assert_eq!(p.payload_type(), m.header.payload_type);
        prop_assert_eq!(p.sequence_number(), m.header.sequence_number);
        prop_assert_eq!(p.timestamp(), m.header.timestamp);
        prop_assert_eq!(p.ssrc(), m.header.ssrc);
        prop_assert_eq!(p.csrcs().collect::<Vec<_>>(), m.csrcs.clone());
        prop_assert_eq!(p.payload(), &m.payload[..]);
        prop_assert_eq!(p.padding_len(), usize::from(m.padding));
        let got: Vec<(u8, Vec<u8>)> = p.extensions().map(|e| (e.id, e.data.to_vec())).collect();
        let want = m.ext.as_ref().map(|e| e.1.clone()).unwrap_or_default();
        prop_assert_eq!(got, want);
        prop_assert!(p.extensions().validate().is_ok());
        // Canonical: writing what we parsed gives the same bytes.
        let again = RtpModel {
            header: RtpHeader { marker: p.marker(), payload_type: p.payload_type(), sequence_number: p.sequence_number(), timestamp: p.timestamp(), ssrc: p.ssrc() },
            csrcs: p.csrcs().collect(),
            ext: p.extension_profile().map(|pr| (ExtensionForm::from_profile(pr).unwrap(), p.extensions().map(|e| (e.id, e.data.to_vec())).collect())),
            payload: p.payload().to_vec(),
            padding: p.padding_len() as u8,
        };
        let mut buf2 = vec![0u8; 2048];
        let n2 = write_rtp(&again, &mut buf2);
        prop_assert_eq!(&buf[..n], &buf2[..n2]);
    }

    #[test]
    fn rtp_parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(p) = RtpPacket::new_checked(&bytes[..]) {
            let _ = (p.marker(), p.payload_type(), p.sequence_number(), p.timestamp(), p.ssrc(), p.payload(), p.padding_len());
            let _ = p.csrcs().count();
            let _ = p.extensions().count();
            let _ = p.extensions().validate();
            let _ = p.extension(1);
        }
    }

    #[test]
    fn rtp_parse_never_panics_with_valid_first_byte(first in 0x80u8..0xc0, rest in prop::collection::vec(any::<u8>(), 0..120)) {
        let mut b = vec![first];
        b.extend(rest);
        if let Ok(mut p) = RtpPacket::new_checked(b.clone()) {
            let _ = p.extensions().count();
            let _ = p.extension_mut(3);
            let _ = p.payload_mut().len();
        }
    }
}

// ---------- RTCP ----------

#[derive(Debug, Clone, PartialEq)]
enum Pkt {
    Sr(SenderInfo, Vec<ReportBlock>),
    Rr(u32, Vec<ReportBlock>),
    Sdes(Vec<(u32, Vec<(u8, Vec<u8>)>)>),
    Bye(Vec<u32>, Option<Vec<u8>>),
    App(u8, u32, [u8; 4], Vec<u8>),
    Xr(u32, Option<u64>, Vec<DlrrItem>),
    Nack(u32, u32, Vec<NackPair>),
    Pli(u32, u32),
    Fir(u32, Vec<FirEntry>),
    Remb(u32, u64, Vec<u32>),
    Twcc(u32, u32, u16, u32, u8, Vec<Option<i32>>),
    Ccfb(u32, Vec<(u32, u16, Vec<MetricBlock>)>, u32),
}

fn report_block() -> impl Strategy<Value = ReportBlock> {
    (
        any::<u32>(),
        any::<u8>(),
        ReportBlock::MIN_LOST..=ReportBlock::MAX_LOST,
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(|(ssrc, f, l, e, j, lsr, dlsr)| ReportBlock {
            ssrc,
            fraction_lost: f,
            cumulative_lost: l,
            extended_highest_seq: e,
            jitter: j,
            lsr,
            dlsr,
        })
}

fn metric() -> impl Strategy<Value = MetricBlock> {
    (any::<bool>(), 0u8..4, 0u16..0x2000).prop_map(|(r, e, a)| MetricBlock {
        received: r,
        ecn: Ecn(e),
        ato: a,
    })
}

fn pkt() -> impl Strategy<Value = Pkt> {
    let blocks = || prop::collection::vec(report_block(), 0..4);
    prop_oneof![
        (
            (
                any::<u32>(),
                any::<u64>(),
                any::<u32>(),
                any::<u32>(),
                any::<u32>()
            ),
            blocks()
        )
            .prop_map(|((s, n, r, p, o), b)| Pkt::Sr(
                SenderInfo {
                    ssrc: s,
                    ntp: NtpTime(n),
                    rtp_timestamp: r,
                    packet_count: p,
                    octet_count: o
                },
                b
            )),
        (any::<u32>(), blocks()).prop_map(|(s, b)| Pkt::Rr(s, b)),
        prop::collection::vec(
            (
                any::<u32>(),
                prop::collection::vec((1u8..=255, prop::collection::vec(any::<u8>(), 0..30)), 0..4)
            ),
            0..4
        )
        .prop_map(Pkt::Sdes),
        (
            prop::collection::vec(any::<u32>(), 0..5),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..40))
        )
            .prop_map(|(s, r)| Pkt::Bye(s, r)),
        (
            0u8..32,
            any::<u32>(),
            any::<[u8; 4]>(),
            prop::collection::vec(any::<[u8; 4]>(), 0..5)
        )
            .prop_map(|(st, s, n, d)| Pkt::App(st, s, n, d.concat())),
        (
            any::<u32>(),
            prop::option::of(any::<u64>()),
            prop::collection::vec(
                (any::<u32>(), any::<u32>(), any::<u32>()).prop_map(|(ssrc, lrr, dlrr)| DlrrItem {
                    ssrc,
                    lrr,
                    dlrr
                }),
                0..4
            )
        )
            .prop_map(|(s, r, d)| Pkt::Xr(s, r, d)),
        (
            any::<u32>(),
            any::<u32>(),
            prop::collection::vec(
                (any::<u16>(), any::<u16>()).prop_map(|(p, b)| NackPair {
                    pid: SeqNum(p),
                    blp: b
                }),
                1..6
            )
        )
            .prop_map(|(a, b, p)| Pkt::Nack(a, b, p)),
        (any::<u32>(), any::<u32>()).prop_map(|(a, b)| Pkt::Pli(a, b)),
        (
            any::<u32>(),
            prop::collection::vec(
                (any::<u32>(), any::<u8>()).prop_map(|(ssrc, seq)| FirEntry { ssrc, seq }),
                1..4
            )
        )
            .prop_map(|(a, e)| Pkt::Fir(a, e)),
        (
            any::<u32>(),
            0u64..0x40000,
            0u32..46,
            prop::collection::vec(any::<u32>(), 0..4)
        )
            .prop_map(|(a, m, e, s)| Pkt::Remb(a, m << e, s)),
        (
            any::<u32>(),
            any::<u32>(),
            any::<u16>(),
            0u32..0x100_0000,
            any::<u8>(),
            prop::collection::vec(
                prop_oneof![
                    Just(None),
                    (0i32..256).prop_map(Some),
                    (-32768i32..32768).prop_map(Some)
                ],
                0..60
            )
        )
            .prop_map(|(a, b, s, r, f, d)| Pkt::Twcc(a, b, s, r, f, d)),
        (
            any::<u32>(),
            prop::collection::vec(
                (
                    any::<u32>(),
                    any::<u16>(),
                    prop::collection::vec(metric(), 0..9)
                ),
                0..3
            ),
            any::<u32>()
        )
            .prop_map(|(s, b, t)| Pkt::Ccfb(s, b, t)),
    ]
}

fn write(pkts: &[Pkt], buf: &mut [u8]) -> usize {
    let mut w = RtcpWriter::new(buf);
    for p in pkts {
        match p {
            Pkt::Sr(i, b) => w.sender_report(i, b, &[]).unwrap(),
            Pkt::Rr(s, b) => w.receiver_report(*s, b, &[]).unwrap(),
            Pkt::Sdes(chunks) => {
                let items: Vec<Vec<SdesItem<'_>>> = chunks
                    .iter()
                    .map(|c| {
                        c.1.iter()
                            .map(|(t, v)| SdesItem {
                                kind: SdesType(*t),
                                value: v,
                            })
                            .collect()
                    })
                    .collect();
                let refs: Vec<SdesChunkRef<'_>> = chunks
                    .iter()
                    .zip(&items)
                    .map(|(c, i)| SdesChunkRef {
                        ssrc: c.0,
                        items: i,
                    })
                    .collect();
                w.sdes(&refs).unwrap()
            }
            Pkt::Bye(s, r) => w.bye(s, r.as_deref()).unwrap(),
            Pkt::App(st, s, n, d) => w.app(*st, *s, *n, d).unwrap(),
            Pkt::Xr(s, r, d) => w.xr(*s, r.map(NtpTime), d).unwrap(),
            Pkt::Nack(a, b, p) => w.nack(*a, *b, p).unwrap(),
            Pkt::Pli(a, b) => w.pli(*a, *b).unwrap(),
            Pkt::Fir(a, e) => w.fir(*a, e).unwrap(),
            Pkt::Remb(a, br, s) => w.remb(*a, *br, s).unwrap(),
            Pkt::Twcc(a, b, s, r, f, d) => {
                let mut t = TwccBuilder::new(SeqNum(*s), *r, *f);
                for x in d {
                    t.push(*x).unwrap();
                }
                w.transport_cc(*a, *b, &t).unwrap()
            }
            Pkt::Ccfb(s, blocks, ts) => {
                let refs: Vec<CcfbBlockRef<'_>> = blocks
                    .iter()
                    .map(|(m, b, mb)| CcfbBlockRef {
                        media_ssrc: *m,
                        begin_seq: SeqNum(*b),
                        metrics: mb,
                    })
                    .collect();
                w.ccfb(*s, &refs, *ts).unwrap()
            }
        }
    }
    w.finish()
}

fn decode(p: RtcpPacket<'_>) -> Pkt {
    match p {
        RtcpPacket::SenderReport(sr) => Pkt::Sr(sr.info, sr.reports.iter().collect()),
        RtcpPacket::ReceiverReport(rr) => Pkt::Rr(rr.ssrc, rr.reports.iter().collect()),
        RtcpPacket::Sdes(s) => Pkt::Sdes(
            s.chunks()
                .map(|c| {
                    (
                        c.ssrc,
                        c.items().map(|i| (i.kind.0, i.value.to_vec())).collect(),
                    )
                })
                .collect(),
        ),
        RtcpPacket::Bye(b) => Pkt::Bye(b.sources.iter().collect(), b.reason.map(<[u8]>::to_vec)),
        RtcpPacket::App(a) => Pkt::App(a.subtype, a.ssrc, a.name, a.data.to_vec()),
        RtcpPacket::Xr(x) => {
            let mut rrtr = None;
            let mut dlrr = Vec::new();
            for b in x.blocks() {
                match b {
                    XrBlock::Rrtr(t) => rrtr = Some(t.0),
                    XrBlock::Dlrr(d) => dlrr.extend(d.iter()),
                    XrBlock::Other { .. } => panic!("unexpected block"),
                }
            }
            Pkt::Xr(x.ssrc, rrtr, dlrr)
        }
        RtcpPacket::Nack(n) => Pkt::Nack(n.sender_ssrc, n.media_ssrc, n.pairs.iter().collect()),
        RtcpPacket::Pli(p) => Pkt::Pli(p.sender_ssrc, p.media_ssrc),
        RtcpPacket::Fir(f) => Pkt::Fir(f.sender_ssrc, f.entries.iter().collect()),
        RtcpPacket::Remb(r) => Pkt::Remb(r.sender_ssrc, r.bitrate, r.ssrcs.iter().collect()),
        RtcpPacket::TransportCc(t) => Pkt::Twcc(
            t.sender_ssrc,
            t.media_ssrc,
            t.base_seq.0,
            t.reference_time,
            t.fb_count,
            t.packets().map(|p| p.delta).collect(),
        ),
        RtcpPacket::Ccfb(c) => Pkt::Ccfb(
            c.sender_ssrc,
            c.blocks()
                .map(|b| (b.media_ssrc, b.begin_seq.0, b.metrics.iter().collect()))
                .collect(),
            c.report_timestamp,
        ),
        other => panic!("unexpected {other:?}"),
    }
}

proptest! {
    /// parse(emit(r)) == r for every packet type, in any order (reduced-size), and
    /// emit(parse(b)) == b.
    #[test]
    fn rtcp_round_trip(pkts in prop::collection::vec(pkt(), 1..6)) {
        let mut buf = vec![0u8; 8192];
        let n = write(&pkts, &mut buf);
        let c = Compound::parse_strict(&buf[..n], Validation::ReducedSize).unwrap();
        let got: Vec<Pkt> = c.iter().map(|p| decode(p.unwrap())).collect();
        prop_assert_eq!(&got, &pkts);
        let mut buf2 = vec![0u8; 8192];
        let n2 = write(&got, &mut buf2);
        prop_assert_eq!(&buf[..n], &buf2[..n2]);
    }

    /// A compound that starts with SR or RR passes full RFC 3550 A.2 validation, with or
    /// without trailing padding.
    #[test]
    fn rtcp_a2_compound_with_padding(first in any::<u32>(), rest in prop::collection::vec(pkt(), 0..4), pad in 1u8..16) {
        let mut pkts = vec![Pkt::Rr(first, vec![])];
        pkts.extend(rest);
        let mut buf = vec![0u8; 8192];
        let mut w = RtcpWriter::new(&mut buf);
        let n0 = write(&pkts, &mut vec![0u8; 8192]);
        let _ = n0;
        w.receiver_report(first, &[], &[]).unwrap();
        let n = w.finish_padded(pad * 4).unwrap();
        let c = Compound::parse_strict(&buf[..n], Validation::Compound).unwrap();
        prop_assert_eq!(c.iter().count(), 1);
        let n = write(&pkts, &mut buf);
        prop_assert!(Compound::parse_strict(&buf[..n], Validation::Compound).is_ok());
    }

    #[test]
    fn rtcp_parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        for mode in [Validation::Compound, Validation::ReducedSize] {
            if let Ok(c) = Compound::new(&bytes, mode) {
                touch(c);
            }
        }
    }

    /// Well-framed headers with random bodies reach every body parser.
    #[test]
    fn rtcp_bodies_never_panic(count in 0u8..32, pt in 200u8..=207, padding: bool, words in prop::collection::vec(any::<[u8; 4]>(), 0..40)) {
        let mut b = vec![0x80 | (u8::from(padding) << 5) | count, pt];
        b.extend_from_slice(&(words.len() as u16).to_be_bytes());
        b.extend(words.concat());
        if let Ok(c) = Compound::new(&b, Validation::ReducedSize) {
            touch(c);
        }
    }
}

fn touch(c: Compound<'_>) {
    for p in c.iter() {
        let Ok(p) = p else { continue };
        let _ = p.packet_type() == PacketType::SR;
        match p {
            RtcpPacket::SenderReport(sr) => {
                let _ = sr.reports.iter().count();
            }
            RtcpPacket::ReceiverReport(rr) => {
                let _ = rr.reports.iter().count();
            }
            RtcpPacket::Sdes(s) => {
                for c in s.chunks() {
                    let _ = c.items().count();
                    let _ = c.cname();
                }
            }
            RtcpPacket::Bye(b) => {
                let _ = b.sources.iter().count();
            }
            RtcpPacket::Xr(x) => {
                let _ = x.blocks().count();
            }
            RtcpPacket::Nack(n) => {
                let _ = n.lost().count();
            }
            RtcpPacket::Fir(f) => {
                let _ = f.entries.iter().count();
            }
            RtcpPacket::Remb(r) => {
                let _ = r.ssrcs.iter().count();
            }
            RtcpPacket::TransportCc(t) => {
                let _ = t.packets().count();
                let _ = t.chunks().count();
            }
            RtcpPacket::Ccfb(c) => {
                for b in c.blocks() {
                    let _ = b.metrics.iter().count();
                }
            }
            _ => {}
        }
    }
}

#[test]
fn twcc_encoder_uses_all_chunk_kinds() {
    let mut t = TwccBuilder::new(SeqNum(65530), 5, 1);
    for i in 0..40 {
        t.push(match i % 5 {
            0 => None,
            1 => Some(300),
            _ => Some(i),
        })
        .unwrap();
    }
    for _ in 0..20 {
        t.push(Some(1)).unwrap();
    }
    for i in 0..14 {
        t.push(if i % 2 == 0 { None } else { Some(2) }).unwrap();
    }
    let mut buf = [0u8; 512];
    let mut w = RtcpWriter::new(&mut buf);
    w.transport_cc(1, 2, &t).unwrap();
    let n = w.finish();
    let c = Compound::parse_strict(&buf[..n], Validation::ReducedSize).unwrap();
    let Some(Ok(RtcpPacket::TransportCc(f))) = c.iter().next() else {
        panic!()
    };
    use strata_rtp::rtcp::StatusChunk;
    let kinds: Vec<u8> = f
        .chunks()
        .map(|c| match c {
            StatusChunk::RunLength { .. } => 0,
            StatusChunk::OneBit(_) => 1,
            StatusChunk::TwoBit(_) => 2,
        })
        .collect();
    assert!(
        kinds.contains(&0) && kinds.contains(&1) && kinds.contains(&2),
        "{kinds:?}"
    );
    assert_eq!(f.packets().count(), 74);
    assert_eq!(f.packets().last().unwrap().seq, SeqNum(65530).add(73));
    // Out-of-range delta refused.
    assert!(t.push(Some(40000)).is_err());
}

/// Fuzz regression: a one-byte element header with id 0 and a non-zero length nibble is a
/// padding byte (RFC 8285 §4.2), not an element.
#[test]
fn rfc8285_one_byte_id_zero_is_padding() {
    let b =
        hex::decode("90e0698fd9c293da1c642782bede000310aa2164278200010001ffffffff00009e").unwrap();
    let p = RtpPacket::new_checked(&b[..]).unwrap();
    let ids: Vec<u8> = p.extensions().map(|e| e.id).collect();
    // 10aa: id 1; 216427: id 2; 82000100: id 8; 01: padding (id 0); ff: id 15 stops.
    assert_eq!(ids, [1, 2, 8]);
}

/// Fuzz regression: a TWCC large-delta symbol carrying a small value rebuilds (in the short
/// form) to the same deltas.
#[test]
fn twcc_large_symbol_with_small_value_rebuilds_same_deltas() {
    let b = hex::decode(
        "afcd00079b74f61f9371dcbc853c000963f916b3d55200309baa0100000009 01".replace(' ', ""),
    )
    .unwrap();
    let c = Compound::parse_strict(&b, Validation::ReducedSize).unwrap();
    let Some(Ok(RtcpPacket::TransportCc(t))) = c.iter().next() else {
        panic!()
    };
    let mut tb = TwccBuilder::new(t.base_seq, t.reference_time, t.fb_count);
    for p in t.packets() {
        tb.push(p.delta).unwrap();
    }
    let mut buf = [0u8; 128];
    let mut w = RtcpWriter::new(&mut buf);
    w.transport_cc(t.sender_ssrc, t.media_ssrc, &tb).unwrap();
    let n = w.finish();
    let c2 = Compound::parse_strict(&buf[..n], Validation::ReducedSize).unwrap();
    let Some(Ok(RtcpPacket::TransportCc(u))) = c2.iter().next() else {
        panic!()
    };
    assert!(
        u.packets()
            .map(|p| (p.seq, p.delta))
            .eq(t.packets().map(|p| (p.seq, p.delta)))
    );
}
