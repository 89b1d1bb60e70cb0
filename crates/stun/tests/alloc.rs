//! The receive path allocates nothing: checking a message, decoding every attribute and
//! verifying MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT; nor does encoding
//! into a buffer that already has capacity.

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use strata_stun::credentials::IntegrityKey;
use strata_stun::{AttrType, Attribute, Class, Message, MessageBuilder, Method, TransactionId};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn allocations(f: impl FnOnce()) -> usize {
    let region = Region::new(GLOBAL);
    f();
    let s = region.change();
    s.allocations + s.reallocations
}

fn build(buf: &mut Vec<u8>) {
    buf.clear();
    let mut b = MessageBuilder::new(buf, Class::Request, Method::BINDING, TransactionId([5; 12]));
    b.add(&Attribute::Username("X0ie:fZ9a"))
        .raw(AttrType(0xC057), &[0, 1, 0, 10])
        .add(&Attribute::IceControlling(42))
        .add(&Attribute::UseCandidate)
        .add(&Attribute::Priority(7))
        .add(&Attribute::XorMappedAddress(
            "[2001:db8::1]:9".parse().unwrap(),
        ))
        .message_integrity(b"password")
        .message_integrity_sha256(b"password")
        .fingerprint();
    b.finish().unwrap();
}

// One test function: the counter is process-wide, so no other test may run alongside.
#[test]
fn decode_verify_and_encode_allocate_nothing() {
    let mut buf = Vec::with_capacity(512);
    build(&mut buf);
    let key = IntegrityKey::new(b"password");
    let n = allocations(|| {
        let msg = Message::new_checked(&buf[..]).unwrap();
        msg.verify_integrity(b"password").unwrap();
        msg.verify_integrity_sha256(b"password").unwrap();
        msg.verify_integrity_with(&key).unwrap();
        msg.verify_fingerprint().unwrap();
        for a in msg.attributes() {
            std::hint::black_box(a.unwrap());
        }
        assert_eq!(msg.unknown_required().count(), 0);
        assert!(msg.xor_mapped_address().is_some());
    });
    assert_eq!(n, 0, "decode + verify allocated");
    let n = allocations(|| build(&mut buf));
    assert_eq!(n, 0, "encoding into a buffer with capacity allocated");
    // The counter works: a fresh buffer does allocate.
    assert!(allocations(|| build(&mut Vec::new())) > 0);
}
