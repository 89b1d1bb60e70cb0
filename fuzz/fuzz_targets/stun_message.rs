//! STUN message parser: parse; if it parses, re-encode and check the re-encoding parses to
//! an equal message and reproduces the input, up to padding and reserved bits, when no
//! attribute was ignored. Also runs the integrity checks (bypassed under cfg(fuzzing)),
//! the ChannelData parser and the Binding server on the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata_stun::{AttrType, BindingServer, ChannelData, ChannelDataRepr, Message, MessageRepr};

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = Message::new_checked(data) {
        let _ = msg.verify_integrity(b"key");
        let _ = msg.verify_integrity_sha256(b"key");
        let _ = msg.verify_fingerprint();
        let _ = msg.unknown_required().count();
        if let Ok(repr) = MessageRepr::parse(&msg) {
            let mut out = Vec::new();
            let len = repr.emit(&mut out).expect("a parsed message re-encodes");
            assert_eq!(len, out.len());
            let again = Message::new_checked(&out[..]).expect("the re-encoding parses");
            assert_eq!(MessageRepr::parse(&again).expect("and decodes"), repr);
            // Same layout always (when nothing was ignored); same bytes except padding and
            // reserved fields, which receivers must ignore (RFC 8489 §14, RFC 8656 §18).
            if msg.raw_attributes().count() == repr.attributes.len() {
                assert_eq!(out.len(), data.len());
                assert_eq!(out[..20], data[..20]);
                for (a, b) in msg.raw_attributes().zip(again.raw_attributes()) {
                    assert_eq!(
                        (a.typ, a.offset, a.value.len()),
                        (b.typ, b.offset, b.value.len())
                    );
                    if !has_reserved_bits(a.typ) {
                        assert_eq!(a.value, b.value, "{:?}", a.typ);
                    }
                }
            }
        }
    }
    if let Ok(cd) = ChannelData::new_checked(data) {
        let repr = ChannelDataRepr::parse(&cd);
        let mut out = vec![0; repr.buffer_len(data.len() > 4 + repr.data.len())];
        repr.emit(&mut out, data.len() > 4 + repr.data.len())
            .expect("fits");
        assert_eq!(
            ChannelDataRepr::parse(&ChannelData::new_checked(&out[..]).unwrap()),
            repr
        );
    }
    let server = BindingServer {
        fingerprint: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    if let Ok(Some(_)) = server.respond("192.0.2.1:9".parse().unwrap(), data, &mut out) {
        Message::new_checked(&out[..]).expect("our answer parses");
    }
});

fn has_reserved_bits(t: AttrType) -> bool {
    matches!(
        t,
        AttrType::MAPPED_ADDRESS
            | AttrType::XOR_MAPPED_ADDRESS
            | AttrType::XOR_PEER_ADDRESS
            | AttrType::XOR_RELAYED_ADDRESS
            | AttrType::ALTERNATE_SERVER
            | AttrType::ERROR_CODE
            | AttrType::ADDRESS_ERROR_CODE
            | AttrType::CHANNEL_NUMBER
            | AttrType::REQUESTED_ADDRESS_FAMILY
            | AttrType::ADDITIONAL_ADDRESS_FAMILY
            | AttrType::REQUESTED_TRANSPORT
            | AttrType::EVEN_PORT
            | AttrType::ICMP
            | AttrType::PASSWORD_ALGORITHM
            | AttrType::PASSWORD_ALGORITHMS
    )
}
