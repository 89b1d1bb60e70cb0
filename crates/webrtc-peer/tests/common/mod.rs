//! Shared strata-sim harness for the Peer tests: a `Node` wrapping a `Peer`, addresses,
//! seeds, links and wait helpers.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use strata_rtp::rtp::{ExtensionMap, ParsedExtensions, RtpPacket};
use strata_sim::{Datagram, LinkConfig, Machine, NodeId, Sim, SimError};
use webrtc_peer::{Config, ConnectionState, Event, Peer, TrackId};

/// What one RTP datagram carried in clear (SRTP leaves the header and extensions readable).
#[derive(Debug, Clone)]
pub struct Seen {
    pub ssrc: u32,
    pub pt: u8,
    pub seq: u16,
    pub mid: Option<String>,
    pub abs_send_time: bool,
    pub transport_seq: Option<u16>,
    pub audio_level: Option<u8>,
}

pub struct Node {
    pub peer: Peer,
    /// Echo every channel message back to its sender.
    pub echo: bool,
    /// Flip a payload bit of every RTP datagram before the peer sees it.
    pub tamper_rtp: bool,
    /// RTP datagrams this node sent, as seen on the wire.
    pub wire: Vec<Seen>,
}

impl Node {
    pub fn new(peer: Peer) -> Self {
        Node {
            peer,
            echo: false,
            tamper_rtp: false,
            wire: Vec::new(),
        }
    }
}

/// Our extension ids (the peer's defaults, Chromium's numbering).
pub fn ext_map() -> ExtensionMap {
    ExtensionMap {
        audio_level: Some(1),
        abs_send_time: Some(2),
        transport_cc: Some(3),
        mid: Some(4),
        ..ExtensionMap::default()
    }
}

impl Machine for Node {
    type Event = Event;
    fn handle_datagram(&mut self, now: Instant, from: SocketAddr, to: SocketAddr, data: &[u8]) {
        if self.tamper_rtp && (128..192).contains(&data[0]) && data.len() > 20 {
            let mut d = data.to_vec();
            d[16] ^= 1;
            let _ = self.peer.handle_datagram(now, from, to, &d);
            return;
        }
        let _ = self.peer.handle_datagram(now, from, to, data);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.peer.handle_timeout(now);
    }
    fn poll_transmit(&mut self, now: Instant) -> Option<Datagram> {
        let t = self.peer.poll_transmit(now)?;
        if (128..192).contains(&t.data[0])
            && !strata_rtp::rtp::is_rtcp(&t.data)
            && let Ok(p) = RtpPacket::new_checked(&t.data[..])
        {
            let e = ParsedExtensions::parse(&ext_map(), p.extensions());
            self.wire.push(Seen {
                ssrc: p.ssrc(),
                pt: p.payload_type(),
                seq: p.sequence_number().0,
                mid: e.mid.and_then(|m| m.as_str()).map(str::to_owned),
                abs_send_time: e.abs_send_time.is_some(),
                transport_seq: e.transport_cc.map(|t| t.0),
                audio_level: e.audio_level.map(|l| l.level),
            });
        }
        Some(Datagram {
            from: t.from,
            to: t.to,
            data: t.data,
        })
    }
    fn poll_event(&mut self) -> Option<Event> {
        let e = self.peer.poll_event()?;
        if self.echo
            && let Event::ChannelMessage { id, binary, data } = &e
        {
            self.peer
                .send(*id, data, *binary)
                .expect("echo fits the send buffer");
        }
        Some(e)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.peer.poll_timeout()
    }
}

pub const A: &str = "10.0.0.1:5000";
pub const B: &str = "10.0.0.2:6000";

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

pub fn seed(n: u64, side: u8) -> [u8; 32] {
    let mut s = [side; 32];
    s[..8].copy_from_slice(&n.to_le_bytes());
    s
}

pub fn lossy(loss: f64) -> LinkConfig {
    LinkConfig {
        latency: Duration::from_millis(10),
        jitter: Duration::from_millis(2),
        loss,
        ..LinkConfig::default()
    }
}

/// A fresh simulation with `link` as the default link.
pub fn new_sim(seed_n: u64, link: LinkConfig) -> Sim<Node> {
    let mut sim = Sim::new(seed_n);
    sim.set_default_link(link);
    sim
}

/// A peer seeded with `seed` on host address `host`, its config passed through `config`.
pub fn new_peer(
    seed: [u8; 32],
    host: &str,
    now: Instant,
    config: impl FnOnce(Config) -> Config,
) -> Peer {
    Peer::new(
        config(Config::default().with_seed(seed).with_host(addr(host))),
        now,
    )
}

/// Places A and B in the simulation (B echoes channel messages when `echo_b`).
pub fn add_nodes(sim: &mut Sim<Node>, a: Peer, b: Peer, echo_b: bool) -> (NodeId, NodeId) {
    let na = sim.add_node(addr(A), Node::new(a));
    let nb = sim.add_node(
        addr(B),
        Node {
            echo: echo_b,
            ..Node::new(b)
        },
    );
    (na, nb)
}

/// Runs until `watch` reports `event`, draining `other`'s events meanwhile.
pub fn wait_for(
    sim: &mut Sim<Node>,
    limit: Duration,
    watch: NodeId,
    other: NodeId,
    event: &Event,
) -> Result<(), SimError> {
    sim.run_until(limit, |s| {
        s.take_events(other);
        s.take_events(watch).contains(event)
    })
}

/// Drops the lines `f` rejects (and keeps the CRLFs).
pub fn filter_lines(sdp: &str, f: impl Fn(&str) -> bool) -> String {
    sdp.split_inclusive("\r\n").filter(|l| f(l)).collect()
}

/// A sends 110 numbered video packets on `track` (each number followed by `padding` bytes);
/// returns once B got packets 1..=100 (a lost first or last packet has no neighbour to
/// reveal it).
pub fn send_numbered_video(
    sim: &mut Sim<Node>,
    na: NodeId,
    nb: NodeId,
    track: TrackId,
    limit: Duration,
    padding: usize,
) -> Result<(), String> {
    let mut sent = 0u32;
    let mut seqs = BTreeSet::new();
    let mut connected = false;
    sim.run_until(limit, |sim| {
        sim.take_events(na);
        for e in sim.take_events(nb) {
            match e {
                Event::Media(p) => {
                    let i = u32::from_be_bytes(p.payload[..4].try_into().unwrap());
                    if (1..=100).contains(&i) {
                        seqs.insert(i);
                    }
                }
                Event::ConnectionStateChanged(ConnectionState::Connected) => connected = true,
                _ => {}
            }
        }
        if connected && sent < 110 {
            let payload = [&sent.to_be_bytes()[..], &vec![0x55; padding]].concat();
            sim.node_mut(na)
                .peer
                .send_rtp(track, &payload, sent * 3000, true)
                .unwrap();
            sent += 1;
        }
        seqs.len() == 100
    })
    .map_err(|e| {
        format!(
            "{e:?}: {} of 100 arrived, missing {:?}",
            seqs.len(),
            (1..=100).filter(|i| !seqs.contains(i)).collect::<Vec<_>>()
        )
    })
}
