//! TLS 1.2 key schedule (RFC 5246 §6.3, §7.4.9, §8.1), extended master secret (RFC 7627 §4)
//! and the keying material exporter (RFC 5705 §4).

use crate::crypto::{self, AeadAlg, HashAlg, RecordCipher};
use crate::handshake::CipherSuite;

/// The server certificate's key type a suite requires (RFC 8422 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    /// ECDHE_ECDSA.
    Ecdsa,
    /// ECDHE_RSA: only as a client (we never sign with RSA).
    Rsa,
}

/// What a cipher suite fixes for the key schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SuiteParams {
    pub(crate) suite: CipherSuite,
    pub(crate) hash: HashAlg,
    pub(crate) aead: AeadAlg,
    pub(crate) auth: Auth,
}

impl SuiteParams {
    /// The suites we implement, `None` for others.
    pub(crate) fn of(suite: CipherSuite) -> Option<Self> {
        use Auth::{Ecdsa, Rsa};
        let (hash, aead, auth) = match suite {
            CipherSuite::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => {
                (HashAlg::Sha256, AeadAlg::Aes128Gcm, Ecdsa)
            }
            CipherSuite::ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => {
                (HashAlg::Sha384, AeadAlg::Aes256Gcm, Ecdsa)
            }
            CipherSuite::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
                (HashAlg::Sha256, AeadAlg::ChaCha20Poly1305, Ecdsa)
            }
            CipherSuite::ECDHE_RSA_WITH_AES_128_GCM_SHA256 => {
                (HashAlg::Sha256, AeadAlg::Aes128Gcm, Rsa)
            }
            CipherSuite::ECDHE_RSA_WITH_AES_256_GCM_SHA384 => {
                (HashAlg::Sha384, AeadAlg::Aes256Gcm, Rsa)
            }
            CipherSuite::ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => {
                (HashAlg::Sha256, AeadAlg::ChaCha20Poly1305, Rsa)
            }
            _ => return None,
        };
        Some(Self {
            suite,
            hash,
            aead,
            auth,
        })
    }
}

/// RFC 5246 §8.1 master secret.
pub(crate) type MasterSecret = [u8; 48];

/// RFC 7627 §4: `PRF(pms, "extended master secret", session_hash)`.
pub(crate) fn extended_master_secret(
    hash: HashAlg,
    pms: &[u8],
    session_hash: &[u8],
) -> MasterSecret {
    let mut ms = [0u8; 48];
    crypto::prf(
        hash,
        pms,
        b"extended master secret",
        &[session_hash],
        &mut ms,
    );
    ms
}

/// RFC 5246 §8.1 classic master secret (only used to check vectors: we require EMS).
#[cfg(test)]
pub(crate) fn master_secret(
    hash: HashAlg,
    pms: &[u8],
    cr: &[u8; 32],
    sr: &[u8; 32],
) -> MasterSecret {
    let mut ms = [0u8; 48];
    crypto::prf(hash, pms, b"master secret", &[cr, sr], &mut ms);
    ms
}

/// RFC 5246 §6.3 key block split for AEAD suites (no MAC keys).
pub(crate) struct KeyBlock {
    pub(crate) client_key: [u8; 32],
    pub(crate) server_key: [u8; 32],
    pub(crate) client_iv: [u8; 12],
    pub(crate) server_iv: [u8; 12],
    pub(crate) key_len: usize,
    pub(crate) iv_len: usize,
}

impl KeyBlock {
    pub(crate) fn derive(p: SuiteParams, ms: &MasterSecret, cr: &[u8; 32], sr: &[u8; 32]) -> Self {
        let (k, i) = (p.aead.key_len(), p.aead.iv_len());
        let mut block = [0u8; 2 * (32 + 12)];
        let block = &mut block[..2 * (k + i)];
        crypto::prf(p.hash, ms, b"key expansion", &[sr, cr], block);
        let mut kb = Self {
            client_key: [0; 32],
            server_key: [0; 32],
            client_iv: [0; 12],
            server_iv: [0; 12],
            key_len: k,
            iv_len: i,
        };
        kb.client_key[..k].copy_from_slice(&block[..k]);
        kb.server_key[..k].copy_from_slice(&block[k..2 * k]);
        kb.client_iv[..i].copy_from_slice(&block[2 * k..2 * k + i]);
        kb.server_iv[..i].copy_from_slice(&block[2 * k + i..]);
        kb
    }

    /// (our write cipher, our read cipher).
    pub(crate) fn ciphers(&self, aead: AeadAlg, is_client: bool) -> (RecordCipher, RecordCipher) {
        let c = RecordCipher::new(
            aead,
            &self.client_key[..self.key_len],
            &self.client_iv[..self.iv_len],
        );
        let s = RecordCipher::new(
            aead,
            &self.server_key[..self.key_len],
            &self.server_iv[..self.iv_len],
        );
        if is_client { (c, s) } else { (s, c) }
    }
}

/// RFC 5246 §7.4.9 `verify_data` (12 bytes).
pub(crate) fn finished(
    hash: HashAlg,
    ms: &MasterSecret,
    client: bool,
    transcript_hash: &[u8],
) -> [u8; 12] {
    let label: &[u8] = if client {
        b"client finished"
    } else {
        b"server finished"
    };
    let mut out = [0u8; 12];
    crypto::prf(hash, ms, label, &[transcript_hash], &mut out);
    out
}

/// RFC 5705 §4 exporter without context: `PRF(ms, label, client_random + server_random)`.
pub(crate) fn export(
    hash: HashAlg,
    ms: &MasterSecret,
    label: &[u8],
    cr: &[u8; 32],
    sr: &[u8; 32],
    out: &mut [u8],
) {
    crypto::prf(hash, ms, label, &[cr, sr], out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vectors() -> Value {
        let s = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../vectors/dtls/tls12_prf.json"
        ))
        .unwrap();
        serde_json::from_str(&s).unwrap()
    }

    fn h(v: &Value, k: &str) -> Vec<u8> {
        hex::decode(v[k].as_str().unwrap_or_else(|| panic!("missing {k}"))).unwrap()
    }

    fn find<'a>(all: &'a Value, name: &str) -> &'a Value {
        all["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap()
    }

    #[test]
    fn rfc5246_5_prf_known_answers() {
        let all = vectors();
        let mut n = 0;
        for v in all["vectors"].as_array().unwrap() {
            let alg = match v["hash"].as_str() {
                Some("SHA256") => HashAlg::Sha256,
                Some("SHA384") => HashAlg::Sha384,
                Some("SHA512") => continue, // no SHA-512 PRF suite in DTLS 1.2 for WebRTC
                _ => continue,
            };
            let mut out = vec![0u8; v["output_len"].as_u64().unwrap() as usize];
            crypto::prf(
                alg,
                &h(v, "secret"),
                v["label_ascii"].as_str().unwrap().as_bytes(),
                &[&h(v, "seed")],
                &mut out,
            );
            assert_eq!(
                hex::encode(&out),
                v["output"].as_str().unwrap(),
                "{}",
                v["name"]
            );
            n += 1;
        }
        assert_eq!(n, 2);
    }

    #[test]
    fn rfc5246_8_1_ulfheim_key_schedule_and_finished() {
        let all = vectors();
        let v = find(&all, "tls12_full_key_schedule_x25519_ulfheim");
        let sk: [u8; 32] = h(v, "x25519_private_key").try_into().unwrap();
        let peer: [u8; 32] = h(v, "x25519_peer_public_key").try_into().unwrap();
        let pms = x25519_dalek::x25519(sk, peer);
        assert_eq!(pms.to_vec(), h(v, "pre_master_secret"));
        let cr: [u8; 32] = h(v, "client_random").try_into().unwrap();
        let sr: [u8; 32] = h(v, "server_random").try_into().unwrap();
        let ms = master_secret(HashAlg::Sha256, &pms, &cr, &sr);
        assert_eq!(ms.to_vec(), h(v, "master_secret"));
        let p = SuiteParams::of(CipherSuite::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256).unwrap();
        let kb = KeyBlock::derive(p, &ms, &cr, &sr);
        assert_eq!(kb.client_key[..16].to_vec(), h(v, "client_write_key"));
        assert_eq!(kb.server_key[..16].to_vec(), h(v, "server_write_key"));
        assert_eq!(kb.client_iv[..4].to_vec(), h(v, "client_write_iv"));
        assert_eq!(kb.server_iv[..4].to_vec(), h(v, "server_write_iv"));
        let msgs = &v["handshake_messages_hex"];
        let mut transcript = Vec::new();
        for k in [
            "clientHello",
            "serverHello",
            "serverCertificate",
            "serverKeyExchange",
            "serverHelloDone",
            "clientKeyExchange",
        ] {
            transcript.extend(h(msgs, k));
        }
        let vd = finished(
            HashAlg::Sha256,
            &ms,
            true,
            crypto::hash(HashAlg::Sha256, &transcript).as_slice(),
        );
        assert_eq!(vd.to_vec(), h(v, "client_finished_verify_data"));
    }

    #[test]
    fn rfc5705_exporter_dtls_srtp() {
        let all = vectors();
        let v = find(&all, "dtls_srtp_exporter_computed_from_ulfheim_master");
        let ms: MasterSecret = h(v, "master_secret").try_into().unwrap();
        let cr: [u8; 32] = h(v, "client_random").try_into().unwrap();
        let sr: [u8; 32] = h(v, "server_random").try_into().unwrap();
        let mut out = vec![0u8; v["length"].as_u64().unwrap() as usize];
        export(
            HashAlg::Sha256,
            &ms,
            v["label_ascii"].as_str().unwrap().as_bytes(),
            &cr,
            &sr,
            &mut out,
        );
        assert_eq!(hex::encode(&out), v["keying_material"].as_str().unwrap());
        assert_eq!(out[..16].to_vec(), h(v, "client_write_srtp_master_key"));
        assert_eq!(out[32..46].to_vec(), h(v, "client_write_srtp_master_salt"));
    }
}
