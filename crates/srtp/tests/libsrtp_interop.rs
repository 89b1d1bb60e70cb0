//! Interop against libsrtp itself (Debian's libsrtp2, `cargo xtask setup` installs it): a
//! small C program linked with -lsrtp2, compiled here with `cc`, protects and unprotects
//! through the same keys. Packets cross the 16-bit sequence wrap (ROC 0 -> 1).

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;

use strata_srtp::{Config, Context, Error, PacketIndex, Profile};

const SETUP: &str = "run `cargo xtask setup` (installs libsrtp2-dev and a C compiler)";

fn oracle_binary() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/libsrtp/oracle.c");
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("strata-srtp-libsrtp-oracle");
        let status = Command::new("cc")
            .args(["-O2", "-Wall", "-o"])
            .arg(&out)
            .arg(src)
            .arg("-lsrtp2")
            .status()
            .unwrap_or_else(|e| panic!("cannot run cc: {e}; {SETUP}"));
        assert!(
            status.success(),
            "compiling the libsrtp oracle failed; {SETUP}"
        );
        out
    })
}

struct Libsrtp {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Libsrtp {
    fn start(profile: &str, key_and_salt: &[u8]) -> Self {
        Self::start_with(profile, key_and_salt, &[])
    }

    /// With RFC 6904 encryption of header extension elements `ids`.
    fn start_with(profile: &str, key_and_salt: &[u8], ids: &[u8]) -> Self {
        let mut cmd = Command::new(oracle_binary());
        cmd.arg(profile).arg(hex::encode(key_and_salt));
        if !ids.is_empty() {
            let list: Vec<String> = ids.iter().map(u8::to_string).collect();
            cmd.arg(list.join(","));
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the libsrtp oracle: {e}; {SETUP}"));
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Libsrtp {
            child,
            stdin,
            stdout,
        }
    }

    /// One request; `Ok(bytes)` or `Err(srtp_err_status_t)`.
    fn call(&mut self, op: &str, pkt: &[u8]) -> Result<Vec<u8>, i32> {
        writeln!(self.stdin, "{op} {}", hex::encode(pkt)).unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if let Some(h) = line.strip_prefix("ok ") {
            Ok(hex::decode(h).unwrap())
        } else if let Some(code) = line.strip_prefix("err ") {
            Err(code.parse().unwrap())
        } else {
            panic!("oracle said {line:?}")
        }
    }
}

impl Drop for Libsrtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const PROFILES: [(&str, Profile); 5] = [
    ("cm128_80", Profile::AesCm128HmacSha1_80),
    ("cm128_32", Profile::AesCm128HmacSha1_32),
    ("gcm128", Profile::AeadAes128Gcm),
    ("gcm256", Profile::AeadAes256Gcm),
    ("cm256_80", Profile::AesCm256HmacSha1_80),
];

/// libsrtp's `srtp_err_status_replay_fail` and `_replay_old`.
const REPLAY_FAIL: i32 = 9;
const REPLAY_OLD: i32 = 10;
const AUTH_FAIL: i32 = 7;

fn keys(profile: Profile) -> (Vec<u8>, Vec<u8>) {
    let key: Vec<u8> = (0..profile.master_key_len() as u8)
        .map(|i| i.wrapping_mul(37) ^ 0x5c)
        .collect();
    let salt: Vec<u8> = (0..profile.master_salt_len() as u8)
        .map(|i| i.wrapping_mul(11) ^ 0xa3)
        .collect();
    (key, salt)
}

fn rtp(ssrc: u32, seq: u16, len: usize) -> Vec<u8> {
    let mut p = vec![0x80, 0x6f];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 3000).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend((0..len).map(|i| (i as u8).wrapping_add(seq as u8)));
    p
}

fn rtcp(ssrc: u32, n: u8) -> Vec<u8> {
    let mut p = vec![0x80, 200, 0, 6];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend(std::iter::repeat_n(n, 20));
    p
}

/// Sequence numbers across the wrap, and a delivery order that swaps neighbours.
fn wrap_seqs() -> Vec<u16> {
    (65500..=65535).chain(0..60).collect()
}

fn reordered(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for pair in order.chunks_mut(2) {
        pair.reverse();
    }
    order.swap(34, 40);
    order
}

#[test]
fn ours_to_libsrtp_and_back_across_roc_wrap() {
    for (name, profile) in PROFILES {
        let (key, salt) = keys(profile);
        let mut lib = Libsrtp::start(name, &[key.clone(), salt.clone()].concat());
        let mut tx = Context::new(profile, &key, &salt, Config::default()).unwrap();
        let mut rx = Context::new(profile, &key, &salt, Config::default()).unwrap();
        for ssrc in [0x1234_5678u32, 0xdead_beef] {
            let plain: Vec<Vec<u8>> = wrap_seqs().iter().map(|&s| rtp(ssrc, s, 160)).collect();
            let ours: Vec<Vec<u8>> = plain
                .iter()
                .map(|p| {
                    let mut q = p.clone();
                    tx.protect_rtp(&mut q).unwrap();
                    q
                })
                .collect();
            let theirs: Vec<Vec<u8>> = plain
                .iter()
                .map(|p| lib.call("protect_rtp", p).unwrap())
                .collect();
            // Same keys, same index: the same bytes.
            assert_eq!(ours, theirs, "{name}: protected packets differ");
            for i in reordered(plain.len()) {
                let got = lib.call("unprotect_rtp", &ours[i]);
                assert_eq!(
                    got.as_ref(),
                    Ok(&plain[i]),
                    "{name}: libsrtp unprotect #{i}"
                );
                let mut q = theirs[i].clone();
                rx.unprotect_rtp(&mut q)
                    .unwrap_or_else(|e| panic!("{name}: our unprotect #{i}: {e}"));
                assert_eq!(q, plain[i], "{name}");
            }
            assert_eq!(rx.received_index(ssrc), Some(PacketIndex::new(1, 59)));
            // Both refuse a replay, and both refuse a tampered packet.
            let r = lib.call("unprotect_rtp", &ours[50]);
            assert!(matches!(r, Err(REPLAY_FAIL | REPLAY_OLD)), "{name}: {r:?}");
            let mut q = theirs[50].clone();
            assert_eq!(rx.unprotect_rtp(&mut q), Err(Error::Replay));
            let mut bad = tx_next(&mut tx, ssrc, 60);
            let mut bad2 = bad.clone();
            bad[20] ^= 1;
            assert_eq!(lib.call("unprotect_rtp", &bad), Err(AUTH_FAIL), "{name}");
            bad2[20] ^= 1;
            assert_eq!(rx.unprotect_rtp(&mut bad2), Err(Error::AuthFailed));
        }
    }
}

fn tx_next(tx: &mut Context, ssrc: u32, seq: u16) -> Vec<u8> {
    let mut p = rtp(ssrc, seq, 100);
    tx.protect_rtp(&mut p).unwrap();
    p
}

#[test]
fn srtcp_both_ways() {
    for (name, profile) in PROFILES {
        let (key, salt) = keys(profile);
        let mut lib = Libsrtp::start(name, &[key.clone(), salt.clone()].concat());
        let mut tx = Context::new(profile, &key, &salt, Config::default()).unwrap();
        let mut rx = Context::new(profile, &key, &salt, Config::default()).unwrap();
        for n in 0..20u8 {
            let plain = rtcp(0x0102_0304, n);
            let mut ours = plain.clone();
            tx.protect_rtcp(&mut ours).unwrap();
            assert_eq!(
                lib.call("unprotect_rtcp", &ours),
                Ok(plain.clone()),
                "{name} #{n}"
            );
            let mut theirs = lib.call("protect_rtcp", &plain).unwrap();
            rx.unprotect_rtcp(&mut theirs)
                .unwrap_or_else(|e| panic!("{name} #{n}: {e}"));
            assert_eq!(theirs, plain);
        }
        let plain = rtcp(0x0102_0304, 99);
        let theirs = lib.call("protect_rtcp", &plain).unwrap();
        let mut a = theirs.clone();
        rx.unprotect_rtcp(&mut a).unwrap();
        let mut a = theirs.clone();
        assert_eq!(rx.unprotect_rtcp(&mut a), Err(Error::Replay));
    }
}

#[test]
fn rfc6904_header_extension_encryption_both_ways() {
    let ids = [1u8, 3];
    for (name, profile) in PROFILES {
        let (key, salt) = keys(profile);
        let mut lib = Libsrtp::start_with(name, &[key.clone(), salt.clone()].concat(), &ids);
        let config = Config {
            encrypted_header_extensions: ids.to_vec(),
            ..Config::default()
        };
        let mut tx = Context::new(profile, &key, &salt, config.clone()).unwrap();
        let mut rx = Context::new(profile, &key, &salt, config).unwrap();
        for &seq in &[65534u16, 65535, 0, 1] {
            let mut plain = rtp(0x55, seq, 40);
            plain[0] |= 0x10;
            // One-byte extension: id 1 (4 bytes), id 2 (1 byte), id 3 (2 bytes), padding.
            let ext = [
                0xbe, 0xde, 0, 3, 0x13, 9, 8, 7, 6, 0x20, 5, 0x31, 4, 3, 0, 0,
            ];
            plain.splice(12..12, ext);
            let mut ours = plain.clone();
            tx.protect_rtp(&mut ours).unwrap();
            let theirs = lib.call("protect_rtp", &plain).unwrap();
            assert_eq!(ours, theirs, "{name} seq {seq}");
            assert_ne!(ours[17..21], plain[17..21], "{name}: id 1 encrypted");
            assert_eq!(ours[21..23], plain[21..23], "{name}: id 2 clear");
            assert_eq!(
                lib.call("unprotect_rtp", &ours),
                Ok(plain.clone()),
                "{name}"
            );
            let mut t = theirs;
            rx.unprotect_rtp(&mut t).unwrap();
            assert_eq!(t, plain);
        }
    }
}
