//! DTLS record and handshake codecs: every record of the datagram re-emits to its own bytes;
//! handshake fragments parse; a handshake body (type = first byte) that parses re-encodes to
//! a body that parses to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_dtls::alert::Alert;
use strata_dtls::handshake::{Fragment, HandshakeMessage, HandshakeType};
use strata_dtls::record::{ContentType, Records};

fuzz_target!(|data: &[u8]| {
    let mut pos = 0;
    for r in Records::new(data) {
        let Ok(r) = r else { break };
        let mut out = vec![0; r.buffer_len()];
        r.emit(&mut out);
        assert_eq!(&out[..], &data[pos..pos + out.len()], "record re-emits to itself");
        pos += out.len();
        match r.content_type {
            ContentType::HANDSHAKE => {
                let mut rest = r.fragment;
                while let Ok(f) = Fragment::new_checked(rest) {
                    rest = &rest[f.total_len()..];
                    if f.fragment_offset() == 0 && f.fragment_length() == f.length() {
                        check_message(f.msg_type(), f.body());
                    }
                }
            }
            ContentType::ALERT => {
                if let Ok(a) = Alert::parse(r.fragment) {
                    assert_eq!(&a.to_bytes()[..], r.fragment);
                }
            }
            _ => {}
        }
    }
    if let Some((&t, body)) = data.split_first() {
        check_message(HandshakeType(t), body);
    }
});

fn check_message(t: HandshakeType, body: &[u8]) {
    if let Ok(m) = HandshakeMessage::parse(t, body) {
        let mut out = Vec::new();
        m.emit_body(&mut out);
        let again = HandshakeMessage::parse(t, &out).expect("re-encoding parses");
        assert_eq!(again, m);
    }
}
