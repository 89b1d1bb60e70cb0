//! SRTP protect/unprotect of 1200-byte RTP packets: strata-srtp against libsrtp 2.5 and
//! webrtc-rs `webrtc-srtp` (CM-80 and GCM-128; its API is synchronous, no runtime needed).
//!
//! The C side is `benches/csrc/libsrtp_timing.c`, compiled here with `cc` twice: against a
//! libsrtp built with OpenSSL (`xtask/setup/30-srtp.sh` installs it in
//! /opt/strata-libsrtp-openssl; the honest reference) and against Debian's libsrtp2 (NSS).
//! Both sides run the same loop on the same input layout (one array, packets a fixed stride
//! apart): fresh context per sample (untimed), then COUNT operations, each copying the packet
//! into the work buffer first. Samples alternate one by one between the sides; medians are
//! compared. webrtc-srtp runs the same loop in this process (its calls allocate the output
//! `Bytes`, which is part of its cost). (No FFI: the workspace forbids `unsafe`, hence a separate C process.)
//!
//! `cargo bench -p strata-benches --bench srtp` (or `cargo xtask bench srtp`).
#![allow(clippy::disallowed_methods)] // a bench reads the clock by design

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use strata_benches::{Comparison, allocations};
use strata_srtp::{Config, Context, Profile};

const SIZE: usize = 1200;
const OPENSSL_PREFIX: &str = "/opt/strata-libsrtp-openssl";

fn key(n: usize) -> Vec<u8> {
    // Same bytes as the C program: key[i] = i * 13 + 1.
    (0..n).map(|i| (i * 13 + 1) as u8).collect()
}

fn context(profile: Profile) -> Context {
    let k = key(profile.master_key_len() + profile.master_salt_len());
    let (mk, ms) = k.split_at(profile.master_key_len());
    Context::new(profile, mk, ms, Config::default()).expect("invariant: valid keys")
}

fn packet(seq: u16) -> Vec<u8> {
    let mut p: Vec<u8> = (0..SIZE).map(|i| (i * 7) as u8).collect();
    p[0] = 0x80;
    p[1] = 96;
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p[8..12].copy_from_slice(&[0xca, 0xfe, 0xba, 0xbe]);
    p
}

/// Packets laid out as the C program lays them out: one array, a fixed stride apart.
struct Inputs {
    bytes: Vec<u8>,
    lens: Vec<usize>,
}

const STRIDE: usize = SIZE + 64;

impl Inputs {
    fn new(packets: impl Iterator<Item = Vec<u8>>) -> Self {
        let mut bytes = Vec::new();
        let mut lens = Vec::new();
        for p in packets {
            lens.push(p.len());
            bytes.extend_from_slice(&p);
            bytes.resize(lens.len() * STRIDE, 0);
        }
        Inputs { bytes, lens }
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.lens
            .iter()
            .enumerate()
            .map(|(i, &n)| &self.bytes[i * STRIDE..i * STRIDE + n])
    }
}

/// One timed sample of ours: ns per operation.
fn ours_sample(profile: Profile, unprotect: bool, inputs: &Inputs) -> f64 {
    let mut ctx = context(profile);
    let mut buf = [0u8; 2048];
    let start = Instant::now();
    for p in inputs.iter() {
        buf[..p.len()].copy_from_slice(p);
        let r = if unprotect {
            ctx.unprotect_rtp_slice(&mut buf[..p.len()])
        } else {
            ctx.protect_rtp_slice(&mut buf, p.len())
        };
        std::hint::black_box(r.expect("invariant: bench packets are valid"));
    }
    start.elapsed().as_secs_f64() * 1e9 / inputs.lens.len() as f64
}

/// webrtc-srtp's profile for ours, where it is a second reference.
fn webrtc_profile(profile: Profile) -> Option<webrtc_srtp::protection_profile::ProtectionProfile> {
    use webrtc_srtp::protection_profile::ProtectionProfile as P;
    match profile {
        Profile::AesCm128HmacSha1_80 => Some(P::Aes128CmHmacSha1_80),
        Profile::AeadAes128Gcm => Some(P::AeadAes128Gcm),
        _ => None,
    }
}

/// One timed sample of webrtc-srtp, same loop as [`ours_sample`]: ns per operation.
fn webrtc_sample(
    profile: webrtc_srtp::protection_profile::ProtectionProfile,
    unprotect: bool,
    inputs: &Inputs,
) -> f64 {
    let k = key(profile.key_len() + profile.salt_len());
    let (mk, ms) = k.split_at(profile.key_len());
    // Replay window of 128, as ours (Config::default()).
    let mut ctx = webrtc_srtp::context::Context::new(
        mk,
        ms,
        profile,
        Some(webrtc_srtp::option::srtp_replay_protection(128)),
        None,
    )
    .expect("invariant: valid keys");
    let mut buf = [0u8; 2048];
    let start = Instant::now();
    for p in inputs.iter() {
        buf[..p.len()].copy_from_slice(p);
        let r = if unprotect {
            ctx.decrypt_rtp(&buf[..p.len()])
        } else {
            ctx.encrypt_rtp(&buf[..p.len()])
        };
        std::hint::black_box(r.expect("invariant: bench packets are valid"));
    }
    start.elapsed().as_secs_f64() * 1e9 / inputs.lens.len() as f64
}

fn compile(variant: &str) -> Result<PathBuf, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("csrc/libsrtp_timing.c");
    let out = std::env::temp_dir().join(format!("strata-bench-libsrtp-{variant}"));
    let mut cmd = Command::new("cc");
    cmd.args(["-O2", "-o"]).arg(&out);
    if variant == "openssl" {
        let lib = Path::new(OPENSSL_PREFIX).join("lib/libsrtp2.a");
        if !lib.exists() {
            return Err(format!(
                "{} missing: run `cargo xtask setup`",
                lib.display()
            ));
        }
        cmd.arg(format!("-I{OPENSSL_PREFIX}/include"))
            .arg(&src)
            .arg(lib)
            .arg("-lcrypto");
    } else {
        cmd.arg(&src).arg("-lsrtp2");
    }
    let status = cmd.status().map_err(|e| format!("cc: {e}"))?;
    if !status.success() {
        return Err(format!(
            "compiling {} for {variant} failed: run `cargo xtask setup`",
            src.display()
        ));
    }
    Ok(out)
}

fn c_samples(bin: &Path, profile: &str, unprotect: bool, count: usize, samples: usize) -> Vec<f64> {
    let out = Command::new(bin)
        .args([profile, if unprotect { "unprotect" } else { "protect" }])
        .args([SIZE.to_string(), count.to_string(), samples.to_string()])
        .output()
        .expect("invariant: the timing program was just built");
    assert!(
        out.status.success(),
        "libsrtp timing failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().parse().expect("invariant: one number per line"))
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::var_os("STRATA_BENCH_QUICK").is_some();
    // One sample per side per round: the sides alternate closely, so load drift on a shared
    // machine hits both alike.
    let (count, rounds, per_round) = if quick { (2000, 9, 1) } else { (10_000, 41, 1) };
    let references: Vec<(String, PathBuf)> = ["openssl", "debian"]
        .iter()
        .filter_map(|v| match compile(v) {
            Ok(p) => Some((v.to_string(), p)),
            Err(e) => {
                eprintln!("srtp bench: libsrtp ({v}) unavailable: {e}");
                None
            }
        })
        .collect();
    println!(
        "SRTP, {SIZE}-byte RTP packets, {count} packets per sample, medians of {} samples",
        rounds * per_round
    );
    // The GCM-128 goal is 1.0x in a default build and 1.4x with
    // `-C target-cpu=native`, which (on x86-64) turns on the `aes` target feature.
    let native = cfg!(target_feature = "aes");
    if native {
        println!("  (built with -C target-cpu=native or similar: GCM-128 goal 1.4x)");
    }
    let cases = [
        (
            "AES_CM_128_HMAC_SHA1_80",
            "cm128_80",
            Profile::AesCm128HmacSha1_80,
            1.15,
        ),
        (
            "AEAD_AES_128_GCM",
            "gcm128",
            Profile::AeadAes128Gcm,
            if native { 1.4 } else { 1.0 },
        ),
        ("AEAD_AES_256_GCM", "gcm256", Profile::AeadAes256Gcm, 1.0),
    ];
    for (name, c_name, profile, goal) in cases {
        // Inputs: plaintexts, and the same packets protected (by us; libsrtp's are identical).
        let plain: Vec<Vec<u8>> = (0..count).map(|i| packet(i as u16)).collect();
        let mut tx = context(profile);
        let protected: Vec<Vec<u8>> = plain
            .iter()
            .map(|p| {
                let mut q = Vec::with_capacity(p.len() + 32);
                q.extend_from_slice(p);
                tx.protect_rtp(&mut q).expect("invariant: valid packet");
                q
            })
            .collect();
        let plain_in = Inputs::new(plain.iter().cloned());
        let protected_in = Inputs::new(protected.into_iter());
        for unprotect in [false, true] {
            let op = if unprotect { "unprotect" } else { "protect" };
            let inputs = if unprotect { &protected_in } else { &plain_in };
            let webrtc = webrtc_profile(profile);
            ours_sample(profile, unprotect, inputs); // warm up
            if let Some(w) = webrtc {
                webrtc_sample(w, unprotect, inputs);
            }
            let mut ours = Vec::new();
            let mut theirs: Vec<Vec<f64>> = vec![Vec::new(); references.len()];
            let mut webrtc_rs = Vec::new();
            for _ in 0..rounds {
                for _ in 0..per_round {
                    ours.push(ours_sample(profile, unprotect, inputs));
                    if let Some(w) = webrtc {
                        webrtc_rs.push(webrtc_sample(w, unprotect, inputs));
                    }
                }
                for (i, (_, bin)) in references.iter().enumerate() {
                    theirs[i].extend(c_samples(bin, c_name, unprotect, count, per_round));
                }
            }
            let ours_ns = median(ours);
            println!(
                "  {name} {op}: ours {:.0} ns/packet = {:.0} packets/s",
                ours_ns,
                1e9 / ours_ns
            );
            for (i, (variant, _)) in references.iter().enumerate() {
                let theirs_ns = median(std::mem::take(&mut theirs[i]));
                let reference = if variant == "openssl" {
                    "libsrtp+OpenSSL"
                } else {
                    "libsrtp(Debian,NSS)"
                };
                Comparison {
                    name: format!("srtp {op} {name} 1200B"),
                    reference: reference.to_string(),
                    ours: Duration::from_secs_f64(ours_ns / 1e9),
                    theirs: Duration::from_secs_f64(theirs_ns / 1e9),
                }
                .report(if variant == "openssl" {
                    Some(goal)
                } else {
                    None
                });
                println!("    {reference}: {:.0} packets/s", 1e9 / theirs_ns);
            }
            if webrtc.is_some() {
                let theirs_ns = median(webrtc_rs);
                Comparison {
                    name: format!("srtp {op} {name} 1200B"),
                    reference: "webrtc-srtp".to_string(),
                    ours: Duration::from_secs_f64(ours_ns / 1e9),
                    theirs: Duration::from_secs_f64(theirs_ns / 1e9),
                }
                .report(None);
                println!("    webrtc-srtp: {:.0} packets/s", 1e9 / theirs_ns);
            }
        }
        // Allocations per packet, after the stream exists.
        let mut tx = context(profile);
        let mut rx = context(profile);
        let mut buf = [0u8; 2048];
        let mut total = 0;
        for (i, p) in plain.iter().take(100).enumerate() {
            buf[..p.len()].copy_from_slice(p);
            let (n, a) = allocations(|| tx.protect_rtp_slice(&mut buf, p.len()));
            let n = n.expect("invariant: valid packet");
            let (_, b) = allocations(|| rx.unprotect_rtp_slice(&mut buf[..n]));
            if i > 0 {
                total += a + b; // the first packet of a stream creates it
            }
        }
        println!(
            "  {name}: {total} allocations in 99 protect + 99 unprotect (after the first packet)"
        );
    }
}
