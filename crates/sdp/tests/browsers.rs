//! Browser-shaped descriptions (INTEROP.md: Chrome 156 offer shape, Firefox simulcast) and
//! standalone candidate lines.

use std::net::IpAddr;

use strata_sdp::{
    Address, Attribute, Candidate, CandidateType, Connection, Direction, Extmap, Fingerprint, Fmtp,
    Group, HashFunction, MediaDescription, MediaType, Mode, Origin, RidDirection, Rtpmap,
    SessionDescription, Setup, TcpType, Transport,
};

const CHROME: &str = include_str!("data/chrome_offer.sdp");
const FIREFOX: &str = include_str!("data/firefox_simulcast_offer.sdp");

#[test]
fn chrome_offer_parses_strictly_and_round_trips_bytes() {
    let sd = SessionDescription::parse(CHROME).unwrap();
    assert_eq!(sd.serialize(), CHROME);
    assert_eq!(sd.media.len(), 3);
    assert_eq!(
        sd.groups().next(),
        Some(&Group::bundle(["0", "1", "2"])),
        "max-bundle"
    );
    assert!(sd.attributes.contains(&Attribute::ExtmapAllowMixed));
    // Only the first m-line has a real port and candidates; the rest use port 9.
    assert_eq!(sd.media[0].port, 50397);
    assert_eq!(sd.media[1].port, 9);
    assert_eq!(
        sd.media[1].connection,
        Some(Connection::unspecified()),
        "c=IN IP4 0.0.0.0"
    );
    let audio = sd.media_view(0).unwrap();
    assert_eq!(audio.ice_ufrag(), Some("EsAw"));
    assert_eq!(audio.ice_pwd(), Some("bP+XJMM09aR8AiX1jdukzR6Y"));
    assert_eq!(audio.setup(), Some(Setup::Actpass));
    assert_eq!(audio.ice_options(), ["trickle".to_string()]);
    assert!(!audio.end_of_candidates());
    let fp: Vec<&Fingerprint> = audio.fingerprints().collect();
    assert_eq!(fp.len(), 1);
    assert_eq!(fp[0].hash, HashFunction::Sha256);
    assert_eq!(fp[0].value.len(), 32);
    assert_eq!(fp[0].value[..2], [0xD2, 0xFA]);
    let opus = audio.media.rtpmap(111).unwrap();
    assert_eq!(
        (opus.encoding.as_ref(), opus.clock_rate, opus.channels),
        ("opus", 48000, Some(2))
    );
    assert_eq!(
        audio.media.fmtp(111).unwrap().get("useinbandfec"),
        Some("1")
    );
    assert_eq!(
        audio
            .media
            .rtcp_fbs(111)
            .map(|f| f.kind.as_ref())
            .collect::<Vec<_>>(),
        ["transport-cc"]
    );
    // Candidates: udp host with network-cost, the tcp active one on port 9, an mDNS one.
    let c: Vec<&Candidate> = audio.media.candidates().collect();
    assert_eq!(c.len(), 3);
    assert!(c[0].transport.is_udp());
    assert_eq!(c[0].network_cost, Some(999));
    assert_eq!(c[1].tcp_type, Some(TcpType::Active));
    assert_eq!(c[1].port, 9);
    assert!(c[2].address.is_mdns());
    assert_eq!(c[2].ufrag.as_deref(), Some("EsAw"));
    assert_eq!(c[2].network_id, Some(1));
    // Video: VP8 96 / rtx 97, H264 variants, AV1, VP9, red, ulpfec.
    let video = &sd.media[1];
    assert_eq!(video.rtpmap(96).unwrap().encoding, "VP8");
    assert_eq!(video.fmtp(97).unwrap().get("apt"), Some("96"));
    let h264 = video.rtpmaps().filter(|r| r.encoding == "H264").count();
    assert_eq!(h264, 6);
    assert_eq!(
        video
            .rtcp_fbs(96)
            .map(|f| (f.kind.as_ref(), f.parameter.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("goog-remb", None),
            ("transport-cc", None),
            ("ccm", Some("fir")),
            ("nack", None),
            ("nack", Some("pli"))
        ]
    );
    assert!(video.has(&Attribute::RtcpRsize));
    // Data.
    let data = &sd.media[2];
    assert_eq!(data.media, MediaType::Application);
    assert_eq!(data.protocol, "UDP/DTLS/SCTP");
    assert_eq!(data.formats, ["webrtc-datachannel"]);
    assert_eq!(data.sctp_port(), Some(5000));
    assert_eq!(data.max_message_size(), Some(262_144));
    assert_eq!(
        sd.media_view(2).unwrap().bundle_group().unwrap().mids.len(),
        3
    );
    let by_mid = sd.media_view_by_mid("1").unwrap();
    assert_eq!(by_mid.media.media, MediaType::Video);
    let mut answer_video = sd.media[1].clone();
    answer_video.set_direction(Direction::RecvOnly);
    assert_eq!(answer_video.direction(), Some(Direction::RecvOnly));
    assert_eq!(answer_video.attributes.len(), sd.media[1].attributes.len());
}

#[test]
fn firefox_simulcast_offer() {
    let sd = SessionDescription::parse(FIREFOX).unwrap();
    assert_eq!(sd.serialize(), FIREFOX);
    let v = sd.media_view(0).unwrap();
    // Session-level fingerprint and ice-options, media-level ufrag.
    assert_eq!(v.fingerprints().count(), 1);
    assert_eq!(v.ice_options(), ["trickle".to_string()]);
    assert_eq!(v.ice_ufrag(), Some("0fb8a7c3"));
    assert_eq!(v.direction(), Direction::SendOnly);
    let rids: Vec<_> = v
        .media
        .attributes
        .iter()
        .filter_map(|a| match a {
            Attribute::Rid(r) => Some((r.id.as_str(), r.direction)),
            _ => None,
        })
        .collect();
    assert_eq!(
        rids,
        [
            ("a", RidDirection::Send),
            ("b", RidDirection::Send),
            ("c", RidDirection::Send)
        ]
    );
    let sc = v
        .media
        .attributes
        .iter()
        .find_map(|a| match a {
            Attribute::Simulcast(s) => Some(s),
            _ => None,
        })
        .unwrap();
    assert_eq!(sc.send.len(), 3);
    assert!(sc.recv.is_empty());
    let e: Vec<&Extmap> = v.extmaps().collect();
    assert_eq!(e[3].direction, Some(Direction::RecvOnly));
    assert_eq!(e[3].id, 6);
}

#[test]
fn media_level_values_win_over_session_level() {
    let text = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\na=ice-ufrag:sess\r\n\
        a=ice-pwd:sessionpasswordsessionpw\r\na=setup:actpass\r\na=recvonly\r\n\
        a=fingerprint:sha-1 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:med1\r\na=setup:passive\r\na=sendonly\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n\
        a=fingerprint:sha-256 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F\r\n";
    let sd = SessionDescription::parse(text).unwrap();
    let a = sd.media_view(0).unwrap();
    let b = sd.media_view(1).unwrap();
    assert_eq!(a.ice_ufrag(), Some("med1"));
    assert_eq!(b.ice_ufrag(), Some("sess"));
    assert_eq!(a.ice_pwd(), Some("sessionpasswordsessionpw"));
    assert_eq!(a.setup(), Some(Setup::Passive));
    assert_eq!(b.setup(), Some(Setup::Actpass));
    assert_eq!(a.direction(), Direction::SendOnly);
    assert_eq!(b.direction(), Direction::RecvOnly);
    assert_eq!(a.fingerprints().next().unwrap().hash, HashFunction::Sha1);
    assert_eq!(b.fingerprints().next().unwrap().hash, HashFunction::Sha256);
    assert_eq!(
        b.fingerprints().count(),
        1,
        "media-level list replaces the session's"
    );
    assert_eq!(a.connection(), Some(&Connection::unspecified()));
    assert_eq!(b.connection(), sd.connection.as_ref());
}

#[test]
fn builder_produces_a_strictly_parseable_offer() {
    let ip: IpAddr = "192.0.2.1".parse().unwrap();
    let mut cand = Candidate::new(
        "1",
        1,
        Transport::UDP,
        2_122_260_223,
        Address::Ip(ip),
        50000,
        CandidateType::Host,
    );
    cand.generation = Some(0);
    let sd = SessionDescription::new(Origin::jsep(42, 1))
        .with(Attribute::Group(Group::bundle(["0"])))
        .with_media(
            MediaDescription::new(MediaType::Audio, 9, "UDP/TLS/RTP/SAVPF", [111])
                .with_connection(Connection::unspecified())
                .with(Attribute::Mid("0".into()))
                .with(Attribute::IceUfrag("abcd".into()))
                .with(Attribute::IcePwd("0123456789012345678901".into()))
                .with(Attribute::Setup(Setup::Actpass))
                .with(Attribute::Direction(Direction::SendRecv))
                .with(Attribute::RtcpMux)
                .with(Attribute::Rtpmap(Rtpmap {
                    payload_type: 111,
                    encoding: "opus".into(),
                    clock_rate: 48000,
                    channels: Some(2),
                }))
                .with(Attribute::Fmtp(Fmtp::from_pairs(
                    111,
                    [("minptime", "10"), ("useinbandfec", "1")],
                )))
                .with(Attribute::Candidate(Box::new(cand)))
                .with(Attribute::EndOfCandidates),
        );
    let text = sd.serialize();
    assert!(text.starts_with("v=0\r\no=- 42 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"));
    assert!(text.contains("a=fmtp:111 minptime=10;useinbandfec=1\r\n"));
    assert!(
        text.contains("a=candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host generation 0\r\n")
    );
    assert!(text.lines().all(|l| !l.is_empty()));
    assert_eq!(SessionDescription::parse(&text).unwrap(), sd);
}

#[test]
fn candidate_lines_parse_and_format_alone() {
    for line in [
        "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sXj3 network-cost 999",
        "candidate:1 1 UDP 2130706431 2001:db8::1 8998 typ host",
        "candidate:3 1 tcp 1518280447 192.0.2.3 9 typ host tcptype active generation 0",
        "candidate:2 1 TCP 2124414975 10.0.1.1 8998 typ host tcptype passive",
        "candidate:4 1 udp 2113937151 6b1d4f92-1c0e-4b5e-8f2a-0a1b2c3d4e5f.local 56001 typ host generation 0 network-id 1",
        "candidate:5 2 udp 16777215 198.51.100.9 3478 typ relay raddr 203.0.113.7 rport 46154 x-unknown foo",
        "candidate:6 1 udp 1 192.0.2.1 1 typ prflx",
    ] {
        let c: Candidate = line.parse().unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(c.to_string(), line);
        // The a= form and the bare value parse to the same thing.
        assert_eq!(Candidate::parse(&format!("a={line}\r\n")).unwrap(), c);
        assert_eq!(Candidate::parse(&line["candidate:".len()..]).unwrap(), c);
    }
    let c = Candidate::parse(
        "candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 10.0.0.1 rport 5000 generation 2 ufrag u network-id 3 network-cost 10 foo bar",
    )
    .unwrap();
    assert_eq!(c.foundation, "842163049");
    assert_eq!(c.priority, 1_677_729_535);
    assert_eq!(c.kind, CandidateType::Srflx);
    assert_eq!(
        c.related_address,
        Some(Address::Ip("10.0.0.1".parse().unwrap()))
    );
    assert_eq!(c.related_port, Some(5000));
    assert_eq!(c.generation, Some(2));
    assert_eq!(c.network_id, Some(3));
    assert_eq!(c.network_cost, Some(10));
    assert_eq!(c.extensions, [("foo".to_string(), "bar".to_string())]);
}

#[test]
fn bad_candidates_are_rejected() {
    for bad in [
        "",
        "candidate:",
        "candidate:1 1 udp 1 192.0.2.1 1 typ",
        "candidate:1 1 udp 1 192.0.2.1 1 host",
        "candidate:1 0 udp 1 192.0.2.1 1 typ host", // component 0
        "candidate:1 1 udp 4294967296 192.0.2.1 1 typ host", // priority > u32
        "candidate:1 1 udp 1 192.0.2.1 65536 typ host", // port > u16
        "candidate:1 1 udp 1 192.0.2.1 1 typ host raddr", // extension without value
        "candidate:1 1 udp 1 192.0.2.1 1 typ host tcptype up", // unknown tcptype
        "candidate:1 1 udp 1 bad/addr 1 typ host",
        "candidate:1  1 udp 1 192.0.2.1 1 typ host", // double space
        "candidate:123456789012345678901234567890123 1 udp 1 192.0.2.1 1 typ host",
        "candidate:1 1 udp 1 192.0.2.1 1 typ host generation 1 generation 2",
        // Found by fuzzing: a CR inside a value would not survive formatting.
        "candidate:1 1 udp 1 192.0.2.1 1 typ host p srflx\r\r",
        "candidate:1 1 udp 1 192.0.2.1 1 typ host p sr\rflx",
    ] {
        assert!(Candidate::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn errors_carry_line_numbers() {
    let text = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n\
        c=IN IP4 0.0.0.0\r\na=rtpmap:0 PCMU\r\n";
    let e = SessionDescription::parse(text).unwrap_err();
    assert_eq!(
        (e.line, e.kind),
        (7, strata_sdp::ErrorKind::InvalidAttribute("rtpmap"))
    );
    assert_eq!(e.to_string(), "line 7: invalid a=rtpmap value");
    let lenient = SessionDescription::parse_with(text, Mode::Lenient).unwrap();
    assert_eq!(lenient.warnings, [e]);
    assert!(lenient.description.media[0].attributes.is_empty());

    for (text, line, kind) in [
        ("", 0, strata_sdp::ErrorKind::Empty),
        ("v=1\r\n", 1, strata_sdp::ErrorKind::UnsupportedVersion),
        ("v=0\r\no=x\r\n", 2, strata_sdp::ErrorKind::Malformed("o=")),
        (
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio x RTP/AVP 0\r\n",
            5,
            strata_sdp::ErrorKind::Malformed("m="),
        ),
        (
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\ns=-\r\nt=0 0\r\n",
            4,
            strata_sdp::ErrorKind::Duplicate(b's'),
        ),
        (
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\r\na=x\r\n",
            5,
            strata_sdp::ErrorKind::BlankLine,
        ),
        (
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\nt=0 0\r\n",
            6,
            strata_sdp::ErrorKind::OutOfOrder(b't'),
        ),
        (
            // RFC 8866 §5.7: the second m-section has no c= and there is none at session level.
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n\
             c=IN IP4 0.0.0.0\r\nm=audio 9 RTP/AVP 0\r\n",
            7,
            strata_sdp::ErrorKind::MissingLine(b'c'),
        ),
        (
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite:yes\r\n",
            5,
            strata_sdp::ErrorKind::InvalidAttribute("ice-lite"),
        ),
    ] {
        let e = SessionDescription::parse(text).unwrap_err();
        assert_eq!((e.line, e.kind), (line, kind), "{text:?}");
    }
}

#[test]
fn lf_only_input_is_accepted_and_written_as_crlf() {
    let lf = CHROME.replace("\r\n", "\n");
    let sd = SessionDescription::parse(&lf).unwrap();
    assert_eq!(sd.serialize(), CHROME);
}
