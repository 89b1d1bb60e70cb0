//! Data-channel commands of the Peer (RFC 8831).

use super::*;

impl Peer {
    /// Creates a data channel (W3C `createDataChannel`). Before the DTLS role is known the
    /// channel waits; its DCEP OPEN goes out once SCTP is up. With `options.negotiated` the
    /// stream id is the application's and no DCEP is sent.
    pub fn create_data_channel(
        &mut self,
        label: &str,
        mut options: ChannelOptions,
    ) -> Result<ChannelId, Error> {
        self.check_open()?;
        options.label = label.to_owned();
        let id = ChannelId(self.next_channel);
        self.next_channel += 1;
        let mut stream = None;
        if let Some(sctp) = &mut self.sctp {
            let s = sctp.open(self.now, options.clone())?;
            self.by_stream.insert(s, id);
            stream = Some(s);
        }
        self.channels.insert(
            id,
            Channel {
                stream,
                options,
                open: false,
                low_threshold: 0,
                counters: ChannelCounters::default(),
            },
        );
        self.pump();
        Ok(id)
    }

    /// Sends a message on an open channel: text (PPID 51) or binary (PPID 53). Fails with
    /// [`strata_sctp::Error::WouldBlock`] when the send buffer is full: wait for
    /// [`Event::ChannelBufferedAmountLow`] or for acknowledgements.
    pub fn send(&mut self, id: ChannelId, data: &[u8], binary: bool) -> Result<(), Error> {
        self.check_open()?;
        let stream = match self.channels.get(&id) {
            Some(Channel {
                stream: Some(s),
                open: true,
                ..
            }) => *s,
            _ => return Err(Error::UnknownChannel),
        };
        let sctp = self.sctp.as_mut().ok_or(Error::UnknownChannel)?;
        sctp.send(self.now, stream, data, binary)?;
        if let Some(c) = self.channels.get_mut(&id) {
            c.counters.messages_sent += 1;
            c.counters.bytes_sent += data.len() as u64;
        }
        self.stats.dc_messages_sent += 1;
        self.stats.dc_bytes_sent += data.len() as u64;
        Ok(())
    }

    /// Sends a text message.
    pub fn send_text(&mut self, id: ChannelId, text: &str) -> Result<(), Error> {
        self.send(id, text.as_bytes(), false)
    }

    /// Sets the threshold under which [`Event::ChannelBufferedAmountLow`] fires.
    pub fn set_buffered_amount_low_threshold(&mut self, id: ChannelId, threshold: usize) {
        if let Some(c) = self.channels.get_mut(&id) {
            c.low_threshold = threshold;
            if let (Some(s), Some(sctp)) = (c.stream, &mut self.sctp) {
                sctp.set_buffered_amount_low_threshold(s, threshold);
            }
        }
    }

    /// Closes a channel (RFC 8831 §6.7: outgoing stream reset).
    pub fn close_channel(&mut self, id: ChannelId) -> Result<(), Error> {
        let c = self.channels.get(&id).ok_or(Error::UnknownChannel)?;
        match (c.stream, &mut self.sctp) {
            (Some(s), Some(sctp)) => sctp.close(self.now, s)?,
            _ => {
                self.channels.remove(&id);
                self.push_event(Event::ChannelClosed(id));
            }
        }
        self.pump();
        Ok(())
    }

    /// Closes the peer as a browser does: SCTP ABORT (cause 12), DTLS close_notify, ICE
    /// closed. Drain [`poll_transmit`](Self::poll_transmit) afterwards to send them.
    pub fn close(&mut self) {
        if self.closed {
            return;
        }
        let now = self.now;
        if let Some(sctp) = &mut self.sctp {
            sctp.abort(now);
        }
        if let (Some(sctp), Some(dtls)) = (&mut self.sctp, &mut self.dtls)
            && dtls.is_connected()
        {
            while let Some(n) = sctp.poll_transmit(now, &mut self.sctp_buf) {
                let _ = dtls.send(&self.sctp_buf[..n]);
            }
        }
        if let Some(dtls) = &mut self.dtls {
            dtls.close();
        }
        if let (Some(dtls), Some(agent)) = (&mut self.dtls, &mut self.ice)
            && agent.selected_pair().is_some()
        {
            while dtls.poll_transmit(now, &mut self.buf).is_some() {
                let _ = agent.send(now, &self.buf);
            }
        }
        if let Some(agent) = &mut self.ice {
            agent.close(now);
        }
        self.closed = true;
        self.pump();
    }

    pub(super) fn check_open(&self) -> Result<(), Error> {
        if self.closed {
            Err(Error::Closed)
        } else {
            Ok(())
        }
    }
}
