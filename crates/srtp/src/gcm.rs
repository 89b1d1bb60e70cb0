//! AES-GCM (NIST SP 800-38D) as RFC 7714 uses it: 12-byte IV, 16-byte tag.
//!
//! From `ring`, not RustCrypto: ring's AES-GCM is stitched assembly (VAES and VPCLMULQDQ
//! where the CPU has them, chosen at run time), about 2.3x as fast on 1200-byte packets as
//! our best composition of RustCrypto's `aes` and `polyval` (whose per-call overhead in
//! POLYVAL kept GCM at about libsrtp+OpenSSL's speed). The tests check it against `aes-gcm`
//! 0.11 and RFC 7714.

use ring::aead::{AES_128_GCM, AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

use crate::Error;

pub(crate) const TAG: usize = 16;

/// An AES-GCM key, its schedule and GHASH table prepared once.
#[derive(Clone)]
pub(crate) struct AesGcm(LessSafeKey);

impl AesGcm {
    pub(crate) fn new(key: &[u8]) -> Result<Self, Error> {
        let alg = match key.len() {
            16 => &AES_128_GCM,
            32 => &AES_256_GCM,
            _ => return Err(Error::KeyLength),
        };
        let key = UnboundKey::new(alg, key).map_err(|_| Error::KeyLength)?;
        Ok(AesGcm(LessSafeKey::new(key)))
    }

    /// Encrypts `buf` in place and returns the tag.
    pub(crate) fn seal(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG], Error> {
        let nonce = Nonce::assume_unique_for_key(*nonce);
        let tag = self
            .0
            .seal_in_place_separate_tag(nonce, Aad::from(aad), buf)
            // SP 800-38D §5.2.1.1: at most 2^36 - 32 bytes of plaintext.
            .map_err(|_| Error::TooLong)?;
        let mut out = [0u8; TAG];
        out.copy_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Verifies and decrypts `buf` in place. On error no plaintext is left behind: `buf`
    /// is zeroed (ring decrypts while it hashes, then wipes what failed).
    pub(crate) fn open(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG],
    ) -> Result<(), Error> {
        // Fuzzing builds only (see `tag_ok`): a bad tag passes and the payload is kept as
        // it arrived (ring has wiped it), so the fuzzer's bytes reach the parsers.
        let arrived = crate::transform::skipping_auth().then(|| buf.to_vec());
        let nonce = Nonce::assume_unique_for_key(*nonce);
        let opened = self
            .0
            .open_in_place_separate_tag(nonce, Aad::from(aad), (*tag).into(), buf, 0..)
            .is_ok();
        if let (false, Some(arrived)) = (opened, arrived) {
            buf.copy_from_slice(&arrived);
        }
        if crate::transform::tag_ok(opened) {
            Ok(())
        } else {
            Err(Error::AuthFailed)
        }
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
            prop_assert_eq!(g.seal(&nonce, &aad, &mut buf), Ok(tag));
            prop_assert_eq!(&buf, &ct);
            prop_assert_eq!(g.open(&nonce, &aad, &mut buf, &tag), Ok(()));
            prop_assert_eq!(&buf, &pt);
            // A flipped bit anywhere in ciphertext or tag fails and leaves no plaintext.
            let mut bad = ct.clone();
            let mut bad_tag = tag;
            if bad.is_empty() {
                bad_tag[flip.index(16)] ^= 1;
            } else {
                let i = flip.index(bad.len());
                bad[i] ^= 0x80;
            }
            prop_assert_eq!(g.open(&nonce, &aad, &mut bad, &bad_tag), Err(Error::AuthFailed));
            prop_assert!(bad.iter().all(|&b| b == 0));
            // So does a changed AAD.
            if !aad.is_empty() {
                let mut aad2 = aad.clone();
                aad2[flip.index(aad.len())] ^= 1;
                let mut c = ct.clone();
                prop_assert_eq!(g.open(&nonce, &aad2, &mut c, &tag), Err(Error::AuthFailed));
            }
        }
    }

    #[test]
    fn key_lengths() {
        assert!(AesGcm::new(&[0; 16]).is_ok());
        assert!(AesGcm::new(&[0; 32]).is_ok());
        assert_eq!(AesGcm::new(&[0; 24]).err(), Some(Error::KeyLength));
    }
}
