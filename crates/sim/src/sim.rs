//! The simulator: nodes, links, the event queue and the virtual clock.

use std::{
    cmp::{Ordering, Reverse},
    collections::{BTreeMap, BinaryHeap, HashMap, VecDeque},
    fmt::Write as _,
    net::SocketAddr,
    sync::OnceLock,
    time::{Duration, Instant},
};

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

use crate::{
    Datagram, Machine, SEED_ENV, SimError,
    link::{DropReason, Fate, Link, LinkConfig, LinkStats},
};

/// Default step limit: generous for any real test, finite for a livelock.
pub const DEFAULT_STEP_LIMIT: u64 = 10_000_000;
/// Default number of trace entries kept.
pub const DEFAULT_TRACE_CAPACITY: usize = 1000;

/// The base of virtual time, shared by every simulation of the process so that the same seed
/// gives the same `Instant`s (and the same `Debug` output of events holding them).
///
/// Unit tests of protocol crates take their `now` from here too, so no protocol crate reads a
/// clock, not even in its tests.
pub fn epoch() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    // The one clock read: any instant will do, only offsets from it matter.
    #[allow(clippy::disallowed_methods)]
    *BASE.get_or_init(Instant::now)
}

/// A node of the simulation, as returned by [`Sim::add_node`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(usize);

impl NodeId {
    /// Index of the node, in order of `add_node` calls.
    pub fn index(self) -> usize {
        self.0
    }
}

/// One line of the trace log. `at` is virtual time since the start of the simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEntry {
    /// Virtual time since the start.
    pub at: Duration,
    /// What happened.
    pub what: Traced,
}

/// What a [`TraceEntry`] records.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Traced {
    /// A datagram was handed to its destination.
    Deliver {
        /// Source address.
        from: SocketAddr,
        /// Destination address.
        to: SocketAddr,
        /// Length in bytes.
        len: usize,
    },
    /// A datagram was dropped when sent.
    Drop {
        /// Source address.
        from: SocketAddr,
        /// Destination address.
        to: SocketAddr,
        /// Length in bytes.
        len: usize,
        /// Why.
        reason: DropReason,
    },
    /// A node's timer fired.
    Timeout(NodeId),
    /// A node emitted an event (its `Debug` form).
    Event(NodeId, String),
}

struct Node<M: Machine> {
    machine: M,
    events: Vec<M::Event>,
    /// The one live timer: its deadline and the sequence number of its queue entry.
    timer: Option<(Instant, u64)>,
}

enum Action {
    Deliver(NodeId, Datagram),
    Timeout(NodeId),
}

struct Entry {
    at: Instant,
    seq: u64,
    action: Action,
}

// The queue orders by (time, insertion sequence) only, so ties are broken deterministically.
impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// A deterministic virtual network of sans-IO machines. See the crate docs for the run loop.
pub struct Sim<M: Machine> {
    seed: u64,
    rng: ChaCha8Rng,
    start: Instant,
    now: Instant,
    nodes: Vec<Node<M>>,
    addrs: HashMap<SocketAddr, NodeId>,
    // BTreeMap: iteration order must not depend on a hasher.
    links: BTreeMap<(SocketAddr, SocketAddr), Link>,
    default_link: LinkConfig,
    queue: BinaryHeap<Reverse<Entry>>,
    seq: u64,
    steps: u64,
    step_limit: u64,
    trace: VecDeque<TraceEntry>,
    trace_capacity: usize,
}

impl<M: Machine> Sim<M> {
    /// A simulation whose every random choice comes from `seed` (ChaCha8).
    pub fn new(seed: u64) -> Self {
        let start = epoch();
        Self {
            seed,
            rng: ChaCha8Rng::seed_from_u64(seed),
            start,
            now: start,
            nodes: Vec::new(),
            addrs: HashMap::new(),
            links: BTreeMap::new(),
            default_link: LinkConfig::default(),
            queue: BinaryHeap::new(),
            seq: 0,
            steps: 0,
            step_limit: DEFAULT_STEP_LIMIT,
            trace: VecDeque::new(),
            trace_capacity: DEFAULT_TRACE_CAPACITY,
        }
    }

    /// The seed of this run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The virtual clock.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Virtual time since the start of the simulation.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// Steps (deliveries and timeouts) processed so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Add a machine reachable at `addr`.
    ///
    /// # Panics
    /// If `addr` already belongs to a node.
    pub fn add_node(&mut self, addr: SocketAddr, machine: M) -> NodeId {
        let id = NodeId(self.nodes.len());
        self.nodes.push(Node {
            machine,
            events: Vec::new(),
            timer: None,
        });
        self.add_addr(id, addr);
        id
    }

    /// Make `addr` reach node `id` too (a node with several interfaces or candidates).
    ///
    /// # Panics
    /// If `addr` already belongs to a node.
    pub fn add_addr(&mut self, id: NodeId, addr: SocketAddr) {
        let old = self.addrs.insert(addr, id);
        assert!(
            old.is_none(),
            "strata-sim: address {addr} already belongs to a node"
        );
    }

    /// Configure the direction `from -> to`. Counters are kept.
    pub fn set_link(&mut self, from: SocketAddr, to: SocketAddr, cfg: LinkConfig) {
        self.links.entry((from, to)).or_default().cfg = Some(cfg);
    }

    /// Configure both directions between `a` and `b` alike.
    pub fn set_link_both(&mut self, a: SocketAddr, b: SocketAddr, cfg: LinkConfig) {
        self.set_link(a, b, cfg.clone());
        self.set_link(b, a, cfg);
    }

    /// The configuration of every direction not set with [`Sim::set_link`].
    pub fn set_default_link(&mut self, cfg: LinkConfig) {
        self.default_link = cfg;
    }

    /// The machine of node `id`.
    pub fn node(&self, id: NodeId) -> &M {
        &self.nodes[id.0].machine
    }

    /// The machine of node `id`, to give it commands. `step`, `run`, `run_for` and `run_until`
    /// poll every node before they process anything (`run_until` also after each `pred`
    /// call), so what a command queues is never forgotten; [`Sim::with_node`] and
    /// [`Sim::poll_node`] poll at once.
    pub fn node_mut(&mut self, id: NodeId) -> &mut M {
        &mut self.nodes[id.0].machine
    }

    /// Run `f` on node `id` with the current virtual time, then poll the node.
    pub fn with_node<R>(&mut self, id: NodeId, f: impl FnOnce(&mut M, Instant) -> R) -> R {
        let r = f(&mut self.nodes[id.0].machine, self.now);
        self.poll_node(id);
        r
    }

    /// Events the node has emitted since the last call.
    pub fn take_events(&mut self, id: NodeId) -> Vec<M::Event> {
        std::mem::take(&mut self.nodes[id.0].events)
    }

    /// Counters of the direction `from -> to` (all zero if never used).
    pub fn link_stats(&self, from: SocketAddr, to: SocketAddr) -> LinkStats {
        self.links
            .get(&(from, to))
            .map(|l| l.stats)
            .unwrap_or_default()
    }

    /// Datagrams sent to addresses no node owns, over all links.
    pub fn unroutable(&self) -> u64 {
        self.links.values().map(|l| l.stats.unroutable).sum()
    }

    /// Fail with [`SimError::StepLimit`] once `n` steps have been processed in total.
    pub fn set_step_limit(&mut self, n: u64) {
        self.step_limit = n;
    }

    /// Keep the last `n` trace entries (0 turns tracing off).
    pub fn set_trace_capacity(&mut self, n: usize) {
        self.trace_capacity = n;
        while self.trace.len() > n {
            self.trace.pop_front();
        }
    }

    /// The kept trace entries, oldest first.
    pub fn trace(&self) -> impl Iterator<Item = &TraceEntry> {
        self.trace.iter()
    }

    /// The kept trace as text, one entry a line, with the seed on top.
    pub fn format_trace(&self) -> String {
        let mut s = format!(
            "strata-sim trace (seed {}, last {} entries):\n",
            self.seed,
            self.trace.len()
        );
        for e in &self.trace {
            let _ = writeln!(s, "  {:>12?} {:?}", e.at, e.what);
        }
        s
    }

    /// Drain node `id`: transmits go through their links, events into its buffer, and its
    /// timer is re-read. The simulator does this after every `handle_*` call.
    pub fn poll_node(&mut self, id: NodeId) {
        let now = self.now;
        while let Some(d) = self.nodes[id.0].machine.poll_transmit(now) {
            self.send(d);
        }
        while let Some(ev) = self.nodes[id.0].machine.poll_event() {
            if self.trace_capacity > 0 {
                self.record(Traced::Event(id, format!("{ev:?}")));
            }
            self.nodes[id.0].events.push(ev);
        }
        let node = &mut self.nodes[id.0];
        match node.machine.poll_timeout() {
            None => node.timer = None,
            Some(t) if node.timer.is_some_and(|(at, _)| at == t.max(now)) => {}
            Some(t) => {
                // A deadline in the past fires now; the earlier entry, if any, goes stale.
                let at = t.max(now);
                self.seq += 1;
                node.timer = Some((at, self.seq));
                let entry = Entry {
                    at,
                    seq: self.seq,
                    action: Action::Timeout(id),
                };
                self.queue.push(Reverse(entry));
            }
        }
    }

    /// Poll every node, in order of creation.
    pub fn poll_all(&mut self) {
        for i in 0..self.nodes.len() {
            self.poll_node(NodeId(i));
        }
    }

    /// Process the next delivery or timeout, advancing the clock to it. Returns `false` when
    /// nothing is left to happen.
    pub fn step(&mut self) -> Result<bool, SimError> {
        self.poll_all();
        self.process_next()
    }

    /// `step` without the initial poll of every node.
    fn process_next(&mut self) -> Result<bool, SimError> {
        if self.next_at().is_none() {
            return Ok(false);
        }
        if self.steps >= self.step_limit {
            return Err(self.fail(SimError::StepLimit {
                seed: self.seed,
                steps: self.steps,
            }));
        }
        let Reverse(entry) = self.queue.pop().expect("invariant: next_at saw an entry");
        self.steps += 1;
        self.now = self.now.max(entry.at);
        match entry.action {
            Action::Deliver(id, d) => {
                if let Some(link) = self.links.get_mut(&(d.from, d.to)) {
                    link.stats.delivered += 1;
                }
                self.record(Traced::Deliver {
                    from: d.from,
                    to: d.to,
                    len: d.data.len(),
                });
                self.nodes[id.0]
                    .machine
                    .handle_datagram(self.now, d.from, d.to, &d.data);
                self.poll_node(id);
            }
            Action::Timeout(id) => {
                self.nodes[id.0].timer = None;
                self.record(Traced::Timeout(id));
                self.nodes[id.0].machine.handle_timeout(self.now);
                self.poll_node(id);
            }
        }
        Ok(true)
    }

    /// Step until `pred` holds (checked before every step), for at most `deadline` of virtual
    /// time from now. Fails with [`SimError::Deadline`] (the clock is then at the deadline),
    /// [`SimError::Idle`] or [`SimError::StepLimit`].
    pub fn run_until(
        &mut self,
        deadline: Duration,
        mut pred: impl FnMut(&mut Self) -> bool,
    ) -> Result<(), SimError> {
        let end = self.now + deadline;
        self.poll_all();
        loop {
            // After a step only the stepped node can have output, and it has been polled.
            if pred(self) {
                return Ok(());
            }
            // pred may have given commands.
            self.poll_all();
            match self.next_at() {
                None => {
                    let at = self.elapsed();
                    return Err(self.fail(SimError::Idle {
                        seed: self.seed,
                        at,
                    }));
                }
                Some(t) if t > end => {
                    self.now = end;
                    let at = self.elapsed();
                    return Err(self.fail(SimError::Deadline {
                        seed: self.seed,
                        at,
                    }));
                }
                Some(_) => {
                    self.process_next()?;
                }
            }
        }
    }

    /// Process everything due within `d` of virtual time, then set the clock to now + `d`.
    pub fn run_for(&mut self, d: Duration) -> Result<(), SimError> {
        let end = self.now + d;
        self.poll_all();
        while self.next_at().is_some_and(|t| t <= end) {
            self.process_next()?;
        }
        self.now = self.now.max(end);
        Ok(())
    }

    /// Step until nothing is left to happen. A machine with a periodic timer never idles:
    /// this then ends in [`SimError::StepLimit`]; prefer `run_until` or `run_for`.
    pub fn run(&mut self) -> Result<(), SimError> {
        self.poll_all();
        while self.process_next()? {}
        Ok(())
    }

    /// Time of the next live queue entry, discarding stale timer entries.
    fn next_at(&mut self) -> Option<Instant> {
        while let Some(Reverse(e)) = self.queue.peek() {
            if let Action::Timeout(id) = e.action
                && self.nodes[id.0].timer != Some((e.at, e.seq))
            {
                self.queue.pop();
                continue;
            }
            return Some(e.at);
        }
        None
    }

    /// Route one datagram through its link.
    fn send(&mut self, d: Datagram) {
        let now = self.now;
        let (from, to, len) = (d.from, d.to, d.data.len());
        let link = self.links.entry((from, to)).or_default();
        let Some(&dest) = self.addrs.get(&to) else {
            link.stats.sent += 1;
            link.stats.unroutable += 1;
            self.record(Traced::Drop {
                from,
                to,
                len,
                reason: DropReason::Unroutable,
            });
            return;
        };
        match link.offer(&self.default_link, now, len, &mut self.rng) {
            Fate::Drop(reason) => self.record(Traced::Drop {
                from,
                to,
                len,
                reason,
            }),
            Fate::Deliver { at, copy_at } => {
                if let Some(copy_at) = copy_at {
                    self.push(copy_at, Action::Deliver(dest, d.clone()));
                }
                self.push(at, Action::Deliver(dest, d));
            }
        }
    }

    fn push(&mut self, at: Instant, action: Action) {
        self.seq += 1;
        self.queue.push(Reverse(Entry {
            at,
            seq: self.seq,
            action,
        }));
    }

    fn record(&mut self, what: Traced) {
        if self.trace_capacity == 0 {
            return;
        }
        if self.trace.len() == self.trace_capacity {
            self.trace.pop_front();
        }
        self.trace.push_back(TraceEntry {
            at: self.now - self.start,
            what,
        });
    }

    /// Print the trace to stderr (shown by the test harness on failure) and pass `e` on.
    fn fail(&self, e: SimError) -> SimError {
        if self.trace_capacity > 0 {
            eprintln!("{}", self.format_trace());
        }
        eprintln!("strata-sim: {e}");
        e
    }
}

/// A test that panics while a simulation is alive (a failed assertion) gets its trace and seed.
impl<M: Machine> Drop for Sim<M> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if self.trace_capacity > 0 {
                eprintln!("{}", self.format_trace());
            }
            let seed = self.seed;
            eprintln!("strata-sim: panic during a run with seed {seed} ({SEED_ENV}={seed})");
        }
    }
}
