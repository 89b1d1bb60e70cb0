//! The parse paths allocate nothing: counted with an instrumented global allocator.

use std::alloc::System;
use std::hint::black_box;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use strata_rtp::rtcp::{
    Compound, NackPair, NtpTime, ReportBlock, RtcpPacket, RtcpWriter, SdesChunkRef, SdesItem,
    SdesType, SenderInfo, TwccBuilder, Validation,
};
use strata_rtp::rtp::ext::{
    AbsSendTime, AudioLevel, ExtensionMap, ExtensionValue, ParsedExtensions, TransportSequence,
};
use strata_rtp::rtp::{ExtensionForm, RtpHeader, RtpPacket, RtpWriter};
use strata_rtp::{RtpTimestamp, SeqNum};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn count<R>(f: impl FnOnce() -> R) -> usize {
    let r = Region::new(GLOBAL);
    black_box(f());
    let s = r.change();
    s.allocations + s.reallocations
}

#[test]
fn rtp_and_rtcp_parse_and_build_allocate_nothing() {
    // Buffers and inputs are made before counting.
    let mut rtp = [0u8; 1500];
    let mut rtcp = [0u8; 1500];
    let mut twcc = TwccBuilder::new(SeqNum(1), 2, 3);
    for i in 0..30 {
        twcc.push(if i % 7 == 0 { None } else { Some(i * 9) })
            .unwrap();
    }
    let mut map = ExtensionMap::default();
    map.insert(2, AbsSendTime::URI);
    map.insert(3, TransportSequence::URI);
    map.insert(1, AudioLevel::URI);

    let mut lens = (0, 0);
    let n_build = count(|| {
        let h = RtpHeader {
            marker: true,
            payload_type: 96,
            sequence_number: SeqNum(7),
            timestamp: RtpTimestamp(9),
            ssrc: 5,
        };
        let mut w = RtpWriter::new(&mut rtp, &h, &[1, 2]).unwrap();
        w.start_extensions(ExtensionForm::OneByte).unwrap();
        w.extension_value(2, &AbsSendTime(77)).unwrap();
        w.extension_value(3, &TransportSequence(9)).unwrap();
        w.extension_value(
            1,
            &AudioLevel {
                voice: true,
                level: 3,
            },
        )
        .unwrap();
        let n = w.payload(&[1; 900]).unwrap();
        let mut c = RtcpWriter::new(&mut rtcp);
        c.sender_report(
            &SenderInfo {
                ssrc: 5,
                ntp: NtpTime(1),
                ..Default::default()
            },
            &[ReportBlock::default()],
            &[],
        )
        .unwrap();
        c.sdes(&[SdesChunkRef {
            ssrc: 5,
            items: &[SdesItem {
                kind: SdesType::CNAME,
                value: b"cname",
            }],
        }])
        .unwrap();
        c.nack(
            5,
            6,
            &[NackPair {
                pid: SeqNum(3),
                blp: 5,
            }],
        )
        .unwrap();
        c.transport_cc(5, 6, &twcc).unwrap();
        c.remb(5, 1_000_000, &[6]).unwrap();
        lens = (n, c.finish());
    });
    assert_eq!(n_build, 0, "building allocates nothing");

    let (n_rtp, n_rtcp) = lens;
    let n_parse = count(|| {
        let p = RtpPacket::new_checked(&rtp[..n_rtp]).unwrap();
        let e = ParsedExtensions::parse(&map, p.extensions());
        assert_eq!(e.abs_send_time, Some(AbsSendTime(77)));
        assert_eq!(e.transport_cc, Some(TransportSequence(9)));
        let mut acc = p.payload().len() + p.csrcs().count();
        let c = Compound::parse_strict(&rtcp[..n_rtcp], Validation::Compound).unwrap();
        for pkt in c.iter() {
            match pkt.unwrap() {
                RtcpPacket::SenderReport(sr) => acc += sr.reports.iter().count(),
                RtcpPacket::Sdes(s) => {
                    acc += s
                        .chunks()
                        .map(|c| c.cname().map_or(0, <[u8]>::len))
                        .sum::<usize>()
                }
                RtcpPacket::Nack(n) => acc += n.lost().count(),
                RtcpPacket::TransportCc(t) => {
                    acc += t.packets().filter(|p| p.delta.is_some()).count()
                }
                RtcpPacket::Remb(r) => acc += r.bitrate as usize,
                other => panic!("{other:?}"),
            }
        }
        acc
    });
    assert_eq!(n_parse, 0, "parsing allocates nothing");
}
