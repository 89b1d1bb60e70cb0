//! Receive side: TSN tracking for SACK (RFC 9260 §6.2), reassembly and ordered delivery
//! (§6.5, §6.9), FORWARD-TSN (RFC 3758 §3.6) and I-DATA (RFC 8260 §2.1).

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::event::{Event, Message};
use crate::serial::{Tsn, unwrap16, unwrap32};
use crate::wire::chunk::data_flags;

/// Most gap ranges held (each costs a gap block in SACKs); new holes beyond it are dropped.
const MAX_RANGES: usize = 256;
/// Most duplicate TSNs reported in one SACK.
const MAX_DUPS: usize = 32;
/// How far past the cumulative TSN we accept (gap block offsets are 16-bit).
const MAX_TSN_AHEAD: u64 = 65_000;

/// One fragment of a DATA message, held until its message is complete.
/// A run of consecutive fragments of one message, keyed by its last TSN.
struct Frag {
    sid: u16,
    ssn: u16,
    /// B from the run's first chunk, E from its last, U.
    flags: u8,
    ppid: u32,
    /// TSN of the run's first chunk.
    first: u64,
    data: Vec<u8>,
}

/// An I-DATA message under reassembly.
struct Partial {
    ppid: u32,
    frags: BTreeMap<u32, Vec<u8>>,
    last_fsn: Option<u32>,
    bytes: usize,
}

struct InStream {
    /// Next expected SSN (or ordered MID), unwrapped.
    next: u64,
    /// Complete ordered messages waiting for earlier ones, by unwrapped SSN/MID.
    ready: BTreeMap<u64, Message>,
    /// Reference for unwrapping unordered MIDs (I-DATA).
    unordered_ref: u64,
}

impl Default for InStream {
    fn default() -> Self {
        Self::new()
    }
}

impl InStream {
    fn new() -> Self {
        InStream {
            next: 1 << 32,
            ready: BTreeMap::new(),
            unordered_ref: 1 << 32,
        }
    }
    fn unwrap16(&self, v: u16) -> u64 {
        unwrap16(self.next, v)
    }
    fn unwrap32(reference: u64, v: u32) -> u64 {
        unwrap32(reference, v)
    }
}

/// Outcome of one DATA chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RxOutcome {
    /// New data accepted.
    Accepted,
    /// Already received (reported as a duplicate).
    Duplicate,
    /// No room or out of window: dropped, the sender will retransmit.
    Dropped,
    /// A message would exceed the maximum message size: abort.
    TooLarge,
}

pub(crate) struct Receiver {
    /// Last TSN received in sequence (unwrapped).
    cum: u64,
    /// Received TSN ranges above `cum + 1`, sorted and disjoint.
    ranges: Vec<(u64, u64)>,
    dups: Vec<Tsn>,
    frags: BTreeMap<u64, Frag>,
    partials: BTreeMap<(u16, bool, u64), Partial>,
    streams: HashMap<u16, InStream>,
    /// Bytes held in `frags`, `partials` and `ready`.
    held: usize,
    pub(crate) capacity: usize,
    max_message: usize,
}

impl Receiver {
    pub(crate) fn new(peer_initial_tsn: Tsn, capacity: usize, max_message: usize) -> Self {
        Receiver {
            cum: (1u64 << 32) + u64::from(peer_initial_tsn.0) - 1,
            ranges: Vec::new(),
            dups: Vec::new(),
            frags: BTreeMap::new(),
            partials: BTreeMap::new(),
            streams: HashMap::new(),
            held: 0,
            capacity,
            max_message,
        }
    }

    fn unwrap(&self, t: Tsn) -> u64 {
        unwrap32(self.cum, t.0)
    }

    /// The cumulative TSN ack to report.
    pub(crate) fn cum_tsn(&self) -> Tsn {
        Tsn(self.cum as u32)
    }

    /// Bytes held for reassembly or ordering.
    pub(crate) fn held(&self) -> usize {
        self.held
    }

    /// True when there are holes (SACK must go out at once, RFC 9260 §6.7).
    pub(crate) fn has_gaps(&self) -> bool {
        !self.ranges.is_empty()
    }

    pub(crate) fn has_dups(&self) -> bool {
        !self.dups.is_empty()
    }

    /// Gap blocks relative to the cumulative TSN, and duplicates (drained).
    pub(crate) fn sack_blocks(&mut self, gaps: &mut Vec<(u16, u16)>, dups: &mut Vec<Tsn>) {
        gaps.clear();
        for &(s, e) in &self.ranges {
            gaps.push(((s - self.cum) as u16, (e - self.cum) as u16));
        }
        dups.clear();
        dups.append(&mut self.dups);
    }

    fn is_received(&self, t: u64) -> bool {
        t <= self.cum || self.ranges.iter().any(|&(s, e)| s <= t && t <= e)
    }

    /// Records `t` as received; false if a new hole would exceed the range limit.
    fn record(&mut self, t: u64) -> bool {
        if t == self.cum + 1 {
            self.cum = t;
            if let Some(&(s, e)) = self.ranges.first()
                && s == self.cum + 1
            {
                self.cum = e;
                self.ranges.remove(0);
            }
            return true;
        }
        let i = self.ranges.partition_point(|&(_, e)| e < t);
        let joins_prev = i > 0 && self.ranges[i - 1].1 + 1 == t;
        let joins_next = i < self.ranges.len() && self.ranges[i].0 == t + 1;
        match (joins_prev, joins_next) {
            (true, true) => {
                self.ranges[i - 1].1 = self.ranges[i].1;
                self.ranges.remove(i);
            }
            (true, false) => self.ranges[i - 1].1 = t,
            (false, true) => self.ranges[i].0 = t,
            (false, false) => {
                if self.ranges.len() >= MAX_RANGES {
                    return false;
                }
                self.ranges.insert(i, (t, t));
            }
        }
        true
    }

    /// Handles one DATA or I-DATA chunk. `pending` is the number of bytes already delivered
    /// but not yet read by the application (they count against the window).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn on_data(
        &mut self,
        tsn: Tsn,
        sid: u16,
        flags: u8,
        ssn_or_mid: u32,
        ppid_or_fsn: u32,
        payload: &[u8],
        idata: bool,
        pending: usize,
        events: &mut VecDeque<Event>,
    ) -> RxOutcome {
        let t = self.unwrap(tsn);
        if self.is_received(t) {
            if self.dups.len() < MAX_DUPS {
                self.dups.push(tsn);
            }
            return RxOutcome::Duplicate;
        }
        if t > self.cum + MAX_TSN_AHEAD {
            return RxOutcome::Dropped;
        }
        let used = self.held + pending;
        // Past the window only the next in-sequence TSN gets in (it can complete messages),
        // and never past twice the window (RFC 9260 §6.2 allows dropping).
        if used + payload.len() > self.capacity
            && (t != self.cum + 1 || used + payload.len() > 2 * self.capacity)
        {
            return RxOutcome::Dropped;
        }
        if payload.len() > self.max_message {
            return RxOutcome::TooLarge;
        }
        if !self.record(t) {
            return RxOutcome::Dropped;
        }
        let r = if idata {
            self.on_idata_payload(sid, flags, ssn_or_mid, ppid_or_fsn, payload, events)
        } else {
            self.on_data_payload(
                t,
                sid,
                flags,
                ssn_or_mid as u16,
                ppid_or_fsn,
                payload,
                events,
            )
        };
        if r {
            RxOutcome::Accepted
        } else {
            RxOutcome::TooLarge
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_data_payload(
        &mut self,
        t: u64,
        sid: u16,
        flags: u8,
        ssn: u16,
        ppid: u32,
        payload: &[u8],
        events: &mut VecDeque<Event>,
    ) -> bool {
        let unordered = flags & data_flags::U != 0;
        if flags & (data_flags::B | data_flags::E) == (data_flags::B | data_flags::E) {
            let msg = Message {
                stream_id: sid,
                ppid,
                unordered,
                data: payload.to_vec(),
            };
            self.complete(msg, ssn, events);
            return true;
        }
        self.held += payload.len();
        let same = |f: &Frag| {
            f.sid == sid && (f.flags & data_flags::U) == (flags & data_flags::U) && {
                unordered || f.ssn == ssn
            }
        };
        // Fragments arriving in order extend the run ending just before them: no copy
        // per fragment beyond the append, and no concatenation when the message completes.
        let extends = flags & data_flags::B == 0
            && self
                .frags
                .get(&(t - 1))
                .is_some_and(|p| same(p) && p.flags & data_flags::E == 0);
        if extends {
            let mut run = self
                .frags
                .remove(&(t - 1))
                .expect("invariant: checked above");
            run.data.extend_from_slice(payload);
            run.flags |= flags & data_flags::E;
            if run.data.len() > self.max_message {
                return false;
            }
            self.frags.insert(t, run);
        } else {
            self.frags.insert(
                t,
                Frag {
                    sid,
                    ssn,
                    flags,
                    ppid,
                    first: t,
                    data: payload.to_vec(),
                },
            );
        }
        // Walk back to the run holding the beginning fragment.
        let mut size = self.frags[&t].data.len();
        let mut start = t;
        loop {
            let r = &self.frags[&start];
            if r.flags & data_flags::B != 0 {
                break;
            }
            let pk = r.first - 1;
            match self.frags.get(&pk) {
                Some(p) if same(p) && p.flags & data_flags::E == 0 => {
                    start = pk;
                    size += p.data.len();
                }
                _ => return size <= self.max_message,
            }
        }
        // And forward to the run holding the ending fragment.
        let mut end = t;
        loop {
            if self.frags[&end].flags & data_flags::E != 0 {
                break;
            }
            match self.frags.range(end + 1..).next() {
                Some((k, n)) if n.first == end + 1 && same(n) && n.flags & data_flags::B == 0 => {
                    size += n.data.len();
                    end = *k;
                }
                _ => return size <= self.max_message,
            }
        }
        if size > self.max_message {
            return false;
        }
        let first = self
            .frags
            .remove(&start)
            .expect("invariant: walked run exists");
        self.held -= first.data.len();
        let ppid = first.ppid;
        let mut data = first.data;
        while let Some(k) = self.frags.range(start..=end).next().map(|(k, _)| *k) {
            let f = self.frags.remove(&k).expect("invariant: key from range");
            self.held -= f.data.len();
            data.extend_from_slice(&f.data);
        }
        let msg = Message {
            stream_id: sid,
            ppid,
            unordered,
            data,
        };
        self.complete(msg, ssn, events);
        true
    }

    fn on_idata_payload(
        &mut self,
        sid: u16,
        flags: u8,
        mid: u32,
        ppid_or_fsn: u32,
        payload: &[u8],
        events: &mut VecDeque<Event>,
    ) -> bool {
        let unordered = flags & data_flags::U != 0;
        let st = self.streams.entry(sid).or_default();
        let umid = if unordered {
            let u = InStream::unwrap32(st.unordered_ref, mid);
            st.unordered_ref = st.unordered_ref.max(u);
            u
        } else {
            InStream::unwrap32(st.next, mid)
        };
        if !unordered && umid < st.next {
            return true; // stale (skipped by I-FORWARD-TSN)
        }
        if flags & (data_flags::B | data_flags::E) == (data_flags::B | data_flags::E) {
            let msg = Message {
                stream_id: sid,
                ppid: ppid_or_fsn,
                unordered,
                data: payload.to_vec(),
            };
            self.complete_mid(msg, umid, events);
            return true;
        }
        let key = (sid, unordered, umid);
        let p = self.partials.entry(key).or_insert_with(|| Partial {
            ppid: 0,
            frags: BTreeMap::new(),
            last_fsn: None,
            bytes: 0,
        });
        let fsn = if flags & data_flags::B != 0 {
            p.ppid = ppid_or_fsn;
            0
        } else {
            ppid_or_fsn
        };
        if flags & data_flags::E != 0 {
            p.last_fsn = Some(fsn);
        }
        if p.frags.contains_key(&fsn) {
            return true;
        }
        p.bytes += payload.len();
        self.held += payload.len();
        if p.bytes > self.max_message {
            return false;
        }
        p.frags.insert(fsn, payload.to_vec());
        let complete = matches!(p.last_fsn, Some(l) if p.frags.len() as u64 == u64::from(l) + 1);
        if complete {
            let p = self
                .partials
                .remove(&key)
                .expect("invariant: partial exists");
            self.held -= p.bytes;
            let mut data = Vec::with_capacity(p.bytes);
            for (_, f) in p.frags {
                data.extend_from_slice(&f);
            }
            let msg = Message {
                stream_id: sid,
                ppid: p.ppid,
                unordered,
                data,
            };
            self.complete_mid(msg, umid, events);
        }
        true
    }

    /// Delivers or parks a complete DATA message (`seq` is its SSN).
    fn complete(&mut self, msg: Message, ssn: u16, events: &mut VecDeque<Event>) {
        if msg.unordered {
            events.push_back(Event::Message(msg));
            return;
        }
        let st = self.streams.entry(msg.stream_id).or_default();
        let s = st.unwrap16(ssn);
        self.park(msg, s, events);
    }

    fn complete_mid(&mut self, msg: Message, umid: u64, events: &mut VecDeque<Event>) {
        if msg.unordered {
            events.push_back(Event::Message(msg));
        } else {
            self.park(msg, umid, events);
        }
    }

    fn park(&mut self, msg: Message, s: u64, events: &mut VecDeque<Event>) {
        let sid = msg.stream_id;
        let st = self.streams.entry(sid).or_default();
        if s < st.next {
            return; // stale: skipped by FORWARD-TSN
        }
        if s > st.next {
            self.held += msg.data.len();
            st.ready.insert(s, msg);
            return;
        }
        events.push_back(Event::Message(msg));
        st.next += 1;
        self.drain_ready(sid, events);
    }

    fn drain_ready(&mut self, sid: u16, events: &mut VecDeque<Event>) {
        let Some(st) = self.streams.get_mut(&sid) else {
            return;
        };
        while let Some(e) = st.ready.first_entry() {
            if *e.key() != st.next {
                break;
            }
            let m = e.remove();
            self.held -= m.data.len();
            st.next += 1;
            events.push_back(Event::Message(m));
        }
    }

    /// FORWARD-TSN (RFC 3758 §3.6): skip to `new_cum`, drop abandoned fragments, and move
    /// each listed ordered stream past the given SSN.
    pub(crate) fn on_forward_tsn(
        &mut self,
        new_cum: Tsn,
        streams: impl Iterator<Item = (u16, u16)>,
        events: &mut VecDeque<Event>,
    ) {
        let n = self.unwrap(new_cum);
        if n > self.cum {
            if n > self.cum + MAX_TSN_AHEAD {
                return;
            }
            self.cum = n;
            self.ranges.retain(|&(_, e)| e > n);
            if let Some(r) = self.ranges.first_mut()
                && r.0 <= n
            {
                r.0 = n + 1;
            }
            if let Some(&(s, e)) = self.ranges.first()
                && s == self.cum + 1
            {
                self.cum = e;
                self.ranges.remove(0);
            }
            let keep = self.frags.split_off(&(n + 1));
            for f in self.frags.values() {
                self.held -= f.data.len();
            }
            self.frags = keep;
        }
        for (sid, ssn) in streams {
            let st = self.streams.entry(sid).or_default();
            let s = st.unwrap16(ssn);
            self.skip_stream_to(sid, s, events);
        }
    }

    /// I-FORWARD-TSN (RFC 8260 §2.2).
    pub(crate) fn on_i_forward_tsn(
        &mut self,
        new_cum: Tsn,
        entries: impl Iterator<Item = (u16, bool, u32)>,
        events: &mut VecDeque<Event>,
    ) {
        self.on_forward_tsn(new_cum, core::iter::empty(), events);
        for (sid, unordered, mid) in entries {
            let st = self.streams.entry(sid).or_default();
            let reference = if unordered { st.unordered_ref } else { st.next };
            let m = InStream::unwrap32(reference, mid);
            let doomed: Vec<_> = self
                .partials
                .range((sid, unordered, 0)..=(sid, unordered, m))
                .map(|(k, _)| *k)
                .collect();
            for k in doomed {
                if let Some(p) = self.partials.remove(&k) {
                    self.held -= p.bytes;
                }
            }
            if !unordered {
                self.skip_stream_to(sid, m, events);
            }
        }
    }

    /// Delivers parked messages up to `s`, then moves the stream past `s`.
    fn skip_stream_to(&mut self, sid: u16, s: u64, events: &mut VecDeque<Event>) {
        let Some(st) = self.streams.get_mut(&sid) else {
            return;
        };
        if s < st.next {
            return;
        }
        let later = st.ready.split_off(&(s + 1));
        let earlier = core::mem::replace(&mut st.ready, later);
        for (_, m) in earlier {
            self.held -= m.data.len();
            events.push_back(Event::Message(m));
        }
        st.next = s + 1;
        // Drop DATA fragments of ordered messages on this stream at or before `s`.
        let stale: Vec<u64> = self
            .frags
            .iter()
            .filter(|(_, f)| {
                f.sid == sid && f.flags & data_flags::U == 0 && {
                    let d = i64::from(f.ssn.wrapping_sub(s as u16) as i16);
                    d <= 0
                }
            })
            .map(|(k, _)| *k)
            .collect();
        for k in stale {
            if let Some(f) = self.frags.remove(&k) {
                self.held -= f.data.len();
            }
        }
        self.drain_ready(sid, events);
    }

    /// RFC 6525 §5.2.2: the peer reset these incoming streams; SSNs restart at 0.
    pub(crate) fn reset_streams(&mut self, sids: &[u16]) {
        for &sid in sids {
            if let Some(st) = self.streams.remove(&sid) {
                for (_, m) in st.ready {
                    self.held -= m.data.len();
                }
            }
        }
    }

    /// Highest TSN received, for RE-CONFIG "last TSN" checks.
    pub(crate) fn has_received_through(&self, last_tsn: Tsn) -> bool {
        self.unwrap(last_tsn) <= self.cum
    }
}
