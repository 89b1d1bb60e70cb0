//! Conformance vectors: RFC 5769 §2.1-§2.4 and RFC 8489 Appendix B.1 (Errata 6268), read
//! from the repository's `vectors/stun`.

use serde_json::Value;
use strata_stun::credentials::{LongTermKey, short_term_key, userhash};
use strata_stun::{
    AttrType, Attribute, Class, IntegrityError, Message, MessageBuilder, MessageRepr, Method,
    ParseError, PasswordAlgorithm, TransactionId,
};

fn vectors(file: &str) -> Value {
    let path = format!("{}/../../vectors/stun/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).unwrap()
}

fn vector(file: &str, name: &str) -> Value {
    vectors(file)["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
        .clone()
}

fn bytes(v: &Value, key: &str) -> Vec<u8> {
    hex::decode(v[key].as_str().unwrap()).unwrap()
}

fn tid(v: &Value) -> TransactionId {
    TransactionId(bytes(v, "transaction_id").try_into().unwrap())
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap()
}

fn hex_u32(v: &Value) -> u32 {
    u32::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Checks the tags and proves they are really checked: flipping any byte of the covered
/// region, or using a wrong key, fails.
fn assert_tags(raw: &[u8], key: &[u8]) {
    let msg = Message::new_checked(raw).unwrap();
    msg.verify_integrity(key).unwrap();
    assert_eq!(
        msg.verify_integrity(b"wrong"),
        Err(IntegrityError::Mismatch)
    );
    let mut evil = raw.to_vec();
    evil[HEADER_FLIP] ^= 1; // inside the transaction id
    let m = Message::new_checked(&evil[..]).unwrap();
    assert_eq!(m.verify_integrity(key), Err(IntegrityError::Mismatch));
    if m.has_fingerprint() {
        assert_eq!(m.verify_fingerprint(), Err(IntegrityError::Mismatch));
    }
}
const HEADER_FLIP: usize = 10;

#[test]
fn rfc5769_2_1_sample_request() {
    let v = vector("rfc5769.json", "rfc5769_2.1_sample_request");
    let raw = bytes(&v, "hex");
    let e = &v["expect"];
    let msg = Message::new_checked(&raw[..]).unwrap();
    assert_eq!(msg.message_type().class, Class::Request);
    assert_eq!(msg.message_type().method, Method::BINDING);
    assert_eq!(msg.transaction_id(), tid(&v));
    let types: Vec<String> = msg
        .raw_attributes()
        .map(|a| format!("{}({:#06x})", a.typ.name().unwrap(), a.typ.0))
        .collect();
    let want: Vec<String> = e["attribute_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_lowercase().replace("(0X", "(0x"))
        .collect();
    assert_eq!(
        types.iter().map(|t| t.to_lowercase()).collect::<Vec<_>>(),
        want
    );
    let attrs: Vec<Attribute<'_>> = msg.attributes().collect::<Result<_, _>>().unwrap();
    let mi: [u8; 20] = bytes(e, "MESSAGE-INTEGRITY").try_into().unwrap();
    let tie: [u8; 8] = bytes(e, "ICE-CONTROLLED_tiebreaker").try_into().unwrap();
    assert_eq!(
        attrs,
        [
            Attribute::Software(s(e, "SOFTWARE")),
            Attribute::Priority(hex_u32(&e["PRIORITY"])),
            Attribute::IceControlled(u64::from_be_bytes(tie)),
            Attribute::Username(s(e, "USERNAME")),
            Attribute::MessageIntegrity(mi),
            Attribute::Fingerprint(hex_u32(&e["FINGERPRINT"])),
        ]
    );
    let key = short_term_key(s(&v, "short_term_password"));
    msg.verify_fingerprint().unwrap();
    assert_tags(&raw, key);
    assert!(msg.unknown_required().next().is_none());

    // Re-encoding: the RFC pads SOFTWARE and USERNAME with spaces, we pad with zeros (both
    // allowed, RFC 8489 §14), so the bytes differ only in padding and in the recomputed tags,
    // and the result verifies under the same key.
    let mut out = Vec::new();
    let mut b = MessageBuilder::new(&mut out, Class::Request, Method::BINDING, tid(&v));
    for a in &attrs[..4] {
        b.add(a);
    }
    b.message_integrity(key).fingerprint();
    assert_eq!(b.finish(), Ok(raw.len()));
    let ours = Message::new_checked(&out[..]).unwrap();
    ours.verify_integrity(key).unwrap();
    ours.verify_fingerprint().unwrap();
    let padding = padding_offsets(&msg);
    let tags = 0x58 + 20 - 24 - 8..raw.len(); // MI and FINGERPRINT values
    for (i, (a, b)) in raw.iter().zip(&out).enumerate() {
        if a != b {
            assert!(
                padding.contains(&i) || tags.contains(&i),
                "byte {i} differs"
            );
        }
    }
    // With the padding bytes zeroed, the original's tags no longer verify: padding is covered.
    let mut zeroed = raw.clone();
    for i in padding {
        zeroed[i] = 0;
    }
    assert_eq!(
        Message::new_checked(&zeroed[..])
            .unwrap()
            .verify_integrity(key),
        Err(IntegrityError::Mismatch)
    );
}

fn padding_offsets<T: AsRef<[u8]>>(msg: &Message<T>) -> Vec<usize> {
    msg.raw_attributes()
        .flat_map(|a| {
            let end = a.offset + 4 + a.value.len();
            end..end.next_multiple_of(4)
        })
        .collect()
}

fn response(name: &str, addr: &str) {
    let v = vector("rfc5769.json", name);
    let raw = bytes(&v, "hex");
    let e = &v["expect"];
    let msg = Message::new_checked(&raw[..]).unwrap();
    assert_eq!(msg.message_type().class, Class::SuccessResponse);
    assert_eq!(msg.transaction_id(), tid(&v));
    assert_eq!(msg.xor_mapped_address(), Some(addr.parse().unwrap()));
    assert_eq!(
        msg.xor_mapped_address().unwrap().to_string(),
        s(e, "XOR-MAPPED-ADDRESS")
    );
    let attrs: Vec<Attribute<'_>> = msg.attributes().collect::<Result<_, _>>().unwrap();
    assert_eq!(attrs[0], Attribute::Software(s(e, "SOFTWARE")));
    assert_eq!(
        attrs[2],
        Attribute::MessageIntegrity(bytes(e, "MESSAGE-INTEGRITY").try_into().unwrap())
    );
    assert_eq!(attrs[3], Attribute::Fingerprint(hex_u32(&e["FINGERPRINT"])));
    assert_eq!(attrs.len(), 4);
    msg.verify_fingerprint().unwrap();
    assert_tags(&raw, short_term_key(s(&v, "short_term_password")));

    // Re-encode with the RFC's space padding restored by hand: byte-identical.
    let repr = MessageRepr::parse(&msg).unwrap();
    let mut out = Vec::new();
    repr.emit(&mut out).unwrap();
    for i in padding_offsets(&msg) {
        out[i] = b' ';
    }
    assert_eq!(out, raw);
}

#[test]
fn rfc5769_2_2_sample_ipv4_response() {
    response("rfc5769_2.2_sample_ipv4_response", "192.0.2.1:32853");
}

#[test]
fn rfc5769_2_3_sample_ipv6_response() {
    response(
        "rfc5769_2.3_sample_ipv6_response",
        "[2001:db8:1234:5678:11:2233:4455:6677]:32853",
    );
}

#[test]
fn rfc5769_2_4_sample_request_long_term_auth() {
    let v = vector("rfc5769.json", "rfc5769_2.4_sample_request_long_term_auth");
    let raw = bytes(&v, "hex");
    let msg = Message::new_checked(&raw[..]).unwrap();
    assert_eq!(msg.transaction_id(), tid(&v));
    assert_eq!(s(&v, "username").as_bytes(), bytes(&v, "username_utf8_hex"));
    let attrs: Vec<Attribute<'_>> = msg.attributes().collect::<Result<_, _>>().unwrap();
    let mi: [u8; 20] = bytes(&v["expect"], "MESSAGE-INTEGRITY").try_into().unwrap();
    assert_eq!(
        attrs,
        [
            Attribute::Username(s(&v, "username")),
            Attribute::Nonce(s(&v, "nonce")),
            Attribute::Realm(s(&v, "realm")),
            Attribute::MessageIntegrity(mi),
        ]
    );
    assert!(!msg.has_fingerprint());
    assert_eq!(msg.verify_fingerprint(), Err(IntegrityError::Missing));
    let key = LongTermKey::md5(s(&v, "username"), s(&v, "realm"), s(&v, "password"));
    assert_eq!(key.as_bytes(), bytes(&v, "long_term_key_md5"));
    assert_tags(&raw, key.as_bytes());
    // The password before SASLprep gives another key: preparation is the caller's job.
    let unprepared = LongTermKey::md5(
        s(&v, "username"),
        s(&v, "realm"),
        s(&v, "password_before_saslprep"),
    );
    assert!(msg.verify_integrity(unprepared.as_bytes()).is_err());

    // Zero padding here, so a fresh encoding with a recomputed tag is byte-identical.
    let mut out = Vec::new();
    let mut b = MessageBuilder::new(&mut out, Class::Request, Method::BINDING, tid(&v));
    for a in &attrs[..3] {
        b.add(a);
    }
    b.message_integrity(key.as_bytes());
    b.finish().unwrap();
    assert_eq!(out, raw);
}

#[test]
fn rfc8489_b_1_errata6268_sha256_request() {
    let v = vector("rfc8489_b1.json", "rfc8489_B1_errata6268_corrected");
    let raw = bytes(&v, "hex");
    let msg = Message::new_checked(&raw[..]).unwrap();
    assert_eq!(msg.transaction_id(), tid(&v));
    let (user, realm) = (s(&v, "username"), s(&v, "realm"));
    let hash = userhash(user, realm);
    assert_eq!(hash[..], bytes(&v, "userhash"));
    let key = LongTermKey::new(PasswordAlgorithm::SHA256, user, realm, s(&v, "password")).unwrap();
    assert_eq!(key.as_bytes(), bytes(&v, "key_sha256"));
    let attrs: Vec<Attribute<'_>> = msg.attributes().collect::<Result<_, _>>().unwrap();
    let tag = bytes(&v["expect"], "MESSAGE-INTEGRITY-SHA256");
    assert_eq!(
        attrs,
        [
            Attribute::Userhash(hash),
            Attribute::Nonce(s(&v, "nonce")),
            Attribute::Realm(realm),
            Attribute::PasswordAlgorithm {
                algorithm: PasswordAlgorithm::SHA256,
                params: &[]
            },
            Attribute::MessageIntegritySha256(&tag),
        ]
    );
    msg.verify_integrity_sha256(key.as_bytes()).unwrap();
    assert_eq!(
        msg.verify_integrity(key.as_bytes()),
        Err(IntegrityError::Missing)
    );
    let md5 = LongTermKey::md5(user, realm, s(&v, "password"));
    assert_eq!(
        msg.verify_integrity_sha256(md5.as_bytes()),
        Err(IntegrityError::Mismatch)
    );
    let mut evil = raw.clone();
    evil[HEADER_FLIP] ^= 0x80;
    assert_eq!(
        Message::new_checked(&evil[..])
            .unwrap()
            .verify_integrity_sha256(key.as_bytes()),
        Err(IntegrityError::Mismatch)
    );

    let mut out = Vec::new();
    let mut b = MessageBuilder::new(&mut out, Class::Request, Method::BINDING, tid(&v));
    for a in &attrs[..4] {
        b.add(a);
    }
    b.message_integrity_sha256(key.as_bytes());
    b.finish().unwrap();
    assert_eq!(out, raw);
}

#[test]
fn rfc8489_b_1_as_published_is_rejected() {
    let v = vector("rfc8489_b1.json", "rfc8489_B1_original_as_published");
    assert_eq!(v["expect"]["valid"], false);
    let raw = bytes(&v, "hex");
    assert_eq!(
        Message::new_checked(&raw[..]).unwrap_err(),
        ParseError::BadLength
    );
    // Even with its length field repaired, its tag verifies under neither key.
    let c = vector("rfc8489_b1.json", "rfc8489_B1_errata6268_corrected");
    let mut fixed = raw.clone();
    fixed[2..4].copy_from_slice(&((raw.len() - 20) as u16).to_be_bytes());
    let msg = Message::new_checked(&fixed[..]).unwrap();
    let (user, realm, pass) = (s(&c, "username"), s(&c, "realm"), s(&c, "password"));
    for alg in [PasswordAlgorithm::MD5, PasswordAlgorithm::SHA256] {
        let key = LongTermKey::new(alg, user, realm, pass).unwrap();
        assert_eq!(
            msg.verify_integrity_sha256(key.as_bytes()),
            Err(IntegrityError::Mismatch)
        );
    }
    assert!(msg.get(AttrType::PASSWORD_ALGORITHM).is_none());
}
