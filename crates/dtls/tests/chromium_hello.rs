//! A ClientHello shaped like Chromium 156's (INTEROP.md): DTLS 1.3 and 1.2 offered through
//! `supported_versions`, an X25519MLKEM768 key share we do not know, TLS 1.3 suites first,
//! sent in two handshake fragments. A DTLS 1.2 server must answer with a plain 1.2
//! ServerHello.

mod common;

use common::*;
use strata_dtls::extension::Extension;
use strata_dtls::handshake::{Fragment, HandshakeMessage, HandshakeType};
use strata_dtls::record::{ContentType, ProtocolVersion, Records};
use strata_dtls::*;

fn ext(out: &mut Vec<u8>, typ: u16, body: &[u8]) {
    out.extend_from_slice(&typ.to_be_bytes());
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
}

fn u16s(v: &[u16]) -> Vec<u8> {
    let mut b = ((v.len() * 2) as u16).to_be_bytes().to_vec();
    for x in v {
        b.extend_from_slice(&x.to_be_bytes());
    }
    b
}

/// The ClientHello body, in Chromium's extension order.
fn chromium_client_hello(cookie: &[u8]) -> Vec<u8> {
    let mut b = vec![0xfe, 0xfd];
    b.extend_from_slice(&[0x5a; 32]);
    b.push(0);
    b.push(cookie.len() as u8);
    b.extend_from_slice(cookie);
    b.extend_from_slice(&u16s(&[
        0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030, 0xc009, 0xc013,
        0xc00a, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
    ]));
    b.extend_from_slice(&[1, 0]);
    let mut e = Vec::new();
    ext(&mut e, 0xff01, &[0]); // renegotiation_info
    ext(&mut e, 23, &[]); // extended_master_secret
    ext(&mut e, 10, &u16s(&[0x11ec, 29, 23, 24])); // supported_groups
    ext(&mut e, 11, &[1, 0]); // ec_point_formats
    ext(
        &mut e,
        13,
        &u16s(&[
            0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
        ]),
    );
    let mut srtp = u16s(&[0x0001, 0x0008, 0x0007]);
    srtp.push(0);
    ext(&mut e, 14, &srtp); // use_srtp
    ext(&mut e, 43, &[4, 0xfe, 0xfc, 0xfe, 0xfd]); // supported_versions
    // key_share: X25519MLKEM768 (1216 bytes) and x25519 (32 bytes).
    let mut ks = Vec::new();
    ks.extend_from_slice(&0x11ecu16.to_be_bytes());
    ks.extend_from_slice(&1216u16.to_be_bytes());
    ks.extend((0..1216).map(|i| i as u8));
    ks.extend_from_slice(&29u16.to_be_bytes());
    ks.extend_from_slice(&32u16.to_be_bytes());
    ks.extend_from_slice(&[9; 32]);
    let mut ksb = (ks.len() as u16).to_be_bytes().to_vec();
    ksb.extend_from_slice(&ks);
    ext(&mut e, 51, &ksb);
    ext(&mut e, 45, &[1, 1]); // psk_key_exchange_modes
    b.extend_from_slice(&(e.len() as u16).to_be_bytes());
    b.extend_from_slice(&e);
    b
}

/// Two datagrams, each one record with one fragment (record version DTLS 1.0 as BoringSSL).
fn fragmented(body: &[u8], seq: u16, rec_seq: u8) -> Vec<Vec<u8>> {
    let split = body.len() / 2 + 100;
    let mut out = Vec::new();
    for (i, (off, part)) in [(0, &body[..split]), (split, &body[split..])]
        .into_iter()
        .enumerate()
    {
        let len = body.len() as u32;
        let mut hs = vec![1];
        hs.extend_from_slice(&len.to_be_bytes()[1..]);
        hs.extend_from_slice(&seq.to_be_bytes());
        hs.extend_from_slice(&(off as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(&(part.len() as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(part);
        let mut rec = vec![22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, rec_seq + i as u8];
        rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        rec.extend_from_slice(&hs);
        out.push(rec);
    }
    out
}

fn server_hello_of(dgrams: &[Vec<u8>]) -> Vec<u8> {
    // Reassemble our server's ServerHello (first message, never fragmented at 1200 bytes).
    for d in dgrams {
        for r in Records::new(d).flatten() {
            if r.content_type == ContentType::HANDSHAKE {
                let f = Fragment::new_checked(r.fragment).unwrap();
                if f.msg_type() == HandshakeType::SERVER_HELLO {
                    assert_eq!(f.fragment_length(), f.length());
                    return f.body().to_vec();
                }
            }
        }
    }
    panic!("no ServerHello")
}

fn check_server_hello(sh_body: &[u8]) {
    let m = HandshakeMessage::parse(HandshakeType::SERVER_HELLO, sh_body).unwrap();
    let HandshakeMessage::ServerHello(sh) = m else {
        panic!()
    };
    assert_eq!(sh.version, ProtocolVersion::DTLS_1_2);
    assert_eq!(
        sh.cipher_suite,
        CipherSuite::ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    );
    // Server preference (AEAD_AES_128_GCM first in our default) among the offered profiles.
    assert!(sh.extensions.contains(&Extension::UseSrtp {
        profiles: vec![SrtpProfileId::AEAD_AES_128_GCM],
        mki: &[]
    }));
    assert!(sh.extensions.contains(&Extension::ExtendedMasterSecret));
    assert!(sh.extensions.contains(&Extension::RenegotiationInfo(&[])));
    // Nothing of TLS 1.3 comes back.
    assert!(
        sh.extensions
            .iter()
            .all(|e| !matches!(e, Extension::Unknown { .. }))
    );
}

#[test]
fn chromium_dtls13_client_hello_negotiates_dtls12_without_cookie() {
    let body = chromium_client_hello(&[]);
    assert!(body.len() > 1300, "Chromium's hello is about 1.4 kB");
    let mut server = server_with(|s| s.hello_verify = false);
    for d in fragmented(&body, 0, 0) {
        server.handle_packet(t0(), &d).unwrap();
    }
    let out = drain(&mut server, t0());
    check_server_hello(&server_hello_of(&out));
    // The key exchange uses x25519 (the first group we both know), not the hybrid.
    let ske = out
        .iter()
        .flat_map(|d| {
            Records::new(d)
                .flatten()
                .map(|r| r.fragment.to_vec())
                .collect::<Vec<_>>()
        })
        .find(|f| f.first() == Some(&12))
        .expect("ServerKeyExchange unfragmented");
    let f = Fragment::new_checked(&ske[..]).unwrap();
    let m = HandshakeMessage::parse(HandshakeType::SERVER_KEY_EXCHANGE, f.body()).unwrap();
    let HandshakeMessage::ServerKeyExchange(k) = m else {
        panic!()
    };
    assert_eq!(k.group, NamedGroup::X25519);
    assert!(server.error().is_none());
}

#[test]
fn chromium_dtls13_client_hello_negotiates_dtls12_with_cookie() {
    let mut server = server_with(|s| s.hello_verify = true);
    for d in fragmented(&chromium_client_hello(&[]), 0, 0) {
        server.handle_packet(t0(), &d).unwrap();
    }
    let out = drain(&mut server, t0());
    assert_eq!(out.len(), 1);
    let r = Records::new(&out[0]).next().unwrap().unwrap();
    let f = Fragment::new_checked(r.fragment).unwrap();
    let HandshakeMessage::HelloVerifyRequest(hvr) =
        HandshakeMessage::parse(f.msg_type(), f.body()).unwrap()
    else {
        panic!("expected HelloVerifyRequest")
    };
    for d in fragmented(&chromium_client_hello(hvr.cookie), 1, 2) {
        server.handle_packet(t0(), &d).unwrap();
    }
    let out = drain(&mut server, t0());
    check_server_hello(&server_hello_of(&out));
}

#[test]
fn dtls13_only_hello_without_common_suite_fails_with_handshake_failure() {
    // Only TLS 1.3 suites: nothing a 1.2 server can pick.
    let mut body = chromium_client_hello(&[]);
    // Cipher suites start after version(2) random(32) sid(1) cookie(1): length then list.
    let at = 36;
    let n = u16::from_be_bytes([body[at], body[at + 1]]) as usize;
    for i in 0..n / 2 {
        if i >= 3 {
            body[at + 2 + 2 * i..at + 4 + 2 * i].copy_from_slice(&[0x13, 0x01]);
        }
    }
    let mut server = server_with(|s| s.hello_verify = false);
    let mut last = Ok(());
    for d in fragmented(&body, 0, 0) {
        last = server.handle_packet(t0(), &d);
    }
    assert_eq!(last, Err(Error::NoCommon("cipher suite")));
    let out = drain(&mut server, t0());
    assert_eq!(&out.last().unwrap()[13..], &[2, 40]);
}

#[test]
fn endpoint_answers_a_fragmented_chromium_hello_statelessly_then_accepts_it() {
    let (a, b) = certs();
    let mut cfg = Config::new(b)
        .with_remote_fingerprints(vec![a.fingerprint(FingerprintAlgorithm::Sha256)])
        .with_seed([8; 32]);
    cfg.hello_verify = true;
    let mut ep = Endpoint::new(cfg, 4);
    let from: std::net::SocketAddr = "192.0.2.1:5000".parse().unwrap();
    let mut buf = Vec::new();
    // First hello, two fragments: the first gets a HelloVerifyRequest, the second is dropped.
    for d in fragmented(&chromium_client_hello(&[]), 0, 0) {
        ep.handle_packet(t0(), from, &d).unwrap();
    }
    assert_eq!(ep.connections(), 0);
    assert_eq!(ep.stats().hello_verify_sent, 1);
    assert_eq!(ep.stats().dropped, 1);
    let (to, _) = ep.poll_transmit(t0(), &mut buf).unwrap();
    assert_eq!(to, from);
    let r = Records::new(&buf).next().unwrap().unwrap();
    let f = Fragment::new_checked(r.fragment).unwrap();
    assert_eq!(f.message_seq(), 0);
    let HandshakeMessage::HelloVerifyRequest(hvr) =
        HandshakeMessage::parse(f.msg_type(), f.body()).unwrap()
    else {
        panic!("expected HelloVerifyRequest")
    };
    // Second hello with the cookie, again in two fragments, message_seq 1.
    for d in fragmented(&chromium_client_hello(hvr.cookie), 1, 2) {
        ep.handle_packet(t0(), from, &d).unwrap();
    }
    assert_eq!(ep.connections(), 1);
    let mut out = Vec::new();
    while let Some((to, _)) = ep.poll_transmit(t0(), &mut buf) {
        assert_eq!(to, from);
        out.push(buf.clone());
    }
    check_server_hello(&server_hello_of(&out));
}
