//! The 21 libsrtp known answers (test/srtp_driver.c `srtp_validate*`), through the public API.

use serde_json::Value;
use strata_srtp::{Config, Context, Error, Profile};

fn load() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../vectors/srtp/libsrtp_known_answer.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn vector<'a>(all: &'a Value, name: &str) -> &'a Value {
    all["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
}

/// Vectors this crate implements: name, profile, MKI, cryptex.
const SUPPORTED: &[(&str, Profile, &str, bool)] = &[
    (
        "aes_cm_128_hmac_sha1_80",
        Profile::AesCm128HmacSha1_80,
        "",
        false,
    ),
    (
        "aes_cm_128_hmac_sha1_80_with_mki",
        Profile::AesCm128HmacSha1_80,
        "e1f97a0d",
        false,
    ),
    (
        "null_cipher_hmac_sha1_80",
        Profile::NullHmacSha1_80,
        "",
        false,
    ),
    ("null_cipher_null_auth", Profile::NullNull, "", false),
    ("aead_aes_128_gcm", Profile::AeadAes128Gcm, "", false),
    (
        "aes_cm_256_hmac_sha1_80",
        Profile::AesCm256HmacSha1_80,
        "",
        false,
    ),
    (
        "aes_cm_192_hmac_sha1_80",
        Profile::AesCm192HmacSha1_80,
        "",
        false,
    ),
    (
        "cryptex_aes_cm_128_1bytehdrext",
        Profile::AesCm128HmacSha1_80,
        "",
        true,
    ),
    (
        "cryptex_aes_cm_128_2bytehdrext",
        Profile::AesCm128HmacSha1_80,
        "",
        true,
    ),
    (
        "cryptex_aes_cm_128_1bytehdrext_cc",
        Profile::AesCm128HmacSha1_80,
        "",
        true,
    ),
    (
        "cryptex_aes_cm_128_2bytehdrext_cc",
        Profile::AesCm128HmacSha1_80,
        "",
        true,
    ),
    (
        "cryptex_aes_cm_128_1byte_empty_hdrext_cc",
        Profile::AesCm128HmacSha1_80,
        "",
        true,
    ),
    (
        "cryptex_aes_cm_128_2byte_empty_hdrext_cc",
        Profile::AesCm128HmacSha1_80,
        "",
        true,
    ),
    (
        "cryptex_aead_aes_128_gcm_1bytehdrext",
        Profile::AeadAes128Gcm,
        "",
        true,
    ),
    (
        "cryptex_aead_aes_128_gcm_2bytehdrext",
        Profile::AeadAes128Gcm,
        "",
        true,
    ),
    (
        "cryptex_aead_aes_128_gcm_1bytehdrext_cc",
        Profile::AeadAes128Gcm,
        "",
        true,
    ),
    (
        "cryptex_aead_aes_128_gcm_2bytehdrext_cc",
        Profile::AeadAes128Gcm,
        "",
        true,
    ),
    (
        "cryptex_aead_aes_128_gcm_1byte_empty_hdrext_cc",
        Profile::AeadAes128Gcm,
        "",
        true,
    ),
    (
        "cryptex_aead_aes_128_gcm_2byte_empty_hdrext_cc",
        Profile::AeadAes128Gcm,
        "",
        true,
    ),
    (
        "aes_cm_128_sha1_80_rfc6904_encrypted_hdrext",
        Profile::AesCm128HmacSha1_80,
        "",
        false,
    ),
    (
        "aead_aes_128_gcm_rfc6904_encrypted_hdrext",
        Profile::AeadAes128Gcm,
        "",
        false,
    ),
];

/// libsrtp's RFC 6904 vectors encrypt extension elements 1, 3 and 4.
const RFC6904_IDS: [u8; 3] = [1, 3, 4];

fn context(v: &Value, profile: Profile, mki: &str, cryptex: bool) -> Context {
    let rfc6904 = v["name"].as_str().unwrap().contains("rfc6904");
    let ks = match v["master_key_and_salt"].as_str().unwrap() {
        "(key ignored)" => vec![0u8; profile.master_key_len() + profile.master_salt_len()],
        _ => hx(&v["master_key_and_salt"]),
    };
    let k = profile.master_key_len();
    let config = Config {
        mki: hex::decode(mki).unwrap(),
        cryptex,
        encrypted_header_extensions: if rfc6904 {
            RFC6904_IDS.to_vec()
        } else {
            Vec::new()
        },
        ..Config::default()
    };
    Context::new(profile, &ks[..k], &ks[k..], config).unwrap()
}

#[test]
fn every_vector_is_tested() {
    let all = load();
    let names: Vec<&str> = all["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 21);
    assert_eq!(SUPPORTED.len(), 21);
    for n in names {
        assert!(
            SUPPORTED.iter().any(|s| s.0 == n),
            "vector {n} is not tested"
        );
    }
}

#[test]
fn libsrtp_srtp_validate_known_answers() {
    let all = load();
    let mut passed = 0;
    for &(name, profile, mki, cryptex) in SUPPORTED {
        let v = vector(&all, name);
        // RTP: protect gives the known packet, unprotect gives the plaintext back.
        let plain = hx(&v["rtp_plain"]);
        let mut pkt = plain.clone();
        context(v, profile, mki, cryptex)
            .protect_rtp(&mut pkt)
            .unwrap();
        assert_eq!(
            hex::encode(&pkt),
            hex::encode(hx(&v["srtp"])),
            "{name} protect"
        );
        let mut rx = context(v, profile, mki, cryptex);
        let mut pkt = hx(&v["srtp"]);
        rx.unprotect_rtp(&mut pkt).unwrap();
        assert_eq!(pkt, plain, "{name} unprotect");
        // Tampering is caught (NULL_NULL has nothing to catch it with).
        if profile != Profile::NullNull {
            let mut bad = hx(&v["srtp"]);
            bad[13] ^= 1;
            let mut rx = context(v, profile, mki, cryptex);
            assert_eq!(rx.unprotect_rtp(&mut bad), Err(Error::AuthFailed), "{name}");
        }
        // RTCP: libsrtp numbers its first SRTCP packet 1, RFC 3711 §3.4 numbers it 0, so one
        // packet goes first.
        if let Some(srtcp) = v.get("srtcp") {
            assert_eq!(v["srtcp_index"], 1);
            let plain = hx(&v["rtcp_plain"]);
            let mut tx = context(v, profile, mki, cryptex);
            let mut first = plain.clone();
            tx.protect_rtcp(&mut first).unwrap();
            let mut pkt = plain.clone();
            tx.protect_rtcp(&mut pkt).unwrap();
            assert_eq!(
                hex::encode(&pkt),
                hex::encode(hx(srtcp)),
                "{name} protect_rtcp"
            );
            let mut rx = context(v, profile, mki, cryptex);
            let mut pkt = hx(srtcp);
            rx.unprotect_rtcp(&mut pkt).unwrap();
            assert_eq!(pkt, plain, "{name} unprotect_rtcp");
        }
        passed += 1;
    }
    assert_eq!(passed, 21);
}

#[test]
fn mki_mismatch_is_rejected() {
    let all = load();
    let v = vector(&all, "aes_cm_128_hmac_sha1_80_with_mki");
    let mut rx = context(v, Profile::AesCm128HmacSha1_80, "f3a14671", false);
    let mut pkt = hx(&v["srtp"]);
    assert_eq!(rx.unprotect_rtp(&mut pkt), Err(Error::UnknownMki));
    assert_eq!(rx.stream_count(), 0);
}
