//! Stream state: ROC across the 16-bit wrap with reordering, replay protection, stream bound,
//! and errors that leave the context unchanged.

use strata_srtp::{Config, Context, Error, PacketIndex, Profile};

const KEY: [u8; 32] = [0x11; 32];
const SALT: [u8; 14] = [0x22; 14];

fn ctx(profile: Profile, config: Config) -> Context {
    Context::new(
        profile,
        &KEY[..profile.master_key_len()],
        &SALT[..profile.master_salt_len()],
        config,
    )
    .unwrap()
}

fn rtp(ssrc: u32, seq: u16, payload_len: usize) -> Vec<u8> {
    let mut p = Vec::with_capacity(12 + payload_len + 32);
    p.extend_from_slice(&[0x80, 0x60]);
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&u32::from(seq).wrapping_mul(960).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend((0..payload_len).map(|i| (i as u8) ^ (seq as u8)));
    p
}

fn rtcp(ssrc: u32, n: u8) -> Vec<u8> {
    let mut p = vec![0x80, 200, 0, 6];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend(std::iter::repeat_n(n, 20));
    p
}

const MAIN: [Profile; 4] = [
    Profile::AesCm128HmacSha1_80,
    Profile::AesCm128HmacSha1_32,
    Profile::AeadAes128Gcm,
    Profile::AeadAes256Gcm,
];

/// Protects `seqs` in order with one sender, giving (seq, plaintext, srtp).
fn send(
    tx: &mut Context,
    ssrc: u32,
    seqs: impl IntoIterator<Item = u16>,
) -> Vec<(u16, Vec<u8>, Vec<u8>)> {
    seqs.into_iter()
        .map(|s| {
            let plain = rtp(ssrc, s, 40);
            let mut p = plain.clone();
            tx.protect_rtp(&mut p).unwrap();
            (s, plain, p)
        })
        .collect()
}

#[test]
fn roc_across_wrap_with_reordering() {
    for profile in Profile::ALL {
        let mut tx = ctx(profile, Config::default());
        let mut rx = ctx(profile, Config::default());
        let seqs: Vec<u16> = (65500..=65535).chain(0..40).collect();
        let pkts = send(&mut tx, 7, seqs);
        assert_eq!(tx.sent_index(7), Some(PacketIndex::new(1, 39)));
        // Deliver in a reordered pattern that straddles the wrap: pairs swapped, and a few
        // pre-wrap packets arriving after post-wrap ones.
        let mut order: Vec<usize> = (0..pkts.len()).collect();
        for pair in order.chunks_mut(2) {
            pair.reverse();
        }
        order.swap(33, 38); // seq 65533 after seq 2
        order.swap(35, 41);
        for &i in &order {
            let (seq, plain, srtp) = &pkts[i];
            let mut p = srtp.clone();
            rx.unprotect_rtp(&mut p)
                .unwrap_or_else(|e| panic!("{profile:?} seq {seq}: {e}"));
            assert_eq!(&p, plain);
        }
        assert_eq!(
            rx.received_index(7),
            Some(PacketIndex::new(1, 39)),
            "{profile:?}"
        );
        // Every one of them is now a replay.
        for (_, _, srtp) in &pkts {
            let mut p = srtp.clone();
            assert_eq!(rx.unprotect_rtp(&mut p), Err(Error::Replay));
        }
    }
}

#[test]
fn long_stream_crosses_several_wraps() {
    let mut tx = ctx(Profile::AeadAes128Gcm, Config::default());
    let mut rx = ctx(Profile::AeadAes128Gcm, Config::default());
    let mut seq = 60000u16;
    for _ in 0..(3 * 65536 + 100) / 97 {
        // Step by 97 (< 2^15): the receiver can follow.
        let plain = rtp(9, seq, 8);
        let mut p = plain.clone();
        tx.protect_rtp(&mut p).unwrap();
        rx.unprotect_rtp(&mut p).unwrap();
        assert_eq!(p, plain);
        seq = seq.wrapping_add(97);
    }
    assert_eq!(rx.received_index(9), tx.sent_index(9));
    assert!(rx.received_index(9).unwrap().roc() >= 3);
}

#[test]
fn replay_duplicate_too_old_and_reordered_inside_window() {
    for profile in MAIN {
        let mut tx = ctx(profile, Config::default());
        let mut rx = ctx(profile, Config::default());
        let pkts = send(&mut tx, 1, 1000..1300);
        let deliver = |rx: &mut Context, i: usize| {
            let mut p = pkts[i].2.clone();
            rx.unprotect_rtp(&mut p)
        };
        assert_eq!(deliver(&mut rx, 200), Ok(()));
        assert_eq!(deliver(&mut rx, 200), Err(Error::Replay), "duplicate");
        assert_eq!(deliver(&mut rx, 150), Ok(()), "reordered inside the window");
        assert_eq!(deliver(&mut rx, 150), Err(Error::Replay));
        assert_eq!(deliver(&mut rx, 200 - 127), Ok(()), "oldest in the window");
        assert_eq!(
            deliver(&mut rx, 200 - 128),
            Err(Error::TooOld),
            "just outside"
        );
        assert_eq!(deliver(&mut rx, 0), Err(Error::TooOld));
        assert_eq!(deliver(&mut rx, 299), Ok(()));
        assert_eq!(deliver(&mut rx, 200), Err(Error::Replay));
        assert_eq!(deliver(&mut rx, 160), Err(Error::TooOld));
    }
}

#[test]
fn replay_window_of_1024() {
    let config = Config {
        replay_window: 1024,
        ..Config::default()
    };
    let mut tx = ctx(Profile::AesCm128HmacSha1_80, config.clone());
    let mut rx = ctx(Profile::AesCm128HmacSha1_80, config);
    let pkts = send(&mut tx, 1, 0..2000);
    let mut p = pkts[1999].2.clone();
    rx.unprotect_rtp(&mut p).unwrap();
    let mut p = pkts[1999 - 1023].2.clone();
    assert_eq!(rx.unprotect_rtp(&mut p), Ok(()));
    let mut p = pkts[1999 - 1024].2.clone();
    assert_eq!(rx.unprotect_rtp(&mut p), Err(Error::TooOld));
    assert_eq!(
        Context::new(
            Profile::AesCm128HmacSha1_80,
            &KEY[..16],
            &SALT,
            Config {
                replay_window: 32,
                ..Config::default()
            }
        )
        .err(),
        Some(Error::BadConfig)
    );
}

/// Feeds `bad` to one of two identical receivers, then the same `after` to both: every
/// result must agree, so the failed call changed nothing.
fn assert_no_state_change(
    profile: Profile,
    config: Config,
    setup: &[Vec<u8>],
    bad: Vec<u8>,
    want: Error,
    after: &[Vec<u8>],
    rtcp: bool,
) {
    let mut a = ctx(profile, config.clone());
    let mut b = ctx(profile, config);
    let run = |c: &mut Context, p: &[u8]| {
        let mut v = p.to_vec();
        let r = if rtcp {
            c.unprotect_rtcp(&mut v)
        } else {
            c.unprotect_rtp(&mut v)
        };
        r.map(|()| v)
    };
    for p in setup {
        run(&mut a, p).unwrap();
        run(&mut b, p).unwrap();
    }
    let before = (a.stream_count(), a.received_index(1));
    let mut v = bad.clone();
    let r = if rtcp {
        a.unprotect_rtcp(&mut v)
    } else {
        a.unprotect_rtp(&mut v)
    };
    assert_eq!(r.err(), Some(want), "{profile:?}");
    // AES-CM decrypts alongside the hash and re-encrypts on a bad tag: the packet must be
    // left as it arrived. (AES-GCM wipes the payload instead.)
    if !matches!(profile, Profile::AeadAes128Gcm | Profile::AeadAes256Gcm) {
        assert_eq!(v, bad, "{profile:?}: packet changed by a failed unprotect");
    }
    assert_eq!(
        (a.stream_count(), a.received_index(1)),
        before,
        "{profile:?}"
    );
    for p in after {
        assert_eq!(run(&mut a, p), run(&mut b, p), "{profile:?}");
    }
}

#[test]
fn tampered_tag_header_and_payload_fail_without_state_change() {
    for profile in MAIN {
        let mut tx = ctx(profile, Config::default());
        let pkts: Vec<Vec<u8>> = send(&mut tx, 1, 65530..=65535)
            .into_iter()
            .chain(send(&mut tx, 1, 0..6))
            .map(|p| p.2)
            .collect();
        let setup = &pkts[..2];
        let after = &pkts[2..];
        for at in [1usize, 2, 3, 7, 11, 20, pkts[8].len() - 1] {
            // Byte 1 is the payload type, 2-3 the sequence number, 11 the SSRC: header;
            // 20 is payload; the last byte is tag.
            let mut bad = pkts[8].clone();
            bad[at] ^= 0x04;
            let want = Error::AuthFailed;
            assert_no_state_change(profile, Config::default(), setup, bad, want, after, false);
        }
    }
}

#[test]
fn each_error_leaves_the_context_unchanged() {
    let profile = Profile::AesCm128HmacSha1_80;
    let mut tx = ctx(profile, Config::default());
    let pkts: Vec<Vec<u8>> = send(&mut tx, 1, 100..400)
        .into_iter()
        .map(|p| p.2)
        .collect();
    let setup = &[pkts[250].clone(), pkts[200].clone()];
    let after = &pkts[120..300];
    // Replay.
    assert_no_state_change(
        profile,
        Config::default(),
        setup,
        pkts[200].clone(),
        Error::Replay,
        after,
        false,
    );
    // Too old.
    assert_no_state_change(
        profile,
        Config::default(),
        setup,
        pkts[10].clone(),
        Error::TooOld,
        after,
        false,
    );
    // Too short.
    assert_no_state_change(
        profile,
        Config::default(),
        setup,
        pkts[251][..15].to_vec(),
        Error::TooShort,
        after,
        false,
    );
    // Bad version.
    let mut bad = pkts[251].clone();
    bad[0] = 0x40;
    assert_no_state_change(
        profile,
        Config::default(),
        setup,
        bad,
        Error::BadVersion,
        after,
        false,
    );
    // Auth failure on a packet far ahead: its forged index must not move the window.
    let mut forged = pkts[299].clone();
    forged[2] = 0x7f; // seq moves ~32000 ahead
    assert_no_state_change(
        profile,
        Config::default(),
        setup,
        forged,
        Error::AuthFailed,
        after,
        false,
    );
    // Unknown SSRC when full.
    let one = Config {
        max_streams: 1,
        ..Config::default()
    };
    let mut tx3 = ctx(profile, Config::default());
    let mut other = rtp(2, 5, 10);
    tx3.protect_rtp(&mut other).unwrap();
    assert_no_state_change(
        profile,
        one,
        setup,
        other,
        Error::TooManyStreams,
        after,
        false,
    );
}

#[test]
fn forged_first_packet_creates_no_stream() {
    for profile in MAIN {
        let mut rx = ctx(profile, Config::default());
        let mut p = rtp(5, 1, 60);
        p.extend_from_slice(&[0u8; 16]);
        assert_eq!(rx.unprotect_rtp(&mut p), Err(Error::AuthFailed));
        assert_eq!(rx.stream_count(), 0);
        let mut p = rtcp(5, 1);
        p.extend_from_slice(&[0x80, 0, 0, 0]);
        p.extend_from_slice(&[0u8; 16]);
        assert_eq!(rx.unprotect_rtcp(&mut p), Err(Error::AuthFailed));
        assert_eq!(rx.stream_count(), 0);
    }
}

#[test]
fn stream_table_is_bounded() {
    let config = Config {
        max_streams: 3,
        ..Config::default()
    };
    let mut tx = ctx(Profile::AeadAes128Gcm, Config::default());
    let mut rx = ctx(Profile::AeadAes128Gcm, config);
    for ssrc in 0..5u32 {
        let mut p = rtp(ssrc, 1, 10);
        tx.protect_rtp(&mut p).unwrap();
        let r = rx.unprotect_rtp(&mut p);
        assert_eq!(
            r.err(),
            if ssrc < 3 {
                None
            } else {
                Some(Error::TooManyStreams)
            }
        );
    }
    assert_eq!(rx.stream_count(), 3);
    assert!(rx.remove_stream(0));
    let mut p = rtp(4, 2, 10);
    tx.protect_rtp(&mut p).unwrap();
    rx.unprotect_rtp(&mut p).unwrap();
    assert_eq!(rx.stream_count(), 3);
}

#[test]
fn srtcp_index_e_bit_and_replay() {
    for profile in Profile::ALL {
        for encrypt in [true, false] {
            let config = Config {
                encrypt_rtcp: encrypt,
                ..Config::default()
            };
            let mut tx = ctx(profile, config.clone());
            let mut rx = ctx(profile, Config::default());
            let mut sent = Vec::new();
            for n in 0..5u8 {
                let plain = rtcp(3, n);
                let mut p = plain.clone();
                tx.protect_rtcp(&mut p).unwrap();
                let trailer = p.len() - profile.rtcp_tag_len() - 4;
                let at = if matches!(profile, Profile::AeadAes128Gcm | Profile::AeadAes256Gcm) {
                    p.len() - 4
                } else {
                    trailer
                };
                let word = u32::from_be_bytes(p[at..at + 4].try_into().unwrap());
                let e = encrypt
                    && !matches!(
                        profile,
                        Profile::NullHmacSha1_80 | Profile::NullHmacSha1_32 | Profile::NullNull
                    );
                assert_eq!(
                    word,
                    u32::from(n) | if e { 1 << 31 } else { 0 },
                    "{profile:?}"
                );
                if e {
                    assert_ne!(p[8..plain.len()], plain[8..]);
                } else {
                    assert_eq!(p[..plain.len()], plain[..]);
                }
                sent.push((plain, p));
            }
            for i in [1usize, 0, 4, 2] {
                let mut p = sent[i].1.clone();
                rx.unprotect_rtcp(&mut p).unwrap();
                assert_eq!(p, sent[i].0);
            }
            if profile != Profile::NullNull {
                let mut p = sent[4].1.clone();
                assert_eq!(rx.unprotect_rtcp(&mut p), Err(Error::Replay));
                // Flipping the E bit is caught by the tag.
                let mut p = sent[3].1.clone();
                let at = if matches!(profile, Profile::AeadAes128Gcm | Profile::AeadAes256Gcm) {
                    p.len() - 4
                } else {
                    p.len() - profile.rtcp_tag_len() - 4
                };
                p[at] ^= 0x80;
                assert_eq!(rx.unprotect_rtcp(&mut p), Err(Error::AuthFailed));
            }
        }
    }
}

#[test]
fn srtp_32_bit_tag_keeps_80_bit_srtcp_tag() {
    let mut tx = ctx(Profile::AesCm128HmacSha1_32, Config::default());
    let mut p = rtp(1, 1, 100);
    tx.protect_rtp(&mut p).unwrap();
    assert_eq!(p.len(), 112 + 4);
    let mut p = rtcp(1, 1);
    tx.protect_rtcp(&mut p).unwrap();
    assert_eq!(p.len(), 28 + 4 + 10);
}

#[test]
fn slice_api_and_buffer_too_small() {
    let mut tx = ctx(Profile::AeadAes128Gcm, Config::default());
    let mut rx = ctx(Profile::AeadAes128Gcm, Config::default());
    let plain = rtp(1, 1, 100);
    let mut buf = [0u8; 200];
    buf[..plain.len()].copy_from_slice(&plain);
    assert_eq!(
        tx.protect_rtp_slice(&mut buf[..plain.len() + 15], plain.len()),
        Err(Error::BufferTooSmall)
    );
    assert_eq!(tx.sent_index(1), None, "a failed protect leaves no trace");
    let n = tx.protect_rtp_slice(&mut buf, plain.len()).unwrap();
    assert_eq!(n, plain.len() + 16);
    let m = rx.unprotect_rtp_slice(&mut buf[..n]).unwrap();
    assert_eq!(buf[..m], plain[..]);
}

#[test]
fn auth_only_rtp_leaves_payload_clear() {
    let config = Config {
        encrypt_rtp: false,
        ..Config::default()
    };
    for profile in MAIN {
        let mut tx = ctx(profile, config.clone());
        let mut rx = ctx(profile, config.clone());
        let plain = rtp(1, 1, 50);
        let mut p = plain.clone();
        tx.protect_rtp(&mut p).unwrap();
        assert_eq!(p[..plain.len()], plain[..]);
        rx.unprotect_rtp(&mut p).unwrap();
        assert_eq!(p, plain);
    }
}

#[test]
fn wrong_key_lengths_are_refused() {
    for profile in Profile::ALL {
        let k = profile.master_key_len();
        let s = profile.master_salt_len();
        assert!(Context::new(profile, &KEY[..k], &SALT[..s], Config::default()).is_ok());
        assert_eq!(
            Context::new(profile, &KEY[..k - 1], &SALT[..s], Config::default()).err(),
            Some(Error::KeyLength)
        );
        assert_eq!(
            Context::new(profile, &KEY[..k], &SALT[..s - 1], Config::default()).err(),
            Some(Error::KeyLength)
        );
    }
}

#[test]
fn cryptex_appends_empty_extension_when_only_csrcs() {
    // RFC 9335 §5.1: CSRCs without an extension get an empty 0xC0DE extension.
    for profile in MAIN {
        let config = Config {
            cryptex: true,
            ..Config::default()
        };
        let mut tx = ctx(profile, config.clone());
        let mut rx = ctx(profile, config);
        let mut plain = vec![0x82, 0x60, 0, 5, 0, 0, 0, 1, 0, 0, 0, 9];
        plain.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]); // two CSRCs
        plain.extend_from_slice(b"payload");
        let mut p = plain.clone();
        tx.protect_rtp(&mut p).unwrap();
        assert_eq!(p.len(), plain.len() + 4 + profile.rtp_tag_len());
        assert_eq!(p[0], 0x92, "X bit set");
        assert_eq!(p[20..24], [0xc0, 0xde, 0, 0]);
        assert_ne!(p[12..20], plain[12..20], "CSRCs encrypted");
        rx.unprotect_rtp(&mut p).unwrap();
        let mut want = plain.clone();
        want[0] |= 0x10;
        want.splice(20..20, [0xbe, 0xde, 0, 0]);
        assert_eq!(p, want);
    }
}

#[test]
fn cryptex_refuses_extensions_it_cannot_mark() {
    let config = Config {
        cryptex: true,
        ..Config::default()
    };
    let mut tx = ctx(Profile::AesCm128HmacSha1_80, config);
    let mut p = vec![
        0x90, 0x60, 0, 5, 0, 0, 0, 1, 0, 0, 0, 9, 0x12, 0x34, 0, 1, 1, 2, 3, 4, 9,
    ];
    let before = p.clone();
    assert_eq!(
        tx.protect_rtp(&mut p),
        Err(Error::UnsupportedHeaderExtension)
    );
    assert_eq!(p, before);
    assert_eq!(tx.sent_index(9), None);
    // Two-byte form with non-zero appbits has no cryptex form either.
    let mut p = vec![
        0x90, 0x60, 0, 5, 0, 0, 0, 1, 0, 0, 0, 9, 0x10, 0x01, 0, 1, 1, 2, 3, 4, 9,
    ];
    assert_eq!(
        tx.protect_rtp(&mut p),
        Err(Error::UnsupportedHeaderExtension)
    );
}

#[test]
fn cryptex_receiver_also_takes_plain_packets() {
    let mut tx = ctx(Profile::AeadAes128Gcm, Config::default());
    let mut rx = ctx(
        Profile::AeadAes128Gcm,
        Config {
            cryptex: true,
            ..Config::default()
        },
    );
    let plain = vec![
        0x90, 0x60, 0, 5, 0, 0, 0, 1, 0, 0, 0, 9, 0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0, 7, 7,
    ];
    let mut p = plain.clone();
    tx.protect_rtp(&mut p).unwrap();
    assert_eq!(
        p[12..20],
        plain[12..20],
        "no cryptex: extension in the clear"
    );
    rx.unprotect_rtp(&mut p).unwrap();
    assert_eq!(p, plain);
}

#[test]
fn rfc6904_encrypts_only_selected_elements() {
    for profile in MAIN {
        let config = Config {
            encrypted_header_extensions: vec![2, 200],
            ..Config::default()
        };
        let mut tx = ctx(profile, config.clone());
        let mut rx = ctx(profile, config);
        // One-byte form: id 1 (3 bytes), id 2 (2 bytes), padding.
        let mut one = vec![0x90, 0x60, 0, 5, 0, 0, 0, 1, 0, 0, 0, 9, 0xbe, 0xde, 0, 2];
        one.extend_from_slice(&[0x12, 1, 1, 1, 0x21, 2, 2, 0]);
        one.extend_from_slice(b"pay");
        // Two-byte form: id 200 (3 bytes), id 7 (1 byte), padding.
        let mut two = vec![0x90, 0x60, 0, 6, 0, 0, 0, 1, 0, 0, 0, 9, 0x10, 0x00, 0, 3];
        two.extend_from_slice(&[200, 3, 5, 5, 5, 7, 1, 6, 0, 0, 0, 0]);
        two.extend_from_slice(b"pay");
        for (plain, clear, secret) in [(one, 16..20, 21..23), (two, 21..28, 18..21)] {
            let mut p = plain.clone();
            tx.protect_rtp(&mut p).unwrap();
            assert_eq!(
                p[clear.clone()],
                plain[clear.clone()],
                "{profile:?}: not selected"
            );
            assert_ne!(
                p[secret.clone()],
                plain[secret.clone()],
                "{profile:?}: selected"
            );
            rx.unprotect_rtp(&mut p).unwrap();
            assert_eq!(p, plain);
        }
    }
    assert_eq!(
        Context::new(
            Profile::AesCm128HmacSha1_80,
            &KEY[..16],
            &SALT,
            Config {
                encrypted_header_extensions: vec![0],
                ..Config::default()
            }
        )
        .err(),
        Some(Error::BadConfig)
    );
}

#[test]
fn rfc6904_refuses_oversized_extension_without_state_change() {
    let config = Config {
        encrypted_header_extensions: vec![1],
        ..Config::default()
    };
    let mut tx = ctx(Profile::AesCm128HmacSha1_80, config);
    let words: u16 = 600; // 2400 bytes
    let mut p = vec![0x90, 0x60, 0, 5, 0, 0, 0, 1, 0, 0, 0, 9, 0xbe, 0xde];
    p.extend_from_slice(&words.to_be_bytes());
    p.extend(std::iter::repeat_n(0, 4 * usize::from(words)));
    let before = p.clone();
    assert_eq!(
        tx.protect_rtp(&mut p),
        Err(Error::UnsupportedHeaderExtension)
    );
    assert_eq!(p, before);
    assert_eq!(tx.stream_count(), 0);
}

#[test]
fn srtcp_errors_leave_the_context_unchanged() {
    for profile in MAIN {
        let mut tx = ctx(profile, Config::default());
        let pkts: Vec<Vec<u8>> = (0..40u8)
            .map(|n| {
                let mut p = rtcp(1, n);
                tx.protect_rtcp(&mut p).unwrap();
                p
            })
            .collect();
        let setup = &[pkts[30].clone(), pkts[20].clone()];
        let after = &pkts[..];
        let c = Config::default;
        assert_no_state_change(
            profile,
            c(),
            setup,
            pkts[20].clone(),
            Error::Replay,
            after,
            true,
        );
        let mut forged = pkts[39].clone();
        let at = forged.len() - 1;
        forged[at] ^= 1;
        assert_no_state_change(profile, c(), setup, forged, Error::AuthFailed, after, true);
        // A forged index far ahead must not move the window either.
        let mut forged = pkts[31].clone();
        let idx = if matches!(profile, Profile::AeadAes128Gcm | Profile::AeadAes256Gcm) {
            forged.len() - 4
        } else {
            forged.len() - profile.rtcp_tag_len() - 4
        };
        forged[idx + 1] ^= 0x40;
        assert_no_state_change(profile, c(), setup, forged, Error::AuthFailed, after, true);
        assert_no_state_change(
            profile,
            c(),
            setup,
            pkts[31][..11].to_vec(),
            Error::TooShort,
            after,
            true,
        );
    }
}

#[test]
fn cryptex_is_off_for_null_ciphers() {
    // Regression (found by proptest): nothing to encrypt with, so no cryptex extension.
    let config = Config {
        cryptex: true,
        ..Config::default()
    };
    let mut tx = ctx(Profile::NullHmacSha1_80, config);
    let plain = vec![0x81, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut p = plain.clone();
    tx.protect_rtp(&mut p).unwrap();
    assert_eq!(p.len(), plain.len() + 10);
    assert_eq!(p[..plain.len()], plain[..]);
}
