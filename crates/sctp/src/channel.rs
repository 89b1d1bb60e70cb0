//! WebRTC data channels (RFC 8831) with DCEP (RFC 8832) over one [`Association`].

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::dcep::{ChannelType, DcepMessage, Ppid};
use crate::error::{CloseReason, Error};
use crate::event::Event;
use crate::{Association, Config, SendOptions};

/// Our DTLS role, which fixes the parity of the stream ids we pick (RFC 8832 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtlsRole {
    /// DTLS client: even stream ids.
    Client,
    /// DTLS server: odd stream ids.
    Server,
}

/// How a channel delivers (RFC 8831 §6.1, W3C `RTCDataChannelInit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelOptions {
    /// Label.
    pub label: String,
    /// Sub-protocol.
    pub protocol: String,
    /// In-order delivery.
    pub ordered: bool,
    /// Partial reliability by retransmission count.
    pub max_retransmits: Option<u16>,
    /// Partial reliability by lifetime in milliseconds.
    pub max_packet_lifetime: Option<u32>,
    /// DCEP priority (RFC 8832 §5.1; 256 is "low", the browsers' default).
    pub priority: u16,
    /// Negotiated out of band with this stream id: no DCEP.
    pub negotiated: Option<u16>,
}

impl Default for ChannelOptions {
    fn default() -> Self {
        ChannelOptions {
            label: String::new(),
            protocol: String::new(),
            ordered: true,
            max_retransmits: None,
            max_packet_lifetime: None,
            priority: 256,
            negotiated: None,
        }
    }
}

impl ChannelOptions {
    fn channel_type(&self) -> (ChannelType, u32) {
        let (base, rel) = match (self.max_retransmits, self.max_packet_lifetime) {
            (Some(n), _) => (0x01, u32::from(n)),
            (None, Some(ms)) => (0x02, ms),
            (None, None) => (0x00, 0),
        };
        let ty = if self.ordered { base } else { base | 0x80 };
        (ChannelType(ty), rel)
    }

    fn from_open(
        ct: ChannelType,
        reliability: u32,
        priority: u16,
        label: &str,
        protocol: &str,
    ) -> Self {
        let (max_retransmits, max_packet_lifetime) = match ct.0 & 0x7f {
            0x01 => (Some(reliability.min(u32::from(u16::MAX)) as u16), None),
            0x02 => (None, Some(reliability)),
            _ => (None, None),
        };
        ChannelOptions {
            label: label.to_string(),
            protocol: protocol.to_string(),
            ordered: !ct.is_unordered(),
            max_retransmits,
            max_packet_lifetime,
            priority,
            negotiated: None,
        }
    }

    fn send_options(&self) -> SendOptions {
        SendOptions {
            unordered: !self.ordered,
            max_retransmits: self.max_retransmits,
            lifetime: self
                .max_packet_lifetime
                .map(|ms| Duration::from_millis(u64::from(ms))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChState {
    /// OPEN sent (or waiting for the association); no ACK yet.
    Connecting,
    Open,
    Closing,
}

#[derive(Debug)]
struct Channel {
    opts: ChannelOptions,
    state: ChState,
    /// OPEN still to be sent (association not up yet).
    open_pending: bool,
    out_reset: bool,
    in_reset: bool,
}

/// Something the application should know about its channels.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelEvent {
    /// The association is up.
    Connected,
    /// A channel we opened was acknowledged (or is negotiated and the association is up).
    Open(u16),
    /// The peer opened a channel.
    Incoming {
        /// Stream id.
        id: u16,
        /// Its options as announced.
        options: ChannelOptions,
    },
    /// A message.
    Message {
        /// Channel id.
        id: u16,
        /// Binary (PPID 53/57) or text (51/56).
        binary: bool,
        /// Payload (empty for the empty PPIDs).
        data: Vec<u8>,
    },
    /// The buffered amount fell to the low threshold.
    BufferedAmountLow(u16),
    /// The channel is closed (both directions reset).
    Closed(u16),
    /// The association ended.
    AssociationClosed(CloseReason),
}

/// Data channels over one SCTP association: the same sans-IO contract as [`Association`].
#[derive(Debug)]
pub struct DataChannels {
    assoc: Association,
    role: DtlsRole,
    channels: HashMap<u16, Channel>,
    next_id: u16,
    events: VecDeque<ChannelEvent>,
    max_message_size: usize,
    max_channels: usize,
}

impl DataChannels {
    /// Creates the machine; `role` is our DTLS role.
    pub fn new(config: Config, role: DtlsRole, now: Instant) -> Self {
        let max_message_size = config.max_message_size;
        DataChannels {
            assoc: Association::new(config, now),
            role,
            channels: HashMap::new(),
            next_id: match role {
                DtlsRole::Client => 0,
                DtlsRole::Server => 1,
            },
            events: VecDeque::new(),
            max_message_size,
            max_channels: 65534,
        }
    }

    /// The underlying association.
    pub fn association(&self) -> &Association {
        &self.assoc
    }

    /// Sets the peer's `a=max-message-size` (RFC 8841 §6); 0 means 64 KiB... per RFC 8841 0
    /// means "no limit", which we cap at our own maximum.
    pub fn set_remote_max_message_size(&mut self, size: usize) {
        if size != 0 {
            self.max_message_size = size.min(self.max_message_size);
        }
    }

    /// Starts the association (both WebRTC peers do; the INITs collide by design).
    pub fn connect(&mut self, now: Instant) -> Result<(), Error> {
        self.assoc.connect(now)
    }

    /// Opens a channel and returns its stream id. Before the association is up the OPEN
    /// waits; negotiated channels open without DCEP.
    pub fn open(&mut self, now: Instant, opts: ChannelOptions) -> Result<u16, Error> {
        if opts.label.len() > usize::from(u16::MAX) || opts.protocol.len() > usize::from(u16::MAX) {
            return Err(Error::MessageTooLarge);
        }
        if self.channels.len() >= self.max_channels {
            return Err(Error::InvalidStream);
        }
        let id = match opts.negotiated {
            Some(id) => {
                if self.channels.contains_key(&id) || id == u16::MAX {
                    return Err(Error::InvalidStream);
                }
                id
            }
            None => self.alloc_id()?,
        };
        let negotiated = opts.negotiated.is_some();
        self.channels.insert(
            id,
            Channel {
                opts,
                state: if negotiated {
                    ChState::Open
                } else {
                    ChState::Connecting
                },
                open_pending: !negotiated,
                out_reset: false,
                in_reset: false,
            },
        );
        if negotiated {
            if self.assoc.is_established() {
                self.events.push_back(ChannelEvent::Open(id));
            }
        } else {
            self.flush_opens(now);
        }
        Ok(id)
    }

    fn alloc_id(&mut self) -> Result<u16, Error> {
        for _ in 0..32768 {
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(2);
            if self.next_id == u16::MAX {
                self.next_id = u16::from(self.role == DtlsRole::Server);
            }
            if id != u16::MAX && !self.channels.contains_key(&id) {
                return Ok(id);
            }
        }
        Err(Error::InvalidStream)
    }

    fn flush_opens(&mut self, now: Instant) {
        if !self.assoc.is_established() {
            return;
        }
        let mut ids: Vec<u16> = self
            .channels
            .iter()
            .filter(|(_, c)| c.open_pending)
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        for id in ids {
            let c = self.channels.get_mut(&id).expect("invariant: listed");
            let (ct, rel) = c.opts.channel_type();
            let mut msg = Vec::new();
            DcepMessage::Open {
                channel_type: ct,
                priority: c.opts.priority,
                reliability: rel,
                label: &c.opts.label,
                protocol: &c.opts.protocol,
            }
            .emit_to(&mut msg);
            // RFC 8832 §6: DCEP messages go reliable and ordered.
            match self
                .assoc
                .send(now, id, Ppid::DCEP.0, msg, SendOptions::default())
            {
                Ok(()) => c.open_pending = false,
                Err(_) => break,
            }
        }
    }

    /// Sends a message. Text uses PPID 51, binary 53; empty messages use 56/57 with one
    /// ignored byte (RFC 8831 §6.6).
    pub fn send(&mut self, now: Instant, id: u16, data: &[u8], binary: bool) -> Result<(), Error> {
        let c = self.channels.get(&id).ok_or(Error::InvalidStream)?;
        if c.state == ChState::Closing || c.open_pending {
            return Err(Error::InvalidState);
        }
        if data.len() > self.max_message_size {
            return Err(Error::MessageTooLarge);
        }
        let mut opts = c.opts.send_options();
        if c.state == ChState::Connecting {
            // RFC 8832 §6: ordered until the ACK arrives.
            opts.unordered = false;
        }
        let (ppid, payload) = match (data.is_empty(), binary) {
            (true, true) => (Ppid::BINARY_EMPTY, vec![0]),
            (true, false) => (Ppid::STRING_EMPTY, vec![0]),
            (false, true) => (Ppid::BINARY, data.to_vec()),
            (false, false) => (Ppid::STRING, data.to_vec()),
        };
        self.assoc.send(now, id, ppid.0, payload, opts)
    }

    /// Closes a channel by resetting its outgoing stream (RFC 8831 §6.7).
    pub fn close(&mut self, now: Instant, id: u16) -> Result<(), Error> {
        let c = self.channels.get_mut(&id).ok_or(Error::InvalidStream)?;
        if c.state == ChState::Closing {
            return Ok(());
        }
        c.state = ChState::Closing;
        if c.open_pending {
            // Never announced: nothing to reset.
            self.channels.remove(&id);
            self.events.push_back(ChannelEvent::Closed(id));
            return Ok(());
        }
        self.assoc.reset_streams(now, &[id])
    }

    /// Bytes queued on a channel and not yet acknowledged.
    pub fn buffered_amount(&self, id: u16) -> usize {
        self.assoc.buffered_amount(id)
    }

    /// Sets the buffered-amount low threshold of a channel.
    pub fn set_buffered_amount_low_threshold(&mut self, id: u16, threshold: usize) {
        self.assoc.set_buffered_amount_low_threshold(id, threshold);
    }

    /// Label and options of a channel.
    pub fn options(&self, id: u16) -> Option<&ChannelOptions> {
        self.channels.get(&id).map(|c| &c.opts)
    }

    /// Number of channels (opening, open or closing).
    pub fn len(&self) -> usize {
        self.channels.len()
    }

    /// True when there are no channels.
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    /// Aborts the association (as closing a PeerConnection does).
    pub fn abort(&mut self, now: Instant) {
        self.assoc.abort(now);
        self.pump(now);
    }

    /// Handles an SCTP packet. See [`Association::handle_packet`].
    pub fn handle_packet(&mut self, now: Instant, data: &[u8]) -> Result<(), Error> {
        let r = self.assoc.handle_packet(now, data);
        self.pump(now);
        r
    }

    /// Runs timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.assoc.handle_timeout(now);
        self.pump(now);
    }

    /// Next packet to send.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        let r = self.assoc.poll_transmit(now, buf);
        self.pump(now);
        r
    }

    /// Next timer deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.assoc.poll_timeout()
    }

    /// Next event.
    pub fn poll_event(&mut self) -> Option<ChannelEvent> {
        self.events.pop_front()
    }

    /// Turns association events into channel events.
    fn pump(&mut self, now: Instant) {
        while let Some(e) = self.assoc.poll_event() {
            match e {
                Event::Connected => {
                    self.events.push_back(ChannelEvent::Connected);
                    let mut negotiated: Vec<u16> = self
                        .channels
                        .iter()
                        .filter(|(_, c)| c.opts.negotiated.is_some())
                        .map(|(id, _)| *id)
                        .collect();
                    negotiated.sort_unstable();
                    for id in negotiated {
                        self.events.push_back(ChannelEvent::Open(id));
                    }
                    self.flush_opens(now);
                }
                Event::Message(m) => self.on_message(now, m),
                Event::IncomingStreamsReset(sids) => {
                    for sid in sids {
                        let Some(c) = self.channels.get_mut(&sid) else {
                            continue;
                        };
                        c.in_reset = true;
                        if c.state != ChState::Closing {
                            c.state = ChState::Closing;
                            let _ = self.assoc.reset_streams(now, &[sid]);
                        }
                        self.maybe_closed(sid);
                    }
                }
                Event::OutgoingStreamsReset(sids) => {
                    for sid in sids {
                        if let Some(c) = self.channels.get_mut(&sid) {
                            c.out_reset = true;
                            self.maybe_closed(sid);
                        }
                    }
                }
                Event::BufferedAmountLow(sid) if self.channels.contains_key(&sid) => {
                    self.events.push_back(ChannelEvent::BufferedAmountLow(sid));
                }
                Event::Closed(r) => {
                    let mut ids: Vec<u16> = self.channels.keys().copied().collect();
                    ids.sort_unstable();
                    self.channels.clear();
                    for id in ids {
                        self.events.push_back(ChannelEvent::Closed(id));
                    }
                    self.events.push_back(ChannelEvent::AssociationClosed(r));
                }
                _ => {}
            }
        }
    }

    fn maybe_closed(&mut self, sid: u16) {
        if let Some(c) = self.channels.get(&sid)
            && c.in_reset
            && c.out_reset
        {
            self.channels.remove(&sid);
            self.events.push_back(ChannelEvent::Closed(sid));
        }
    }

    fn on_message(&mut self, now: Instant, m: crate::Message) {
        let id = m.stream_id;
        match Ppid(m.ppid) {
            Ppid::DCEP => match DcepMessage::parse(&m.data) {
                Ok(DcepMessage::Open {
                    channel_type,
                    priority,
                    reliability,
                    label,
                    protocol,
                }) => {
                    let ours = id.is_multiple_of(2) == (self.role == DtlsRole::Client);
                    if ours
                        || self.channels.contains_key(&id)
                        || self.channels.len() >= self.max_channels
                    {
                        // RFC 8832 §6: wrong parity or id in use: ignore the OPEN.
                        return;
                    }
                    let options = ChannelOptions::from_open(
                        channel_type,
                        reliability,
                        priority,
                        label,
                        protocol,
                    );
                    self.channels.insert(
                        id,
                        Channel {
                            opts: options.clone(),
                            state: ChState::Open,
                            open_pending: false,
                            out_reset: false,
                            in_reset: false,
                        },
                    );
                    let mut ack = Vec::new();
                    DcepMessage::Ack.emit_to(&mut ack);
                    let _ = self
                        .assoc
                        .send(now, id, Ppid::DCEP.0, ack, SendOptions::default());
                    self.events
                        .push_back(ChannelEvent::Incoming { id, options });
                }
                Ok(DcepMessage::Ack) => {
                    if let Some(c) = self.channels.get_mut(&id)
                        && c.state == ChState::Connecting
                    {
                        c.state = ChState::Open;
                        self.events.push_back(ChannelEvent::Open(id));
                    }
                }
                Err(_) => {}
            },
            p => {
                if !self.channels.contains_key(&id) {
                    return;
                }
                // Data implies the peer got our OPEN (RFC 8832 §6).
                if let Some(c) = self.channels.get_mut(&id)
                    && c.state == ChState::Connecting
                {
                    c.state = ChState::Open;
                    self.events.push_back(ChannelEvent::Open(id));
                }
                let (binary, data) = match p {
                    Ppid::STRING | Ppid::STRING_PARTIAL => (false, m.data),
                    Ppid::BINARY | Ppid::BINARY_PARTIAL => (true, m.data),
                    Ppid::STRING_EMPTY => (false, Vec::new()),
                    Ppid::BINARY_EMPTY => (true, Vec::new()),
                    _ => return,
                };
                self.events
                    .push_back(ChannelEvent::Message { id, binary, data });
            }
        }
    }
}
