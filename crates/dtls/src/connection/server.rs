//! The server side of the handshake: cookie, negotiation, and the server flight
//! (RFC 5246 §7.3, RFC 6347 §4.2.1).

use super::*;

impl Connection {
    pub(super) fn cookie_for(&self, ch: &ClientHello<'_>) -> [u8; COOKIE_LEN] {
        let mac = crypto::hmac_sha256(&self.hs_ref().cookie_secret, &[&ch.random, ch.session_id]);
        let mut c = [0u8; COOKIE_LEN];
        c.copy_from_slice(&mac[..COOKIE_LEN]);
        c
    }

    pub(super) fn on_client_hello(
        &mut self,
        now: Instant,
        m: &Message,
        ch: &ClientHello<'_>,
    ) -> Result<(), Error> {
        // DTLS versions count down: 0xfefd (1.2) or lower (1.3's legacy_version is 1.2 too).
        if ch.version.0 > ProtocolVersion::DTLS_1_2.0 {
            return Err(Error::ProtocolVersion);
        }
        if self.cfg.hello_verify {
            let cookie = self.cookie_for(ch);
            if !crypto::ct_eq(ch.cookie, &cookie) {
                // RFC 6347 §4.2.1: stateless reply; the ClientHello is not hashed.
                self.begin_flight();
                let hs = self.hs_mut();
                hs.send_seq = m.seq;
                self.add_message(
                    Epoch(0),
                    &HandshakeMessage::HelloVerifyRequest(HelloVerifyRequest {
                        version: ProtocolVersion::DTLS_1_0,
                        cookie: &cookie,
                    }),
                    false,
                );
                return self.send_flight(now, false);
            }
        }
        self.begin_flight();
        let params = self
            .cfg
            .cipher_suites
            .iter()
            .filter(|s| ch.cipher_suites.contains(s))
            .filter_map(|s| SuiteParams::of(*s))
            // Our certificate is ECDSA: never an ECDHE_RSA suite (RFC 8422 §2).
            .find(|p| p.auth == keys::Auth::Ecdsa)
            .ok_or(Error::NoCommon("cipher suite"))?;
        if !ch.compression_methods.contains(&0) {
            return Err(Error::IllegalParameter("no null compression"));
        }
        let mut groups: &[NamedGroup] = &[NamedGroup::SECP256R1];
        let mut schemes_ok = false;
        let mut ems = false;
        let mut srtp = None;
        let mut reneg = ch
            .cipher_suites
            .contains(&CipherSuite::EMPTY_RENEGOTIATION_INFO_SCSV);
        for e in &ch.extensions {
            match e {
                Extension::SupportedGroups(g) => groups = g,
                Extension::SignatureAlgorithms(s) => {
                    schemes_ok = s.contains(&SignatureScheme::ECDSA_SECP256R1_SHA256)
                }
                Extension::ExtendedMasterSecret => ems = true,
                Extension::EcPointFormats(f) if !f.contains(&0) => {
                    return Err(Error::IllegalParameter("ec_point_formats"));
                }
                Extension::RenegotiationInfo(v) => {
                    // RFC 5746 §3.6: must be empty in an initial handshake.
                    if !v.is_empty() {
                        return Err(Error::NoCommon("renegotiation_info"));
                    }
                    reneg = true;
                }
                Extension::UseSrtp { profiles, .. } => {
                    srtp = self
                        .cfg
                        .srtp_profiles
                        .iter()
                        .find(|p| profiles.contains(p))
                        .copied();
                }
                _ => {}
            }
        }
        let group = *self
            .cfg
            .groups
            .iter()
            .find(|g| groups.contains(g))
            .ok_or(Error::NoCommon("group"))?;
        if !schemes_ok {
            return Err(Error::NoCommon("signature scheme"));
        }
        if !ems {
            return Err(Error::ExtendedMasterSecretRequired);
        }
        self.params = Some(params);
        self.srtp_profile = srtp;
        self.client_random = ch.random;
        self.server_random = self.rng.array();
        let eph = EphemeralKey::generate(group, &mut self.rng)
            .ok_or(Error::Internal("group not supported"))?;
        let public = eph.public();
        {
            let hs = self.hs_mut();
            hs.secure_renegotiation = reneg;
            // Our message_seq follows the ClientHello's (RFC 6347 §4.2.2).
            hs.send_seq = m.seq;
            hs.eph = Some(eph);
        }
        self.hash_in(m);

        let mut ext = Vec::new();
        if reneg {
            ext.push(Extension::RenegotiationInfo(&[]));
        }
        ext.push(Extension::ExtendedMasterSecret);
        ext.push(Extension::EcPointFormats(&[0]));
        if let Some(p) = srtp {
            ext.push(Extension::UseSrtp {
                profiles: vec![p],
                mki: &[],
            });
        }
        let sr = self.server_random;
        self.add_message(
            Epoch(0),
            &HandshakeMessage::ServerHello(ServerHello {
                version: ProtocolVersion::DTLS_1_2,
                random: sr,
                session_id: &[],
                cipher_suite: params.suite,
                compression_method: 0,
                extensions: ext,
            }),
            true,
        );
        let der = self.cfg.certificate.der().to_vec();
        self.add_message(Epoch(0), &HandshakeMessage::Certificate(vec![&der]), true);
        let mut signed = Vec::with_capacity(64 + 4 + public.len());
        signed.extend_from_slice(&self.client_random);
        signed.extend_from_slice(&self.server_random);
        handshake::params(&mut signed, group, &public);
        let sig = self.cfg.certificate.signing_key().sign(&signed);
        self.add_message(
            Epoch(0),
            &HandshakeMessage::ServerKeyExchange(ServerKeyExchange {
                group,
                public: &public,
                scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
                signature: &sig,
            }),
            true,
        );
        let require = self.cfg.require_client_certificate;
        if require {
            self.add_message(
                Epoch(0),
                &HandshakeMessage::CertificateRequest(CertificateRequest {
                    // RFC 5246 §7.4.4: RSA clients too (GStreamer, older OpenSSL stacks).
                    certificate_types: &[ECDSA_SIGN, RSA_SIGN],
                    schemes: cert::VERIFY_SCHEMES.to_vec(),
                    authorities: &[],
                }),
                true,
            );
        }
        self.add_message(Epoch(0), &HandshakeMessage::ServerHelloDone, true);
        self.hs_mut().cert_requested = require;
        self.set_state(if require {
            HsState::ServerWaitCertificate
        } else {
            HsState::ServerWaitKeyExchange
        });
        self.send_flight(now, true)
    }
}
