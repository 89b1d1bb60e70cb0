//! strata-srtp: unprotect arbitrary bytes under a fixed key (never panics), then drive a
//! sender/receiver pair with fuzz-chosen sequence numbers, delivery order and bit flips:
//! whatever authenticates must be exactly what was sent, and nothing is accepted twice.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use strata_srtp::{Config, Context, Profile};

#[derive(Debug, Arbitrary)]
struct Input {
    profile: u8,
    raw: Vec<u8>,
    seq_start: u16,
    steps: Vec<u16>,
    deliveries: Vec<(u8, Option<(u16, u8)>)>,
}

fuzz_target!(|input: Input| {
    let profile = Profile::ALL[usize::from(input.profile & 0x3f) % Profile::ALL.len()];
    let key = vec![0x42; profile.master_key_len()];
    let salt = vec![0x24; profile.master_salt_len()];
    let config = Config {
        max_streams: 4,
        cryptex: input.profile & 0x80 != 0,
        encrypted_header_extensions: if input.profile & 0x40 != 0 {
            vec![1]
        } else {
            vec![]
        },
        ..Config::default()
    };
    let mut rx = Context::new(profile, &key, &salt, config.clone()).unwrap();
    let mut tx = Context::new(profile, &key, &salt, config).unwrap();

    let mut b = input.raw.clone();
    let _ = rx.unprotect_rtp(&mut b);
    let mut b = input.raw.clone();
    let _ = rx.unprotect_rtcp(&mut b);

    let mut sent = Vec::new();
    let mut seq = input.seq_start;
    for step in input.steps.iter().take(64) {
        let mut p = vec![0x80, 96];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 7]);
        if step & 1 != 0 {
            // A one-byte header extension, for cryptex.
            p[0] |= 0x10;
            p.extend_from_slice(&[0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0]);
        }
        p.extend_from_slice(&step.to_be_bytes());
        let plain = p.clone();
        if tx.protect_rtp(&mut p).is_ok() {
            sent.push((plain, p));
        }
        seq = seq.wrapping_add(*step % 0x4000);
    }
    if sent.is_empty() {
        return;
    }
    let mut accepted = vec![false; sent.len()];
    for (pick, flip) in input.deliveries.iter().take(256) {
        let i = usize::from(*pick) % sent.len();
        let mut p = sent[i].1.clone();
        if let Some((at, bit)) = flip {
            let at = usize::from(*at) % p.len();
            p[at] ^= 1 << (bit % 8);
        }
        if rx.unprotect_rtp(&mut p).is_ok() && profile != Profile::NullNull {
            assert_eq!(
                p, sent[i].0,
                "authenticated packet differs from what was sent"
            );
            assert!(!accepted[i], "replayed packet accepted");
            accepted[i] = true;
        }
    }
});
