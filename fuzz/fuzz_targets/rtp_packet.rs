//! RTP packet view and RFC 8285 extensions: never panic; rebuilding what was parsed gives a
//! packet with the same fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_rtp::rtp::{ExtensionForm, RtpHeader, RtpPacket, RtpWriter};

fuzz_target!(|data: &[u8]| {
    let Ok(p) = RtpPacket::new_checked(data) else {
        return;
    };
    let csrcs: Vec<u32> = p.csrcs().collect();
    let h = RtpHeader {
        marker: p.marker(),
        payload_type: p.payload_type(),
        sequence_number: p.sequence_number(),
        timestamp: p.timestamp(),
        ssrc: p.ssrc(),
    };
    let mut buf = vec![0u8; data.len() + 64];
    let mut w = RtpWriter::new(&mut buf, &h, &csrcs).expect("fits");
    let elems: Vec<(u8, &[u8])> = p.extensions().map(|e| (e.id, e.data)).collect();
    let form = p.extension_profile().and_then(ExtensionForm::from_profile);
    match (p.extension_profile(), form) {
        (Some(_), Some(f)) => {
            w.start_extensions(f).expect("fits");
            for (id, d) in &elems {
                // One-byte blocks may carry id 15 only as a terminator; skip what cannot be written.
                if f.check(*id, d.len()).is_ok() {
                    w.extension(*id, d).expect("fits");
                }
            }
        }
        (Some(prof), None) => w.raw_extension(prof, p.extension_data()).expect("fits"),
        _ => {}
    }
    let n = w
        .payload_padded(p.payload(), p.padding_len() as u8)
        .expect("fits");
    let q = RtpPacket::new_checked(&buf[..n]).expect("own output parses");
    assert_eq!(q.payload(), p.payload());
    assert_eq!(q.sequence_number(), p.sequence_number());
    assert_eq!(q.csrcs().collect::<Vec<_>>(), csrcs);
    if form.is_some() {
        let again: Vec<(u8, &[u8])> = q.extensions().map(|e| (e.id, e.data)).collect();
        assert_eq!(again, elems);
    }
});
