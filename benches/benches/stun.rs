//! STUN: decode + verify MESSAGE-INTEGRITY + FINGERPRINT of an ICE Binding request like a
//! browser's, and build one, ours against webrtc-rs `stun` on the same bytes in one run.
//! Also counts heap allocations on our decode + verify path (goal: zero).
//!
//! `cargo bench -p strata-benches --bench stun`

use std::hint::black_box;

use strata_benches::{allocations, compare};
use strata_stun::credentials::IntegrityKey;
use strata_stun::{AttrType, Attribute, Class, Message, MessageBuilder, Method, TransactionId};

use stun::attributes::{
    ATTR_ICE_CONTROLLING, ATTR_PRIORITY, ATTR_USE_CANDIDATE, ATTR_USERNAME, AttrType as TheirAttr,
};
use stun::fingerprint::FINGERPRINT;
use stun::integrity::MessageIntegrity;
use stun::message::{BINDING_REQUEST, Message as TheirMessage, Setter};

const USERNAME: &str = "X0ie:fZ9a";
const PASSWORD: &str = "h5xM3L8GQeBmnNt2Lg3vPYkE";
const PRIORITY: u32 = 0x6e7f_1eff;
const TIE_BREAKER: u64 = 0x932f_f9b1_5126_3b36;
const TID: [u8; 12] = [
    0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
];
/// Chromium's GOOG-NETWORK-INFO (comprehension-optional): network id and cost.
const GOOG_NETWORK_INFO: u16 = 0xC057;
const NETWORK_INFO: [u8; 4] = [0x00, 0x01, 0x00, 0x0a];

/// What both sides extract from a request, so both do the same work.
#[derive(Debug, PartialEq, Eq, Default)]
struct Check {
    username_len: usize,
    priority: u32,
    tie_breaker: u64,
    use_candidate: bool,
}

fn ours_build(buf: &mut Vec<u8>) {
    buf.clear();
    let mut b = MessageBuilder::new(buf, Class::Request, Method::BINDING, TransactionId(TID));
    b.add(&Attribute::Username(USERNAME))
        .raw(AttrType(GOOG_NETWORK_INFO), &NETWORK_INFO)
        .add(&Attribute::IceControlling(TIE_BREAKER))
        .add(&Attribute::UseCandidate)
        .add(&Attribute::Priority(PRIORITY))
        .message_integrity(PASSWORD.as_bytes())
        .fingerprint();
    b.finish().expect("encodes");
}

fn ours_decode(bytes: &[u8]) -> Check {
    let msg = Message::new_checked(bytes).expect("parses");
    msg.verify_integrity(PASSWORD.as_bytes())
        .expect("integrity");
    msg.verify_fingerprint().expect("fingerprint");
    extract(&msg)
}

/// The same with the key prepared once, as an ICE agent holds it for a session.
fn ours_decode_prepared(bytes: &[u8], key: &IntegrityKey) -> Check {
    let msg = Message::new_checked(bytes).expect("parses");
    msg.verify_integrity_with(key).expect("integrity");
    msg.verify_fingerprint().expect("fingerprint");
    extract(&msg)
}

fn extract(msg: &Message<&[u8]>) -> Check {
    let mut c = Check::default();
    for a in msg.attributes() {
        match a.expect("attribute") {
            Attribute::Username(u) => c.username_len = u.len(),
            Attribute::Priority(p) => c.priority = p,
            Attribute::IceControlling(t) => c.tie_breaker = t,
            Attribute::UseCandidate => c.use_candidate = true,
            _ => {}
        }
    }
    c
}

fn theirs_build(m: &mut TheirMessage, integrity: &MessageIntegrity) {
    // The cheapest way through their API: reuse one Message, add raw attribute values.
    m.reset();
    m.typ = BINDING_REQUEST;
    m.transaction_id.0 = TID;
    m.write_header();
    m.add(ATTR_USERNAME, USERNAME.as_bytes());
    m.add(TheirAttr(GOOG_NETWORK_INFO), &NETWORK_INFO);
    m.add(ATTR_ICE_CONTROLLING, &TIE_BREAKER.to_be_bytes());
    m.add(ATTR_USE_CANDIDATE, &[]);
    m.add(ATTR_PRIORITY, &PRIORITY.to_be_bytes());
    integrity.add_to(m).expect("integrity");
    FINGERPRINT.add_to(m).expect("fingerprint");
}

fn theirs_decode(m: &mut TheirMessage, integrity: &MessageIntegrity, bytes: &[u8]) -> Check {
    m.reset();
    m.raw.extend_from_slice(bytes);
    m.decode().expect("parses");
    integrity.check(m).expect("integrity");
    FINGERPRINT.check(m).expect("fingerprint");
    let mut c = Check::default();
    for a in &m.attributes.0 {
        match a.typ {
            ATTR_USERNAME => c.username_len = std::str::from_utf8(&a.value).expect("utf-8").len(),
            ATTR_PRIORITY => {
                c.priority = u32::from_be_bytes(a.value[..4].try_into().expect("4 bytes"))
            }
            ATTR_ICE_CONTROLLING => {
                c.tie_breaker = u64::from_be_bytes(a.value[..8].try_into().expect("8 bytes"))
            }
            ATTR_USE_CANDIDATE => c.use_candidate = true,
            _ => {}
        }
    }
    c
}

fn main() {
    let integrity = MessageIntegrity::new_short_term_integrity(PASSWORD.to_owned());
    let mut ours = Vec::with_capacity(256);
    ours_build(&mut ours);
    let mut theirs = TheirMessage::new();
    theirs_build(&mut theirs, &integrity);

    // Both encoders produce the same bytes, and each decoder accepts the other's.
    assert_eq!(ours, theirs.raw, "the two encodings differ");
    let want = Check {
        username_len: USERNAME.len(),
        priority: PRIORITY,
        tie_breaker: TIE_BREAKER,
        use_candidate: true,
    };
    let mut scratch = TheirMessage::new();
    assert_eq!(ours_decode(&theirs.raw), want);
    assert_eq!(theirs_decode(&mut scratch, &integrity, &ours), want);
    println!(
        "ICE Binding request: {} bytes (USERNAME, 0xC057, ICE-CONTROLLING, USE-CANDIDATE, PRIORITY, MESSAGE-INTEGRITY, FINGERPRINT)",
        ours.len()
    );

    let prepared = IntegrityKey::new(PASSWORD.as_bytes());
    assert_eq!(ours_decode_prepared(&theirs.raw, &prepared), want);
    let (_, n) = allocations(|| black_box(ours_decode(black_box(&ours))));
    println!("allocations per decode + verify: ours {n}");
    let (_, p) = allocations(|| black_box(ours_decode_prepared(black_box(&ours), &prepared)));
    println!("allocations per decode + verify (prepared key): ours {p}");
    let (_, t) =
        allocations(|| black_box(theirs_decode(&mut scratch, &integrity, black_box(&ours))));
    println!("allocations per decode + verify: stun 0.17 {t} (reusing one Message)");
    let mut out = Vec::with_capacity(256);
    let (_, b) = allocations(|| ours_build(black_box(&mut out)));
    println!("allocations per build (buffer reused): ours {b}");

    let bytes = ours.clone();
    compare(
        "stun decode+verify MI+FP (ICE Binding request)",
        "stun 0.17",
        || {
            black_box(ours_decode(black_box(&bytes)));
        },
        || {
            black_box(theirs_decode(&mut scratch, &integrity, black_box(&bytes)));
        },
    )
    .report(Some(3.0));

    compare(
        "stun decode+verify MI+FP, prepared key",
        "stun 0.17",
        || {
            black_box(ours_decode_prepared(black_box(&bytes), &prepared));
        },
        || {
            black_box(theirs_decode(&mut scratch, &integrity, black_box(&bytes)));
        },
    )
    .report(Some(3.0));

    let mut buf = Vec::with_capacity(256);
    let mut m = TheirMessage::new();
    compare(
        "stun build with MI+FP (ICE Binding request)",
        "stun 0.17",
        || {
            ours_build(black_box(&mut buf));
            black_box(&buf);
        },
        || {
            theirs_build(black_box(&mut m), &integrity);
            black_box(&m.raw);
        },
    )
    .report(None);
}
