//! Vp8 depacketizer and frame assembler: arbitrary packets never panic and memory stays
//! bounded. Input: a sequence of (2-byte length, RTP packet) records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_rtp::packetize::{AssemblerConfig, FrameAssembler, Vp8Depacketizer};
use strata_rtp::rtp::RtpPacket;

fuzz_target!(|data: &[u8]| {
    let mut a = FrameAssembler::new(
        Vp8Depacketizer,
        AssemblerConfig {
            max_packets: 64,
            max_frame_bytes: 1 << 16,
        },
    );
    let mut rest = data;
    while rest.len() >= 2 {
        let n = usize::from(u16::from_be_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        let (pkt, r) = rest[2..].split_at(n);
        rest = r;
        if let Ok(p) = RtpPacket::new_checked(pkt) {
            let _ = a.push(&p);
            while let Some(f) = a.pop_frame() {
                assert!(f.data.len() <= 1 << 16);
            }
        }
    }
});
