//! The client side of the handshake (RFC 5246 §7.3, RFC 6347 §4.2.1).

use super::*;

impl Connection {
    pub(super) fn client_hello(&self, cookie: &[u8]) -> Vec<u8> {
        let mut ext = vec![
            Extension::SupportedGroups(self.cfg.groups.clone()),
            Extension::EcPointFormats(&[0]),
            Extension::SignatureAlgorithms(cert::VERIFY_SCHEMES.to_vec()),
        ];
        if !self.cfg.srtp_profiles.is_empty() {
            ext.push(Extension::UseSrtp {
                profiles: self.cfg.srtp_profiles.clone(),
                mki: &[],
            });
        }
        ext.push(Extension::ExtendedMasterSecret);
        ext.push(Extension::RenegotiationInfo(&[]));
        let mut body = Vec::new();
        HandshakeMessage::ClientHello(ClientHello {
            version: ProtocolVersion::DTLS_1_2,
            random: self.client_random,
            session_id: &[],
            cookie,
            cipher_suites: self.cfg.cipher_suites.clone(),
            compression_methods: &[0],
            extensions: ext,
        })
        .emit_body(&mut body);
        body
    }

    pub(super) fn send_client_hello(&mut self, now: Instant) {
        let cookie = self
            .hs
            .as_ref()
            .map(|h| h.cookie.clone())
            .unwrap_or_default();
        let body = self.client_hello(&cookie);
        self.begin_flight();
        let hs = self.hs.as_mut().expect("invariant: handshaking");
        let seq = hs.send_seq;
        hs.send_seq += 1;
        append_transcript(&mut hs.transcript, HandshakeType::CLIENT_HELLO, seq, &body);
        self.flight.push(FlightItem::Handshake {
            epoch: Epoch(0),
            msg_type: HandshakeType::CLIENT_HELLO,
            seq,
            body,
        });
        if let Err(e) = self.send_flight(now, true) {
            self.fail(e);
        }
    }

    pub(super) fn on_hello_verify_request(
        &mut self,
        now: Instant,
        hvr: &HelloVerifyRequest<'_>,
    ) -> Result<(), Error> {
        if hvr.cookie.len() > 255 {
            return Err(Error::IllegalParameter("cookie too long"));
        }
        let hs = self.hs_mut();
        hs.cookie = hvr.cookie.to_vec();
        // RFC 6347 §4.2.6: the first ClientHello and the HelloVerifyRequest are not hashed.
        hs.transcript.clear();
        self.send_client_hello(now);
        Ok(())
    }

    pub(super) fn on_server_hello(&mut self, sh: &ServerHello<'_>) -> Result<(), Error> {
        if sh.version != ProtocolVersion::DTLS_1_2 {
            return Err(Error::ProtocolVersion);
        }
        if !self.cfg.cipher_suites.contains(&sh.cipher_suite) {
            return Err(Error::IllegalParameter("cipher suite not offered"));
        }
        let params = SuiteParams::of(sh.cipher_suite)
            .ok_or(Error::IllegalParameter("cipher suite not offered"))?;
        if sh.compression_method != 0 {
            return Err(Error::IllegalParameter("compression"));
        }
        let mut ems = false;
        for e in &sh.extensions {
            match e {
                Extension::ExtendedMasterSecret => ems = true,
                Extension::RenegotiationInfo(v) => {
                    if !v.is_empty() {
                        return Err(Error::NoCommon("renegotiation_info"));
                    }
                }
                Extension::UseSrtp { profiles, .. } => {
                    let [p] = profiles.as_slice() else {
                        return Err(Error::IllegalParameter("use_srtp"));
                    };
                    if !self.cfg.srtp_profiles.contains(p) {
                        return Err(Error::IllegalParameter("SRTP profile not offered"));
                    }
                    self.srtp_profile = Some(*p);
                }
                Extension::EcPointFormats(f) => {
                    if !f.contains(&0) {
                        return Err(Error::IllegalParameter("ec_point_formats"));
                    }
                }
                _ => return Err(Error::UnsupportedExtension),
            }
        }
        if !ems {
            return Err(Error::ExtendedMasterSecretRequired);
        }
        self.params = Some(params);
        self.server_random = sh.random;
        Ok(())
    }

    pub(super) fn on_server_key_exchange(
        &mut self,
        ske: &ServerKeyExchange<'_>,
    ) -> Result<(), Error> {
        if !self.cfg.groups.contains(&ske.group) {
            return Err(Error::IllegalParameter("group not offered"));
        }
        let mut signed = Vec::with_capacity(64 + 4 + ske.public.len());
        signed.extend_from_slice(&self.client_random);
        signed.extend_from_slice(&self.server_random);
        ske.params(&mut signed);
        // RFC 5246 §7.4.3: signed with the certificate's key (ECDSA or RSA, matching the
        // suite: checked on the Certificate) and a scheme we offered.
        self.hs_ref()
            .peer
            .as_ref()
            .ok_or(Error::UnexpectedMessage)?
            .verify(
                ske.scheme,
                &signed,
                ske.signature,
                "ServerKeyExchange signature",
            )?;
        let eph = EphemeralKey::generate(ske.group, &mut self.rng)
            .ok_or(Error::IllegalParameter("group not offered"))?;
        let pms = eph
            .agree(ske.public)
            .map_err(|_| Error::IllegalParameter("bad ECDHE share"))?;
        let hs = self.hs_mut();
        hs.pms = pms;
        hs.eph = Some(eph);
        Ok(())
    }

    pub(super) fn send_client_final_flight(&mut self, now: Instant) -> Result<(), Error> {
        self.begin_flight();
        let requested = self.hs_ref().cert_requested;
        if requested {
            let der = self.cfg.certificate.der().to_vec();
            self.add_message(Epoch(0), &HandshakeMessage::Certificate(vec![&der]), true);
        }
        let public = self
            .hs_ref()
            .eph
            .as_ref()
            .ok_or(Error::Internal("no ephemeral key"))?
            .public();
        self.add_message(
            Epoch(0),
            &HandshakeMessage::ClientKeyExchange(&public),
            true,
        );
        self.derive_keys();
        if requested {
            let sig = self
                .cfg
                .certificate
                .signing_key()
                .sign(&self.hs_ref().transcript);
            self.add_message(
                Epoch(0),
                &HandshakeMessage::CertificateVerify(DigitallySigned {
                    scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
                    signature: &sig,
                }),
                true,
            );
        }
        self.flight.push(FlightItem::ChangeCipherSpec);
        let vd = self.finished_data(true);
        self.add_message(Epoch(1), &HandshakeMessage::Finished(&vd), true);
        self.set_state(HsState::ClientWaitFinished);
        self.send_flight(now, true)
    }
}
