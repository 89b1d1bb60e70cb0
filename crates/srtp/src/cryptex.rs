//! RFC 9335 cryptex: the header extension profile words and the empty extension that signal
//! an encrypted CSRC list and header extension. The encryption itself is in `transform`.

use crate::Error;
use crate::header::{RTP_FIXED, RtpHeader};

/// One-byte header extension profile (RFC 8285 §4.2).
const ONE_BYTE: u16 = 0xbede;
/// Two-byte header extension profile, low 4 bits "appbits" (RFC 8285 §4.3).
const TWO_BYTE: u16 = 0x1000;
/// Cryptex one-byte and two-byte profiles (RFC 9335 §5.1).
const CRYPTEX_ONE: u16 = 0xc0de;
const CRYPTEX_TWO: u16 = 0xc2de;

fn profile(buf: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([buf[at], buf[at + 1]])
}

/// RFC 9335 §5.1, sender side: marks the extension as cryptex, or appends an empty cryptex
/// extension when the packet has CSRCs but no extension (MUST). `need` is the room the rest
/// of protect needs after the packet; it is checked before anything changes. Returns the CSRC
/// length when cryptex applies.
pub(crate) fn prepare_protect(
    buf: &mut [u8],
    len: &mut usize,
    h: &mut RtpHeader,
    need: usize,
) -> Result<Option<usize>, Error> {
    let csrc = h.len_csrc();
    match h.ext {
        Some(at) => {
            let word = match profile(buf, at) {
                ONE_BYTE => CRYPTEX_ONE,
                TWO_BYTE => CRYPTEX_TWO,
                // Other profiles (or two-byte appbits) have no cryptex form.
                _ => return Err(Error::UnsupportedHeaderExtension),
            };
            if buf.len() < *len + need {
                return Err(Error::BufferTooSmall);
            }
            buf[at..at + 2].copy_from_slice(&word.to_be_bytes());
            Ok(Some(csrc))
        }
        None if csrc > 0 => {
            if buf.len() < *len + 4 + need {
                return Err(Error::BufferTooSmall);
            }
            let at = RTP_FIXED + csrc;
            buf.copy_within(at..*len, at + 4);
            buf[at..at + 4].copy_from_slice(&[0xc0, 0xde, 0, 0]);
            buf[0] |= 0x10;
            *len += 4;
            h.len += 4;
            h.ext = Some(at);
            Ok(Some(csrc))
        }
        None => Ok(None),
    }
}

/// Receiver side: the CSRC length if the packet uses cryptex.
pub(crate) fn detect(buf: &[u8], h: &RtpHeader) -> Option<usize> {
    let at = h.ext?;
    matches!(profile(buf, at), CRYPTEX_ONE | CRYPTEX_TWO).then(|| h.len_csrc())
}

/// Receiver side, after decryption: back to the plain RFC 8285 profile.
pub(crate) fn restore(buf: &mut [u8], h: &RtpHeader) {
    if let Some(at) = h.ext {
        let word = if profile(buf, at) == CRYPTEX_ONE {
            ONE_BYTE
        } else {
            TWO_BYTE
        };
        buf[at..at + 2].copy_from_slice(&word.to_be_bytes());
    }
}
