//! In-memory client <-> server handshakes with a tiny pump (no loss): the happy paths, every
//! suite and group, the security failures, and data both ways.

mod common;

use common::*;
use strata_dtls::*;

#[test]
fn full_handshake_default_config_exports_same_srtp_keys() {
    let (mut p, _) = Pair::new(|_| {}, |_| {});
    p.run_until_connected();
    let ce = p.client_events.clone();
    let se = p.server_events.clone();
    let ck = srtp_of(&ce).expect("client SRTP keys");
    let sk = srtp_of(&se).expect("server SRTP keys");
    assert_eq!(ck.material, sk.material);
    assert_eq!(ck.profile, SrtpProfileId::AEAD_AES_128_GCM);
    assert_eq!(ck.local(), sk.remote());
    assert_eq!(ck.remote(), sk.local());
    assert_eq!(ck.material.len(), 56);
    let mut a = [0u8; 60];
    let mut b = [0u8; 60];
    p.client
        .export_keying_material(SRTP_EXPORTER_LABEL, &mut a)
        .unwrap();
    p.server
        .export_keying_material(SRTP_EXPORTER_LABEL, &mut b)
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(&a[..56], &ck.material[..]);
    assert_eq!(
        p.client.cipher_suite(),
        Some(CipherSuite::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
    );
}

#[test]
fn every_suite_group_and_cookie_mode_connects_and_carries_data() {
    for suite in [
        CipherSuite::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ] {
        for group in [NamedGroup::X25519, NamedGroup::SECP256R1] {
            for cookies in [true, false] {
                let (mut p, _) = Pair::new(
                    |c| {
                        c.cipher_suites = vec![suite];
                        c.groups = vec![group];
                    },
                    |s| s.hello_verify = cookies,
                );
                p.run_until_connected();
                assert_eq!(p.server.cipher_suite(), Some(suite));
                p.client.send(b"ping").unwrap();
                p.server.send(b"pong").unwrap();
                p.pump(5);
                assert!(
                    p.server_events
                        .contains(&Event::ApplicationData(b"ping".to_vec()))
                );
                assert!(
                    p.client_events
                        .contains(&Event::ApplicationData(b"pong".to_vec()))
                );
            }
        }
    }
}

#[test]
fn rfc5764_server_picks_srtp_profile_by_its_preference() {
    let (mut p, _) = Pair::new(
        |c| {
            c.srtp_profiles = vec![
                SrtpProfileId::AES128_CM_HMAC_SHA1_80,
                SrtpProfileId::AEAD_AES_256_GCM,
                SrtpProfileId::AEAD_AES_128_GCM,
            ]
        },
        |s| {
            s.srtp_profiles = vec![
                SrtpProfileId::AEAD_AES_256_GCM,
                SrtpProfileId::AES128_CM_HMAC_SHA1_80,
            ]
        },
    );
    p.run_until_connected();
    let k = srtp_of(&p.client_events).unwrap();
    assert_eq!(k.profile, SrtpProfileId::AEAD_AES_256_GCM);
    assert_eq!(k.material.len(), 88);
    assert_eq!(k.local().0.len(), 32);
    assert_eq!(k.local().1.len(), 12);
    assert_eq!(
        p.server.srtp_profile(),
        Some(SrtpProfileId::AEAD_AES_256_GCM)
    );

    // No common profile: no use_srtp, no keying material event.
    let (mut p, _) = Pair::new(
        |c| c.srtp_profiles = vec![SrtpProfileId::AES128_CM_HMAC_SHA1_32],
        |s| s.srtp_profiles = vec![SrtpProfileId::AEAD_AES_128_GCM],
    );
    p.run_until_connected();
    assert!(srtp_of(&p.client_events).is_none());
    assert_eq!(p.client.srtp_profile(), None);
}

#[test]
fn rfc8122_wrong_fingerprint_fails_closed_with_bad_certificate() {
    // Client expects some other certificate's fingerprint.
    let other = Certificate::generate([99; 32], T_UNIX);
    let (mut p, _) = Pair::new(
        |c| c.remote_fingerprints = vec![other.fingerprint(FingerprintAlgorithm::Sha256)],
        |_| {},
    );
    p.pump(20);
    assert_eq!(p.client.error(), Some(Error::FingerprintMismatch));
    assert_eq!(
        p.server.error(),
        Some(Error::AlertReceived(AlertDescription::BAD_CERTIFICATE))
    );
    assert!(
        !p.client_events
            .iter()
            .any(|e| matches!(e, Event::Connected { .. }))
    );
    assert!(
        !p.server_events
            .iter()
            .any(|e| matches!(e, Event::Connected { .. }))
    );
    assert!(p.client.send(b"x").is_err());

    // Server side mismatch.
    let (mut p, _) = Pair::new(
        |_| {},
        |s| s.remote_fingerprints = vec![other.fingerprint(FingerprintAlgorithm::Sha256)],
    );
    p.pump(20);
    assert_eq!(p.server.error(), Some(Error::FingerprintMismatch));
    assert_eq!(
        p.client.error(),
        Some(Error::AlertReceived(AlertDescription::BAD_CERTIFICATE))
    );

    // No fingerprint at all: also fails closed.
    let (mut p, _) = Pair::new(|c| c.remote_fingerprints.clear(), |_| {});
    p.pump(20);
    assert_eq!(p.client.error(), Some(Error::FingerprintMismatch));
}

#[test]
fn sha512_and_sha1_fingerprints_are_accepted() {
    let (mut p, _) = Pair::new(|_| {}, |_| {});
    let der = p.server_cert.der().to_vec();
    let _ = der;
    p.run_until_connected();
    let (mut p, _) = Pair::with_fingerprint_alg(FingerprintAlgorithm::Sha512);
    p.run_until_connected();
    let (mut p, _) = Pair::with_fingerprint_alg(FingerprintAlgorithm::Sha1);
    p.run_until_connected();
}

#[test]
fn rfc7627_missing_extended_master_secret_is_refused() {
    // A hand-built ClientHello without extended_master_secret.
    let mut server = server_with(|s| s.hello_verify = false);
    let ch = client_hello_bytes(false);
    let err = server.handle_packet(t0(), &ch).unwrap_err();
    assert_eq!(err, Error::ExtendedMasterSecretRequired);
    let alert = drain(&mut server, t0());
    assert_eq!(alert.len(), 1);
    // Plaintext fatal handshake_failure alert.
    assert_eq!(&alert[0][13..], &[2, 40]);
    // Sticky.
    assert_eq!(
        server.handle_packet(t0(), &client_hello_bytes(true)),
        Err(err)
    );
}

#[test]
fn tampered_finished_fails_with_decrypt_error_or_is_dropped() {
    // Flip a byte in the client's encrypted Finished record: the AEAD drops it (RFC 6347
    // §4.1.2.7), so the handshake does not complete from it and nothing panics.
    let (mut p, _) = Pair::new(|_| {}, |s| s.hello_verify = false);
    // Flight 1 -> server; flight 4 -> client.
    p.deliver_client_to_server(|_| true);
    p.deliver_server_to_client(|_| true);
    // Flight 5: tamper with the last byte of the datagram (Finished is the last record).
    let mut dgrams = drain(&mut p.client, p.now);
    for d in &mut dgrams {
        let n = d.len();
        d[n - 1] ^= 0x55;
        let _ = p.server.handle_packet(p.now, d);
    }
    assert!(p.server.is_handshaking());
    assert!(p.server.stats().bad_mac >= 1);
    // A Finished that decrypts but carries the wrong verify_data is fatal decrypt_error:
    // that needs the keys, so it is checked in the unit tests of the state machine.
}

#[test]
fn replayed_application_record_is_dropped() {
    let (mut p, _) = Pair::new(|_| {}, |_| {});
    p.run_until_connected();
    p.client.send(b"once").unwrap();
    let d = drain(&mut p.client, p.now);
    assert_eq!(d.len(), 1);
    p.server.handle_packet(p.now, &d[0]).unwrap();
    p.server.handle_packet(p.now, &d[0]).unwrap();
    let data: Vec<_> = std::iter::from_fn(|| p.server.poll_event())
        .filter(|e| matches!(e, Event::ApplicationData(_)))
        .collect();
    assert_eq!(data.len(), 1);
    assert_eq!(p.server.stats().replayed, 1);
}

#[test]
fn close_notify_both_ways() {
    let (mut p, _) = Pair::new(|_| {}, |_| {});
    p.run_until_connected();
    p.client.close();
    p.pump(3);
    assert!(p.server_events.contains(&Event::Closed));
    assert!(p.server.send(b"late").is_err());
    assert!(p.client.send(b"late").is_err());
}

#[test]
fn data_before_connected_is_refused() {
    let mut c = client_with(|_| {});
    assert_eq!(c.send(b"x"), Err(Error::NotConnected));
}

#[test]
fn garbage_datagrams_never_fail_a_connection() {
    let (mut p, _) = Pair::new(|_| {}, |_| {});
    let junk: [&[u8]; 5] = [
        &[],
        &[22],
        &[23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 1, 0, 3, 1, 2, 3],
        &[22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 1, 2],
        &[21, 0xfe, 0xfd, 0, 5, 0, 0, 0, 0, 0, 1, 0, 2, 2, 40],
    ];
    for j in junk {
        p.server.handle_packet(p.now, j).unwrap();
        p.client.handle_packet(p.now, j).unwrap();
    }
    p.run_until_connected();
}

#[test]
fn mtu_300_fragments_every_datagram_under_the_limit() {
    let (mut p, _) = Pair::new(|c| c.mtu = 300, |s| s.mtu = 300);
    p.max_seen = 0;
    p.run_until_connected();
    assert!(p.max_seen <= 300, "max datagram {}", p.max_seen);
    assert!(p.datagrams > 8);
}

#[test]
fn keylog_line_has_nss_format() {
    let (mut p, _) = Pair::new(|c| c.key_log = true, |_| {});
    p.run_until_connected();
    let line = p
        .client_events
        .iter()
        .find_map(|e| match e {
            Event::KeyLog(l) => Some(l.clone()),
            _ => None,
        })
        .unwrap();
    let parts: Vec<_> = line.split(' ').collect();
    assert_eq!(parts[0], "CLIENT_RANDOM");
    assert_eq!(parts[1].len(), 64);
    assert_eq!(parts[2].len(), 96);
}

#[test]
fn fingerprints_set_after_construction_are_used() {
    let (a, b) = certs();
    let (mut p, _) = Pair::new(
        |c| c.remote_fingerprints.clear(),
        |s| s.remote_fingerprints.clear(),
    );
    p.client
        .set_remote_fingerprints(vec![b.fingerprint(FingerprintAlgorithm::Sha256)]);
    p.server
        .set_remote_fingerprints(vec![a.fingerprint(FingerprintAlgorithm::Sha256)]);
    p.run_until_connected();
}

#[test]
fn fresh_server_accepts_a_client_hello_after_a_cookie_exchange_elsewhere() {
    // The client did its cookie exchange with a server instance that is gone; a new one
    // (cookies off) gets ClientHello with message_seq 1 and must still answer.
    let (mut p, _) = Pair::new(|_| {}, |s| s.hello_verify = true);
    p.deliver_client_to_server(|_| true); // CH1 -> HVR
    p.deliver_server_to_client(|_| true); // HVR -> CH2 (message_seq 1)
    p.server = server_with(|s| s.hello_verify = false);
    p.run_until_connected();
}

#[test]
fn rfc6347_4_2_4_retransmission_timer_doubles_from_the_configured_initial_value() {
    use std::time::Duration;
    let mut c = client_with(|c| {
        c.initial_rto = Duration::from_millis(250);
        c.max_rto = Duration::from_millis(1000);
        c.max_retransmissions = 4;
    });
    let first = drain(&mut c, t0());
    assert_eq!(first.len(), 1);
    let mut at = t0() + Duration::from_millis(250);
    assert_eq!(c.poll_timeout(), Some(at));
    // Early or repeated timeouts do nothing.
    c.handle_timeout(at - Duration::from_millis(1));
    assert!(drain(&mut c, at).is_empty());
    let mut expected_gap = [500u64, 1000, 1000, 1000].into_iter();
    for _ in 0..4 {
        c.handle_timeout(at);
        let again = drain(&mut c, at);
        assert_eq!(again.len(), 1);
        // Same ClientHello body, fresh record sequence number.
        assert_eq!(again[0][13..], first[0][13..]);
        assert_ne!(again[0][3..11], first[0][3..11]);
        at += Duration::from_millis(expected_gap.next().unwrap());
        assert_eq!(c.poll_timeout(), Some(at));
    }
    c.handle_timeout(at);
    assert_eq!(c.error(), Some(Error::HandshakeTimeout));
    assert_eq!(c.poll_timeout(), None);
    // Time going backwards is clamped, not a panic.
    c.handle_timeout(t0());
}

/// A ServerHello body: DTLS version, suite, and raw extension block entries.
fn server_hello(version: [u8; 2], suite: u16, ext: &[u8]) -> Vec<u8> {
    let mut b = version.to_vec();
    b.extend_from_slice(&[9; 32]);
    b.push(0);
    b.extend_from_slice(&suite.to_be_bytes());
    b.push(0);
    b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    b.extend_from_slice(ext);
    handshake_record(2, 0, &b)
}

#[test]
fn rfc5246_7_2_2_fatal_errors_send_the_right_alert_and_stick() {
    const EMS: &[u8] = &[0, 23, 0, 0];
    let cases: Vec<(Vec<u8>, Error, u8)> = vec![
        (
            server_hello([0xfe, 0xfd], 0xc013, EMS),
            Error::IllegalParameter("cipher suite not offered"),
            47,
        ),
        (
            server_hello([0xfe, 0xff], 0xc02b, EMS),
            Error::ProtocolVersion,
            70,
        ),
        (
            server_hello([0xfe, 0xfd], 0xc02b, &[]),
            Error::ExtendedMasterSecretRequired,
            40,
        ),
        (
            server_hello([0xfe, 0xfd], 0xc02b, &[0, 23, 0, 0, 0x12, 0x34, 0, 0]),
            Error::UnsupportedExtension,
            110,
        ),
        (
            // A ServerHelloDone where the ServerHello must come.
            handshake_record(14, 0, &[]),
            Error::UnexpectedMessage,
            10,
        ),
        (
            // A ServerHello whose body is cut short.
            handshake_record(2, 0, &[0xfe, 0xfd, 1, 2]),
            Error::Decode(DecodeError::Truncated),
            50,
        ),
    ];
    for (datagram, err, alert) in cases {
        let mut c = client_with(|_| {});
        drain(&mut c, t0());
        assert_eq!(c.handle_packet(t0(), &datagram), Err(err));
        let out = drain(&mut c, t0());
        assert_eq!(out.len(), 1, "{err:?}");
        assert_eq!(&out[0][13..], &[2, alert], "{err:?}");
        // Sticky: the same error again, nothing more sent, no timer.
        assert_eq!(c.handle_packet(t0(), &datagram), Err(err));
        assert!(drain(&mut c, t0()).is_empty());
        assert_eq!(c.poll_timeout(), None);
        assert_eq!(c.send(b"x"), Err(err));
    }
    // A server receiving a ServerHello.
    let mut s = server_with(|s| s.hello_verify = false);
    assert_eq!(
        s.handle_packet(t0(), &server_hello([0xfe, 0xfd], 0xc02b, EMS)),
        Err(Error::UnexpectedMessage)
    );
}

/// Pumps both ways for a few rounds, letting `c2s` / `s2c` rewrite each datagram.
fn pump_mutating(
    p: &mut Pair,
    mut c2s: impl FnMut(&mut Vec<u8>),
    mut s2c: impl FnMut(&mut Vec<u8>),
) {
    for _ in 0..6 {
        for mut d in drain(&mut p.client, p.now) {
            c2s(&mut d);
            let _ = p.server.handle_packet(p.now, &d);
        }
        for mut d in drain(&mut p.server, p.now) {
            s2c(&mut d);
            let _ = p.client.handle_packet(p.now, &d);
        }
    }
}

/// Rewrites the two bytes at `at` of every unfragmented-start handshake message of type `t`.
fn rewrite(
    t: u8,
    at: impl Fn(&[u8]) -> usize,
    from: [u8; 2],
    to: [u8; 2],
) -> impl FnMut(&mut Vec<u8>) {
    move |d| {
        for_each_fragment(d, |ty, off, _, body| {
            if ty == t && off == 0 {
                let i = at(body);
                assert_eq!(body[i..i + 2], from, "message {t} field as expected");
                body[i..i + 2].copy_from_slice(&to);
            }
        })
    }
}

#[test]
fn client_hello_offers_ecdhe_rsa_suites_after_ecdsa_and_rsa_signature_schemes() {
    let mut c = client_with(|_| {});
    let mut d = drain(&mut c, t0()).remove(0);
    let mut seen = false;
    for_each_fragment(&mut d, |t, _, _, body| {
        let Ok(handshake::HandshakeMessage::ClientHello(ch)) =
            handshake::HandshakeMessage::parse(handshake::HandshakeType(t), body)
        else {
            return;
        };
        let suites: Vec<u16> = ch.cipher_suites.iter().map(|s| s.0).collect();
        assert_eq!(suites, [0xc02b, 0xc02c, 0xcca9, 0xc02f, 0xc030, 0xcca8]);
        let schemes = ch
            .extensions
            .iter()
            .find_map(|e| match e {
                extension::Extension::SignatureAlgorithms(s) => Some(s.clone()),
                _ => None,
            })
            .unwrap();
        for s in [0x0403, 0x0804, 0x0401, 0x0501] {
            assert!(schemes.contains(&SignatureScheme(s)), "{s:#06x} offered");
        }
        seen = true;
    });
    assert!(seen);
}

#[test]
fn rfc5246_7_4_4_certificate_request_accepts_rsa_clients() {
    let mut c = client_with(|_| {});
    let mut s = server_with(|s| s.hello_verify = false);
    for d in drain(&mut c, t0()) {
        s.handle_packet(t0(), &d).unwrap();
    }
    let mut seen = false;
    for mut d in drain(&mut s, t0()) {
        for_each_fragment(&mut d, |t, _, _, body| {
            if let Ok(handshake::HandshakeMessage::CertificateRequest(cr)) =
                handshake::HandshakeMessage::parse(handshake::HandshakeType(t), body)
            {
                assert!(cr.certificate_types.contains(&64) && cr.certificate_types.contains(&1));
                for sc in [0x0403, 0x0804, 0x0401, 0x0501] {
                    assert!(
                        cr.schemes.contains(&SignatureScheme(sc)),
                        "{sc:#06x} listed"
                    );
                }
                seen = true;
            }
        });
    }
    assert!(seen, "a CertificateRequest was sent");
}

#[test]
fn server_with_an_ecdsa_certificate_never_selects_an_ecdhe_rsa_suite() {
    let (mut p, _) = Pair::new(
        |c| {
            c.cipher_suites = vec![
                CipherSuite::ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                CipherSuite::ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            ]
        },
        |s| s.hello_verify = false,
    );
    p.pump(3);
    assert_eq!(p.server.error(), Some(Error::NoCommon("cipher suite")));
    assert_eq!(
        p.client.error(),
        Some(Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE))
    );
}

#[test]
fn rfc5246_7_4_2_ecdsa_certificate_under_an_ecdhe_rsa_suite_is_refused() {
    let (mut p, _) = Pair::new(|_| {}, |_| {});
    // The server's ServerHello announces ECDHE_RSA_WITH_AES_128_GCM_SHA256 instead.
    let sh = rewrite(2, |b| 35 + b[34] as usize, [0xc0, 0x2b], [0xc0, 0x2f]);
    pump_mutating(&mut p, |_| {}, sh);
    assert_eq!(
        p.client.error(),
        Some(Error::UnsupportedCertificate(
            "key type does not match the cipher suite"
        ))
    );
    assert!(!p.server.is_connected());
}

#[test]
fn rfc5246_7_4_3_server_key_exchange_scheme_must_fit_the_key_and_be_offered() {
    for (to, err) in [
        // An RSA scheme with the server's P-256 key.
        (
            [4, 1],
            Error::IllegalParameter("signature scheme does not match the certificate key"),
        ),
        (
            [8, 4],
            Error::IllegalParameter("signature scheme does not match the certificate key"),
        ),
        // ed25519: not offered.
        (
            [8, 7],
            Error::IllegalParameter("signature scheme not offered"),
        ),
    ] {
        let (mut p, _) = Pair::new(|_| {}, |_| {});
        let ske = rewrite(12, |b| 4 + b[3] as usize, [4, 3], to);
        pump_mutating(&mut p, |_| {}, ske);
        assert_eq!(p.client.error(), Some(err), "{to:?}");
    }
}

#[test]
fn rfc5246_7_4_8_certificate_verify_scheme_must_fit_the_client_key() {
    let (mut p, _) = Pair::new(|_| {}, |_| {});
    let cv = rewrite(15, |_| 0, [4, 3], [8, 4]);
    pump_mutating(&mut p, cv, |_| {});
    assert_eq!(
        p.server.error(),
        Some(Error::IllegalParameter(
            "signature scheme does not match the certificate key"
        ))
    );
}
