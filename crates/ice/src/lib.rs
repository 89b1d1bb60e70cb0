//! strata-ice: a sans-IO ICE agent (RFC 8445) with trickle (RFC 8838), consent freshness
//! (RFC 7675) and a TURN client (RFC 8656 over UDP), built on strata-stun.
//!
//! # What it does
//!
//! - **Candidates** ([`Candidate`], plain fields; strata-sdp does the `a=candidate` text):
//!   host candidates for the addresses the application bound ([`Agent::add_local_host`]),
//!   server-reflexive ones through STUN Binding against [`Config::stun_servers`], relayed
//!   ones through a TURN client against [`Config::turn_servers`], peer-reflexive ones learned
//!   from checks. Priorities and foundations per RFC 8445 §5.1; redundant candidates pruned.
//! - **Checks**: pairs formed and ordered by RFC 8445 §6.1.2.3 priority, checklist states
//!   frozen/waiting/in-progress/succeeded/failed, one new check per pacing interval Ta,
//!   triggered checks, retransmissions through strata-stun's [`Client`](strata_stun::Client)
//!   transactions, MESSAGE-INTEGRITY and FINGERPRINT on every check and verified on every
//!   request and response (failures dropped and counted in [`AgentStats`]).
//! - **Roles**: controlling/controlled with tie-breaker, role-conflict repair (487), regular
//!   nomination, and acceptance of a controlling peer that sets USE-CANDIDATE on every check
//!   (Chromium): the best nominated valid pair is selected.
//! - **Trickle**: remote candidates at any time (even before the credentials), end of
//!   candidates, local candidates as [`Event::LocalCandidate`] as they appear.
//! - **Consent** (RFC 7675): a check on the selected pair every 5 s ±20 %; 30 s without a
//!   success stops all sending on it ([`Event::ConsentExpired`], [`State::Failed`]).
//!   Keepalives (Binding indications) where no consent check runs (a lite agent).
//! - **ICE restart** with new credentials, keeping the selected pair until a new one is
//!   nominated; **ICE-lite** as our side ([`Config::lite`]) and against a lite peer
//!   ([`Agent::set_remote_lite`]).
//! - **Bounds** on everything: remote, peer-reflexive and local candidates, pairs,
//!   transactions, queued datagrams and events ([`Config`]).
//!
//! # What it does not do
//!
//! No sockets, clock, threads or DNS: the application binds sockets, reads datagrams, and
//! resolves mDNS names ([`Event::ResolveMdns`]). One component (RTP and RTCP multiplexed,
//! everything bundled). No ICE-TCP (RFC 6544): remote TCP candidates are ignored. TURN over
//! UDP only (no TCP/TLS/DTLS to the server), MD5 long-term keys (what coturn uses), no
//! SHA-256 password algorithm negotiation, no ALTERNATE-SERVER redirects.
//!
//! # Call order
//!
//! 1. `Agent::new(config, now)`, then commands: [`Agent::add_local_host`] for each bound
//!    socket, signal [`Agent::local_credentials`], and give the peer's with
//!    [`Agent::set_remote_credentials`] and [`Agent::add_remote_candidate`].
//! 2. Input: [`Agent::handle_packet`] for every STUN or TURN ChannelData datagram (RFC 7983
//!    demux: first byte 0..=3 or 64..=79), [`Agent::handle_timeout`] when
//!    [`Agent::poll_timeout`] is due.
//! 3. Output: drain [`Agent::poll_transmit`] (send `data` from socket `from` to `to`) and
//!    [`Agent::poll_event`] until `None` after every input or command.
//!
//! # Time and randomness
//!
//! Time is always an argument; a `now` earlier than one seen before is treated as the latest.
//! `poll_timeout` is O(1). The ufrag, password, tie-breaker, transaction ids and consent
//! jitter come from a ChaCha20 CSPRNG owned by the agent, seeded from [`Config::seed`] or
//! from the operating system.
//!
//! # Example: two agents in memory
//!
//! ```
//! use std::time::{Duration, Instant};
//! use strata_ice::{Agent, Config, Event, State};
//!
//! # #[allow(clippy::disallowed_methods)]
//! let mut now = Instant::now();
//! let mut a = Agent::new(Config::controlling().with_seed([1; 32]), now);
//! let mut b = Agent::new(Config::controlled().with_seed([2; 32]), now);
//! let (a_addr, b_addr) = ("192.0.2.1:5000".parse()?, "198.51.100.1:6000".parse()?);
//! a.add_local_host(a_addr)?;
//! b.add_local_host(b_addr)?;
//! let (ca, cb) = (a.local_credentials().clone(), b.local_credentials().clone());
//! a.set_remote_credentials(&cb.ufrag, &cb.pwd);
//! b.set_remote_credentials(&ca.ufrag, &ca.pwd);
//!
//! for _ in 0..200 {
//!     // Signaling: trickle candidates across.
//!     while let Some(e) = a.poll_event() {
//!         if let Event::LocalCandidate(c) = e { b.add_remote_candidate(c)?; }
//!     }
//!     while let Some(e) = b.poll_event() {
//!         if let Event::LocalCandidate(c) = e { a.add_remote_candidate(c)?; }
//!     }
//!     // The network: deliver every datagram at once.
//!     while let Some(t) = a.poll_transmit(now) { let _ = b.handle_packet(now, t.from, t.to, &t.data); }
//!     while let Some(t) = b.poll_transmit(now) { let _ = a.handle_packet(now, t.from, t.to, &t.data); }
//!     now += Duration::from_millis(10);
//!     a.handle_timeout(now);
//!     b.handle_timeout(now);
//! }
//! assert_eq!(a.state(), State::Completed);
//! assert_eq!(b.state(), State::Completed);
//! assert_eq!(a.selected_pair().unwrap().1.addr, b_addr);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # RFC coverage
//!
//! | RFC | sections | notes |
//! |---|---|---|
//! | 8445 ICE | §5.1 (gathering, priorities, foundations, pruning), §5.3, §6.1.1 (roles, lite peer), §6.1.2 (pairs, order, states, limits), §6.1.4 (Ta pacing, triggered queue), §7.1-§7.3 (checks, role conflicts, prflx, triggered checks, nomination), §8.1 (nomination, selection), §9 (restart), §11 (keepalives), §14 (Ta, RTO) | one component; regular nomination when controlling (aggressive optional, [`Config::aggressive_nomination`]); requests with bad integrity or username are dropped rather than answered 400/401; an incoming check on an In-Progress pair re-triggers it at most once per RTO, and the new check replaces (cancels) the old transaction, whose late response is then ignored; after a pair is selected only triggered checks run; a peer-reflexive local candidate is recorded but its generating pair stays the one used (same base) |
//! | 8838 Trickle | §8 (end-of-candidates), §10 (pairing new candidates), §11 (remote candidates at any time, prflx upgraded by signalled) | failure is declared only after [`Agent::set_remote_end_of_candidates`] |
//! | 7675 Consent | §5.1 (5 s ±20 %, 30 s expiry, stop sending) | one consent transaction in flight; state Disconnected after [`Config::disconnected_timeout`] |
//! | 8656 TURN (UDP) | §7 Allocate (401/438), §7.2 deallocation, §8 Refresh, §9 CreatePermission, §11 Send/Data, §12 ChannelBind/ChannelData | MD5 long-term key only; no ALTERNATE-SERVER, no DONT-FRAGMENT/EVEN-PORT/reservation tokens |
//! | 8421 | local preference: IPv6 over IPv4 | no interface-type preferences |
//! | 8489 STUN | via strata-stun: transactions, integrity, fingerprint | |
#![warn(missing_docs)]

mod agent;
mod candidate;
mod config;
mod error;
mod event;
mod pair;
mod turn;

pub use agent::{Agent, AgentStats, Credentials, Transmit};
pub use candidate::{Candidate, CandidateKind, Transport, priority};
pub use config::{Config, TurnServer};
pub use error::Error;
pub use event::{Event, State};
pub use pair::{PairInfo, PairState, PairStats, pair_priority};
pub use turn::TurnStats;
