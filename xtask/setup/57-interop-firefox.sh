#!/usr/bin/env bash
# Interop against headless Firefox ESR (the firefox cells of interop/extra_cells.py, run by
# `cargo xtask interop`): Debian's firefox-esr, driven through interop/firefox/ (a fresh profile
# with a user.js per run; the W3C WebRTC page and relay are shared with the Chromium cells).
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"
apt_install firefox-esr
