//! Certificates: a self-signed ECDSA P-256 certificate writer (a small DER encoder, RFC 5280
//! §4.1), SDP fingerprints (RFC 8122 §5), and checking the peer's certificate (ECDSA P-256
//! or RSA ≥ 2048 bits) and its handshake signatures.

use core::fmt;

use crate::crypto::{self, Csprng, SigningKey};
use crate::error::Error;
use crate::extension::SignatureScheme;

/// RFC 8122 §5 hash function names for `a=fingerprint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FingerprintAlgorithm {
    /// `sha-1`.
    Sha1,
    /// `sha-224`.
    Sha224,
    /// `sha-256` (what browsers send).
    Sha256,
    /// `sha-384`.
    Sha384,
    /// `sha-512`.
    Sha512,
}

impl FingerprintAlgorithm {
    /// The SDP token.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha-1",
            Self::Sha224 => "sha-224",
            Self::Sha256 => "sha-256",
            Self::Sha384 => "sha-384",
            Self::Sha512 => "sha-512",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "sha-1" => Self::Sha1,
            "sha-224" => Self::Sha224,
            "sha-256" => Self::Sha256,
            "sha-384" => Self::Sha384,
            "sha-512" => Self::Sha512,
            _ => return None,
        })
    }
}

/// A certificate fingerprint as carried in SDP `a=fingerprint` (RFC 8122 §5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    /// Hash function.
    pub algorithm: FingerprintAlgorithm,
    /// Digest of the DER certificate.
    pub value: Vec<u8>,
}

/// A fingerprint string that does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid fingerprint")]
pub struct FingerprintParseError;

impl Fingerprint {
    /// Hashes a DER certificate.
    pub fn of(algorithm: FingerprintAlgorithm, der: &[u8]) -> Self {
        let value = crypto::digest_named(algorithm.name(), der)
            .expect("invariant: every FingerprintAlgorithm is supported");
        Self { algorithm, value }
    }

    /// Parses `sha-256 AB:CD:...` (the `a=fingerprint:` value).
    pub fn parse(s: &str) -> Result<Self, FingerprintParseError> {
        let (alg, hex) = s.trim().split_once(' ').ok_or(FingerprintParseError)?;
        let algorithm = FingerprintAlgorithm::from_name(alg).ok_or(FingerprintParseError)?;
        let mut value = Vec::new();
        for part in hex.trim().split(':') {
            if part.len() != 2 {
                return Err(FingerprintParseError);
            }
            value.push(u8::from_str_radix(part, 16).map_err(|_| FingerprintParseError)?);
        }
        if Some(value.len()) != crypto::digest_named(algorithm.name(), b"").map(|d| d.len()) {
            return Err(FingerprintParseError);
        }
        Ok(Self { algorithm, value })
    }

    /// True when `der` hashes to this fingerprint (constant-time compare).
    pub fn matches(&self, der: &[u8]) -> bool {
        let got = Self::of(self.algorithm, der);
        crypto::ct_eq(&got.value, &self.value)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.algorithm.name())?;
        for (i, b) in self.value.iter().enumerate() {
            write!(f, "{}{:02X}", if i == 0 { ' ' } else { ':' }, b)?;
        }
        Ok(())
    }
}

/// Our certificate and its ECDSA P-256 private key.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    key: SigningKey,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field(
                "fingerprint",
                &self.fingerprint(FingerprintAlgorithm::Sha256).to_string(),
            )
            .finish_non_exhaustive()
    }
}

const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
/// 1.2.840.113549.1.1.{1,5,11,12,13}: rsaEncryption and sha{1,256,384,512}WithRSAEncryption.
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_SHA1_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
const OID_SHA256_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const OID_SHA384_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
const OID_SHA512_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0x81, n as u8]);
    } else {
        out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after.
fn der_time(unix: u64) -> Vec<u8> {
    let secs = unix as i64;
    let (y, mo, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let (h, mi, se) = (s / 3600, (s / 60) % 60, s % 60);
    if y < 2050 {
        tlv(
            0x17,
            format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{se:02}Z", y % 100).as_bytes(),
        )
    } else {
        tlv(
            0x18,
            format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{se:02}Z").as_bytes(),
        )
    }
}

impl Certificate {
    /// Generates a self-signed ECDSA P-256 certificate with `CN=WebRTC`, valid from one day
    /// before `unix_now` for 30 days, like Chromium's. `seed` feeds the key and serial.
    pub fn generate(seed: [u8; 32], unix_now: u64) -> Self {
        let mut rng = Csprng::from_seed(seed);
        let key = SigningKey::generate(&mut rng);
        let mut serial = rng.array::<8>();
        serial[0] = (serial[0] & 0x7f) | 0x01; // positive, minimal
        let alg = seq(&[&tlv(0x06, OID_ECDSA_SHA256)]);
        let name = seq(&[&tlv(
            0x31,
            &seq(&[&tlv(0x06, OID_COMMON_NAME), &tlv(0x0c, b"WebRTC")]),
        )]);
        let validity = seq(&[
            &der_time(unix_now.saturating_sub(86_400)),
            &der_time(unix_now + 30 * 86_400),
        ]);
        let mut point = vec![0u8];
        point.extend_from_slice(&key.public_point());
        let spki = seq(&[
            &seq(&[&tlv(0x06, OID_EC_PUBLIC_KEY), &tlv(0x06, OID_PRIME256V1)]),
            &tlv(0x03, &point),
        ]);
        let tbs = seq(&[
            &tlv(0xa0, &tlv(0x02, &[2])),
            &tlv(0x02, &serial),
            &alg,
            &name,
            &validity,
            &name,
            &spki,
        ]);
        let mut sig = vec![0u8];
        sig.extend_from_slice(&key.sign(&tbs));
        let der = seq(&[&tbs, &alg, &tlv(0x03, &sig)]);
        Self { der, key }
    }

    /// Generates with OS entropy.
    pub fn generate_random(unix_now: u64) -> Self {
        Self::generate(crypto::os_seed(), unix_now)
    }

    /// Wraps an existing DER certificate and its raw 32-byte P-256 private scalar. Checks the
    /// key matches the certificate.
    pub fn from_der(der: Vec<u8>, private_key: &[u8]) -> Result<Self, Error> {
        let key = SigningKey::from_bytes(private_key).ok_or(Error::BadCertificate("bad key"))?;
        let peer = PeerCertificate::parse(&der)?;
        if !matches!(&peer.key, PeerKey::P256(p) if *p == key.public_point()) {
            return Err(Error::BadCertificate("key does not match certificate"));
        }
        Ok(Self { der, key })
    }

    /// The DER certificate.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The raw private scalar (for persisting the certificate).
    pub fn private_key(&self) -> Vec<u8> {
        self.key.to_bytes()
    }

    /// The fingerprint to put in SDP.
    pub fn fingerprint(&self, algorithm: FingerprintAlgorithm) -> Fingerprint {
        Fingerprint::of(algorithm, &self.der)
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }
}

/// The public key of the peer's certificate.
#[derive(Debug, Clone)]
pub(crate) enum PeerKey {
    /// Uncompressed P-256 point.
    P256(Vec<u8>),
    /// RSA, at least [`crypto::MIN_RSA_BITS`] (verification only).
    Rsa(crypto::RsaPublicKey),
}

/// Signature schemes we verify (RFC 5246 §7.4.1.4.1 with RFC 8446 §4.2.3 code points), in
/// the order we advertise them: `signature_algorithms` in our ClientHello and
/// `supported_signature_algorithms` in our CertificateRequest.
pub(crate) const VERIFY_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_SECP256R1_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    SignatureScheme::RSA_PKCS1_SHA512,
];

/// What we keep of the peer's certificate.
#[derive(Debug, Clone)]
pub(crate) struct PeerCertificate {
    pub(crate) key: PeerKey,
}

impl PeerCertificate {
    /// Parses with x509-parser; accepts ECDSA P-256 keys and RSA keys of 2048 to 8192 bits;
    /// verifies the self-signature when the certificate is self-signed (WebRTC certificates
    /// are).
    pub(crate) fn parse(der: &[u8]) -> Result<Self, Error> {
        Self::parse_with(der, true)
    }

    /// As [`Self::parse`]; `verify_self_signature: false` skips the self-signature check (the
    /// fingerprint already pins the exact bytes, and the handshake signatures prove the key).
    pub(crate) fn parse_with(der: &[u8], verify_self_signature: bool) -> Result<Self, Error> {
        use x509_parser::prelude::FromDer;
        let (rest, cert) = x509_parser::certificate::X509Certificate::from_der(der)
            .map_err(|_| Error::BadCertificate("unparsable certificate"))?;
        if !rest.is_empty() {
            return Err(Error::BadCertificate("trailing bytes after certificate"));
        }
        let spki = cert.public_key();
        let alg = spki.algorithm.algorithm.as_bytes();
        let curve = spki.algorithm.parameters.as_ref().map(|p| p.data);
        let key = if alg == OID_EC_PUBLIC_KEY && curve == Some(OID_PRIME256V1) {
            PeerKey::P256(spki.subject_public_key.data.to_vec())
        } else if alg == OID_RSA_ENCRYPTION {
            let Ok(x509_parser::public_key::PublicKey::RSA(rsa)) = spki.parsed() else {
                return Err(Error::BadCertificate("malformed RSA key"));
            };
            match crypto::RsaPublicKey::from_components(rsa.modulus, rsa.exponent) {
                Ok(k) => PeerKey::Rsa(k),
                Err(crypto::RsaKeyError::TooSmall(bits)) => {
                    return Err(Error::KeyTooSmall { bits });
                }
                Err(crypto::RsaKeyError::Invalid) => {
                    return Err(Error::BadCertificate("invalid RSA key"));
                }
            }
        } else {
            return Err(Error::UnsupportedCertificate(
                "only ECDSA P-256 and RSA keys are supported",
            ));
        };
        let peer = Self { key };
        if verify_self_signature
            && cert.tbs_certificate.issuer.as_raw() == cert.tbs_certificate.subject.as_raw()
        {
            let tbs: &[u8] = cert.tbs_certificate.as_ref();
            let sig: &[u8] = &cert.signature_value.data;
            let ok = match (&peer.key, cert.signature_algorithm.algorithm.as_bytes()) {
                (PeerKey::P256(p), OID_ECDSA_SHA256) => crypto::verify_p256_sha256(p, tbs, sig),
                (PeerKey::Rsa(k), OID_SHA1_WITH_RSA) => k.verify_pkcs1_sha1(tbs, sig),
                (PeerKey::Rsa(k), OID_SHA256_WITH_RSA) => {
                    k.verify(SignatureScheme::RSA_PKCS1_SHA256, tbs, sig)
                }
                (PeerKey::Rsa(k), OID_SHA384_WITH_RSA) => {
                    k.verify(SignatureScheme::RSA_PKCS1_SHA384, tbs, sig)
                }
                (PeerKey::Rsa(k), OID_SHA512_WITH_RSA) => {
                    k.verify(SignatureScheme::RSA_PKCS1_SHA512, tbs, sig)
                }
                _ => return Err(Error::BadCertificate("unsupported certificate signature")),
            };
            if !ok {
                return Err(Error::BadCertificate("self-signature does not verify"));
            }
        }
        Ok(peer)
    }

    /// True for an RSA key (it authenticates ECDHE_RSA suites, RFC 8422 §2.2).
    pub(crate) fn is_rsa(&self) -> bool {
        matches!(self.key, PeerKey::Rsa(_))
    }

    /// Verifies a handshake signature (ServerKeyExchange, CertificateVerify). The scheme must
    /// be one we advertise and fit the key type (RFC 5246 §7.4.1.4.1, §7.4.3, §7.4.8);
    /// `what` names the message in the error.
    pub(crate) fn verify(
        &self,
        scheme: SignatureScheme,
        msg: &[u8],
        sig: &[u8],
        what: &'static str,
    ) -> Result<(), Error> {
        if !VERIFY_SCHEMES.contains(&scheme) {
            return Err(Error::IllegalParameter("signature scheme not offered"));
        }
        let ok = match (&self.key, scheme) {
            (PeerKey::P256(p), SignatureScheme::ECDSA_SECP256R1_SHA256) => {
                crypto::verify_p256_sha256(p, msg, sig)
            }
            (PeerKey::Rsa(k), s) if s != SignatureScheme::ECDSA_SECP256R1_SHA256 => {
                k.verify(s, msg, sig)
            }
            _ => {
                return Err(Error::IllegalParameter(
                    "signature scheme does not match the certificate key",
                ));
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Error::DecryptError(what))
        }
    }
}

/// Checks `der` against the expected fingerprints (any match), then parses it. Fails closed:
/// no expected fingerprint means no match.
pub(crate) fn check_peer(
    der: &[u8],
    expected: &[Fingerprint],
    verify_self_signature: bool,
) -> Result<PeerCertificate, Error> {
    if !expected.iter().any(|f| f.matches(der)) {
        return Err(Error::FingerprintMismatch);
    }
    PeerCertificate::parse_with(der, verify_self_signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_certificate_parses_and_self_verifies() {
        let c = Certificate::generate([3; 32], 1_764_000_000);
        let p = PeerCertificate::parse(c.der()).unwrap();
        assert!(matches!(p.key, PeerKey::P256(ref q) if *q == c.signing_key().public_point()));
        let (_, x) =
            <x509_parser::certificate::X509Certificate<'_> as x509_parser::prelude::FromDer<
                '_,
                _,
            >>::from_der(c.der())
            .unwrap();
        assert_eq!(x.subject().to_string(), "CN=WebRTC");
        assert_eq!(x.validity().not_before.timestamp(), 1_764_000_000 - 86_400);
        assert_eq!(
            x.validity().not_after.timestamp(),
            1_764_000_000 + 30 * 86_400
        );
        // Same certificate through from_der with its key.
        Certificate::from_der(c.der().to_vec(), &c.private_key()).unwrap();
        let other = Certificate::generate([4; 32], 1_764_000_000);
        assert!(Certificate::from_der(c.der().to_vec(), &other.private_key()).is_err());
    }

    #[test]
    fn tampered_self_signature_is_rejected() {
        let c = Certificate::generate([3; 32], 1_764_000_000);
        let mut der = c.der().to_vec();
        // Flip a bit inside both CNs ("WebRTC" -> "VebRTC") so it still looks self-signed.
        while let Some(at) = der.windows(6).position(|w| w == b"WebRTC") {
            der[at] ^= 1;
        }
        assert_eq!(
            PeerCertificate::parse(&der).unwrap_err(),
            Error::BadCertificate("self-signature does not verify")
        );
        // Opting out of the self-signature check accepts it (the fingerprint still pins it).
        assert!(PeerCertificate::parse_with(&der, false).is_ok());
    }

    #[test]
    fn rfc8122_fingerprint_format_and_checks() {
        let c = Certificate::generate([5; 32], 1_764_000_000);
        for alg in [
            FingerprintAlgorithm::Sha1,
            FingerprintAlgorithm::Sha256,
            FingerprintAlgorithm::Sha384,
            FingerprintAlgorithm::Sha512,
        ] {
            let f = c.fingerprint(alg);
            let s = f.to_string();
            assert!(s.starts_with(alg.name()));
            assert_eq!(Fingerprint::parse(&s).unwrap(), f);
            assert!(check_peer(c.der(), &[f], true).is_ok());
        }
        let f = c.fingerprint(FingerprintAlgorithm::Sha256);
        assert_eq!(f.value.len(), 32);
        let other = Certificate::generate([6; 32], 1_764_000_000);
        assert_eq!(
            check_peer(other.der(), &[f], true).unwrap_err(),
            Error::FingerprintMismatch
        );
        assert_eq!(
            check_peer(c.der(), &[], true).unwrap_err(),
            Error::FingerprintMismatch
        );
        assert!(Fingerprint::parse("sha-256 AB:CD").is_err());
        assert!(Fingerprint::parse("md5 AB").is_err());
    }

    const RSA2048: &[u8] = include_bytes!("../tests/data/rsa2048_sha256.der");
    const RSA2048_SHA1: &[u8] = include_bytes!("../tests/data/rsa2048_sha1.der");
    const RSA1024: &[u8] = include_bytes!("../tests/data/rsa1024_sha256.der");
    const MSG: &[u8] = b"strata rsa fixture";

    #[test]
    fn rsa_2048_certificates_parse_and_self_verify() {
        for der in [RSA2048, RSA2048_SHA1] {
            let p = PeerCertificate::parse(der).unwrap();
            assert!(p.is_rsa());
            let f = Fingerprint::of(FingerprintAlgorithm::Sha256, der);
            assert!(check_peer(der, &[f], true).is_ok());
        }
        // One bit flipped inside the TBS part (the key modulus): self-signature fails.
        let mut der = RSA2048.to_vec();
        let at = der.len() - 300;
        der[at] ^= 0x10;
        assert_eq!(
            PeerCertificate::parse(&der).unwrap_err(),
            Error::BadCertificate("self-signature does not verify")
        );
    }

    #[test]
    fn rsa_keys_below_2048_bits_are_refused() {
        assert_eq!(
            PeerCertificate::parse(RSA1024).unwrap_err(),
            Error::KeyTooSmall { bits: 1024 }
        );
        // Also when the self-signature check is off, and after a fingerprint match.
        let f = Fingerprint::of(FingerprintAlgorithm::Sha256, RSA1024);
        assert_eq!(
            check_peer(RSA1024, &[f], false).unwrap_err(),
            Error::KeyTooSmall { bits: 1024 }
        );
    }

    #[test]
    fn rsa_handshake_signatures_verify_per_scheme() {
        let p = PeerCertificate::parse(RSA2048).unwrap();
        let pkcs1 = include_bytes!("../tests/data/rsa2048_pkcs1_sha256.sig");
        let pkcs1_384 = include_bytes!("../tests/data/rsa2048_pkcs1_sha384.sig");
        let pss = include_bytes!("../tests/data/rsa2048_pss_sha256.sig");
        let ok = [
            (SignatureScheme::RSA_PKCS1_SHA256, &pkcs1[..]),
            (SignatureScheme::RSA_PKCS1_SHA384, &pkcs1_384[..]),
            (SignatureScheme::RSA_PSS_RSAE_SHA256, &pss[..]),
        ];
        for (scheme, sig) in ok {
            p.verify(scheme, MSG, sig, "t").unwrap();
            // Another message, a flipped bit, or another scheme: decrypt_error.
            assert_eq!(
                p.verify(scheme, b"strata rsa fixturf", sig, "t"),
                Err(Error::DecryptError("t"))
            );
            let mut bad = sig.to_vec();
            bad[100] ^= 1;
            assert_eq!(
                p.verify(scheme, MSG, &bad, "t"),
                Err(Error::DecryptError("t"))
            );
            for other in [
                SignatureScheme::RSA_PKCS1_SHA256,
                SignatureScheme::RSA_PKCS1_SHA384,
                SignatureScheme::RSA_PSS_RSAE_SHA256,
            ] {
                if other != scheme {
                    assert!(p.verify(other, MSG, sig, "t").is_err());
                }
            }
            assert!(
                p.verify(scheme, MSG, &sig[1..], "t").is_err(),
                "short signature"
            );
        }
        // The key type decides which schemes apply.
        assert_eq!(
            p.verify(SignatureScheme::ECDSA_SECP256R1_SHA256, MSG, pkcs1, "t"),
            Err(Error::IllegalParameter(
                "signature scheme does not match the certificate key"
            ))
        );
        let ec = Certificate::generate([9; 32], 1_764_000_000);
        let ecp = PeerCertificate::parse(ec.der()).unwrap();
        let sig = ec.signing_key().sign(MSG);
        ecp.verify(SignatureScheme::ECDSA_SECP256R1_SHA256, MSG, &sig, "t")
            .unwrap();
        assert_eq!(
            ecp.verify(SignatureScheme::RSA_PKCS1_SHA256, MSG, &sig, "t"),
            Err(Error::IllegalParameter(
                "signature scheme does not match the certificate key"
            ))
        );
        assert_eq!(
            ecp.verify(SignatureScheme::ED25519, MSG, &sig, "t"),
            Err(Error::IllegalParameter("signature scheme not offered"))
        );
    }

    #[test]
    fn der_time_formats() {
        assert_eq!(der_time(0), tlv(0x17, b"700101000000Z"));
        assert_eq!(der_time(2_556_144_000), tlv(0x18, b"20510101000000Z"));
    }
}
