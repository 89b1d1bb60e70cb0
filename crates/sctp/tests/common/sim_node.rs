//! An association as a strata-sim machine, for the tests that run over strata-sim (the
//! in-memory network of `common/mod.rs` keeps the other tests independent of it).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Instant;

use strata_sctp::wire::chunk::ChunkType;
use strata_sctp::wire::packet::Packet;
use strata_sctp::{Association, Config, Event};
use strata_sim::{Datagram, Machine};

pub struct SimNode {
    pub assoc: Association,
    me: SocketAddr,
    peer: SocketAddr,
    buf: Vec<u8>,
    /// Count DATA chunks and bursts below (parses every packet sent).
    count: bool,
    /// DATA chunks put on the wire (first transmissions and retransmissions).
    pub data_chunks: u64,
    /// Largest number of DATA-carrying packets emitted in one drain (between two inputs).
    burst: u64,
    pub max_burst: u64,
}

impl SimNode {
    /// An association seeded with `seed` at `me`, sending everything to `peer`.
    pub fn new(
        cfg: Config,
        seed: [u8; 32],
        me: SocketAddr,
        peer: SocketAddr,
        now: Instant,
    ) -> Self {
        SimNode {
            assoc: Association::new(cfg.with_seed(seed), now),
            me,
            peer,
            buf: Vec::new(),
            count: false,
            data_chunks: 0,
            burst: 0,
            max_burst: 0,
        }
    }

    /// Also counts DATA chunks (`data_chunks`) and bursts (`max_burst`).
    pub fn counting(self) -> Self {
        SimNode {
            count: true,
            ..self
        }
    }
}

impl Machine for SimNode {
    type Event = Event;
    fn handle_datagram(&mut self, now: Instant, _from: SocketAddr, _to: SocketAddr, data: &[u8]) {
        self.burst = 0;
        let _ = self.assoc.handle_packet(now, data);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.burst = 0;
        self.assoc.handle_timeout(now);
    }
    fn poll_transmit(&mut self, now: Instant) -> Option<Datagram> {
        let n = self.assoc.poll_transmit(now, &mut self.buf)?;
        if self.count {
            let pkt = Packet::new_checked(&self.buf[..n]).expect("we emit valid packets");
            let data = pkt
                .chunks()
                .filter_map(Result::ok)
                .filter(|c| c.ty == ChunkType::DATA || c.ty == ChunkType::I_DATA)
                .count() as u64;
            if data > 0 {
                self.data_chunks += data;
                self.burst += 1;
                self.max_burst = self.max_burst.max(self.burst);
            }
        }
        Some(Datagram {
            from: self.me,
            to: self.peer,
            data: self.buf[..n].to_vec(),
        })
    }
    fn poll_event(&mut self) -> Option<Event> {
        self.assoc.poll_event()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.assoc.poll_timeout()
    }
}
