//! Packetize/depacketize round trips across MTUs with loss, reordering and repair
//! (RFC 7587, RFC 7741, RFC 6184).

use proptest::prelude::*;
use strata_rtp::packetize::{
    AssemblerConfig, Av1Depacketizer, Av1Packetizer, Depacketizer, Frame, FrameAssembler,
    H264Depacketizer, H264Packetizer, OpusDepacketizer, OpusPacketizer, Packetizer,
    Vp8Depacketizer, Vp8Packetizer, Vp9Depacketizer, Vp9Packetizer,
};
use strata_rtp::rtp::{RtpHeader, RtpPacket, RtpWriter};
use strata_rtp::{RtpTimestamp, SeqNum};

#[derive(Debug, Clone, Copy)]
enum Codec {
    Opus,
    Vp8,
    Vp9,
    Av1,
    H264,
}

/// Packetizes frames into RTP packets (seq from `seq0`, ts = 3000 per frame).
fn packetize(codec: Codec, frames: &[Vec<u8>], mtu: usize, seq0: u16) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut seq = seq0;
    for (i, f) in frames.iter().enumerate() {
        let mut p: Box<dyn Packetizer> = match codec {
            Codec::Opus => Box::new(OpusPacketizer::new(f)),
            Codec::Vp8 => Box::new(Vp8Packetizer::new(f, Some(i as u16))),
            Codec::Vp9 => Box::new(Vp9Packetizer::new(f, i as u16, f[0] == 0x10)),
            Codec::Av1 => Box::new(Av1Packetizer::new(f)),
            Codec::H264 => Box::new(H264Packetizer::new(f)),
        };
        let mut payload = vec![0u8; mtu];
        let mut count = 0;
        while let Some((n, last)) = p.next_payload(&mut payload) {
            assert!(n <= mtu);
            let h = RtpHeader {
                marker: last,
                payload_type: 96,
                sequence_number: SeqNum(seq),
                timestamp: RtpTimestamp(3000 * i as u32),
                ssrc: 1,
            };
            let mut buf = vec![0u8; 12 + n];
            let len = RtpWriter::new(&mut buf, &h, &[])
                .unwrap()
                .payload(&payload[..n])
                .unwrap();
            buf.truncate(len);
            out.push(buf);
            seq = seq.wrapping_add(1);
            count += 1;
            assert!(count < 100_000, "packetizer must make progress");
            if last {
                break;
            }
        }
    }
    out
}

fn assemble<D: Depacketizer>(d: D, packets: &[Vec<u8>]) -> Vec<Frame> {
    let mut a = FrameAssembler::new(d, AssemblerConfig::default());
    let mut frames = Vec::new();
    for p in packets {
        let p = RtpPacket::new_checked(&p[..]).unwrap();
        a.push(&p).unwrap();
        while let Some(f) = a.pop_frame() {
            frames.push(f);
        }
    }
    frames
}

fn run(codec: Codec, packets: &[Vec<u8>]) -> Vec<Frame> {
    match codec {
        Codec::Opus => assemble(OpusDepacketizer, packets),
        Codec::Vp8 => assemble(Vp8Depacketizer, packets),
        Codec::Vp9 => assemble(Vp9Depacketizer, packets),
        Codec::Av1 => assemble(Av1Depacketizer, packets),
        Codec::H264 => assemble(H264Depacketizer, packets),
    }
}

/// A VP8-like frame: first byte carries the P bit (0 on keyframes).
fn vp8_frame(key: bool, body: &[u8]) -> Vec<u8> {
    let mut f = vec![if key { 0x10 } else { 0x11 }];
    f.extend_from_slice(body);
    f
}

/// An H.264 access unit in Annex B: SPS, PPS, IDR on keyframes, else one or two P slices.
fn h264_frame(key: bool, body: &[u8]) -> Vec<u8> {
    // NAL bodies avoid zero bytes, so no start code emulation.
    let b: Vec<u8> = body.iter().map(|x| x | 1).collect();
    let mut f = Vec::new();
    let mut nal = |hdr: u8, first: u8, rest: &[u8]| {
        f.extend_from_slice(&[0, 0, 0, 1, hdr, first]);
        f.extend_from_slice(rest);
    };
    if key {
        nal(0x67, 0x42, &b[..b.len().min(10)]);
        nal(0x68, 0xce, &b[..b.len().min(4)]);
        nal(0x65, 0x88, &b);
    } else {
        let half = b.len() / 2;
        nal(0x41, 0x9a, &b[..half]);
        nal(0x41, 0x11, &b[half..]); // second slice: first_mb_in_slice != 0
    }
    f
}

fn leb128(mut v: usize, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// An AV1 temporal unit (low-overhead format): sequence header on keyframes, then a frame
/// OBU, then a frame OBU with an extension header.
fn av1_frame(key: bool, body: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    let mut obu = |hdr: &[u8], payload: &[u8]| {
        f.extend_from_slice(hdr);
        leb128(payload.len(), &mut f);
        f.extend_from_slice(payload);
    };
    if key {
        obu(&[0x0a], &body[..body.len().min(12)]);
    }
    let half = body.len() / 2;
    obu(&[0x32], &body[..half]);
    obu(&[0x36, 0x08], &body[half..]);
    f
}

fn frames_for(codec: Codec, sizes: &[usize], key_every: usize) -> (Vec<Vec<u8>>, Vec<bool>) {
    let mut frames = Vec::new();
    let mut keys = Vec::new();
    for (i, &n) in sizes.iter().enumerate() {
        let key = i % key_every == 0;
        let body: Vec<u8> = (0..n).map(|j| (j * 7 + i * 13 + 1) as u8).collect();
        frames.push(match codec {
            Codec::Opus => body.into_iter().take(n.clamp(1, 1000)).collect(),
            // The VP9 test frames reuse the VP8 shape: the packetizer is told the frame type.
            Codec::Vp8 | Codec::Vp9 => vp8_frame(key, &body),
            Codec::H264 => h264_frame(key, &body),
            Codec::Av1 => av1_frame(key, &body),
        });
        keys.push(key || matches!(codec, Codec::Opus));
    }
    (frames, keys)
}

fn codec() -> impl Strategy<Value = Codec> {
    prop_oneof![
        Just(Codec::Opus),
        Just(Codec::Vp8),
        Just(Codec::Vp9),
        Just(Codec::Av1),
        Just(Codec::H264)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Reordering within a window and loss repaired later (as RTX would): every frame comes
    /// out, once, in order, byte-identical, with the right keyframe flag.
    #[test]
    fn round_trip_with_reorder_and_repaired_loss(
        codec in codec(),
        sizes in prop::collection::vec(1usize..3000, 1..12),
        mtu in 24usize..1200,
        seq0 in any::<u16>(),
        swaps in prop::collection::vec((0usize..64, 0usize..8), 0..40),
        lost in prop::collection::vec(0usize..64, 0..8),
    ) {
        // One keyframe, first: a later keyframe would rightly let the assembler give up on
        // frames still waiting for repair.
        let (frames, keys) = frames_for(codec, &sizes, usize::MAX);
        let mtu = if matches!(codec, Codec::Opus) { mtu.max(1000) } else { mtu };
        let packets = packetize(codec, &frames, mtu, seq0);
        let mut order: Vec<usize> = (0..packets.len()).collect();
        for (a, d) in swaps {
            let a = a % order.len();
            let b = (a + d).min(order.len() - 1);
            order.swap(a, b);
        }
        let mut sent: Vec<Vec<u8>> = Vec::new();
        let mut repaired = Vec::new();
        for i in order {
            if lost.iter().any(|l| l % packets.len() == i) { repaired.push(packets[i].clone()); } else { sent.push(packets[i].clone()); }
        }
        sent.extend(repaired);
        let out = run(codec, &sent);
        if matches!(codec, Codec::Opus) {
            // Audio frames are independent: late ones are dropped, never reordered.
            let mut last = None;
            for f in &out {
                let i = (f.timestamp.0 / 3000) as usize;
                prop_assert_eq!(&f.data, &frames[i]);
                prop_assert!(last.is_none_or(|l| i > l));
                last = Some(i);
            }
        } else {
            prop_assert_eq!(out.len(), frames.len(), "all frames out");
            for (f, (orig, key)) in out.iter().zip(frames.iter().zip(&keys)) {
                prop_assert_eq!(&f.data, orig);
                prop_assert_eq!(f.keyframe, *key);
            }
        }
    }

    /// Unrepaired loss: whatever comes out is byte-identical to a sent frame, in order, and
    /// every keyframe whose packets all arrived comes out.
    #[test]
    fn round_trip_with_unrepaired_loss(
        codec in codec(),
        sizes in prop::collection::vec(1usize..2000, 1..12),
        mtu in 24usize..1200,
        seq0 in any::<u16>(),
        lost in prop::collection::vec(0usize..64, 1..6),
    ) {
        let (frames, keys) = frames_for(codec, &sizes, 4);
        let mtu = if matches!(codec, Codec::Opus) { mtu.max(1000) } else { mtu };
        let packets = packetize(codec, &frames, mtu, seq0);
        let dropped: Vec<usize> = lost.iter().map(|l| l % packets.len()).collect();
        let sent: Vec<Vec<u8>> = packets.iter().enumerate().filter(|(i, _)| !dropped.contains(i)).map(|(_, p)| p.clone()).collect();
        let out = run(codec, &sent);
        let mut last_ts = None;
        for f in &out {
            let i = (f.timestamp.0 / 3000) as usize;
            prop_assert_eq!(&f.data, &frames[i]);
            prop_assert_eq!(f.keyframe, keys[i]);
            prop_assert!(last_ts.is_none_or(|t| f.timestamp.0 > t));
            last_ts = Some(f.timestamp.0);
        }
        // Keyframes with all packets delivered are always emitted.
        let mut seq_of_frame = Vec::new();
        for p in &packets {
            let r = RtpPacket::new_checked(&p[..]).unwrap();
            seq_of_frame.push((r.timestamp().0 / 3000) as usize);
        }
        for (i, key) in keys.iter().enumerate() {
            let complete = seq_of_frame.iter().enumerate().filter(|(_, f)| **f == i).all(|(k, _)| !dropped.contains(&k));
            if *key && complete {
                prop_assert!(out.iter().any(|f| f.timestamp.0 == 3000 * i as u32), "keyframe {} lost", i);
            }
        }
    }

    /// Arbitrary payloads never panic a depacketizer or the assembler.
    #[test]
    fn depacketizers_never_panic(payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 1..20), seq0 in any::<u16>()) {
        let mut a1 = FrameAssembler::new(Vp8Depacketizer, AssemblerConfig { max_packets: 8, max_frame_bytes: 100 });
        let mut a2 = FrameAssembler::new(H264Depacketizer, AssemblerConfig { max_packets: 8, max_frame_bytes: 100 });
        let mut a3 = FrameAssembler::new(OpusDepacketizer, AssemblerConfig::default());
        let mut a4 = FrameAssembler::new(Vp9Depacketizer, AssemblerConfig { max_packets: 8, max_frame_bytes: 100 });
        let mut a5 = FrameAssembler::new(Av1Depacketizer, AssemblerConfig { max_packets: 8, max_frame_bytes: 100 });
        for (i, p) in payloads.iter().enumerate() {
            let h = RtpHeader { marker: i % 3 == 0, payload_type: 96, sequence_number: SeqNum(seq0.wrapping_add(i as u16 * 3 % 7)), timestamp: RtpTimestamp((i / 2) as u32), ssrc: 1 };
            let mut buf = vec![0u8; 12 + p.len()];
            let n = RtpWriter::new(&mut buf, &h, &[]).unwrap().payload(p).unwrap();
            let pkt = RtpPacket::new_checked(&buf[..n]).unwrap();
            let _ = a1.push(&pkt);
            let _ = a2.push(&pkt);
            let _ = a3.push(&pkt);
            let _ = a4.push(&pkt);
            let _ = a5.push(&pkt);
            while a5.pop_frame().is_some() {}
            while a4.pop_frame().is_some() {}
            while a1.pop_frame().is_some() {}
            while a2.pop_frame().is_some() {}
            while a3.pop_frame().is_some() {}
        }
    }
}

#[test]
fn rfc6184_stap_a_and_fu_a_are_used() {
    let (frames, _) = frames_for(Codec::H264, &[3000], 1);
    let packets = packetize(Codec::H264, &frames, 1200, 0);
    let types: Vec<u8> = packets.iter().map(|p| p[12] & 0x1f).collect();
    assert_eq!(types[0], 24, "SPS+PPS aggregated in STAP-A");
    assert!(
        types[1..].iter().all(|t| *t == 28),
        "IDR fragmented in FU-A: {types:?}"
    );
    assert!(
        RtpPacket::new_checked(&packets.last().unwrap()[..])
            .unwrap()
            .marker()
    );
}

#[test]
fn rfc7741_descriptor_and_keyframe_detection() {
    let d = Vp8Depacketizer;
    // X=1, I=1 with 15-bit picture id, S=1, PID=0; then a keyframe payload header.
    let m = d.inspect(&[0x90, 0x80, 0x80, 0x01, 0x10]).unwrap();
    assert!(m.frame_start && m.keyframe);
    let m = d.inspect(&[0x90, 0x80, 0x80, 0x01, 0x11]).unwrap();
    assert!(m.frame_start && !m.keyframe);
    // Continuation packet.
    assert!(!d.inspect(&[0x80, 0x80, 0x05, 0x10]).unwrap().frame_start);
    // Truncated descriptor.
    assert!(d.inspect(&[0x80]).is_err());
    assert!(d.inspect(&[0x90, 0x80, 0x80]).is_err());
}

#[test]
fn rfc9628_vp9_descriptor_parsing() {
    let d = Vp9Depacketizer;
    // I (15-bit picture id), L with TL0PICIDX (non-flexible), B, not P: a keyframe start.
    let m = d.inspect(&[0xa8, 0x80, 0x01, 0x00, 0x05, 0xaa]).unwrap();
    assert!(m.frame_start && m.keyframe);
    // Spatial layer 1 does not start a frame.
    assert!(
        !d.inspect(&[0xa8, 0x80, 0x01, 0x02, 0x05, 0xaa])
            .unwrap()
            .frame_start
    );
    // Flexible mode with two P_DIFF bytes.
    let m = d.inspect(&[0xd8, 0x05, 0x03, 0x04, 0xaa]).unwrap();
    assert!(m.frame_start && !m.keyframe);
    let mut f = Vec::new();
    d.append(&[0xd8, 0x05, 0x03, 0x04, 0xaa], &mut f).unwrap();
    assert_eq!(f, [0xaa]);
    // Scalability structure: 1 layer with resolution, no groups.
    let mut f = Vec::new();
    d.append(&[0x8a, 0x01, 0x10, 0x02, 0x80, 0x01, 0x68, 0xbb], &mut f)
        .unwrap();
    assert_eq!(f, [0xbb]);
    // Four P_DIFFs, truncated descriptors.
    assert!(d.inspect(&[0x58, 0x03, 0x03, 0x03, 0x03, 0xaa]).is_err());
    assert!(d.inspect(&[0x80]).is_err());
    assert!(d.inspect(&[0x82, 0x01, 0xf0]).is_err());
}

/// A lost packet of a delta frame blocks the frames after it until a keyframe arrives; the
/// assembler says so, so the receiver can send a PLI.
#[test]
fn blocked_on_gap_until_keyframe() {
    let (frames, _) = frames_for(Codec::Vp8, &[100, 100, 100, 100, 100], 4);
    let packets = packetize(Codec::Vp8, &frames, 60, 500);
    // Two packets per frame: drop the second packet of frame 1.
    assert_eq!(packets.len(), 10);
    let mut a = FrameAssembler::new(Vp8Depacketizer, AssemblerConfig::default());
    let mut out = Vec::new();
    for (i, p) in packets.iter().enumerate() {
        if i == 3 {
            continue;
        }
        a.push(&RtpPacket::new_checked(&p[..]).unwrap()).unwrap();
        while let Some(f) = a.pop_frame() {
            out.push(f);
        }
        if i == 5 {
            assert!(a.is_blocked(), "frame 2 complete but held behind the gap");
        }
    }
    // Frame 0 (key) out; frames 1-3 held; frame 4 is a keyframe: out, after loss.
    let ts: Vec<u32> = out.iter().map(|f| f.timestamp.0 / 3000).collect();
    assert_eq!(ts, [0, 4]);
    assert!(out[1].keyframe && out[1].after_loss);
    assert!(!a.is_blocked());
    assert!(a.stats().dropped_packets >= 5);
}

#[test]
fn av1_aggregation_header_and_w_field() {
    let d = Av1Depacketizer;
    // W = 2: first element length-prefixed, last one not. N set: new coded video sequence.
    let p = [0x28, 0x02, 0x08, 0x00, 0x30, 0x07, 0x07];
    let m = d.inspect(&p).unwrap();
    assert!(m.frame_start && m.keyframe);
    let mut f = Vec::new();
    d.append(&p, &mut f).unwrap();
    d.finish(&mut f).unwrap();
    assert_eq!(f, [0x0a, 0x01, 0x00, 0x32, 0x02, 0x07, 0x07]);
    // Continuation without a previous element; truncated length.
    assert!(d.append(&[0x80, 0x01, 0x30], &mut Vec::new()).is_err());
    assert!(d.inspect(&[0x00, 0x05, 0x30]).is_err());
    assert!(d.inspect(&[0x00]).is_err());
}
