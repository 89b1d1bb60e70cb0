//! Keys for MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256 (RFC 8489 §9).
//!
//! Passwords are used as given. RFC 8489 asks for OpaqueString (RFC 8265) processing of
//! long-term passwords and of short-term passwords; this crate does not implement it: an
//! ASCII password is unchanged by it, which covers ICE (`ice-pwd` is ASCII by RFC 8839) and
//! the usual TURN credentials. Callers with non-ASCII passwords must prepare them first
//! (RFC 5769 §2.4 shows "The\u{AD}M\u{AA}tr\u{2168}" becoming "TheMatrIX").

use crate::attr::PasswordAlgorithm;
use crate::crypto;

/// RFC 8489 §9.1.1: the short-term key is the password itself.
pub fn short_term_key(password: &str) -> &[u8] {
    password.as_bytes()
}

/// RFC 8489 §9.2.2: a long-term key, MD5 (16 bytes) or SHA-256 (32 bytes) of
/// `username ":" realm ":" password`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct LongTermKey {
    algorithm: PasswordAlgorithm,
    bytes: [u8; 32],
}

impl LongTermKey {
    /// Derives the key; `None` for an algorithm this crate does not know.
    pub fn new(
        algorithm: PasswordAlgorithm,
        username: &str,
        realm: &str,
        password: &str,
    ) -> Option<Self> {
        let parts: [&[u8]; 5] = [
            username.as_bytes(),
            b":",
            realm.as_bytes(),
            b":",
            password.as_bytes(),
        ];
        let mut bytes = [0u8; 32];
        match algorithm {
            PasswordAlgorithm::MD5 => bytes[..16].copy_from_slice(&crypto::md5(&parts)),
            PasswordAlgorithm::SHA256 => bytes = crypto::sha256(&parts),
            _ => return None,
        }
        Some(LongTermKey { algorithm, bytes })
    }

    /// The MD5 key of RFC 8489 §9.2.2 (what RFC 5389 servers such as coturn use by default).
    pub fn md5(username: &str, realm: &str, password: &str) -> Self {
        Self::new(PasswordAlgorithm::MD5, username, realm, password)
            .expect("invariant: MD5 is known")
    }

    /// The algorithm the key was derived with.
    pub fn algorithm(&self) -> PasswordAlgorithm {
        self.algorithm
    }

    /// The key bytes for HMAC.
    pub fn as_bytes(&self) -> &[u8] {
        match self.algorithm {
            PasswordAlgorithm::MD5 => &self.bytes[..16],
            _ => &self.bytes,
        }
    }
}

impl core::fmt::Debug for LongTermKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never print key material.
        f.debug_struct("LongTermKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// A MESSAGE-INTEGRITY / MESSAGE-INTEGRITY-SHA256 key prepared once (its HMAC states
/// precomputed), for keys used many times: an ICE password checks every request of a
/// session. Tags computed with it equal those computed from the raw key, at about two
/// fewer hash blocks each. Holds no heap memory.
#[derive(Clone)]
pub struct IntegrityKey(pub(crate) crypto::HmacKeys);

impl IntegrityKey {
    /// Prepares `key` (a short-term password or a [`LongTermKey`]'s bytes).
    pub fn new(key: &[u8]) -> Self {
        IntegrityKey(crypto::HmacKeys::new(key))
    }
}

impl core::fmt::Debug for IntegrityKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("IntegrityKey(..)")
    }
}

/// RFC 8489 §14.4: USERHASH = SHA-256(username ":" realm).
pub fn userhash(username: &str, realm: &str) -> [u8; 32] {
    crypto::sha256(&[username.as_bytes(), b":", realm.as_bytes()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5769_2_4_long_term_key_md5() {
        let k = LongTermKey::md5("マトリックス", "example.org", "TheMatrIX");
        let hex: String = k.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "e8ca7ad59d5eb0518e312911d2dab2a9");
        assert_eq!(
            format!("{k:?}"),
            "LongTermKey { algorithm: PasswordAlgorithm(1), .. }"
        );
    }

    #[test]
    fn unknown_algorithm_has_no_key() {
        assert!(LongTermKey::new(PasswordAlgorithm(7), "u", "r", "p").is_none());
    }
}
