//! The association state machine (RFC 9260 §4, §5, §6, §8, §9; RFC 6525; RFC 3758).

mod cookie;
mod rx;
mod tx;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

use crate::config::Config;
use crate::error::{CloseReason, Error};
use crate::event::Event;
use crate::serial::Tsn;
use crate::wire::cause::{Cause, CauseCode, encode_causes};
use crate::wire::chunk::{Chunk, ChunkIter, ChunkType, Init, data_flags, write_sack};
use crate::wire::packet::{HEADER_LEN, Packet, PacketHeader};
use crate::wire::param::{
    Param, ParamType, Params, ReconfigResult, StreamList, encode_params, encode_streams,
};
use cookie::{COOKIE_LEN, Caps, Cookie};
use rx::{Receiver, RxOutcome};
pub use tx::SendOptions;
use tx::{Rto, Sender};

/// Association states (RFC 9260 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// No association (yet, or any more: see [`Association::is_closed`]).
    Closed,
    /// INIT sent.
    CookieWait,
    /// COOKIE ECHO sent.
    CookieEchoed,
    /// Data flows.
    Established,
    /// Shutdown requested; draining our data.
    ShutdownPending,
    /// SHUTDOWN sent.
    ShutdownSent,
    /// SHUTDOWN received; draining our data.
    ShutdownReceived,
    /// SHUTDOWN ACK sent.
    ShutdownAckSent,
}

/// Counters for dropped input and transmissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Packets given to `handle_packet`.
    pub packets_received: u64,
    /// Packets returned by `poll_transmit`.
    pub packets_sent: u64,
    /// Packets dropped: checksum.
    pub bad_checksum: u64,
    /// Packets dropped: verification tag, port or out of the blue.
    pub bad_tag: u64,
    /// Packets dropped: malformed.
    pub malformed: u64,
    /// DATA chunks dropped for lack of room.
    pub data_dropped: u64,
    /// Duplicate DATA chunks received.
    pub duplicates: u64,
    /// DATA chunks retransmitted.
    pub retransmissions: u64,
    /// T3-rtx expirations with data outstanding (RFC 9260 §6.3.3).
    pub t3_expirations: u64,
    /// Entries into fast recovery (RFC 9260 §7.2.4).
    pub fast_recoveries: u64,
}

/// A control chunk waiting for a packet.
struct Ctl {
    vtag: u32,
    bytes: Vec<u8>,
    /// Must travel alone (INIT, INIT ACK, or a different verification tag).
    alone: bool,
    /// Must be the first chunk (COOKIE ECHO, RFC 9260 §5.1).
    first: bool,
}

/// Most control chunks queued; further ones (only triggered by peer input) are dropped.
const MAX_CTL: usize = 64;

struct Reconf {
    next_seq: u32,
    peer_next_seq: u32,
    last_result: ReconfigResult,
    pending: Option<(u32, Vec<u16>)>,
    queued: Vec<u16>,
    timer: Option<Instant>,
}

/// An SCTP association over a datagram transport (RFC 8261): a sans-IO state machine.
///
/// See the crate docs for the call order.
pub struct Association {
    cfg: Config,
    rng: ChaCha20Rng,
    epoch: Instant,
    last_now: Instant,
    cookie_key: [u8; 32],
    state: State,
    terminated: bool,
    my_tag: u32,
    peer_tag: u32,
    my_tsn: Tsn,
    caps: Caps,
    peer_streams: u16,
    init_chunk: Option<Vec<u8>>,
    cookie_echo: Option<Vec<u8>>,
    t1: Option<Instant>,
    t1_rto: Duration,
    t1_count: u32,
    tx: Option<Sender>,
    rx: Option<Receiver>,
    ctl: VecDeque<Ctl>,
    sack_needed: bool,
    sack_now: bool,
    data_packets: u32,
    delayed_ack: Option<Instant>,
    last_rwnd: usize,
    gaps: Vec<(u16, u16)>,
    dups: Vec<Tsn>,
    hb_timer: Option<Instant>,
    hb_outstanding: Option<(u64, Instant)>,
    error_count: u32,
    t2: Option<Instant>,
    t2_count: u32,
    reconf: Reconf,
    events: VecDeque<Event>,
    pending_rx: usize,
    stats: Stats,
}

impl core::fmt::Debug for Association {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Association")
            .field("state", &self.state)
            .field("my_tag", &self.my_tag)
            .field("peer_tag", &self.peer_tag)
            .finish_non_exhaustive()
    }
}

fn nonzero_u32(rng: &mut ChaCha20Rng) -> u32 {
    loop {
        let v = rng.next_u32();
        if v != 0 {
            return v;
        }
    }
}

impl Association {
    /// Creates an association in the CLOSED state. It answers INITs at once (listening), and
    /// starts one itself with [`connect`](Self::connect).
    pub fn new(cfg: Config, now: Instant) -> Self {
        let seed = cfg.seed.unwrap_or_else(|| {
            let mut s = [0u8; 32];
            getrandom::fill(&mut s).expect("OS entropy is available");
            s
        });
        let mut rng = ChaCha20Rng::from_seed(seed);
        let mut cookie_key = [0u8; 32];
        rng.fill_bytes(&mut cookie_key);
        let my_tsn = Tsn(rng.next_u32());
        Association {
            t1_rto: cfg.rto_initial,
            cfg,
            rng,
            epoch: now,
            last_now: now,
            cookie_key,
            state: State::Closed,
            terminated: false,
            my_tag: 0,
            peer_tag: 0,
            my_tsn,
            caps: Caps::default(),
            peer_streams: 0,
            init_chunk: None,
            cookie_echo: None,
            t1: None,
            t1_count: 0,
            tx: None,
            rx: None,
            ctl: VecDeque::new(),
            sack_needed: false,
            sack_now: false,
            data_packets: 0,
            delayed_ack: None,
            last_rwnd: 0,
            gaps: Vec::new(),
            dups: Vec::new(),
            hb_timer: None,
            hb_outstanding: None,
            error_count: 0,
            t2: None,
            t2_count: 0,
            reconf: Reconf {
                next_seq: 0,
                peer_next_seq: 0,
                last_result: ReconfigResult::SUCCESS_PERFORMED,
                pending: None,
                queued: Vec::new(),
                timer: None,
            },
            events: VecDeque::new(),
            pending_rx: 0,
            stats: Stats::default(),
        }
    }

    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// True once the association ended (after a `Closed` event).
    pub fn is_closed(&self) -> bool {
        self.terminated
    }

    /// True when data can be sent.
    pub fn is_established(&self) -> bool {
        self.state == State::Established
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        let mut s = self.stats;
        if let Some(t) = self.tx.as_ref() {
            s.retransmissions = t.retransmissions;
            s.t3_expirations = t.t3_expirations;
            s.fast_recoveries = t.fast_recoveries;
        }
        s
    }

    /// Whether I-DATA (RFC 8260) is in use.
    pub fn uses_i_data(&self) -> bool {
        self.caps.i_data && self.cfg.i_data
    }

    /// Whether the peer supports partial reliability (RFC 3758).
    pub fn supports_partial_reliability(&self) -> bool {
        self.caps.forward_tsn
    }

    /// Whether zero checksums (RFC 9653) are sent.
    pub fn uses_zero_checksum(&self) -> bool {
        self.caps.zero_checksum && self.cfg.zero_checksum
    }

    /// Congestion window, slow-start threshold and bytes in flight (for tests and stats).
    pub fn congestion(&self) -> Option<(usize, usize, usize)> {
        self.tx.as_ref().map(|t| (t.cwnd, t.ssthresh, t.flight))
    }

    /// Current RTO.
    pub fn rto(&self) -> Duration {
        self.tx.as_ref().map_or(self.t1_rto, |t| t.rto.rto)
    }

    /// Smoothed RTT, once measured.
    pub fn srtt(&self) -> Option<Duration> {
        self.tx.as_ref().and_then(|t| t.rto.srtt())
    }

    fn clamp(&mut self, now: Instant) -> Instant {
        if now > self.last_now {
            self.last_now = now;
        }
        self.last_now
    }

    fn ms(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.epoch).as_millis() as u64
    }

    fn our_params(&self) -> Vec<u8> {
        let mut ext = vec![ChunkType::FORWARD_TSN.0, ChunkType::RE_CONFIG.0];
        if self.cfg.i_data {
            ext.push(ChunkType::I_DATA.0);
            ext.push(ChunkType::I_FORWARD_TSN.0);
        }
        let mut ps = vec![Param::ForwardTsnSupported, Param::SupportedExtensions(&ext)];
        if self.cfg.zero_checksum {
            // RFC 9653 §4: EDMID 1 = DTLS.
            ps.push(Param::ZeroChecksumAcceptable(1));
        }
        encode_params(&ps)
    }

    fn init_chunk_bytes(&self, ty: ChunkType, tag: u32, tsn: Tsn, params: &[u8]) -> Vec<u8> {
        let init = Init {
            initiate_tag: tag,
            a_rwnd: self.cfg.receive_window,
            outbound_streams: self.cfg.streams,
            inbound_streams: self.cfg.streams,
            initial_tsn: tsn,
            params: Params::parse(params).expect("invariant: we encode valid params"),
        };
        let c = if ty == ChunkType::INIT {
            Chunk::Init(init)
        } else {
            Chunk::InitAck(init)
        };
        let mut v = Vec::with_capacity(c.buffer_len());
        c.emit_to(&mut v);
        v
    }

    fn push_ctl(&mut self, vtag: u32, bytes: Vec<u8>, alone: bool, first: bool) {
        if self.ctl.len() < MAX_CTL {
            self.ctl.push_back(Ctl {
                vtag,
                bytes,
                alone,
                first,
            });
        }
    }

    fn push_chunk(&mut self, c: &Chunk<'_>) {
        let mut v = Vec::with_capacity(c.buffer_len());
        c.emit_to(&mut v);
        self.push_ctl(self.peer_tag, v, false, false);
    }

    /// Starts the association: sends INIT (RFC 9260 §5.1). In WebRTC both sides call this
    /// right after DTLS connects; the INITs collide and §5.2.1/§5.2.4 sort it out.
    pub fn connect(&mut self, now: Instant) -> Result<(), Error> {
        let now = self.clamp(now);
        if self.state != State::Closed || self.terminated {
            return Err(Error::InvalidState);
        }
        self.my_tag = nonzero_u32(&mut self.rng);
        let params = self.our_params();
        let init = self.init_chunk_bytes(ChunkType::INIT, self.my_tag, self.my_tsn, &params);
        self.push_ctl(0, init.clone(), true, false);
        self.init_chunk = Some(init);
        self.state = State::CookieWait;
        self.t1_rto = self.cfg.rto_initial;
        self.t1 = Some(now + self.t1_rto);
        self.t1_count = 0;
        Ok(())
    }

    /// Queues a message on a stream (RFC 9260 §6.9 fragments it as needed).
    pub fn send(
        &mut self,
        now: Instant,
        stream_id: u16,
        ppid: u32,
        data: Vec<u8>,
        opts: SendOptions,
    ) -> Result<(), Error> {
        let now = self.clamp(now);
        if self.state != State::Established {
            return Err(Error::InvalidState);
        }
        if data.is_empty() {
            return Err(Error::EmptyMessage);
        }
        if data.len() > self.cfg.max_message_size {
            return Err(Error::MessageTooLarge);
        }
        if stream_id >= self.peer_streams
            || self.reconf.queued.contains(&stream_id)
            || self
                .reconf
                .pending
                .as_ref()
                .is_some_and(|(_, s)| s.contains(&stream_id))
        {
            return Err(Error::InvalidStream);
        }
        let tx = self.tx.as_mut().ok_or(Error::InvalidState)?;
        tx.app_wrote();
        tx.enqueue(now, stream_id, ppid, data, opts)
    }

    /// Bytes queued or in flight on a stream (the data channel's `bufferedAmount`).
    pub fn buffered_amount(&self, stream_id: u16) -> usize {
        self.tx.as_ref().map_or(0, |t| t.buffered_amount(stream_id))
    }

    /// Total bytes queued or in flight.
    pub fn buffered_total(&self) -> usize {
        self.tx.as_ref().map_or(0, |t| t.buffered)
    }

    /// Sets the threshold at or below which [`Event::BufferedAmountLow`] fires for a stream.
    pub fn set_buffered_amount_low_threshold(&mut self, stream_id: u16, threshold: usize) {
        if let Some(t) = self.tx.as_mut() {
            t.set_low_threshold(stream_id, threshold);
        }
    }

    /// Resets outgoing streams (RFC 6525 §5.1.2), as data channels close (RFC 8831 §6.7).
    /// Messages already queued on them are sent first.
    pub fn reset_streams(&mut self, now: Instant, streams: &[u16]) -> Result<(), Error> {
        let now = self.clamp(now);
        if self.state != State::Established || !self.caps.reconfig {
            return Err(Error::InvalidState);
        }
        for &s in streams {
            if !self.reconf.queued.contains(&s) {
                self.reconf.queued.push(s);
            }
        }
        self.try_start_reset(now);
        Ok(())
    }

    fn try_start_reset(&mut self, now: Instant) {
        if self.reconf.pending.is_some() || self.reconf.queued.is_empty() {
            return;
        }
        let Some(tx) = self.tx.as_ref() else { return };
        // Streams with unsent or unacknowledged data wait (their SSNs must not restart early).
        // Keep the request within one packet.
        let max = ((self.cfg.mtu - HEADER_LEN - 4 - 16) / 2).min(256);
        let ready: Vec<u16> = self
            .reconf
            .queued
            .iter()
            .copied()
            .filter(|&s| !tx.stream_busy(s))
            .take(max)
            .collect();
        if ready.is_empty() {
            return;
        }
        self.reconf.queued.retain(|s| !ready.contains(s));
        let seq = self.reconf.next_seq;
        self.reconf.pending = Some((seq, ready));
        self.send_reset_request(now);
    }

    fn send_reset_request(&mut self, now: Instant) {
        let Some((seq, streams)) = self.reconf.pending.clone() else {
            return;
        };
        let last_tsn = self
            .tx
            .as_ref()
            .map_or(self.my_tsn, |t| t.next_tsn())
            .sub(1);
        let sb = encode_streams(&streams);
        let p = encode_params(&[Param::OutgoingSsnReset {
            request_seq: seq,
            response_seq: self.reconf.peer_next_seq.wrapping_sub(1),
            last_tsn: last_tsn.0,
            streams: StreamList::from_bytes(&sb),
        }]);
        self.push_chunk(&Chunk::ReConfig(
            Params::parse(&p).expect("invariant: valid"),
        ));
        self.reconf.timer = Some(now + self.rto());
    }

    /// Starts a graceful shutdown (RFC 9260 §9.2): queued data is delivered first.
    pub fn shutdown(&mut self, now: Instant) -> Result<(), Error> {
        let now = self.clamp(now);
        match self.state {
            State::Established => {
                self.state = State::ShutdownPending;
                self.check_shutdown(now);
                Ok(())
            }
            State::CookieWait | State::CookieEchoed => {
                self.close(CloseReason::Shutdown);
                Ok(())
            }
            _ => Err(Error::InvalidState),
        }
    }

    /// Aborts the association (RFC 9260 §9.1) with a User-Initiated Abort cause.
    pub fn abort(&mut self, now: Instant) {
        self.clamp(now);
        if self.terminated {
            return;
        }
        if self.peer_tag != 0 {
            self.send_abort(CauseCode::USER_INITIATED_ABORT, b"");
        }
        self.close(CloseReason::LocalAbort);
    }

    fn send_abort(&mut self, code: CauseCode, info: &[u8]) {
        let causes = encode_causes(&[Cause { code, info }]);
        let c = Chunk::Abort {
            t: false,
            causes: crate::wire::cause::Causes::parse(&causes).expect("invariant: valid"),
        };
        let mut v = Vec::new();
        c.emit_to(&mut v);
        // The association ends here: whatever control chunks were still queued (SACKs,
        // HEARTBEAT ACKs a peer may have filled the bounded queue with) no longer matter,
        // and the ABORT must never be the chunk the bound drops.
        self.ctl.clear();
        self.push_ctl(self.peer_tag, v, true, false);
    }

    fn close(&mut self, reason: CloseReason) {
        if self.terminated {
            return;
        }
        self.terminated = true;
        self.state = State::Closed;
        self.t1 = None;
        self.t2 = None;
        self.hb_timer = None;
        self.delayed_ack = None;
        self.reconf.timer = None;
        if let Some(t) = self.tx.as_mut() {
            t.t3 = None;
        }
        self.events.push_back(Event::Closed(reason));
    }

    fn protocol_violation(&mut self, what: &'static str) {
        self.send_abort(CauseCode::PROTOCOL_VIOLATION, what.as_bytes());
        self.close(CloseReason::ProtocolViolation);
    }

    /// Next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        let e = self.events.pop_front()?;
        if let Event::Message(m) = &e {
            self.pending_rx -= m.data.len();
            // Window update (RFC 9260 §6.2): tell the peer once reading freed real room.
            let rwnd = self.rwnd();
            if rwnd >= self.last_rwnd + (self.cfg.receive_window as usize / 4).max(self.cfg.mtu)
                && self.last_rwnd < self.cfg.receive_window as usize / 2
                && self.rx.is_some()
                && !self.terminated
            {
                self.sack_needed = true;
                self.sack_now = true;
            }
        }
        Some(e)
    }

    fn rwnd(&self) -> usize {
        let held = self.rx.as_ref().map_or(0, |r| r.held());
        (self.cfg.receive_window as usize).saturating_sub(held + self.pending_rx)
    }

    /// The earliest time `handle_timeout` should be called. O(1).
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.t1,
            self.t2,
            self.tx.as_ref().and_then(|t| t.t3),
            self.delayed_ack,
            self.hb_timer,
            self.reconf.timer,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs expired timers. Early or repeated calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clamp(now);
        if self.terminated {
            return;
        }
        if self.t1.is_some_and(|t| now >= t) {
            self.t1_count += 1;
            if self.t1_count > self.cfg.max_init_retransmits {
                self.close(CloseReason::Timeout);
                return;
            }
            self.t1_rto = (self.t1_rto * 2).min(self.cfg.rto_max);
            self.t1 = Some(now + self.t1_rto);
            match self.state {
                State::CookieWait => {
                    if let Some(i) = self.init_chunk.clone() {
                        self.push_ctl(0, i, true, false);
                    }
                }
                State::CookieEchoed => {
                    if let Some(c) = self.cookie_echo.clone() {
                        self.push_ctl(self.peer_tag, c, false, true);
                    }
                }
                _ => self.t1 = None,
            }
        }
        if self
            .tx
            .as_ref()
            .and_then(|t| t.t3)
            .is_some_and(|t| now >= t)
        {
            let tx = self.tx.as_mut().expect("invariant: t3 implies tx");
            if tx.on_t3(now, &mut self.events) {
                self.error_count += 1;
                if self.error_count > self.cfg.max_retransmits {
                    self.send_abort(CauseCode::USER_INITIATED_ABORT, b"retransmission limit");
                    self.close(CloseReason::Timeout);
                    return;
                }
            }
        }
        if self.delayed_ack.is_some_and(|t| now >= t) {
            self.delayed_ack = None;
            self.sack_now = true;
        }
        if self.t2.is_some_and(|t| now >= t) {
            self.t2_count += 1;
            if self.t2_count > self.cfg.max_retransmits {
                self.send_abort(CauseCode::USER_INITIATED_ABORT, b"shutdown timeout");
                self.close(CloseReason::Timeout);
                return;
            }
            if let Some(t) = self.tx.as_mut() {
                t.rto.backoff();
            }
            self.t2 = Some(now + self.rto());
            match self.state {
                State::ShutdownSent => self.send_shutdown(),
                State::ShutdownAckSent => self.push_chunk(&Chunk::ShutdownAck),
                _ => self.t2 = None,
            }
        }
        if self.reconf.timer.is_some_and(|t| now >= t) {
            self.reconf.timer = None;
            if let Some(t) = self.tx.as_mut() {
                t.rto.backoff();
            }
            self.send_reset_request(now);
        }
        if self.hb_timer.is_some_and(|t| now >= t) {
            if self.hb_outstanding.take().is_some() {
                // RFC 9260 §8.3: an unanswered heartbeat counts as an error.
                self.error_count += 1;
                if let Some(t) = self.tx.as_mut() {
                    t.rto.backoff();
                }
                if self.error_count > self.cfg.max_retransmits {
                    self.send_abort(CauseCode::USER_INITIATED_ABORT, b"heartbeat timeout");
                    self.close(CloseReason::Timeout);
                    return;
                }
            }
            self.send_heartbeat(now);
        }
        if let Some(t) = self.tx.as_mut() {
            t.expire(now, &mut self.events);
        }
        self.try_start_reset(now);
    }

    fn arm_heartbeat(&mut self, now: Instant) {
        if let Some(i) = self.cfg.heartbeat_interval
            && !self.terminated
        {
            self.hb_timer = Some(now + i + self.rto());
        }
    }

    fn send_heartbeat(&mut self, now: Instant) {
        if !matches!(self.state, State::Established | State::ShutdownPending) {
            self.hb_timer = None;
            return;
        }
        let nonce = self.rng.next_u64();
        let mut info = [0u8; 16];
        info[..8].copy_from_slice(&nonce.to_be_bytes());
        info[8..].copy_from_slice(&self.ms(now).to_be_bytes());
        let p = encode_params(&[Param::HeartbeatInfo(&info)]);
        self.push_chunk(&Chunk::Heartbeat(Params::parse(&p).expect("valid")));
        self.hb_outstanding = Some((nonce, now));
        self.arm_heartbeat(now);
    }

    fn send_shutdown(&mut self) {
        let cum = self.rx.as_ref().map_or(Tsn(0), |r| r.cum_tsn());
        self.push_chunk(&Chunk::Shutdown { cum_tsn_ack: cum });
    }

    fn check_shutdown(&mut self, now: Instant) {
        let idle = self.tx.as_ref().is_none_or(|t| t.is_idle());
        if !idle {
            return;
        }
        match self.state {
            State::ShutdownPending => {
                self.send_shutdown();
                self.state = State::ShutdownSent;
                self.t2 = Some(now + self.rto());
                self.t2_count = 0;
                self.hb_timer = None;
            }
            State::ShutdownReceived => {
                self.push_chunk(&Chunk::ShutdownAck);
                self.state = State::ShutdownAckSent;
                self.t2 = Some(now + self.rto());
                self.t2_count = 0;
                self.hb_timer = None;
            }
            _ => {}
        }
    }

    /// Builds the next packet into `buf` (cleared first) and returns its length, or `None`
    /// when there is nothing to send. Call until `None` after every input.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        let r = self.next_packet(now, buf);
        if r.is_none()
            && let Some(tx) = self.tx.as_mut()
        {
            tx.end_drain();
        }
        r
    }

    fn next_packet(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        let now = self.clamp(now);
        buf.clear();
        let mtu = self.cfg.mtu;
        if let Some(c) = self.ctl.front()
            && (c.alone || c.vtag != self.peer_tag)
        {
            let c = self.ctl.pop_front().expect("invariant: front exists");
            buf.resize(HEADER_LEN, 0);
            PacketHeader {
                src_port: self.cfg.local_port,
                dst_port: self.cfg.remote_port,
                verification_tag: c.vtag,
            }
            .emit(buf);
            buf.extend_from_slice(&c.bytes);
            return Some(self.finish_packet(buf, false));
        }
        if self.terminated && self.ctl.is_empty() {
            return None;
        }
        buf.resize(HEADER_LEN, 0);
        PacketHeader {
            src_port: self.cfg.local_port,
            dst_port: self.cfg.remote_port,
            verification_tag: self.peer_tag,
        }
        .emit(buf);
        let mut has_cookie = false;
        while let Some(c) = self.ctl.front() {
            if c.alone || c.vtag != self.peer_tag {
                break;
            }
            if c.first && buf.len() > HEADER_LEN {
                break;
            }
            if buf.len() + c.bytes.len() > mtu && buf.len() > HEADER_LEN {
                break;
            }
            has_cookie |= c.first;
            let c = self.ctl.pop_front().expect("invariant: front exists");
            buf.extend_from_slice(&c.bytes);
        }
        if self.terminated {
            return (buf.len() > HEADER_LEN).then(|| self.finish_packet(buf, has_cookie));
        }
        let can_data = matches!(
            self.state,
            State::Established | State::ShutdownPending | State::ShutdownReceived
        );
        let data_waiting = can_data && self.tx.as_ref().is_some_and(|t| !t.is_idle());
        if self.rx.is_some()
            && (self.sack_now || (self.sack_needed && data_waiting))
            && self.state != State::CookieWait
        {
            self.write_sack(buf);
        }
        if (can_data || self.state == State::ShutdownSent)
            && let Some(tx) = self.tx.as_mut()
        {
            tx.write_forward_tsn(buf, mtu);
        }
        if can_data && let Some(tx) = self.tx.as_mut() {
            tx.fill(now, buf, mtu, &mut self.events);
        }
        if buf.len() == HEADER_LEN {
            return None;
        }
        Some(self.finish_packet(buf, has_cookie))
    }

    fn write_sack(&mut self, buf: &mut Vec<u8>) {
        let rwnd = self.rwnd();
        let rx = self.rx.as_mut().expect("invariant: checked by caller");
        rx.sack_blocks(&mut self.gaps, &mut self.dups);
        let cum = rx.cum_tsn();
        write_sack(buf, cum, rwnd as u32, &self.gaps, &self.dups);
        self.last_rwnd = rwnd;
        self.sack_needed = false;
        self.sack_now = false;
        self.data_packets = 0;
        self.delayed_ack = None;
    }

    fn finish_packet(&mut self, buf: &mut [u8], has_cookie: bool) -> usize {
        let mut p = Packet::new_checked(&mut *buf).expect("invariant: header written");
        let first = p.chunk_bytes().first().copied();
        let handshake = matches!(
            first.map(ChunkType),
            Some(ChunkType::INIT | ChunkType::INIT_ACK | ChunkType::COOKIE_ECHO)
        );
        if self.uses_zero_checksum() && !handshake && !has_cookie {
            p.zero_checksum();
        } else {
            p.fill_checksum();
        }
        self.stats.packets_sent += 1;
        buf.len()
    }

    /// Handles one SCTP packet (the payload of one DTLS application-data record, RFC 8261).
    /// An error means the packet was dropped; the association is unaffected.
    pub fn handle_packet(&mut self, now: Instant, data: &[u8]) -> Result<(), Error> {
        let now = self.clamp(now);
        self.stats.packets_received += 1;
        if self.terminated {
            self.after_close(data);
            return Err(Error::InvalidState);
        }
        let pkt = match Packet::new_checked(data) {
            Ok(p) => p,
            Err(e) => {
                self.stats.malformed += 1;
                return Err(e.into());
            }
        };
        let vtag = pkt.verification_tag();
        let zero_ok = self.cfg.zero_checksum && self.my_tag != 0 && vtag == self.my_tag;
        if !(pkt.verify_checksum() || (zero_ok && pkt.checksum() == 0)) {
            self.stats.bad_checksum += 1;
            return Err(Error::BadChecksum);
        }
        if pkt.dst_port() != self.cfg.local_port || pkt.src_port() != self.cfg.remote_port {
            self.stats.bad_tag += 1;
            return Err(Error::BadVerificationTag);
        }
        // Validate the whole packet before acting on any of it.
        let mut n = 0usize;
        for raw in pkt.chunks() {
            let r = raw.and_then(Chunk::parse);
            if let Err(e) = r {
                self.stats.malformed += 1;
                return Err(e.into());
            }
            n += 1;
        }
        if n == 0 {
            self.stats.malformed += 1;
            return Err(Error::Malformed(crate::wire::WireError::Truncated(
                "no chunks",
            )));
        }
        let mut chunks = ChunkIter::new(pkt.chunk_bytes());
        let first = Chunk::parse(chunks.clone().next().expect("n > 0").expect("validated"))
            .expect("validated");
        // RFC 9260 §8.5.1: INIT rules.
        if let Chunk::Init(init) = first {
            if n != 1 || vtag != 0 {
                self.stats.bad_tag += 1;
                return Err(Error::BadVerificationTag);
            }
            self.on_init(now, &init);
            return Ok(());
        }
        let cookie_first = matches!(first, Chunk::CookieEcho(_));
        if !cookie_first {
            let ok = match first {
                Chunk::Abort { t: true, .. } | Chunk::ShutdownComplete { t: true } => {
                    self.peer_tag != 0 && vtag == self.peer_tag
                }
                Chunk::ShutdownAck if self.my_tag != 0 && vtag == self.my_tag => true,
                _ => self.my_tag != 0 && vtag == self.my_tag,
            };
            if !ok {
                self.stats.bad_tag += 1;
                if self.my_tag == 0 {
                    self.out_of_the_blue(vtag, &first);
                }
                return Err(Error::BadVerificationTag);
            }
        }
        let mut had_data = false;
        let mut immediate = false;
        for raw in &mut chunks {
            let raw = raw.expect("validated");
            let chunk = Chunk::parse(raw).expect("validated");
            if self.terminated {
                break;
            }
            match chunk {
                Chunk::CookieEcho(c) => {
                    // A bad cookie voids the whole packet: the chunks after it were never
                    // covered by a verification tag check (RFC 9260 §8.5.1).
                    self.on_cookie_echo(now, vtag, c)?;
                }
                Chunk::Data(d) => {
                    had_data = true;
                    immediate |= d.flags & data_flags::I != 0;
                    if self.uses_i_data() {
                        // RFC 8260 §2.1: DATA must not be used once I-DATA is negotiated.
                        self.protocol_violation("DATA with I-DATA negotiated");
                        break;
                    }
                    self.on_data(
                        d.tsn,
                        d.stream_id,
                        d.flags,
                        u32::from(d.ssn.0),
                        d.ppid,
                        d.payload,
                        false,
                    );
                }
                Chunk::IData(d) => {
                    had_data = true;
                    immediate |= d.flags & data_flags::I != 0;
                    if !self.uses_i_data() {
                        self.protocol_violation("I-DATA not negotiated");
                        break;
                    }
                    self.on_data(
                        d.tsn,
                        d.stream_id,
                        d.flags,
                        d.mid.0,
                        d.ppid_or_fsn,
                        d.payload,
                        true,
                    );
                }
                Chunk::Init(_) => {
                    // Bundled INIT (RFC 9260 §6.10): the packet is invalid; stop.
                    break;
                }
                Chunk::InitAck(init) => self.on_init_ack(now, &init),
                Chunk::Sack(s) => {
                    if let Some(tx) = self.tx.as_mut()
                        && matches!(
                            self.state,
                            State::Established
                                | State::ShutdownPending
                                | State::ShutdownReceived
                                | State::ShutdownSent
                        )
                        && tx.on_sack(
                            now,
                            s.cum_tsn_ack,
                            s.a_rwnd,
                            s.gap_blocks(),
                            &mut self.events,
                        )
                    {
                        self.error_count = 0;
                    }
                    self.after_ack(now);
                }
                Chunk::Heartbeat(p) => {
                    if self.rx.is_some() {
                        self.push_chunk(&Chunk::HeartbeatAck(p));
                    }
                }
                Chunk::HeartbeatAck(p) => self.on_heartbeat_ack(now, p),
                Chunk::Abort { causes, .. } => {
                    let code = causes.iter().next().map(|c| c.code.0);
                    self.ctl.clear();
                    self.close(CloseReason::PeerAbort(code));
                }
                Chunk::Shutdown { cum_tsn_ack } => self.on_shutdown(now, cum_tsn_ack),
                Chunk::ShutdownAck => {
                    if matches!(self.state, State::ShutdownSent | State::ShutdownAckSent) {
                        let c = Chunk::ShutdownComplete { t: false };
                        let mut v = Vec::new();
                        c.emit_to(&mut v);
                        self.push_ctl(self.peer_tag, v, false, false);
                        self.close(CloseReason::Shutdown);
                    }
                }
                Chunk::ShutdownComplete { .. } => {
                    if self.state == State::ShutdownAckSent {
                        self.close(CloseReason::Shutdown);
                    }
                }
                Chunk::Error(causes) => {
                    for c in causes.iter() {
                        if c.code == CauseCode::STALE_COOKIE && self.state == State::CookieEchoed {
                            // RFC 9260 §5.2.6: start over with a fresh INIT.
                            self.restart_init(now);
                        }
                        // Bounded: a peer spamming ERROR chunks cannot grow the queue.
                        if self.events.len() < MAX_CTL * 4 {
                            self.events.push_back(Event::PeerError(c.code.0));
                        }
                    }
                }
                Chunk::CookieAck => {
                    if self.state == State::CookieEchoed {
                        self.t1 = None;
                        self.cookie_echo = None;
                        self.established(now);
                    }
                }
                Chunk::ForwardTsn(f) => {
                    if let Some(rx) = self.rx.as_mut()
                        && self.caps.forward_tsn
                    {
                        let before = self.events.len();
                        rx.on_forward_tsn(
                            f.new_cum_tsn,
                            f.streams().map(|(s, q)| (s, q.0)),
                            &mut self.events,
                        );
                        self.count_new_events(before);
                        self.sack_needed = true;
                        self.sack_now = true;
                    }
                }
                Chunk::IForwardTsn(f) => {
                    let idata = self.uses_i_data();
                    if let Some(rx) = self.rx.as_mut()
                        && idata
                    {
                        let before = self.events.len();
                        rx.on_i_forward_tsn(
                            f.new_cum_tsn,
                            f.entries().map(|(s, u, m)| (s, u, m.0)),
                            &mut self.events,
                        );
                        self.count_new_events(before);
                        self.sack_needed = true;
                        self.sack_now = true;
                    }
                }
                Chunk::ReConfig(p) => self.on_reconfig(now, p),
                Chunk::Unknown { ty, .. } => {
                    let action = ty.unknown_action();
                    if action.report && self.peer_tag != 0 {
                        let causes = encode_causes(&[Cause {
                            code: CauseCode::UNRECOGNIZED_CHUNK_TYPE,
                            info: raw.raw,
                        }]);
                        self.push_chunk(&Chunk::Error(
                            crate::wire::cause::Causes::parse(&causes).expect("valid"),
                        ));
                    }
                    if !action.skip {
                        break;
                    }
                }
            }
        }
        if had_data && !self.terminated {
            self.data_packets += 1;
            let rx_gaps = self
                .rx
                .as_ref()
                .is_some_and(|r| r.has_gaps() || r.has_dups());
            if immediate
                || rx_gaps
                || self.data_packets >= 2
                || !matches!(self.state, State::Established)
            {
                self.sack_now = true;
            } else if self.delayed_ack.is_none() {
                self.delayed_ack = Some(now + self.cfg.delayed_ack);
            }
        }
        Ok(())
    }

    /// RFC 9260 §8.4: a packet for no association we know. ABORT, SHUTDOWN COMPLETE and ERROR
    /// are dropped; SHUTDOWN ACK gets SHUTDOWN COMPLETE and anything else ABORT, both with the
    /// T bit (the packet's own tag reflected).
    fn out_of_the_blue(&mut self, vtag: u32, first: &Chunk<'_>) {
        let reply = match first {
            Chunk::Abort { .. } | Chunk::ShutdownComplete { .. } | Chunk::Error(_) => return,
            Chunk::ShutdownAck => Chunk::ShutdownComplete { t: true },
            _ => Chunk::Abort {
                t: true,
                causes: crate::wire::cause::Causes::default(),
            },
        };
        let mut v = Vec::new();
        reply.emit_to(&mut v);
        self.push_ctl(vtag, v, true, false);
    }

    /// RFC 9260 §8.4 item 5: a SHUTDOWN ACK for an association we already closed (our
    /// SHUTDOWN COMPLETE was lost) gets a SHUTDOWN COMPLETE with the T bit.
    fn after_close(&mut self, data: &[u8]) {
        let Ok(pkt) = Packet::new_checked(data) else {
            return;
        };
        if !pkt.verify_checksum() || self.my_tag == 0 || pkt.verification_tag() != self.my_tag {
            return;
        }
        let first = pkt.chunks().next().and_then(|r| r.ok());
        if first.is_some_and(|c| c.ty == ChunkType::SHUTDOWN_ACK) {
            let mut v = Vec::new();
            Chunk::ShutdownComplete { t: true }.emit_to(&mut v);
            self.push_ctl(self.my_tag, v, true, false);
        }
    }

    fn count_new_events(&mut self, before: usize) {
        for e in self.events.iter().skip(before) {
            if let Event::Message(m) = e {
                self.pending_rx += m.data.len();
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_data(
        &mut self,
        tsn: Tsn,
        sid: u16,
        flags: u8,
        seq: u32,
        ppid_or_fsn: u32,
        payload: &[u8],
        idata: bool,
    ) {
        if !matches!(
            self.state,
            State::Established | State::ShutdownPending | State::ShutdownSent
        ) {
            return;
        }
        if payload.is_empty() {
            // RFC 9260 §6.2: DATA without user data -> ABORT with "No User Data".
            self.send_abort(CauseCode::NO_USER_DATA, &tsn.0.to_be_bytes());
            self.close(CloseReason::ProtocolViolation);
            return;
        }
        let Some(rx) = self.rx.as_mut() else { return };
        self.sack_needed = true;
        let before = self.events.len();
        let r = rx.on_data(
            tsn,
            sid,
            flags,
            seq,
            ppid_or_fsn,
            payload,
            idata,
            self.pending_rx,
            &mut self.events,
        );
        self.count_new_events(before);
        match r {
            RxOutcome::Accepted => {}
            RxOutcome::Duplicate => self.stats.duplicates += 1,
            RxOutcome::Dropped => self.stats.data_dropped += 1,
            RxOutcome::TooLarge => {
                self.send_abort(CauseCode::OUT_OF_RESOURCE, b"message too large");
                self.close(CloseReason::ProtocolViolation);
            }
        }
    }

    fn after_ack(&mut self, now: Instant) {
        self.check_shutdown(now);
        self.try_start_reset(now);
    }

    fn on_heartbeat_ack(&mut self, now: Instant, p: Params<'_>) {
        let Some((nonce, sent)) = self.hb_outstanding else {
            return;
        };
        for param in p.iter() {
            if let Param::HeartbeatInfo(info) = param
                && info.len() == 16
                && info[..8] == nonce.to_be_bytes()
            {
                self.hb_outstanding = None;
                self.error_count = 0;
                if let Some(t) = self.tx.as_mut() {
                    t.rto.sample(now.saturating_duration_since(sent));
                }
            }
        }
    }

    fn on_shutdown(&mut self, now: Instant, cum: Tsn) {
        match self.state {
            State::Established | State::ShutdownPending | State::ShutdownReceived => {
                if let Some(tx) = self.tx.as_mut() {
                    let rwnd = (tx.peer_rwnd + tx.flight) as u32;
                    tx.on_sack(now, cum, rwnd, core::iter::empty(), &mut self.events);
                }
                self.state = State::ShutdownReceived;
                self.hb_timer = None;
                self.check_shutdown(now);
            }
            State::ShutdownSent => {
                // RFC 9260 §9.2: both sides shut down at once.
                self.push_chunk(&Chunk::ShutdownAck);
                self.state = State::ShutdownAckSent;
                self.t2 = Some(now + self.rto());
            }
            _ => {}
        }
    }

    fn peer_caps(params: &Params<'_>) -> Caps {
        let mut c = Caps::default();
        for p in params.iter() {
            match p {
                Param::ForwardTsnSupported => c.forward_tsn = true,
                Param::SupportedExtensions(ext) => {
                    for &t in ext {
                        match ChunkType(t) {
                            ChunkType::FORWARD_TSN => c.forward_tsn = true,
                            ChunkType::RE_CONFIG => c.reconfig = true,
                            ChunkType::I_DATA => c.i_data = true,
                            _ => {}
                        }
                    }
                }
                Param::ZeroChecksumAcceptable(1) => c.zero_checksum = true,
                _ => {}
            }
        }
        c
    }

    /// Parameters the peer sent that we do not know and must report (RFC 9260 §3.2.1).
    fn unrecognized(params: &Params<'_>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for (raw, p) in params.iter_raw() {
            let Param::Other { ty, .. } = p else { continue };
            if matches!(
                ty,
                ParamType::IPV4_ADDRESS
                    | ParamType::IPV6_ADDRESS
                    | ParamType::HOST_NAME_ADDRESS
                    | ParamType::SUPPORTED_ADDRESS_TYPES
                    | ParamType::RANDOM
                    | ParamType::CHUNK_LIST
                    | ParamType::HMAC_ALGO
            ) {
                continue;
            }
            let a = ty.unknown_action();
            if a.report && out.len() < 8 {
                out.push(raw.to_vec());
            }
            if !a.skip {
                break;
            }
        }
        out
    }

    fn on_init(&mut self, now: Instant, init: &Init<'_>) {
        if init.initiate_tag == 0 || init.outbound_streams == 0 || init.inbound_streams == 0 {
            // RFC 9260 §3.3.2: invalid INIT; silently discarded.
            self.stats.malformed += 1;
            return;
        }
        let (local_tag, local_tsn, tie) = match self.state {
            State::Closed => (nonzero_u32(&mut self.rng), Tsn(self.rng.next_u32()), (0, 0)),
            // RFC 9260 §5.2.1: same tag and TSN as our own INIT.
            State::CookieWait | State::CookieEchoed => (self.my_tag, self.my_tsn, (0, 0)),
            // RFC 9260 §5.2.2: a new tag, with the current ones as tie-tags.
            State::Established
            | State::ShutdownPending
            | State::ShutdownSent
            | State::ShutdownReceived => (
                nonzero_u32(&mut self.rng),
                Tsn(self.rng.next_u32()),
                (self.my_tag, self.peer_tag),
            ),
            State::ShutdownAckSent => return,
        };
        let cookie = Cookie {
            created_ms: self.ms(now),
            local_tag,
            peer_tag: init.initiate_tag,
            local_tsn: local_tsn.0,
            peer_tsn: init.initial_tsn.0,
            peer_rwnd: init.a_rwnd,
            local_tie: tie.0,
            peer_tie: tie.1,
            reserved: 0,
            peer_outbound: init.outbound_streams,
            peer_inbound: init.inbound_streams,
            caps: Self::peer_caps(&init.params),
        }
        .encode(&self.cookie_key);
        let ours = self.our_params();
        let unrec = Self::unrecognized(&init.params);
        let mut ps = vec![Param::StateCookie(&cookie)];
        for u in &unrec {
            ps.push(Param::UnrecognizedParameter(u));
        }
        let mut params = ours;
        params.extend_from_slice(&encode_params(&ps));
        let ack = self.init_chunk_bytes(ChunkType::INIT_ACK, local_tag, local_tsn, &params);
        self.push_ctl(init.initiate_tag, ack, true, false);
    }

    fn setup(&mut self, peer_tsn: Tsn, peer_rwnd: u32, peer_inbound: u16, caps: Caps) {
        self.caps = caps;
        self.peer_streams = peer_inbound.min(self.cfg.streams);
        let mut tx = Sender::new(
            self.my_tsn,
            peer_rwnd,
            self.cfg.mtu,
            self.cfg.send_buffer,
            Rto::new(self.cfg.rto_initial, self.cfg.rto_min, self.cfg.rto_max),
        );
        tx.idata = self.uses_i_data();
        tx.pr = caps.forward_tsn;
        self.tx = Some(tx);
        self.rx = Some(Receiver::new(
            peer_tsn,
            self.cfg.receive_window as usize,
            self.cfg.max_message_size,
        ));
        // RFC 6525 §4.1: request sequence numbers start at the initial TSN.
        self.reconf.next_seq = self.my_tsn.0;
        self.reconf.peer_next_seq = peer_tsn.0;
        self.last_rwnd = self.cfg.receive_window as usize;
    }

    fn on_init_ack(&mut self, now: Instant, init: &Init<'_>) {
        if self.state != State::CookieWait {
            return; // RFC 9260 §5.2.3: discard
        }
        if init.initiate_tag == 0 {
            return;
        }
        let cookie = init.params.iter().find_map(|p| match p {
            Param::StateCookie(c) => Some(c),
            _ => None,
        });
        let Some(cookie) = cookie else {
            self.peer_tag = init.initiate_tag;
            self.send_abort(CauseCode::MISSING_MANDATORY_PARAMETER, &[0, 0, 0, 1, 0, 7]);
            self.close(CloseReason::ProtocolViolation);
            return;
        };
        self.peer_tag = init.initiate_tag;
        let caps = Self::peer_caps(&init.params);
        self.setup(init.initial_tsn, init.a_rwnd, init.inbound_streams, caps);
        let c = Chunk::CookieEcho(cookie);
        let mut v = Vec::new();
        c.emit_to(&mut v);
        self.cookie_echo = Some(v.clone());
        self.push_ctl(self.peer_tag, v, false, true);
        let unrec = Self::unrecognized(&init.params);
        if !unrec.is_empty() {
            let mut info = Vec::new();
            for u in &unrec {
                info.extend_from_slice(u);
                info.resize(crate::wire::pad4(info.len()), 0);
            }
            let causes = encode_causes(&[Cause {
                code: CauseCode::UNRECOGNIZED_PARAMETERS,
                info: &info,
            }]);
            self.push_chunk(&Chunk::Error(
                crate::wire::cause::Causes::parse(&causes).expect("valid"),
            ));
        }
        self.state = State::CookieEchoed;
        self.t1_rto = self.cfg.rto_initial;
        self.t1 = Some(now + self.t1_rto);
        self.t1_count = 0;
    }

    fn restart_init(&mut self, now: Instant) {
        self.state = State::Closed;
        self.tx = None;
        self.rx = None;
        self.peer_tag = 0;
        self.cookie_echo = None;
        let _ = self.connect(now);
    }

    fn on_cookie_echo(&mut self, now: Instant, vtag: u32, bytes: &[u8]) -> Result<(), Error> {
        let Some(c) = (bytes.len() == COOKIE_LEN)
            .then(|| Cookie::decode(bytes, &self.cookie_key))
            .flatten()
        else {
            self.stats.bad_tag += 1;
            return Err(Error::BadCookie);
        };
        if vtag != c.local_tag {
            self.stats.bad_tag += 1;
            return Err(Error::BadVerificationTag);
        }
        let now_ms = self.ms(now);
        let lifetime = self.cfg.cookie_lifetime.as_millis() as u64;
        // The lifetime guards the creation of a new association; a cookie for the handshake
        // or association we already run (RFC 9260 §5.2.4 actions B and D, e.g. after a lost
        // COOKIE ACK) is answered whatever its age, or the peer would be stuck.
        let ours = self.my_tag != 0 && c.local_tag == self.my_tag;
        if !ours && (c.created_ms > now_ms || now_ms - c.created_ms > lifetime) {
            // RFC 9260 §5.1.5 step 3: Stale Cookie error with the staleness in microseconds.
            let stale_us = (now_ms.saturating_sub(c.created_ms + lifetime) * 1000) as u32;
            let causes = encode_causes(&[Cause {
                code: CauseCode::STALE_COOKIE,
                info: &stale_us.to_be_bytes(),
            }]);
            let mut v = Vec::new();
            Chunk::Error(crate::wire::cause::Causes::parse(&causes).expect("valid"))
                .emit_to(&mut v);
            self.push_ctl(c.peer_tag, v, true, false);
            return Err(Error::BadCookie);
        }
        match self.state {
            State::Closed => {
                self.my_tag = c.local_tag;
                self.peer_tag = c.peer_tag;
                self.my_tsn = Tsn(c.local_tsn);
                self.setup(Tsn(c.peer_tsn), c.peer_rwnd, c.peer_inbound, c.caps);
                self.push_cookie_ack();
                self.established(now);
            }
            State::CookieWait | State::CookieEchoed if c.local_tag == self.my_tag => {
                // RFC 9260 §5.2.4 actions B and D: the INIT collision resolves here.
                self.peer_tag = c.peer_tag;
                if self.tx.is_none() || self.state == State::CookieWait {
                    self.setup(Tsn(c.peer_tsn), c.peer_rwnd, c.peer_inbound, c.caps);
                }
                self.t1 = None;
                self.cookie_echo = None;
                self.push_cookie_ack();
                self.established(now);
            }
            State::Established
            | State::ShutdownPending
            | State::ShutdownSent
            | State::ShutdownReceived
            | State::ShutdownAckSent
                if c.local_tag == self.my_tag =>
            {
                // Action D (or B with a refreshed peer tag): the COOKIE ACK was lost.
                if c.peer_tag == self.peer_tag {
                    self.push_cookie_ack();
                } else {
                    return Err(Error::BadCookie);
                }
            }
            _ => {
                // Action A (peer restart) is not supported; action C: silently discard.
                self.stats.bad_tag += 1;
                return Err(Error::BadCookie);
            }
        }
        Ok(())
    }

    fn push_cookie_ack(&mut self) {
        self.push_chunk(&Chunk::CookieAck);
    }

    fn established(&mut self, now: Instant) {
        if self.state != State::Established {
            self.state = State::Established;
            self.events.push_back(Event::Connected);
            self.arm_heartbeat(now);
        }
    }

    fn on_reconfig(&mut self, now: Instant, params: Params<'_>) {
        if self.rx.is_none() || !self.cfg_reconfig_ok() {
            return;
        }
        for p in params.iter() {
            match p {
                Param::OutgoingSsnReset {
                    request_seq,
                    last_tsn,
                    streams,
                    ..
                } => {
                    let expected = self.reconf.peer_next_seq;
                    let result = if request_seq == expected {
                        let rx = self.rx.as_mut().expect("checked");
                        if rx.has_received_through(Tsn(last_tsn)) {
                            let sids: Vec<u16> = streams.iter().collect();
                            rx.reset_streams(&sids);
                            self.events.push_back(Event::IncomingStreamsReset(sids));
                            self.reconf.peer_next_seq = expected.wrapping_add(1);
                            self.reconf.last_result = ReconfigResult::SUCCESS_PERFORMED;
                            ReconfigResult::SUCCESS_PERFORMED
                        } else {
                            // RFC 6525 §5.2.2: data before last_tsn is missing; the peer retries.
                            ReconfigResult::IN_PROGRESS
                        }
                    } else if request_seq == expected.wrapping_sub(1) {
                        self.reconf.last_result
                    } else {
                        ReconfigResult::ERROR_BAD_SEQUENCE_NUMBER
                    };
                    self.send_reconfig_response(request_seq, result);
                }
                Param::IncomingSsnReset { request_seq, .. }
                | Param::SsnTsnReset { request_seq }
                | Param::AddOutgoingStreams { request_seq, .. }
                | Param::AddIncomingStreams { request_seq, .. } => {
                    let expected = self.reconf.peer_next_seq;
                    let result = if request_seq == expected {
                        self.reconf.peer_next_seq = expected.wrapping_add(1);
                        self.reconf.last_result = ReconfigResult::DENIED;
                        ReconfigResult::DENIED
                    } else if request_seq == expected.wrapping_sub(1) {
                        self.reconf.last_result
                    } else {
                        ReconfigResult::ERROR_BAD_SEQUENCE_NUMBER
                    };
                    self.send_reconfig_response(request_seq, result);
                }
                Param::ReconfigResponse {
                    response_seq,
                    result,
                    ..
                } => {
                    let Some((seq, _)) = &self.reconf.pending else {
                        continue;
                    };
                    if *seq != response_seq {
                        continue;
                    }
                    if result == ReconfigResult::IN_PROGRESS {
                        self.reconf.timer = Some(now + self.rto());
                        continue;
                    }
                    let (_, streams) = self.reconf.pending.take().expect("checked");
                    self.reconf.timer = None;
                    self.reconf.next_seq = self.reconf.next_seq.wrapping_add(1);
                    if matches!(
                        result,
                        ReconfigResult::SUCCESS_PERFORMED | ReconfigResult::SUCCESS_NOTHING_TO_DO
                    ) {
                        if let Some(tx) = self.tx.as_mut() {
                            for &s in &streams {
                                tx.reset_stream(s);
                            }
                        }
                        self.events.push_back(Event::OutgoingStreamsReset(streams));
                    }
                    self.try_start_reset(now);
                }
                _ => {}
            }
        }
    }

    fn cfg_reconfig_ok(&self) -> bool {
        matches!(
            self.state,
            State::Established
                | State::ShutdownPending
                | State::ShutdownReceived
                | State::ShutdownSent
        )
    }

    fn send_reconfig_response(&mut self, seq: u32, result: ReconfigResult) {
        let p = encode_params(&[Param::ReconfigResponse {
            response_seq: seq,
            result,
            tsns: None,
        }]);
        self.push_chunk(&Chunk::ReConfig(Params::parse(&p).expect("valid")));
    }
}
