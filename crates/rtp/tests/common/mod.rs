//! Shared helpers for the vector tests: decode our views into the JSON shape the vector
//! files use for their independent decodes, so the two can be compared field by field.
#![allow(dead_code)]

use serde_json::{Value, json};
use strata_rtp::rtcp::{Header, RtcpPacket, StatusChunk, XrBlock};
use strata_rtp::rtp::RtpPacket;

pub fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("vector hex")
}

pub fn rtp_json(p: &RtpPacket<&[u8]>) -> Value {
    let mut v = json!({
        "version": p.version(),
        "padding": p.has_padding(),
        "extension": p.has_extension(),
        "csrc_count": p.csrc_count(),
        "marker": u8::from(p.marker()),
        "payload_type": p.payload_type(),
        "sequence_number": p.sequence_number().0,
        "timestamp": p.timestamp().0,
        "ssrc": p.ssrc(),
        "csrc": p.csrcs().collect::<Vec<_>>(),
        "payload_len": p.payload().len(),
    });
    if let Some(profile) = p.extension_profile() {
        v["ext_profile"] = json!(format!("0x{profile:04x}"));
        v["extensions"] = p
            .extensions()
            .map(|e| json!([e.id, hex::encode(e.data)]))
            .collect();
    }
    if p.has_padding() {
        v["padding_size"] = json!(p.padding_len());
    }
    v
}

/// One RTCP packet in the vector files' `own_decode` shape.
pub fn rtcp_json(raw: &[u8], p: &RtcpPacket<'_>) -> Value {
    let h = Header::parse(raw).unwrap();
    let mut v = json!({
        "pt": h.packet_type.0,
        "count_or_fmt": h.count,
        "padding": h.padding,
        "length_words": h.length,
    });
    let o = v.as_object_mut().unwrap();
    let blocks = |r: strata_rtp::rtcp::Items<'_, strata_rtp::rtcp::ReportBlock>| -> Value {
        r.iter()
            .map(|b| {
                json!({"ssrc": b.ssrc, "fraction_lost": b.fraction_lost, "packets_lost": b.cumulative_lost,
                       "highest_sequence": b.extended_highest_seq, "jitter": b.jitter, "lsr": b.lsr, "dlsr": b.dlsr})
            })
            .collect()
    };
    match p {
        RtcpPacket::SenderReport(sr) => {
            o.insert("type".into(), json!("SR"));
            o.insert("ssrc".into(), json!(sr.info.ssrc));
            o.insert("ntp".into(), json!(sr.info.ntp.0));
            o.insert("rtp_ts".into(), json!(sr.info.rtp_timestamp));
            o.insert("packet_count".into(), json!(sr.info.packet_count));
            o.insert("octet_count".into(), json!(sr.info.octet_count));
            o.insert("reports".into(), blocks(sr.reports));
        }
        RtcpPacket::ReceiverReport(rr) => {
            o.insert("type".into(), json!("RR"));
            o.insert("ssrc".into(), json!(rr.ssrc));
            o.insert("reports".into(), blocks(rr.reports));
        }
        RtcpPacket::Sdes(s) => {
            o.insert("type".into(), json!("SDES"));
            let chunks: Vec<Value> = s
                .chunks()
                .map(|c| {
                    let items: Vec<Value> = c
                        .items()
                        .map(|i| json!([i.kind.0, String::from_utf8_lossy(i.value)]))
                        .collect();
                    json!({"ssrc": c.ssrc, "items": items})
                })
                .collect();
            o.insert("chunks".into(), json!(chunks));
        }
        RtcpPacket::Bye(b) => {
            o.insert("type".into(), json!("BYE"));
            o.insert(
                "sources".into(),
                json!(b.sources.iter().collect::<Vec<_>>()),
            );
        }
        RtcpPacket::App(a) => {
            o.insert("type".into(), json!("APP"));
            o.insert("name".into(), json!(String::from_utf8_lossy(&a.name)));
        }
        RtcpPacket::Pli(x) => {
            o.insert("sender_ssrc".into(), json!(x.sender_ssrc));
            o.insert("media_ssrc".into(), json!(x.media_ssrc));
            o.insert("type".into(), json!("PLI"));
        }
        RtcpPacket::Nack(n) => {
            o.insert("sender_ssrc".into(), json!(n.sender_ssrc));
            o.insert("media_ssrc".into(), json!(n.media_ssrc));
            o.insert("type".into(), json!("NACK"));
            let pairs: Vec<Value> = n.pairs.iter().map(|p| json!([p.pid.0, p.blp])).collect();
            o.insert("pairs".into(), json!(pairs));
            o.insert(
                "lost".into(),
                json!(n.lost().map(|s| s.0).collect::<Vec<_>>()),
            );
        }
        RtcpPacket::Fir(f) => {
            o.insert("sender_ssrc".into(), json!(f.sender_ssrc));
            o.insert("media_ssrc".into(), json!(f.media_ssrc));
            o.insert("type".into(), json!("FIR"));
            let e: Vec<Value> = f.entries.iter().map(|e| json!([e.ssrc, e.seq])).collect();
            o.insert("entries".into(), json!(e));
        }
        RtcpPacket::TransportCc(t) => {
            o.insert("sender_ssrc".into(), json!(t.sender_ssrc));
            o.insert("media_ssrc".into(), json!(t.media_ssrc));
            o.insert("type".into(), json!("TWCC"));
            o.insert("base_sequence_number".into(), json!(t.base_seq.0));
            o.insert("packet_status_count".into(), json!(t.status_count));
            o.insert("reference_time".into(), json!(t.reference_time));
            o.insert("fb_pkt_count".into(), json!(t.fb_count));
            let chunks: Vec<Value> = t
                .chunks()
                .map(|c| match c {
                    StatusChunk::RunLength { symbol, run } => {
                        json!({"type": "run_length", "symbol": symbol, "run_length": run})
                    }
                    StatusChunk::OneBit(_) => json!({"type": "status_vector_1bit",
                        "symbols": (0..14).map(|i| c.symbol(i)).collect::<Vec<_>>()}),
                    StatusChunk::TwoBit(_) => json!({"type": "status_vector_2bit",
                        "symbols": (0..7).map(|i| c.symbol(i)).collect::<Vec<_>>()}),
                })
                .collect();
            o.insert("chunks".into(), json!(chunks));
            let d: Vec<i64> = t.packets().filter_map(|p| p.delta_us()).collect();
            o.insert("recv_deltas_us".into(), json!(d));
        }
        RtcpPacket::Feedback(f) => {
            o.insert("sender_ssrc".into(), json!(f.sender_ssrc));
            o.insert("media_ssrc".into(), json!(f.media_ssrc));
            o.insert("type".into(), json!("FB_other"));
            o.insert("fci".into(), json!(hex::encode(f.fci)));
        }
        RtcpPacket::Remb(r) => {
            o.insert("type".into(), json!("REMB"));
            o.insert("bitrate".into(), json!(r.bitrate));
        }
        RtcpPacket::Ccfb(c) => {
            o.insert("type".into(), json!("CCFB"));
            o.insert("sender_ssrc".into(), json!(c.sender_ssrc));
        }
        RtcpPacket::Xr(x) => {
            o.insert("type".into(), json!("XR"));
            o.insert(
                "blocks".into(),
                json!(x.blocks().filter(|b| matches!(b, XrBlock::Rrtr(_))).count()),
            );
        }
        _ => {
            o.insert("type".into(), json!("unknown"));
        }
    }
    v
}

/// Decodes a whole datagram strictly (reduced-size rules) into the vector JSON shape.
pub fn rtcp_decode(data: &[u8]) -> Result<Vec<Value>, strata_rtp::RtcpError> {
    use strata_rtp::rtcp::{Compound, Validation};
    let c = Compound::parse_strict(data, Validation::ReducedSize)?;
    let mut out = Vec::new();
    let mut off = 0;
    for p in c.iter() {
        let p = p?;
        let raw = &data[off..];
        off += Header::parse(raw).unwrap().packet_len();
        out.push(rtcp_json(raw, &p));
    }
    Ok(out)
}
