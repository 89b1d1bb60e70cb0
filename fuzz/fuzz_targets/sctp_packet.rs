//! Parses an SCTP packet and every chunk, parameter and cause in it; every chunk that parses
//! must re-encode to a form that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_sctp::dcep::DcepMessage;
use strata_sctp::wire::chunk::{Chunk, ChunkIter};
use strata_sctp::wire::packet::Packet;

fuzz_target!(|data: &[u8]| {
    let _ = DcepMessage::parse(data);
    let Ok(p) = Packet::new_checked(data) else {
        return;
    };
    let _ = p.verify_checksum();
    for raw in p.chunks() {
        let Ok(raw) = raw else { break };
        let Ok(c) = Chunk::parse(raw) else { continue };
        let mut out = Vec::new();
        c.emit_to(&mut out);
        assert_eq!(out.len(), c.buffer_len());
        let framed = [&[0u8; 12][..], &out].concat();
        let again = ChunkIter::from_packet(&framed)
            .ok()
            .and_then(|mut it| it.next())
            .expect("one chunk")
            .expect("framed");
        let c2 = Chunk::parse(again).expect("re-encoded chunk parses");
        assert_eq!(c, c2);
        match c {
            Chunk::Init(i) | Chunk::InitAck(i) => {
                let _ = i.params.iter().count();
            }
            Chunk::Sack(s) => {
                let _ = s.gap_blocks().count() + s.dup_tsns().count();
            }
            Chunk::Abort { causes, .. } | Chunk::Error(causes) => {
                let _ = causes.iter().count();
            }
            _ => {}
        }
    }
});
