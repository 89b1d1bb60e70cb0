//! RFC 6904: encryption of selected RTP header extension elements, with their own session
//! key and salt (labels 6 and 7). With AES-GCM the elements are encrypted with AES counter
//! mode too, before the AEAD step, with a header key of the GCM key size and the 12-byte
//! header salt zero-padded to 14 bytes (as libsrtp does; its known answers agree).

use crate::Error;
use crate::crypto::{Aes, cm_iv, derive};
use crate::header::RtpHeader;

/// Largest header extension body handled (bytes after the 4-byte extension header).
pub(crate) const MAX_EXT: usize = 2048;

/// The header-extension keys and the set of extension ids to encrypt.
#[derive(Clone)]
pub(crate) struct HeaderExtCrypto {
    aes: Aes,
    salt: [u8; 14],
    ids: [u64; 4],
}

impl HeaderExtCrypto {
    /// RFC 6904 §4.3: header encryption key (label 6, the session key length) and salt
    /// (label 7, the session salt length, zero-padded to 14 bytes for GCM).
    pub(crate) fn derive(
        master: &Aes,
        master_salt: &[u8],
        key_len: usize,
        salt_len: usize,
        ids: &[u8],
    ) -> Result<Self, Error> {
        let mut key = [0u8; 32];
        derive(master, master_salt, 6, &mut key[..key_len]);
        let mut salt = [0u8; 14];
        derive(master, master_salt, 7, &mut salt[..salt_len]);
        let mut set = [0u64; 4];
        for &id in ids {
            set[usize::from(id / 64)] |= 1 << (id % 64);
        }
        Ok(HeaderExtCrypto {
            aes: Aes::new(&key[..key_len])?,
            salt,
            ids: set,
        })
    }

    fn selected(&self, id: u8) -> bool {
        self.ids[usize::from(id / 64)] & (1 << (id % 64)) != 0
    }

    /// Whether this packet's extension can be handled; checked before anything changes.
    pub(crate) fn check(h: &RtpHeader) -> Result<(), Error> {
        match h.ext {
            Some(at) if h.len - at - 4 > MAX_EXT => Err(Error::UnsupportedHeaderExtension),
            _ => Ok(()),
        }
    }

    /// RFC 6904 §4.1: XORs the data of the selected one-byte (RFC 8285 §4.2) or two-byte
    /// (§4.3) elements with the keystream, whose byte 0 lines up with the first byte after
    /// the extension header. Its own inverse.
    pub(crate) fn apply(&self, buf: &mut [u8], h: &RtpHeader, ssrc: u32, index: u64) {
        let Some(at) = h.ext else { return };
        let one_byte = match u16::from_be_bytes([buf[at], buf[at + 1]]) {
            0xbede => true,
            p if p & 0xfff0 == 0x1000 => false,
            _ => return,
        };
        let data = &mut buf[at + 4..h.len];
        if data.len() > MAX_EXT {
            return; // refused by `check` first
        }
        let mut ks = [0u8; MAX_EXT];
        let ks = &mut ks[..data.len()];
        self.aes.ctr(&cm_iv(&self.salt, ssrc, index), ks);
        let mut i = 0;
        while i < data.len() {
            let (id, start, len) = if one_byte {
                let b = data[i];
                match b >> 4 {
                    0 => {
                        i += 1; // padding
                        continue;
                    }
                    15 => break, // reserved: stop (RFC 8285 §4.2)
                    id => (id, i + 1, usize::from(b & 0x0f) + 1),
                }
            } else {
                if data[i] == 0 {
                    i += 1;
                    continue;
                }
                if i + 1 >= data.len() {
                    break;
                }
                (data[i], i + 2, usize::from(data[i + 1]))
            };
            let end = (start + len).min(data.len());
            if self.selected(id) {
                for (d, k) in data[start..end].iter_mut().zip(&ks[start..end]) {
                    *d ^= k;
                }
            }
            i = start + len;
        }
    }
}
