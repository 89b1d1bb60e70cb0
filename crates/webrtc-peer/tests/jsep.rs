//! JSEP shape, signaling states, demux and `accepts`.

use std::net::SocketAddr;
use std::time::Instant;

use strata_sdp::{SessionDescription, Setup};
use webrtc_peer::{
    ChannelOptions, Config, Description, Error, Peer, Role, SdpType, SignalingState,
};

fn t0() -> Instant {
    #[allow(clippy::disallowed_methods)]
    Instant::now()
}

fn peer(seed: u8, a: &str) -> Peer {
    Peer::new(
        Config::default()
            .with_seed([seed; 32])
            .with_host(a.parse().unwrap()),
        t0(),
    )
}

fn offer_of(p: &mut Peer) -> Description {
    p.create_data_channel("x", ChannelOptions::default())
        .unwrap();
    let o = p.create_offer().unwrap();
    p.set_local_description(&o).unwrap();
    p.local_description().unwrap()
}

#[test]
fn offer_has_bundle_fingerprint_setup_sctp_and_candidates() {
    let mut a = peer(1, "127.0.0.1:4000");
    let o = offer_of(&mut a);
    assert_eq!(o.kind, SdpType::Offer);
    let sd = SessionDescription::parse(&o.sdp).unwrap();
    assert_eq!(sd.bundle_group_of("0").unwrap().mids, ["0"]);
    let m = sd.media_view(0).unwrap();
    assert_eq!(m.setup(), Some(Setup::Actpass));
    assert_eq!(m.media.sctp_port(), Some(5000));
    assert_eq!(m.media.max_message_size(), Some(262_144));
    assert_eq!(m.media.protocol, "UDP/DTLS/SCTP");
    assert_eq!(m.media.port, 4000);
    let fp: Vec<_> = m.fingerprints().collect();
    assert_eq!(fp.len(), 1);
    assert_eq!(fp[0].value, a.fingerprint().value);
    let cands: Vec<_> = m.media.candidates().collect();
    assert_eq!(cands.len(), 1);
    assert_eq!(cands[0].port, 4000);
    assert!(
        m.end_of_candidates(),
        "host-only gathering completes at once"
    );
    assert!(m.ice_ufrag().is_some() && m.ice_pwd().is_some());
}

#[test]
fn answer_is_active_and_rejects_codecs_it_lacks() {
    let mut a = peer(1, "127.0.0.1:4000");
    let o = offer_of(&mut a);
    // Put an audio m-section in front, as a browser would.
    let audio =
        "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=mid:a\r\na=rtpmap:0 PCMU/8000\r\n";
    let i = o.sdp.find("m=application").unwrap();
    let sdp = format!("{}{}{}", &o.sdp[..i], audio, &o.sdp[i..]);
    let mut b = peer(2, "127.0.0.1:4001");
    b.set_remote_description(&Description::offer(sdp)).unwrap();
    assert_eq!(b.signaling_state(), SignalingState::HaveRemoteOffer);
    let ans = b.create_answer().unwrap();
    b.set_local_description(&ans).unwrap();
    assert_eq!(b.signaling_state(), SignalingState::Stable);
    let sd = SessionDescription::parse(&b.local_description().unwrap().sdp).unwrap();
    assert_eq!(sd.media.len(), 2);
    assert_eq!(sd.media[0].port, 0, "audio rejected");
    assert_eq!(sd.media[0].mid(), Some("a"));
    assert_eq!(sd.media[1].mid(), Some("0"));
    assert_eq!(sd.bundle_group_of("0").unwrap().mids, ["0"]);
    assert_eq!(sd.media_view(1).unwrap().setup(), Some(Setup::Active));
    assert_eq!(b.dtls_role(), Some(Role::Client));
}

#[test]
fn active_offer_gets_passive_answer() {
    let mut a = peer(1, "127.0.0.1:4000");
    let o = offer_of(&mut a);
    let sdp = o.sdp.replace("a=setup:actpass", "a=setup:active");
    let mut b = peer(2, "127.0.0.1:4001");
    b.set_remote_description(&Description::offer(sdp)).unwrap();
    assert_eq!(b.dtls_role(), Some(Role::Server));
    let ans = b.create_answer().unwrap();
    let sd = SessionDescription::parse(&ans.sdp).unwrap();
    assert_eq!(sd.media_view(0).unwrap().setup(), Some(Setup::Passive));
}

#[test]
fn descriptions_without_fingerprint_or_with_actpass_answer_are_refused() {
    let mut a = peer(1, "127.0.0.1:4000");
    let o = offer_of(&mut a);
    let no_fp: String = o
        .sdp
        .split_inclusive("\r\n")
        .filter(|l| !l.starts_with("a=fingerprint"))
        .collect();
    let mut b = peer(2, "127.0.0.1:4001");
    assert!(matches!(
        b.set_remote_description(&Description::offer(no_fp)),
        Err(Error::Description(_))
    ));
    // An answer must not be actpass (RFC 8842 §5.3).
    let mut c = peer(3, "127.0.0.1:4002");
    c.set_remote_description(&o).unwrap();
    let ans = c.create_answer().unwrap();
    let bad = ans.sdp.replace("a=setup:active", "a=setup:actpass");
    assert!(a.set_remote_description(&Description::answer(bad)).is_err());
    assert_eq!(a.signaling_state(), SignalingState::HaveLocalOffer);
    a.set_remote_description(&ans).unwrap();
    assert_eq!(a.dtls_role(), Some(Role::Server));
    assert_eq!(a.signaling_state(), SignalingState::Stable);
}

#[test]
fn signaling_misuse_is_an_error() {
    let mut a = peer(1, "127.0.0.1:4000");
    assert!(matches!(a.create_answer(), Err(Error::InvalidState(_))));
    let o = offer_of(&mut a);
    assert!(matches!(
        a.set_remote_description(&o),
        Err(Error::InvalidState(_))
    ));
    assert!(matches!(a.create_offer(), Err(Error::InvalidState(_))));
    a.close();
    assert_eq!(a.create_offer(), Err(Error::Closed));
}

#[test]
fn demux_and_accepts() {
    let mut a = peer(1, "127.0.0.1:4000");
    let o = offer_of(&mut a);
    let mut b = peer(2, "127.0.0.1:4001");
    b.set_remote_description(&o).unwrap();
    let ans = b.create_answer().unwrap();
    b.set_local_description(&ans).unwrap();
    a.set_remote_description(&ans).unwrap();
    let (la, lb): (SocketAddr, SocketAddr) = (
        "127.0.0.1:4000".parse().unwrap(),
        "127.0.0.1:4001".parse().unwrap(),
    );
    let stranger: SocketAddr = "127.0.0.1:9999".parse().unwrap();
    let now = t0();
    // B's first check carries "A-ufrag:B-ufrag": A accepts it, a third peer does not.
    let mut check = None;
    for ms in 0..200 {
        let at = now + std::time::Duration::from_millis(ms);
        b.handle_timeout(at);
        if let Some(t) = std::iter::from_fn(|| b.poll_transmit(at)).find(|t| t.to == la) {
            check = Some(t);
            break;
        }
    }
    let t = check.expect("B sends a check to A");
    assert!(a.accepts(t.from, t.to, &t.data));
    let mut c = peer(3, "127.0.0.1:4000");
    offer_of(&mut c);
    assert!(!c.accepts(t.from, t.to, &t.data));
    // Non-STUN: only from a known remote address, only to our address.
    assert!(a.accepts(lb, la, &[22, 254, 253]));
    assert!(!a.accepts(stranger, la, &[22, 254, 253]));
    assert!(!a.accepts(lb, stranger, &[22, 254, 253]));
    // RFC 7983: bytes 4..=19 and 192.. match nothing; RTP is counted and dropped.
    assert_eq!(
        a.handle_datagram(now, lb, la, &[5, 0, 0]),
        Err(Error::UnknownPacket)
    );
    assert_eq!(
        a.handle_datagram(now, lb, la, &[]),
        Err(Error::UnknownPacket)
    );
    assert!(a.handle_datagram(now, lb, la, &[0x80, 0, 0, 0]).is_ok());
    let st = a.stats();
    assert_eq!(st.dropped, 2);
    assert_eq!(st.rtp_dropped, 1);
    // Garbage STUN and DTLS never panic.
    for first in [0u8, 1, 20, 22, 23, 63, 64] {
        let _ = a.handle_datagram(now, lb, la, &[first; 40]);
    }
}

/// The shape of a Chromium 156 offer (INTEROP.md): max-bundle, candidates on the first
/// m-line only, others port 9, a TCP candidate on port 9, many video codecs.
const CHROMIUM_OFFER: &str = "v=0\r
o=- 4611731400430051336 2 IN IP4 127.0.0.1\r
s=-\r
t=0 0\r
a=group:BUNDLE 0 1 2\r
a=extmap-allow-mixed\r
a=msid-semantic: WMS stream\r
m=audio 40000 UDP/TLS/RTP/SAVPF 111 63\r
c=IN IP4 127.0.0.1\r
a=rtcp:9 IN IP4 0.0.0.0\r
a=candidate:1 1 udp 2113937151 127.0.0.1 40000 typ host generation 0 network-cost 999\r
a=candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0 network-cost 999\r
a=ice-ufrag:EsAw\r
a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r
a=ice-options:trickle\r
a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r
a=setup:actpass\r
a=mid:0\r
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r
a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r
a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r
a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r
a=sendrecv\r
a=msid:stream audio0\r
a=rtcp-mux\r
a=rtcp-rsize\r
a=rtpmap:111 opus/48000/2\r
a=rtcp-fb:111 transport-cc\r
a=fmtp:111 minptime=10;useinbandfec=1\r
a=rtpmap:63 red/48000/2\r
a=fmtp:63 111/111\r
a=ssrc:1001 cname:abc\r
m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105\r
c=IN IP4 0.0.0.0\r
a=rtcp:9 IN IP4 0.0.0.0\r
a=ice-ufrag:EsAw\r
a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r
a=ice-options:trickle\r
a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r
a=setup:actpass\r
a=mid:1\r
a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r
a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r
a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r
a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r
a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r
a=sendrecv\r
a=msid:stream video0\r
a=rtcp-mux\r
a=rtcp-rsize\r
a=rtpmap:96 VP8/90000\r
a=rtcp-fb:96 goog-remb\r
a=rtcp-fb:96 transport-cc\r
a=rtcp-fb:96 ccm fir\r
a=rtcp-fb:96 nack\r
a=rtcp-fb:96 nack pli\r
a=rtpmap:97 rtx/90000\r
a=fmtp:97 apt=96\r
a=rtpmap:102 H264/90000\r
a=rtcp-fb:102 transport-cc\r
a=rtcp-fb:102 nack\r
a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r
a=rtpmap:103 rtx/90000\r
a=fmtp:103 apt=102\r
a=rtpmap:104 H264/90000\r
a=rtcp-fb:104 transport-cc\r
a=rtcp-fb:104 nack\r
a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r
a=rtpmap:105 rtx/90000\r
a=fmtp:105 apt=104\r
a=ssrc-group:FID 2001 2002\r
a=ssrc:2001 cname:abc\r
a=ssrc:2002 cname:abc\r
m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r
c=IN IP4 0.0.0.0\r
a=ice-ufrag:EsAw\r
a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r
a=ice-options:trickle\r
a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r
a=setup:actpass\r
a=mid:2\r
a=sctp-port:5000\r
a=max-message-size:262144\r
";

#[test]
fn answers_a_chromium_shaped_offer() {
    let mut b = peer(2, "127.0.0.1:4001");
    b.set_remote_description(&Description::offer(CHROMIUM_OFFER))
        .unwrap();
    let (ta, tv) = (
        b.add_track(webrtc_peer::MediaKind::Audio, "r").unwrap(),
        b.add_track(webrtc_peer::MediaKind::Video, "r").unwrap(),
    );
    let ans = b.create_answer().unwrap();
    b.set_local_description(&ans).unwrap();
    let text = b.local_description().unwrap().sdp;
    let sd = SessionDescription::parse(&text).unwrap();
    assert_eq!(sd.media.len(), 3);
    assert_eq!(sd.bundle_group_of("0").unwrap().mids, ["0", "1", "2"]);
    // Codecs keep the offer's payload types; one codec per section, video with its RTX
    // (RFC 4588 §8.6: rtx with apt, and the FID group of our two SSRCs).
    assert_eq!(sd.media[0].formats, ["111"]);
    assert_eq!(sd.media[1].formats, ["96", "97"]);
    let video = &sd.media[1];
    assert_eq!(video.rtpmap(97).unwrap().encoding, "rtx");
    assert_eq!(video.fmtp(97).unwrap().get("apt"), Some("96"));
    let fid: Vec<_> = video
        .attributes
        .iter()
        .filter_map(|a| match a {
            strata_sdp::Attribute::SsrcGroup(g) if g.semantics == "FID" => Some(g.ssrcs.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(fid.len(), 1);
    assert_eq!(fid[0].len(), 2);
    let ssrcs: Vec<u32> = video
        .attributes
        .iter()
        .filter_map(|a| match a {
            strata_sdp::Attribute::Ssrc(s) => Some(s.ssrc),
            _ => None,
        })
        .collect();
    assert!(ssrcs.contains(&fid[0][0]) && ssrcs.contains(&fid[0][1]));
    // RFC 8285: only the extensions we know, with the offer's ids; audio level on audio only.
    let ext = |i: usize| -> Vec<(u16, String)> {
        sd.media[i]
            .extmaps()
            .map(|e| (e.id, e.uri.to_string()))
            .collect()
    };
    let tcc = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    let ast = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    let mid = "urn:ietf:params:rtp-hdrext:sdes:mid";
    assert_eq!(
        ext(0),
        [
            (1, "urn:ietf:params:rtp-hdrext:ssrc-audio-level".to_owned()),
            (2, ast.to_owned()),
            (3, tcc.to_owned()),
            (4, mid.to_owned())
        ]
    );
    assert_eq!(
        ext(1),
        [
            (2, ast.to_owned()),
            (3, tcc.to_owned()),
            (4, mid.to_owned())
        ]
    );
    // transport-cc feedback both sides listed.
    assert!(sd.media[0].rtcp_fbs(111).any(|f| f.kind == "transport-cc"));
    assert!(sd.media[1].rtcp_fbs(96).any(|f| f.kind == "transport-cc"));
    assert!(sd.media.iter().all(|m| m.port != 0));
    // Candidates only in the first section; setup active everywhere.
    assert_eq!(sd.media[0].candidates().count(), 1);
    assert_eq!(sd.media[1].candidates().count(), 0);
    for i in 0..3 {
        assert_eq!(sd.media_view(i).unwrap().setup(), Some(Setup::Active));
    }
    assert_eq!(b.track_mid(ta), Some("0"));
    assert_eq!(b.track_mid(tv), Some("1"));
    assert_eq!(b.dtls_role(), Some(Role::Client));
    // The peer sends on both media sections: ontrack for each.
    let mut events = Vec::new();
    while let Some(e) = b.poll_event() {
        events.push(e);
    }
    assert!(events.contains(&webrtc_peer::Event::Track {
        mid: "1".into(),
        kind: webrtc_peer::MediaKind::Video
    }));
}

/// RFC 6184 §8.2.2 offer/answer: an H.264 track answers with the offer's constrained
/// baseline, packetization-mode 1 entry (not the baseline one listed first) and its RTX.
#[test]
fn h264_track_picks_constrained_baseline_from_a_chromium_offer() {
    use webrtc_peer::{Codec, MediaKind};
    let mut b = peer(2, "127.0.0.1:4001");
    b.set_remote_description(&Description::offer(CHROMIUM_OFFER))
        .unwrap();
    let tv = b.add_track_with_codec(Codec::H264, "r").unwrap();
    let ans = b.create_answer().unwrap();
    let sd = SessionDescription::parse(&ans.sdp).unwrap();
    let video = &sd.media[1];
    assert_eq!(video.formats, ["104", "105"]);
    assert_eq!(video.rtpmap(104).unwrap().encoding, "H264");
    let f = video.fmtp(104).unwrap();
    assert_eq!(f.get("profile-level-id"), Some("42e01f"));
    assert_eq!(f.get("packetization-mode"), Some("1"));
    assert_eq!(video.fmtp(105).unwrap().get("apt"), Some("104"));
    assert_eq!(b.track_codec(tv), Some(Codec::H264));
    assert!(b.track_rtx(tv));
    // A default video track takes the offerer's first choice, VP8.
    let mut c = peer(3, "127.0.0.1:4002");
    c.set_remote_description(&Description::offer(CHROMIUM_OFFER))
        .unwrap();
    let t = c.add_track(MediaKind::Video, "r").unwrap();
    c.create_answer().unwrap();
    assert_eq!(c.track_codec(t), Some(Codec::Vp8));
}

/// Without `rtx` in the offer, the answer has none and NACKed packets are re-sent as the
/// original (RFC 4585 §6.2.1 without RFC 4588).
#[test]
fn no_rtx_offered_means_no_rtx_answered() {
    use webrtc_peer::MediaKind;
    let offer: String = CHROMIUM_OFFER
        .replace(
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105",
            "m=video 9 UDP/TLS/RTP/SAVPF 96 102 104",
        )
        .split_inclusive("\r\n")
        .filter(|l| !l.contains("rtx/90000") && !l.contains("apt=") && !l.contains("FID"))
        .collect();
    let mut b = peer(2, "127.0.0.1:4001");
    b.set_remote_description(&Description::offer(offer))
        .unwrap();
    let t = b.add_track(MediaKind::Video, "r").unwrap();
    let ans = b.create_answer().unwrap();
    let sd = SessionDescription::parse(&ans.sdp).unwrap();
    assert_eq!(sd.media[1].formats, ["96"]);
    assert!(!ans.sdp.contains("ssrc-group"));
    assert!(!b.track_rtx(t));
}
