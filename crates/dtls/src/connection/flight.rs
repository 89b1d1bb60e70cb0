//! Outgoing flights: building, MTU-sized fragmentation and packing, retransmission
//! (RFC 6347 §4.2.3, §4.2.4).

use super::*;

impl Connection {
    /// Starts a new flight: the previous one is acknowledged by what we just received.
    pub(super) fn begin_flight(&mut self) {
        self.flight.clear();
        self.retransmit_at = None;
        self.rto = self.cfg.initial_rto;
        self.retransmits = 0;
    }

    /// Adds a handshake message to the current flight and the transcript.
    pub(super) fn add_message(&mut self, epoch: Epoch, msg: &HandshakeMessage<'_>, hash_it: bool) {
        let hs = self.hs.as_mut().expect("invariant: handshaking");
        let seq = hs.send_seq;
        hs.send_seq = hs.send_seq.wrapping_add(1);
        let mut body = Vec::new();
        msg.emit_body(&mut body);
        if hash_it {
            append_transcript(&mut hs.transcript, msg.msg_type(), seq, &body);
        }
        self.flight.push(FlightItem::Handshake {
            epoch,
            msg_type: msg.msg_type(),
            seq,
            body,
        });
    }

    /// Sends the current flight; arms the timer when a reply is expected.
    pub(super) fn send_flight(&mut self, now: Instant, expects_reply: bool) -> Result<(), Error> {
        self.transmit_flight(now)?;
        self.retransmit_at = expects_reply.then(|| now + self.rto);
        Ok(())
    }

    /// Packs the flight into MTU-sized datagrams, fragmenting messages as needed
    /// (RFC 6347 §4.1.1.1, §4.2.3). Each transmission uses fresh record numbers.
    pub(super) fn transmit_flight(&mut self, now: Instant) -> Result<(), Error> {
        self.last_flight_tx = Some(now);
        let mtu = self.cfg.mtu;
        let flight = core::mem::take(&mut self.flight);
        let mut d = self.free.pop().unwrap_or_default();
        let mut frag = Vec::new();
        let mut result = Ok(());
        'items: for item in &flight {
            match item {
                FlightItem::ChangeCipherSpec => {
                    if d.len() + record::HEADER_LEN + 1 > mtu {
                        self.enqueue(core::mem::take(&mut d));
                    }
                    if let Err(e) =
                        self.push_record(&mut d, ContentType::CHANGE_CIPHER_SPEC, Epoch(0), &[1])
                    {
                        result = Err(e);
                        break 'items;
                    }
                    self.write_epoch = Epoch(1);
                }
                FlightItem::Handshake {
                    epoch,
                    msg_type,
                    seq,
                    body,
                } => {
                    let overhead = record::HEADER_LEN
                        + handshake::HEADER_LEN
                        + if epoch.0 > 0 {
                            self.write_cipher.as_ref().map_or(0, |c| c.overhead())
                        } else {
                            0
                        };
                    let mut off = 0;
                    loop {
                        let remaining = body.len() - off;
                        let mut room = mtu.saturating_sub(d.len() + overhead);
                        // Start a new datagram rather than send a sliver.
                        let no_fit = d.len() + overhead > mtu || room < remaining.min(64);
                        if no_fit && !d.is_empty() {
                            self.enqueue(core::mem::take(&mut d));
                            d = self.free.pop().unwrap_or_default();
                            room = mtu - overhead;
                        }
                        let n = remaining.min(room);
                        frag.clear();
                        HandshakeHeader {
                            msg_type: *msg_type,
                            length: body.len() as u32,
                            message_seq: *seq,
                            fragment_offset: off as u32,
                            fragment_length: n as u32,
                        }
                        .emit(&mut frag);
                        frag.extend_from_slice(&body[off..off + n]);
                        if let Err(e) =
                            self.push_record(&mut d, ContentType::HANDSHAKE, *epoch, &frag)
                        {
                            result = Err(e);
                            break 'items;
                        }
                        off += n;
                        if off >= body.len() {
                            break;
                        }
                    }
                }
            }
        }
        if !d.is_empty() {
            self.enqueue(d);
        }
        self.flight = flight;
        result
    }
}
