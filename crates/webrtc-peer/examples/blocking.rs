//! A blocking std driver: one thread per Peer, one `UdpSocket` each. The loop sends what the
//! peer wants to send, blocks on the socket until the peer's next deadline, feeds in what
//! arrived, and hands events to the application. Signaling goes over a std channel here.
//!
//! `cargo run --release -p webrtc-peer --example blocking`
#![allow(clippy::disallowed_methods)] // an example reads the clock and starts threads

use std::io::ErrorKind;
use std::net::UdpSocket;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use webrtc_peer::{ChannelOptions, Config, Description, Event, Peer};

/// The run loop. `on_event` is the application: it gets each event and the peer for
/// commands, and returns `false` to stop.
fn run(
    mut peer: Peer,
    socket: &UdpSocket,
    mut on_event: impl FnMut(&mut Peer, Event) -> bool,
) -> std::io::Result<()> {
    let local = socket.local_addr()?;
    let mut buf = vec![0u8; 65_536];
    loop {
        let now = Instant::now();
        while let Some(t) = peer.poll_transmit(now) {
            socket.send_to(&t.data, t.to)?;
        }
        while let Some(e) = peer.poll_event() {
            if !on_event(&mut peer, e) {
                // Flush what the last command queued (a close, for instance).
                while let Some(t) = peer.poll_transmit(Instant::now()) {
                    socket.send_to(&t.data, t.to)?;
                }
                return Ok(());
            }
        }
        // Commands given in on_event may have queued output: flush before blocking.
        while let Some(t) = peer.poll_transmit(Instant::now()) {
            socket.send_to(&t.data, t.to)?;
        }
        let wait = peer.poll_timeout().map_or(Duration::from_millis(100), |d| {
            d.saturating_duration_since(Instant::now())
        });
        socket.set_read_timeout(Some(wait.max(Duration::from_micros(50))))?;
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                let _ = peer.handle_datagram(Instant::now(), from, local, &buf[..n]);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => return Err(e),
        }
        let now = Instant::now();
        if peer.poll_timeout().is_some_and(|d| d <= now) {
            peer.handle_timeout(now);
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t0 = Instant::now();
    let (to_bob, from_alice) = mpsc::channel::<Description>();
    let (to_alice, from_bob) = mpsc::channel::<Description>();

    let bob = thread::spawn(move || -> std::io::Result<()> {
        let socket = UdpSocket::bind("127.0.0.1:0")?;
        let mut peer = Peer::new(
            Config::default().with_host(socket.local_addr()?),
            Instant::now(),
        );
        let offer = from_alice.recv().expect("an offer");
        peer.set_remote_description(&offer).expect("valid offer");
        let answer = peer.create_answer().expect("answer");
        peer.set_local_description(&answer).expect("answer applies");
        to_alice
            .send(peer.local_description().expect("set"))
            .expect("alice waits");
        // Echo every message until the connection closes.
        run(peer, &socket, |p, e| match e {
            Event::ChannelMessage { id, binary, data } => {
                let _ = p.send(id, &data, binary);
                true
            }
            Event::ConnectionStateChanged(s) => s != webrtc_peer::ConnectionState::Closed,
            _ => true,
        })
    });

    let socket = UdpSocket::bind("127.0.0.1:0")?;
    let mut alice = Peer::new(Config::default().with_host(socket.local_addr()?), t0);
    let ch = alice.create_data_channel("echo", ChannelOptions::default())?;
    let offer = alice.create_offer()?;
    alice.set_local_description(&offer)?;
    to_bob.send(alice.local_description().expect("set"))?;
    alice.set_remote_description(&from_bob.recv()?)?;
    let mut result = Ok(());
    run(alice, &socket, |p, e| match e {
        Event::ChannelOpen(id) if id == ch => {
            println!("alice: channel open {:?} after the offer", t0.elapsed());
            result = p.send_text(ch, "hello over a real socket");
            result.is_ok()
        }
        Event::ChannelMessage { data, .. } => {
            println!(
                "alice: echo {:?} after {:?}",
                String::from_utf8_lossy(&data),
                t0.elapsed()
            );
            p.close();
            false
        }
        _ => true,
    })?;
    result?;
    bob.join().expect("bob's thread")?;
    Ok(())
}
