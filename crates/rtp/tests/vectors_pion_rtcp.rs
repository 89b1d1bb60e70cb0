//! pion/rtcp unmarshal tables (vectors/rtp_rtcp/pion_rtcp_unmarshal_tables.json): TWCC, NACK,
//! PLI, FIR, SR, RR, SDES, BYE, APP, RFC 8888; entries flagged `conformance_flag` must be
//! rejected by our strict parser.

mod common;

use common::{rtcp_decode, unhex};
use serde_json::Value;
use strata_rtp::rtcp::{
    Ccfb, CcfbBlock, Compound, Ecn, MetricBlock, RtcpPacket, Validation, WireItem, decode_delta_us,
};

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../vectors/rtp_rtcp/pion_rtcp_unmarshal_tables.json"
));

fn vectors() -> Vec<Value> {
    let v: Value = serde_json::from_str(VECTORS).unwrap();
    v["vectors"].as_array().unwrap().clone()
}

fn nums(v: &Value) -> Vec<(String, u64)> {
    v["pion_expected_numeric_fields_in_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x[0].as_str().unwrap().to_string(), x[1].as_u64().unwrap()))
        .collect()
}

/// pion rejects these, the independent decoder accepted them, and we reject them, each for an
/// RFC rule: a strict parser is stricter than both.
const STRICTER_THAN_OWN_DECODE: &[(&str, &str)] = &[
    (
        "transport_layer_nack_test.go::TestTransportLayerNackUnmarshal/bad length",
        "RFC 4585 §6.2.1: FCI MUST contain at least one NACK",
    ),
    (
        "full_intra_request_test.go::TestFullIntraRequestUnmarshal/wrong length",
        "RFC 5104 §4.3.1.2: FCI MUST contain one or more FIR entries",
    ),
    (
        "application_defined_test.go::TestTApplicationPacketUnmarshal/wrongPaddingSize",
        "padding count 9 leaves 7 body bytes, less than APP's SSRC and name",
    ),
];

#[test]
fn pion_rtcp_full_packets() {
    let (mut accepted, mut rejected, mut stricter_seen) = (0, 0, 0);
    for v in vectors() {
        if !v["kind"].as_str().unwrap().starts_with("full") {
            continue;
        }
        let key = format!(
            "{}/{}",
            v["test"].as_str().unwrap(),
            v["name"].as_str().unwrap()
        );
        let bytes = unhex(v["hex"].as_str().unwrap());
        let ours = rtcp_decode(&bytes);
        let stricter = STRICTER_THAN_OWN_DECODE.iter().any(|(k, _)| *k == key);
        stricter_seen += usize::from(stricter);
        if v.get("conformance_flag").is_some() || stricter {
            assert!(
                ours.is_err(),
                "{key}: strict parser must reject, got {ours:?}"
            );
            rejected += 1;
        } else if v["pion_want_error"].is_null() || !v["own_decode"].is_null() {
            // Either pion accepts, or pion refuses as a type-specific policy (e.g. a PSFB with
            // FMT 2 given to its FIR decoder) while the packet is valid RTCP.
            let got = ours.unwrap_or_else(|e| panic!("{key}: {e}"));
            let own = &v["own_decode"];
            let is_ccfb = own[0]["count_or_fmt"] == 11 && own[0]["pt"] == 205;
            if !is_ccfb {
                assert_eq!(Value::Array(got), *own, "{key}");
            }
            accepted += 1;
        } else {
            assert!(
                ours.is_err(),
                "{key}: pion and the independent decoder reject, so must we"
            );
            rejected += 1;
        }
    }
    assert_eq!((accepted, rejected), (21, 52));
    assert_eq!(stricter_seen, STRICTER_THAN_OWN_DECODE.len());
}

#[test]
fn draft_holmer_twcc_recv_delta_fragments() {
    for v in vectors()
        .iter()
        .filter(|v| v["test"].as_str().unwrap().ends_with("RecvDeltaUnmarshal"))
    {
        let d = decode_delta_us(&unhex(v["hex"].as_str().unwrap())).unwrap();
        match v["name"].as_str().unwrap() {
            "big delta -8192ms" => assert_eq!(d, -8_192_000),
            _ => assert_eq!(d as u64, nums(v)[0].1),
        }
    }
}

#[test]
fn draft_holmer_twcc_packets_match_pion_fields() {
    for v in vectors().iter().filter(|v| {
        v["test"]
            .as_str()
            .unwrap()
            .ends_with("TransportLayerCC_Unmarshal")
    }) {
        if v.get("conformance_flag").is_some() || !v["pion_want_error"].is_null() {
            continue;
        }
        let bytes = unhex(v["hex"].as_str().unwrap());
        let c = Compound::parse_strict(&bytes, Validation::ReducedSize).unwrap();
        let Some(Ok(RtcpPacket::TransportCc(t))) = c.iter().next() else {
            panic!()
        };
        let n = nums(v);
        let get = |k: &str| n.iter().find(|(x, _)| x == k).unwrap().1;
        assert_eq!(u64::from(t.sender_ssrc), get("SenderSSRC"));
        assert_eq!(u64::from(t.media_ssrc), get("MediaSSRC"));
        assert_eq!(u64::from(t.base_seq.0), get("BaseSequenceNumber"));
        assert_eq!(u64::from(t.status_count), get("PacketStatusCount"));
        assert_eq!(u64::from(t.reference_time), get("ReferenceTime"));
        assert_eq!(u64::from(t.fb_count), get("FbPktCount"));
        let deltas: Vec<u64> = n
            .iter()
            .filter(|(k, _)| k == "Delta")
            .map(|x| x.1)
            .collect();
        let ours: Vec<u64> = t
            .packets()
            .filter_map(|p| p.delta_us())
            .map(|d| d as u64)
            .collect();
        assert_eq!(ours, deltas, "{}", v["name"]);
    }
}

#[test]
fn rfc8888_metric_block_fragments() {
    for v in vectors().iter().filter(|v| {
        v["test"]
            .as_str()
            .unwrap()
            .ends_with("MetricBlockUnmarshalMarshal")
    }) {
        let b = unhex(v["hex"].as_str().unwrap());
        let m = MetricBlock::read(&b);
        let name = v["name"].as_str().unwrap();
        assert_eq!(m.received, name.starts_with("Received"), "{name}");
        let n = nums(v);
        if m.received {
            let ato = n.iter().find(|(k, _)| k == "ArrivalTimeOffset").unwrap().1;
            assert_eq!(u64::from(m.ato), ato, "{name}");
        }
        if name.ends_with("ECNCE") {
            assert_eq!(m.ecn, Ecn::CE);
        } else if name.ends_with("ECNECT1") {
            assert_eq!(m.ecn, Ecn::ECT1);
        } else {
            assert_eq!(m.ecn, Ecn::NOT_ECT);
        }
        let mut out = [0u8; 2];
        m.write(&mut out);
        assert_eq!(out.to_vec(), b);
    }
}

#[test]
fn rfc8888_report_block_fragments() {
    for v in vectors().iter().filter(|v| {
        v["test"]
            .as_str()
            .unwrap()
            .ends_with("ReportBlockUnmarshalMarshal")
    }) {
        let b = unhex(v["hex"].as_str().unwrap());
        let (blk, len) = CcfbBlock::parse(&b).unwrap();
        assert_eq!(len, b.len(), "{}", v["name"]);
        let n = nums(v);
        assert_eq!(u64::from(blk.media_ssrc), n[0].1);
        assert_eq!(u64::from(blk.begin_seq.0), n[1].1);
        let atos: Vec<u64> = n
            .iter()
            .filter(|(k, _)| k == "ArrivalTimeOffset")
            .map(|x| x.1)
            .collect();
        let ours: Vec<u64> = blk.metrics.iter().map(|m| u64::from(m.ato)).collect();
        assert_eq!(ours, atos, "{}", v["name"]);
    }
}

#[test]
fn rfc8888_full_reports_match_pion_fields() {
    for v in vectors().iter().filter(|v| {
        v["test"]
            .as_str()
            .unwrap()
            .ends_with("CCFeedbackReportUnmarshalMarshal")
    }) {
        let b = unhex(v["hex"].as_str().unwrap());
        let c = Compound::parse_strict(&b, Validation::ReducedSize).unwrap();
        let Some(Ok(RtcpPacket::Ccfb(f))) = c.iter().next() else {
            panic!()
        };
        let f: Ccfb<'_> = f;
        let n = nums(v);
        assert_eq!(u64::from(f.sender_ssrc), n[0].1);
        assert_eq!(u64::from(f.report_timestamp), n.last().unwrap().1);
        let ssrcs: Vec<u64> = n
            .iter()
            .filter(|(k, _)| k == "MediaSSRC")
            .map(|x| x.1)
            .collect();
        let ours: Vec<u64> = f.blocks().map(|b| u64::from(b.media_ssrc)).collect();
        assert_eq!(ours, ssrcs);
        let atos: Vec<u64> = n
            .iter()
            .filter(|(k, _)| k == "ArrivalTimeOffset")
            .map(|x| x.1)
            .collect();
        let ours: Vec<u64> = f
            .blocks()
            .flat_map(|b| {
                b.metrics
                    .iter()
                    .map(|m| u64::from(m.ato))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(ours, atos);
    }
}

#[test]
fn rfc3550_app_packets_match_pion_fields() {
    for v in vectors().iter().filter(|v| {
        v["test"]
            .as_str()
            .unwrap()
            .starts_with("application_defined")
    }) {
        if !v["pion_want_error"].is_null() {
            continue;
        }
        let b = unhex(v["hex"].as_str().unwrap());
        let c = Compound::parse_strict(&b, Validation::ReducedSize).unwrap();
        let Some(Ok(RtcpPacket::App(a))) = c.iter().next() else {
            panic!()
        };
        let n = nums(v);
        assert_eq!(u64::from(a.subtype), n[0].1);
        assert_eq!(u64::from(a.ssrc), n[1].1);
        assert_eq!(&a.name, b"NAME");
        assert!(a.data.starts_with(b"ABCD"));
    }
}
