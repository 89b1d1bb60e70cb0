//! aiortc captures: real RTP/RTCP packets, plus invalid and truncated ones
//! (vectors/rtp_rtcp/aiortc_rtp_rtcp.json).

mod common;

use common::{rtcp_decode, rtp_json, unhex};
use serde_json::{Value, json};
use strata_rtp::rtcp::{Compound, RtcpPacket, RtcpWriter, Validation};
use strata_rtp::rtp::RtpPacket;
use strata_rtp::rtp::ext::{AbsSendTime, ExtensionValue, SdesText};
use strata_rtp::{RtcpError, RtpError};

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../vectors/rtp_rtcp/aiortc_rtp_rtcp.json"
));

fn vectors() -> Vec<Value> {
    let v: Value = serde_json::from_str(VECTORS).unwrap();
    v["vectors"].as_array().unwrap().clone()
}

fn get(name: &str) -> (Vec<u8>, Value) {
    let v = vectors().into_iter().find(|v| v["name"] == name).unwrap();
    (unhex(v["hex"].as_str().unwrap()), v)
}

/// Every vector: RTP ones decode to the expected fields; RTCP ones to the expected packets
/// or fail; the independent decode in the file agrees with ours.
#[test]
fn rfc3550_aiortc_vectors_all() {
    let all = vectors();
    assert_eq!(all.len(), 21);
    for v in &all {
        let name = v["name"].as_str().unwrap();
        let bytes = unhex(v["hex"].as_str().unwrap());
        let expect = &v["expect"];
        if name.starts_with("rtp") {
            let p = RtpPacket::new_checked(&bytes[..]).unwrap_or_else(|e| panic!("{name}: {e}"));
            let got = rtp_json(&p);
            assert_eq!(got, v["own_decode"], "{name}");
            for (k, want) in expect["rtp"].as_object().unwrap() {
                assert_eq!(&got[k], want, "{name}: {k}");
            }
        } else if expect.get("error").is_some() {
            assert!(rtcp_decode(&bytes).is_err(), "{name} must be rejected");
        } else {
            let got = rtcp_decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(Value::Array(got.clone()), v["own_decode"], "{name}");
            // The aiortc expectation, key by key.
            for (g, w) in got.iter().zip(expect["packets"].as_array().unwrap()) {
                for (k, want) in w.as_object().unwrap() {
                    if k == "lost" || k == "fmt" {
                        continue; // checked through own_decode
                    }
                    assert_eq!(&g[k], want, "{name}: {k}");
                }
            }
        }
    }
}

#[test]
fn rfc3550_a2_specific_errors() {
    let cases = [
        ("rtcp_bye_invalid.bin", RtcpError::BadLength),
        ("rtcp_psfb_invalid.bin", RtcpError::BadLength),
        ("rtcp_rr_invalid.bin", RtcpError::BadLength),
        ("rtcp_sr_invalid.bin", RtcpError::BadLength),
        ("rtcp_rtpfb_invalid.bin", RtcpError::BadLength),
        ("rtcp_sdes_item_truncated.bin", RtcpError::BadSdes),
    ];
    for (name, err) in cases {
        let (b, _) = get(name);
        assert_eq!(rtcp_decode(&b).unwrap_err(), err, "{name}");
    }
    // 14 bytes: not whole words, the length field says 4 bytes, then 10 bytes that cannot be
    // a header-and-body.
    let (b, _) = get("rtcp_sdes_source_truncated.bin");
    assert!(Compound::parse_strict(&b, Validation::ReducedSize).is_err());
}

#[test]
fn rfc3550_rr_truncations_and_version() {
    let (b, _) = get("rtcp_rr.bin");
    for n in 1..4 {
        assert_eq!(
            Compound::new(&b[..n], Validation::Compound),
            Err(RtcpError::TooShort)
        );
    }
    for n in 4..32 {
        assert_eq!(
            Compound::new(&b[..n], Validation::Compound),
            Err(RtcpError::Truncated),
            "{n}"
        );
    }
    let mut bad = b.clone();
    bad[0] = 0xc0;
    assert_eq!(
        Compound::new(&bad, Validation::Compound),
        Err(RtcpError::BadVersion)
    );
}

#[test]
fn rfc3550_compound_sr_sdes_and_a2_rules() {
    let (sr, _) = get("rtcp_sr.bin");
    let (sdes, _) = get("rtcp_sdes.bin");
    let both = [sr.clone(), sdes.clone()].concat();
    let c = Compound::parse_strict(&both, Validation::Compound).unwrap();
    let kinds: Vec<_> = c.iter().map(|p| p.unwrap().packet_type().0).collect();
    assert_eq!(kinds, [200, 202]);
    // A.2: an SDES first is not a full compound packet, but is fine reduced-size.
    let swapped = [sdes.clone(), sr.clone()].concat();
    assert_eq!(
        Compound::new(&swapped, Validation::Compound),
        Err(RtcpError::FirstNotReport)
    );
    assert!(Compound::parse_strict(&swapped, Validation::ReducedSize).is_ok());
    // A.2: padding only on the last packet.
    let (pad, _) = get("rtcp_bye_padding.bin");
    let padded_first = [pad.clone(), sr.clone()].concat();
    assert_eq!(
        Compound::new(&padded_first, Validation::ReducedSize),
        Err(RtcpError::PaddingNotLast)
    );
    let padded_last = [sr, pad].concat();
    assert!(Compound::parse_strict(&padded_last, Validation::Compound).is_ok());
    // A.2: lengths must add up exactly.
    let mut long = both.clone();
    long.extend_from_slice(&[0x80]);
    assert!(Compound::new(&long, Validation::Compound).is_err());
}

#[test]
fn rfc3550_bye_padding_reserializes_like_aiortc() {
    let (b, v) = get("rtcp_bye_padding.bin");
    let c = Compound::parse_strict(&b, Validation::ReducedSize).unwrap();
    let Some(Ok(RtcpPacket::Bye(bye))) = c.iter().next() else {
        panic!()
    };
    let sources: Vec<u32> = bye.sources.iter().collect();
    let mut buf = [0u8; 64];
    let mut w = RtcpWriter::new(&mut buf);
    w.bye(&sources, bye.reason).unwrap();
    let n = w.finish();
    assert_eq!(
        hex::encode(&buf[..n]),
        v["expect"]["reserialized_by_aiortc"].as_str().unwrap()
    );
}

#[test]
fn rfc3550_rtp_truncations_and_padding() {
    let (b, _) = get("rtp.bin");
    assert_eq!(RtpPacket::new_checked(&b[..11]), Err(RtpError::TooShort));
    let mut bad = b.clone();
    bad[0] = 0xc0;
    assert_eq!(RtpPacket::new_checked(&bad[..]), Err(RtpError::BadVersion));

    let (b, _) = get("rtp_only_padding.bin");
    for last in [0x02u8, 0x00] {
        let mut x = b[..12].to_vec();
        x.push(last);
        assert_eq!(
            RtpPacket::new_checked(&x[..]),
            Err(RtpError::BadPadding),
            "{last}"
        );
    }

    let (b, _) = get("rtp_with_csrc.bin");
    for n in 12..20 {
        assert_eq!(
            RtpPacket::new_checked(&b[..n]),
            Err(RtpError::TruncatedCsrc),
            "{n}"
        );
    }

    let (b, _) = get("rtp_with_sdes_mid.bin");
    for n in 12..20 {
        assert_eq!(
            RtpPacket::new_checked(&b[..n]),
            Err(RtpError::TruncatedExtension),
            "{n}"
        );
    }
}

#[test]
fn webrtc_abs_send_time_and_mid_values() {
    let (b, v) = get("rtp_only_padding_with_header_extensions.bin");
    let p = RtpPacket::new_checked(&b[..]).unwrap();
    let t = AbsSendTime::parse(p.extension(2).unwrap()).unwrap();
    assert_eq!(json!(t.0), v["expect"]["abs_send_time"]);
    assert_eq!(v["expect"]["extmap"]["2"], AbsSendTime::URI);

    let (b, v) = get("rtp_with_sdes_mid.bin");
    let p = RtpPacket::new_checked(&b[..]).unwrap();
    let mid = SdesText::parse(p.extension(9).unwrap()).unwrap();
    assert_eq!(json!(mid.as_str().unwrap()), v["expect"]["mid"]);
}
