//! RTCP compound validation and every packet body parser: never panic; report blocks, NACKs
//! and TWCC feedback survive a rebuild.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_rtp::rtcp::{Compound, RtcpPacket, RtcpWriter, TwccBuilder, Validation};

fuzz_target!(|data: &[u8]| {
    for mode in [Validation::Compound, Validation::ReducedSize] {
        let Ok(c) = Compound::new(data, mode) else {
            continue;
        };
        for p in c.iter() {
            let Ok(p) = p else { continue };
            let mut buf = vec![0u8; 70_000];
            let mut w = RtcpWriter::new(&mut buf);
            match p {
                RtcpPacket::SenderReport(sr) => {
                    let b: Vec<_> = sr.reports.iter().collect();
                    w.sender_report(&sr.info, &b, &[]).expect("fits");
                }
                RtcpPacket::ReceiverReport(rr) => {
                    let b: Vec<_> = rr.reports.iter().collect();
                    w.receiver_report(rr.ssrc, &b, &[]).expect("fits");
                }
                RtcpPacket::Nack(n) => {
                    let pairs: Vec<_> = n.pairs.iter().collect();
                    w.nack(n.sender_ssrc, n.media_ssrc, &pairs).expect("fits");
                }
                RtcpPacket::TransportCc(t) => {
                    let mut b = TwccBuilder::new(t.base_seq, t.reference_time, t.fb_count);
                    for x in t.packets() {
                        b.push(x.delta).expect("parsed deltas fit");
                    }
                    w.transport_cc(t.sender_ssrc, t.media_ssrc, &b)
                        .expect("fits");
                    let n = w.finish();
                    let again = Compound::parse_strict(&buf[..n], Validation::ReducedSize)
                        .expect("own output parses");
                    let Some(Ok(RtcpPacket::TransportCc(u))) = again.iter().next() else {
                        panic!("type changed")
                    };
                    // A large-delta symbol may carry a small value; the rebuild picks the short form.
                    assert!(
                        u.packets()
                            .map(|p| (p.seq, p.delta))
                            .eq(t.packets().map(|p| (p.seq, p.delta)))
                    );
                    continue;
                }
                RtcpPacket::Sdes(s) => {
                    for ch in s.chunks() {
                        let _ = ch.items().count();
                    }
                    continue;
                }
                RtcpPacket::Xr(x) => {
                    let _ = x.blocks().count();
                    continue;
                }
                RtcpPacket::Ccfb(f) => {
                    for b in f.blocks() {
                        let _ = b.metrics.iter().count();
                    }
                    continue;
                }
                _ => continue,
            }
            let n = w.finish();
            let again = Compound::parse_strict(&buf[..n], Validation::ReducedSize)
                .expect("own output parses");
            let q = again.iter().next().expect("one packet").expect("valid");
            match (p, q) {
                (RtcpPacket::SenderReport(a), RtcpPacket::SenderReport(b)) => {
                    assert!(a.reports.iter().eq(b.reports.iter()))
                }
                (RtcpPacket::ReceiverReport(a), RtcpPacket::ReceiverReport(b)) => {
                    assert!(a.reports.iter().eq(b.reports.iter()))
                }
                (RtcpPacket::Nack(a), RtcpPacket::Nack(b)) => assert!(a.lost().eq(b.lost())),
                _ => panic!("type changed"),
            }
        }
    }
});
