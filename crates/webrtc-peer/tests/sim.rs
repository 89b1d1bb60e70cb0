//! Two Peers over strata-sim: offer/answer, data-channel echo with loss, fail-closed
//! fingerprints, remote-opened and negotiated channels, close.

use std::time::Duration;

mod common;

use common::*;
use strata_sim::{LinkConfig, NodeId, Sim, run_seeds};
use webrtc_peer::{
    ChannelId, ChannelOptions, ConnectionState, Description, DtlsState, Event, Peer, Role,
};

/// Builds two peers; A creates channels with `make_channels` then offers, B answers.
/// `munge` may edit the answer before A applies it.
fn setup(
    seed_n: u64,
    link: LinkConfig,
    make_channels: impl FnOnce(&mut Peer) -> Vec<ChannelId>,
    munge: impl FnOnce(String) -> String,
) -> (Sim<Node>, NodeId, NodeId, Vec<ChannelId>) {
    let mut sim = new_sim(seed_n, link);
    let now = sim.now();
    let mut a = new_peer(seed(seed_n, 1), A, now, |c| c);
    let mut b = new_peer(seed(seed_n, 2), B, now, |c| c);
    let chans = make_channels(&mut a);
    let offer = a.create_offer().unwrap();
    a.set_local_description(&offer).unwrap();
    b.set_remote_description(&a.local_description().unwrap())
        .unwrap();
    let answer = b.create_answer().unwrap();
    b.set_local_description(&answer).unwrap();
    let answer = b.local_description().unwrap();
    a.set_remote_description(&Description::answer(munge(answer.sdp)))
        .unwrap();
    let (na, nb) = add_nodes(&mut sim, a, b, true);
    (sim, na, nb, chans)
}

/// Runs until A's channel `ch` opens (10 s at most).
fn wait_open(sim: &mut Sim<Node>, na: NodeId, nb: NodeId, ch: ChannelId) {
    wait_for(
        sim,
        Duration::from_secs(10),
        na,
        nb,
        &Event::ChannelOpen(ch),
    )
    .unwrap();
}

fn one_channel(p: &mut Peer) -> Vec<ChannelId> {
    vec![
        p.create_data_channel("echo", ChannelOptions::default())
            .unwrap(),
    ]
}

/// A sends `n` binary messages of `size` bytes, at most `window` unanswered; B echoes; A
/// checks every echo in order.
fn echo_run(seed_n: u64, loss: f64, n: usize, size: usize, window: usize) -> Result<(), String> {
    let (mut sim, na, nb, chans) = setup(seed_n, lossy(loss), one_channel, |s| s);
    let ch = chans[0];
    let (mut open, mut sent, mut got) = (false, 0usize, 0usize);
    let mut bad = None;
    let msg = |i: usize| -> Vec<u8> { (0..size).map(|j| (i * 31 + j) as u8).collect() };
    sim.run_until(Duration::from_secs(120), |s| {
        for e in s.take_events(na) {
            match e {
                Event::ChannelOpen(id) if id == ch => open = true,
                Event::ChannelMessage { id, binary, data } if id == ch => {
                    if !binary || data != msg(got) {
                        bad = Some(got);
                    }
                    got += 1;
                }
                _ => {}
            }
        }
        s.take_events(nb);
        if open {
            while sent < n && sent - got < window {
                s.node_mut(na).peer.send(ch, &msg(sent), true).unwrap();
                sent += 1;
            }
        }
        got == n || bad.is_some()
    })
    .map_err(|e| format!("{e:?} (sent {sent}, echoed {got})"))?;
    if let Some(i) = bad {
        return Err(format!("echo {i} differs"));
    }
    let st = sim.node(na).peer.stats();
    assert_eq!(st.connection_state, ConnectionState::Connected);
    assert_eq!(st.dc_messages_received, n as u64);
    Ok(())
}

#[test]
fn echo_without_loss() {
    echo_run(1, 0.0, 200, 1024, 32).unwrap();
}

#[test]
fn echo_many_seeds_with_five_percent_loss() {
    run_seeds(16, |s| echo_run(s, 0.05, 100, 1000, 16));
}

#[test]
fn large_messages_fragment_and_reassemble() {
    echo_run(3, 0.02, 10, 60_000, 2).unwrap();
}

#[test]
fn missing_max_message_size_means_64_kib() {
    // RFC 8841 §6.1: GStreamer's webrtcbin sends no a=max-message-size and splits anything
    // larger than 64 KiB, so a send above the default must be refused, not mangled.
    let strip = |sdp: String| {
        let out: String = sdp
            .split_inclusive("\r\n")
            .filter(|l| !l.starts_with("a=max-message-size:"))
            .collect();
        assert_ne!(out, sdp, "the answer had a max-message-size line to strip");
        out
    };
    let (mut sim, na, nb, chans) = setup(9, lossy(0.0), one_channel, strip);
    let ch = chans[0];
    let mut open = false;
    sim.run_until(Duration::from_secs(20), |s| {
        open |= s
            .take_events(na)
            .iter()
            .any(|e| matches!(e, Event::ChannelOpen(id) if *id == ch));
        s.take_events(nb);
        open
    })
    .unwrap();
    let peer = &mut sim.node_mut(na).peer;
    assert!(peer.send(ch, &vec![7; 65_537], true).is_err());
    peer.send(ch, &vec![7; 65_536], true).unwrap();
}

#[test]
fn dtls_roles_follow_setup_and_states_progress() {
    let (mut sim, na, nb, _) = setup(5, lossy(0.0), one_channel, |s| s);
    assert_eq!(sim.node(na).peer.dtls_role(), Some(Role::Server)); // answerer is active
    assert_eq!(sim.node(nb).peer.dtls_role(), Some(Role::Client));
    let mut states = Vec::new();
    sim.run_until(Duration::from_secs(10), |s| {
        for e in s.take_events(na) {
            if let Event::ConnectionStateChanged(c) = e {
                states.push(c);
            }
        }
        s.take_events(nb);
        states.contains(&ConnectionState::Connected)
            && s.node(nb).peer.connection_state() == ConnectionState::Connected
    })
    .unwrap();
    assert_eq!(
        states,
        [ConnectionState::Connecting, ConnectionState::Connected]
    );
    assert_eq!(sim.node(nb).peer.dtls_state(), DtlsState::Connected);
    assert!(sim.node(na).peer.selected_pair().is_some());
}

#[test]
fn wrong_fingerprint_fails_closed() {
    // Flip one hex digit of the answer's fingerprint: A (DTLS server) must refuse B.
    let munge = |sdp: String| {
        let i = sdp.find("a=fingerprint:sha-256 ").unwrap() + "a=fingerprint:sha-256 ".len();
        let mut b = sdp.into_bytes();
        b[i] = if b[i] == b'0' { b'1' } else { b'0' };
        String::from_utf8(b).unwrap()
    };
    let (mut sim, na, nb, _) = setup(7, lossy(0.0), one_channel, munge);
    let (mut failed, mut opened) = (false, false);
    let r = sim.run_until(Duration::from_secs(20), |s| {
        for e in s.take_events(na) {
            match e {
                Event::DtlsFailed(_) => failed = true,
                Event::ChannelOpen(_) | Event::SctpConnected => opened = true,
                _ => {}
            }
        }
        for e in s.take_events(nb) {
            if matches!(e, Event::ChannelOpen(_) | Event::SctpConnected) {
                opened = true;
            }
        }
        failed
    });
    r.unwrap();
    assert!(!opened, "no channel may open with a bad fingerprint");
    let _ = sim.run_for(Duration::from_secs(2));
    assert_eq!(
        sim.node(na).peer.connection_state(),
        ConnectionState::Failed
    );
    assert_ne!(sim.node(nb).peer.dtls_state(), DtlsState::Connected);
    assert_eq!(sim.node(na).peer.stats().dc_messages_received, 0);
}

#[test]
fn remote_opens_channels_both_ways() {
    let (mut sim, na, nb, chans) = setup(9, lossy(0.01), one_channel, |s| s);
    let mut b_saw = None;
    let mut a_saw = None;
    let mut reverse = None;
    sim.run_until(Duration::from_secs(30), |s| {
        for e in s.take_events(nb) {
            match e {
                Event::DataChannel { id, label, .. } => b_saw = Some((id, label)),
                Event::ChannelOpen(id) if Some(id) == reverse => {
                    s.node_mut(nb).peer.send_text(id, "from b").unwrap();
                }
                _ => {}
            }
        }
        for e in s.take_events(na) {
            match e {
                Event::DataChannel { id, label, .. } => {
                    assert_eq!(label, "back");
                    a_saw = Some(id)
                }
                Event::ChannelMessage { data, binary, .. } => {
                    assert!(!binary);
                    assert_eq!(data, b"from b");
                    return true;
                }
                _ => {}
            }
        }
        if b_saw.is_some() && reverse.is_none() {
            let n = &mut s.node_mut(nb).peer;
            reverse = Some(
                n.create_data_channel("back", ChannelOptions::default())
                    .unwrap(),
            );
        }
        false
    })
    .unwrap();
    assert_eq!(b_saw.unwrap().1, "echo");
    assert!(a_saw.is_some());
    // Stream parity by DTLS role (RFC 8832 §6): A is server (odd), B is client (even).
    assert_eq!(
        sim.node(na).peer.channel_stream_id(chans[0]).map(|s| s % 2),
        Some(1)
    );
    let r = reverse.unwrap();
    assert_eq!(
        sim.node(nb).peer.channel_stream_id(r).map(|s| s % 2),
        Some(0)
    );
}

#[test]
fn negotiated_channels_need_no_dcep() {
    let opts = ChannelOptions {
        negotiated: Some(7),
        ..ChannelOptions::default()
    };
    let o2 = opts.clone();
    let (mut sim, na, nb, chans) = setup(
        11,
        lossy(0.0),
        move |p| vec![p.create_data_channel("neg", o2).unwrap()],
        |s| s,
    );
    let nbch = sim
        .node_mut(nb)
        .peer
        .create_data_channel("neg", opts)
        .unwrap();
    let ch = chans[0];
    let (mut a_open, mut b_open) = (false, false);
    let mut echoed = false;
    sim.run_until(Duration::from_secs(20), |s| {
        for e in s.take_events(nb) {
            match e {
                Event::ChannelOpen(id) if id == nbch => b_open = true,
                Event::DataChannel { .. } => panic!("a negotiated channel is not announced"),
                _ => {}
            }
        }
        for e in s.take_events(na) {
            match e {
                Event::ChannelOpen(id) if id == ch => {
                    a_open = true;
                    s.node_mut(na).peer.send(ch, b"neg", true).unwrap();
                }
                Event::ChannelMessage { id, data, .. } if id == ch => {
                    assert_eq!(data, b"neg");
                    echoed = true;
                }
                _ => {}
            }
        }
        echoed
    })
    .unwrap();
    assert!(a_open && b_open);
    assert_eq!(sim.node(na).peer.channel_stream_id(ch), Some(7));
}

#[test]
fn close_reaches_the_peer() {
    let (mut sim, na, nb, chans) = setup(13, lossy(0.0), one_channel, |s| s);
    wait_open(&mut sim, na, nb, chans[0]);
    sim.node_mut(na).peer.close();
    let mut b_closed = false;
    sim.run_until(Duration::from_secs(10), |s| {
        for e in s.take_events(nb) {
            if matches!(e, Event::ChannelClosed(_)) {
                b_closed = true;
            }
        }
        b_closed && s.node(nb).peer.connection_state() == ConnectionState::Closed
    })
    .unwrap();
    assert_eq!(
        sim.node(na).peer.connection_state(),
        ConnectionState::Closed
    );
    assert!(sim.node_mut(na).peer.send(chans[0], b"x", true).is_err());
}

#[test]
fn open_takes_few_round_trips() {
    // 1 ms one-way latency: offer-to-open is bounded by round trips, not by timers.
    let link = LinkConfig {
        latency: Duration::from_millis(1),
        ..LinkConfig::default()
    };
    let (mut sim, na, nb, chans) = setup(15, link, one_channel, |s| s);
    wait_open(&mut sim, na, nb, chans[0]);
    println!(
        "virtual offer-to-open with 1 ms latency: {:?}",
        sim.elapsed()
    );
    assert!(
        sim.elapsed() < Duration::from_millis(30),
        "{:?}",
        sim.elapsed()
    );
}

/// Audio and video both ways: A offers two tracks, B adds its own before answering; RTP
/// goes through SRTP keyed from the DTLS exporter; with 2 % loss most packets arrive.
#[test]
fn media_both_ways_over_srtp() {
    use webrtc_peer::{MediaKind, TrackId};
    let mut tracks = Vec::new();
    let (mut sim, na, nb, _) = setup(
        17,
        lossy(0.02),
        |p| {
            tracks.push(p.add_track(MediaKind::Audio, "s").unwrap());
            tracks.push(p.add_track(MediaKind::Video, "s").unwrap());
            one_channel(p)
        },
        |s| s,
    );
    // B answered before adding tracks in `setup`, so its sections are recvonly; A's offer
    // must still carry both m-sections with sendrecv and our codecs.
    assert_eq!(sim.node(na).peer.track_mid(tracks[0]), Some("0"));
    assert_eq!(sim.node(na).peer.track_mid(tracks[1]), Some("1"));
    let (mut a_tracks, mut b_tracks) = (Vec::new(), Vec::new());
    let mut sent = 0u32;
    let mut got = Vec::new();
    let mut connected = false;
    sim.run_until(Duration::from_secs(30), |s| {
        for e in s.take_events(na) {
            if let Event::Track { mid, kind } = e {
                a_tracks.push((mid, kind));
            }
        }
        for e in s.take_events(nb) {
            match e {
                Event::Track { mid, kind } => b_tracks.push((mid, kind)),
                Event::Media(p) => got.push(p),
                Event::ConnectionStateChanged(ConnectionState::Connected) => connected = true,
                _ => {}
            }
        }
        if connected && sent < 100 {
            let a = &mut s.node_mut(na).peer;
            for (i, t) in [TrackId(0), TrackId(1)].into_iter().enumerate() {
                let payload = vec![i as u8; 100 + i * 900];
                a.send_rtp(t, &payload, sent * 960, i == 1).unwrap();
            }
            sent += 1;
        }
        sent == 100 && got.len() >= 180
    })
    .unwrap();
    assert!(
        a_tracks.is_empty(),
        "B sends nothing: its sections are recvonly"
    );
    assert_eq!(
        b_tracks,
        [
            ("0".to_owned(), MediaKind::Audio),
            ("1".to_owned(), MediaKind::Video)
        ]
    );
    let audio = got.iter().filter(|p| p.kind == MediaKind::Audio).count();
    assert!(audio >= 80, "{audio}");
    for p in &got {
        let expect = if p.kind == MediaKind::Audio {
            (0u8, 100)
        } else {
            (1, 1000)
        };
        assert_eq!((p.payload[0], p.payload.len()), expect);
        assert_eq!(
            p.payload_type,
            if p.kind == MediaKind::Audio { 111 } else { 96 }
        );
        assert_eq!(p.marker, p.kind == MediaKind::Video);
    }
    assert_eq!(sim.node(nb).peer.stats().srtp_dropped, 0);
    // RFC 3550 reports: A sends SRs, B (receive-only) answers with RRs whose LSR/DLSR give
    // A a round-trip time near the link's 2 x 10 ms (+ jitter).
    sim.run_for(Duration::from_millis(2500)).unwrap();
    let (sa, sb) = (sim.node(na).peer.stats(), sim.node(nb).peer.stats());
    assert!(
        sa.rtcp_reports_sent >= 2 && sb.rtcp_reports_sent >= 2,
        "{sa:?} {sb:?}"
    );
    let rtt = sa.rtt.expect("an RTT from B's receiver reports");
    assert!(
        rtt >= Duration::from_millis(15) && rtt <= Duration::from_millis(30),
        "{rtt:?}"
    );
    assert!(sa.remote_fraction_lost.is_some());
}

/// The answerer adds tracks after the offer (a reflector): media flows back.
#[test]
fn answerer_tracks_send_back() {
    use webrtc_peer::MediaKind;
    let mut sim = new_sim(19, lossy(0.0));
    let now = sim.now();
    let mut a = new_peer([1; 32], A, now, |c| c);
    let mut b = new_peer([2; 32], B, now, |c| c);
    let ta = a.add_track(MediaKind::Video, "cam").unwrap();
    let o = a.create_offer().unwrap();
    a.set_local_description(&o).unwrap();
    b.set_remote_description(&a.local_description().unwrap())
        .unwrap();
    let tb = b.add_track(MediaKind::Video, "reflect").unwrap();
    let ans = b.create_answer().unwrap();
    b.set_local_description(&ans).unwrap();
    assert!(ans.sdp.contains("a=sendrecv"), "{}", ans.sdp);
    assert!(ans.sdp.contains("a=msid:reflect video-0"), "{}", ans.sdp);
    a.set_remote_description(&b.local_description().unwrap())
        .unwrap();
    assert_eq!(b.track_mid(tb), Some("0"));
    let (na, nb) = add_nodes(&mut sim, a, b, false);
    let mut back = 0;
    let mut a_saw_track = false;
    sim.run_until(Duration::from_secs(10), |s| {
        for e in s.take_events(nb) {
            if let Event::Media(p) = e {
                s.node_mut(nb)
                    .peer
                    .send_rtp(tb, &p.payload, p.timestamp, p.marker)
                    .unwrap();
            }
        }
        for e in s.take_events(na) {
            match e {
                Event::Track { .. } => a_saw_track = true,
                Event::Media(p) => {
                    assert_eq!(p.payload, b"frame");
                    back += 1;
                }
                Event::ConnectionStateChanged(ConnectionState::Connected) => {
                    for i in 0..5 {
                        s.node_mut(na)
                            .peer
                            .send_rtp(ta, b"frame", i * 3000, true)
                            .unwrap();
                    }
                }
                _ => {}
            }
        }
        back == 5
    })
    .unwrap();
    assert!(a_saw_track);
    // PLI (RFC 4585 §6.3.1): B asks A for a keyframe on the section it receives.
    assert!(sim.node_mut(nb).peer.request_keyframe("9").is_err());
    sim.node_mut(nb).peer.request_keyframe("0").unwrap();
    let request = Event::KeyframeRequest(ta);
    wait_for(&mut sim, Duration::from_secs(2), na, nb, &request).unwrap();
    assert_eq!(sim.node(nb).peer.stats().plis_sent, 1);
}

/// SRTP fails closed: a flipped bit means the packet is dropped and counted, never delivered.
#[test]
fn tampered_srtp_is_dropped() {
    use webrtc_peer::{MediaKind, TrackId};
    let (mut sim, na, nb, _) = setup(
        21,
        lossy(0.0),
        |p| {
            p.add_track(MediaKind::Audio, "s").unwrap();
            one_channel(p)
        },
        |s| s,
    );
    sim.node_mut(nb).tamper_rtp = true;
    let mut sent = 0;
    let mut delivered = 0;
    let mut connected = false;
    sim.run_until(Duration::from_secs(10), |s| {
        s.take_events(na);
        for e in s.take_events(nb) {
            match e {
                Event::Media(_) => delivered += 1,
                Event::ConnectionStateChanged(ConnectionState::Connected) => connected = true,
                _ => {}
            }
        }
        if connected && sent < 20 {
            s.node_mut(na)
                .peer
                .send_rtp(TrackId(0), &[7; 50], sent * 960, false)
                .unwrap();
            sent += 1;
        }
        s.node(nb).peer.stats().srtp_dropped == 20
    })
    .unwrap();
    assert_eq!(delivered, 0);
    assert_eq!(sim.node(nb).peer.stats().rtp_packets_received, 0);
}

/// RFC 4585 NACK: with 10 % loss every video packet still arrives, re-sent from history
/// (packets 1..=100 of 0..110: a lost first or last packet has no neighbour to reveal it).
#[test]
fn nack_repairs_video_loss() {
    use webrtc_peer::{MediaKind, TrackId};
    run_seeds(4, |seed_n| {
        let (mut sim, na, nb, _) = setup(
            100 + seed_n,
            lossy(0.10),
            |p| {
                p.add_track(MediaKind::Video, "s").unwrap();
                one_channel(p)
            },
            |s| s,
        );
        send_numbered_video(&mut sim, na, nb, TrackId(0), Duration::from_secs(30), 0)?;
        let st = sim.node(na).peer.stats();
        assert!(st.rtp_retransmitted > 0, "{st:?}");
        assert!(sim.node(nb).peer.stats().nacks_sent > 0);
        Ok::<(), String>(())
    });
}

/// Trickle (RFC 8838): candidates stripped from the offer arrive later through
/// `add_ice_candidate`, then end-of-candidates as an empty string.
#[test]
fn trickled_candidates_connect() {
    let mut sim = new_sim(23, lossy(0.0));
    let now = sim.now();
    let mut a = new_peer([1; 32], A, now, |c| c);
    let mut b = new_peer([2; 32], B, now, |c| c);
    let ch = a
        .create_data_channel("t", ChannelOptions::default())
        .unwrap();
    let o = a.create_offer().unwrap();
    a.set_local_description(&o).unwrap();
    let full = a.local_description().unwrap().sdp;
    let cands: Vec<String> = full
        .lines()
        .filter_map(|l| l.strip_prefix("a=").filter(|l| l.starts_with("candidate:")))
        .map(str::to_owned)
        .collect();
    assert_eq!(cands.len(), 1);
    let bare: String = full
        .split_inclusive("\r\n")
        .filter(|l| !l.starts_with("a=candidate") && !l.starts_with("a=end-of-candidates"))
        .collect();
    b.set_remote_description(&Description::offer(bare)).unwrap();
    let ans = b.create_answer().unwrap();
    b.set_local_description(&ans).unwrap();
    // The answer carries no candidates either: only B's trickled knowledge of A lets a
    // check through (A then learns B as peer-reflexive).
    let answer: String = b
        .local_description()
        .unwrap()
        .sdp
        .split_inclusive("\r\n")
        .filter(|l| !l.starts_with("a=candidate"))
        .collect();
    a.set_remote_description(&Description::answer(answer))
        .unwrap();
    b.add_ice_candidate(&cands[0]).unwrap();
    b.add_ice_candidate("").unwrap();
    assert!(b.add_ice_candidate("candidate:garbage").is_err());
    let (na, nb) = add_nodes(&mut sim, a, b, true);
    wait_open(&mut sim, na, nb, ch);
}

/// Renegotiation (RFC 8829 §5.2.2) both ways over the established transport: A adds video
/// and offers again, B adds its own and answers; then B adds audio and offers, A answers.
/// Mids, ICE credentials and DTLS roles stay; no new handshake.
#[test]
fn renegotiation_adds_tracks_both_ways() {
    use webrtc_peer::MediaKind;
    let (mut sim, na, nb, chans) = setup(25, lossy(0.01), one_channel, |s| s);
    wait_open(&mut sim, na, nb, chans[0]);
    let negotiate = |sim: &mut Sim<Node>, off: NodeId, ans: NodeId, kind: MediaKind| {
        let t_off = sim.node_mut(off).peer.add_track(kind, "o").unwrap();
        let o = sim.node_mut(off).peer.create_offer().unwrap();
        sim.node_mut(off).peer.set_local_description(&o).unwrap();
        let o = sim.node(off).peer.local_description().unwrap();
        sim.node_mut(ans).peer.set_remote_description(&o).unwrap();
        let t_ans = sim.node_mut(ans).peer.add_track(kind, "a").unwrap();
        let a = sim.node_mut(ans).peer.create_answer().unwrap();
        sim.node_mut(ans).peer.set_local_description(&a).unwrap();
        let a = sim.node(ans).peer.local_description().unwrap();
        sim.node_mut(off).peer.set_remote_description(&a).unwrap();
        (t_off, t_ans, o.sdp)
    };
    let (va, vb, offer2) = negotiate(&mut sim, na, nb, MediaKind::Video);
    // The data section keeps mid 0 and the first place; video is appended as mid 1.
    let sd = strata_sdp::SessionDescription::parse(&offer2).unwrap();
    assert_eq!(sd.media[0].mid(), Some("0"));
    assert_eq!(sd.media[1].mid(), Some("1"));
    assert_eq!(sim.node(na).peer.track_mid(va), Some("1"));
    assert_eq!(sim.node(nb).peer.track_mid(vb), Some("1"));
    let (ab, aa, _) = negotiate(&mut sim, nb, na, MediaKind::Audio);
    assert_eq!(sim.node(nb).peer.track_mid(ab), Some("2"));
    assert_eq!(sim.node(na).peer.track_mid(aa), Some("2"));
    assert_eq!(sim.node(na).peer.dtls_role(), Some(Role::Server));
    let mut got = [0usize; 4];
    let mut n = 0u32;
    sim.run_until(Duration::from_secs(10), |s| {
        for (node, base) in [(na, 0), (nb, 2)] {
            for e in s.take_events(node) {
                if let Event::Media(p) = e {
                    got[base + usize::from(p.kind == MediaKind::Audio)] += 1;
                }
            }
        }
        if n < 20 {
            let a = &mut s.node_mut(na).peer;
            a.send_rtp(va, b"v", n * 3000, true).unwrap();
            a.send_rtp(aa, b"a", n * 960, false).unwrap();
            let b = &mut s.node_mut(nb).peer;
            b.send_rtp(vb, b"v", n * 3000, true).unwrap();
            b.send_rtp(ab, b"a", n * 960, false).unwrap();
            n += 1;
        }
        got.iter().all(|&g| g >= 15)
    })
    .unwrap();
    // Still one DTLS connection: the data channel is open and echoes.
    sim.node_mut(na)
        .peer
        .send(chans[0], b"still", true)
        .unwrap();
    sim.run_until(Duration::from_secs(5), |s| {
        s.take_events(nb);
        s.take_events(na)
            .iter()
            .any(|e| matches!(e, Event::ChannelMessage { data, .. } if data == b"still"))
    })
    .unwrap();
}
