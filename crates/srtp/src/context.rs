//! `Context`: one master key, one direction's worth of SRTP and SRTCP state per SSRC.

use std::collections::HashMap;

use crate::cryptex;
use crate::crypto::{Aes, Keys};
use crate::hdrext::HeaderExtCrypto;
use crate::header::{parse_rtcp, parse_rtp};
use crate::index::{PacketIndex, SeqNum};
use crate::replay::ReplayWindow;
use crate::transform::{self, Params, SRTCP_INDEX_LEN};
use crate::{Config, Error, Profile};

/// Largest SRTCP index (RFC 3711 §3.4: 31 bits).
const SRTCP_INDEX_MAX: u64 = (1 << 31) - 1;

/// Per-SSRC state (RFC 3711 §3.2.3). Sending and receiving keep separate fields so that one
/// context may do both, as a libsrtp session can.
#[derive(Debug, Clone)]
struct Stream {
    /// Highest SRTP index protected so far.
    sent: Option<PacketIndex>,
    /// Next SRTCP index to send.
    rtcp_next: u64,
    /// Received SRTP indices; its highest index carries ROC and s_l (RFC 3711 §3.3.1).
    rtp_replay: ReplayWindow,
    /// Received SRTCP indices.
    rtcp_replay: ReplayWindow,
}

impl Stream {
    fn new(window: usize) -> Self {
        Stream {
            sent: None,
            rtcp_next: 0,
            rtp_replay: ReplayWindow::new(window),
            rtcp_replay: ReplayWindow::new(window),
        }
    }
}

/// The SRTP/SRTCP cryptographic context of one master key (RFC 3711 §3.2): session keys
/// derived once, and per-SSRC rollover counters, replay windows and SRTCP indices created on
/// demand up to [`Config::max_streams`].
///
/// A context protects and unprotects in place on the caller's buffer and allocates nothing
/// per packet (a new SSRC allocates its replay windows once). A failed call leaves the
/// context unchanged.
pub struct Context {
    profile: Profile,
    config: Config,
    rtp: Keys,
    rtcp: Keys,
    /// RFC 6904 header-extension keys, when `Config::encrypted_header_extensions` is set.
    hdrext: Option<HeaderExtCrypto>,
    streams: HashMap<u32, Stream>,
}

impl core::fmt::Debug for Context {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never print keys.
        f.debug_struct("Context")
            .field("profile", &self.profile)
            .field("streams", &self.streams.len())
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Builds a context from a master key and salt (RFC 3711 §8.2), deriving the session keys
    /// with a key derivation rate of 0 (RFC 3711 §4.3).
    pub fn new(
        profile: Profile,
        master_key: &[u8],
        master_salt: &[u8],
        config: Config,
    ) -> Result<Self, Error> {
        config.validate()?;
        if master_key.len() != profile.master_key_len()
            || master_salt.len() != profile.master_salt_len()
        {
            return Err(Error::KeyLength);
        }
        let master = Aes::new(master_key)?;
        let hdrext = if config.encrypted_header_extensions.is_empty()
            || profile.cipher() == crate::profile::CipherKind::Null
        {
            None
        } else {
            Some(HeaderExtCrypto::derive(
                &master,
                master_salt,
                profile.master_key_len(),
                profile.master_salt_len(),
                &config.encrypted_header_extensions,
            )?)
        };
        Ok(Context {
            profile,
            hdrext,
            rtp: Keys::derive(profile, &master, master_salt, false)?,
            rtcp: Keys::derive(profile, &master, master_salt, true)?,
            config,
            streams: HashMap::new(),
        })
    }

    /// The profile of this context.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Bytes SRTP adds to an RTP packet: tag and MKI. Reserve this much spare capacity.
    pub fn rtp_overhead(&self) -> usize {
        // Cryptex may add an empty header extension (RFC 9335 §5.1).
        let cryptex = if self.cryptex() { 4 } else { 0 };
        self.rtp.tag_len + self.config.mki.len() + cryptex
    }

    /// Cryptex needs a cipher: it is off for NULL profiles and authentication-only RTP.
    fn cryptex(&self) -> bool {
        self.config.cryptex
            && self.config.encrypt_rtp
            && self.profile.cipher() != crate::profile::CipherKind::Null
    }

    /// Bytes SRTCP adds to an RTCP packet: E || index, tag and MKI.
    pub fn rtcp_overhead(&self) -> usize {
        SRTCP_INDEX_LEN + self.rtcp.tag_len + self.config.mki.len()
    }

    /// Number of SSRCs this context tracks.
    pub fn stream_count(&self) -> usize {
        self.streams.len()
    }

    /// Forgets an SSRC (after an RTCP BYE, say), freeing its slot.
    pub fn remove_stream(&mut self, ssrc: u32) -> bool {
        self.streams.remove(&ssrc).is_some()
    }

    /// Highest SRTP index received and authenticated for `ssrc` (its ROC is
    /// `index.roc()`).
    pub fn received_index(&self, ssrc: u32) -> Option<PacketIndex> {
        let s = self.streams.get(&ssrc)?;
        s.rtp_replay
            .highest()
            .map(|i| PacketIndex::new((i >> 16) as u32, i as u16))
    }

    /// Highest SRTP index sent for `ssrc`.
    pub fn sent_index(&self, ssrc: u32) -> Option<PacketIndex> {
        self.streams.get(&ssrc)?.sent
    }

    fn has_room_for(&self, ssrc: u32) -> Result<(), Error> {
        if self.streams.len() >= self.config.max_streams && !self.streams.contains_key(&ssrc) {
            return Err(Error::TooManyStreams);
        }
        Ok(())
    }

    fn stream_mut(&mut self, ssrc: u32) -> &mut Stream {
        let window = self.config.replay_window;
        self.streams
            .entry(ssrc)
            .or_insert_with(|| Stream::new(window))
    }

    /// RFC 3711 §3.3: protects the RTP packet in `buf` in place, appending MKI and tag.
    /// Reserve [`Context::rtp_overhead`] spare capacity to avoid a reallocation.
    pub fn protect_rtp(&mut self, buf: &mut Vec<u8>) -> Result<(), Error> {
        let len = buf.len();
        buf.resize(len + self.rtp_overhead(), 0);
        match self.protect_rtp_slice(buf, len) {
            Ok(n) => {
                buf.truncate(n);
                Ok(())
            }
            Err(e) => {
                buf.truncate(len);
                Err(e)
            }
        }
    }

    /// RFC 3711 §3.3: protects the RTP packet `buf[..len]` in place; `buf` must have
    /// [`Context::rtp_overhead`] bytes of room after it. Returns the SRTP length.
    pub fn protect_rtp_slice(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        let packet = buf.get(..len).ok_or(Error::BufferTooSmall)?;
        let mut h = parse_rtp(packet)?;
        if self.hdrext.is_some() {
            HeaderExtCrypto::check(&h)?;
        }
        let seq = SeqNum(h.seq);
        // One hash lookup per packet of a known stream.
        let full = self.streams.len() >= self.config.max_streams;
        let cryptex_on = self.cryptex();
        let stream = self.streams.get_mut(&h.ssrc);
        if stream.is_none() && full {
            return Err(Error::TooManyStreams);
        }
        // The sender estimates like a receiver so that a late (re)send of an older sequence
        // number keeps its ROC (RFC 3711 §3.3.1).
        let index = match stream.as_ref().and_then(|s| s.sent) {
            None => PacketIndex::new(0, h.seq),
            Some(sent) => sent
                .estimate(seq)
                .ok_or(if sent.seq().distance_to(seq) > 0 {
                    Error::KeyExhausted
                } else {
                    Error::TooOld
                })?,
        };
        let mut len = len;
        let cryptex = if cryptex_on {
            let need = self.rtp.tag_len + self.config.mki.len();
            cryptex::prepare_protect(buf, &mut len, &mut h, need)?
        } else {
            None
        };
        let p = Params {
            ssrc: h.ssrc,
            index: index.value(),
            mki: &self.config.mki,
            encrypt: self.config.encrypt_rtp,
            cryptex,
            hdrext: match (&self.hdrext, cryptex) {
                (Some(x), None) => Some((x, h)),
                _ => None,
            },
        };
        let n = transform::protect_rtp(&self.rtp, buf, len, h.len, &p)?;
        let record = |s: &mut Stream| {
            if s.sent.is_none_or(|sent| index > sent) {
                s.sent = Some(index);
            }
        };
        match stream {
            Some(s) => record(s),
            None => record(self.stream_mut(h.ssrc)),
        }
        Ok(n)
    }

    /// RFC 3711 §3.3: authenticates, replay-checks and decrypts the SRTP packet in `buf` in
    /// place, truncating it to the RTP packet.
    pub fn unprotect_rtp(&mut self, buf: &mut Vec<u8>) -> Result<(), Error> {
        let n = self.unprotect_rtp_slice(buf)?;
        buf.truncate(n);
        Ok(())
    }

    /// RFC 3711 §3.3: as [`Context::unprotect_rtp`] on a slice holding exactly one SRTP
    /// packet; returns the RTP length. ROC and replay window change only once the packet has
    /// authenticated.
    pub fn unprotect_rtp_slice(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let h = parse_rtp(buf)?;
        if self.hdrext.is_some() {
            HeaderExtCrypto::check(&h)?;
        }
        let full = self.streams.len() >= self.config.max_streams;
        let cryptex_on = self.cryptex();
        let stream = self.streams.get_mut(&h.ssrc);
        if stream.is_none() && full {
            return Err(Error::TooManyStreams);
        }
        // RFC 3711 §3.3.1: the first packet of a stream has ROC 0.
        let index = match stream.as_ref().and_then(|s| s.rtp_replay.highest()) {
            None => PacketIndex::new(0, h.seq),
            Some(hi) => PacketIndex::new((hi >> 16) as u32, hi as u16)
                .estimate(SeqNum(h.seq))
                .ok_or(Error::TooOld)?,
        };
        if let Some(s) = &stream {
            s.rtp_replay.check(index.value())?;
        }
        let cryptex = if cryptex_on {
            cryptex::detect(buf, &h)
        } else {
            None
        };
        let p = Params {
            ssrc: h.ssrc,
            index: index.value(),
            mki: &self.config.mki,
            encrypt: self.config.encrypt_rtp,
            cryptex,
            hdrext: match (&self.hdrext, cryptex) {
                (Some(x), None) => Some((x, h)),
                _ => None,
            },
        };
        let n = transform::unprotect_rtp(&self.rtp, buf, h.len, &p)?;
        if cryptex.is_some() {
            cryptex::restore(buf, &h);
        }
        match stream {
            Some(s) => s.rtp_replay.accept(index.value()),
            None => self.stream_mut(h.ssrc).rtp_replay.accept(index.value()),
        }
        Ok(n)
    }

    /// RFC 3711 §3.4: protects the (compound) RTCP packet in `buf` in place, appending
    /// E || SRTCP index, MKI and tag. Reserve [`Context::rtcp_overhead`] spare capacity.
    pub fn protect_rtcp(&mut self, buf: &mut Vec<u8>) -> Result<(), Error> {
        let len = buf.len();
        buf.resize(len + self.rtcp_overhead(), 0);
        match self.protect_rtcp_slice(buf, len) {
            Ok(n) => {
                buf.truncate(n);
                Ok(())
            }
            Err(e) => {
                buf.truncate(len);
                Err(e)
            }
        }
    }

    /// RFC 3711 §3.4: protects `buf[..len]` in place; `buf` must have
    /// [`Context::rtcp_overhead`] bytes of room after it. Returns the SRTCP length.
    pub fn protect_rtcp_slice(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        let packet = buf.get(..len).ok_or(Error::BufferTooSmall)?;
        let ssrc = parse_rtcp(packet)?;
        self.has_room_for(ssrc)?;
        let index = self.streams.get(&ssrc).map_or(0, |s| s.rtcp_next);
        if index > SRTCP_INDEX_MAX {
            return Err(Error::KeyExhausted);
        }
        let p = Params {
            ssrc,
            index,
            mki: &self.config.mki,
            encrypt: self.config.encrypt_rtcp,
            cryptex: None,
            hdrext: None,
        };
        let n = transform::protect_rtcp(&self.rtcp, buf, len, &p)?;
        self.stream_mut(ssrc).rtcp_next = index + 1;
        Ok(n)
    }

    /// RFC 3711 §3.4: authenticates, replay-checks and decrypts the SRTCP packet in `buf`,
    /// truncating it to the RTCP packet.
    pub fn unprotect_rtcp(&mut self, buf: &mut Vec<u8>) -> Result<(), Error> {
        let n = self.unprotect_rtcp_slice(buf)?;
        buf.truncate(n);
        Ok(())
    }

    /// RFC 3711 §3.4: as [`Context::unprotect_rtcp`] on a slice holding exactly one SRTCP
    /// packet; returns the RTCP length. Packets with E = 0 are accepted (the E bit is
    /// authenticated).
    pub fn unprotect_rtcp_slice(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let ssrc = parse_rtcp(buf)?;
        self.has_room_for(ssrc)?;
        let (index, encrypted) = transform::rtcp_index(&self.rtcp, buf, self.config.mki.len())?;
        if let Some(s) = self.streams.get(&ssrc) {
            s.rtcp_replay.check(index)?;
        }
        let p = Params {
            ssrc,
            index,
            mki: &self.config.mki,
            encrypt: encrypted,
            cryptex: None,
            hdrext: None,
        };
        let n = transform::unprotect_rtcp(&self.rtcp, buf, &p, encrypted)?;
        self.stream_mut(ssrc).rtcp_replay.accept(index);
        Ok(n)
    }
}
