//! Drives an established association with an arbitrary sequence of packets (raw, or chunk
//! bytes under a valid header and checksum) and API calls. It must never panic, and
//! `poll_transmit` must always run dry.
#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use strata_sctp::wire::chunk::{Chunk, ChunkIter};
use strata_sctp::wire::packet::{Packet, PacketHeader};
use strata_sctp::wire::param::Param;
use strata_sctp::{Association, Config, SendOptions};

/// aiortc's captured INIT (vectors/sctp/aiortc_sctp_chunks.json, sctp_init.bin).
const AIORTC_INIT: [u8; 100] = [
    0x13, 0x88, 0x13, 0x88, 0x00, 0x00, 0x00, 0x00, 0xae, 0x5f, 0x85, 0x4d, 0x01, 0x00, 0x00, 0x56,
    0x24, 0x52, 0x17, 0x03, 0x00, 0x02, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x30, 0x92, 0x61, 0x4b,
    0xc0, 0x00, 0x00, 0x04, 0x80, 0x08, 0x00, 0x09, 0xc0, 0x0f, 0xc1, 0x80, 0x82, 0x00, 0x00, 0x00,
    0x80, 0x02, 0x00, 0x24, 0x89, 0x99, 0x27, 0x38, 0x15, 0x6c, 0xa4, 0x69, 0xab, 0xf5, 0xa1, 0x1a,
    0xc8, 0x9d, 0xc2, 0x74, 0xaf, 0x07, 0xe5, 0x1a, 0xb3, 0xfa, 0x38, 0x04, 0x50, 0x17, 0xda, 0x1e,
    0x33, 0x90, 0xf1, 0x77, 0x80, 0x04, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x80, 0x03, 0x00, 0x06,
    0x80, 0xc1, 0x00, 0x00,
];

#[derive(Arbitrary, Debug)]
enum Op {
    Raw(Vec<u8>),
    Chunks {
        good_tag: bool,
        bytes: Vec<u8>,
    },
    Send {
        stream: u16,
        len: u16,
        unordered: bool,
        rtx: Option<u8>,
    },
    Advance(u16),
    Reset(u16),
    Shutdown,
    Abort,
}

fn packet(vtag: u32, chunk_bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 12];
    PacketHeader {
        src_port: 5000,
        dst_port: 5000,
        verification_tag: vtag,
    }
    .emit(&mut out);
    out.extend_from_slice(chunk_bytes);
    Packet::new_checked(&mut out[..])
        .expect("header")
        .fill_checksum();
    out
}

fuzz_target!(|ops: Vec<Op>| {
    let mut now = Instant::now();
    let mut a = Association::new(Config::default().with_seed([5; 32]), now);
    let _ = a.handle_packet(now, &AIORTC_INIT);
    let mut buf = Vec::new();
    let n = a.poll_transmit(now, &mut buf).expect("INIT ACK");
    let ack = buf[..n].to_vec();
    let Some(Ok(raw)) = ChunkIter::from_packet(&ack).ok().and_then(|mut i| i.next()) else {
        return;
    };
    let Ok(Chunk::InitAck(ia)) = Chunk::parse(raw) else {
        return;
    };
    let tag = ia.initiate_tag;
    let Some(cookie) = ia.params.iter().find_map(|p| match p {
        Param::StateCookie(c) => Some(c.to_vec()),
        _ => None,
    }) else {
        return;
    };
    let mut echo = Vec::new();
    Chunk::CookieEcho(&cookie).emit_to(&mut echo);
    let _ = a.handle_packet(now, &packet(tag, &echo));
    for op in ops.into_iter().take(64) {
        match op {
            Op::Raw(b) => {
                let _ = a.handle_packet(now, &b);
            }
            Op::Chunks { good_tag, bytes } => {
                let t = if good_tag { tag } else { tag ^ 1 };
                let _ = a.handle_packet(now, &packet(t, &bytes));
            }
            Op::Send {
                stream,
                len,
                unordered,
                rtx,
            } => {
                let opts = SendOptions {
                    unordered,
                    max_retransmits: rtx.map(u16::from),
                    lifetime: None,
                };
                let _ = a.send(now, stream % 64, 53, vec![7; usize::from(len) % 5000], opts);
            }
            Op::Advance(ms) => {
                now += Duration::from_millis(u64::from(ms));
                a.handle_timeout(now);
            }
            Op::Reset(s) => {
                let _ = a.reset_streams(now, &[s % 64]);
            }
            Op::Shutdown => {
                let _ = a.shutdown(now);
            }
            Op::Abort => a.abort(now),
        }
        let mut n = 0;
        while a.poll_transmit(now, &mut buf).is_some() {
            n += 1;
            assert!(n < 100_000, "poll_transmit must run dry");
        }
        while a.poll_event().is_some() {}
        let _ = a.poll_timeout();
    }
});
