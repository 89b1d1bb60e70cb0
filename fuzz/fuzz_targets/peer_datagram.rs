//! Arbitrary datagrams (split by a 2-byte length prefix) into a Peer whose data channel is
//! open: RFC 7983 demux, ICE, DTLS and SCTP input paths must never panic.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use webrtc_peer::{ChannelOptions, Config, Event, Peer};

fn connected() -> (Peer, Peer, Instant) {
    let t0 = Instant::now();
    let (a_addr, b_addr) = ("192.0.2.1:5000".parse().unwrap(), "198.51.100.1:6000".parse().unwrap());
    let mut a = Peer::new(Config::default().with_seed([1; 32]).with_host(a_addr), t0);
    let mut b = Peer::new(Config::default().with_seed([2; 32]).with_host(b_addr), t0);
    let ch = a.create_data_channel("f", ChannelOptions::default()).unwrap();
    let o = a.create_offer().unwrap();
    a.set_local_description(&o).unwrap();
    b.set_remote_description(&a.local_description().unwrap()).unwrap();
    let ans = b.create_answer().unwrap();
    b.set_local_description(&ans).unwrap();
    a.set_remote_description(&b.local_description().unwrap()).unwrap();
    let mut now = t0;
    for _ in 0..2000 {
        while let Some(t) = a.poll_transmit(now) { let _ = b.handle_datagram(now, t.from, t.to, &t.data); }
        while let Some(t) = b.poll_transmit(now) { let _ = a.handle_datagram(now, t.from, t.to, &t.data); }
        let mut open = false;
        while let Some(e) = a.poll_event() { open |= e == Event::ChannelOpen(ch); }
        while b.poll_event().is_some() {}
        if open { break; }
        now = [a.poll_timeout(), b.poll_timeout()].into_iter().flatten().min().unwrap_or(now).max(now + Duration::from_millis(1));
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    (a, b, now)
}

fuzz_target!(|data: &[u8]| {
    let (mut a, _b, now) = connected();
    let (from, to) = ("198.51.100.1:6000".parse().unwrap(), "192.0.2.1:5000".parse().unwrap());
    let mut rest = data;
    while rest.len() >= 2 {
        let n = (usize::from(rest[0]) << 8 | usize::from(rest[1])).min(rest.len() - 2);
        let _ = a.handle_datagram(now, from, to, &rest[2..2 + n]);
        rest = &rest[2 + n..];
        while a.poll_transmit(now).is_some() {}
        while a.poll_event().is_some() {}
    }
    a.handle_timeout(now + Duration::from_secs(1));
    while a.poll_transmit(now).is_some() {}
});
