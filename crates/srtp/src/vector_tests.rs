//! Conformance vectors that need the crate's insides: key derivation and keystream
//! (RFC 3711 App. B.2/B.3, RFC 6188 §7) and RFC 7714 packets given with session keys.

use serde_json::Value;

use crate::crypto::{Aes, Cipher, Gcm, Keys, cm_iv, derive, gcm_iv};
use crate::transform::{self, Params};

fn load(name: &str) -> Value {
    let path = format!("{}/../../vectors/srtp/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))).unwrap()
}

fn num(v: &Value) -> u64 {
    let s = v.as_str().unwrap();
    let s = s.split_whitespace().next().unwrap();
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
}

#[test]
fn rfc3711_b2_rfc6188_7_1_7_3_keystream() {
    let v = load("rfc3711_rfc6188_aes_cm_kdf.json");
    let vectors = v["keystream_vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 3);
    for t in vectors {
        let name = t["name"].as_str().unwrap();
        let aes = Aes::new(&hx(&t["session_key"])).unwrap();
        let salt: [u8; 14] = hx(&t["session_salt"]).try_into().unwrap();
        let iv = cm_iv(&salt, 0, 0);
        assert_eq!(iv.to_vec(), hx(&t["iv_first_block"]), "{name}");
        let mut ks = [0u8; 48];
        aes.ctr(&iv, &mut ks);
        assert_eq!(
            ks.to_vec(),
            hx(&t["keystream_blocks_0000_0001_0002"]),
            "{name}"
        );
        // Blocks 0xfeff..0xff01: the counter is the low 16 bits of the IV (the index is 0).
        let mut iv2 = iv;
        iv2[14] = 0xfe;
        iv2[15] = 0xff;
        let mut ks = [0u8; 48];
        aes.ctr(&iv2, &mut ks);
        assert_eq!(
            ks.to_vec(),
            hx(&t["keystream_blocks_FEFF_FF00_FF01"]),
            "{name}"
        );
        // The same keystream, reached by running the counter from block 0.
        let mut long = vec![0u8; 0xff02 * 16];
        aes.ctr(&iv, &mut long);
        assert_eq!(
            long[0xfeff * 16..].to_vec(),
            hx(&t["keystream_blocks_FEFF_FF00_FF01"])
        );
    }
}

#[test]
fn rfc3711_b3_rfc6188_7_2_7_4_key_derivation() {
    let v = load("rfc3711_rfc6188_aes_cm_kdf.json");
    let vectors = v["kdf_vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 3);
    for t in vectors {
        let name = t["name"].as_str().unwrap();
        assert_eq!(t["kdr"], 0);
        let key = hx(&t["master_key"]);
        let salt = hx(&t["master_salt"]);
        let master = Aes::new(&key).unwrap();
        let check = |label: u8, field: &Value| {
            let want = hx(field);
            let mut got = vec![0u8; want.len()];
            derive(&master, &salt, label, &mut got);
            assert_eq!(
                hex::encode(&got),
                hex::encode(&want),
                "{name} label {label}"
            );
        };
        check(0, &t["label_0_srtp_cipher_key"]);
        check(1, &t["label_1_srtp_auth_key_first20"]);
        check(2, &t["label_2_srtp_cipher_salt"]);
        if let Some(long) = t.get("label_1_auth_keystream_as_listed_in_rfc") {
            check(1, long);
        }
        let extra = &t["computed_here_not_in_rfc"];
        check(3, &extra["label_3_srtcp_cipher_key"]);
        check(4, &extra["label_4_srtcp_auth_key"]);
        check(5, &extra["label_5_srtcp_salt"]);
        check(6, &extra["label_6_rtp_hdr_key"]);
        check(7, &extra["label_7_rtp_hdr_salt"]);
    }
}

fn gcm_keys(t: &Value) -> Keys {
    Keys {
        cipher: Cipher::AesGcm {
            gcm: Gcm::new(&hx(&t["session_key"])).unwrap(),
            salt: hx(&t["session_salt"]).try_into().unwrap(),
        },
        auth: None,
        tag_len: 16,
    }
}

#[test]
fn rfc7714_16_srtp_encrypt_and_tag_only() {
    let v = load("rfc7714_aes_gcm.json");
    let vectors = v["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 2);
    for t in vectors {
        let name = t["name"].as_str().unwrap();
        let keys = gcm_keys(t);
        let r = &t["rtp"];
        let ssrc = num(&r["ssrc"]) as u32;
        let index = (r["roc"].as_u64().unwrap() << 16) | num(&r["seq"]);
        let Cipher::AesGcm { salt, .. } = &keys.cipher else {
            unreachable!()
        };
        assert_eq!(gcm_iv(salt, ssrc, index).to_vec(), hx(&r["iv"]), "{name}");
        let plain = hx(&r["plaintext_packet"]);
        assert_eq!(plain[..12].to_vec(), hx(&r["aad"]));
        for (field, encrypt) in [("encrypted_srtp", true), ("tag_only_srtp_all_aad", false)] {
            let p = Params {
                ssrc,
                index,
                mki: &[],
                encrypt,
                cryptex: None,
                hdrext: None,
            };
            let mut buf = plain.clone();
            buf.resize(plain.len() + 16, 0);
            let n = transform::protect_rtp(&keys, &mut buf, plain.len(), 12, &p).unwrap();
            assert_eq!(
                hex::encode(&buf[..n]),
                hex::encode(hx(&r[field])),
                "{name} {field}"
            );
            let got = transform::unprotect_rtp(&keys, &mut buf, 12, &p).unwrap();
            assert_eq!(buf[..got], plain[..], "{name} {field}");
            // Any flipped bit fails.
            let mut bad = hx(&r[field]);
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(transform::unprotect_rtp(&keys, &mut bad, 12, &p).is_err());
        }
    }
}

#[test]
fn rfc7714_17_srtcp_encrypt_and_tag_only() {
    let v = load("rfc7714_aes_gcm.json");
    for t in v["vectors"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let keys = gcm_keys(t);
        let r = &t["rtcp"];
        let ssrc = 0x4d61_7273;
        let index = num(&r["srtcp_index"]);
        let Cipher::AesGcm { salt, .. } = &keys.cipher else {
            unreachable!()
        };
        assert_eq!(gcm_iv(salt, ssrc, index).to_vec(), hx(&r["iv"]), "{name}");
        let plain = hx(&r["plaintext_packet"]);
        for (field, encrypt) in [("encrypted_srtcp_E1", true), ("tag_only_srtcp_E0", false)] {
            let p = Params {
                ssrc,
                index,
                mki: &[],
                encrypt,
                cryptex: None,
                hdrext: None,
            };
            let mut buf = plain.clone();
            buf.resize(plain.len() + 20, 0);
            let n = transform::protect_rtcp(&keys, &mut buf, plain.len(), &p).unwrap();
            assert_eq!(
                hex::encode(&buf[..n]),
                hex::encode(hx(&r[field])),
                "{name} {field}"
            );
            let mut wire = hx(&r[field]);
            let (i, e) = transform::rtcp_index(&keys, &wire, 0).unwrap();
            assert_eq!((i, e), (index, encrypt));
            let got = transform::unprotect_rtcp(&keys, &mut wire, &p, e).unwrap();
            assert_eq!(wire[..got], plain[..], "{name} {field}");
            let mut bad = hx(&r[field]);
            bad[9] ^= 0x40;
            assert!(transform::unprotect_rtcp(&keys, &mut bad, &p, e).is_err());
        }
    }
}
