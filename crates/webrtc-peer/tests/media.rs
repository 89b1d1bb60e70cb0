//! Media features over strata-sim: RTX (RFC 4588), header extensions (RFC 8285) and
//! transport-cc feedback, demux of unsignalled SSRCs by mid, H.264 frames, keyframe requests.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

mod common;

use common::*;
use strata_sim::{LinkConfig, NodeId, Sim, run_seeds};
use webrtc_peer::{Codec, Config, ConnectionState, Description, Event, MediaKind, Peer, TrackId};

struct Setup {
    sim: Sim<Node>,
    a: NodeId,
    b: NodeId,
    offer: String,
    answer: String,
}

/// A adds its tracks and offers, B adds its tracks and answers; `munge_offer` and
/// `munge_answer` edit the text each side receives.
fn setup(
    seed_n: u64,
    link: LinkConfig,
    config: impl Fn(Config) -> Config,
    a_tracks: impl FnOnce(&mut Peer),
    b_tracks: impl FnOnce(&mut Peer),
    munge_offer: impl FnOnce(String) -> String,
    munge_answer: impl FnOnce(String) -> String,
) -> Setup {
    let mut sim = new_sim(seed_n, link);
    let now = sim.now();
    let mut a = new_peer(seed(seed_n, 1), A, now, &config);
    let mut b = new_peer(seed(seed_n, 2), B, now, &config);
    a_tracks(&mut a);
    let o = a.create_offer().unwrap();
    a.set_local_description(&o).unwrap();
    let offer = munge_offer(a.local_description().unwrap().sdp);
    b.set_remote_description(&Description::offer(offer.clone()))
        .unwrap();
    b_tracks(&mut b);
    let ans = b.create_answer().unwrap();
    b.set_local_description(&ans).unwrap();
    let answer = munge_answer(b.local_description().unwrap().sdp);
    a.set_remote_description(&Description::answer(answer.clone()))
        .unwrap();
    let (a, b) = add_nodes(&mut sim, a, b, false);
    Setup {
        sim,
        a,
        b,
        offer,
        answer,
    }
}

/// `setup` with the default config, no tracks on B and nothing munged.
fn setup_plain(seed_n: u64, link: LinkConfig, a_tracks: impl FnOnce(&mut Peer)) -> Setup {
    setup(seed_n, link, |c| c, a_tracks, |_| {}, |o| o, |a| a)
}

/// One video track on `p`.
fn video(p: &mut Peer) {
    p.add_track(MediaKind::Video, "s").unwrap();
}

/// The `a=ssrc-group:FID <media> <rtx>` pairs of a description.
fn fid_groups(sdp: &str) -> Vec<(u32, u32)> {
    sdp.lines()
        .filter_map(|l| l.strip_prefix("a=ssrc-group:FID "))
        .map(|r| {
            let v: Vec<u32> = r.split(' ').map(|s| s.parse().unwrap()).collect();
            (v[0], v[1])
        })
        .collect()
}

/// A sends 110 numbered video packets (300 bytes of padding) on `track`.
fn send_numbered_video(s: &mut Setup, track: TrackId, limit: Duration) -> Result<(), String> {
    common::send_numbered_video(&mut s.sim, s.a, s.b, track, limit, 300)
}

/// RFC 4588: with 8 % loss every video packet arrives; the repairs travel on the RTX SSRC
/// of A's `a=ssrc-group:FID`, with the RTX payload type and their own sequence numbers,
/// and B restores them (OSN) into the original stream.
#[test]
fn rtx_repairs_video_loss() {
    run_seeds(4, |n| {
        let mut s = setup_plain(200 + n, lossy(0.08), video);
        let fid = fid_groups(&s.offer);
        assert_eq!(fid.len(), 1, "{}", s.offer);
        let (media, rtx) = fid[0];
        assert!(s.answer.contains("a=fmtp:97 apt=96"), "{}", s.answer);
        assert!(s.sim.node(s.a).peer.track_rtx(TrackId(0)));
        send_numbered_video(&mut s, TrackId(0), Duration::from_secs(30))?;
        let wire = &s.sim.node(s.a).wire;
        let repairs: Vec<&Seen> = wire.iter().filter(|p| p.ssrc == rtx).collect();
        assert!(!repairs.is_empty());
        assert!(repairs.iter().all(|p| p.pt == 97));
        // RTX sequence numbers are their own space: consecutive from a random start.
        for w in repairs.windows(2) {
            assert_eq!(w[1].seq, w[0].seq.wrapping_add(1));
        }
        assert!(wire.iter().filter(|p| p.ssrc == media).all(|p| p.pt == 96));
        // A repair is a new transport-wide packet: one counter over media and RTX.
        let tseq: Vec<u16> = wire.iter().map(|p| p.transport_seq.unwrap()).collect();
        for w in tseq.windows(2) {
            assert_eq!(w[1], w[0].wrapping_add(1));
        }
        let (sa, sb) = (s.sim.node(s.a).peer.stats(), s.sim.node(s.b).peer.stats());
        assert_eq!(sa.rtp_retransmitted, repairs.len() as u64);
        assert!(sb.rtx_received > 0 && sb.rtx_received <= repairs.len() as u64);
        assert!(sb.nacks_sent > 0);
        Ok::<(), String>(())
    });
}

/// When the answer leaves RTX out, NACKed packets are re-sent as the original (same SSRC,
/// payload type and sequence number) and still repair the loss.
#[test]
fn without_rtx_the_original_is_resent() {
    run_seeds(2, |n| {
        let mut s = setup(
            210 + n,
            lossy(0.08),
            |c| c,
            |a| {
                a.add_track(MediaKind::Video, "s").unwrap();
            },
            |_| {},
            |o| o,
            |a| {
                filter_lines(&a, |l| !l.contains("rtx/90000") && !l.contains("apt="))
                    .replace("SAVPF 96 97", "SAVPF 96")
            },
        );
        assert!(!s.sim.node(s.a).peer.track_rtx(TrackId(0)));
        let (media, rtx) = fid_groups(&s.offer)[0];
        send_numbered_video(&mut s, TrackId(0), Duration::from_secs(30))?;
        let wire = &s.sim.node(s.a).wire;
        assert!(wire.iter().all(|p| p.ssrc == media && p.ssrc != rtx));
        // Resends repeat sequence numbers already sent.
        let mut seen = BTreeSet::new();
        let dups = wire.iter().filter(|p| !seen.insert(p.seq)).count();
        let st = s.sim.node(s.a).peer.stats();
        assert!(st.rtp_retransmitted > 0 && dups as u64 == st.rtp_retransmitted);
        assert_eq!(s.sim.node(s.b).peer.stats().rtx_received, 0);
        Ok::<(), String>(())
    });
}

/// RFC 8285 extensions on every packet: mid, abs-send-time, one transport-wide sequence
/// across both streams (draft-holmer §2), audio level on audio only. B answers
/// transport-cc feedback about every 100 ms and it reports A's packets as received.
#[test]
fn header_extensions_and_transport_cc_feedback() {
    let mut s = setup_plain(31, lossy(0.0), |a| {
        let t = a.add_track(MediaKind::Audio, "s").unwrap();
        a.set_audio_level(
            t,
            webrtc_peer::AudioLevel {
                voice: true,
                level: 42,
            },
        )
        .unwrap();
        a.add_track(MediaKind::Video, "s").unwrap();
    });
    let (na, nb) = (s.a, s.b);
    let mut connected = false;
    let mut sent = 0u32;
    let mut start = None;
    s.sim
        .run_until(Duration::from_secs(10), |sim| {
            sim.take_events(nb);
            for e in sim.take_events(na) {
                if e == Event::ConnectionStateChanged(ConnectionState::Connected) {
                    connected = true;
                }
            }
            if connected && sent < 100 {
                start.get_or_insert(sim.now());
                let p = &mut sim.node_mut(na).peer;
                p.send_rtp(TrackId(0), &[1; 80], sent * 960, false).unwrap();
                p.send_rtp(TrackId(1), &[2; 500], sent * 3000, true)
                    .unwrap();
                sent += 1;
            }
            sent == 100
        })
        .unwrap();
    s.sim.run_for(Duration::from_secs(1)).unwrap();
    let wire = &s.sim.node(na).wire;
    assert_eq!(wire.len(), 200);
    let mut tseq: Vec<u16> = Vec::new();
    for p in wire {
        let audio = p.pt == 111;
        assert_eq!(p.mid.as_deref(), Some(if audio { "0" } else { "1" }));
        assert!(p.abs_send_time);
        assert_eq!(p.audio_level, audio.then_some(42));
        tseq.push(p.transport_seq.expect("transport-wide sequence number"));
    }
    for w in tseq.windows(2) {
        assert_eq!(w[1], w[0].wrapping_add(1), "one counter per transport");
    }
    let (sa, sb) = (s.sim.node(na).peer.stats(), s.sim.node(nb).peer.stats());
    // 100 packet pairs were sent in about 0 s of virtual time; then 1 s passed. Feedback
    // goes out only while packets arrive, so a few messages, not ten per second idle.
    assert!(sb.twcc_feedback_sent >= 1, "{sb:?}");
    assert_eq!(sa.twcc_feedback_received, sb.twcc_feedback_sent);
    assert!(sb.rtp_packets_received >= 198);
    assert_eq!(sa.twcc_packets_acked, sb.rtp_packets_received);
}

/// Media over a longer run: feedback about every 100 ms while packets flow.
#[test]
fn transport_cc_feedback_every_100_ms() {
    let mut s = setup_plain(33, lossy(0.0), video);
    let (na, nb) = (s.a, s.b);
    wait_for(&mut s.sim, Duration::from_secs(5), na, nb, &CONNECTED).unwrap();
    // 2 s of 50 packets per second.
    for i in 0..100u32 {
        s.sim
            .node_mut(na)
            .peer
            .send_rtp(TrackId(0), &[3; 200], i * 1800, true)
            .unwrap();
        s.sim.run_for(Duration::from_millis(20)).unwrap();
    }
    let sb = s.sim.node(nb).peer.stats();
    assert!(
        (17..=23).contains(&sb.twcc_feedback_sent),
        "{}",
        sb.twcc_feedback_sent
    );
    // Then one more message for the last packets, and none while nothing arrives.
    s.sim.run_for(Duration::from_secs(1)).unwrap();
    let sb2 = s.sim.node(nb).peer.stats();
    assert_eq!(sb2.twcc_feedback_sent, sb.twcc_feedback_sent + 1);
    // Every packet B took in (the first may beat B's SRTP keys) is acknowledged once.
    let sa = s.sim.node(na).peer.stats();
    assert!(sb2.rtp_packets_received >= 98);
    assert_eq!(sa.twcc_packets_acked, sb2.rtp_packets_received);
    assert_eq!(sa.twcc_feedback_received, sb2.twcc_feedback_sent);
}

/// Unsignalled SSRCs (no `a=ssrc` lines, as Chromium's simulcast or Firefox may send):
/// two VP8 sections share payload type 96, so only the mid extension tells them apart.
/// With loss, RTX (its SSRC unsignalled too) still repairs both.
#[test]
fn unsignalled_ssrcs_demux_by_mid() {
    let mut s = setup(
        41,
        lossy(0.05),
        |c| c,
        |a| {
            a.add_track(MediaKind::Video, "s").unwrap();
            a.add_track(MediaKind::Video, "s").unwrap();
        },
        |_| {},
        |o| filter_lines(&o, |l| !l.starts_with("a=ssrc")),
        |a| a,
    );
    assert!(!s.offer.contains("a=ssrc"));
    let (na, nb) = (s.a, s.b);
    let mut connected = false;
    let mut sent = 0u32;
    let mut got: HashMap<String, BTreeSet<u32>> = HashMap::new();
    s.sim
        .run_until(Duration::from_secs(30), |sim| {
            sim.take_events(na);
            for e in sim.take_events(nb) {
                match e {
                    Event::Media(p) => {
                        let i = u32::from_be_bytes(p.payload[1..5].try_into().unwrap());
                        // The payload says which track sent it; the mid must agree.
                        let mid = if p.payload[0] == 0 { "0" } else { "1" };
                        assert_eq!(p.mid, mid);
                        if (1..=60).contains(&i) {
                            got.entry(p.mid).or_default().insert(i);
                        }
                    }
                    Event::ConnectionStateChanged(ConnectionState::Connected) => connected = true,
                    _ => {}
                }
            }
            if connected && sent < 70 {
                for t in 0..2u8 {
                    let payload = [&[t][..], &sent.to_be_bytes(), &[0; 200]].concat();
                    sim.node_mut(na)
                        .peer
                        .send_rtp(TrackId(u32::from(t)), &payload, sent * 3000, true)
                        .unwrap();
                }
                sent += 1;
            }
            got.values().map(BTreeSet::len).sum::<usize>() == 120
        })
        .unwrap();
    let sb = s.sim.node(nb).peer.stats();
    assert_eq!(sb.rtp_dropped, 0);
    assert!(sb.rtx_received > 0, "{sb:?}");
}

/// An Annex B access unit: SPS, PPS and an IDR slice, or a non-IDR slice alone, of `size`
/// bytes (FU-A when large).
fn h264_frame(n: u32, idr: bool, size: usize) -> Vec<u8> {
    let mut f = Vec::new();
    if idr {
        f.extend([0, 0, 0, 1, 0x67, 0x42, 0xe0, 0x1f, 0xda]);
        f.extend([0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80]);
    }
    // The slice header starts with first_mb_in_slice = 0 (ue(v) "1"): a new picture.
    f.extend([0, 0, 0, 1, if idr { 0x65 } else { 0x41 }, 0x88]);
    // Emulation prevention keeps 00 00 0x sequences out of real slices; avoid zeros here.
    f.extend((0..size).map(|i| ((i as u32 + n) % 250 + 1) as u8));
    f
}

const CONNECTED: Event = Event::ConnectionStateChanged(ConnectionState::Connected);

/// Runs until both peers report Connected.
fn connect(s: &mut Setup) {
    let (na, nb) = (s.a, s.b);
    let mut up = [false; 2];
    s.sim
        .run_until(Duration::from_secs(5), |sim| {
            for (k, n) in [na, nb].into_iter().enumerate() {
                up[k] |= sim
                    .take_events(n)
                    .contains(&Event::ConnectionStateChanged(ConnectionState::Connected));
            }
            up == [true, true]
        })
        .unwrap();
}

/// The frames each side received: `(codec, timestamp, keyframe, data)`.
type Frames = Vec<(Codec, u32, bool, Vec<u8>)>;

fn take_frames(s: &mut Setup, got: &mut [Frames; 2]) {
    for (k, n) in [s.a, s.b].into_iter().enumerate() {
        for e in s.sim.take_events(n) {
            if let Event::Frame(f) = e {
                got[k].push((f.codec, f.timestamp, f.keyframe, f.data));
            }
        }
    }
}

/// RFC 6184 packetization-mode 1 both ways: frames packetized by the peer (STAP-A for
/// SPS/PPS, FU-A for the large slice) and reassembled bit-exact at the other end, at 30
/// frames per second over 3 % loss. One keyframe only: every later frame waits for its
/// holes to be filled (NACK and RTX), so all must arrive.
#[test]
fn h264_frames_both_ways() {
    let mut s = setup(
        51,
        lossy(0.03),
        |c| c.with_frames(true),
        |a| {
            a.add_track_with_codec(Codec::H264, "a").unwrap();
        },
        |b| {
            b.add_track_with_codec(Codec::H264, "b").unwrap();
        },
        |o| o,
        |a| a,
    );
    assert!(s.offer.contains("a=rtpmap:102 H264/90000"), "{}", s.offer);
    assert!(s.answer.contains("profile-level-id=42e01f"), "{}", s.answer);
    for n in [s.a, s.b] {
        assert_eq!(
            s.sim.node(n).peer.track_codec(TrackId(0)),
            Some(Codec::H264)
        );
    }
    connect(&mut s);
    let mut got: [Frames; 2] = [Vec::new(), Vec::new()];
    for i in 0..30u32 {
        for n in [s.a, s.b] {
            let f = h264_frame(i, i == 0, 3000);
            let pkts = s
                .sim
                .node_mut(n)
                .peer
                .send_frame(TrackId(0), &f, i * 3000)
                .unwrap();
            assert!(pkts >= 3, "{pkts}");
        }
        s.sim.run_for(Duration::from_millis(33)).unwrap();
        take_frames(&mut s, &mut got);
    }
    s.sim.run_for(Duration::from_secs(1)).unwrap();
    take_frames(&mut s, &mut got);
    for g in &got {
        let ts: Vec<u32> = g.iter().map(|f| f.1).collect();
        assert_eq!(ts, (0..30).map(|i| i * 3000).collect::<Vec<_>>());
        for (i, (codec, _, key, data)) in g.iter().enumerate() {
            let i = i as u32;
            assert_eq!(*codec, Codec::H264);
            assert_eq!(*key, i == 0);
            assert_eq!(data, &h264_frame(i, i == 0, 3000));
        }
    }
    let sb = s.sim.node(s.b).peer.stats_report(s.sim.now());
    let inb = sb.inbound_rtp().next().unwrap();
    assert_eq!(inb.frames_received, Some(30));
    assert_eq!(inb.key_frames_received, Some(1));
    assert!(inb.retransmitted_packets_received > 0, "{inb:?}");
    assert_eq!(inb.mime_type.as_deref(), Some("video/H264"));
}

/// VP8 and Opus frames go through the same path: packetized, then reassembled.
#[test]
fn vp8_and_opus_frames_round_trip() {
    let mut s = setup(
        53,
        lossy(0.0),
        |c| c.with_frames(true),
        |a| {
            a.add_track(MediaKind::Audio, "a").unwrap();
            a.add_track(MediaKind::Video, "a").unwrap();
        },
        |_| {},
        |o| o,
        |a| a,
    );
    connect(&mut s);
    let mut got: [Frames; 2] = [Vec::new(), Vec::new()];
    for i in 0..5u32 {
        let p = &mut s.sim.node_mut(s.a).peer;
        assert_eq!(p.send_frame(TrackId(0), &[9; 120], i * 960).unwrap(), 1);
        // A VP8 keyframe: bit 0 (P) of the first byte clear.
        let vp8: Vec<u8> = (0..2500)
            .map(|j| if j == 0 { 0x10 } else { j as u8 })
            .collect();
        assert!(p.send_frame(TrackId(1), &vp8, i * 3000).unwrap() >= 3);
        s.sim.run_for(Duration::from_millis(20)).unwrap();
        take_frames(&mut s, &mut got);
    }
    let b = &got[1];
    let opus: Vec<_> = b.iter().filter(|f| f.0 == Codec::Opus).collect();
    let vp8: Vec<_> = b.iter().filter(|f| f.0 == Codec::Vp8).collect();
    assert_eq!(opus.len(), 5);
    assert!(opus.iter().all(|f| f.3 == [9; 120]));
    assert_eq!(vp8.len(), 5);
    assert!(
        vp8.iter()
            .all(|f| f.2 && f.3.len() == 2500 && f.3[0] == 0x10 && f.3[2499] == 2499u32 as u8)
    );
}

/// A reflector forwards a keyframe request: C asks B (PLI on B's outgoing track), B calls
/// `request_keyframe` on the mid it receives from A, A gets `KeyframeRequest`. Here B is
/// both ends' peer; the SSRC is known from A's signalled `a=ssrc` before any media.
#[test]
fn keyframe_request_reaches_the_original_sender() {
    let mut s = setup_plain(61, lossy(0.0), |a| {
        a.add_track(MediaKind::Video, "a").unwrap();
    });
    let (na, nb) = (s.a, s.b);
    wait_for(&mut s.sim, Duration::from_secs(5), nb, na, &CONNECTED).unwrap();
    s.sim.node_mut(nb).peer.request_keyframe("0").unwrap();
    let request = Event::KeyframeRequest(TrackId(0));
    wait_for(&mut s.sim, Duration::from_secs(2), na, nb, &request).unwrap();
    assert_eq!(s.sim.node(nb).peer.stats().plis_sent, 1);
}

/// W3C getStats shape: every record type with consistent numbers, serialized with the W3C
/// camelCase member names and a `type` tag.
#[test]
fn stats_report_is_w3c_shaped() {
    use webrtc_peer::ChannelOptions;
    use webrtc_peer::report::StatsRecord;
    let mut s = setup_plain(71, lossy(0.0), |a| {
        a.add_track(MediaKind::Audio, "s").unwrap();
        a.add_track(MediaKind::Video, "s").unwrap();
        a.create_data_channel("chat", ChannelOptions::default())
            .unwrap();
    });
    connect(&mut s);
    let (na, nb) = (s.a, s.b);
    s.sim
        .run_until(Duration::from_secs(5), |sim| {
            sim.take_events(nb);
            sim.take_events(na)
                .iter()
                .any(|e| matches!(e, Event::ChannelOpen(_)))
        })
        .unwrap();
    let ch = webrtc_peer::ChannelId(0);
    for i in 0..3 {
        s.sim.node_mut(na).peer.send(ch, &[i; 10], true).unwrap();
    }
    for i in 0..50u32 {
        let p = &mut s.sim.node_mut(na).peer;
        p.send_rtp(TrackId(0), &[1; 100], i * 960, false).unwrap();
        p.send_rtp(TrackId(1), &[2; 1000], i * 3000, true).unwrap();
        s.sim.run_for(Duration::from_millis(20)).unwrap();
    }
    // Receiver reports (every second) carry B's view back to A.
    s.sim.run_for(Duration::from_millis(2500)).unwrap();
    let now = s.sim.now();
    let ra = s.sim.node(na).peer.stats_report(now);
    let rb = s.sim.node(nb).peer.stats_report(now);

    let t = ra.transport().unwrap();
    assert_eq!((t.dtls_state, t.ice_state), ("connected", "completed"));
    assert_eq!(t.dtls_role, "server");
    assert_eq!(t.ice_role, "controlling");
    assert_eq!(t.srtp_cipher, Some("AEAD_AES_128_GCM"));
    assert!(
        t.dtls_cipher
            .as_deref()
            .unwrap()
            .starts_with("TLS_ECDHE_ECDSA")
    );
    let sel = t.selected_candidate_pair_id.clone().unwrap();
    let StatsRecord::CandidatePair(pair) = ra.get(&sel).unwrap() else {
        panic!("selected pair is a candidate-pair");
    };
    assert!(pair.nominated);
    assert_eq!(pair.state, "succeeded");
    assert!(pair.current_round_trip_time.unwrap() > 0.015);
    assert!(pair.requests_sent >= 1 && pair.responses_received >= 1);
    assert_eq!(pair.bytes_sent, t.bytes_sent);
    assert!(ra.get(&pair.local_candidate_id).is_some());
    assert!(ra.get(&pair.remote_candidate_id).is_some());

    let out: Vec<_> = ra.outbound_rtp().collect();
    assert_eq!(out.len(), 2);
    assert_eq!(
        (out[0].kind, out[0].packets_sent, out[0].bytes_sent),
        ("audio", 50, 5000)
    );
    assert_eq!(
        (out[1].kind, out[1].packets_sent, out[1].bytes_sent),
        ("video", 50, 50_000)
    );
    assert!(out[1].rtx_ssrc.is_some() && out[0].rtx_ssrc.is_none());
    let rin: Vec<_> = ra.remote_inbound_rtp().collect();
    assert_eq!(rin.len(), 2);
    for r in &rin {
        assert_eq!(r.fraction_lost, 0.0);
        let rtt = r.round_trip_time.unwrap();
        assert!((0.015..0.035).contains(&rtt), "{rtt}");
        assert!(r.round_trip_time_measurements >= 2);
        assert_eq!(
            out.iter()
                .find(|o| o.id == r.local_id)
                .unwrap()
                .remote_id
                .as_deref(),
            Some(r.id.as_str())
        );
    }
    let inb: Vec<_> = rb.inbound_rtp().collect();
    assert_eq!(inb.len(), 2);
    for i in &inb {
        let o = out.iter().find(|o| o.ssrc == i.ssrc).unwrap();
        assert_eq!(i.kind, o.kind);
        assert_eq!(Some(&i.mid), o.mid.as_ref());
        assert_eq!(i.packets_received, 50);
        assert_eq!(i.bytes_received, o.bytes_sent);
        assert_eq!(i.packets_lost, 0);
        assert_eq!(i.frames_received, None, "frames are not assembled here");
    }
    let dc_a: Vec<_> = ra.data_channels().collect();
    let dc_b: Vec<_> = rb.data_channels().collect();
    assert_eq!((dc_a.len(), dc_b.len()), (1, 1));
    assert_eq!(dc_a[0].label, "chat");
    assert_eq!(dc_a[0].state, "open");
    assert_eq!((dc_a[0].messages_sent, dc_a[0].bytes_sent), (3, 30));
    assert_eq!((dc_b[0].messages_received, dc_b[0].bytes_received), (3, 30));
    assert_eq!(
        dc_a[0].data_channel_identifier,
        dc_b[0].data_channel_identifier
    );

    // JSON with the W3C member names.
    let json = serde_json::to_value(&ra).unwrap();
    let recs = json["records"].as_array().unwrap();
    let of = |ty: &str| recs.iter().find(|r| r["type"] == ty).unwrap().clone();
    for ty in [
        "transport",
        "candidate-pair",
        "local-candidate",
        "remote-candidate",
        "outbound-rtp",
        "remote-inbound-rtp",
        "data-channel",
    ] {
        assert!(recs.iter().any(|r| r["type"] == ty), "{ty} missing");
    }
    assert_eq!(of("transport")["dtlsState"], "connected");
    assert_eq!(of("transport")["selectedCandidatePairId"], sel.as_str());
    assert_eq!(of("outbound-rtp")["packetsSent"], 50);
    assert!(of("outbound-rtp").get("retransmittedPacketsSent").is_some());
    assert!(of("remote-inbound-rtp")["roundTripTime"].as_f64().unwrap() > 0.0);
    assert_eq!(of("data-channel")["messagesSent"], 3);
    assert!(of("candidate-pair")["currentRoundTripTime"].is_number());
    assert_eq!(of("local-candidate")["candidateType"], "host");
    let jb = serde_json::to_value(&rb).unwrap();
    let inbound = jb["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "inbound-rtp")
        .unwrap()
        .clone();
    for k in [
        "packetsReceived",
        "bytesReceived",
        "packetsLost",
        "jitter",
        "nackCount",
        "pliCount",
    ] {
        assert!(inbound.get(k).is_some(), "{k}");
    }
}
