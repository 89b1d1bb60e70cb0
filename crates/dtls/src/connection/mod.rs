//! The DTLS 1.2 connection state machine (RFC 6347 §4.2, RFC 5246 §7.3), client and server,
//! full handshake with mutual authentication, then application data.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::alert::{Alert, AlertDescription, AlertLevel};
use crate::cert::{self, Fingerprint, PeerCertificate};
use crate::config::Config;
use crate::crypto::{self, Csprng, EphemeralKey, RecordCipher};
use crate::error::Error;
use crate::event::{Event, SrtpKeyingMaterial};
use crate::extension::{Extension, NamedGroup, SignatureScheme, SrtpProfileId};
use crate::handshake::{
    self, CertificateRequest, CipherSuite, ClientHello, DigitallySigned, Fragment, HandshakeHeader,
    HandshakeMessage, HandshakeType, HelloVerifyRequest, ServerHello, ServerKeyExchange,
};
use crate::keys::{self, KeyBlock, MasterSecret, SuiteParams};
use crate::reassembly::{Message, Offer, Reassembler};
use crate::record::{
    self, ContentType, Epoch, ProtocolVersion, Record, RecordRepr, Records, SeqNum,
};
use crate::replay::ReplayWindow;

mod client;
mod flight;
mod records;
mod server;

/// Which side of the handshake we play (RFC 5763 §5: `a=setup` decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends the ClientHello.
    Client,
    /// Answers it.
    Server,
}

/// RFC 5764 §4.2 exporter label.
pub const SRTP_EXPORTER_LABEL: &[u8] = b"EXTRACTOR-dtls_srtp";

/// `ecdsa_sign` certificate type (RFC 8422 §5.5).
const ECDSA_SIGN: u8 = 64;
/// `rsa_sign` certificate type (RFC 5246 §7.4.4).
const RSA_SIGN: u8 = 1;
/// Epoch-1 records buffered while their keys are not yet known (RFC 6347 §4.1).
const MAX_EARLY_RECORDS: usize = 8;
/// Smallest MTU we can fragment a flight into.
const MIN_MTU: usize = 128;
/// Cookie length in HelloVerifyRequest.
const COOKIE_LEN: usize = 20;

/// Counters for records dropped without failing the connection (RFC 6347 §4.1.2.7).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Records that failed authentication.
    pub bad_mac: u64,
    /// Records rejected by the replay window.
    pub replayed: u64,
    /// Malformed or unexpected records and fragments.
    pub malformed: u64,
    /// Records of an epoch we cannot read.
    pub wrong_epoch: u64,
    /// Handshake fragments dropped by reassembly bounds.
    pub reassembly_dropped: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HsState {
    ClientWaitHello,
    ClientWaitCertificate,
    ClientWaitKeyExchange,
    ClientWaitRequestOrDone,
    ClientWaitDone,
    ClientWaitFinished,
    ServerWaitHello,
    ServerWaitCertificate,
    ServerWaitKeyExchange,
    ServerWaitVerify,
    ServerWaitFinished,
}

/// Per-handshake state, dropped once connected.
struct Handshake {
    state: HsState,
    /// Every handshake message in unfragmented form (RFC 6347 §4.2.6), for the Finished
    /// hash, the session hash and CertificateVerify.
    transcript: Vec<u8>,
    send_seq: u16,
    cookie: Vec<u8>,
    cookie_secret: [u8; 32],
    eph: Option<EphemeralKey>,
    pms: Vec<u8>,
    peer: Option<PeerCertificate>,
    cert_requested: bool,
    secure_renegotiation: bool,
}

#[derive(Debug, Clone)]
enum FlightItem {
    Handshake {
        epoch: Epoch,
        msg_type: HandshakeType,
        seq: u16,
        body: Vec<u8>,
    },
    ChangeCipherSpec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Handshaking,
    Connected,
    Closed,
    Failed,
}

/// One DTLS 1.2 association with one peer. See the crate docs for the call order.
pub struct Connection {
    cfg: Config,
    role: Role,
    rng: Csprng,
    last_now: Instant,
    phase: Phase,
    hs: Option<Box<Handshake>>,
    reasm: Reassembler,
    // Record layer.
    write_epoch: Epoch,
    write_seq: [SeqNum; 2],
    write_cipher: Option<RecordCipher>,
    read_cipher: Option<RecordCipher>,
    replay: ReplayWindow,
    early: Vec<Vec<u8>>,
    // Flights.
    flight: Vec<FlightItem>,
    retransmit_at: Option<Instant>,
    rto: Duration,
    retransmits: u32,
    last_flight_tx: Option<Instant>,
    // Outputs.
    out: VecDeque<Vec<u8>>,
    free: Vec<Vec<u8>>,
    events: VecDeque<Event>,
    scratch: Vec<u8>,
    // Session.
    params: Option<SuiteParams>,
    master: Option<MasterSecret>,
    client_random: [u8; 32],
    server_random: [u8; 32],
    srtp_profile: Option<SrtpProfileId>,
    peer_der: Vec<u8>,
    error: Option<Error>,
    close_sent: bool,
    stats: Stats,
}

impl core::fmt::Debug for Connection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.role)
            .field("phase", &self.phase)
            .field("state", &self.hs.as_ref().map(|h| h.state))
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Connection {
    /// Creates a connection. A client queues its first ClientHello at once.
    pub fn new(mut config: Config, role: Role, now: Instant) -> Self {
        let seed = config.seed.unwrap_or_else(crypto::os_seed);
        let mut rng = Csprng::from_seed(seed);
        config.mtu = config.mtu.max(MIN_MTU);
        let hs = Handshake {
            state: match role {
                Role::Client => HsState::ClientWaitHello,
                Role::Server => HsState::ServerWaitHello,
            },
            transcript: Vec::with_capacity(4096),
            send_seq: 0,
            cookie: Vec::new(),
            cookie_secret: rng.array(),
            eph: None,
            pms: Vec::new(),
            peer: None,
            cert_requested: false,
            secure_renegotiation: false,
        };
        let mut c = Self {
            rto: config.initial_rto,
            cfg: config,
            role,
            rng,
            last_now: now,
            phase: Phase::Handshaking,
            hs: Some(Box::new(hs)),
            reasm: Reassembler::default(),
            write_epoch: Epoch(0),
            write_seq: [SeqNum::default(); 2],
            write_cipher: None,
            read_cipher: None,
            replay: ReplayWindow::new(),
            early: Vec::new(),
            flight: Vec::new(),
            retransmit_at: None,
            retransmits: 0,
            last_flight_tx: None,
            out: VecDeque::new(),
            free: Vec::new(),
            events: VecDeque::new(),
            scratch: Vec::new(),
            params: None,
            master: None,
            client_random: [0; 32],
            server_random: [0; 32],
            srtp_profile: None,
            peer_der: Vec::new(),
            error: None,
            close_sent: false,
            stats: Stats::default(),
        };
        if role == Role::Client {
            c.client_random = c.rng.array();
            c.send_client_hello(now);
        }
        c
    }

    /// Our role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// True once the handshake finished (and until close or failure).
    pub fn is_connected(&self) -> bool {
        self.phase == Phase::Connected
    }

    /// True while the handshake runs.
    pub fn is_handshaking(&self) -> bool {
        self.phase == Phase::Handshaking
    }

    /// The sticky fatal error, if any.
    pub fn error(&self) -> Option<Error> {
        self.error
    }

    /// Drop counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The negotiated SRTP profile (RFC 5764 §4.1.2).
    pub fn srtp_profile(&self) -> Option<SrtpProfileId> {
        self.srtp_profile
    }

    /// The negotiated cipher suite.
    pub fn cipher_suite(&self) -> Option<CipherSuite> {
        self.params.map(|p| p.suite)
    }

    /// RFC 5705 §4 exporter without context, after the handshake.
    pub fn export_keying_material(&self, label: &[u8], out: &mut [u8]) -> Result<(), Error> {
        let (Some(p), Some(ms)) = (self.params, self.master.as_ref()) else {
            return Err(Error::NotConnected);
        };
        if self.phase != Phase::Connected {
            return Err(Error::NotConnected);
        }
        keys::export(
            p.hash,
            ms,
            label,
            &self.client_random,
            &self.server_random,
            out,
        );
        Ok(())
    }

    /// Replaces the expected peer fingerprints (RFC 8122 §5), for when the remote description
    /// arrives after the connection was created. The check runs when the peer's Certificate
    /// arrives, so set them before feeding the peer's first flight; it stays fail-closed.
    pub fn set_remote_fingerprints(&mut self, fingerprints: Vec<Fingerprint>) {
        self.cfg.remote_fingerprints = fingerprints;
    }

    /// The next time `handle_timeout` must be called, O(1).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.retransmit_at
    }

    /// Writes the next datagram into `buf` (replacing its content) and returns its length.
    /// The buffer is swapped with an internal one, so a steady caller allocates nothing.
    pub fn poll_transmit(&mut self, _now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        let d = self.out.pop_front()?;
        let mut old = core::mem::replace(buf, d);
        if self.free.len() < 16 {
            old.clear();
            self.free.push(old);
        }
        Some(buf.len())
    }

    /// Gives a buffer back (for instance the `Vec` of an [`Event::ApplicationData`] once read)
    /// so the steady state allocates nothing: received records and queued datagrams reuse it.
    pub fn recycle(&mut self, mut buf: Vec<u8>) {
        if self.free.len() < 16 {
            buf.clear();
            self.free.push(buf);
        }
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Retransmits the current flight when its timer expired (RFC 6347 §4.2.4).
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.clamp(now);
        let Some(at) = self.retransmit_at else { return };
        if now < at || self.error.is_some() {
            return;
        }
        self.retransmits += 1;
        if self.retransmits > self.cfg.max_retransmissions {
            self.fail(Error::HandshakeTimeout);
            return;
        }
        // RFC 6347 §4.2.4.1: double the timer up to the cap.
        self.rto = (self.rto * 2).min(self.cfg.max_rto);
        if let Err(e) = self.transmit_flight(now) {
            self.fail(e);
            return;
        }
        self.retransmit_at = Some(now + self.rto);
    }

    /// Feeds one received datagram. Bad records are dropped and counted; a protocol violation
    /// fails the connection (sticky) and queues the fatal alert.
    pub fn handle_packet(&mut self, now: Instant, datagram: &[u8]) -> Result<(), Error> {
        let now = self.clamp(now);
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.phase == Phase::Closed {
            return Ok(());
        }
        let r = self.handle_datagram(now, datagram);
        if let Err(e) = r {
            self.fail(e);
            return Err(e);
        }
        Ok(())
    }

    /// Queues one application data record (RFC 5246 §6.2). Fails before the handshake
    /// finished, after close, or when the queue is full.
    pub fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        match self.phase {
            Phase::Connected => {}
            Phase::Handshaking => return Err(Error::NotConnected),
            Phase::Closed | Phase::Failed => return Err(Error::Closed),
        }
        if data.len() > 1 << 14 {
            return Err(Error::MessageTooLong);
        }
        if self.out.len() >= self.cfg.max_queued_datagrams {
            return Err(Error::QueueFull);
        }
        let mut d = self.free.pop().unwrap_or_default();
        self.push_record(&mut d, ContentType::APPLICATION_DATA, Epoch(1), data)?;
        self.out.push_back(d);
        Ok(())
    }

    /// Sends close_notify (RFC 5246 §7.2.1) and stops. Idempotent.
    pub fn close(&mut self) {
        if self.error.is_some() || self.phase == Phase::Closed {
            return;
        }
        self.send_alert(AlertLevel::WARNING, AlertDescription::CLOSE_NOTIFY);
        self.close_sent = true;
        self.phase = Phase::Closed;
        self.retransmit_at = None;
        self.flight.clear();
    }

    #[cfg(test)]
    fn reasm_next(&self) -> u16 {
        self.reasm.next_seq()
    }

    fn clamp(&mut self, now: Instant) -> Instant {
        if now > self.last_now {
            self.last_now = now;
        }
        self.last_now
    }

    fn push_event(&mut self, e: Event) {
        if self.events.len() < self.cfg.max_queued_events {
            self.events.push_back(e);
        }
    }

    fn fail(&mut self, e: Error) {
        if self.error.is_some() {
            return;
        }
        self.error = Some(e);
        self.flight.clear();
        self.retransmit_at = None;
        if let Some(a) = e.alert() {
            self.send_alert(AlertLevel::FATAL, a);
        }
        self.phase = Phase::Failed;
        self.hs = None;
        self.push_event(Event::Failed(e));
    }

    fn send_alert(&mut self, level: AlertLevel, description: AlertDescription) {
        let body = Alert { level, description }.to_bytes();
        let mut d = self.free.pop().unwrap_or_default();
        let epoch = self.write_epoch;
        if self
            .push_record(&mut d, ContentType::ALERT, epoch, &body)
            .is_ok()
        {
            self.enqueue(d);
        }
    }

    fn enqueue(&mut self, d: Vec<u8>) {
        if self.out.len() >= self.cfg.max_queued_datagrams {
            self.out.pop_front();
        }
        self.out.push_back(d);
    }

    fn process(&mut self, now: Instant, m: Message) -> Result<(), Error> {
        let Some(hs) = self.hs.as_ref() else {
            // Connected: a new handshake is a renegotiation attempt (RFC 5746 §4.2: refuse).
            if matches!(
                m.msg_type,
                HandshakeType::CLIENT_HELLO | HandshakeType::HELLO_REQUEST
            ) {
                self.send_alert(AlertLevel::WARNING, AlertDescription::NO_RENEGOTIATION);
            }
            return Ok(());
        };
        let state = hs.state;
        let msg = HandshakeMessage::parse(m.msg_type, &m.body)?;
        let is_finished = m.msg_type == HandshakeType::FINISHED;
        if is_finished != (m.epoch.0 == 1) {
            return Err(Error::UnexpectedMessage);
        }
        match (state, msg) {
            (HsState::ClientWaitHello, HandshakeMessage::HelloVerifyRequest(hvr)) => {
                self.on_hello_verify_request(now, &hvr)
            }
            (HsState::ClientWaitHello, HandshakeMessage::ServerHello(sh)) => {
                self.begin_flight();
                self.on_server_hello(&sh)?;
                self.hash_in(&m);
                self.set_state(HsState::ClientWaitCertificate);
                Ok(())
            }
            (HsState::ClientWaitCertificate, HandshakeMessage::Certificate(chain)) => {
                self.on_certificate(&chain)?;
                self.hash_in(&m);
                self.set_state(HsState::ClientWaitKeyExchange);
                Ok(())
            }
            (HsState::ClientWaitKeyExchange, HandshakeMessage::ServerKeyExchange(ske)) => {
                self.on_server_key_exchange(&ske)?;
                self.hash_in(&m);
                self.set_state(HsState::ClientWaitRequestOrDone);
                Ok(())
            }
            (HsState::ClientWaitRequestOrDone, HandshakeMessage::CertificateRequest(cr)) => {
                if !cr.certificate_types.contains(&ECDSA_SIGN)
                    || !cr
                        .schemes
                        .contains(&SignatureScheme::ECDSA_SECP256R1_SHA256)
                {
                    return Err(Error::NoCommon("client signature scheme"));
                }
                self.hs_mut().cert_requested = true;
                self.hash_in(&m);
                self.set_state(HsState::ClientWaitDone);
                Ok(())
            }
            (
                HsState::ClientWaitRequestOrDone | HsState::ClientWaitDone,
                HandshakeMessage::ServerHelloDone,
            ) => {
                self.hash_in(&m);
                self.send_client_final_flight(now)
            }
            (HsState::ClientWaitFinished, HandshakeMessage::Finished(vd)) => {
                self.check_finished(vd, false)?;
                self.begin_flight();
                self.connected();
                Ok(())
            }
            (HsState::ServerWaitHello, HandshakeMessage::ClientHello(ch)) => {
                self.on_client_hello(now, &m, &ch)
            }
            (HsState::ServerWaitCertificate, HandshakeMessage::Certificate(chain)) => {
                self.begin_flight();
                if chain.is_empty() {
                    return Err(Error::PeerCertificateMissing);
                }
                self.on_certificate(&chain)?;
                self.hash_in(&m);
                self.set_state(HsState::ServerWaitKeyExchange);
                Ok(())
            }
            (HsState::ServerWaitKeyExchange, HandshakeMessage::ClientKeyExchange(public)) => {
                self.begin_flight();
                let hs = self.hs_mut();
                let eph = hs.eph.take().ok_or(Error::Internal("no ephemeral key"))?;
                hs.pms = eph
                    .agree(public)
                    .map_err(|_| Error::IllegalParameter("bad ECDHE share"))?;
                self.hash_in(&m);
                self.derive_keys();
                let next = if self.hs_ref().cert_requested {
                    HsState::ServerWaitVerify
                } else {
                    HsState::ServerWaitFinished
                };
                self.set_state(next);
                Ok(())
            }
            (HsState::ServerWaitVerify, HandshakeMessage::CertificateVerify(ds)) => {
                // RFC 5246 §7.4.8: signed with a scheme from our CertificateRequest.
                let hs = self.hs_ref();
                hs.peer.as_ref().ok_or(Error::UnexpectedMessage)?.verify(
                    ds.scheme,
                    &hs.transcript,
                    ds.signature,
                    "CertificateVerify",
                )?;
                self.hash_in(&m);
                self.set_state(HsState::ServerWaitFinished);
                Ok(())
            }
            (HsState::ServerWaitFinished, HandshakeMessage::Finished(vd)) => {
                self.check_finished(vd, true)?;
                self.hash_in(&m);
                self.begin_flight();
                self.flight.push(FlightItem::ChangeCipherSpec);
                let vd = self.finished_data(false);
                self.add_message(Epoch(1), &HandshakeMessage::Finished(&vd), true);
                // Our last flight: resent only when the client repeats its own.
                self.send_flight(now, false)?;
                self.connected();
                Ok(())
            }
            _ => Err(Error::UnexpectedMessage),
        }
    }

    fn hs_ref(&self) -> &Handshake {
        self.hs.as_ref().expect("invariant: handshaking")
    }

    fn hs_mut(&mut self) -> &mut Handshake {
        self.hs.as_mut().expect("invariant: handshaking")
    }

    fn set_state(&mut self, s: HsState) {
        self.hs_mut().state = s;
    }

    fn hash_in(&mut self, m: &Message) {
        let hs = self.hs.as_mut().expect("invariant: handshaking");
        append_transcript(&mut hs.transcript, m.msg_type, m.seq, &m.body);
    }

    fn on_certificate(&mut self, chain: &[&[u8]]) -> Result<(), Error> {
        let leaf = chain.first().ok_or(Error::PeerCertificateMissing)?;
        let peer = cert::check_peer(
            leaf,
            &self.cfg.remote_fingerprints,
            self.cfg.verify_certificate_signature,
        )?;
        // RFC 5246 §7.4.2: the server's key must fit the suite's key exchange (RFC 8422 §2).
        // A client may use either key type: we list both in CertificateRequest.
        if self.role == Role::Client {
            let p = self.params.ok_or(Error::UnexpectedMessage)?;
            if peer.is_rsa() != (p.auth == keys::Auth::Rsa) {
                return Err(Error::UnsupportedCertificate(
                    "key type does not match the cipher suite",
                ));
            }
        }
        self.peer_der = leaf.to_vec();
        self.hs_mut().peer = Some(peer);
        Ok(())
    }

    /// Extended master secret (RFC 7627 §4) from the transcript through ClientKeyExchange,
    /// then the key block and both record ciphers.
    fn derive_keys(&mut self) {
        let p = self.params.expect("invariant: suite chosen");
        let hs = self.hs.as_mut().expect("invariant: handshaking");
        let session_hash = crypto::hash(p.hash, &hs.transcript);
        let ms = keys::extended_master_secret(p.hash, &hs.pms, session_hash.as_slice());
        hs.pms.clear();
        let kb = KeyBlock::derive(p, &ms, &self.client_random, &self.server_random);
        let (w, r) = kb.ciphers(p.aead, self.role == Role::Client);
        self.write_cipher = Some(w);
        self.read_cipher = Some(r);
        self.master = Some(ms);
    }

    fn finished_data(&self, client: bool) -> [u8; 12] {
        let p = self.params.expect("invariant: suite chosen");
        let h = crypto::hash(p.hash, &self.hs_ref().transcript);
        keys::finished(
            p.hash,
            self.master.as_ref().expect("invariant: keys"),
            client,
            h.as_slice(),
        )
    }

    fn check_finished(&self, vd: &[u8], from_client: bool) -> Result<(), Error> {
        let expected = self.finished_data(from_client);
        if crypto::ct_eq(vd, &expected) {
            Ok(())
        } else {
            Err(Error::DecryptError("Finished"))
        }
    }

    fn connected(&mut self) {
        self.phase = Phase::Connected;
        self.hs = None;
        let p = self.params.expect("invariant: suite chosen");
        let ms = self.master.expect("invariant: keys");
        self.push_event(Event::Connected {
            cipher_suite: p.suite,
            srtp_profile: self.srtp_profile,
            peer_certificate: self.peer_der.clone(),
        });
        if let Some((profile, len)) = self
            .srtp_profile
            .and_then(|p| Some((p, p.keying_material_len()?)))
        {
            {
                let mut material = vec![0; len];
                keys::export(
                    p.hash,
                    &ms,
                    SRTP_EXPORTER_LABEL,
                    &self.client_random,
                    &self.server_random,
                    &mut material,
                );
                self.push_event(Event::SrtpKeyingMaterial(SrtpKeyingMaterial {
                    profile,
                    material,
                    is_client: self.role == Role::Client,
                }));
            }
        }
        if self.cfg.key_log {
            let line = format!(
                "CLIENT_RANDOM {} {}",
                to_hex(&self.client_random),
                to_hex(&ms)
            );
            self.push_event(Event::KeyLog(line));
        }
    }
}

/// RFC 5246 §6.2.3.3 additional data: `seq_num + type + version + length` (DTLS: epoch and
/// sequence number, RFC 6347 §4.1.2.1).
fn aad(epoch_seq: u64, ct: ContentType, v: ProtocolVersion, len: usize) -> [u8; 13] {
    let mut a = [0u8; 13];
    a[..8].copy_from_slice(&epoch_seq.to_be_bytes());
    a[8] = ct.0;
    a[9..11].copy_from_slice(&v.0.to_be_bytes());
    a[11..13].copy_from_slice(&(len as u16).to_be_bytes());
    a
}

/// Appends a message to the transcript in its unfragmented form (RFC 6347 §4.2.6).
fn append_transcript(t: &mut Vec<u8>, msg_type: HandshakeType, seq: u16, body: &[u8]) {
    HandshakeHeader {
        msg_type,
        length: body.len() as u32,
        message_seq: seq,
        fragment_offset: 0,
        fragment_length: body.len() as u32,
    }
    .emit(t);
    t.extend_from_slice(body);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::{Certificate, FingerprintAlgorithm};

    fn pair() -> (Connection, Connection, Instant) {
        let now = strata_sim::epoch();
        let a = Certificate::generate([1; 32], 1_764_000_000);
        let b = Certificate::generate([2; 32], 1_764_000_000);
        let fa = a.fingerprint(FingerprintAlgorithm::Sha256);
        let fb = b.fingerprint(FingerprintAlgorithm::Sha256);
        let mut sc = Config::new(b)
            .with_remote_fingerprints(vec![fa])
            .with_seed([5; 32]);
        sc.hello_verify = false;
        let c = Connection::new(
            Config::new(a)
                .with_remote_fingerprints(vec![fb])
                .with_seed([6; 32]),
            Role::Client,
            now,
        );
        (c, Connection::new(sc, Role::Server, now), now)
    }

    fn deliver(from: &mut Connection, to: &mut Connection, now: Instant) -> Result<(), Error> {
        let mut buf = Vec::new();
        let mut r = Ok(());
        while from.poll_transmit(now, &mut buf).is_some() {
            if let Err(e) = to.handle_packet(now, &buf) {
                r = Err(e);
            }
        }
        r
    }

    fn tamper_finished(c: &mut Connection, now: Instant) {
        let mut buf = Vec::new();
        while c.poll_transmit(now, &mut buf).is_some() {}
        for item in &mut c.flight {
            if let FlightItem::Handshake { msg_type, body, .. } = item
                && *msg_type == HandshakeType::FINISHED
            {
                body[0] ^= 1;
            }
        }
        c.transmit_flight(now).unwrap();
    }

    #[test]
    fn rfc5246_7_4_9_tampered_client_finished_is_decrypt_error() {
        let (mut c, mut s, now) = pair();
        deliver(&mut c, &mut s, now).unwrap();
        deliver(&mut s, &mut c, now).unwrap();
        tamper_finished(&mut c, now);
        assert_eq!(
            deliver(&mut c, &mut s, now),
            Err(Error::DecryptError("Finished"))
        );
        assert_eq!(s.error(), Some(Error::DecryptError("Finished")));
        assert_eq!(
            deliver(&mut s, &mut c, now),
            Err(Error::AlertReceived(AlertDescription::DECRYPT_ERROR))
        );
        assert!(!c.is_connected() && !s.is_connected());
    }

    #[test]
    fn rfc5246_7_4_9_tampered_server_finished_is_decrypt_error() {
        let (mut c, mut s, now) = pair();
        deliver(&mut c, &mut s, now).unwrap();
        deliver(&mut s, &mut c, now).unwrap();
        deliver(&mut c, &mut s, now).unwrap();
        assert!(s.is_connected());
        tamper_finished(&mut s, now);
        assert_eq!(
            deliver(&mut s, &mut c, now),
            Err(Error::DecryptError("Finished"))
        );
        assert!(!c.is_connected());
        // The client's alert is protected (epoch 1): the server reads it.
        assert_eq!(
            deliver(&mut c, &mut s, now),
            Err(Error::AlertReceived(AlertDescription::DECRYPT_ERROR))
        );
    }

    #[test]
    fn renegotiation_is_refused_with_a_warning() {
        let (mut c, mut s, now) = pair();
        for _ in 0..2 {
            deliver(&mut c, &mut s, now).unwrap();
            deliver(&mut s, &mut c, now).unwrap();
        }
        assert!(c.is_connected() && s.is_connected());
        // A new ClientHello inside epoch 1, with the next message_seq.
        let mut frag = Vec::new();
        let body = c.client_hello(&[]);
        append_transcript(
            &mut frag,
            HandshakeType::CLIENT_HELLO,
            s.reasm_next(),
            &body,
        );
        let mut d = Vec::new();
        c.push_record(&mut d, ContentType::HANDSHAKE, Epoch(1), &frag)
            .unwrap();
        s.handle_packet(now, &d).unwrap();
        let mut buf = Vec::new();
        assert!(s.poll_transmit(now, &mut buf).is_some());
        c.handle_packet(now, &buf).unwrap();
        assert!(c.is_connected() && s.is_connected());
    }
}
