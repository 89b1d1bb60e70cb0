//! Context configuration.

use crate::Error;

/// Largest replay window accepted by [`Config::replay_window`].
pub const MAX_REPLAY_WINDOW: usize = 1 << 15;

/// How a [`Context`](crate::Context) behaves. `Default` suits WebRTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Replay window in packets, per SSRC, for SRTP and for SRTCP (RFC 3711 §3.3.2: at
    /// least 64). Default 128; at most [`MAX_REPLAY_WINDOW`].
    pub replay_window: usize,
    /// Most SSRCs a context tracks; a packet of a further SSRC gets
    /// [`Error::TooManyStreams`]. Default 1024.
    pub max_streams: usize,
    /// Encrypt SRTP payloads (RFC 3711 §3.1). `false` gives authentication only, as
    /// libsrtp's `sec_serv_auth`. Default `true`.
    pub encrypt_rtp: bool,
    /// Encrypt SRTCP packets; `false` sends E = 0 (RFC 3711 §3.4). Default `true`.
    pub encrypt_rtcp: bool,
    /// Master key identifier carried in every packet (RFC 3711 §3.1); empty for none
    /// (WebRTC uses none). At most 16 bytes.
    pub mki: Vec<u8>,
    /// RFC 9335 cryptex: encrypt the CSRC list and header extension of SRTP packets (once
    /// both sides have negotiated `a=cryptex`). Received cryptex packets are decrypted when
    /// this is on. Needs `encrypt_rtp`. Default `false`.
    pub cryptex: bool,
    /// RFC 6904: ids of the header extension elements to encrypt (`a=extmap` with
    /// `urn:ietf:params:rtp-hdrext:encrypt`), 1-255. Ignored for packets sent or received
    /// with cryptex, which encrypts the whole extension. Default none.
    pub encrypted_header_extensions: Vec<u8>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            replay_window: 128,
            max_streams: 1024,
            encrypt_rtp: true,
            encrypt_rtcp: true,
            mki: Vec::new(),
            cryptex: false,
            encrypted_header_extensions: Vec::new(),
        }
    }
}

impl Config {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.replay_window < 64
            || self.replay_window > MAX_REPLAY_WINDOW
            || self.max_streams == 0
            || self.mki.len() > 16
            || self.encrypted_header_extensions.contains(&0)
        {
            return Err(Error::BadConfig);
        }
        Ok(())
    }
}
