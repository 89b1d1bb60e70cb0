//! Session keys and the transforms' primitives, prepared once per context: AES key
//! schedules, HMAC inner/outer states, GCM hash keys. Per packet only an IV is built.

use aes::cipher::consts::U16;
use aes::cipher::{
    BlockCipherEncBackend, BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser, KeyInit,
    ParBlocks,
};
use aes::{Aes128, Aes192, Aes256};

use crate::Error;
use crate::auth::{self, HmacSha1, Sha1Run};
use crate::profile::{CipherKind, Profile};

/// SRTP key derivation labels (RFC 3711 §4.3.2, RFC 6904 §4.3).
pub(crate) mod label {
    pub const RTP_ENC: u8 = 0;
    pub const RTP_AUTH: u8 = 1;
    pub const RTP_SALT: u8 = 2;
    pub const RTCP_ENC: u8 = 3;
    pub const RTCP_AUTH: u8 = 4;
    pub const RTCP_SALT: u8 = 5;
}

/// Session authentication key length for HMAC-SHA1 (RFC 3711 §8.2: 160 bits).
const AUTH_KEY_LEN: usize = 20;

/// An AES key schedule of any size.
#[derive(Clone)]
pub(crate) enum Aes {
    A128(Aes128),
    A192(Aes192),
    A256(Aes256),
}

impl Aes {
    pub(crate) fn new(key: &[u8]) -> Result<Self, Error> {
        Ok(match key.len() {
            16 => Aes::A128(Aes128::new_from_slice(key).map_err(|_| Error::KeyLength)?),
            24 => Aes::A192(Aes192::new_from_slice(key).map_err(|_| Error::KeyLength)?),
            32 => Aes::A256(Aes256::new_from_slice(key).map_err(|_| Error::KeyLength)?),
            _ => return Err(Error::KeyLength),
        })
    }

    /// Encrypts blocks in place, in one call to the AES backend.
    #[cfg(test)]
    pub(crate) fn encrypt_blocks(&self, blocks: &mut [Block]) {
        match self {
            Aes::A128(a) => a.encrypt_blocks(blocks),
            Aes::A192(a) => a.encrypt_blocks(blocks),
            Aes::A256(a) => a.encrypt_blocks(blocks),
        }
    }

    /// XORs `buf` with the AES counter-mode keystream starting at block `iv`
    /// (RFC 3711 §4.1.1: a 128-bit big-endian counter), in one call to the AES backend.
    #[inline]
    pub(crate) fn ctr(&self, iv: &[u8; 16], buf: &mut [u8]) {
        self.run(CtrJob {
            ctr: u128::from_be_bytes(*iv),
            buf,
        });
    }

    /// RFC 3711 §3.3 and §3.4 (protect): XORs `buf[enc]` with the keystream of `iv`, then
    /// returns HMAC-SHA1(`buf || suffix`). The two are interleaved a batch at a time so the
    /// AES work runs while SHA-1 (one long dependency chain) waits on itself.
    #[inline]
    pub(crate) fn ctr_hmac(
        &self,
        iv: &[u8; 16],
        buf: &mut [u8],
        enc: core::ops::Range<usize>,
        mac: &HmacSha1,
        suffix: &[u8],
    ) -> [u8; auth::TAG] {
        let mut tag = [0u8; auth::TAG];
        self.run(CtrHmacJob {
            ctr: u128::from_be_bytes(*iv),
            buf,
            enc,
            run: mac.start(),
            suffix,
            tag: &mut tag,
        });
        tag
    }

    /// RFC 3711 §3.3 steps 5-6 (unprotect): returns HMAC-SHA1(`msg || suffix`) over the
    /// packet as it arrived and XORs `msg[enc]` with the keystream of `iv`, interleaved as
    /// in [`Aes::ctr_hmac`]: each block is hashed before it is decrypted. The caller undoes
    /// the decryption with [`Aes::ctr`] if the tag is bad, so a failed packet is left as
    /// it came and its plaintext never leaves.
    #[inline]
    pub(crate) fn hmac_ctr(
        &self,
        iv: &[u8; 16],
        msg: &mut [u8],
        enc: core::ops::Range<usize>,
        mac: &HmacSha1,
        suffix: &[u8],
    ) -> [u8; auth::TAG] {
        let mut tag = [0u8; auth::TAG];
        self.run(HmacCtrJob {
            ctr: u128::from_be_bytes(*iv),
            buf: msg,
            enc,
            run: mac.start(),
            suffix,
            tag: &mut tag,
        });
        tag
    }

    /// Runs `job` with the AES backend: one backend setup for all its blocks.
    #[inline]
    fn run(&self, job: impl BlockCipherEncClosure<BlockSize = U16>) {
        match self {
            Aes::A128(a) => a.encrypt_with_backend(job),
            Aes::A192(a) => a.encrypt_with_backend(job),
            Aes::A256(a) => a.encrypt_with_backend(job),
        }
    }
}

/// Encrypts `ks[..count]` in place: as one parallel batch, which costs about `par / 4`
/// single blocks (4 blocks per VAES instruction, or pipelined AES-NI), or block by block
/// when the tail is short.
#[inline(always)]
fn encrypt_batch<B: BlockCipherEncBackend<BlockSize = U16>>(
    backend: &B,
    ks: &mut ParBlocks<B>,
    count: usize,
) {
    if count * 4 > ks.len() {
        backend.encrypt_par_blocks(ks.into());
    } else {
        for b in ks[..count].iter_mut() {
            backend.encrypt_block(b.into());
        }
    }
}

/// AES-CTR run inside the backend: each call to the backend sets it up anew (with VAES it
/// broadcasts the round keys), so the whole buffer is done in one, a parallel batch of
/// counter blocks at a time, XORed straight into the buffer.
struct CtrJob<'a> {
    ctr: u128,
    buf: &'a mut [u8],
}

impl BlockSizeUser for CtrJob<'_> {
    type BlockSize = U16;
}

impl BlockCipherEncClosure for CtrJob<'_> {
    #[inline(always)]
    fn call<B: BlockCipherEncBackend<BlockSize = U16>>(self, backend: &B) {
        let mut ctr = Counters::<B>::new(self.ctr);
        for chunk in self.buf.chunks_mut(ctr.par() * 16) {
            let count = chunk.len().div_ceil(16);
            let ks = ctr.advance();
            encrypt_batch(backend, ks, count);
            xor_keystream(chunk, &ks[..count]);
        }
    }
}

/// Counter blocks (RFC 3711 §4.1.1: a 128-bit big-endian counter), written one batch
/// ahead of their encryption. The backend loads each block as 16 bytes, and a load right
/// after the two 8-byte stores that wrote it cannot be forwarded from them and stalls
/// (this made counter mode 1.7x slower); a batch later the stores have reached the cache.
struct Counters<B: BlockCipherEncBackend<BlockSize = U16>> {
    bufs: [ParBlocks<B>; 2],
    cur: usize,
    next: u128,
}

impl<B: BlockCipherEncBackend<BlockSize = U16>> Counters<B> {
    #[inline(always)]
    fn new(first: u128) -> Self {
        let mut c = Counters {
            bufs: Default::default(),
            cur: 0,
            next: first,
        };
        c.fill(0);
        c
    }

    #[inline(always)]
    fn par(&self) -> usize {
        self.bufs[0].len()
    }

    #[inline(always)]
    fn fill(&mut self, i: usize) {
        for b in self.bufs[i].iter_mut() {
            *b = self.next.to_be_bytes().into();
            self.next = self.next.wrapping_add(1);
        }
    }

    /// This batch's counter blocks (to encrypt in place); the next batch's are written
    /// first.
    #[inline(always)]
    fn advance(&mut self) -> &mut ParBlocks<B> {
        let cur = self.cur;
        self.cur ^= 1;
        self.fill(self.cur);
        &mut self.bufs[cur]
    }
}

/// Counter-mode encryption of `buf[enc]` with HMAC over all of `buf`, interleaved.
struct CtrHmacJob<'a, 'k> {
    ctr: u128,
    buf: &'a mut [u8],
    enc: core::ops::Range<usize>,
    run: Sha1Run<'k>,
    suffix: &'a [u8],
    tag: &'a mut [u8; auth::TAG],
}

impl BlockSizeUser for CtrHmacJob<'_, '_> {
    type BlockSize = U16;
}

impl BlockCipherEncClosure for CtrHmacJob<'_, '_> {
    #[inline(always)]
    fn call<B: BlockCipherEncBackend<BlockSize = U16>>(mut self, backend: &B) {
        let mut ctr = Counters::<B>::new(self.ctr);
        let step = ctr.par() * 16;
        let mut hashed = 0;
        let mut pos = self.enc.start;
        while pos < self.enc.end {
            let end = self.enc.end.min(pos + step);
            let count = (end - pos).div_ceil(16);
            let ks = ctr.advance();
            encrypt_batch(backend, ks, count);
            xor_keystream(&mut self.buf[pos..end], &ks[..count]);
            // Hash what the previous batch finished: its results are ready, and the next
            // batch's AES can run alongside.
            let ready = pos / auth::BLOCK * auth::BLOCK;
            let (blocks, _) = self.buf[hashed..ready].as_chunks::<{ auth::BLOCK }>();
            self.run.blocks(blocks);
            hashed = ready;
            pos = end;
        }
        let (blocks, tail) = self.buf[hashed..].as_chunks::<{ auth::BLOCK }>();
        self.run.blocks(blocks);
        *self.tag = self.run.finish(tail, self.suffix);
    }
}

/// HMAC over all of `buf` and counter-mode decryption of `buf[enc]`, interleaved, each
/// block hashed before it is decrypted.
struct HmacCtrJob<'a, 'k> {
    ctr: u128,
    buf: &'a mut [u8],
    enc: core::ops::Range<usize>,
    run: Sha1Run<'k>,
    suffix: &'a [u8],
    tag: &'a mut [u8; auth::TAG],
}

impl BlockSizeUser for HmacCtrJob<'_, '_> {
    type BlockSize = U16;
}

impl BlockCipherEncClosure for HmacCtrJob<'_, '_> {
    #[inline(always)]
    fn call<B: BlockCipherEncBackend<BlockSize = U16>>(mut self, backend: &B) {
        // The partial last block is hashed at the end: keep it as it arrived.
        let whole = self.buf.len() / auth::BLOCK * auth::BLOCK;
        let mut tail = [0u8; auth::BLOCK];
        let tail_len = self.buf.len() - whole;
        tail[..tail_len].copy_from_slice(&self.buf[whole..]);
        let mut ctr = Counters::<B>::new(self.ctr);
        let step = ctr.par() * 16;
        let mut hashed = 0;
        let mut pos = self.enc.start;
        while pos < self.enc.end {
            let end = self.enc.end.min(pos + step);
            let count = (end - pos).div_ceil(16);
            let ks = ctr.advance();
            encrypt_batch(backend, ks, count);
            // Hash every whole block this batch touches, then decrypt the batch.
            let ready = end.next_multiple_of(auth::BLOCK).min(whole);
            if ready > hashed {
                let (blocks, _) = self.buf[hashed..ready].as_chunks::<{ auth::BLOCK }>();
                self.run.blocks(blocks);
                hashed = ready;
            }
            xor_keystream(&mut self.buf[pos..end], &ks[..count]);
            pos = end;
        }
        let (blocks, _) = self.buf[hashed..whole].as_chunks::<{ auth::BLOCK }>();
        self.run.blocks(blocks);
        *self.tag = self.run.finish(&tail[..tail_len], self.suffix);
    }
}

/// One AES block.
pub(crate) type Block = aes::Block;

/// `data ^= keystream`, 16 bytes at a time.
pub(crate) fn xor_keystream(data: &mut [u8], keystream: &[Block]) {
    let mut chunks = data.chunks_exact_mut(16);
    let mut ks = keystream.iter();
    for (d, k) in (&mut chunks).zip(&mut ks) {
        let k: [u8; 16] = (*k).into();
        let x = u128::from_ne_bytes((&*d).try_into().expect("invariant: 16-byte chunk"))
            ^ u128::from_ne_bytes(k);
        d.copy_from_slice(&x.to_ne_bytes());
    }
    let tail = chunks.into_remainder();
    if let Some(k) = ks.next() {
        for (d, k) in tail.iter_mut().zip(k.iter()) {
            *d ^= k;
        }
    }
}

/// AES-GCM with a 16-byte tag, either key size (RFC 7714 §14).
#[derive(Clone)]
pub(crate) struct Gcm(crate::gcm::AesGcm);

pub(crate) const GCM_TAG: usize = crate::gcm::TAG;

impl Gcm {
    pub(crate) fn new(key: &[u8]) -> Result<Self, Error> {
        crate::gcm::AesGcm::new(key).map(Gcm)
    }

    pub(crate) fn seal(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; GCM_TAG], Error> {
        self.0.seal(nonce, aad, buf)
    }

    pub(crate) fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; GCM_TAG],
    ) -> Result<(), Error> {
        self.0.open(nonce, aad, buf, tag)
    }
}

/// RFC 3711 §4.3.1 and §4.3.3 with a key derivation rate of 0: the AES-CM keystream under
/// the master key, with IV = (master_salt XOR label << 48) || 0x0000. A 12-byte GCM master
/// salt is padded with zeros on the right to 112 bits (RFC 7714 §11).
pub(crate) fn derive(master: &Aes, master_salt: &[u8], label: u8, out: &mut [u8]) {
    let mut iv = [0u8; 16];
    iv[..master_salt.len()].copy_from_slice(master_salt);
    iv[7] ^= label;
    out.fill(0);
    master.ctr(&iv, out);
}

/// The cipher part of one direction's SRTP or SRTCP keys.
// One per context: keeping the key schedule inline saves a pointer chase per packet.
#[allow(clippy::large_enum_variant)]
#[derive(Clone)]
pub(crate) enum Cipher {
    AesCm { aes: Aes, salt: [u8; 14] },
    AesGcm { gcm: Gcm, salt: [u8; 12] },
    Null,
}

/// The session keys of SRTP or of SRTCP: cipher, prepared HMAC state and tag length.
#[derive(Clone)]
pub(crate) struct Keys {
    pub cipher: Cipher,
    pub auth: Option<HmacSha1>,
    pub tag_len: usize,
}

impl Keys {
    /// Derives the SRTP (labels 0, 1, 2) or SRTCP (labels 3, 4, 5) session keys.
    pub(crate) fn derive(
        profile: Profile,
        master: &Aes,
        master_salt: &[u8],
        rtcp: bool,
    ) -> Result<Self, Error> {
        let (l_enc, l_auth, l_salt) = if rtcp {
            (label::RTCP_ENC, label::RTCP_AUTH, label::RTCP_SALT)
        } else {
            (label::RTP_ENC, label::RTP_AUTH, label::RTP_SALT)
        };
        let mut key = [0u8; 32];
        let key = &mut key[..profile.master_key_len()];
        derive(master, master_salt, l_enc, key);
        let cipher = match profile.cipher() {
            CipherKind::AesCm => {
                let mut salt = [0u8; 14];
                derive(master, master_salt, l_salt, &mut salt);
                Cipher::AesCm {
                    aes: Aes::new(key)?,
                    salt,
                }
            }
            CipherKind::AesGcm => {
                let mut salt = [0u8; 12];
                derive(master, master_salt, l_salt, &mut salt);
                Cipher::AesGcm {
                    gcm: Gcm::new(key)?,
                    salt,
                }
            }
            CipherKind::Null => Cipher::Null,
        };
        let auth = if profile.has_hmac() {
            let mut k = [0u8; AUTH_KEY_LEN];
            derive(master, master_salt, l_auth, &mut k);
            Some(HmacSha1::new(&k))
        } else {
            None
        };
        let tag_len = if rtcp {
            profile.rtcp_tag_len()
        } else {
            profile.rtp_tag_len()
        };
        Ok(Keys {
            cipher,
            auth,
            tag_len,
        })
    }

    /// The HMAC-SHA1 tag over `msg || suffix` (RFC 3711 §4.2.1), from the prepared state.
    pub(crate) fn hmac(&self, msg: &[u8], suffix: &[u8]) -> [u8; auth::TAG] {
        match &self.auth {
            Some(auth) => auth.tag(msg, suffix),
            None => [0; auth::TAG],
        }
    }
}

/// RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16).
pub(crate) fn cm_iv(salt: &[u8; 14], ssrc: u32, index: u64) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(salt);
    for (b, s) in iv[4..8].iter_mut().zip(ssrc.to_be_bytes()) {
        *b ^= s;
    }
    for (b, s) in iv[8..14].iter_mut().zip(&index.to_be_bytes()[2..]) {
        *b ^= s;
    }
    iv
}

/// RFC 7714 §8.1 and §9.1: IV = (0x0000 || SSRC || 48-bit index) XOR salt, where the
/// SRTP index is ROC || SEQ and the SRTCP index is 0x0000 || 0 || 31-bit index.
pub(crate) fn gcm_iv(salt: &[u8; 12], ssrc: u32, index: u64) -> [u8; 12] {
    let mut iv = *salt;
    for (b, s) in iv[2..6].iter_mut().zip(ssrc.to_be_bytes()) {
        *b ^= s;
    }
    for (b, s) in iv[6..12].iter_mut().zip(&index.to_be_bytes()[2..]) {
        *b ^= s;
    }
    iv
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Counter mode one block at a time: the definition `ctr` must match.
    fn reference(aes: &Aes, iv: u128, data: &[u8]) -> Vec<u8> {
        let mut out = data.to_vec();
        for (i, chunk) in out.chunks_mut(16).enumerate() {
            let mut b = [Block::from(iv.wrapping_add(i as u128).to_be_bytes())];
            aes.encrypt_blocks(&mut b);
            for (d, k) in chunk.iter_mut().zip(b[0].iter()) {
                *d ^= k;
            }
        }
        out
    }

    proptest! {
        #[test]
        fn interleaved_hmac_and_ctr_match_one_after_the_other(
            key_len in prop::sample::select(vec![16usize, 24, 32]),
            key in any::<[u8; 32]>(),
            mac_key in any::<[u8; 20]>(),
            iv in any::<u128>(),
            msg in proptest::collection::vec(any::<u8>(), 0..1700),
            a in any::<prop::sample::Index>(),
            b in any::<prop::sample::Index>(),
            suffix in proptest::collection::vec(any::<u8>(), 0..=4),
        ) {
            let aes = Aes::new(&key[..key_len]).unwrap();
            let mac = HmacSha1::new(&mac_key);
            let iv = iv.to_be_bytes();
            let (x, y) = (a.index(msg.len() + 1), b.index(msg.len() + 1));
            let enc = x.min(y)..x.max(y);
            // Protect: encrypt, then the tag over the ciphertext.
            let mut want = msg.clone();
            aes.ctr(&iv, &mut want[enc.clone()]);
            let want_tag = mac.tag(&want, &suffix);
            let mut got = msg.clone();
            prop_assert_eq!(aes.ctr_hmac(&iv, &mut got, enc.clone(), &mac, &suffix), want_tag);
            prop_assert_eq!(&got, &want);
            // Unprotect: the tag over the ciphertext, and the plaintext back.
            prop_assert_eq!(aes.hmac_ctr(&iv, &mut got, enc, &mac, &suffix), want_tag);
            prop_assert_eq!(got, msg);
        }

        #[test]
        fn ctr_matches_block_by_block(
            key_len in prop::sample::select(vec![16usize, 24, 32]),
            key in any::<[u8; 32]>(),
            // Near the top too, so the 128-bit counter wraps mid-buffer.
            iv in prop_oneof![any::<u128>(), (0u128..300).prop_map(|d| u128::MAX - d)],
            data in proptest::collection::vec(any::<u8>(), 0..4200),
        ) {
            let aes = Aes::new(&key[..key_len]).unwrap();
            let mut buf = data.clone();
            aes.ctr(&iv.to_be_bytes(), &mut buf);
            prop_assert_eq!(buf, reference(&aes, iv, &data));
        }
    }
}
