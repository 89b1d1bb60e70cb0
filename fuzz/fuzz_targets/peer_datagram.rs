//! Arbitrary datagrams into a connected Peer (audio + video tracks with RTX, transport-cc and
//! header extensions negotiated both ways, and an open data channel): RFC 7983 demux, ICE,
//! DTLS, SCTP, and, since this target makes strata-srtp accept any tag (a switch that only
//! `cfg(fuzzing)` builds have), the RTP/RTCP
//! paths (RTX restore, transport-cc, NACK/PLI, mid demux, SR/RR, frame assembly) must never
//! panic nor grow without bound.
//!
//! Input: records of `[dt: u8][len: u16 BE][len bytes]`. Each record advances virtual time
//! by `dt` ms (running due timers, so feedback and reports fire), then feeds the datagram
//! from B's address. Seeds (`corpus/peer_datagram/seed-*`) carry plaintext RTP/RTCP with B's
//! SSRCs and payload types (AES-GCM is negotiated; a failed tag keeps the bytes as they are).
//! `PEER_DATAGRAM_DUMP=1` prints both descriptions, for writing seeds.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use webrtc_peer::{ChannelOptions, Config, Event, MediaKind, Peer, TrackId};

fn connected() -> (Peer, Peer, Instant) {
    let t0 = Instant::now();
    let (a_addr, b_addr) = (
        "192.0.2.1:5000".parse().unwrap(),
        "198.51.100.1:6000".parse().unwrap(),
    );
    let cfg = |seed, addr| {
        Config::default()
            .with_seed(seed)
            .with_host(addr)
            .with_frames(true)
    };
    let mut a = Peer::new(cfg([1; 32], a_addr), t0);
    let mut b = Peer::new(cfg([2; 32], b_addr), t0);
    a.add_track(MediaKind::Audio, "s").unwrap();
    a.add_track(MediaKind::Video, "s").unwrap();
    let ch = a
        .create_data_channel("f", ChannelOptions::default())
        .unwrap();
    let o = a.create_offer().unwrap();
    a.set_local_description(&o).unwrap();
    b.set_remote_description(&a.local_description().unwrap())
        .unwrap();
    b.add_track(MediaKind::Audio, "s").unwrap();
    b.add_track(MediaKind::Video, "s").unwrap();
    let ans = b.create_answer().unwrap();
    b.set_local_description(&ans).unwrap();
    a.set_remote_description(&b.local_description().unwrap())
        .unwrap();
    if std::env::var_os("PEER_DATAGRAM_DUMP").is_some() {
        eprintln!(
            "--- A\n{}\n--- B\n{}",
            a.local_description().unwrap().sdp,
            b.local_description().unwrap().sdp
        );
    }
    let mut now = t0;
    for _ in 0..2000 {
        while let Some(t) = a.poll_transmit(now) {
            let _ = b.handle_datagram(now, t.from, t.to, &t.data);
        }
        while let Some(t) = b.poll_transmit(now) {
            let _ = a.handle_datagram(now, t.from, t.to, &t.data);
        }
        let mut open = false;
        while let Some(e) = a.poll_event() {
            open |= e == Event::ChannelOpen(ch);
        }
        while b.poll_event().is_some() {}
        if open {
            break;
        }
        now = [a.poll_timeout(), b.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now)
            .max(now + Duration::from_millis(1));
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    // A has sent history (for NACK/RTX) and B's streams are known to A.
    for i in 0..8u32 {
        for p in [&mut a, &mut b] {
            let _ = p.send_rtp(TrackId(0), &[0xf8; 40], i * 960, false);
            let _ = p.send_rtp(
                TrackId(1),
                &[0x90, 0x80, 0x01, 0x10, 0x00, 0x9d, 0x01, 0x2a],
                i * 3000,
                true,
            );
        }
        let dump = std::env::var_os("PEER_DATAGRAM_DUMP").is_some();
        while let Some(t) = a.poll_transmit(now) {
            if dump {
                eprintln!("A sent {:02x?}", &t.data[..t.data.len().min(12)]);
            }
            let _ = b.handle_datagram(now, t.from, t.to, &t.data);
        }
        while let Some(t) = b.poll_transmit(now) {
            if dump {
                eprintln!("B sent {:02x?}", &t.data[..t.data.len().min(12)]);
            }
            let _ = a.handle_datagram(now, t.from, t.to, &t.data);
        }
    }
    while a.poll_event().is_some() {}
    (a, b, now)
}

fuzz_target!(|data: &[u8]| {
    strata_srtp::fuzzing::accept_any_tag(true);
    let (mut a, _b, mut now) = connected();
    let (from, to) = (
        "198.51.100.1:6000".parse().unwrap(),
        "192.0.2.1:5000".parse().unwrap(),
    );
    let mut rest = data;
    let mut i = 0u32;
    while rest.len() >= 3 {
        now += Duration::from_millis(u64::from(rest[0]));
        if a.poll_timeout().is_some_and(|t| t <= now) {
            a.handle_timeout(now);
        }
        let n = (usize::from(rest[1]) << 8 | usize::from(rest[2])).min(rest.len() - 3);
        let _ = a.handle_datagram(now, from, to, &rest[3..3 + n]);
        rest = &rest[3 + n..];
        // A keeps sending, so incoming feedback has packets to refer to.
        i += 1;
        let _ = a.send_rtp(
            TrackId(1),
            &[0x90, 0x80, 0x01, 0x10, 0, 0, 0, 0],
            (8 + i) * 3000,
            true,
        );
        while a.poll_transmit(now).is_some() {}
        while a.poll_event().is_some() {}
    }
    for _ in 0..3 {
        now += Duration::from_millis(500);
        a.handle_timeout(now);
        while a.poll_transmit(now).is_some() {}
        while a.poll_event().is_some() {}
    }
    if std::env::var_os("PEER_DATAGRAM_DUMP").is_some() {
        let s = a.stats();
        eprintln!(
            "rtp {} rtcp {} srtp_dropped {} rtp_dropped {} rtx {} retransmitted {} nacks {} plis {} twcc_rx {} twcc_tx {} rtt {:?}",
            s.rtp_packets_received,
            s.rtcp_packets_received,
            s.srtp_dropped,
            s.rtp_dropped,
            s.rtx_received,
            s.rtp_retransmitted,
            s.nacks_sent,
            s.plis_sent,
            s.twcc_feedback_received,
            s.twcc_feedback_sent,
            s.rtt
        );
    }
});
