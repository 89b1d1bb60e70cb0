//! Property tests: round trips for every profile, and no input that panics.

use proptest::prelude::*;
use strata_srtp::{Config, Context, Profile};

fn ctx(profile: Profile, key: u8, mki: &[u8]) -> Context {
    let config = Config {
        mki: mki.to_vec(),
        ..Config::default()
    };
    Context::new(
        profile,
        &vec![key; profile.master_key_len()],
        &vec![key ^ 0x5a; profile.master_salt_len()],
        config,
    )
    .unwrap()
}

fn profile() -> impl Strategy<Value = Profile> {
    proptest::sample::select(Profile::ALL.to_vec())
}

/// The parts of an RTP packet other than SSRC and sequence number.
#[derive(Debug, Clone)]
struct Parts {
    ext_words: Option<usize>,
    csrcs: Vec<u32>,
    marker_pt: u8,
    ts: u32,
    payload: Vec<u8>,
}

prop_compose! {
    /// Random CSRCs, optional extension, payload.
    fn rtp_packet()(
        csrcs in proptest::collection::vec(any::<u32>(), 0..4),
        ext_words in proptest::option::of(0usize..3),
        marker_pt in any::<u8>(),
        ts in any::<u32>(),
        payload in proptest::collection::vec(any::<u8>(), 0..300),
    ) -> Parts {
        Parts { ext_words, csrcs, marker_pt, ts, payload }
    }
}

fn build(ssrc: u32, seq: u16, parts: &Parts) -> Vec<u8> {
    let x = if parts.ext_words.is_some() { 0x10 } else { 0 };
    let mut p = vec![0x80 | x | parts.csrcs.len() as u8, parts.marker_pt];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&parts.ts.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    for c in &parts.csrcs {
        p.extend_from_slice(&c.to_be_bytes());
    }
    if let Some(words) = parts.ext_words {
        p.extend_from_slice(&[0xbe, 0xde, 0, words as u8]);
        p.extend(std::iter::repeat_n(0x42, 4 * words));
    }
    p.extend_from_slice(&parts.payload);
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn srtp_round_trip(
        profile in profile(),
        ssrc in any::<u32>(),
        start in any::<u16>(),
        steps in proptest::collection::vec(1u16..200, 1..20),
        parts in rtp_packet(),
        mki in proptest::collection::vec(any::<u8>(), 0..5),
        cryptex in any::<bool>(),
        hdr_ids in proptest::collection::vec(1u8..16, 0..3),
    ) {
        let config = Config {
            mki: mki.clone(),
            cryptex,
            encrypted_header_extensions: hdr_ids,
            ..Config::default()
        };
        let key = vec![3; profile.master_key_len()];
        let salt = vec![3 ^ 0x5a; profile.master_salt_len()];
        let mut tx = Context::new(profile, &key, &salt, config.clone()).unwrap();
        let mut rx = Context::new(profile, &key, &salt, config).unwrap();
        // RFC 9335 §5.1: with cryptex, CSRCs alone get an (empty) extension.
        let grows = cryptex && parts.ext_words.is_none() && !parts.csrcs.is_empty()
            && !matches!(profile, Profile::NullHmacSha1_80 | Profile::NullHmacSha1_32 | Profile::NullNull);
        let mut seq = start;
        for s in steps {
            let plain = build(ssrc, seq, &parts);
            let mut p = plain.clone();
            tx.protect_rtp(&mut p).unwrap();
            let overhead = profile.rtp_tag_len() + mki.len() + if grows { 4 } else { 0 };
            prop_assert_eq!(p.len(), plain.len() + overhead);
            rx.unprotect_rtp(&mut p).unwrap();
            let mut want = plain.clone();
            if grows {
                want[0] |= 0x10;
                let at = 12 + 4 * parts.csrcs.len();
                want.splice(at..at, [0xbe, 0xde, 0, 0]);
            }
            prop_assert_eq!(&p, &want);
            seq = seq.wrapping_add(s);
        }
        prop_assert_eq!(rx.received_index(ssrc), tx.sent_index(ssrc));
    }

    #[test]
    fn srtcp_round_trip(
        profile in profile(),
        ssrc in any::<u32>(),
        body in proptest::collection::vec(any::<u8>(), 0..200),
        n in 1usize..10,
        encrypt in any::<bool>(),
    ) {
        let config = Config { encrypt_rtcp: encrypt, ..Config::default() };
        let key = vec![9; profile.master_key_len()];
        let salt = vec![8; profile.master_salt_len()];
        let mut tx = Context::new(profile, &key, &salt, config).unwrap();
        let mut rx = Context::new(profile, &key, &salt, Config::default()).unwrap();
        for _ in 0..n {
            let mut plain = vec![0x81, 201, 0, 0];
            plain.extend_from_slice(&ssrc.to_be_bytes());
            plain.extend_from_slice(&body);
            let mut p = plain.clone();
            tx.protect_rtcp(&mut p).unwrap();
            rx.unprotect_rtcp(&mut p).unwrap();
            prop_assert_eq!(&p, &plain);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        profile in profile(),
        bytes in proptest::collection::vec(any::<u8>(), 0..200),
        mki in proptest::collection::vec(any::<u8>(), 0..3),
        cryptex in any::<bool>(),
    ) {
        let config = Config { mki, cryptex, ..Config::default() };
        let key = vec![1; profile.master_key_len()];
        let salt = vec![2; profile.master_salt_len()];
        let mut c = Context::new(profile, &key, &salt, config).unwrap();
        let mut b = bytes.clone();
        let _ = c.unprotect_rtp(&mut b);
        let mut b = bytes.clone();
        let _ = c.unprotect_rtcp(&mut b);
        let mut b = bytes.clone();
        let _ = c.protect_rtp(&mut b);
        let mut b = bytes.clone();
        let _ = c.protect_rtcp(&mut b);
        let mut b = bytes.clone();
        let _ = c.unprotect_rtp_slice(&mut b);
        let mut b = bytes.clone();
        let len = bytes.len() / 2;
        let _ = c.protect_rtp_slice(&mut b, len);
        let _ = c.protect_rtcp_slice(&mut b, len);
        let _ = c.protect_rtcp_slice(&mut b, bytes.len() + 1);
    }

    #[test]
    fn corrupted_packets_never_authenticate(
        profile in proptest::sample::select(vec![
            Profile::AesCm128HmacSha1_80, Profile::AesCm128HmacSha1_32,
            Profile::AeadAes128Gcm, Profile::AeadAes256Gcm, Profile::NullHmacSha1_80,
        ]),
        parts in rtp_packet(),
        at in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let mut tx = ctx(profile, 3, &[]);
        let mut rx = ctx(profile, 3, &[]);
        let mut p = build(1, 7, &parts);
        tx.protect_rtp(&mut p).unwrap();
        let i = at.index(p.len());
        p[i] ^= 1 << bit;
        prop_assert!(rx.unprotect_rtp(&mut p).is_err());
        prop_assert_eq!(rx.stream_count(), 0);
    }
}
