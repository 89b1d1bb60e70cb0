//! `cargo xtask <command>`: the project's automation, in Rust so it runs wherever cargo does.
//!
//! - `setup`: installs what the tests need (runs every `xtask/setup/*.sh`; idempotent).
//! - `ci`: setup, then fmt check, clippy `-D warnings`, the tests (inside a loopback-only network
//!   namespace when the machine allows one), the doc build, cargo-deny, the fuzz seed corpora and
//!   `interop`.
//! - `test`: the tests only, as `ci` runs them.
//! - `fuzz <target> [--secs N]` and `fuzz-all [--secs N]`: cargo-fuzz on stable (see `fuzz`).
//! - `interop`: data-channel echo (1000 x 1 KiB and one 256 KiB message), media and a clean
//!   close against headless Chromium, aiortc, libwebrtc, werift, libdatachannel (and whatever
//!   `interop/extra_cells.py` adds), both directions, plus each stack's echo rate against
//!   itself, in a loopback-only namespace; writes `target/interop/results.md`.
//! - `stun-demo`: starts coturn on 127.0.0.1:3478 and asks it for our reflexive address with
//!   the `stun-client` example of strata-stun.
//! - `vectors`: refreshes `vectors/` (the conformance vectors the tests read) from `../shared/vectors`.
//! - `bench [filter]`: every side-by-side bench in `benches/`, summarised in
//!   `target/bench/summary.md`.
#![allow(clippy::disallowed_methods)] // a tool, not a protocol crate

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let root = project_root();
    env::set_current_dir(&root).expect("invariant: the workspace root exists");
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup(),
        Some("ci") => ci(),
        Some("test") => test(&args[1..]),
        Some("fuzz") => match args.get(1) {
            Some(target) => secs(&args[2..]).and_then(|s| fuzz(target, s)),
            None => Err("usage: cargo xtask fuzz <target> [--secs N]".into()),
        },
        Some("fuzz-all") => fuzz_targets().and_then(|targets| {
            let secs = secs(&args[1..])?;
            targets.iter().try_for_each(|t| fuzz(t, secs))
        }),
        Some("bench") => bench(args.get(1).map(String::as_str)),
        Some("vectors") => vectors(),
        Some("stun-demo") => stun_demo(),
        Some("interop") => interop(&args[1..]),
        _ => Err(
            "usage: cargo xtask <setup | ci | test | fuzz <target> [--secs N] | fuzz-all [--secs N] | bench [filter] | vectors | stun-demo | interop [--messages N] [--size B] [--only CELL,..]>"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("invariant: xtask lives one level below the root")
        .to_path_buf()
}

fn secs(args: &[String]) -> Result<u64> {
    match args {
        [] => Ok(60),
        [flag, n] if flag == "--secs" => n.parse().map_err(|_| format!("bad --secs value {n}")),
        _ => Err(format!("unexpected arguments {args:?}")),
    }
}

fn run(cmd: &mut Command) -> Result {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.status().map_err(|e| format!("{cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed: {status}"))
    }
}

fn cargo() -> Command {
    Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs each `xtask/setup/*.sh` in name order. Each script checks before it installs.
fn setup() -> Result {
    let mut scripts: Vec<PathBuf> = fs::read_dir("xtask/setup")
        .map_err(|e| format!("xtask/setup: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .collect();
    scripts.sort();
    for s in scripts {
        run(Command::new("bash").arg(&s))?;
    }
    Ok(())
}

fn ci() -> Result {
    setup()?;
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    test(&[])?;
    run(cargo()
        .args(["doc", "--workspace", "--no-deps", "--locked"])
        .env("RUSTDOCFLAGS", "-D warnings"))?;
    deny()?;
    fuzz_check()?;
    interop(&[])?;
    eprintln!("xtask: ci passed");
    Ok(())
}

/// Builds every test first (the registries are reachable here), then runs them inside a network
/// namespace whose only interface is `lo`, so a test can never reach beyond loopback. Where the
/// machine refuses a namespace (no CAP_SYS_ADMIN), the tests run in the host namespace; they
/// only ever bind and send to 127.0.0.1 themselves.
fn test(extra: &[String]) -> Result {
    run(cargo().args(["test", "--workspace", "--locked", "--no-run"]))?;
    let isolated = Command::new("unshare")
        .args(["--net", "true"])
        .status()
        .is_ok_and(|s| s.success());
    let mut cmd = if isolated {
        let mut c = Command::new("unshare");
        c.args([
            "--net",
            "sh",
            "-c",
            "ip link set lo up && exec \"$@\"",
            "sh",
        ]);
        c.arg(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        c
    } else {
        eprintln!("xtask: no network namespace available; tests run on the host's loopback");
        cargo()
    };
    cmd.args(["test", "--workspace", "--locked", "--offline"]);
    if !extra.is_empty() {
        cmd.arg("--").args(extra);
    }
    run(&mut cmd)
}

/// Licences, bans and sources always; advisories when the advisory database can be fetched
/// (it lives outside the package registries, so an offline machine skips it and says so).
fn deny() -> Result {
    run(cargo().args(["deny", "--locked", "check", "bans", "licenses", "sources"]))?;
    if run(cargo().args(["deny", "--locked", "check", "advisories"])).is_err() {
        eprintln!(
            "xtask: WARNING: cargo deny advisories could not run (no advisory database reachable); skipped"
        );
    }
    Ok(())
}

/// The fuzz targets build, and each replays its committed seed corpus (with libFuzzer's
/// `-runs=0`-like pass through the checked-in inputs) so a target that crashes on a seed fails CI.
fn fuzz_check() -> Result {
    for target in fuzz_targets()? {
        let corpus = format!("corpus/{target}");
        run(fuzz_cmd()
            .args(["run", &target, &corpus, "--", "-runs=0"])
            .current_dir("fuzz"))?;
    }
    Ok(())
}

/// cargo-fuzz needs nightly flags (`-Z sanitizer`); this machine has one stable toolchain, so
/// RUSTC_BOOTSTRAP lets that stable compiler accept them. Only the fuzz build sees it.
fn fuzz_cmd() -> Command {
    let mut c = cargo();
    c.arg("fuzz").env("RUSTC_BOOTSTRAP", "1");
    c
}

fn fuzz_targets() -> Result<Vec<String>> {
    let manifest =
        fs::read_to_string("fuzz/Cargo.toml").map_err(|e| format!("fuzz/Cargo.toml: {e}"))?;
    // Each target is a `[[bin]]` with `name = "..."` as its first key.
    let mut targets = Vec::new();
    let mut in_bin = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin && let Some(rest) = line.strip_prefix("name") {
            let name = rest
                .trim_start()
                .trim_start_matches('=')
                .trim()
                .trim_matches('"');
            targets.push(name.to_string());
            in_bin = false;
        }
    }
    Ok(targets)
}

fn fuzz(target: &str, secs: u64) -> Result {
    let corpus = format!("corpus/{target}");
    fs::create_dir_all(Path::new("fuzz").join(&corpus)).map_err(|e| e.to_string())?;
    run(fuzz_cmd()
        .args(["run", target, &corpus, "--"])
        .arg(format!("-max_total_time={secs}"))
        .current_dir("fuzz"))
}

/// Runs the side-by-side benches (release, one at a time) and collects their `RESULT` lines.
fn bench(filter: Option<&str>) -> Result {
    let mut cmd = cargo();
    cmd.args(["bench", "--package", "strata-benches", "--locked"]);
    if let Some(f) = filter {
        cmd.args(["--bench", f]);
    }
    eprintln!("xtask: running {cmd:?}");
    let out = cmd.output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(format!("benches failed: {}", out.status));
    }
    let mut md = String::from(
        "| bench | reference | ours (ns/op) | reference (ns/op) | ratio | goal |\n|---|---|---|---|---|---|\n",
    );
    let mut other = String::new();
    for line in stdout.lines().filter_map(|l| l.strip_prefix("RESULT ")) {
        if json_field(line, "ratio").is_none() {
            // A measurement without a side-by-side ratio (counts, times of ours alone).
            other.push_str(&format!("- `{line}`\n"));
            continue;
        }
        let field = |k: &str| json_field(line, k).unwrap_or_default();
        md.push_str(&format!(
            "| {} | {} | {} | {} | {}x | {} |\n",
            field("name"),
            field("reference"),
            field("ours_ns"),
            field("theirs_ns"),
            field("ratio"),
            field("goal")
        ));
    }
    if !other.is_empty() {
        md.push_str("\nOther measurements:\n\n");
        md.push_str(&other);
    }
    fs::create_dir_all("target/bench").map_err(|e| e.to_string())?;
    fs::write("target/bench/summary.md", &md).map_err(|e| e.to_string())?;
    println!("\n{md}\n(written to target/bench/summary.md)");
    Ok(())
}

/// Reads one scalar field of the flat JSON objects the bench harness prints.
fn json_field(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &line[start..];
    let end = if let Some(s) = rest.strip_prefix('"') {
        return s.find('"').map(|e| s[..e].to_string());
    } else {
        rest.find([',', '}'])?
    };
    Some(rest[..end].to_string())
}

/// The tests read `vectors/`, a copy of the project's shared conformance vectors kept in the
/// repository so a clone is self-contained. This refreshes the copy.
fn vectors() -> Result {
    let src = Path::new("../shared/vectors");
    if !src.is_dir() {
        return Err("../shared/vectors not found beside the repository".into());
    }
    copy_tree(src, Path::new("vectors"))?;
    eprintln!(
        "xtask: vectors/ refreshed from ../shared/vectors; review with `git diff --stat vectors`"
    );
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result {
    fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let dest = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &dest)?;
        } else {
            fs::copy(entry.path(), &dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        }
    }
    Ok(())
}

/// The main job until the full demo exists: coturn on loopback, our STUN client against it.
fn stun_demo() -> Result {
    setup()?;
    let mut server = Command::new("turnserver")
        .args([
            "-n",
            "--listening-ip=127.0.0.1",
            "--listening-port=3478",
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            "--fingerprint",
            "--log-file=stdout",
            "--simple-log",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("turnserver: {e}"))?;
    std::thread::sleep(std::time::Duration::from_millis(500));
    let result = run(cargo().args([
        "run",
        "--quiet",
        "--package",
        "strata-stun",
        "--example",
        "stun-client",
        "--",
        "127.0.0.1:3478",
    ]));
    let _ = server.kill();
    let _ = server.wait();
    result
}

/// Interop against real stacks (headless Chromium, aiortc, and through `interop/node` libwebrtc,
/// werift and libdatachannel; `interop/extra_cells.py` adds more), both directions each, driven
/// by `interop/run.py` inside a loopback-only network namespace (see `../shared/INTEROP.md`).
/// Writes `target/interop/results.md`; fails if any cell fails. Extra arguments go to `run.py`
/// (`--messages N`, `--size B`, `--only CELL,..`).
fn interop(extra: &[String]) -> Result {
    // Every interop setup script (apt, pip, npm): nothing inside the namespace reaches a registry.
    let mut scripts: Vec<PathBuf> = fs::read_dir("xtask/setup")
        .map_err(|e| format!("xtask/setup: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains("-interop") && n.ends_with(".sh"))
        })
        .collect();
    scripts.sort();
    for s in scripts {
        run(Command::new("bash").arg(&s))?;
    }
    run(cargo().args(["build", "--release", "--locked", "-p", "strata-cli"]))?;
    let target = env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let strata = fs::canonicalize(Path::new(&target).join("release/strata"))
        .map_err(|e| format!("{target}/release/strata: {e}"))?;
    fs::create_dir_all("target/interop").map_err(|e| format!("target/interop: {e}"))?;
    // Nothing inside the namespace can reach beyond 127.0.0.1; `timeout` bounds the whole run.
    run(Command::new("timeout")
        .args(["600", "unshare", "--net", "sh", "-c"])
        .arg(r#"ip link set lo up && exec "$@""#)
        .args([
            "sh",
            "python3",
            "interop/run.py",
            "--out",
            "target/interop/results.md",
        ])
        .arg("--strata")
        .arg(&strata)
        .args(extra))
}
