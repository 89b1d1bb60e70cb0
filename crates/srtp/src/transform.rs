//! The stateless packet transforms: given keys, an index and a buffer, protect or verify
//! and decrypt in place. Stream state (ROC, replay, SRTCP index) lives in `context`.

use subtle::ConstantTimeEq;

use crate::Error;
use crate::crypto::{Aes, Cipher, GCM_TAG, Keys, cm_iv, gcm_iv};
use crate::hdrext::HeaderExtCrypto;
use crate::header::{RTCP_FIXED, RTP_FIXED, RtpHeader};

/// The E flag of the SRTCP trailer word (RFC 3711 §3.4).
const E_FLAG: u32 = 1 << 31;
/// Length of the SRTCP E || index word.
pub(crate) const SRTCP_INDEX_LEN: usize = 4;

/// What one packet needs besides its bytes.
pub(crate) struct Params<'a> {
    pub ssrc: u32,
    /// SRTP: the 48-bit packet index. SRTCP: the 31-bit SRTCP index.
    pub index: u64,
    pub mki: &'a [u8],
    pub encrypt: bool,
    /// RFC 9335 cryptex: CSRC list length in bytes; CSRCs and extension data are encrypted.
    pub cryptex: Option<usize>,
    /// RFC 6904: header-extension keys and the packet's header.
    pub hdrext: Option<(&'a HeaderExtCrypto, RtpHeader)>,
}

/// RFC 6904 §4.1: encrypts (or decrypts) the selected header extension elements.
fn header_extensions(buf: &mut [u8], p: &Params<'_>) {
    if let Some((x, h)) = &p.hdrext {
        x.apply(buf, h, p.ssrc, p.index);
    }
}

/// RFC 9335 §5.1: the CSRCs, header extension data and payload are encrypted as one region,
/// with the 4-byte extension header moved in front of the CSRCs while it happens. Runs `f`
/// on that layout; the encrypted region then starts at byte 16.
fn cryptex_layout<R>(buf: &mut [u8], csrc: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    if csrc == 0 {
        return f(buf);
    }
    buf[RTP_FIXED..RTP_FIXED + 4 + csrc].rotate_right(4);
    let r = f(buf);
    buf[RTP_FIXED..RTP_FIXED + 4 + csrc].rotate_left(4);
    r
}

/// AES-CM with HMAC-SHA1, protect: encrypts `msg[enc]` (unless `aes` is `None`) and returns
/// the tag over `msg || suffix`. `csrc` > 0 is RFC 9335's rearranged layout, which must be
/// undone before hashing, so only there the two run one after the other.
fn cm_protect(
    keys: &Keys,
    aes: Option<(&Aes, [u8; 16])>,
    msg: &mut [u8],
    enc: core::ops::Range<usize>,
    csrc: usize,
    suffix: &[u8],
) -> [u8; 20] {
    match (aes, &keys.auth) {
        (Some((aes, iv)), Some(mac)) if csrc == 0 => aes.ctr_hmac(&iv, msg, enc, mac, suffix),
        (aes, _) => {
            if let Some((aes, iv)) = aes {
                cryptex_layout(msg, csrc, |msg| aes.ctr(&iv, &mut msg[enc]));
            }
            keys.hmac(msg, suffix)
        }
    }
}

/// The verdict on a tag comparison. Fuzzers cannot forge tags: a `cfg(fuzzing)` build whose
/// target called [`crate::fuzzing::accept_any_tag`] accepts every tag so that the fuzzer
/// reaches the code behind the check; no other build can.
pub(crate) fn tag_ok(matches: bool) -> bool {
    matches || skipping_auth()
}

#[cfg(fuzzing)]
pub(crate) fn skipping_auth() -> bool {
    crate::fuzzing::ACCEPT_ANY_TAG.load(std::sync::atomic::Ordering::Relaxed)
}

#[cfg(not(fuzzing))]
pub(crate) const fn skipping_auth() -> bool {
    false
}

/// AES-CM with HMAC-SHA1, unprotect: checks `tag` over `msg || suffix` and decrypts
/// `msg[enc]` (unless `aes` is `None`). On error `msg` is as it arrived. Without RFC 9335's
/// rearranged layout (`csrc` > 0), hashing and decryption run interleaved and a bad tag
/// re-applies the keystream, which costs a forged packet one more AES pass; otherwise the
/// tag is checked first.
fn cm_unprotect(
    keys: &Keys,
    aes: Option<(&Aes, [u8; 16])>,
    msg: &mut [u8],
    enc: core::ops::Range<usize>,
    csrc: usize,
    suffix: &[u8],
    tag: &[u8],
) -> Result<(), Error> {
    match (aes, &keys.auth) {
        (Some((aes, iv)), Some(mac)) if csrc == 0 => {
            let want = aes.hmac_ctr(&iv, msg, enc.clone(), mac, suffix);
            if !tag_ok(bool::from(want[..keys.tag_len].ct_eq(tag))) {
                aes.ctr(&iv, &mut msg[enc]);
                return Err(Error::AuthFailed);
            }
        }
        (aes, auth) => {
            if auth.is_some() {
                let want = keys.hmac(msg, suffix);
                if !tag_ok(bool::from(want[..keys.tag_len].ct_eq(tag))) {
                    return Err(Error::AuthFailed);
                }
            }
            if let Some((aes, iv)) = aes {
                cryptex_layout(msg, csrc, |msg| aes.ctr(&iv, &mut msg[enc]));
            }
        }
    }
    Ok(())
}

/// The AES-CM key and IV when the packet is encrypted.
fn cm_cipher<'k>(cipher: &'k Cipher, encrypt: bool, p: &Params<'_>) -> Option<(&'k Aes, [u8; 16])> {
    match cipher {
        Cipher::AesCm { aes, salt } if encrypt => Some((aes, cm_iv(salt, p.ssrc, p.index))),
        _ => None,
    }
}

/// Where encryption starts (and, for GCM, where the AAD ends).
fn enc_start(hdr: usize, p: &Params<'_>) -> usize {
    match p.cryptex {
        Some(_) => RTP_FIXED + 4,
        None => hdr,
    }
}

/// RFC 3711 §3.3 / RFC 7714 §8.2: protects `buf[..len]` (header of `hdr` bytes) in place and
/// returns the new length. `buf` must have room for MKI and tag.
pub(crate) fn protect_rtp(
    keys: &Keys,
    buf: &mut [u8],
    len: usize,
    hdr: usize,
    p: &Params<'_>,
) -> Result<usize, Error> {
    let end = len + p.mki.len() + keys.tag_len;
    if buf.len() < end {
        return Err(Error::BufferTooSmall);
    }
    // RFC 6904 §4.1: before authentication, so the tag covers the encrypted elements.
    header_extensions(buf, p);
    match &keys.cipher {
        Cipher::AesGcm { gcm, salt } => {
            let iv = gcm_iv(salt, p.ssrc, p.index);
            let tag = if p.encrypt {
                let at = enc_start(hdr, p);
                cryptex_layout(buf, p.cryptex.unwrap_or(0), |buf| {
                    let (aad, body) = buf[..len].split_at_mut(at);
                    gcm.seal(&iv, aad, body)
                })?
            } else {
                gcm.seal(&iv, &buf[..len], &mut [])?
            };
            // RFC 7714 §8: the tag ends the ciphertext; the MKI follows it.
            buf[len..len + GCM_TAG].copy_from_slice(&tag);
            buf[len + GCM_TAG..end].copy_from_slice(p.mki);
        }
        cipher => {
            // RFC 3711 §4.2: the tag covers the packet and the ROC, not the MKI.
            let roc = ((p.index >> 16) as u32).to_be_bytes();
            let aes = cm_cipher(cipher, p.encrypt, p);
            let enc = enc_start(hdr, p)..len;
            let csrc = p.cryptex.unwrap_or(0);
            let tag = cm_protect(keys, aes, &mut buf[..len], enc, csrc, &roc);
            buf[len..len + p.mki.len()].copy_from_slice(p.mki);
            buf[len + p.mki.len()..end].copy_from_slice(&tag[..keys.tag_len]);
        }
    }
    Ok(end)
}

/// RFC 3711 §3.3 steps 4-6 / RFC 7714 §8.2: checks MKI and tag of `buf` (header of `hdr`
/// bytes) and decrypts in place; returns the plaintext length. Nothing is decrypted unless
/// the tag is good.
pub(crate) fn unprotect_rtp(
    keys: &Keys,
    buf: &mut [u8],
    hdr: usize,
    p: &Params<'_>,
) -> Result<usize, Error> {
    let trailer = p.mki.len() + keys.tag_len;
    if buf.len() < hdr + trailer {
        return Err(Error::TooShort);
    }
    let body_end = buf.len() - trailer;
    match &keys.cipher {
        Cipher::AesGcm { gcm, salt } => {
            let mki_at = body_end + GCM_TAG;
            if !p.mki.is_empty() && buf[mki_at..] != *p.mki {
                return Err(Error::UnknownMki);
            }
            let mut tag = [0u8; GCM_TAG];
            tag.copy_from_slice(&buf[body_end..mki_at]);
            let iv = gcm_iv(salt, p.ssrc, p.index);
            if p.encrypt {
                let at = enc_start(hdr, p);
                cryptex_layout(buf, p.cryptex.unwrap_or(0), |buf| {
                    let (aad, body) = buf[..body_end].split_at_mut(at);
                    gcm.open(&iv, aad, body, &tag)
                })?;
            } else {
                gcm.open(&iv, &buf[..body_end], &mut [], &tag)?;
            }
            header_extensions(buf, p);
        }
        cipher => {
            let (body, rest) = buf.split_at_mut(body_end);
            let (mki, tag) = rest.split_at(p.mki.len());
            if !p.mki.is_empty() && mki != p.mki {
                return Err(Error::UnknownMki);
            }
            let roc = ((p.index >> 16) as u32).to_be_bytes();
            let aes = cm_cipher(cipher, p.encrypt, p);
            let enc = enc_start(hdr, p)..body.len();
            let csrc = p.cryptex.unwrap_or(0);
            cm_unprotect(keys, aes, body, enc, csrc, &roc, tag)?;
            header_extensions(body, p);
        }
    }
    Ok(body_end)
}

/// RFC 3711 §3.4 / RFC 7714 §9: protects the RTCP packet `buf[..len]` in place with SRTCP
/// index `p.index`; returns the new length.
pub(crate) fn protect_rtcp(
    keys: &Keys,
    buf: &mut [u8],
    len: usize,
    p: &Params<'_>,
) -> Result<usize, Error> {
    let end = len + SRTCP_INDEX_LEN + p.mki.len() + keys.tag_len;
    if buf.len() < end {
        return Err(Error::BufferTooSmall);
    }
    let encrypt = p.encrypt && !matches!(keys.cipher, Cipher::Null);
    let e_index = ((p.index as u32 & !E_FLAG) | if encrypt { E_FLAG } else { 0 }).to_be_bytes();
    match &keys.cipher {
        Cipher::AesGcm { gcm, salt } => {
            let iv = gcm_iv(salt, p.ssrc, p.index);
            let tag = if encrypt {
                // RFC 7714 §9.2: AAD = the 8-byte header || E || SRTCP index.
                let mut aad = [0u8; RTCP_FIXED + SRTCP_INDEX_LEN];
                aad[..RTCP_FIXED].copy_from_slice(&buf[..RTCP_FIXED]);
                aad[RTCP_FIXED..].copy_from_slice(&e_index);
                gcm.seal(&iv, &aad, &mut buf[RTCP_FIXED..len])?
            } else {
                // RFC 7714 §9.3: AAD = the whole packet || E || SRTCP index.
                buf[len..len + SRTCP_INDEX_LEN].copy_from_slice(&e_index);
                gcm.seal(&iv, &buf[..len + SRTCP_INDEX_LEN], &mut [])?
            };
            let at = len + GCM_TAG;
            buf[len..at].copy_from_slice(&tag);
            buf[at..at + SRTCP_INDEX_LEN].copy_from_slice(&e_index);
            buf[at + SRTCP_INDEX_LEN..end].copy_from_slice(p.mki);
        }
        cipher => {
            let at = len + SRTCP_INDEX_LEN;
            buf[len..at].copy_from_slice(&e_index);
            let aes = cm_cipher(cipher, encrypt, p);
            let tag = cm_protect(keys, aes, &mut buf[..at], RTCP_FIXED..len, 0, &[]);
            buf[at..at + p.mki.len()].copy_from_slice(p.mki);
            buf[at + p.mki.len()..end].copy_from_slice(&tag[..keys.tag_len]);
        }
    }
    Ok(end)
}

/// Reads the SRTCP index of a protected packet without checking anything else:
/// `(index, encrypted)`.
pub(crate) fn rtcp_index(keys: &Keys, buf: &[u8], mki_len: usize) -> Result<(u64, bool), Error> {
    let trailer = SRTCP_INDEX_LEN + mki_len + keys.tag_len;
    if buf.len() < RTCP_FIXED + trailer {
        return Err(Error::TooShort);
    }
    let at = match keys.cipher {
        Cipher::AesGcm { .. } => buf.len() - mki_len - SRTCP_INDEX_LEN,
        _ => buf.len() - trailer,
    };
    let word = crate::header::be32(buf, at);
    Ok((u64::from(word & !E_FLAG), word & E_FLAG != 0))
}

/// RFC 3711 §3.4 / RFC 7714 §9: verifies and decrypts an SRTCP packet in place (its index
/// was read by [`rtcp_index`]); returns the RTCP length.
pub(crate) fn unprotect_rtcp(
    keys: &Keys,
    buf: &mut [u8],
    p: &Params<'_>,
    encrypted: bool,
) -> Result<usize, Error> {
    let trailer = SRTCP_INDEX_LEN + p.mki.len() + keys.tag_len;
    if buf.len() < RTCP_FIXED + trailer {
        return Err(Error::TooShort);
    }
    let body_end = buf.len() - trailer;
    match &keys.cipher {
        Cipher::AesGcm { gcm, salt } => {
            let idx_at = body_end + GCM_TAG;
            let mki_at = idx_at + SRTCP_INDEX_LEN;
            if !p.mki.is_empty() && buf[mki_at..] != *p.mki {
                return Err(Error::UnknownMki);
            }
            let mut tag = [0u8; GCM_TAG];
            tag.copy_from_slice(&buf[body_end..idx_at]);
            let mut e_index = [0u8; SRTCP_INDEX_LEN];
            e_index.copy_from_slice(&buf[idx_at..mki_at]);
            let iv = gcm_iv(salt, p.ssrc, p.index);
            if encrypted {
                let mut aad = [0u8; RTCP_FIXED + SRTCP_INDEX_LEN];
                aad[..RTCP_FIXED].copy_from_slice(&buf[..RTCP_FIXED]);
                aad[RTCP_FIXED..].copy_from_slice(&e_index);
                gcm.open(&iv, &aad, &mut buf[RTCP_FIXED..body_end], &tag)?;
            } else {
                // The AAD must be contiguous: move E || index over the (saved) tag.
                buf[body_end..body_end + SRTCP_INDEX_LEN].copy_from_slice(&e_index);
                gcm.open(&iv, &buf[..body_end + SRTCP_INDEX_LEN], &mut [], &tag)?;
            }
        }
        cipher => {
            let auth_end = body_end + SRTCP_INDEX_LEN;
            let (body, rest) = buf.split_at_mut(auth_end);
            let (mki, tag) = rest.split_at(p.mki.len());
            if !p.mki.is_empty() && mki != p.mki {
                return Err(Error::UnknownMki);
            }
            let aes = cm_cipher(cipher, encrypted, p);
            cm_unprotect(keys, aes, body, RTCP_FIXED..body_end, 0, &[], tag)?;
        }
    }
    Ok(body_end)
}

#[cfg(test)]
mod tests {
    // Normal builds must never take the fuzzing bypass; `tests/streams.rs` checks the same
    // end to end (`forged_first_packet_creates_no_stream`, every profile).
    #[test]
    fn bad_tag_is_refused_outside_fuzzing() {
        assert!(!super::tag_ok(false));
        assert!(super::tag_ok(true));
    }
}
