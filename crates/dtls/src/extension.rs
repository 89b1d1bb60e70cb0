//! Hello extensions (RFC 5246 §7.4.1.4) that DTLS-SRTP for WebRTC uses; unknown ones are kept
//! raw so they round-trip (a DTLS 1.3 ClientHello's `supported_versions` and `key_share`).

use crate::codec::{Reader, end_len, put_u16, put_vec8, start_len};
use crate::error::DecodeError;

/// RFC 5246 §7.4.1.4 `ExtensionType`; open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtensionType(pub u16);

#[allow(missing_docs)]
impl ExtensionType {
    pub const SUPPORTED_GROUPS: Self = Self(10);
    pub const EC_POINT_FORMATS: Self = Self(11);
    pub const SIGNATURE_ALGORITHMS: Self = Self(13);
    pub const USE_SRTP: Self = Self(14);
    pub const EXTENDED_MASTER_SECRET: Self = Self(23);
    pub const SUPPORTED_VERSIONS: Self = Self(43);
    pub const COOKIE: Self = Self(44);
    pub const KEY_SHARE: Self = Self(51);
    pub const RENEGOTIATION_INFO: Self = Self(0xff01);
}

/// RFC 8422 §5.1.1 / RFC 8446 §4.2.7 `NamedGroup`; open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NamedGroup(pub u16);

#[allow(missing_docs)]
impl NamedGroup {
    pub const SECP256R1: Self = Self(23);
    pub const SECP384R1: Self = Self(24);
    pub const X25519: Self = Self(29);
    /// draft-ietf-tls-ecdhe-mlkem hybrid, offered by Chromium; unknown to DTLS 1.2.
    pub const X25519_MLKEM768: Self = Self(0x11ec);
}

/// RFC 8446 §4.2.3 `SignatureScheme` (TLS 1.2 `SignatureAndHashAlgorithm` pairs); open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignatureScheme(pub u16);

#[allow(missing_docs)]
impl SignatureScheme {
    pub const ECDSA_SECP256R1_SHA256: Self = Self(0x0403);
    pub const ECDSA_SECP384R1_SHA384: Self = Self(0x0503);
    pub const RSA_PKCS1_SHA256: Self = Self(0x0401);
    pub const RSA_PKCS1_SHA384: Self = Self(0x0501);
    pub const RSA_PKCS1_SHA512: Self = Self(0x0601);
    pub const RSA_PSS_RSAE_SHA256: Self = Self(0x0804);
    pub const RSA_PSS_RSAE_SHA384: Self = Self(0x0805);
    pub const RSA_PSS_RSAE_SHA512: Self = Self(0x0806);
    pub const ED25519: Self = Self(0x0807);
}

/// RFC 5764 §4.1.2 `SRTPProtectionProfile`; open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SrtpProfileId(pub u16);

#[allow(missing_docs)]
impl SrtpProfileId {
    pub const AES128_CM_HMAC_SHA1_80: Self = Self(0x0001);
    pub const AES128_CM_HMAC_SHA1_32: Self = Self(0x0002);
    /// RFC 7714 §14.2.
    pub const AEAD_AES_128_GCM: Self = Self(0x0007);
    pub const AEAD_AES_256_GCM: Self = Self(0x0008);

    /// Length of the RFC 5764 §4.2 keying material for this profile (two keys, two salts),
    /// `None` when unknown.
    pub fn keying_material_len(self) -> Option<usize> {
        Some(match self {
            Self::AES128_CM_HMAC_SHA1_80 | Self::AES128_CM_HMAC_SHA1_32 => 2 * (16 + 14),
            Self::AEAD_AES_128_GCM => 2 * (16 + 12),
            Self::AEAD_AES_256_GCM => 2 * (32 + 12),
            _ => return None,
        })
    }

    /// Master key length in bytes, `None` when unknown.
    pub fn key_len(self) -> Option<usize> {
        Some(match self {
            Self::AES128_CM_HMAC_SHA1_80 | Self::AES128_CM_HMAC_SHA1_32 => 16,
            Self::AEAD_AES_128_GCM => 16,
            Self::AEAD_AES_256_GCM => 32,
            _ => return None,
        })
    }
}

/// One hello extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extension<'a> {
    /// RFC 8422 §5.1.1 (also RFC 7919).
    SupportedGroups(Vec<NamedGroup>),
    /// RFC 8422 §5.1.2: the raw list of point formats.
    EcPointFormats(&'a [u8]),
    /// RFC 5246 §7.4.1.4.1.
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// RFC 5764 §4.1.1.
    UseSrtp {
        /// Offered profiles (one in a ServerHello).
        profiles: Vec<SrtpProfileId>,
        /// `srtp_mki`.
        mki: &'a [u8],
    },
    /// RFC 7627 §5.1: empty.
    ExtendedMasterSecret,
    /// RFC 5746 §3.2: `renegotiated_connection`.
    RenegotiationInfo(&'a [u8]),
    /// Anything else, kept raw.
    Unknown {
        /// Extension type.
        typ: ExtensionType,
        /// Body.
        data: &'a [u8],
    },
}

fn u16_list<T>(body: &[u8], make: impl Fn(u16) -> T) -> Result<Vec<T>, DecodeError> {
    let mut r = Reader::new(body);
    let list = r.vec16()?;
    r.finish()?;
    if list.is_empty() || !list.len().is_multiple_of(2) {
        return Err(DecodeError::InvalidLength);
    }
    Ok(list
        .chunks_exact(2)
        .map(|c| make(u16::from_be_bytes([c[0], c[1]])))
        .collect())
}

fn put_u16_list<T: Copy>(out: &mut Vec<u8>, list: &[T], get: impl Fn(T) -> u16) {
    put_u16(out, (list.len() * 2) as u16);
    for v in list {
        put_u16(out, get(*v));
    }
}

impl<'a> Extension<'a> {
    /// The extension type.
    pub fn typ(&self) -> ExtensionType {
        match self {
            Self::SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            Self::EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            Self::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Self::UseSrtp { .. } => ExtensionType::USE_SRTP,
            Self::ExtendedMasterSecret => ExtensionType::EXTENDED_MASTER_SECRET,
            Self::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Self::Unknown { typ, .. } => *typ,
        }
    }

    /// Parses one extension body of type `typ`.
    pub fn parse(typ: ExtensionType, body: &'a [u8]) -> Result<Self, DecodeError> {
        Ok(match typ {
            ExtensionType::SUPPORTED_GROUPS => Self::SupportedGroups(u16_list(body, NamedGroup)?),
            ExtensionType::SIGNATURE_ALGORITHMS => {
                Self::SignatureAlgorithms(u16_list(body, SignatureScheme)?)
            }
            ExtensionType::EC_POINT_FORMATS => {
                let mut r = Reader::new(body);
                let list = r.vec8()?;
                r.finish()?;
                if list.is_empty() {
                    return Err(DecodeError::InvalidLength);
                }
                Self::EcPointFormats(list)
            }
            ExtensionType::USE_SRTP => {
                let mut r = Reader::new(body);
                let list = r.vec16()?;
                let mki = r.vec8()?;
                r.finish()?;
                if list.is_empty() || !list.len().is_multiple_of(2) {
                    return Err(DecodeError::InvalidLength);
                }
                let profiles = list
                    .chunks_exact(2)
                    .map(|c| SrtpProfileId(u16::from_be_bytes([c[0], c[1]])))
                    .collect();
                Self::UseSrtp { profiles, mki }
            }
            ExtensionType::EXTENDED_MASTER_SECRET => {
                if !body.is_empty() {
                    return Err(DecodeError::TrailingBytes);
                }
                Self::ExtendedMasterSecret
            }
            ExtensionType::RENEGOTIATION_INFO => {
                let mut r = Reader::new(body);
                let v = r.vec8()?;
                r.finish()?;
                Self::RenegotiationInfo(v)
            }
            typ => Self::Unknown { typ, data: body },
        })
    }

    /// Appends type, length and body.
    pub fn emit(&self, out: &mut Vec<u8>) {
        put_u16(out, self.typ().0);
        let at = start_len(out, 2);
        match self {
            Self::SupportedGroups(l) => put_u16_list(out, l, |g| g.0),
            Self::SignatureAlgorithms(l) => put_u16_list(out, l, |s| s.0),
            Self::EcPointFormats(l) => put_vec8(out, l),
            Self::UseSrtp { profiles, mki } => {
                put_u16_list(out, profiles, |p| p.0);
                put_vec8(out, mki);
            }
            Self::ExtendedMasterSecret => {}
            Self::RenegotiationInfo(v) => put_vec8(out, v),
            Self::Unknown { data, .. } => out.extend_from_slice(data),
        }
        end_len(out, at, 2);
    }
}

/// Parses an `extensions` block body (after its two-byte length). Duplicates are rejected
/// (RFC 5246 §7.4.1.4).
pub(crate) fn parse_extensions(body: &[u8]) -> Result<Vec<Extension<'_>>, DecodeError> {
    let mut r = Reader::new(body);
    let mut out: Vec<Extension<'_>> = Vec::new();
    while !r.is_empty() {
        let typ = ExtensionType(r.u16()?);
        let data = r.vec16()?;
        if out.iter().any(|e| e.typ() == typ) {
            return Err(DecodeError::DuplicateExtension);
        }
        if out.len() >= 64 {
            return Err(DecodeError::TooLong);
        }
        out.push(Extension::parse(typ, data)?);
    }
    Ok(out)
}

/// Appends an `extensions` block; nothing when `exts` is empty (RFC 5246 §7.4.1.2).
pub(crate) fn emit_extensions(out: &mut Vec<u8>, exts: &[Extension<'_>]) {
    if exts.is_empty() {
        return;
    }
    let at = start_len(out, 2);
    for e in exts {
        e.emit(out);
    }
    end_len(out, at, 2);
}
