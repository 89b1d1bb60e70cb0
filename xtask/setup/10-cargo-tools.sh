#!/usr/bin/env bash
# Cargo tools that `cargo xtask ci` calls: cargo-deny (licences, bans, advisories) and
# cargo-fuzz (fuzz targets, built on stable with RUSTC_BOOTSTRAP).
set -euo pipefail
have() { command -v "$1" >/dev/null 2>&1; }
have cargo-deny || cargo install --locked cargo-deny@0.20.2
have cargo-fuzz || cargo install --locked cargo-fuzz@0.13.2
