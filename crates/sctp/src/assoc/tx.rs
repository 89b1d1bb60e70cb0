//! Send side: queueing and fragmentation (RFC 9260 §6.9), SACK processing (§6.2.1),
//! Max.Burst (§6.1 D), retransmission timer and RTO (§6.3), fast retransmit (§7.2.4),
//! congestion control (§7.2), partial reliability (RFC 3758 §3.5) and I-DATA (RFC 8260).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::event::Event;
use crate::serial::{Mid, Ssn, Tsn, unwrap32};
use crate::wire::chunk::{
    ChunkType, DATA_HEADER_LEN, Data, I_DATA_HEADER_LEN, IData, data_flags, write_data, write_idata,
};
use crate::wire::pad4;

/// RFC 9260 §16 Max.Burst: DATA packets sent in answer to one SACK, whatever cwnd allows.
/// Bursts larger than this overflow a slow receiver's socket buffer or a shallow bottleneck
/// queue.
pub(crate) const MAX_BURST: u16 = 4;

/// Most burst credit held: a caller that feeds several SACKs before draining (a driver
/// reading a batch of datagrams) gets Max.Burst packets per SACK, up to this many.
const BURST_CREDIT_CAP: u16 = 16 * MAX_BURST;

/// Per-message partial reliability (RFC 3758 §3.5, RFC 8831 §6.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendOptions {
    /// Deliver without ordering (U bit).
    pub unordered: bool,
    /// Abandon after this many retransmissions (0 = send once).
    pub max_retransmits: Option<u16>,
    /// Abandon when not acknowledged within this time of `send`.
    pub lifetime: Option<Duration>,
}

struct OutMsg {
    id: u64,
    sid: u16,
    seq: u32,
    ppid: u32,
    unordered: bool,
    data: Arc<Vec<u8>>,
    offset: usize,
    fsn: u32,
    expires: Option<Instant>,
    max_rtx: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Inflight,
    GapAcked,
    Retransmit,
    Abandoned,
}

struct Sent {
    msg: u64,
    sid: u16,
    seq: u32,
    ppid_or_fsn: u32,
    flags: u8,
    data: Arc<Vec<u8>>,
    start: u32,
    len: u32,
    state: St,
    transmissions: u16,
    sent_at: Instant,
    miss: u8,
    /// Fast retransmitted once already: only T3-rtx may send it again (RFC 9260 §7.2.4 step 5).
    fast_rtx: bool,
    /// Order of its latest transmission among all DATA transmissions.
    sent_seq: u64,
    expires: Option<Instant>,
    max_rtx: Option<u16>,
}

/// RTO estimation (RFC 9260 §6.3.1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rto {
    srtt: Option<Duration>,
    rttvar: Duration,
    pub(crate) rto: Duration,
    min: Duration,
    max: Duration,
}

impl Rto {
    pub(crate) fn new(initial: Duration, min: Duration, max: Duration) -> Self {
        Rto {
            srtt: None,
            rttvar: Duration::ZERO,
            rto: initial,
            min,
            max,
        }
    }
    /// RFC 9260 §6.3.1 C2/C3 with RTO.Alpha = 1/8, RTO.Beta = 1/4.
    pub(crate) fn sample(&mut self, r: Duration) {
        match self.srtt {
            None => {
                self.srtt = Some(r);
                self.rttvar = r / 2;
            }
            Some(s) => {
                let diff = s.abs_diff(r);
                self.rttvar = self.rttvar * 3 / 4 + diff / 4;
                self.srtt = Some(s * 7 / 8 + r / 8);
            }
        }
        let s = self.srtt.expect("invariant: set above");
        self.rto = (s + (self.rttvar * 4).max(Duration::from_millis(1))).clamp(self.min, self.max);
    }
    /// RFC 9260 §6.3.3 E2: back off.
    pub(crate) fn backoff(&mut self) {
        self.rto = (self.rto * 2).min(self.max);
    }
    pub(crate) fn srtt(&self) -> Option<Duration> {
        self.srtt
    }
}

#[derive(Default)]
struct StreamOut {
    next_ordered: u32,
    next_unordered: u32,
    buffered: usize,
    low_threshold: usize,
}

pub(crate) struct Sender {
    next_tsn: u64,
    /// Last TSN cumulatively acknowledged by the peer (unwrapped).
    cum: u64,
    /// RFC 3758 Advanced.Peer.Ack.Point.
    adv: u64,
    queue: VecDeque<OutMsg>,
    out: VecDeque<Sent>,
    next_msg_id: u64,
    streams: HashMap<u16, StreamOut>,
    pub(crate) buffered: usize,
    pub(crate) capacity: usize,
    pub(crate) flight: usize,
    rtx_count: usize,
    pub(crate) peer_rwnd: usize,
    pub(crate) cwnd: usize,
    pub(crate) ssthresh: usize,
    pba: usize,
    fast_recovery: Option<u64>,
    fast_rtx_pending: bool,
    /// Scratch list of (stream, bytes) acknowledged by one SACK.
    freed: Vec<(u16, usize)>,
    /// DATA packets still allowed before the next SACK (Max.Burst credit).
    burst: u16,
    /// When DATA was last sent (idle cwnd decay).
    last_data: Option<Instant>,
    /// DATA transmissions so far (first ones and retransmissions), to order them.
    tx_seq: u64,
    pub(crate) rto: Rto,
    pub(crate) t3: Option<Instant>,
    mtu: usize,
    pub(crate) idata: bool,
    pub(crate) pr: bool,
    pub(crate) fwd_tsn_needed: bool,
    /// Counters.
    pub(crate) retransmissions: u64,
    pub(crate) t3_expirations: u64,
    pub(crate) fast_recoveries: u64,
}

impl Sender {
    pub(crate) fn new(
        initial_tsn: Tsn,
        peer_rwnd: u32,
        mtu: usize,
        capacity: usize,
        rto: Rto,
    ) -> Self {
        let base = (1u64 << 32) + u64::from(initial_tsn.0);
        Sender {
            next_tsn: base,
            cum: base - 1,
            adv: base - 1,
            queue: VecDeque::new(),
            out: VecDeque::new(),
            next_msg_id: 0,
            streams: HashMap::new(),
            buffered: 0,
            capacity,
            flight: 0,
            rtx_count: 0,
            peer_rwnd: peer_rwnd as usize,
            // RFC 9260 §7.2.1.
            cwnd: (4 * mtu).min((2 * mtu).max(4380)),
            ssthresh: peer_rwnd as usize,
            pba: 0,
            fast_recovery: None,
            fast_rtx_pending: false,
            freed: Vec::new(),
            burst: MAX_BURST,
            last_data: None,
            tx_seq: 0,
            rto,
            t3: None,
            mtu,
            idata: false,
            pr: false,
            fwd_tsn_needed: false,
            retransmissions: 0,
            t3_expirations: 0,
            fast_recoveries: 0,
        }
    }

    fn unwrap(&self, t: Tsn) -> u64 {
        unwrap32(self.cum, t.0)
    }

    /// The next TSN to be assigned.
    pub(crate) fn next_tsn(&self) -> Tsn {
        Tsn(self.next_tsn as u32)
    }

    /// True when nothing is queued or outstanding.
    pub(crate) fn is_idle(&self) -> bool {
        self.queue.is_empty() && self.out.is_empty()
    }

    pub(crate) fn buffered_amount(&self, sid: u16) -> usize {
        self.streams.get(&sid).map_or(0, |s| s.buffered)
    }

    pub(crate) fn set_low_threshold(&mut self, sid: u16, v: usize) {
        self.streams.entry(sid).or_default().low_threshold = v;
    }

    /// Queues a message. The caller checked state, size and stream.
    pub(crate) fn enqueue(
        &mut self,
        now: Instant,
        sid: u16,
        ppid: u32,
        data: Vec<u8>,
        opts: SendOptions,
    ) -> Result<(), crate::Error> {
        if self.buffered + data.len() > self.capacity {
            return Err(crate::Error::WouldBlock);
        }
        let st = self.streams.entry(sid).or_default();
        let seq = if opts.unordered {
            if self.idata {
                let s = st.next_unordered;
                st.next_unordered = s.wrapping_add(1);
                s
            } else {
                0
            }
        } else {
            let s = st.next_ordered;
            st.next_ordered = if self.idata {
                s.wrapping_add(1)
            } else {
                u32::from((s as u16).wrapping_add(1))
            };
            s
        };
        st.buffered += data.len();
        self.buffered += data.len();
        let id = self.next_msg_id;
        self.next_msg_id += 1;
        self.queue.push_back(OutMsg {
            id,
            sid,
            seq,
            ppid,
            unordered: opts.unordered,
            data: Arc::new(data),
            offset: 0,
            fsn: 0,
            expires: opts.lifetime.map(|l| now + l),
            max_rtx: opts.max_retransmits,
        });
        Ok(())
    }

    fn release(&mut self, sid: u16, n: usize, events: &mut VecDeque<Event>) {
        self.buffered -= n;
        if let Some(st) = self.streams.get_mut(&sid) {
            let before = st.buffered;
            st.buffered -= n;
            if before > st.low_threshold && st.buffered <= st.low_threshold {
                events.push_back(Event::BufferedAmountLow(sid));
            }
        }
    }

    /// RFC 6525 §6.1: SSNs of a reset outgoing stream restart at 0.
    pub(crate) fn reset_stream(&mut self, sid: u16) {
        if let Some(st) = self.streams.get_mut(&sid) {
            st.next_ordered = 0;
            st.next_unordered = 0;
        }
    }

    /// True if a message on `sid` is queued or in flight.
    pub(crate) fn stream_busy(&self, sid: u16) -> bool {
        self.queue.iter().any(|m| m.sid == sid)
            || self
                .out
                .iter()
                .any(|c| c.sid == sid && c.state != St::GapAcked && c.state != St::Abandoned)
    }

    fn should_abandon(c: &Sent, now: Instant) -> bool {
        c.expires.is_some_and(|e| now >= e) || c.max_rtx.is_some_and(|m| c.transmissions > m)
    }

    /// RFC 3758 §3.5 A3: abandons every chunk of a message (and its unsent rest).
    fn abandon(&mut self, msg: u64, events: &mut VecDeque<Event>) {
        let mut freed: Vec<(u16, usize)> = Vec::new();
        for c in self.out.iter_mut().filter(|c| c.msg == msg) {
            match c.state {
                St::Inflight => self.flight -= c.len as usize,
                St::Retransmit => self.rtx_count -= 1,
                St::GapAcked | St::Abandoned => continue,
            }
            c.state = St::Abandoned;
            freed.push((c.sid, c.len as usize));
        }
        if let Some(i) = self.queue.iter().position(|m| m.id == msg) {
            let m = self
                .queue
                .remove(i)
                .expect("invariant: index from position");
            freed.push((m.sid, m.data.len() - m.offset));
        }
        for (sid, n) in freed {
            self.release(sid, n, events);
        }
        self.advance_adv();
    }

    fn advance_adv(&mut self) {
        if self.adv < self.cum {
            self.adv = self.cum;
        }
        loop {
            let idx = (self.adv - self.cum) as usize;
            match self.out.get(idx) {
                Some(c) if c.state == St::Abandoned => self.adv += 1,
                _ => break,
            }
        }
        if self.adv > self.cum {
            self.fwd_tsn_needed = true;
        }
    }

    /// Writes FORWARD-TSN or I-FORWARD-TSN (RFC 3758 §3.2, RFC 8260 §2.2) if needed and it fits.
    pub(crate) fn write_forward_tsn(&mut self, out: &mut Vec<u8>, limit: usize) {
        if !self.fwd_tsn_needed || self.adv <= self.cum {
            self.fwd_tsn_needed = false;
            return;
        }
        let mut entries: Vec<(u16, bool, u32)> = Vec::new();
        for c in self.out.iter().take((self.adv - self.cum) as usize) {
            let unordered = c.flags & data_flags::U != 0;
            if unordered && !self.idata {
                continue;
            }
            match entries
                .iter_mut()
                .find(|e| e.0 == c.sid && e.1 == unordered)
            {
                Some(e) => {
                    if self.idata {
                        if Mid(e.2).lt(Mid(c.seq)) {
                            e.2 = c.seq;
                        }
                    } else if Ssn(e.2 as u16).lt(Ssn(c.seq as u16)) {
                        e.2 = c.seq;
                    }
                }
                None => entries.push((c.sid, unordered, c.seq)),
            }
        }
        let per = if self.idata { 8 } else { 4 };
        let len = 8 + per * entries.len();
        if out.len() + pad4(len) > limit {
            return;
        }
        let ty = if self.idata {
            ChunkType::I_FORWARD_TSN
        } else {
            ChunkType::FORWARD_TSN
        };
        out.push(ty.0);
        out.push(0);
        out.extend_from_slice(&(len as u16).to_be_bytes());
        out.extend_from_slice(&(self.adv as u32).to_be_bytes());
        for (sid, u, seq) in entries {
            out.extend_from_slice(&sid.to_be_bytes());
            if self.idata {
                out.extend_from_slice(&u16::from(u).to_be_bytes());
                out.extend_from_slice(&seq.to_be_bytes());
            } else {
                out.extend_from_slice(&(seq as u16).to_be_bytes());
            }
        }
        self.fwd_tsn_needed = false;
    }

    fn write_chunk(idata: bool, out: &mut Vec<u8>, tsn: u64, c: &Sent) {
        let payload = &c.data[c.start as usize..(c.start + c.len) as usize];
        if idata {
            write_idata(
                out,
                &IData {
                    flags: c.flags,
                    tsn: Tsn(tsn as u32),
                    stream_id: c.sid,
                    mid: Mid(c.seq),
                    ppid_or_fsn: c.ppid_or_fsn,
                    payload,
                },
            );
        } else {
            write_data(
                out,
                &Data {
                    flags: c.flags,
                    tsn: Tsn(tsn as u32),
                    stream_id: c.sid,
                    ssn: Ssn(c.seq as u16),
                    ppid: c.ppid_or_fsn,
                    payload,
                },
            );
        }
    }

    /// Appends DATA chunks (retransmissions first, then new data) to the packet in `out`,
    /// within `limit` bytes, the congestion window, the peer's window and Max.Burst. Returns
    /// the number of chunks written.
    pub(crate) fn fill(
        &mut self,
        now: Instant,
        out: &mut Vec<u8>,
        limit: usize,
        events: &mut VecDeque<Event>,
    ) -> usize {
        // RFC 9260 §6.1 D: at most Max.Burst packets per SACK, applied by limiting the
        // packets emitted (cwnd itself is never touched), retransmissions included; the one
        // fast retransmission packet of §7.2.4 step 3 is exempt. With nothing in flight no
        // SACK may come to grant more, so one packet may go.
        let exempt = self.fast_rtx_pending && self.rtx_count > 0;
        if !exempt && self.burst == 0 && self.flight > 0 {
            return 0;
        }
        self.idle_decay(now);
        let n = self.fill_window(now, out, limit, events);
        if n > 0 {
            self.last_data = Some(now);
            if !exempt {
                self.burst = self.burst.saturating_sub(1);
            }
        }
        n
    }

    /// RFC 9260 §7.2.1: after a period without sending data, cwnd decays to
    /// max(cwnd / 2, 4 * MTU) per RTO of silence, so a stale window is not sent at once.
    fn idle_decay(&mut self, now: Instant) {
        if self.flight > 0 || self.rtx_count > 0 {
            return;
        }
        let Some(last) = self.last_data else { return };
        let rto = self.rto.rto.max(Duration::from_millis(1));
        let idle = now.saturating_duration_since(last);
        let periods = (idle.as_micros() / rto.as_micros()).min(32) as u32;
        for _ in 0..periods {
            self.cwnd = (self.cwnd / 2).max(4 * self.mtu);
        }
        if periods > 0 {
            self.last_data = Some(now);
        }
    }

    fn fill_window(
        &mut self,
        now: Instant,
        out: &mut Vec<u8>,
        limit: usize,
        events: &mut VecDeque<Event>,
    ) -> usize {
        let hdr = if self.idata {
            I_DATA_HEADER_LEN
        } else {
            DATA_HEADER_LEN
        };
        let mut written = 0;
        if self.rtx_count > 0 {
            let mut i = 0;
            while i < self.out.len() && self.rtx_count > 0 {
                if self.out[i].state != St::Retransmit {
                    i += 1;
                    continue;
                }
                if self.pr && Self::should_abandon(&self.out[i], now) {
                    let m = self.out[i].msg;
                    self.abandon(m, events);
                    i += 1;
                    continue;
                }
                if !self.fast_rtx_pending && self.flight >= self.cwnd {
                    break;
                }
                let need = pad4(hdr + self.out[i].len as usize);
                if out.len() + need > limit {
                    break;
                }
                let tsn = self.cum + 1 + i as u64;
                Self::write_chunk(self.idata, out, tsn, &self.out[i]);
                if i == 0 {
                    // §7.2.4 step 4: retransmitting the earliest outstanding chunk restarts T3.
                    self.t3 = Some(now + self.rto.rto);
                }
                let c = &mut self.out[i];
                c.state = St::Inflight;
                c.transmissions += 1;
                c.sent_at = now;
                c.sent_seq = self.tx_seq;
                self.tx_seq += 1;
                c.miss = 0;
                self.flight += c.len as usize;
                self.rtx_count -= 1;
                self.retransmissions += 1;
                written += 1;
                i += 1;
            }
            if written > 0 {
                self.fast_rtx_pending = false;
            }
            if self.rtx_count > 0 {
                if written > 0 && self.t3.is_none() {
                    self.t3 = Some(now + self.rto.rto);
                }
                return written;
            }
        }
        // Nothing left to fast retransmit: the one-packet exemption from cwnd lapses.
        self.fast_rtx_pending = false;
        let max_frag = (self.mtu - crate::wire::packet::HEADER_LEN - hdr) & !3;
        while self.flight < self.cwnd {
            let Some(front) = self.queue.front() else {
                break;
            };
            if front.offset == 0 && self.pr && front.expires.is_some_and(|e| now >= e) {
                let id = front.id;
                self.abandon_unsent(id, events);
                continue;
            }
            let remaining = front.data.len() - front.offset;
            let room = limit.saturating_sub(out.len() + hdr) & !3;
            let len = remaining.min(max_frag).min(room);
            if len == 0 || (len < remaining && len < 256) {
                break;
            }
            if self.peer_rwnd < len && self.flight > 0 {
                break;
            }
            let front = self.queue.front_mut().expect("invariant: checked above");
            let mut flags = 0;
            if front.offset == 0 {
                flags |= data_flags::B;
            }
            if front.offset + len == front.data.len() {
                flags |= data_flags::E;
            }
            if front.unordered {
                flags |= data_flags::U;
            }
            let ppid_or_fsn = if !self.idata || front.offset == 0 {
                front.ppid
            } else {
                front.fsn
            };
            let c = Sent {
                msg: front.id,
                sid: front.sid,
                seq: front.seq,
                ppid_or_fsn,
                flags,
                data: front.data.clone(),
                start: front.offset as u32,
                len: len as u32,
                state: St::Inflight,
                transmissions: 1,
                sent_at: now,
                miss: 0,
                fast_rtx: false,
                sent_seq: self.tx_seq,
                expires: front.expires,
                max_rtx: front.max_rtx,
            };
            front.offset += len;
            front.fsn += 1;
            if front.offset == front.data.len() {
                self.queue.pop_front();
            } else if self.idata && self.queue.len() > 1 {
                // RFC 8260 §1: with I-DATA a large message need not block the others; take
                // turns one fragment at a time (receivers order by MID).
                let m = self.queue.pop_front().expect("invariant: front exists");
                self.queue.push_back(m);
            }
            let tsn = self.next_tsn;
            self.next_tsn += 1;
            self.tx_seq += 1;
            Self::write_chunk(self.idata, out, tsn, &c);
            self.out.push_back(c);
            self.flight += len;
            self.peer_rwnd = self.peer_rwnd.saturating_sub(len);
            written += 1;
        }
        if written > 0 && self.t3.is_none() {
            self.t3 = Some(now + self.rto.rto);
        }
        written
    }

    /// A SACK acknowledged data, or T3-rtx fired: [`MAX_BURST`] more packets may follow
    /// (RFC 9260 §6.1 D).
    fn grant_burst(&mut self) {
        self.burst = (self.burst + MAX_BURST).min(BURST_CREDIT_CAP);
    }

    /// The caller drained every packet: credit a drain did not use carries over only up to
    /// Max.Burst (enough that a sparse write is not held back until the peer's delayed SACK),
    /// so one drain sends at most Max.Burst × (SACKs fed since the last drain + 1) packets.
    pub(crate) fn end_drain(&mut self) {
        self.burst = self.burst.min(MAX_BURST);
    }

    /// The application wrote. With nothing outstanding, Max.Burst packets may go and any
    /// older credit is stale; otherwise writes grant nothing, so a loop of writes cannot
    /// send a window's worth back to back.
    pub(crate) fn app_wrote(&mut self) {
        if self.flight == 0 && self.rtx_count == 0 {
            self.burst = MAX_BURST;
        }
    }

    fn abandon_unsent(&mut self, id: u64, events: &mut VecDeque<Event>) {
        if let Some(i) = self.queue.iter().position(|m| m.id == id) {
            let m = self
                .queue
                .remove(i)
                .expect("invariant: index from position");
            self.release(m.sid, m.data.len() - m.offset, events);
            if m.offset > 0 {
                self.abandon(id, events);
            }
        }
    }

    /// Processes a SACK (RFC 9260 §6.2.1, §7.2). Returns true if it acknowledged new data.
    pub(crate) fn on_sack(
        &mut self,
        now: Instant,
        cum_tsn: Tsn,
        a_rwnd: u32,
        gaps: impl Iterator<Item = (u16, u16)>,
        events: &mut VecDeque<Event>,
    ) -> bool {
        let c = self.unwrap(cum_tsn);
        if c < self.cum || c >= self.next_tsn {
            // Stale (out-of-order) SACK, or one acknowledging TSNs never sent: ignore.
            return false;
        }
        let flight_full = self.flight + self.mtu >= self.cwnd;
        let mut acked = 0usize;
        let mut rtt: Option<Duration> = None;
        let advanced = c > self.cum;
        // Reused across SACKs: no allocation per SACK in the steady state.
        let mut freed = std::mem::take(&mut self.freed);
        // The latest transmission this SACK newly acknowledges: only chunks sent before it
        // can have been passed over (a retransmission is not "missing" because an original
        // sent before it arrived first).
        let mut newest_acked: Option<u64> = None;
        while self.cum < c {
            let s = self.out.pop_front().expect("invariant: cum < next_tsn");
            self.cum += 1;
            if matches!(s.state, St::Inflight | St::Retransmit) {
                newest_acked = newest_acked.max(Some(s.sent_seq));
            }
            match s.state {
                St::Inflight => {
                    self.flight -= s.len as usize;
                    acked += s.len as usize;
                    freed.push((s.sid, s.len as usize));
                }
                St::Retransmit => {
                    self.rtx_count -= 1;
                    acked += s.len as usize;
                    freed.push((s.sid, s.len as usize));
                }
                St::GapAcked | St::Abandoned => {}
            }
            if s.transmissions == 1 && s.state == St::Inflight {
                rtt = Some(now.saturating_duration_since(s.sent_at));
            }
        }
        // HTNA (RFC 9260 §7.2.4): the highest TSN newly acknowledged by this SACK, and the
        // highest it reports received at all.
        let mut highest_new = c;
        let mut highest_reported = c;
        for (start, end) in gaps {
            if end < start || start == 0 {
                continue;
            }
            highest_reported = highest_reported.max(c + u64::from(end).min(self.out.len() as u64));
            for off in start..=end {
                let idx = usize::from(off) - 1;
                let Some(s) = self.out.get_mut(idx) else {
                    break;
                };
                match s.state {
                    St::Inflight => self.flight -= s.len as usize,
                    St::Retransmit => self.rtx_count -= 1,
                    St::GapAcked | St::Abandoned => continue,
                }
                if s.transmissions == 1 && s.state == St::Inflight && rtt.is_none() {
                    rtt = Some(now.saturating_duration_since(s.sent_at));
                }
                newest_acked = newest_acked.max(Some(s.sent_seq));
                s.state = St::GapAcked;
                acked += s.len as usize;
                freed.push((s.sid, s.len as usize));
                highest_new = highest_new.max(c + u64::from(off));
            }
        }
        for (sid, n) in freed.drain(..) {
            self.release(sid, n, events);
        }
        self.freed = freed;
        // Fast recovery ends once the cumulative ack reaches its exit point (§7.2.4 step 6).
        let in_recovery = self.fast_recovery.is_some();
        if let Some(exit) = self.fast_recovery
            && c >= exit
        {
            self.fast_recovery = None;
        }
        // Fast retransmit (RFC 9260 §7.2.4): miss indications for missing TSNs below the
        // highest newly acknowledged one; in fast recovery, a SACK that advances the
        // cumulative ack counts every TSN it reports missing.
        let upto = if in_recovery && advanced {
            highest_reported
        } else {
            highest_new
        };
        let mut marked = false;
        if upto > c {
            for s in self.out.iter_mut().take((upto - c - 1) as usize) {
                // Step 5: a chunk is fast retransmitted at most once; T3-rtx covers the rest.
                if s.state == St::Inflight
                    && !s.fast_rtx
                    && newest_acked.is_some_and(|n| s.sent_seq < n)
                {
                    s.miss = s.miss.saturating_add(1);
                    if s.miss >= 3 {
                        s.state = St::Retransmit;
                        s.fast_rtx = true;
                        self.flight -= s.len as usize;
                        self.rtx_count += 1;
                        marked = true;
                    }
                }
            }
        }
        if marked && self.fast_recovery.is_none() {
            // Steps 2, 3 and 6, once per window: halve cwnd (§7.2.3), send one packet of the
            // earliest marked chunks whatever cwnd says, and enter fast recovery. Chunks
            // marked during recovery wait for cwnd.
            self.ssthresh = (self.cwnd / 2).max(4 * self.mtu);
            self.cwnd = self.ssthresh;
            self.pba = 0;
            self.fast_recovery = Some(self.next_tsn - 1);
            self.fast_recoveries += 1;
            self.fast_rtx_pending = true;
        }
        if advanced && self.fast_recovery.is_none() && acked > 0 {
            if self.cwnd <= self.ssthresh {
                if flight_full {
                    self.cwnd += acked.min(self.mtu);
                }
            } else {
                self.pba += acked;
                if self.pba >= self.cwnd && flight_full {
                    self.pba -= self.cwnd;
                    self.cwnd += self.mtu;
                }
            }
        }
        self.peer_rwnd = (a_rwnd as usize).saturating_sub(self.flight);
        if self.flight == 0 && self.rtx_count == 0 {
            // Nothing outstanding: credit from earlier SACKs is stale.
            self.burst = MAX_BURST;
        } else if acked > 0 {
            self.grant_burst();
        }
        if let Some(r) = rtt {
            self.rto.sample(r);
        }
        if self.flight == 0 && self.rtx_count == 0 {
            self.t3 = None;
        } else if advanced {
            self.t3 = Some(now + self.rto.rto);
        }
        if self.pr {
            if self.adv < self.cum {
                self.adv = self.cum;
            }
            // RFC 3758 §3.5 C: keep sending FORWARD-TSN while the peer lags behind.
            self.advance_adv();
        }
        advanced || acked > 0
    }

    /// T3-rtx expiry (RFC 9260 §6.3.3). Returns true if anything was outstanding.
    pub(crate) fn on_t3(&mut self, now: Instant, events: &mut VecDeque<Event>) -> bool {
        self.t3 = None;
        if self.out.is_empty() {
            return false;
        }
        self.t3_expirations += 1;
        self.grant_burst();
        self.rto.backoff();
        self.ssthresh = (self.cwnd / 2).max(4 * self.mtu);
        self.cwnd = self.mtu;
        self.pba = 0;
        self.fast_recovery = None;
        let mut doomed = Vec::new();
        for s in self.out.iter_mut() {
            if matches!(s.state, St::Inflight | St::Retransmit) {
                // A new round of transmissions: its losses may be fast retransmitted again
                // (the §7.2.4 once-only mark covers one loss event, not the chunk's life).
                s.fast_rtx = false;
                s.miss = 0;
            }
            if s.state == St::Inflight {
                s.state = St::Retransmit;
                self.flight -= s.len as usize;
                self.rtx_count += 1;
                if self.pr && Self::should_abandon(s, now) {
                    doomed.push(s.msg);
                }
            }
        }
        for m in doomed {
            self.abandon(m, events);
        }
        // The earliest outstanding chunk goes out even with a closed peer window.
        self.fast_rtx_pending = true;
        self.t3 = Some(now + self.rto.rto);
        true
    }

    /// Abandons queued and outstanding messages whose lifetime expired (RFC 3758 §3.5 A2).
    pub(crate) fn expire(&mut self, now: Instant, events: &mut VecDeque<Event>) {
        if !self.pr {
            return;
        }
        let doomed: Vec<u64> = self
            .out
            .iter()
            .filter(|c| c.state != St::Abandoned && c.state != St::GapAcked)
            .filter(|c| c.expires.is_some_and(|e| now >= e))
            .map(|c| c.msg)
            .collect();
        for m in doomed {
            self.abandon(m, events);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn rfc9260_6_3_1_rto_calculation() {
        let mut r = Rto::new(ms(1000), ms(100), ms(60_000));
        r.sample(ms(100));
        // C2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 * RTTVAR.
        assert_eq!(r.rto, ms(300));
        r.sample(ms(200));
        // C3: RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5.
        assert_eq!(r.rto, Duration::from_micros(112_500 + 250_000));
        r.backoff();
        assert_eq!(r.rto, Duration::from_micros(725_000));
        for _ in 0..20 {
            r.backoff();
        }
        assert_eq!(r.rto, ms(60_000), "capped at RTO.Max");
        let mut r = Rto::new(ms(1000), ms(200), ms(60_000));
        r.sample(ms(1));
        assert_eq!(r.rto, ms(200), "floored at RTO.Min");
    }

    fn sender() -> (Sender, Instant, VecDeque<Event>) {
        let s = Sender::new(
            Tsn(1000),
            1 << 20,
            1200,
            1 << 22,
            Rto::new(ms(1000), ms(200), ms(60_000)),
        );
        let now = strata_sim::epoch();
        (s, now, VecDeque::new())
    }

    /// Queues `n` messages of 1000 bytes on stream 0.
    fn queue(s: &mut Sender, now: Instant, n: usize) {
        for _ in 0..n {
            s.enqueue(now, 0, 53, vec![0; 1000], SendOptions::default())
                .unwrap();
        }
    }

    /// Sends everything the windows allow, one packet at a time, as if an input arrived
    /// between packets (so Max.Burst does not bind); returns packets sent.
    fn send_all(s: &mut Sender, now: Instant, ev: &mut VecDeque<Event>) -> usize {
        let mut n = 0;
        loop {
            s.burst = MAX_BURST;
            let mut out = vec![0u8; 12];
            if s.fill(now, &mut out, 1200, ev) == 0 {
                return n;
            }
            n += 1;
        }
    }

    /// A sender (with `cwnd` if given) that queued `n` messages and sent what the windows
    /// allow.
    fn sending(cwnd: Option<usize>, n: usize) -> (Sender, Instant, VecDeque<Event>) {
        let (mut s, now, mut ev) = sender();
        if let Some(c) = cwnd {
            s.cwnd = c;
        }
        queue(&mut s, now, n);
        send_all(&mut s, now, &mut ev);
        (s, now, ev)
    }

    /// One output opportunity: packets until `fill` writes nothing, without a new input.
    fn drain(s: &mut Sender, now: Instant, ev: &mut VecDeque<Event>) -> Vec<Vec<u8>> {
        let mut pkts = Vec::new();
        loop {
            let mut out = vec![0u8; 12];
            if s.fill(now, &mut out, 1200, ev) == 0 {
                return pkts;
            }
            pkts.push(out);
        }
    }

    fn tsn_of(pkt: &[u8]) -> u32 {
        u32::from_be_bytes(pkt[16..20].try_into().unwrap())
    }

    #[test]
    fn rfc9260_6_1_max_burst_per_sack() {
        let (mut s, now, mut ev) = sender();
        s.cwnd = 1 << 20;
        queue(&mut s, now, 100);
        // A large open cwnd and a write: Max.Burst packets, not the whole window.
        s.app_wrote();
        assert_eq!(drain(&mut s, now, &mut ev).len(), usize::from(MAX_BURST));
        // More writes with data outstanding grant nothing.
        s.app_wrote();
        assert!(drain(&mut s, now, &mut ev).is_empty());
        // Each SACK that acknowledges data grants Max.Burst more; two SACKs fed before
        // draining (a driver reading a batch) grant two bursts.
        assert!(s.on_sack(now, Tsn(1001), 1 << 20, core::iter::empty(), &mut ev));
        assert!(s.on_sack(now, Tsn(1002), 1 << 20, core::iter::empty(), &mut ev));
        let pkts = drain(&mut s, now, &mut ev);
        assert_eq!(pkts.len(), 2 * usize::from(MAX_BURST));
        assert_eq!(tsn_of(&pkts[0]), 1004);
        // A SACK for everything: credit left over is stale; one burst again.
        s.burst = 10;
        assert!(s.on_sack(now, Tsn(1011), 1 << 20, core::iter::empty(), &mut ev));
        assert_eq!(drain(&mut s, now, &mut ev).len(), usize::from(MAX_BURST));
        // Nothing in flight and no credit: one packet may go (no SACK could grant more).
        assert!(s.on_sack(now, Tsn(1015), 1 << 20, core::iter::empty(), &mut ev));
        s.burst = 0;
        assert_eq!(drain(&mut s, now, &mut ev).len(), 1);
    }

    #[test]
    fn rfc9260_7_2_1_cwnd_decays_per_rto_of_idleness() {
        let (mut s, now, mut ev) = sender();
        s.cwnd = 100_000;
        let mut t = now;
        for round in 0..3u32 {
            s.enqueue(t, 0, 53, vec![0; 1000], SendOptions::default())
                .unwrap();
            s.burst = MAX_BURST;
            assert_eq!(drain(&mut s, t, &mut ev).len(), 1);
            let acked = Tsn(1000 + round);
            assert!(s.on_sack(t, acked, 1 << 20, core::iter::empty(), &mut ev));
            assert_eq!(s.flight, 0);
            let rto = s.rto.rto;
            match round {
                // Idle for less than an RTO: no change.
                0 => t += rto / 2,
                // Three RTOs: halved three times.
                1 => t += rto * 3,
                _ => {}
            }
        }
        assert_eq!(s.cwnd, 100_000 / 8);
        // Never below 4 * MTU.
        s.enqueue(t, 0, 53, vec![0; 1000], SendOptions::default())
            .unwrap();
        t += s.rto.rto * 30;
        s.burst = MAX_BURST;
        drain(&mut s, t, &mut ev);
        assert_eq!(s.cwnd, 4 * 1200);
    }

    #[test]
    fn rfc9260_7_2_4_fast_retransmit_at_most_once_per_chunk() {
        let (mut s, now, mut ev) = sending(Some(100_000), 40);
        // TSN 1000 lost; three SACKs newly acking 1001, 1002, 1003 mark it.
        for end in 1..=3u16 {
            s.on_sack(now, Tsn(999), 1 << 20, [(2, end + 1)].into_iter(), &mut ev);
        }
        assert_eq!(s.rtx_count, 1);
        s.burst = MAX_BURST;
        let pkts = drain(&mut s, now, &mut ev);
        assert_eq!(tsn_of(&pkts[0]), 1000);
        assert_eq!(s.retransmissions, 1);
        // The retransmission is slow to arrive while later originals keep being acked: many
        // more miss indications, but the chunk is not fast retransmitted a second time.
        for end in 4..=30u16 {
            s.on_sack(now, Tsn(999), 1 << 20, [(2, end + 1)].into_iter(), &mut ev);
            s.burst = MAX_BURST;
            for p in drain(&mut s, now, &mut ev) {
                assert_ne!(tsn_of(&p), 1000, "fast retransmitted twice");
            }
        }
        assert_eq!(s.retransmissions, 1);
        // Only T3-rtx sends it again.
        let t3 = s.t3.expect("T3 runs");
        assert!(s.on_t3(t3, &mut ev));
        assert_eq!(tsn_of(&drain(&mut s, t3, &mut ev)[0]), 1000);
    }

    #[test]
    fn rfc9260_7_2_4_originals_acked_after_a_retransmission_are_no_miss_indication() {
        let (mut s, _, mut ev) = sending(Some(100_000), 10);
        // The queue to the peer is slow: T3 fires with everything still on its way.
        let t3 = s.t3.expect("T3 runs");
        assert!(s.on_t3(t3, &mut ev));
        // One packet past cwnd (1 MTU), then one within it.
        let tsns: Vec<u32> = drain(&mut s, t3, &mut ev)
            .iter()
            .map(|p| tsn_of(p))
            .collect();
        assert_eq!(tsns, [1000, 1001]);
        assert_eq!(s.rtx_count, 8);
        // The originals of 1000 and 1001 are lost; those of 1002..1004, sent before the
        // retransmissions, arrive and are acknowledged one SACK at a time. Newer TSNs, but
        // older transmissions: they say nothing about the retransmissions.
        for end in 3..=5u16 {
            s.on_sack(t3, Tsn(999), 1 << 20, [(3, end)].into_iter(), &mut ev);
        }
        for c in s.out.iter().take(2) {
            assert_eq!((c.state, c.miss), (St::Inflight, 0));
        }
        assert_eq!(s.rtx_count, 5, "1005..1009 still marked by T3");
    }

    #[test]
    fn rfc9260_7_2_4_one_cwnd_reduction_per_recovery() {
        let (mut s, now, mut ev) = sending(Some(40_000), 60);
        assert_eq!(s.flight, 40_000);
        // TSNs 1000 and 1005 lost in the same window.
        let sack = |s: &mut Sender, ev: &mut VecDeque<Event>, end: u16| {
            s.on_sack(now, Tsn(999), 1 << 20, [(2, 5), (7, end)].into_iter(), ev)
        };
        for end in 7..=9u16 {
            sack(&mut s, &mut ev, end);
        }
        // 1000 has 3 miss indications (1007, 1008, 1009 newly acked), 1005 too.
        assert_eq!(s.fast_recoveries, 1);
        assert_eq!(s.ssthresh, 20_000);
        assert_eq!(s.cwnd, 20_000);
        let cwnd = s.cwnd;
        // One packet goes out whatever cwnd says (flight is still above it).
        s.burst = MAX_BURST;
        assert!(s.flight > s.cwnd);
        let pkts = drain(&mut s, now, &mut ev);
        assert_eq!(pkts.len(), 1, "one packet, not one per marked chunk");
        assert_eq!(tsn_of(&pkts[0]), 1000);
        // Another loss in the same window (1011) is marked during recovery: no second
        // reduction, and no second packet past cwnd.
        for end in 13..=15u16 {
            s.on_sack(
                now,
                Tsn(999),
                1 << 20,
                [(2, 5), (7, 11), (13, end)].into_iter(),
                &mut ev,
            );
        }
        assert_eq!(s.rtx_count, 2);
        assert_eq!(s.fast_recoveries, 1);
        assert_eq!(s.cwnd, cwnd);
        assert!(s.flight > s.cwnd);
        s.burst = MAX_BURST;
        assert!(drain(&mut s, now, &mut ev).is_empty(), "cwnd is full");
        // Acks free the window: 1005 and 1011 go out as cwnd allows.
        s.on_sack(
            now,
            Tsn(999),
            1 << 20,
            [(2, 5), (7, 11), (13, 30)].into_iter(),
            &mut ev,
        );
        s.burst = MAX_BURST;
        let tsns: Vec<u32> = drain(&mut s, now, &mut ev)
            .iter()
            .map(|p| tsn_of(p))
            .collect();
        assert_eq!(&tsns[..2], &[1005, 1011]);
        assert!(s.flight <= s.cwnd + 1200);
        // The cumulative ack reaching the exit point (the highest TSN outstanding at entry,
        // 1039) ends recovery.
        s.on_sack(now, Tsn(1039), 1 << 20, core::iter::empty(), &mut ev);
        assert!(s.fast_recovery.is_none());
        assert_eq!(s.rtx_count, 0);
    }

    #[test]
    fn rfc9260_7_2_1_slow_start_then_congestion_avoidance() {
        let (mut s, now, mut ev) = sender();
        // Initial cwnd = min(4 * MTU, max(2 * MTU, 4380)).
        assert_eq!(s.cwnd, 4380);
        queue(&mut s, now, 200);
        let sent = send_all(&mut s, now, &mut ev);
        assert_eq!(
            sent, 5,
            "cwnd admits 5 chunks of 1000 (flight < cwnd before each)"
        );
        // One SACK acking 2 chunks in slow start grows cwnd by min(acked, MTU).
        let before = s.cwnd;
        assert!(s.on_sack(now, Tsn(1001), 1 << 20, core::iter::empty(), &mut ev));
        assert_eq!(s.cwnd, before + 1200);
        // Force congestion avoidance: cwnd grows by one MTU per cwnd of acknowledged bytes.
        s.ssthresh = s.cwnd - 1;
        let cwnd = s.cwnd;
        let mut acked_to = 1001u32;
        let mut acked_bytes = 0;
        while acked_bytes < cwnd {
            send_all(&mut s, now, &mut ev);
            acked_to += 1;
            acked_bytes += 1000;
            s.on_sack(now, Tsn(acked_to), 1 << 20, core::iter::empty(), &mut ev);
        }
        assert_eq!(s.cwnd, cwnd + 1200);
    }

    #[test]
    fn rfc9260_6_3_3_t3_expiry_collapses_cwnd_and_backs_off() {
        let (mut s, now, mut ev) = sending(None, 10);
        let cwnd = s.cwnd;
        let rto = s.rto.rto;
        assert!(s.t3.is_some());
        assert!(s.on_t3(now + rto, &mut ev));
        assert_eq!(s.cwnd, 1200);
        assert_eq!(s.ssthresh, (cwnd / 2).max(4 * 1200));
        assert_eq!(s.rto.rto, rto * 2);
        assert_eq!(s.flight, 0);
        // The earliest chunk is retransmitted first, in one packet.
        let mut out = vec![0u8; 12];
        assert!(s.fill(now + rto, &mut out, 1200, &mut ev) >= 1);
        assert_eq!(&out[16..20], &1000u32.to_be_bytes(), "TSN 1000 again");
        assert_eq!(s.retransmissions, 1);
    }

    #[test]
    fn rfc9260_7_2_4_fast_retransmit_after_three_miss_indications() {
        let (mut s, now, mut ev) = sending(Some(100_000), 10);
        // TSN 1000 lost; SACKs report 1001.., 1001..1002, 1001..1003.
        for end in 1..=3u16 {
            s.on_sack(
                now,
                Tsn(999),
                1 << 20,
                [(1u16 + 1, end + 1)].into_iter(),
                &mut ev,
            );
            if end < 3 {
                assert_eq!(s.rtx_count, 0, "after {end} miss indications");
            }
        }
        assert_eq!(s.rtx_count, 1);
        assert_eq!(s.ssthresh, 50_000, "max(cwnd / 2, 4 * MTU)");
        assert_eq!(s.cwnd, s.ssthresh);
        let mut out = vec![0u8; 12];
        // Fast retransmit goes out even though cwnd is nominally full.
        s.flight = s.cwnd;
        assert_eq!(s.fill(now, &mut out, 1200, &mut ev), 1);
        assert_eq!(&out[16..20], &1000u32.to_be_bytes());
    }
}
