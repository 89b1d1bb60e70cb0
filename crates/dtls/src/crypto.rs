//! The narrow crypto boundary: every call into a crypto library lives here, so a second backend
//! (aws-lc-rs, OpenSSL) can replace this module without touching protocol logic.
//!
//! Provides: SHA-2 hashes, the TLS 1.2 PRF (RFC 5246 §5), AEAD record ciphers (RFC 5288,
//! RFC 7905), ECDHE over x25519 (RFC 7748) and secp256r1, ECDSA P-256/SHA-256, and RSA
//! signature *verification* (PKCS #1 v1.5 and PSS, RFC 8017) for peers with RSA certificates.
//!
//! RSA: only public-key operations are used (we never sign or decrypt with RSA), so
//! RUSTSEC-2023-0071 (Marvin, a timing side channel in private-key operations) does not apply.

use aes_gcm::{Aes128Gcm, Aes256Gcm, aead::AeadInOut, aead::KeyInit};
use chacha20poly1305::ChaCha20Poly1305;
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::{Signer, Verifier};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256, Sha384};

use crate::extension::{NamedGroup, SignatureScheme};

/// The hash of a cipher suite's PRF and transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashAlg {
    Sha256,
    Sha384,
}

/// A hash output up to 64 bytes.
#[derive(Clone, Copy)]
pub(crate) struct HashOut {
    buf: [u8; 64],
    len: usize,
}

impl HashOut {
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
    fn from(s: &[u8]) -> Self {
        let mut buf = [0; 64];
        buf[..s.len()].copy_from_slice(s);
        Self { buf, len: s.len() }
    }
}

pub(crate) fn hash(alg: HashAlg, data: &[u8]) -> HashOut {
    match alg {
        HashAlg::Sha256 => HashOut::from(&Sha256::digest(data)),
        HashAlg::Sha384 => HashOut::from(&Sha384::digest(data)),
    }
}

/// Fingerprint hashes (RFC 8122 §5).
pub(crate) fn digest_named(name: &str, data: &[u8]) -> Option<Vec<u8>> {
    Some(match name {
        "sha-1" => sha1::Sha1::digest(data).to_vec(),
        "sha-224" => sha2::Sha224::digest(data).to_vec(),
        "sha-256" => Sha256::digest(data).to_vec(),
        "sha-384" => Sha384::digest(data).to_vec(),
        "sha-512" => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    })
}

fn p_hash<M: Mac + hmac::KeyInit + Clone>(
    secret: &[u8],
    label: &[u8],
    seed: &[&[u8]],
    out: &mut [u8],
) {
    let keyed =
        <M as hmac::KeyInit>::new_from_slice(secret).expect("invariant: HMAC takes any key length");
    // A(1) = HMAC(secret, label + seed)
    let mut m = keyed.clone();
    m.update(label);
    for s in seed {
        m.update(s);
    }
    let mut a = m.finalize().into_bytes();
    let mut pos = 0;
    while pos < out.len() {
        let mut m = keyed.clone();
        m.update(&a);
        m.update(label);
        for s in seed {
            m.update(s);
        }
        let block = m.finalize().into_bytes();
        let n = (out.len() - pos).min(block.len());
        out[pos..pos + n].copy_from_slice(&block[..n]);
        pos += n;
        let mut m = keyed.clone();
        m.update(&a);
        a = m.finalize().into_bytes();
    }
}

/// RFC 5246 §5: `PRF(secret, label, seed) = P_<hash>(secret, label + seed)`; `seed` is the
/// concatenation of the given parts.
pub(crate) fn prf(alg: HashAlg, secret: &[u8], label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
    match alg {
        HashAlg::Sha256 => p_hash::<Hmac<Sha256>>(secret, label, seed, out),
        HashAlg::Sha384 => p_hash::<Hmac<Sha384>>(secret, label, seed, out),
    }
}

/// The HMAC used for HelloVerifyRequest cookies.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key)
        .expect("invariant: HMAC takes any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// Constant-time equality.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The AEAD algorithm of a cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AeadAlg {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

impl AeadAlg {
    pub(crate) fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }
    /// Implicit IV (salt) length from the key block.
    pub(crate) fn iv_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm => 4,
            Self::ChaCha20Poly1305 => 12,
        }
    }
    /// Explicit nonce carried in each record (RFC 5288 §3; none in RFC 7905).
    pub(crate) fn explicit_nonce_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm => 8,
            Self::ChaCha20Poly1305 => 0,
        }
    }
}

/// Authentication tag length of every AEAD here.
pub(crate) const TAG_LEN: usize = 16;

enum AeadImpl {
    Aes128(Box<Aes128Gcm>),
    Aes256(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
}

/// One direction's record protection key.
pub(crate) struct RecordCipher {
    alg: AeadAlg,
    aead: AeadImpl,
    iv: [u8; 12],
}

impl core::fmt::Debug for RecordCipher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecordCipher")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// Opening failed: the record is not authentic.
#[derive(Debug)]
pub(crate) struct BadRecordMac;

impl RecordCipher {
    pub(crate) fn new(alg: AeadAlg, key: &[u8], iv: &[u8]) -> Self {
        let aead = match alg {
            AeadAlg::Aes128Gcm => AeadImpl::Aes128(Box::new(
                Aes128Gcm::new_from_slice(key).expect("invariant: key length"),
            )),
            AeadAlg::Aes256Gcm => AeadImpl::Aes256(Box::new(
                Aes256Gcm::new_from_slice(key).expect("invariant: key length"),
            )),
            AeadAlg::ChaCha20Poly1305 => AeadImpl::ChaCha(Box::new(
                ChaCha20Poly1305::new_from_slice(key).expect("invariant: key length"),
            )),
        };
        let mut full = [0u8; 12];
        full[..iv.len()].copy_from_slice(iv);
        Self {
            alg,
            aead,
            iv: full,
        }
    }

    pub(crate) fn alg(&self) -> AeadAlg {
        self.alg
    }

    /// Bytes a protected record adds to its plaintext.
    pub(crate) fn overhead(&self) -> usize {
        self.alg.explicit_nonce_len() + TAG_LEN
    }

    fn nonce(&self, explicit: u64) -> [u8; 12] {
        let mut n = self.iv;
        match self.alg {
            // RFC 5288 §3: salt(4) || explicit nonce(8).
            AeadAlg::Aes128Gcm | AeadAlg::Aes256Gcm => {
                n[4..].copy_from_slice(&explicit.to_be_bytes())
            }
            // RFC 7905 §2: iv XOR padded sequence number.
            AeadAlg::ChaCha20Poly1305 => {
                for (d, s) in n[4..].iter_mut().zip(explicit.to_be_bytes()) {
                    *d ^= s;
                }
            }
        }
        n
    }

    /// Seals `out[explicit..explicit+len]` in place, where `out` is laid out as
    /// `explicit_nonce || plaintext || tag` and `out.len() == overhead + len`.
    pub(crate) fn seal(&self, epoch_seq: u64, aad: &[u8], out: &mut [u8]) {
        let en = self.alg.explicit_nonce_len();
        out[..en].copy_from_slice(&epoch_seq.to_be_bytes()[..en]);
        let nonce = self.nonce(epoch_seq);
        let body_len = out.len() - en - TAG_LEN;
        let (body, tag_out) = out[en..].split_at_mut(body_len);
        let tag = match &self.aead {
            AeadImpl::Aes128(c) => c.encrypt_inout_detached(&nonce.into(), aad, body.into()),
            AeadImpl::Aes256(c) => c.encrypt_inout_detached(&nonce.into(), aad, body.into()),
            AeadImpl::ChaCha(c) => c.encrypt_inout_detached(&nonce.into(), aad, body.into()),
        }
        .expect("invariant: record length within AEAD limits");
        tag_out.copy_from_slice(&tag);
    }

    /// Opens a protected fragment in place; returns the plaintext range within `frag`.
    /// `aad_for(len)` builds the additional data for a plaintext of `len` bytes.
    pub(crate) fn open(
        &self,
        epoch_seq: u64,
        frag: &mut [u8],
        aad_for: impl FnOnce(usize) -> [u8; 13],
    ) -> Result<core::ops::Range<usize>, BadRecordMac> {
        let en = self.alg.explicit_nonce_len();
        if frag.len() < en + TAG_LEN {
            return Err(BadRecordMac);
        }
        let explicit = if en == 8 {
            u64::from_be_bytes(frag[..8].try_into().expect("invariant: 8 bytes"))
        } else {
            epoch_seq
        };
        let nonce = self.nonce(explicit);
        let len = frag.len() - en - TAG_LEN;
        let aad = aad_for(len);
        let (body, tag) = frag[en..].split_at_mut(len);
        let tag: &[u8] = tag;
        let ok = match &self.aead {
            AeadImpl::Aes128(c) => c.decrypt_inout_detached(
                &nonce.into(),
                &aad,
                body.into(),
                tag.try_into().expect("invariant: 16"),
            ),
            AeadImpl::Aes256(c) => c.decrypt_inout_detached(
                &nonce.into(),
                &aad,
                body.into(),
                tag.try_into().expect("invariant: 16"),
            ),
            AeadImpl::ChaCha(c) => c.decrypt_inout_detached(
                &nonce.into(),
                &aad,
                body.into(),
                tag.try_into().expect("invariant: 16"),
            ),
        };
        match ok {
            Ok(()) => Ok(en..en + len),
            // Fuzzing builds accept any tag so the fuzzer reaches the layers above.
            Err(_) if cfg!(fuzzing) => Ok(en..en + len),
            Err(_) => Err(BadRecordMac),
        }
    }
}

/// The machine's CSPRNG.
pub(crate) struct Csprng(ChaCha20Rng);

impl Csprng {
    pub(crate) fn from_seed(seed: [u8; 32]) -> Self {
        Self(ChaCha20Rng::from_seed(seed))
    }
    pub(crate) fn fill(&mut self, out: &mut [u8]) {
        self.0.fill_bytes(out)
    }
    pub(crate) fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0; N];
        self.fill(&mut a);
        a
    }
}

/// OS entropy for the default seed.
pub(crate) fn os_seed() -> [u8; 32] {
    let mut s = [0u8; 32];
    getrandom::fill(&mut s).expect("OS entropy source available");
    s
}

/// An ephemeral ECDHE key (RFC 8422 §5.10).
pub(crate) enum EphemeralKey {
    X25519(Box<x25519_dalek::StaticSecret>),
    P256(Box<p256::SecretKey>),
}

/// The peer's ECDHE share was invalid (RFC 8422 §5.11, RFC 7748 §6.1).
#[derive(Debug)]
pub(crate) struct BadShare;

impl EphemeralKey {
    /// A fresh key for `group`, `None` when the group is not supported.
    pub(crate) fn generate(group: NamedGroup, rng: &mut Csprng) -> Option<Self> {
        match group {
            NamedGroup::X25519 => Some(Self::X25519(Box::new(x25519_dalek::StaticSecret::from(
                rng.array::<32>(),
            )))),
            NamedGroup::SECP256R1 => loop {
                if let Ok(k) = p256::SecretKey::from_slice(&rng.array::<32>()) {
                    break Some(Self::P256(Box::new(k)));
                }
            },
            _ => None,
        }
    }

    /// The encoded public share (uncompressed point for P-256, RFC 8422 §5.4.1).
    pub(crate) fn public(&self) -> Vec<u8> {
        match self {
            Self::X25519(s) => x25519_dalek::PublicKey::from(&**s).as_bytes().to_vec(),
            Self::P256(s) => {
                use p256::elliptic_curve::sec1::ToSec1Point;
                s.public_key()
                    .as_affine()
                    .to_sec1_point(false)
                    .as_bytes()
                    .to_vec()
            }
        }
    }

    /// The premaster secret from the peer's share.
    pub(crate) fn agree(&self, peer: &[u8]) -> Result<Vec<u8>, BadShare> {
        match self {
            Self::X25519(s) => {
                let p: [u8; 32] = peer.try_into().map_err(|_| BadShare)?;
                let shared = s.diffie_hellman(&x25519_dalek::PublicKey::from(p));
                if !shared.was_contributory() {
                    return Err(BadShare);
                }
                Ok(shared.as_bytes().to_vec())
            }
            Self::P256(s) => {
                // Only the uncompressed form is negotiated (ec_point_formats).
                if peer.len() != 65 || peer[0] != 4 {
                    return Err(BadShare);
                }
                let pk = p256::PublicKey::from_sec1_bytes(peer).map_err(|_| BadShare)?;
                let shared = p256::ecdh::diffie_hellman(s.to_nonzero_scalar(), pk.as_affine());
                Ok(shared.raw_secret_bytes().to_vec())
            }
        }
    }
}

/// An ECDSA P-256 signing key.
#[derive(Clone)]
pub(crate) struct SigningKey(p256::ecdsa::SigningKey);

impl SigningKey {
    pub(crate) fn generate(rng: &mut Csprng) -> Self {
        loop {
            if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&rng.array::<32>()) {
                return Self(k);
            }
        }
    }

    pub(crate) fn from_bytes(b: &[u8]) -> Option<Self> {
        p256::ecdsa::SigningKey::from_slice(b).ok().map(Self)
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        self.0.to_bytes().to_vec()
    }

    /// Uncompressed public point.
    pub(crate) fn public_point(&self) -> Vec<u8> {
        self.0.verifying_key().to_sec1_bytes().to_vec()
    }

    /// ECDSA-SHA256 (RFC 6979 deterministic), DER-encoded.
    pub(crate) fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let sig: p256::ecdsa::Signature = self.0.sign(msg);
        sig.to_der().as_bytes().to_vec()
    }
}

/// Verifies a DER ECDSA-SHA256 signature by a P-256 key given as a SEC1 point.
pub(crate) fn verify_p256_sha256(point: &[u8], msg: &[u8], der_sig: &[u8]) -> bool {
    let Ok(vk) = p256::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
        return false;
    };
    let Ok(sig) = p256::ecdsa::Signature::from_der(der_sig) else {
        return false;
    };
    vk.verify(msg, &sig).is_ok()
}

/// Smallest RSA modulus we accept from a peer (NIST SP 800-57: 112-bit security).
pub(crate) const MIN_RSA_BITS: u32 = 2048;
/// Largest RSA modulus we accept: bounds the cost of one verification.
pub(crate) const MAX_RSA_BITS: u32 = 8192;

/// Why an RSA public key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RsaKeyError {
    /// Modulus below [`MIN_RSA_BITS`] (its size in bits).
    TooSmall(u32),
    /// Malformed, too large, or an invalid exponent.
    Invalid,
}

/// A peer's RSA public key, for verification only.
#[derive(Clone, Debug)]
pub(crate) struct RsaPublicKey {
    key: rsa::PublicKey,
}

impl RsaPublicKey {
    /// From the big-endian modulus and exponent of a PKCS #1 `RSAPublicKey` (RFC 8017 §A.1.1).
    pub(crate) fn from_components(n: &[u8], e: &[u8]) -> Result<Self, RsaKeyError> {
        let n = strip_zeros(n);
        let e = strip_zeros(e);
        if n.is_empty() || e.is_empty() || e.len() > 8 {
            return Err(RsaKeyError::Invalid);
        }
        let bits = (n.len() as u32 * 8) - n[0].leading_zeros();
        if bits < MIN_RSA_BITS {
            return Err(RsaKeyError::TooSmall(bits));
        }
        if bits > MAX_RSA_BITS {
            return Err(RsaKeyError::Invalid);
        }
        let key = rsa::PublicKey::new_with_size_limits(
            rsa::BoxedUint::from_be_slice_vartime(n),
            rsa::BoxedUint::from_be_slice_vartime(e),
            MIN_RSA_BITS as usize..=MAX_RSA_BITS as usize,
        )
        .map_err(|_| RsaKeyError::Invalid)?;
        Ok(Self { key })
    }

    /// Verifies `sig` over `msg` with an RSA `scheme` (RFC 8446 §4.2.3 code points, which
    /// TLS 1.2 uses too); false for any other scheme. PSS salt length = hash length.
    pub(crate) fn verify(&self, scheme: SignatureScheme, msg: &[u8], sig: &[u8]) -> bool {
        use rsa::{pkcs1v15, pss};
        fn pkcs1<D>(k: &rsa::PublicKey, msg: &[u8], sig: &[u8]) -> bool
        where
            D: Digest + sha2::digest::const_oid::AssociatedOid,
        {
            let Ok(sig) = pkcs1v15::Signature::try_from(sig) else {
                return false;
            };
            pkcs1v15::VerifyingKey::<D>::new(k.clone())
                .verify(msg, &sig)
                .is_ok()
        }
        fn pss<D: Digest + sha2::digest::FixedOutputReset>(
            k: &rsa::PublicKey,
            msg: &[u8],
            sig: &[u8],
        ) -> bool {
            let Ok(sig) = pss::Signature::try_from(sig) else {
                return false;
            };
            pss::VerifyingKey::<D>::new(k.clone())
                .verify(msg, &sig)
                .is_ok()
        }
        let k = &self.key;
        match scheme {
            SignatureScheme::RSA_PKCS1_SHA256 => pkcs1::<Sha256>(k, msg, sig),
            SignatureScheme::RSA_PKCS1_SHA384 => pkcs1::<Sha384>(k, msg, sig),
            SignatureScheme::RSA_PKCS1_SHA512 => pkcs1::<sha2::Sha512>(k, msg, sig),
            SignatureScheme::RSA_PSS_RSAE_SHA256 => pss::<Sha256>(k, msg, sig),
            SignatureScheme::RSA_PSS_RSAE_SHA384 => pss::<Sha384>(k, msg, sig),
            SignatureScheme::RSA_PSS_RSAE_SHA512 => pss::<sha2::Sha512>(k, msg, sig),
            _ => false,
        }
    }

    /// Verifies a certificate self-signature `sha1WithRSAEncryption` (old WebRTC stacks still
    /// sign with it; the fingerprint, not this signature, authenticates the certificate).
    pub(crate) fn verify_pkcs1_sha1(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = rsa::pkcs1v15::Signature::try_from(sig) else {
            return false;
        };
        rsa::pkcs1v15::VerifyingKey::<sha1::Sha1>::new(self.key.clone())
            .verify(msg, &sig)
            .is_ok()
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let at = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[at..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aead_seal_open_round_trip_and_tamper() {
        for alg in [
            AeadAlg::Aes128Gcm,
            AeadAlg::Aes256Gcm,
            AeadAlg::ChaCha20Poly1305,
        ] {
            let c = RecordCipher::new(alg, &vec![7; alg.key_len()], &vec![9; alg.iv_len()]);
            let aad = [1u8; 13];
            let mut buf = vec![0u8; c.overhead() + 5];
            let en = alg.explicit_nonce_len();
            buf[en..en + 5].copy_from_slice(b"hello");
            c.seal(42, &aad, &mut buf);
            let mut copy = buf.clone();
            let r = c.open(42, &mut copy, |_| aad).unwrap();
            assert_eq!(&copy[r], b"hello");
            let mut bad = buf.clone();
            let n = bad.len();
            bad[n - 1] ^= 1;
            assert!(c.open(42, &mut bad, |_| aad).is_err());
        }
    }

    #[test]
    fn ecdhe_both_groups_agree() {
        let mut rng = Csprng::from_seed([1; 32]);
        for g in [NamedGroup::X25519, NamedGroup::SECP256R1] {
            let a = EphemeralKey::generate(g, &mut rng).unwrap();
            let b = EphemeralKey::generate(g, &mut rng).unwrap();
            assert_eq!(a.agree(&b.public()).unwrap(), b.agree(&a.public()).unwrap());
            assert!(a.agree(&[0u8; 32]).is_err(), "low-order / invalid share");
        }
    }

    #[test]
    fn ecdsa_sign_verify() {
        let mut rng = Csprng::from_seed([2; 32]);
        let k = SigningKey::generate(&mut rng);
        let sig = k.sign(b"msg");
        assert!(verify_p256_sha256(&k.public_point(), b"msg", &sig));
        assert!(!verify_p256_sha256(&k.public_point(), b"msh", &sig));
    }
}
