//! HMAC-SHA1 (RFC 2104, RFC 3711 §4.2.1) on top of the SHA-1 compression function.
//!
//! The inner and outer states after the key blocks are computed once per context. Per packet,
//! the packet's whole 64-byte blocks are compressed straight from the caller's buffer, and
//! only the tail, the ROC and the padding go through a small stack buffer. [`Sha1Run`] lets
//! the AES-CM transforms interleave hashing with the keystream (see `crypto::Aes::ctr_hmac`).

use sha1::block_api::compress;

/// SHA-1 block size.
pub(crate) const BLOCK: usize = 64;
/// HMAC-SHA1 output size.
pub(crate) const TAG: usize = 20;

/// FIPS 180-4 §5.3.1: SHA-1's initial hash value.
const H0: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// An HMAC-SHA1 key: the SHA-1 states after `K ^ ipad` and after `K ^ opad`.
#[derive(Clone)]
pub(crate) struct HmacSha1 {
    inner: [u32; 5],
    outer: [u32; 5],
}

impl HmacSha1 {
    /// RFC 2104 §2; SRTP keys are 20 bytes, at most one block (longer keys are not needed).
    pub(crate) fn new(key: &[u8]) -> Self {
        assert!(
            key.len() <= BLOCK,
            "invariant: HMAC keys here fit one block"
        );
        let mut ipad = [0x36u8; BLOCK];
        let mut opad = [0x5cu8; BLOCK];
        for (i, k) in key.iter().enumerate() {
            ipad[i] ^= k;
            opad[i] ^= k;
        }
        let mut inner = H0;
        compress(&mut inner, &[ipad]);
        let mut outer = H0;
        compress(&mut outer, &[opad]);
        HmacSha1 { inner, outer }
    }

    /// A hash run over the message, to be fed whole blocks and then finished.
    #[inline]
    pub(crate) fn start(&self) -> Sha1Run<'_> {
        Sha1Run {
            key: self,
            state: self.inner,
            done: 0,
        }
    }

    /// HMAC-SHA1(msg || suffix); `suffix` is the ROC (SRTP) or empty (SRTCP).
    pub(crate) fn tag(&self, msg: &[u8], suffix: &[u8]) -> [u8; TAG] {
        let mut run = self.start();
        let (blocks, tail) = msg.as_chunks::<BLOCK>();
        run.blocks(blocks);
        run.finish(tail, suffix)
    }
}

/// The inner hash of one HMAC computation in progress.
pub(crate) struct Sha1Run<'a> {
    key: &'a HmacSha1,
    state: [u32; 5],
    /// Message bytes compressed so far (after the key block).
    done: u64,
}

impl Sha1Run<'_> {
    /// Compresses whole message blocks.
    #[inline]
    pub(crate) fn blocks(&mut self, blocks: &[[u8; BLOCK]]) {
        if !blocks.is_empty() {
            compress(&mut self.state, blocks);
            self.done += (blocks.len() * BLOCK) as u64;
        }
    }

    /// Hashes `tail || suffix` (together under two blocks) with the padding, then the outer
    /// hash (FIPS 180-4 §5.1.1 padding).
    pub(crate) fn finish(mut self, tail: &[u8], suffix: &[u8]) -> [u8; TAG] {
        debug_assert!(tail.len() < BLOCK && suffix.len() <= BLOCK - 9);
        let mut buf = [0u8; 2 * BLOCK];
        let n = tail.len() + suffix.len();
        buf[..tail.len()].copy_from_slice(tail);
        buf[tail.len()..n].copy_from_slice(suffix);
        buf[n] = 0x80;
        let total = BLOCK as u64 + self.done + n as u64;
        let used = if n + 9 <= BLOCK { BLOCK } else { 2 * BLOCK };
        buf[used - 8..used].copy_from_slice(&(total * 8).to_be_bytes());
        let (blocks, _) = buf[..used].as_chunks::<BLOCK>();
        compress(&mut self.state, blocks);

        let mut outer = [0u8; BLOCK];
        for (o, w) in outer.chunks_exact_mut(4).zip(self.state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
        outer[TAG] = 0x80;
        outer[BLOCK - 8..].copy_from_slice(&((BLOCK + TAG) as u64 * 8).to_be_bytes());
        let mut state = self.key.outer;
        compress(&mut state, &[outer]);
        let mut tag = [0u8; TAG];
        for (t, w) in tag.chunks_exact_mut(4).zip(state) {
            t.copy_from_slice(&w.to_be_bytes());
        }
        tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};
    use proptest::prelude::*;

    fn reference(key: &[u8], msg: &[u8], suffix: &[u8]) -> [u8; TAG] {
        let mut m = Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
        m.update(msg);
        m.update(suffix);
        m.finalize().into_bytes().into()
    }

    #[test]
    fn rfc2202_test_case_2() {
        // RFC 2202 §3, test case 2.
        let t = HmacSha1::new(b"Jefe").tag(b"what do ya want ", b"for nothing?");
        assert_eq!(hex::encode(t), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }

    proptest! {
        #[test]
        fn matches_hmac_crate(
            key in proptest::collection::vec(any::<u8>(), 0..=64),
            msg in proptest::collection::vec(any::<u8>(), 0..700),
            suffix in proptest::collection::vec(any::<u8>(), 0..=4),
            split in any::<prop::sample::Index>(),
        ) {
            let h = HmacSha1::new(&key);
            prop_assert_eq!(h.tag(&msg, &suffix), reference(&key, &msg, &suffix));
            // Whole blocks fed in two pieces give the same tag.
            let (blocks, tail) = msg.as_chunks::<BLOCK>();
            let at = split.index(blocks.len() + 1);
            let mut run = h.start();
            run.blocks(&blocks[..at]);
            run.blocks(&blocks[at..]);
            prop_assert_eq!(run.finish(tail, &suffix), reference(&key, &msg, &suffix));
        }
    }
}
