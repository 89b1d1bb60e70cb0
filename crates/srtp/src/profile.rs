//! Protection profiles: which cipher, which tag, which key sizes.

/// A DTLS-SRTP protection profile identifier, as carried in the `use_srtp` extension
/// (RFC 5764 §4.1.2, RFC 7714 §14.2). Open: unknown values round-trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProtectionProfileId(pub u16);

impl ProtectionProfileId {
    /// SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2).
    pub const AES128_CM_HMAC_SHA1_80: Self = Self(0x0001);
    /// SRTP_AES128_CM_HMAC_SHA1_32 (RFC 5764 §4.1.2).
    pub const AES128_CM_HMAC_SHA1_32: Self = Self(0x0002);
    /// SRTP_NULL_HMAC_SHA1_80 (RFC 5764 §4.1.2).
    pub const NULL_HMAC_SHA1_80: Self = Self(0x0005);
    /// SRTP_NULL_HMAC_SHA1_32 (RFC 5764 §4.1.2).
    pub const NULL_HMAC_SHA1_32: Self = Self(0x0006);
    /// SRTP_AEAD_AES_128_GCM (RFC 7714 §14.2).
    pub const AEAD_AES_128_GCM: Self = Self(0x0007);
    /// SRTP_AEAD_AES_256_GCM (RFC 7714 §14.2).
    pub const AEAD_AES_256_GCM: Self = Self(0x0008);
}

/// An SRTP protection profile this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// AES-128 counter mode, HMAC-SHA1 80-bit tag (RFC 3711 §4, RFC 5764 §4.1.2).
    AesCm128HmacSha1_80,
    /// AES-128 counter mode, HMAC-SHA1 32-bit SRTP tag; SRTCP keeps 80 bits
    /// (RFC 5764 §4.1.2).
    AesCm128HmacSha1_32,
    /// AES-192 counter mode, HMAC-SHA1 80-bit tag (RFC 6188 §3).
    AesCm192HmacSha1_80,
    /// AES-256 counter mode, HMAC-SHA1 80-bit tag (RFC 6188 §3).
    AesCm256HmacSha1_80,
    /// AES-256 counter mode, HMAC-SHA1 32-bit SRTP tag; SRTCP keeps 80 bits (RFC 6188 §3).
    AesCm256HmacSha1_32,
    /// AES-128-GCM with a 16-byte tag (RFC 7714 §14.2).
    AeadAes128Gcm,
    /// AES-256-GCM with a 16-byte tag (RFC 7714 §14.2).
    AeadAes256Gcm,
    /// No encryption, HMAC-SHA1 80-bit tag (RFC 5764 §4.1.2). For tests.
    NullHmacSha1_80,
    /// No encryption, HMAC-SHA1 32-bit SRTP tag (RFC 5764 §4.1.2). For tests.
    NullHmacSha1_32,
    /// No encryption, no authentication. For tests only: offers no protection at all.
    NullNull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CipherKind {
    AesCm,
    AesGcm,
    Null,
}

impl Profile {
    /// All profiles, for tests and iteration.
    pub const ALL: [Profile; 10] = [
        Profile::AesCm128HmacSha1_80,
        Profile::AesCm128HmacSha1_32,
        Profile::AesCm192HmacSha1_80,
        Profile::AesCm256HmacSha1_80,
        Profile::AesCm256HmacSha1_32,
        Profile::AeadAes128Gcm,
        Profile::AeadAes256Gcm,
        Profile::NullHmacSha1_80,
        Profile::NullHmacSha1_32,
        Profile::NullNull,
    ];

    /// The profile negotiated by DTLS-SRTP `use_srtp` (RFC 5764 §4.1.2, RFC 7714 §14.2);
    /// `None` for identifiers this crate does not implement.
    pub fn from_id(id: ProtectionProfileId) -> Option<Profile> {
        Some(match id {
            ProtectionProfileId::AES128_CM_HMAC_SHA1_80 => Profile::AesCm128HmacSha1_80,
            ProtectionProfileId::AES128_CM_HMAC_SHA1_32 => Profile::AesCm128HmacSha1_32,
            ProtectionProfileId::NULL_HMAC_SHA1_80 => Profile::NullHmacSha1_80,
            ProtectionProfileId::NULL_HMAC_SHA1_32 => Profile::NullHmacSha1_32,
            ProtectionProfileId::AEAD_AES_128_GCM => Profile::AeadAes128Gcm,
            ProtectionProfileId::AEAD_AES_256_GCM => Profile::AeadAes256Gcm,
            _ => return None,
        })
    }

    /// The DTLS-SRTP identifier, where one is registered (the AES-192/256-CM profiles of
    /// RFC 6188 have none).
    pub fn id(self) -> Option<ProtectionProfileId> {
        Some(match self {
            Profile::AesCm128HmacSha1_80 => ProtectionProfileId::AES128_CM_HMAC_SHA1_80,
            Profile::AesCm128HmacSha1_32 => ProtectionProfileId::AES128_CM_HMAC_SHA1_32,
            Profile::NullHmacSha1_80 => ProtectionProfileId::NULL_HMAC_SHA1_80,
            Profile::NullHmacSha1_32 => ProtectionProfileId::NULL_HMAC_SHA1_32,
            Profile::AeadAes128Gcm => ProtectionProfileId::AEAD_AES_128_GCM,
            Profile::AeadAes256Gcm => ProtectionProfileId::AEAD_AES_256_GCM,
            _ => return None,
        })
    }

    pub(crate) fn cipher(self) -> CipherKind {
        match self {
            Profile::AesCm128HmacSha1_80
            | Profile::AesCm128HmacSha1_32
            | Profile::AesCm192HmacSha1_80
            | Profile::AesCm256HmacSha1_80
            | Profile::AesCm256HmacSha1_32 => CipherKind::AesCm,
            Profile::AeadAes128Gcm | Profile::AeadAes256Gcm => CipherKind::AesGcm,
            Profile::NullHmacSha1_80 | Profile::NullHmacSha1_32 | Profile::NullNull => {
                CipherKind::Null
            }
        }
    }

    /// Master (and session encryption) key length in bytes.
    pub fn master_key_len(self) -> usize {
        match self {
            Profile::AesCm192HmacSha1_80 => 24,
            Profile::AesCm256HmacSha1_80
            | Profile::AesCm256HmacSha1_32
            | Profile::AeadAes256Gcm => 32,
            _ => 16,
        }
    }

    /// Master (and session) salt length in bytes: 14 (RFC 3711 §8.2), 12 for GCM
    /// (RFC 7714 §12).
    pub fn master_salt_len(self) -> usize {
        match self.cipher() {
            CipherKind::AesGcm => 12,
            _ => 14,
        }
    }

    /// Whether packets carry an HMAC-SHA1 tag.
    pub(crate) fn has_hmac(self) -> bool {
        !matches!(
            self,
            Profile::AeadAes128Gcm | Profile::AeadAes256Gcm | Profile::NullNull
        )
    }

    /// SRTP authentication tag length in bytes.
    pub fn rtp_tag_len(self) -> usize {
        match self {
            Profile::AesCm128HmacSha1_32
            | Profile::AesCm256HmacSha1_32
            | Profile::NullHmacSha1_32 => 4,
            Profile::AeadAes128Gcm | Profile::AeadAes256Gcm => 16,
            Profile::NullNull => 0,
            _ => 10,
        }
    }

    /// SRTCP authentication tag length in bytes: 80-bit HMAC for every HMAC profile
    /// (RFC 5764 §4.1.2), 16 for GCM.
    pub fn rtcp_tag_len(self) -> usize {
        match self {
            Profile::AeadAes128Gcm | Profile::AeadAes256Gcm => 16,
            Profile::NullNull => 0,
            _ => 10,
        }
    }
}
