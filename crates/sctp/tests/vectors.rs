//! Conformance vectors: aiortc's captured SCTP packets and DCEP messages.

use serde_json::Value;
use strata_sctp::dcep::{ChannelType, DcepMessage};
use strata_sctp::serial::Tsn;
use strata_sctp::wire::cause::CauseCode;
use strata_sctp::wire::chunk::{Chunk, ChunkType};
use strata_sctp::wire::packet::{Packet, PacketHeader};
use strata_sctp::wire::param::{Param, ParamType, ReconfigResult};
use strata_sctp::wire::{WireError, chunk};

fn load(name: &str) -> Value {
    let path = format!("{}/../../vectors/sctp/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn parse_all(bytes: &[u8]) -> Result<Vec<Chunk<'_>>, WireError> {
    let p = Packet::new_checked(bytes)?;
    let _ = p;
    let mut out = Vec::new();
    for raw in strata_sctp::wire::chunk::ChunkIter::from_packet(bytes)? {
        out.push(Chunk::parse(raw?)?);
    }
    Ok(out)
}

/// Re-encodes a packet from its parsed chunks.
fn reencode(bytes: &[u8], chunks: &[Chunk<'_>]) -> Vec<u8> {
    let p = Packet::new_checked(bytes).unwrap();
    let mut out = vec![0u8; 12];
    PacketHeader::parse(&p).emit(&mut out);
    for c in chunks {
        c.emit_to(&mut out);
    }
    let mut pk = Packet::new_checked(&mut out[..]).unwrap();
    pk.fill_checksum();
    out
}

#[test]
fn aiortc_sctp_chunk_fixtures() {
    let v = load("aiortc_sctp_chunks.json");
    let mut checked = 0;
    for vec in v["vectors"].as_array().unwrap() {
        let name = vec["name"].as_str().unwrap();
        let bytes = hex::decode(vec["hex"].as_str().unwrap()).unwrap();
        let expect = &vec["expect"];
        let pkt = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(
            pkt.verify_checksum(),
            vec["crc32c_ok"].as_bool().unwrap(),
            "{name}"
        );
        assert_eq!(pkt.src_port(), 5000);
        if let Some(err) = expect.get("error") {
            let e = parse_all(&bytes).unwrap_err();
            let len: usize = err
                .as_str()
                .unwrap()
                .split("length of ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!(
                matches!(e, WireError::BadLength { len: l, .. } if l == len),
                "{name}: {e:?}"
            );
            checked += 1;
            continue;
        }
        let chunks = parse_all(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(chunks.len(), 1, "{name}");
        let c = &chunks[0];
        if let Some(t) = expect.get("type") {
            assert_eq!(u64::from(c.chunk_type().0), t.as_u64().unwrap(), "{name}");
        }
        match c {
            Chunk::Init(i) => {
                let ann = &vec["annotated_here"]["chunks"][0];
                assert_eq!(
                    format!("0x{:08x}", i.initiate_tag),
                    ann["initiate_tag"].as_str().unwrap()
                );
                assert_eq!(u64::from(i.a_rwnd), ann["a_rwnd"].as_u64().unwrap());
                assert_eq!(
                    u64::from(i.outbound_streams),
                    ann["outbound_streams"].as_u64().unwrap()
                );
                assert_eq!(
                    u64::from(i.inbound_streams),
                    ann["inbound_streams"].as_u64().unwrap()
                );
                assert_eq!(
                    u64::from(i.initial_tsn.0),
                    ann["initial_tsn"].as_u64().unwrap()
                );
                let params: Vec<_> = i.params.iter().collect();
                let want = ann["params"].as_array().unwrap();
                assert_eq!(params.len(), want.len());
                for (p, w) in params.iter().zip(want) {
                    assert_eq!(
                        format!("0x{:04x}", p.param_type().0),
                        w["type"].as_str().unwrap()
                    );
                }
                assert!(params.contains(&Param::ForwardTsnSupported));
                let ext = params
                    .iter()
                    .find_map(|p| match p {
                        Param::SupportedExtensions(e) => Some(*e),
                        _ => None,
                    })
                    .unwrap();
                // FORWARD-TSN (0xc0), RE-CONFIG (0x82) among the supported extensions.
                assert!(ext.contains(&ChunkType::FORWARD_TSN.0));
                assert!(ext.contains(&ChunkType::RE_CONFIG.0));
                let bad = name.contains("bad_verification");
                assert_eq!(pkt.verification_tag() != 0, bad);
            }
            Chunk::CookieEcho(ck) => assert_eq!(*ck, b"12345678"),
            Chunk::Abort { t, causes } => {
                assert!(!t);
                let cs: Vec<_> = causes.iter().collect();
                assert_eq!(cs.len(), 1);
                assert_eq!(cs[0].code, CauseCode::PROTOCOL_VIOLATION);
                assert_eq!(
                    cs[0].info,
                    expect["params"][0][1].as_str().unwrap().as_bytes()
                );
            }
            Chunk::Data(d) => {
                assert_eq!(u64::from(d.tsn.0), expect["tsn"].as_u64().unwrap());
                assert_eq!(
                    u64::from(d.stream_id),
                    expect["stream_id"].as_u64().unwrap()
                );
                assert_eq!(u64::from(d.ssn.0), expect["stream_seq"].as_u64().unwrap());
                assert_eq!(u64::from(d.ppid), expect["ppid"].as_u64().unwrap());
                assert_eq!(u64::from(d.flags), expect["flags"].as_u64().unwrap());
                assert_eq!(d.payload, expect["user_data"].as_str().unwrap().as_bytes());
                assert_eq!(d.flags & chunk::data_flags::B, chunk::data_flags::B);
            }
            Chunk::Error(causes) => {
                let cs: Vec<_> = causes.iter().collect();
                assert_eq!(cs[0].code, CauseCode::INVALID_STREAM_IDENTIFIER);
                assert_eq!(hex::encode(cs[0].info), "30390000");
            }
            Chunk::ForwardTsn(f) => {
                assert_eq!(f.new_cum_tsn, Tsn(1234));
                let s: Vec<_> = f.streams().map(|(a, b)| (a, b.0)).collect();
                assert_eq!(s, vec![(12, 34)]);
            }
            Chunk::Heartbeat(p) => {
                let ps: Vec<_> = p.iter().collect();
                let want = hex::decode(expect["params"][0][1].as_str().unwrap()).unwrap();
                assert_eq!(ps, vec![Param::HeartbeatInfo(&want)]);
            }
            Chunk::ReConfig(p) => {
                let ps: Vec<_> = p.iter().collect();
                assert_eq!(ps.len(), 1);
                assert_eq!(
                    u64::from(ps[0].param_type().0),
                    expect["param_type"].as_u64().unwrap()
                );
                match ps[0] {
                    Param::OutgoingSsnReset {
                        request_seq,
                        response_seq,
                        last_tsn,
                        streams,
                    } => {
                        let e = &expect["outgoing_ssn_reset_request"];
                        assert_eq!(
                            u64::from(request_seq),
                            e["request_sequence"].as_u64().unwrap()
                        );
                        assert_eq!(
                            u64::from(response_seq),
                            e["response_sequence"].as_u64().unwrap()
                        );
                        assert_eq!(u64::from(last_tsn), e["last_tsn"].as_u64().unwrap());
                        assert_eq!(streams.iter().collect::<Vec<_>>(), vec![1]);
                    }
                    Param::AddOutgoingStreams {
                        request_seq,
                        new_streams,
                    } => {
                        let e = &expect["add_outgoing_streams"];
                        assert_eq!(
                            u64::from(request_seq),
                            e["request_sequence"].as_u64().unwrap()
                        );
                        assert_eq!(u64::from(new_streams), e["new_streams"].as_u64().unwrap());
                    }
                    Param::ReconfigResponse {
                        response_seq,
                        result,
                        tsns,
                    } => {
                        let e = &expect["reconfig_response"];
                        assert_eq!(
                            u64::from(response_seq),
                            e["response_sequence"].as_u64().unwrap()
                        );
                        assert_eq!(result, ReconfigResult::SUCCESS_PERFORMED);
                        assert!(tsns.is_none());
                    }
                    ref other => panic!("{name}: {other:?}"),
                }
                assert_eq!(
                    ps[0].param_type() == ParamType::OUTGOING_SSN_RESET,
                    name.contains("reset_out")
                );
            }
            Chunk::Sack(s) => {
                assert_eq!(
                    u64::from(s.cum_tsn_ack.0),
                    expect["cumulative_tsn_ack"].as_u64().unwrap()
                );
                assert_eq!(u64::from(s.a_rwnd), expect["a_rwnd"].as_u64().unwrap());
                let gaps: Vec<_> = s.gap_blocks().collect();
                assert_eq!(gaps, vec![(2, 2), (4, 4)]);
                let dups: Vec<_> = s.dup_tsns().collect();
                assert_eq!(dups, vec![Tsn(2222939041)]);
            }
            Chunk::Shutdown { cum_tsn_ack } => {
                assert_eq!(
                    u64::from(cum_tsn_ack.0),
                    expect["cumulative_tsn_ack"].as_u64().unwrap()
                )
            }
            Chunk::ShutdownAck => {}
            other => panic!("{name}: unexpected {other:?}"),
        }
        // Canonical input: emit(parse(b)) == b, checksum included.
        assert_eq!(
            hex::encode(reencode(&bytes, &chunks)),
            hex::encode(&bytes),
            "{name}"
        );
        checked += 1;
    }
    assert_eq!(checked, 17);
}

#[test]
fn rfc8832_dcep_vectors() {
    let v = load("dcep.json");
    let mut n = 0;
    for vec in v["vectors"].as_array().unwrap() {
        let name = vec["name"].as_str().unwrap();
        let bytes = hex::decode(vec["hex"].as_str().unwrap()).unwrap();
        let expect = &vec["expect"];
        let parsed = DcepMessage::parse(&bytes);
        if expect.get("valid").and_then(Value::as_bool) == Some(false) {
            assert!(parsed.is_err(), "{name}");
            n += 1;
            continue;
        }
        let msg = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
        let is_ack = expect == "DATA_CHANNEL_ACK" || expect.get("message_type").is_some();
        if is_ack {
            assert_eq!(msg, DcepMessage::Ack, "{name}");
            let mut out = Vec::new();
            msg.emit_to(&mut out);
            assert_eq!(out, [2], "an ACK is one byte (RFC 8832 §5.2)");
        } else {
            let DcepMessage::Open {
                channel_type,
                priority,
                reliability,
                label,
                protocol,
            } = msg
            else {
                panic!("{name}")
            };
            let ct = match &expect["channel_type"] {
                Value::String(s) => u8::from_str_radix(s.trim_start_matches("0x"), 16).unwrap(),
                v => v.as_u64().unwrap() as u8,
            };
            assert_eq!(channel_type, ChannelType(ct));
            assert_eq!(u64::from(priority), expect["priority"].as_u64().unwrap());
            let rel = expect
                .get("reliability_parameter")
                .or(expect.get("reliability_param"))
                .unwrap();
            assert_eq!(u64::from(reliability), rel.as_u64().unwrap());
            assert_eq!(label, expect["label"].as_str().unwrap());
            assert_eq!(protocol, expect["protocol"].as_str().unwrap());
            let mut out = Vec::new();
            msg.emit_to(&mut out);
            assert_eq!(out, bytes, "{name}");
        }
        if let Some(full) = vec.get("full_sctp_packet") {
            let pb = hex::decode(full.as_str().unwrap()).unwrap();
            let chunks = parse_all(&pb).unwrap();
            let Chunk::Data(d) = chunks[0] else {
                panic!("{name}")
            };
            assert_eq!(d.ppid, 50, "DCEP travels with PPID 50");
            assert_eq!(
                u64::from(d.stream_id),
                vec["sctp_stream_id"].as_u64().unwrap()
            );
            assert_eq!(
                d.flags & chunk::data_flags::U != 0,
                vec["sctp_U_flag"].as_bool().unwrap()
            );
            assert_eq!(d.payload, &bytes[..]);
            assert!(Packet::new_checked(&pb[..]).unwrap().verify_checksum());
        }
        n += 1;
    }
    assert_eq!(n, 8);
}
