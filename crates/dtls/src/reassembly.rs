//! Handshake message reassembly (RFC 6347 §4.2.3): fragments in any order, duplicates and
//! overlaps, bounded in messages, bytes and gaps.

use crate::handshake::{Fragment, HandshakeType, MAX_MESSAGE_LEN};
use crate::record::Epoch;

/// How many messages ahead of the next expected one we buffer.
pub const WINDOW: u16 = 8;
/// Total bytes buffered across partial messages.
pub const MAX_BUFFERED: usize = 128 * 1024;
/// Distinct received ranges per message before we give up on it (a fragment storm).
const MAX_RANGES: usize = 64;

#[derive(Debug)]
struct Partial {
    msg_type: HandshakeType,
    epoch: Epoch,
    body: Vec<u8>,
    /// Sorted, disjoint, non-adjacent received ranges.
    ranges: Vec<(u32, u32)>,
}

impl Partial {
    fn complete(&self) -> bool {
        self.ranges.len() == 1 && self.ranges[0] == (0, self.body.len() as u32)
            || self.body.is_empty()
    }

    fn add(&mut self, start: u32, end: u32, data: &[u8]) -> bool {
        if start == end {
            return true;
        }
        // Merge [start, end) into the range list.
        let mut merged = (start, end);
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        let mut placed = false;
        for &(s, e) in &self.ranges {
            if e < merged.0 {
                out.push((s, e));
            } else if s > merged.1 {
                if !placed {
                    out.push(merged);
                    placed = true;
                }
                out.push((s, e));
            } else {
                merged = (merged.0.min(s), merged.1.max(e));
            }
        }
        if !placed {
            out.push(merged);
        }
        if out.len() > MAX_RANGES {
            return false;
        }
        self.body[start as usize..end as usize].copy_from_slice(data);
        self.ranges = out;
        true
    }
}

/// Result of offering a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offer {
    /// Belongs to a message already delivered: the peer is retransmitting.
    Old,
    /// Stored (or a harmless duplicate).
    Stored,
    /// Dropped: too far ahead, inconsistent with earlier fragments, or over a bound.
    Dropped,
}

/// A complete message.
#[derive(Debug)]
pub(crate) struct Message {
    pub(crate) msg_type: HandshakeType,
    pub(crate) seq: u16,
    pub(crate) epoch: Epoch,
    pub(crate) body: Vec<u8>,
}

/// The reassembly buffer for incoming handshake messages.
#[derive(Debug, Default)]
pub(crate) struct Reassembler {
    next_seq: u16,
    slots: [Option<Partial>; WINDOW as usize],
    buffered: usize,
}

impl Reassembler {
    /// Skips ahead to `seq`, dropping anything buffered (a server waiting for a ClientHello
    /// follows the client's numbering, RFC 6347 §4.2.2).
    pub(crate) fn skip_to(&mut self, seq: u16) {
        if seq > self.next_seq {
            self.next_seq = seq;
            self.slots = Default::default();
            self.buffered = 0;
        }
    }

    #[cfg(test)]
    pub(crate) fn next_seq(&self) -> u16 {
        self.next_seq
    }

    pub(crate) fn offer(&mut self, f: &Fragment<&[u8]>, epoch: Epoch) -> Offer {
        let seq = f.message_seq();
        if seq < self.next_seq {
            return Offer::Old;
        }
        let idx = seq - self.next_seq;
        if idx >= WINDOW || f.length() > MAX_MESSAGE_LEN {
            return Offer::Dropped;
        }
        let slot = &mut self.slots[idx as usize];
        if slot.is_none() {
            if self.buffered + f.length() as usize > MAX_BUFFERED {
                return Offer::Dropped;
            }
            self.buffered += f.length() as usize;
            *slot = Some(Partial {
                msg_type: f.msg_type(),
                epoch,
                body: vec![0; f.length() as usize],
                ranges: Vec::new(),
            });
        }
        let p = slot.as_mut().expect("invariant: slot filled above");
        if p.msg_type != f.msg_type() || p.body.len() != f.length() as usize || p.epoch != epoch {
            return Offer::Dropped;
        }
        let start = f.fragment_offset();
        let end = start + f.fragment_length();
        if p.add(start, end, f.body()) {
            Offer::Stored
        } else {
            Offer::Dropped
        }
    }

    /// The next message in order, when complete.
    pub(crate) fn pop(&mut self) -> Option<Message> {
        if !self.slots[0].as_ref().is_some_and(Partial::complete) {
            return None;
        }
        let p = self.slots[0].take().expect("invariant: checked above");
        self.slots.rotate_left(1);
        self.buffered -= p.body.len();
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        Some(Message {
            msg_type: p.msg_type,
            seq,
            epoch: p.epoch,
            body: p.body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::HandshakeHeader;
    use proptest::prelude::*;

    fn frag(seq: u16, total: &[u8], off: usize, len: usize) -> Vec<u8> {
        let mut v = Vec::new();
        HandshakeHeader {
            msg_type: HandshakeType::CERTIFICATE,
            length: total.len() as u32,
            message_seq: seq,
            fragment_offset: off as u32,
            fragment_length: len as u32,
        }
        .emit(&mut v);
        v.extend_from_slice(&total[off..off + len]);
        v
    }

    fn offer(r: &mut Reassembler, b: &[u8]) -> Offer {
        r.offer(&Fragment::new_checked(b).unwrap(), Epoch(0))
    }

    #[test]
    fn rfc6347_4_2_3_out_of_order_overlapping_fragments() {
        let msg: Vec<u8> = (0..100u8).collect();
        let mut r = Reassembler::default();
        assert_eq!(offer(&mut r, &frag(0, &msg, 50, 50)), Offer::Stored);
        assert!(r.pop().is_none());
        assert_eq!(offer(&mut r, &frag(0, &msg, 10, 45)), Offer::Stored);
        assert_eq!(offer(&mut r, &frag(0, &msg, 10, 45)), Offer::Stored);
        assert!(r.pop().is_none());
        assert_eq!(offer(&mut r, &frag(0, &msg, 0, 11)), Offer::Stored);
        let m = r.pop().unwrap();
        assert_eq!((m.seq, m.body), (0, msg.clone()));
        assert_eq!(offer(&mut r, &frag(0, &msg, 0, 100)), Offer::Old);
        assert_eq!(
            offer(&mut r, &frag(WINDOW + 1, &msg, 0, 100)),
            Offer::Dropped
        );
    }

    #[test]
    fn inconsistent_fragments_are_dropped() {
        let msg = vec![1u8; 10];
        let mut r = Reassembler::default();
        assert_eq!(offer(&mut r, &frag(0, &msg, 0, 5)), Offer::Stored);
        assert_eq!(offer(&mut r, &frag(0, &[0; 12], 5, 5)), Offer::Dropped);
    }

    proptest! {
        /// Any delivery order of a covering fragment set, with duplicates, yields the message.
        #[test]
        fn reassembles_any_order(len in 1usize..300, cuts in proptest::collection::vec(0usize..300, 0..10),
                                 order in proptest::collection::vec(any::<u16>(), 0..30)) {
            let msg: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut points: Vec<usize> = cuts.into_iter().map(|c| c % len).collect();
            points.push(0);
            points.push(len);
            points.sort();
            points.dedup();
            let pieces: Vec<(usize, usize)> = points.windows(2).map(|w| (w[0], w[1] - w[0])).collect();
            let mut seq: Vec<usize> = (0..pieces.len()).collect();
            for (i, o) in order.iter().enumerate() {
                let a = i % seq.len();
                let b = *o as usize % seq.len();
                seq.swap(a, b);
            }
            seq.push(0); // a duplicate
            let mut r = Reassembler::default();
            for i in &seq {
                let (o, l) = pieces[*i];
                offer(&mut r, &frag(0, &msg, o, l));
            }
            let m = r.pop().unwrap();
            prop_assert_eq!(m.body, msg);
        }
    }
}
