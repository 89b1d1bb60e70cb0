//! The narrow crypto boundary: every HMAC, hash and CRC this crate computes goes through
//! here, so a second backend can replace RustCrypto without touching protocol code.

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// HMAC-SHA1 and HMAC-SHA256 states with the key already absorbed: each tag then costs the
/// message blocks plus one outer block, not two more key blocks.
#[derive(Clone)]
pub(crate) struct HmacKeys {
    sha1: Hmac<Sha1>,
    sha256: Hmac<Sha256>,
}

impl HmacKeys {
    pub(crate) fn new(key: &[u8]) -> Self {
        HmacKeys {
            sha1: KeyInit::new_from_slice(key).expect("invariant: HMAC takes keys of any length"),
            sha256: KeyInit::new_from_slice(key).expect("invariant: HMAC takes keys of any length"),
        }
    }

    pub(crate) fn sha1(&self, parts: &[&[u8]]) -> [u8; 20] {
        let mut mac = self.sha1.clone();
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }

    pub(crate) fn sha256(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.sha256.clone();
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }
}

/// HMAC-SHA1 over the concatenation of `parts`.
pub(crate) fn hmac_sha1(key: &[u8], parts: &[&[u8]]) -> [u8; 20] {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key)
        .expect("invariant: HMAC takes keys of any length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 over the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .expect("invariant: HMAC takes keys of any length");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

pub(crate) fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut h = Md5::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

pub(crate) fn crc32(parts: &[&[u8]]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

/// Constant-time equality of a computed tag and a received one.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}
