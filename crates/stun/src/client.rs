//! Sans-IO client transactions (RFC 8489 §6.2, §6.3).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::attr::{Attribute, ErrorCode};
use crate::builder::MessageBuilder;
use crate::config::Config;
use crate::credentials::IntegrityKey;
use crate::error::Error;
use crate::event::{Event, Response};
use crate::header::{Class, Method, TransactionId};
use crate::message::Message;

/// Which integrity attribute a request carries, and its key (RFC 8489 §9).
#[derive(Debug, Clone, Copy)]
pub enum Integrity<'a> {
    /// MESSAGE-INTEGRITY (HMAC-SHA1) with this key: a short-term password
    /// ([`short_term_key`](crate::credentials::short_term_key)) or a
    /// [`LongTermKey`](crate::credentials::LongTermKey).
    Sha1(&'a [u8]),
    /// MESSAGE-INTEGRITY-SHA256 with this key.
    Sha256(&'a [u8]),
}

/// A request to send: the method, its attributes in order, then the integrity and
/// fingerprint attributes the client computes.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The method.
    pub method: Method,
    /// Attributes, in order (USERNAME, PRIORITY, custom ones as [`Attribute::Unknown`], ...).
    pub attributes: &'a [Attribute<'a>],
    /// MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256; responses are then checked too.
    pub integrity: Option<Integrity<'a>>,
    /// Append FINGERPRINT (ICE requires it, RFC 8445 §7.2.2).
    pub fingerprint: bool,
    /// Initial RTO for this transaction instead of [`Config::rto`].
    pub rto: Option<Duration>,
}

impl<'a> Request<'a> {
    /// A request with no attributes.
    pub fn new(method: Method) -> Self {
        Request {
            method,
            attributes: &[],
            integrity: None,
            fingerprint: false,
            rto: None,
        }
    }

    /// A Binding request (RFC 8489 §3).
    pub fn binding() -> Self {
        Self::new(Method::BINDING)
    }

    /// Sets the attributes.
    pub fn with_attributes(mut self, attributes: &'a [Attribute<'a>]) -> Self {
        self.attributes = attributes;
        self
    }

    /// Sets the integrity attribute and its key.
    pub fn with_integrity(mut self, integrity: Integrity<'a>) -> Self {
        self.integrity = Some(integrity);
        self
    }

    /// Appends FINGERPRINT.
    pub fn with_fingerprint(mut self) -> Self {
        self.fingerprint = true;
        self
    }

    /// Sets this transaction's initial RTO.
    pub fn with_rto(mut self, rto: Duration) -> Self {
        self.rto = Some(rto);
        self
    }
}

/// A datagram to send: its bytes are in the buffer given to
/// [`poll_transmit`](Client::poll_transmit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub to: SocketAddr,
    /// The transaction.
    pub id: TransactionId,
    /// 1 for the first transmission, up to Rc.
    pub attempt: u32,
}

/// Counters of what the client did and dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientStats {
    /// Transactions started.
    pub started: u64,
    /// Datagrams handed out, retransmissions included.
    pub transmits: u64,
    /// Retransmissions among them.
    pub retransmits: u64,
    /// Responses delivered.
    pub responses: u64,
    /// Transactions that timed out.
    pub timeouts: u64,
    /// Transactions failed by an unknown comprehension-required attribute.
    pub failed: u64,
    /// Datagrams that did not parse.
    pub malformed: u64,
    /// Responses whose transaction id matches no outstanding transaction.
    pub unknown_id: u64,
    /// Responses from another address than the request's destination, or for another method.
    pub unmatched: u64,
    /// Responses with missing or bad MESSAGE-INTEGRITY(-SHA256).
    pub bad_integrity: u64,
    /// Responses with a bad FINGERPRINT.
    pub bad_fingerprint: u64,
}

// Prepared once per transaction: the response is checked with the same key.
#[derive(Debug, Clone)]
enum Key {
    Sha1(IntegrityKey),
    Sha256(IntegrityKey),
}

#[derive(Debug)]
struct Transaction {
    id: TransactionId,
    to: SocketAddr,
    method: Method,
    request: Vec<u8>,
    key: Option<Key>,
    // Long-term credentials (the request carries REALM): a 400/401/438 answer may come
    // without integrity (RFC 8489 §9.2.5). Short-term: every response must carry it (§9.1.4).
    long_term: bool,
    rto: Duration,
    sent: u32,
    // When to retransmit or give up; `None` while a transmission is queued.
    deadline: Option<Instant>,
}

/// The client side of STUN transactions over UDP (RFC 8489 §6.2.1), sans-IO.
///
/// Call order, like every Strata machine: feed input with [`handle_packet`](Self::handle_packet)
/// and [`handle_timeout`](Self::handle_timeout), issue commands ([`start`](Self::start),
/// [`cancel`](Self::cancel)), then drain [`poll_transmit`](Self::poll_transmit) and
/// [`poll_event`](Self::poll_event) until `None`, and sleep until
/// [`poll_timeout`](Self::poll_timeout). Time is always an argument; an earlier `now` than
/// before is treated as the latest one seen.
#[derive(Debug)]
pub struct Client {
    config: Config,
    rng: ChaCha20Rng,
    transactions: Vec<Transaction>,
    queue: VecDeque<TransactionId>,
    events: VecDeque<Event>,
    next_timeout: Option<Instant>,
    now: Option<Instant>,
    stats: ClientStats,
}

impl Client {
    /// A client with no transactions. Without [`Config::seed`] the id generator is seeded
    /// from the operating system.
    pub fn new(config: Config) -> Self {
        let seed = config.seed.unwrap_or_else(|| {
            let mut s = [0u8; 32];
            getrandom::fill(&mut s).expect("the OS entropy source is available");
            s
        });
        Client {
            rng: ChaCha20Rng::from_seed(seed),
            transactions: Vec::with_capacity(config.max_transactions.min(64)),
            queue: VecDeque::new(),
            events: VecDeque::new(),
            next_timeout: None,
            now: None,
            stats: ClientStats::default(),
            config,
        }
    }

    /// Starts a transaction: encodes the request with a fresh random transaction id and
    /// queues its first transmission.
    pub fn start(
        &mut self,
        now: Instant,
        to: SocketAddr,
        request: Request<'_>,
    ) -> Result<TransactionId, Error> {
        self.clamp(now);
        if self.transactions.len() + self.events.len() >= self.config.max_transactions {
            return Err(Error::TooManyTransactions);
        }
        let id = loop {
            let id = TransactionId::random(&mut self.rng);
            if !self.transactions.iter().any(|t| t.id == id) {
                break id;
            }
        };
        let mut bytes = Vec::new();
        let mut b = MessageBuilder::new(&mut bytes, Class::Request, request.method, id);
        for a in request.attributes {
            b.add(a);
        }
        let key = match request.integrity {
            Some(Integrity::Sha1(k)) => {
                let k = IntegrityKey::new(k);
                b.message_integrity_with(&k);
                Some(Key::Sha1(k))
            }
            Some(Integrity::Sha256(k)) => {
                let k = IntegrityKey::new(k);
                b.message_integrity_sha256_with(&k);
                Some(Key::Sha256(k))
            }
            None => None,
        };
        if request.fingerprint {
            b.fingerprint();
        }
        b.finish()?;
        self.transactions.push(Transaction {
            id,
            to,
            method: request.method,
            request: bytes,
            key,
            long_term: request
                .attributes
                .iter()
                .any(|a| matches!(a, Attribute::Realm(_))),
            rto: request.rto.unwrap_or(self.config.rto),
            sent: 0,
            deadline: None,
        });
        self.queue.push_back(id);
        self.stats.started += 1;
        Ok(id)
    }

    /// Abandons a transaction without an event (ICE stops checks this way). Returns
    /// whether it was outstanding.
    pub fn cancel(&mut self, id: TransactionId) -> bool {
        let Some(i) = self.index(id) else {
            return false;
        };
        self.transactions.swap_remove(i);
        // Keep the queue bounded by the live transactions, whatever the call pattern.
        self.queue.retain(|&q| q != id);
        self.update_timeout();
        true
    }

    /// Takes a datagram that may be a response. Requests and indications are refused with
    /// [`Error::NotAResponse`] so the caller can route them elsewhere; malformed datagrams
    /// are refused with [`Error::Parse`]. Responses that match no transaction, or fail the
    /// integrity or fingerprint checks, are dropped and counted in [`stats`](Self::stats)
    /// (RFC 8489 §6.3: as if never received, so a forged response cannot end a transaction).
    pub fn handle_packet(
        &mut self,
        now: Instant,
        from: SocketAddr,
        data: &[u8],
    ) -> Result<(), Error> {
        self.clamp(now);
        let msg = match Message::new_checked(data) {
            Ok(m) => m,
            Err(e) => {
                self.stats.malformed += 1;
                return Err(e.into());
            }
        };
        let class = msg.message_type().class;
        if !class.is_response() {
            return Err(Error::NotAResponse);
        }
        let Some(i) = self.index(msg.transaction_id()) else {
            self.stats.unknown_id += 1;
            return Ok(());
        };
        let t = &self.transactions[i];
        if from != t.to || msg.message_type().method != t.method {
            self.stats.unmatched += 1;
            return Ok(());
        }
        if msg.has_fingerprint() && msg.verify_fingerprint().is_err() {
            self.stats.bad_fingerprint += 1;
            return Ok(());
        }
        if let Some(key) = &t.key
            && !authentic(&msg, key, t.long_term)
        {
            self.stats.bad_integrity += 1;
            return Ok(());
        }
        let t = self.transactions.swap_remove(i);
        self.update_timeout();
        if let Some(unknown) = msg.unknown_required().next() {
            self.stats.failed += 1;
            self.events.push_back(Event::Failed {
                id: t.id,
                to: t.to,
                unknown,
            });
            return Ok(());
        }
        self.stats.responses += 1;
        self.events.push_back(Event::Response(Response {
            id: t.id,
            from,
            class,
            bytes: data.to_vec(),
        }));
        Ok(())
    }

    /// Advances time: schedules due retransmissions and ends transactions that ran out of
    /// attempts. Early or repeated calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clamp(now);
        if self.next_timeout.is_none_or(|t| t > now) {
            return;
        }
        let mut i = 0;
        while i < self.transactions.len() {
            let t = &mut self.transactions[i];
            match t.deadline {
                Some(d) if d <= now => {
                    t.deadline = None;
                    if t.sent < self.config.rc {
                        self.queue.push_back(t.id);
                    } else {
                        let t = self.transactions.swap_remove(i);
                        self.stats.timeouts += 1;
                        self.events.push_back(Event::Timeout { id: t.id, to: t.to });
                        continue;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        self.update_timeout();
    }

    /// The next datagram to send, written into `buf` (cleared first). The retransmission
    /// timer of the transaction starts at `now`.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<Transmit> {
        let now = self.clamp(now);
        while let Some(id) = self.queue.pop_front() {
            let Some(i) = self.index(id) else { continue };
            let rc = self.config.rc;
            let rm = self.config.rm;
            let t = &mut self.transactions[i];
            t.sent += 1;
            // RFC 8489 §6.2.1: RTO, 2·RTO, 4·RTO, ... between transmissions, then Rm·RTO.
            let wait = if t.sent < rc {
                t.rto.saturating_mul(1u32 << (t.sent - 1).min(16))
            } else {
                t.rto.saturating_mul(rm)
            };
            t.deadline = Some(now + wait);
            buf.clear();
            buf.extend_from_slice(&t.request);
            let transmit = Transmit {
                to: t.to,
                id,
                attempt: t.sent,
            };
            self.stats.transmits += 1;
            if t.sent > 1 {
                self.stats.retransmits += 1;
            }
            self.update_timeout();
            return Some(transmit);
        }
        None
    }

    /// The next outcome.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) next has work. O(1).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next_timeout
    }

    /// Outstanding transactions.
    pub fn outstanding(&self) -> usize {
        self.transactions.len()
    }

    /// Counters.
    pub fn stats(&self) -> ClientStats {
        self.stats
    }

    fn index(&self, id: TransactionId) -> Option<usize> {
        self.transactions.iter().position(|t| t.id == id)
    }

    fn clamp(&mut self, now: Instant) -> Instant {
        let now = self.now.map_or(now, |last| last.max(now));
        self.now = Some(now);
        now
    }

    // Bounded by `max_transactions`; runs on mutation so `poll_timeout` stays O(1).
    fn update_timeout(&mut self) {
        self.next_timeout = self.transactions.iter().filter_map(|t| t.deadline).min();
    }
}

/// RFC 8489 §9.1.4, §9.2.5: a response to an authenticated request must carry a valid tag of
/// the same kind. With long-term credentials, error responses 400, 401 and 438 are accepted
/// without one (servers send them when they could not authenticate the request) but never
/// with a bad one. With short-term credentials (ICE) nothing unauthenticated is accepted, so
/// an off-path attacker who learns a transaction id cannot fail a check with a forged 401.
fn authentic(msg: &Message<&[u8]>, key: &Key, long_term: bool) -> bool {
    let (present, ok) = match key {
        Key::Sha1(k) => (msg.has_integrity(), msg.verify_integrity_with(k).is_ok()),
        Key::Sha256(k) => (
            msg.has_integrity_sha256(),
            msg.verify_integrity_sha256_with(k).is_ok(),
        ),
    };
    if present {
        return ok;
    }
    long_term
        && msg.message_type().class == Class::ErrorResponse
        && matches!(
            msg.error_code(),
            Some((
                ErrorCode::BAD_REQUEST | ErrorCode::UNAUTHENTICATED | ErrorCode::STALE_NONCE,
                _
            ))
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{BindingServer, ShortTermCredentials};
    use crate::{AttrType, Message};

    const SERVER: &str = "198.51.100.1:3478";
    const ME: &str = "192.0.2.5:5000";

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn client() -> Client {
        Client::new(Config::default().with_seed([7; 32]))
    }

    /// A fixed origin for virtual time: tests never wait on the clock.
    fn base() -> Instant {
        strata_sim::epoch()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Runs the client alone until it gives up; returns send times and the timeout time.
    fn schedule(mut c: Client, t0: Instant, req: Request<'_>) -> (Vec<u64>, u64) {
        let id = c.start(t0, addr(SERVER), req).unwrap();
        let mut buf = Vec::new();
        let mut sends = Vec::new();
        let mut now = t0;
        for _ in 0..100 {
            while let Some(t) = c.poll_transmit(now, &mut buf) {
                assert_eq!(t.id, id);
                assert_eq!(t.attempt as usize, sends.len() + 1);
                sends.push((now - t0).as_millis() as u64);
            }
            if let Some(ev) = c.poll_event() {
                assert_eq!(
                    ev,
                    Event::Timeout {
                        id,
                        to: addr(SERVER)
                    }
                );
                assert_eq!(c.outstanding(), 0);
                assert_eq!(c.poll_timeout(), None);
                return (sends, (now - t0).as_millis() as u64);
            }
            now = c.poll_timeout().expect("a timer while outstanding");
            c.handle_timeout(now);
        }
        panic!("no timeout");
    }

    #[test]
    fn rfc8489_6_2_1_retransmission_schedule() {
        let (sends, timeout) = schedule(client(), base(), Request::binding());
        // RFC 8489 §6.2.1's own example.
        assert_eq!(sends, [0, 500, 1500, 3500, 7500, 15500, 31500]);
        assert_eq!(timeout, 39500);
    }

    #[test]
    fn per_request_rto_and_configured_counts() {
        let c = Client::new(
            Config::default()
                .with_seed([1; 32])
                .with_retransmissions(3, 4),
        );
        let (sends, timeout) = schedule(c, base(), Request::binding().with_rto(ms(100)));
        assert_eq!(sends, [0, 100, 300]);
        assert_eq!(timeout, 700);
    }

    #[test]
    fn early_and_backwards_time_is_harmless() {
        let mut c = client();
        let t0 = base() + Duration::from_secs(10);
        c.start(t0, addr(SERVER), Request::binding()).unwrap();
        let mut buf = Vec::new();
        assert!(c.poll_transmit(t0, &mut buf).is_some());
        c.handle_timeout(t0 - Duration::from_secs(5)); // clamped to t0
        c.handle_timeout(t0 + ms(499));
        assert!(c.poll_transmit(t0, &mut buf).is_none());
        assert_eq!(c.poll_timeout(), Some(t0 + ms(500)));
        c.handle_timeout(t0 + ms(500));
        assert_eq!(c.poll_transmit(t0, &mut buf).map(|t| t.attempt), Some(2));
        // The earlier `now` was clamped: the next timer counts from t0 + 500 ms.
        assert_eq!(c.poll_timeout(), Some(t0 + ms(1500)));
    }

    #[test]
    fn ids_come_from_the_seeded_rng() {
        let now = base();
        let ids = |seed| {
            let mut c = Client::new(Config::default().with_seed(seed));
            [0; 3].map(|_| c.start(now, addr(SERVER), Request::binding()).unwrap())
        };
        assert_eq!(ids([1; 32]), ids([1; 32]));
        assert_ne!(ids([1; 32]), ids([2; 32]));
        let a = ids([1; 32]);
        assert!(a[0] != a[1] && a[1] != a[2]);
    }

    fn exchange(c: &mut Client, server: &BindingServer, now: Instant) -> Vec<u8> {
        let mut out = Vec::new();
        let mut reply = Vec::new();
        c.poll_transmit(now, &mut out).unwrap();
        server.respond(addr(ME), &out, &mut reply).unwrap();
        reply
    }

    #[test]
    fn response_is_matched_and_delivered_once() {
        let mut c = client();
        let now = base();
        let id = c.start(now, addr(SERVER), Request::binding()).unwrap();
        let reply = exchange(&mut c, &BindingServer::default(), now);
        // From the wrong address: dropped, the transaction goes on.
        c.handle_packet(now, addr("203.0.113.9:3478"), &reply)
            .unwrap();
        assert_eq!(c.stats().unmatched, 1);
        assert_eq!(c.poll_event(), None);
        c.handle_packet(now, addr(SERVER), &reply).unwrap();
        match c.poll_event() {
            Some(Event::Response(r)) => {
                assert_eq!(r.id, id);
                assert!(r.is_success());
                assert_eq!(r.message().xor_mapped_address(), Some(addr(ME)));
            }
            other => panic!("{other:?}"),
        }
        // A duplicate (a retransmission answered twice) matches nothing any more.
        c.handle_packet(now, addr(SERVER), &reply).unwrap();
        assert_eq!(c.stats().unknown_id, 1);
        assert_eq!(c.poll_event(), None);
        assert_eq!(c.poll_timeout(), None);
    }

    #[test]
    fn unknown_ids_requests_and_garbage() {
        let mut c = client();
        let now = base();
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(
            &mut buf,
            Class::SuccessResponse,
            Method::BINDING,
            TransactionId([9; 12]),
        );
        b.add(&Attribute::XorMappedAddress(addr(ME)));
        b.finish().unwrap();
        c.handle_packet(now, addr(SERVER), &buf).unwrap();
        assert_eq!(c.stats().unknown_id, 1);
        buf[0] = 0x00; // 0x0101 -> 0x0001: a Binding request
        assert_eq!(
            c.handle_packet(now, addr(SERVER), &buf),
            Err(Error::NotAResponse)
        );
        assert_eq!(
            c.handle_packet(now, addr(SERVER), &[0x17, 0xfe, 0xfd]),
            Err(Error::Parse(crate::ParseError::Truncated))
        );
        assert_eq!(c.stats().malformed, 1);
    }

    #[test]
    fn rfc8489_9_1_4_responses_must_carry_valid_integrity() {
        let now = base();
        let creds = ShortTermCredentials {
            username: "a:b".into(),
            password: "secret-password".into(),
        };
        let attrs = [Attribute::Username("a:b"), Attribute::Priority(1)];
        let req = Request::binding()
            .with_attributes(&attrs)
            .with_integrity(Integrity::Sha1(b"secret-password"))
            .with_fingerprint();

        // A server without credentials answers without MESSAGE-INTEGRITY: forged, dropped.
        let mut c = client();
        c.start(now, addr(SERVER), req).unwrap();
        let forged = exchange(&mut c, &BindingServer::default(), now);
        c.handle_packet(now, addr(SERVER), &forged).unwrap();
        assert_eq!((c.stats().bad_integrity, c.poll_event()), (1, None));

        // A server with another password: bad tag, dropped.
        let other = BindingServer {
            credentials: Some(ShortTermCredentials {
                password: "other".into(),
                ..creds.clone()
            }),
            ..Default::default()
        };
        let mut c = client();
        c.start(now, addr(SERVER), req).unwrap();
        let mut out = Vec::new();
        c.poll_transmit(now, &mut out).unwrap();
        // Re-sign the request with the other password so that server accepts it.
        let msg = Message::new_checked(&out[..]).unwrap();
        let mut resigned = Vec::new();
        let mut b = MessageBuilder::new(
            &mut resigned,
            Class::Request,
            Method::BINDING,
            msg.transaction_id(),
        );
        b.add(&attrs[0])
            .add(&attrs[1])
            .message_integrity(b"other")
            .fingerprint();
        b.finish().unwrap();
        let mut reply = Vec::new();
        assert_eq!(
            other.respond(addr(ME), &resigned, &mut reply),
            Ok(Some(crate::Reply::Success))
        );
        c.handle_packet(now, addr(SERVER), &reply).unwrap();
        assert_eq!((c.stats().bad_integrity, c.poll_event()), (1, None));

        // The right server: accepted.
        let right = BindingServer {
            credentials: Some(creds),
            fingerprint: true,
            ..Default::default()
        };
        let mut c = client();
        c.start(now, addr(SERVER), req).unwrap();
        let reply = exchange(&mut c, &right, now);
        c.handle_packet(now, addr(SERVER), &reply).unwrap();
        assert!(matches!(c.poll_event(), Some(Event::Response(r)) if r.is_success()));

        // A flipped FINGERPRINT is dropped even if the HMAC is fine.
        let mut c = client();
        c.start(now, addr(SERVER), req).unwrap();
        let mut reply = exchange(&mut c, &right, now);
        let last = reply.len() - 1;
        reply[last] ^= 1;
        c.handle_packet(now, addr(SERVER), &reply).unwrap();
        assert_eq!((c.stats().bad_fingerprint, c.poll_event()), (1, None));
    }

    #[test]
    fn unauthenticated_401_is_accepted_only_with_long_term_credentials() {
        let now = base();
        let long_term = [Attribute::Realm("strata.test")];
        let lt = Request::new(Method::ALLOCATE)
            .with_attributes(&long_term)
            .with_integrity(Integrity::Sha1(b"k"));
        let st = Request::new(Method::BINDING).with_integrity(Integrity::Sha1(b"k"));
        for (req, code, delivered) in [
            (lt, ErrorCode::UNAUTHENTICATED, true),
            (lt, ErrorCode::STALE_NONCE, true),
            (lt, ErrorCode::FORBIDDEN, false),
            (st, ErrorCode::UNAUTHENTICATED, false),
            (st, ErrorCode::BAD_REQUEST, false),
        ] {
            let mut c = client();
            let id = c.start(now, addr(SERVER), req).unwrap();
            let mut buf = Vec::new();
            let mut b = MessageBuilder::new(&mut buf, Class::ErrorResponse, req.method, id);
            b.add(&Attribute::ErrorCode { code, reason: "" });
            b.finish().unwrap();
            c.handle_packet(now, addr(SERVER), &buf).unwrap();
            assert_eq!(
                c.poll_event().is_some(),
                delivered,
                "{:?} {code:?}",
                req.method
            );
            assert_eq!(c.stats().bad_integrity, u64::from(!delivered));
        }
    }

    #[test]
    fn rfc8489_6_3_3_unknown_required_attribute_fails_the_transaction() {
        let mut c = client();
        let now = base();
        let id = c.start(now, addr(SERVER), Request::binding()).unwrap();
        let mut buf = Vec::new();
        let mut b = MessageBuilder::new(&mut buf, Class::SuccessResponse, Method::BINDING, id);
        b.raw(AttrType(0x7001), b"?");
        b.finish().unwrap();
        c.handle_packet(now, addr(SERVER), &buf).unwrap();
        assert_eq!(
            c.poll_event(),
            Some(Event::Failed {
                id,
                to: addr(SERVER),
                unknown: AttrType(0x7001)
            })
        );
    }

    #[test]
    fn outstanding_transactions_are_bounded() {
        let mut c = Client::new(
            Config::default()
                .with_seed([0; 32])
                .with_max_transactions(2),
        );
        let now = base();
        let a = c.start(now, addr(SERVER), Request::binding()).unwrap();
        c.start(now, addr(SERVER), Request::binding()).unwrap();
        assert_eq!(
            c.start(now, addr(SERVER), Request::binding()),
            Err(Error::TooManyTransactions)
        );
        assert!(c.cancel(a));
        assert!(!c.cancel(a));
        c.start(now, addr(SERVER), Request::binding()).unwrap();
        // The cancelled one is never transmitted.
        let mut buf = Vec::new();
        assert_eq!(
            std::iter::from_fn(|| c.poll_transmit(now, &mut buf)).count(),
            2
        );
    }

    #[test]
    fn start_cancel_without_draining_stays_bounded() {
        let mut c = client();
        for _ in 0..1000 {
            let id = c.start(base(), addr(SERVER), Request::binding()).unwrap();
            assert!(c.cancel(id));
        }
        assert_eq!((c.outstanding(), c.queue.len(), c.events.len()), (0, 0, 0));
        assert_eq!(c.poll_transmit(base(), &mut Vec::new()), None);
    }

    #[test]
    fn encode_errors_are_reported() {
        let mut c = client();
        let long = "x".repeat(600);
        let attrs = [Attribute::Username(&long)];
        let r = c.start(
            base(),
            addr(SERVER),
            Request::binding().with_attributes(&attrs),
        );
        assert_eq!(
            r,
            Err(Error::Encode(crate::EncodeError::ValueTooLong(
                AttrType::USERNAME
            )))
        );
        assert_eq!(c.outstanding(), 0);
    }
}
