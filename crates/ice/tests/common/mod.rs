//! A strata-sim harness: ICE agents (optionally behind a NAT model) and STUN servers.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use strata_ice::{Agent, Candidate, Config, Event, State};
use strata_sim::{Datagram, Machine, NodeId, Sim};
use strata_stun::BindingServer;

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

pub fn seed32(seed: u64, who: u8) -> [u8; 32] {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    s[8] = who;
    s
}

/// NAT mapping behaviour (RFC 4787).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NatKind {
    /// Endpoint-independent mapping and filtering ("full cone").
    EndpointIndependent,
    /// Address-dependent mapping and filtering: a new public port per destination IP, and
    /// only that IP may send back ("symmetric"-ish).
    AddressDependent,
}

#[derive(Debug)]
pub struct Nat {
    pub kind: NatKind,
    pub public_ip: std::net::IpAddr,
    next_port: u16,
    // (private, destination key) -> public
    out: HashMap<(SocketAddr, Option<std::net::IpAddr>), SocketAddr>,
    // public -> (private, allowed remote ips)
    inb: HashMap<SocketAddr, (SocketAddr, Vec<std::net::IpAddr>)>,
}

impl Nat {
    pub fn new(kind: NatKind, public_ip: &str) -> Self {
        Nat {
            kind,
            public_ip: public_ip.parse().unwrap(),
            next_port: 40000,
            out: HashMap::new(),
            inb: HashMap::new(),
        }
    }

    fn outbound(&mut self, from: SocketAddr, to: SocketAddr) -> SocketAddr {
        let key = (
            from,
            if self.kind == NatKind::AddressDependent {
                Some(to.ip())
            } else {
                None
            },
        );
        let public = match self.out.get(&key) {
            Some(p) => *p,
            None => {
                let p = SocketAddr::new(self.public_ip, self.next_port);
                self.next_port += 1;
                self.out.insert(key, p);
                p
            }
        };
        let e = self.inb.entry(public).or_insert((from, Vec::new()));
        if !e.1.contains(&to.ip()) {
            e.1.push(to.ip());
        }
        public
    }

    fn inbound(&self, from: SocketAddr, to: SocketAddr) -> Option<SocketAddr> {
        let (private, allowed) = self.inb.get(&to)?;
        // Both kinds filter on the remote IP (address-dependent filtering).
        allowed.contains(&from.ip()).then_some(*private)
    }

    pub fn public_ports(&self) -> usize {
        self.inb.len()
    }
}

pub struct AgentNode {
    pub agent: Agent,
    pub nat: Option<Nat>,
    pub errors: u64,
    /// Cut: drop everything in and out (the peer goes silent).
    pub cut: bool,
}

pub struct StunNode {
    pub server: BindingServer,
    pub out: VecDeque<Datagram>,
    pub me: SocketAddr,
}

pub enum Node {
    Agent(Box<AgentNode>),
    Stun(StunNode),
    Turn(Box<TurnNode>),
}

#[derive(Debug, Clone)]
pub enum NodeEvent {
    Ice(Event),
}

impl Node {
    pub fn agent(&self) -> &Agent {
        match self {
            Node::Agent(a) => &a.agent,
            _ => panic!("not an agent"),
        }
    }
    pub fn agent_mut(&mut self) -> &mut Agent {
        match self {
            Node::Agent(a) => &mut a.agent,
            _ => panic!("not an agent"),
        }
    }
    pub fn node_mut(&mut self) -> &mut AgentNode {
        match self {
            Node::Agent(a) => a,
            _ => panic!("not an agent"),
        }
    }
}

impl Machine for Node {
    type Event = NodeEvent;

    fn handle_datagram(&mut self, now: Instant, from: SocketAddr, to: SocketAddr, data: &[u8]) {
        match self {
            Node::Agent(a) => {
                if a.cut {
                    return;
                }
                let to = match &a.nat {
                    Some(nat) => match nat.inbound(from, to) {
                        Some(p) => p,
                        None => return,
                    },
                    None => to,
                };
                if a.agent.handle_packet(now, from, to, data).is_err() {
                    a.errors += 1;
                }
            }
            Node::Stun(s) => {
                let mut out = Vec::new();
                if let Ok(Some(_)) = s.server.respond(from, data, &mut out) {
                    s.out.push_back(Datagram {
                        from: s.me,
                        to: from,
                        data: out,
                    });
                }
            }
            Node::Turn(t) => t.handle(now, from, to, data),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if let Node::Agent(a) = self {
            a.agent.handle_timeout(now);
        }
    }

    fn poll_transmit(&mut self, now: Instant) -> Option<Datagram> {
        match self {
            Node::Agent(a) => loop {
                let t = a.agent.poll_transmit(now)?;
                if a.cut {
                    continue;
                }
                let from = match &mut a.nat {
                    Some(nat) => nat.outbound(t.from, t.to),
                    None => t.from,
                };
                return Some(Datagram {
                    from,
                    to: t.to,
                    data: t.data,
                });
            },
            Node::Stun(s) => s.out.pop_front(),
            Node::Turn(t) => t.out.pop_front(),
        }
    }

    fn poll_event(&mut self) -> Option<NodeEvent> {
        match self {
            Node::Agent(a) => a.agent.poll_event().map(NodeEvent::Ice),
            Node::Stun(_) | Node::Turn(_) => None,
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match self {
            Node::Agent(a) => a.agent.poll_timeout(),
            Node::Stun(_) | Node::Turn(_) => None,
        }
    }
}

/// What one side saw.
#[derive(Debug, Default, Clone)]
pub struct Log {
    pub states: Vec<State>,
    pub selected: Vec<(Candidate, Candidate)>,
    pub candidates: Vec<Candidate>,
    pub gathered: bool,
    pub consent_expired: bool,
    pub data: Vec<Vec<u8>>,
}

impl Log {
    pub fn state(&self) -> Option<State> {
        self.states.last().copied()
    }
    pub fn connected(&self) -> bool {
        matches!(self.state(), Some(State::Connected | State::Completed))
    }
}

/// Two agents and the signaling between them.
pub struct Pairing {
    pub sim: Sim<Node>,
    pub a: NodeId,
    pub b: NodeId,
    pub la: Log,
    pub lb: Log,
    /// Forward A's candidates to B (and B's to A).
    pub signal_a_to_b: bool,
    pub signal_b_to_a: bool,
    /// Candidates held back (trickle in any order).
    pub held_a: Vec<Candidate>,
    pub held_b: Vec<Candidate>,
    pub hold: bool,
}

pub fn agent_node(config: Config, now: Instant, hosts: &[SocketAddr], nat: Option<Nat>) -> Node {
    let mut agent = Agent::new(config, now);
    for h in hosts {
        agent.add_local_host(*h).unwrap();
    }
    Node::Agent(Box::new(AgentNode {
        agent,
        nat,
        errors: 0,
        cut: false,
    }))
}

/// Gives each agent the other's ICE credentials.
pub fn exchange_credentials(sim: &mut Sim<Node>, ia: NodeId, ib: NodeId) {
    let ca = sim.node(ia).agent().local_credentials().clone();
    let cb = sim.node(ib).agent().local_credentials().clone();
    sim.node_mut(ia)
        .agent_mut()
        .set_remote_credentials(&cb.ufrag, &cb.pwd);
    sim.node_mut(ib)
        .agent_mut()
        .set_remote_credentials(&ca.ufrag, &ca.pwd);
}

impl Pairing {
    /// Adds both agents with the given node addresses (the NAT public address for NATed ones)
    /// and exchanges credentials.
    pub fn new(
        mut sim: Sim<Node>,
        a_addrs: &[SocketAddr],
        a: Node,
        b_addrs: &[SocketAddr],
        b: Node,
    ) -> Self {
        let ia = sim.add_node(a_addrs[0], a);
        for x in &a_addrs[1..] {
            sim.add_addr(ia, *x);
        }
        let ib = sim.add_node(b_addrs[0], b);
        for x in &b_addrs[1..] {
            sim.add_addr(ib, *x);
        }
        exchange_credentials(&mut sim, ia, ib);
        Pairing {
            sim,
            a: ia,
            b: ib,
            la: Log::default(),
            lb: Log::default(),
            signal_a_to_b: true,
            signal_b_to_a: true,
            held_a: Vec::new(),
            held_b: Vec::new(),
            hold: false,
        }
    }

    /// Takes events from both sides and does the signaling.
    pub fn pump(&mut self) {
        for (id, other, fwd) in [
            (self.a, self.b, self.signal_a_to_b),
            (self.b, self.a, self.signal_b_to_a),
        ] {
            let events = self.sim.take_events(id);
            for NodeEvent::Ice(e) in events {
                let is_a = id == self.a;
                let log = if is_a { &mut self.la } else { &mut self.lb };
                match e {
                    Event::StateChanged(s) => log.states.push(s),
                    Event::SelectedPair { local, remote } => log.selected.push((local, remote)),
                    Event::GatheringComplete => log.gathered = true,
                    Event::ConsentExpired => log.consent_expired = true,
                    Event::Data { data, .. } => log.data.push(data),
                    Event::LocalCandidate(c) => {
                        log.candidates.push(c.clone());
                        if fwd {
                            if self.hold {
                                if is_a {
                                    self.held_a.push(c)
                                } else {
                                    self.held_b.push(c)
                                }
                            } else {
                                let _ =
                                    self.sim.node_mut(other).agent_mut().add_remote_candidate(c);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Releases held candidates in the given order.
    pub fn release(&mut self, reverse: bool) {
        let (mut ha, mut hb) = (
            std::mem::take(&mut self.held_a),
            std::mem::take(&mut self.held_b),
        );
        if reverse {
            ha.reverse();
            hb.reverse();
        }
        for c in ha {
            let _ = self
                .sim
                .node_mut(self.b)
                .agent_mut()
                .add_remote_candidate(c);
        }
        for c in hb {
            let _ = self
                .sim
                .node_mut(self.a)
                .agent_mut()
                .add_remote_candidate(c);
        }
    }

    /// Runs until both sides are connected.
    pub fn run_until_connected(&mut self, limit: Duration) -> Result<(), String> {
        self.run_until(limit, |p| p.la.connected() && p.lb.connected())
    }

    pub fn run_until(
        &mut self,
        limit: Duration,
        mut pred: impl FnMut(&mut Pairing) -> bool,
    ) -> Result<(), String> {
        // The predicate of run_until cannot borrow self, so step by hand.
        let start = self.sim.elapsed();
        loop {
            self.pump();
            if pred(self) {
                return Ok(());
            }
            if self.sim.elapsed() - start >= limit {
                return Err(format!(
                    "deadline at {:?} (seed {}): A {:?} B {:?}\nA pairs {:#?}\nB pairs {:#?}\nA stats {:?}\nB stats {:?}",
                    self.sim.elapsed(),
                    self.sim.seed(),
                    self.la.states,
                    self.lb.states,
                    self.sim.node(self.a).agent().pairs(),
                    self.sim.node(self.b).agent().pairs(),
                    self.sim.node(self.a).agent().stats(),
                    self.sim.node(self.b).agent().stats(),
                ));
            }
            let remaining = limit - (self.sim.elapsed() - start);
            self.sim
                .run_for(remaining.min(Duration::from_millis(5)))
                .map_err(|e| e.to_string())?;
        }
    }
}

/// A minimal TURN server for the simulator (RFC 8656 over UDP, long-term credentials with
/// MD5 keys): Allocate (401 first), Refresh, CreatePermission, ChannelBind, Send/Data
/// indications and ChannelData. Lifetimes are enforced at use time, so a client that does
/// not refresh loses its relay.
pub struct TurnNode {
    pub me: SocketAddr,
    pub user: String,
    pub pass: String,
    pub out: VecDeque<Datagram>,
    pub allocations: Vec<Allocation>,
    next_port: u16,
    pub refreshes: u64,
    pub permissions: u64,
    pub channel_binds: u64,
    pub deallocations: u64,
    pub expired_drops: u64,
}

pub struct Allocation {
    pub tid: strata_stun::TransactionId,
    pub client: SocketAddr,
    pub relay: SocketAddr,
    pub expires: Instant,
    pub perms: HashMap<std::net::IpAddr, Instant>,
    pub channels: HashMap<u16, (SocketAddr, Instant)>,
}

pub const TURN_REALM: &str = "sim.test";
const TURN_NONCE: &str = "nonce-1";

impl TurnNode {
    pub fn new(me: SocketAddr, user: &str, pass: &str) -> Self {
        TurnNode {
            me,
            user: user.into(),
            pass: pass.into(),
            out: VecDeque::new(),
            allocations: Vec::new(),
            next_port: 50000,
            refreshes: 0,
            permissions: 0,
            channel_binds: 0,
            deallocations: 0,
            expired_drops: 0,
        }
    }

    /// Relay addresses the node must own.
    pub fn relay_addrs(me: SocketAddr) -> Vec<SocketAddr> {
        (50000..50008)
            .map(|p| SocketAddr::new(me.ip(), p))
            .collect()
    }

    fn key(&self) -> strata_stun::credentials::LongTermKey {
        strata_stun::credentials::LongTermKey::md5(&self.user, TURN_REALM, &self.pass)
    }

    fn handle(&mut self, now: Instant, from: SocketAddr, to: SocketAddr, data: &[u8]) {
        use strata_stun::{
            Attribute as A, ChannelData, ChannelDataRepr, ChannelNumber, Class, Message,
            MessageBuilder, Method,
        };
        if to != self.me {
            // From a peer to a relayed address.
            let Some(a) = self.allocations.iter().find(|a| a.relay == to) else {
                return;
            };
            if a.expires <= now || a.perms.get(&from.ip()).is_none_or(|t| *t <= now) {
                self.expired_drops += 1;
                return;
            }
            let client = a.client;
            let frame = match a.channels.iter().find(|(_, (p, t))| *p == from && *t > now) {
                Some((ch, _)) => {
                    let repr = ChannelDataRepr {
                        channel: ChannelNumber(*ch),
                        data,
                    };
                    let mut buf = vec![0; repr.buffer_len(false)];
                    repr.emit(&mut buf, false).unwrap();
                    buf
                }
                None => {
                    let mut buf = Vec::new();
                    let mut b = MessageBuilder::new(
                        &mut buf,
                        Class::Indication,
                        Method::DATA,
                        strata_stun::TransactionId([9; 12]),
                    );
                    b.add(&A::XorPeerAddress(from)).add(&A::Data(data));
                    b.finish().unwrap();
                    buf
                }
            };
            self.out.push_back(Datagram {
                from: self.me,
                to: client,
                data: frame,
            });
            return;
        }
        if strata_stun::is_channel_data(data) {
            let Ok(f) = ChannelData::new_checked(data) else {
                return;
            };
            let Some(a) = self
                .allocations
                .iter()
                .find(|a| a.client == from && a.expires > now)
            else {
                return;
            };
            if let Some((peer, t)) = a.channels.get(&f.channel().0) {
                if *t > now && a.perms.get(&peer.ip()).is_some_and(|p| *p > now) {
                    self.out.push_back(Datagram {
                        from: a.relay,
                        to: *peer,
                        data: f.data().to_vec(),
                    });
                } else {
                    self.expired_drops += 1;
                }
            }
            return;
        }
        let Ok(m) = Message::new_checked(data) else {
            return;
        };
        let t = m.message_type();
        let attrs: Vec<A<'_>> = m.attributes().flatten().collect();
        let peer = attrs.iter().find_map(|a| {
            if let A::XorPeerAddress(p) = a {
                Some(*p)
            } else {
                None
            }
        });
        if t.class == Class::Indication && t.method == Method::SEND {
            let payload = attrs
                .iter()
                .find_map(|a| if let A::Data(d) = a { Some(*d) } else { None });
            let Some(a) = self
                .allocations
                .iter()
                .find(|a| a.client == from && a.expires > now)
            else {
                return;
            };
            if let (Some(p), Some(d)) = (peer, payload) {
                if a.perms.get(&p.ip()).is_some_and(|t| *t > now) {
                    self.out.push_back(Datagram {
                        from: a.relay,
                        to: p,
                        data: d.to_vec(),
                    });
                } else {
                    self.expired_drops += 1;
                }
            }
            return;
        }
        if t.class != Class::Request {
            return;
        }
        let key = self.key();
        let reply = |this: &mut TurnNode, class: Class, extra: &[A<'_>], sign: bool| {
            let mut buf = Vec::new();
            let mut b = MessageBuilder::new(&mut buf, class, t.method, m.transaction_id());
            for a in extra {
                b.add(a);
            }
            if sign {
                b.message_integrity(key.as_bytes());
            }
            b.fingerprint();
            b.finish().unwrap();
            this.out.push_back(Datagram {
                from: this.me,
                to: from,
                data: buf,
            });
        };
        let allocated = |this: &mut TurnNode, relay: SocketAddr, l: u32| {
            let attrs = [
                A::XorRelayedAddress(relay),
                A::XorMappedAddress(from),
                A::Lifetime(l),
            ];
            reply(this, Class::SuccessResponse, &attrs, true);
        };
        // The client's allocation, while it lasts.
        let live = |a: &Allocation| a.client == from && a.expires > now;
        // RFC 8656 §7.2: 437 Allocation Mismatch, signed.
        let mismatch = |this: &mut TurnNode| {
            let e = A::ErrorCode {
                code: strata_stun::ErrorCode::ALLOCATION_MISMATCH,
                reason: "",
            };
            reply(this, Class::ErrorResponse, &[e], true);
        };
        // RFC 8656 §7.2 / RFC 8489 §9.2.3: 401 with REALM and NONCE until authenticated.
        if !m.has_integrity() || m.verify_integrity(key.as_bytes()).is_err() {
            let e = A::ErrorCode {
                code: strata_stun::ErrorCode::UNAUTHENTICATED,
                reason: "Unauthenticated",
            };
            reply(
                self,
                Class::ErrorResponse,
                &[e, A::Realm(TURN_REALM), A::Nonce(TURN_NONCE)],
                false,
            );
            return;
        }
        let lifetime = attrs.iter().find_map(|a| {
            if let A::Lifetime(l) = a {
                Some(*l)
            } else {
                None
            }
        });
        match t.method {
            Method::ALLOCATE => {
                self.allocations
                    .retain(|a| a.client != from || a.expires > now);
                // RFC 8656 §7.2: a retransmitted Allocate gets the same success again.
                if let Some(a) = self
                    .allocations
                    .iter()
                    .find(|a| a.client == from && a.tid == m.transaction_id())
                {
                    let (relay, l) = (a.relay, (a.expires - now).as_secs() as u32);
                    allocated(self, relay, l);
                    return;
                }
                if self.allocations.iter().any(|a| a.client == from) {
                    mismatch(self);
                    return;
                }
                let relay = SocketAddr::new(self.me.ip(), self.next_port);
                self.next_port += 1;
                let l = lifetime.unwrap_or(600).min(600);
                self.allocations.push(Allocation {
                    tid: m.transaction_id(),
                    client: from,
                    relay,
                    expires: now + Duration::from_secs(u64::from(l)),
                    perms: HashMap::new(),
                    channels: HashMap::new(),
                });
                allocated(self, relay, l);
            }
            Method::REFRESH => {
                let Some(i) = self.allocations.iter().position(&live) else {
                    mismatch(self);
                    return;
                };
                let l = lifetime.unwrap_or(600).min(600);
                if l == 0 {
                    self.allocations.remove(i);
                    self.deallocations += 1;
                } else {
                    self.allocations[i].expires = now + Duration::from_secs(u64::from(l));
                    self.refreshes += 1;
                }
                reply(self, Class::SuccessResponse, &[A::Lifetime(l)], true);
            }
            Method::CREATE_PERMISSION | Method::CHANNEL_BIND => {
                let Some(i) = self.allocations.iter().position(&live) else {
                    mismatch(self);
                    return;
                };
                let Some(p) = peer else { return };
                let a = &mut self.allocations[i];
                a.perms.insert(p.ip(), now + Duration::from_secs(300));
                if t.method == Method::CHANNEL_BIND {
                    let ch = attrs.iter().find_map(|a| {
                        if let A::ChannelNumber(c) = a {
                            Some(c.0)
                        } else {
                            None
                        }
                    });
                    let Some(ch) = ch else { return };
                    a.channels.insert(ch, (p, now + Duration::from_secs(600)));
                    self.channel_binds += 1;
                } else {
                    self.permissions += 1;
                }
                reply(self, Class::SuccessResponse, &[], true);
            }
            _ => {}
        }
    }
}
