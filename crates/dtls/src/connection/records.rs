//! Record layer of a connection: protection, epochs, replay window, dispatch by content
//! type (RFC 6347 §4.1), and handshake fragments into reassembly.

use super::*;

impl Connection {
    /// Appends one record to `out`, protecting it for epochs above 0.
    pub(super) fn push_record(
        &mut self,
        out: &mut Vec<u8>,
        ct: ContentType,
        epoch: Epoch,
        payload: &[u8],
    ) -> Result<(), Error> {
        let idx = usize::from(epoch.0.min(1));
        let seq = self.write_seq[idx];
        self.write_seq[idx] = seq
            .next()
            .ok_or(Error::Internal("sequence numbers exhausted"))?;
        let version = ProtocolVersion::DTLS_1_2;
        let start = out.len();
        if epoch.0 == 0 {
            out.resize(start + record::HEADER_LEN + payload.len(), 0);
            record::emit_header(&mut out[start..], ct, version, epoch, seq, payload.len());
            out[start + record::HEADER_LEN..].copy_from_slice(payload);
            return Ok(());
        }
        let cipher = self
            .write_cipher
            .as_ref()
            .ok_or(Error::Internal("no write keys"))?;
        let frag_len = cipher.overhead() + payload.len();
        out.resize(start + record::HEADER_LEN + frag_len, 0);
        record::emit_header(&mut out[start..], ct, version, epoch, seq, frag_len);
        let en = cipher.alg().explicit_nonce_len();
        let body = &mut out[start + record::HEADER_LEN..];
        body[en..en + payload.len()].copy_from_slice(payload);
        let es = record::epoch_seq_u64(epoch, seq);
        let aad = aad(es, ct, version, payload.len());
        cipher.seal(es, &aad, body);
        Ok(())
    }

    pub(super) fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) -> Result<(), Error> {
        for rec in Records::new(datagram) {
            match rec {
                Ok(r) => self.handle_record(now, r)?,
                Err(_) => self.stats.malformed += 1,
            }
            if self.phase == Phase::Closed {
                return Ok(());
            }
        }
        // Records of the next epoch that came before their keys.
        if self.read_cipher.is_some() && !self.early.is_empty() {
            for raw in core::mem::take(&mut self.early) {
                if let Ok(r) = Record::new_checked(&raw[..]) {
                    self.handle_record(now, RecordRepr::parse(&r))?;
                }
            }
        }
        Ok(())
    }

    pub(super) fn handle_record(&mut self, now: Instant, rec: RecordRepr<'_>) -> Result<(), Error> {
        if !rec.version.is_dtls() {
            self.stats.malformed += 1;
            return Ok(());
        }
        match rec.epoch.0 {
            0 => {
                // RFC 6347 §4.1: after the handshake, plaintext may only be a retransmitted
                // handshake flight; alerts and data there are unauthenticated and ignored.
                if self.phase != Phase::Handshaking && rec.content_type != ContentType::HANDSHAKE {
                    self.stats.wrong_epoch += 1;
                    return Ok(());
                }
                self.handle_plaintext(now, rec.content_type, Epoch(0), rec.fragment)
            }
            1 => {
                let Some(cipher) = self.read_cipher.as_ref() else {
                    if self.phase == Phase::Handshaking && self.early.len() < MAX_EARLY_RECORDS {
                        let mut raw = vec![0; rec.buffer_len()];
                        rec.emit(&mut raw);
                        self.early.push(raw);
                    } else {
                        self.stats.wrong_epoch += 1;
                    }
                    return Ok(());
                };
                if !self.replay.check(rec.seq) {
                    self.stats.replayed += 1;
                    return Ok(());
                }
                let mut buf = core::mem::take(&mut self.scratch);
                buf.clear();
                buf.extend_from_slice(rec.fragment);
                let es = record::epoch_seq_u64(rec.epoch, rec.seq);
                let opened = cipher.open(es, &mut buf, |len| {
                    aad(es, rec.content_type, rec.version, len)
                });
                let r = match opened {
                    Ok(range) => {
                        self.replay.accept(rec.seq);
                        self.handle_plaintext(now, rec.content_type, Epoch(1), &buf[range])
                    }
                    Err(_) => {
                        // RFC 6347 §4.1.2.7: invalid records are silently discarded.
                        self.stats.bad_mac += 1;
                        Ok(())
                    }
                };
                self.scratch = buf;
                r
            }
            _ => {
                self.stats.wrong_epoch += 1;
                Ok(())
            }
        }
    }

    pub(super) fn handle_plaintext(
        &mut self,
        now: Instant,
        ct: ContentType,
        epoch: Epoch,
        data: &[u8],
    ) -> Result<(), Error> {
        match ct {
            ContentType::HANDSHAKE => self.handle_handshake_record(now, epoch, data),
            ContentType::CHANGE_CIPHER_SPEC => {
                // Epochs are explicit in DTLS records, so CCS carries no state here; Finished
                // is only accepted from epoch 1 (checked in `process`).
                if data != [1] {
                    self.stats.malformed += 1;
                }
                Ok(())
            }
            ContentType::ALERT => {
                let Ok(alert) = Alert::parse(data) else {
                    self.stats.malformed += 1;
                    return Ok(());
                };
                if alert.description == AlertDescription::CLOSE_NOTIFY {
                    if !self.close_sent {
                        self.send_alert(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY);
                        self.close_sent = true;
                    }
                    self.phase = Phase::Closed;
                    self.retransmit_at = None;
                    self.flight.clear();
                    self.hs = None;
                    self.push_event(Event::Closed);
                    Ok(())
                } else if alert.level == AlertLevel::FATAL {
                    // No alert goes back for a received fatal alert.
                    self.error = Some(Error::AlertReceived(alert.description));
                    self.fail_silently();
                    Err(Error::AlertReceived(alert.description))
                } else {
                    Ok(())
                }
            }
            ContentType::APPLICATION_DATA => {
                if epoch.0 == 1 && self.phase == Phase::Connected {
                    // The client's data proves it has our final flight (RFC 6347 §4.2.4).
                    if self.role == Role::Server {
                        self.flight.clear();
                    }
                    let mut v = self.free.pop().unwrap_or_default();
                    v.clear();
                    v.extend_from_slice(data);
                    self.push_event(Event::ApplicationData(v));
                } else {
                    self.stats.wrong_epoch += 1;
                }
                Ok(())
            }
            _ => {
                self.stats.malformed += 1;
                Ok(())
            }
        }
    }

    pub(super) fn fail_silently(&mut self) {
        self.flight.clear();
        self.retransmit_at = None;
        self.phase = Phase::Failed;
        self.hs = None;
        if let Some(e) = self.error {
            self.push_event(Event::Failed(e));
        }
    }

    pub(super) fn handle_handshake_record(
        &mut self,
        now: Instant,
        epoch: Epoch,
        mut data: &[u8],
    ) -> Result<(), Error> {
        let mut old = false;
        while !data.is_empty() {
            let f = match Fragment::new_checked(data) {
                Ok(f) => f,
                Err(e) if epoch.0 > 0 => return Err(e.into()),
                Err(_) => {
                    self.stats.malformed += 1;
                    break;
                }
            };
            data = &data[f.total_len()..];
            // A server still waiting for a ClientHello takes the client's message_seq as it
            // comes (a client that already did a cookie exchange with a previous instance).
            if f.msg_type() == HandshakeType::CLIENT_HELLO
                && epoch.0 == 0
                && f.message_seq() <= 8
                && self
                    .hs
                    .as_ref()
                    .is_some_and(|h| h.state == HsState::ServerWaitHello)
            {
                self.reasm.skip_to(f.message_seq());
            }
            match self.reasm.offer(&f, epoch) {
                Offer::Old => old = true,
                Offer::Stored => {}
                Offer::Dropped => self.stats.reassembly_dropped += 1,
            }
            while let Some(m) = self.reasm.pop() {
                self.process(now, m)?;
                if self.phase != Phase::Handshaking && self.phase != Phase::Connected {
                    return Ok(());
                }
            }
        }
        if old {
            self.peer_retransmitted(now)?;
        }
        Ok(())
    }

    /// The peer repeated its previous flight: ours was lost, so resend it (RFC 6347 §4.2.4),
    /// at most once per quarter of the initial timeout.
    pub(super) fn peer_retransmitted(&mut self, now: Instant) -> Result<(), Error> {
        if self.flight.is_empty() {
            return Ok(());
        }
        if self
            .last_flight_tx
            .is_some_and(|t| now < t + self.cfg.initial_rto / 4)
        {
            return Ok(());
        }
        self.transmit_flight(now)
    }
}
