//! strata-sim: a deterministic virtual network for testing sans-IO machines.
//!
//! A [`Sim`] owns a set of machines (anything implementing [`Machine`]), a virtual clock and an
//! event queue of datagram deliveries and timer expiries, ordered by (time, insertion sequence)
//! so that ties are broken the same way on every run. Datagrams travel over one-directional
//! links ([`LinkConfig`]) with latency, jitter, random loss, bursty (Gilbert-Elliott) loss,
//! reordering, duplication, an MTU and a rate limit with a bounded tail-drop queue. Every
//! random choice comes from one ChaCha8 RNG seeded from a `u64`: the same seed gives the same
//! run, event for event. Datagrams to an address no node owns are dropped and counted.
//!
//! It does not model NATs, firewalls, ICMP, IP fragmentation or shared bottlenecks (each
//! direction of each address pair is its own link). It is a test tool (`publish = false`).
//!
//! # Link model
//!
//! Stages, in the order a datagram meets them ([`LinkStats`] field in brackets):
//!
//! | stage | model |
//! |---|---|
//! | routing | a destination no node owns: dropped (`unroutable`) |
//! | MTU | longer datagrams dropped (`mtu_dropped`) |
//! | rate limit | FIFO bottleneck at `rate_bps`: serialisation delay, tail drop when the backlog would exceed `queue_limit` bytes (`queue_dropped`) |
//! | loss | independent with probability `loss`, then Gilbert-Elliott two-state bursts (`lost`) |
//! | delay | `latency` + uniform `[0, jitter]` per datagram (jitter alone may reorder) |
//! | reordering | with probability `reorder`, held back by `reorder_delay` (`reordered`) |
//! | duplication | with probability `duplicate`, a second copy with its own jitter (`duplicated`) |
//!
//! `sent` counts every datagram offered, `delivered` every copy handed to a machine.
//!
//! # Call order
//!
//! After every `handle_datagram` or `handle_timeout` it gives a node, the simulator drains
//! that node: `poll_transmit` until `None` (each datagram goes through its link),
//! `poll_event` until `None` (into a per-node buffer, see [`Sim::take_events`]), then
//! `poll_timeout` (one live timer per node: a new deadline replaces the old one, stale queue
//! entries are ignored; a deadline in the past fires at once).
//!
//! Commands: give them through [`Sim::node_mut`]. **Every node is polled at the start of
//! [`Sim::step`], [`Sim::run`], [`Sim::run_for`] and [`Sim::run_until`]** (and after each call
//! of the `run_until` predicate, which may give commands too), so what a command queues is
//! never forgotten. [`Sim::with_node`] runs a closure with the virtual time and polls that node
//! at once.
//!
//! # Time, randomness, failure
//!
//! The clock starts at a base `Instant` (read once, in [`Sim::new`]) and only moves to the
//! time of the next queue entry; machines never see the wall clock. A step limit (default
//! 10 million, [`Sim::set_step_limit`]) turns a livelock into [`SimError::StepLimit`]. Every
//! [`SimError`] names its seed. The simulator prints its trace (the last 1000 deliveries,
//! drops, timeouts and `Debug`-formatted events, [`Sim::set_trace_capacity`]) and seed to
//! stderr when it returns an error, and when it is dropped during a panic (a failed assertion
//! in the test holding it). [`run_seeds`] runs a test body for many seeds and panics naming the failing one;
//! `STRATA_SIM_SEED=<n>` reruns just that seed.
//!
//! # Example
//!
//! A pinger sends three numbered pings, one per 10 ms timer; a ponger echoes them.
//!
//! ```
//! use std::{collections::VecDeque, net::SocketAddr, time::{Duration, Instant}};
//! use strata_sim::{Datagram, LinkConfig, Machine, Sim};
//!
//! struct Toy { me: SocketAddr, peer: SocketAddr, echo: bool, pings_left: u8,
//!              next: Option<Instant>, out: VecDeque<Datagram>, events: VecDeque<u8> }
//!
//! impl Machine for Toy {
//!     type Event = u8; // the number in each datagram received
//!     fn handle_datagram(&mut self, _now: Instant, from: SocketAddr, _to: SocketAddr, data: &[u8]) {
//!         self.events.push_back(data[0]);
//!         if self.echo {
//!             self.out.push_back(Datagram { from: self.me, to: from, data: data.to_vec() });
//!         }
//!     }
//!     fn handle_timeout(&mut self, now: Instant) {
//!         if self.next.is_some_and(|t| t <= now) {
//!             self.out.push_back(Datagram { from: self.me, to: self.peer, data: vec![self.pings_left] });
//!             self.pings_left -= 1;
//!             self.next = (self.pings_left > 0).then(|| now + Duration::from_millis(10));
//!         }
//!     }
//!     fn poll_transmit(&mut self, _now: Instant) -> Option<Datagram> { self.out.pop_front() }
//!     fn poll_event(&mut self) -> Option<u8> { self.events.pop_front() }
//!     fn poll_timeout(&self) -> Option<Instant> { self.next }
//! }
//!
//! let (a, b): (SocketAddr, SocketAddr) = ("10.0.0.1:1000".parse().unwrap(), "10.0.0.2:2000".parse().unwrap());
//! let mut sim = Sim::new(7);
//! sim.set_default_link(LinkConfig { latency: Duration::from_millis(25), ..LinkConfig::default() });
//! let toy = |me, peer, echo, pings_left, next| Toy { me, peer, echo, pings_left, next,
//!                                                    out: VecDeque::new(), events: VecDeque::new() };
//! let pinger = sim.add_node(a, toy(a, b, false, 3, Some(sim.now())));
//! let ponger = sim.add_node(b, toy(b, a, true, 0, None));
//! let mut echoes = Vec::new();
//! sim.run_until(Duration::from_secs(1), |s| {
//!     echoes.extend(s.take_events(pinger));
//!     echoes.len() == 3
//! }).unwrap();
//! assert_eq!(echoes, [3, 2, 1]);
//! assert_eq!(sim.elapsed(), Duration::from_millis(70)); // last ping at 20 ms + 2 × 25 ms
//! assert_eq!(sim.take_events(ponger), [3, 2, 1]);
//! assert_eq!(sim.link_stats(a, b).delivered, 3);
//! ```

mod error;
mod link;
mod sim;

use std::{
    net::SocketAddr,
    panic::{AssertUnwindSafe, catch_unwind},
    time::Instant,
};

pub use error::SimError;
pub use link::{DEFAULT_QUEUE_LIMIT, DropReason, GilbertElliott, LinkConfig, LinkStats};
pub use sim::{DEFAULT_STEP_LIMIT, DEFAULT_TRACE_CAPACITY, NodeId, Sim, TraceEntry, Traced, epoch};

/// Anything with the common sans-IO shape. Test code implements it for a thin wrapper around
/// a crate's real machine (mapping `handle_*` errors to events, for instance).
pub trait Machine {
    /// What the machine reports; `Debug` so a failing run can print a trace.
    type Event: std::fmt::Debug;
    /// A datagram arrived at `to` (one of this node's addresses) from `from`.
    fn handle_datagram(&mut self, now: Instant, from: SocketAddr, to: SocketAddr, data: &[u8]);
    /// The deadline last returned by `poll_timeout` has passed.
    fn handle_timeout(&mut self, now: Instant);
    /// The next datagram to send; `from` picks the link (and is what the receiver sees).
    fn poll_transmit(&mut self, now: Instant) -> Option<Datagram>;
    /// The next event.
    fn poll_event(&mut self) -> Option<Self::Event>;
    /// When `handle_timeout` should next be called.
    fn poll_timeout(&self) -> Option<Instant>;
}

/// A datagram in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    /// Source address, as the receiver sees it.
    pub from: SocketAddr,
    /// Destination address; the node owning it receives the datagram.
    pub to: SocketAddr,
    /// Payload.
    pub data: Vec<u8>,
}

/// Environment variable that selects the single seed [`run_seeds`] runs.
pub const SEED_ENV: &str = "STRATA_SIM_SEED";

/// Run `body` for seeds `0..n`, or only for the seed in `STRATA_SIM_SEED` if set.
///
/// # Panics
/// When `body` returns an error or panics, with a message naming the seed to rerun.
/// Also if `STRATA_SIM_SEED` is set but not a `u64`.
pub fn run_seeds<E: std::fmt::Debug>(n: u64, mut body: impl FnMut(u64) -> Result<(), E>) {
    let seeds = match std::env::var(SEED_ENV) {
        Ok(s) => {
            let seed = s.trim().parse::<u64>();
            let seed = seed.unwrap_or_else(|_| panic!("strata-sim: {SEED_ENV}={s:?} is not a u64"));
            seed..seed + 1
        }
        Err(_) => 0..n,
    };
    for seed in seeds {
        let failure = match catch_unwind(AssertUnwindSafe(|| body(seed))) {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => format!("{e:?}"),
            Err(p) => p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "panic".to_owned()),
        };
        panic!("strata-sim: failed with seed {seed}: {failure}\nrerun with {SEED_ENV}={seed}");
    }
}
