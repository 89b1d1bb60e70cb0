//! RTP parse with header extensions, RTCP compound parse and build: strata-rtp against the
//! webrtc-rs `rtp` and `rtcp` crates, in one run, same input. Also counts heap allocations
//! on our parse paths (the goal is zero).
//!
//! `cargo bench -p strata-benches --bench rtp` (or `cargo xtask bench rtp`).
#![allow(clippy::disallowed_methods)] // a bench reads the clock by design

use std::hint::black_box;

use bytes::Bytes;
use strata_benches::{allocations, compare};
use strata_rtp::rtcp::{
    Compound, NackPair, NtpTime, ReportBlock, RtcpPacket, RtcpWriter, SdesChunkRef, SdesItem,
    SdesType, SenderInfo, Validation,
};
use strata_rtp::rtp::ext::{AbsSendTime, ExtensionValue, TransportSequence};
use strata_rtp::rtp::{ExtensionForm, RtpHeader, RtpPacket, RtpWriter};
use strata_rtp::{RtpTimestamp, SeqNum};
use webrtc_util::marshal::{Marshal, Unmarshal};

/// A Chrome-like video packet: one-byte extensions abs-send-time (id 2), transport-cc (id 3),
/// mid (id 9), 1100 bytes of payload.
fn rtp_packet() -> Vec<u8> {
    let mut buf = vec![0u8; 1500];
    let h = RtpHeader {
        marker: true,
        payload_type: 96,
        sequence_number: SeqNum(4711),
        timestamp: RtpTimestamp(0x1234_5678),
        ssrc: 0xdead_beef,
    };
    let mut w = RtpWriter::new(&mut buf, &h, &[]).unwrap();
    w.start_extensions(ExtensionForm::OneByte).unwrap();
    w.extension_value(2, &AbsSendTime(0x12_3456)).unwrap();
    w.extension_value(3, &TransportSequence(777)).unwrap();
    w.extension(9, b"0").unwrap();
    let n = w.payload(&[0x5a; 1100]).unwrap();
    buf.truncate(n);
    buf
}

/// A Chrome-like compound: SR with one report block, SDES CNAME, generic NACK, PLI, REMB.
fn rtcp_compound() -> Vec<u8> {
    let mut buf = vec![0u8; 1500];
    let mut w = RtcpWriter::new(&mut buf);
    let info = SenderInfo {
        ssrc: 0x1111_2222,
        ntp: NtpTime(0xe000_0000_8000_0000),
        rtp_timestamp: 123_456,
        packet_count: 1000,
        octet_count: 1_000_000,
    };
    let rb = ReportBlock {
        ssrc: 0x3333_4444,
        fraction_lost: 3,
        cumulative_lost: 17,
        extended_highest_seq: 70_000,
        jitter: 42,
        lsr: 0x8000_1234,
        dlsr: 6553,
    };
    w.sender_report(&info, &[rb], &[]).unwrap();
    let items = [SdesItem {
        kind: SdesType::CNAME,
        value: b"{63f459ea-41fe-4474-9d33-9707c9ee79d1}",
    }];
    w.sdes(&[SdesChunkRef {
        ssrc: 0x1111_2222,
        items: &items,
    }])
    .unwrap();
    w.nack(
        0x1111_2222,
        0x3333_4444,
        &[
            NackPair {
                pid: SeqNum(100),
                blp: 0x0505,
            },
            NackPair {
                pid: SeqNum(140),
                blp: 0,
            },
        ],
    )
    .unwrap();
    w.pli(0x1111_2222, 0x3333_4444).unwrap();
    w.remb(0x1111_2222, 2_500_000, &[0x3333_4444]).unwrap();
    let n = w.finish();
    buf.truncate(n);
    buf
}

fn ours_rtp(b: &[u8]) -> u32 {
    let p = RtpPacket::new_checked(b).unwrap();
    let mut acc = p.ssrc() ^ u32::from(p.sequence_number().0) ^ p.payload().len() as u32;
    for e in p.extensions() {
        match e.id {
            2 => acc ^= AbsSendTime::parse(e.data).unwrap().0,
            3 => acc ^= u32::from(TransportSequence::parse(e.data).unwrap().0),
            _ => acc ^= e.data.len() as u32,
        }
    }
    acc
}

fn theirs_rtp(b: &Bytes) -> u32 {
    let mut raw = b.clone();
    let p = rtp::packet::Packet::unmarshal(&mut raw).unwrap();
    let mut acc = p.header.ssrc ^ u32::from(p.header.sequence_number) ^ p.payload.len() as u32;
    if let Some(v) = p.header.get_extension(2) {
        acc ^= u32::from_be_bytes([0, v[0], v[1], v[2]]);
    }
    if let Some(v) = p.header.get_extension(3) {
        acc ^= u32::from(u16::from_be_bytes([v[0], v[1]]));
    }
    if let Some(v) = p.header.get_extension(9) {
        acc ^= v.len() as u32;
    }
    acc
}

fn ours_rtcp(b: &[u8]) -> u32 {
    let c = Compound::new(b, Validation::Compound).unwrap();
    let mut acc = 0u32;
    for p in c.iter() {
        match p.unwrap() {
            RtcpPacket::SenderReport(sr) => {
                acc ^= sr.info.ssrc;
                for r in sr.reports.iter() {
                    acc ^= r.ssrc ^ r.jitter;
                }
            }
            RtcpPacket::Sdes(s) => {
                for c in s.chunks() {
                    acc ^= c.ssrc ^ c.cname().map_or(0, |n| n.len() as u32);
                }
            }
            RtcpPacket::Nack(n) => {
                for l in n.lost() {
                    acc ^= u32::from(l.0);
                }
            }
            RtcpPacket::Pli(p) => acc ^= p.media_ssrc,
            RtcpPacket::Remb(r) => acc ^= r.bitrate as u32,
            _ => acc ^= 1,
        }
    }
    acc
}

fn theirs_rtcp(b: &Bytes) -> u32 {
    let mut raw = b.clone();
    let pkts = rtcp::packet::unmarshal(&mut raw).unwrap();
    let mut acc = 0u32;
    for p in &pkts {
        for s in p.destination_ssrc() {
            acc ^= s;
        }
    }
    acc
}

fn main() {
    let rtp = rtp_packet();
    let rtp_bytes = Bytes::from(rtp.clone());
    assert_eq!(
        ours_rtp(&rtp),
        theirs_rtp(&rtp_bytes),
        "both decode the same fields"
    );
    let rtcp_buf = rtcp_compound();
    let rtcp_bytes = Bytes::from(rtcp_buf.clone());
    let theirs_pkts = rtcp::packet::unmarshal(&mut rtcp_bytes.clone()).unwrap();
    assert_eq!(theirs_pkts.len(), 5, "reference decodes all five packets");

    let (_, n_rtp) = allocations(|| black_box(ours_rtp(black_box(&rtp))));
    let (_, n_rtcp) = allocations(|| black_box(ours_rtcp(black_box(&rtcp_buf))));
    let (_, n_rtp_theirs) = allocations(|| black_box(theirs_rtp(black_box(&rtp_bytes))));
    let (_, n_rtcp_theirs) = allocations(|| black_box(theirs_rtcp(black_box(&rtcp_bytes))));
    println!(
        "allocations per parse: ours RTP {n_rtp}, RTCP {n_rtcp}; webrtc-rs RTP {n_rtp_theirs}, RTCP {n_rtcp_theirs}"
    );
    println!(
        "RESULT {{\"name\":\"rtp_parse_allocations\",\"ours\":{n_rtp},\"theirs\":{n_rtp_theirs}}}"
    );
    println!(
        "RESULT {{\"name\":\"rtcp_parse_allocations\",\"ours\":{n_rtcp},\"theirs\":{n_rtcp_theirs}}}"
    );

    compare(
        "RTP parse, 3 one-byte extensions, 1100 B",
        "webrtc-rs rtp",
        || {
            black_box(ours_rtp(black_box(&rtp)));
        },
        || {
            black_box(theirs_rtp(black_box(&rtp_bytes)));
        },
    )
    .report(Some(5.0));

    compare(
        "RTCP compound parse SR+SDES+NACK+PLI+REMB",
        "webrtc-rs rtcp",
        || {
            black_box(ours_rtcp(black_box(&rtcp_buf)));
        },
        || {
            black_box(theirs_rtcp(black_box(&rtcp_bytes)));
        },
    )
    .report(Some(3.0));

    // Build: ours writes into a reused buffer; theirs marshals its decoded packets.
    let mut out = vec![0u8; 1500];
    compare(
        "RTCP compound build SR+SDES+NACK+PLI+REMB",
        "webrtc-rs rtcp",
        || {
            let n = black_box(rebuild(black_box(&mut out)));
            black_box(n);
        },
        || {
            black_box(rtcp::packet::marshal(black_box(&theirs_pkts)).unwrap());
        },
    )
    .report(None);

    let mut out2 = vec![0u8; 1500];
    let their_rtp = rtp::packet::Packet::unmarshal(&mut rtp_bytes.clone()).unwrap();
    compare(
        "RTP build, 3 one-byte extensions, 1100 B",
        "webrtc-rs rtp",
        || {
            black_box(build_rtp(black_box(&mut out2)));
        },
        || {
            black_box(their_rtp.marshal().unwrap());
        },
    )
    .report(None);
}

fn rebuild(out: &mut [u8]) -> usize {
    let mut w = RtcpWriter::new(out);
    let info = SenderInfo {
        ssrc: 0x1111_2222,
        ntp: NtpTime(0xe000_0000_8000_0000),
        rtp_timestamp: 123_456,
        packet_count: 1000,
        octet_count: 1_000_000,
    };
    let rb = ReportBlock {
        ssrc: 0x3333_4444,
        ..Default::default()
    };
    w.sender_report(&info, &[rb], &[]).unwrap();
    let items = [SdesItem {
        kind: SdesType::CNAME,
        value: b"{63f459ea-41fe-4474-9d33-9707c9ee79d1}",
    }];
    w.sdes(&[SdesChunkRef {
        ssrc: 0x1111_2222,
        items: &items,
    }])
    .unwrap();
    w.nack(
        0x1111_2222,
        0x3333_4444,
        &[
            NackPair {
                pid: SeqNum(100),
                blp: 0x0505,
            },
            NackPair {
                pid: SeqNum(140),
                blp: 0,
            },
        ],
    )
    .unwrap();
    w.pli(0x1111_2222, 0x3333_4444).unwrap();
    w.remb(0x1111_2222, 2_500_000, &[0x3333_4444]).unwrap();
    w.finish()
}

fn build_rtp(out: &mut [u8]) -> usize {
    let h = RtpHeader {
        marker: true,
        payload_type: 96,
        sequence_number: SeqNum(4711),
        timestamp: RtpTimestamp(0x1234_5678),
        ssrc: 0xdead_beef,
    };
    let mut w = RtpWriter::new(out, &h, &[]).unwrap();
    w.start_extensions(ExtensionForm::OneByte).unwrap();
    w.extension_value(2, &AbsSendTime(0x12_3456)).unwrap();
    w.extension_value(3, &TransportSequence(777)).unwrap();
    w.extension(9, b"0").unwrap();
    w.payload(&[0x5a; 1100]).unwrap()
}
