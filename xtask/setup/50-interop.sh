#!/usr/bin/env bash
# Interop against real stacks (`cargo xtask interop`): headless Chromium (apt) and aiortc (PyPI).
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"
command -v chromium >/dev/null 2>&1 || apt_install chromium
if ! python3 -c 'import aiortc, sys; sys.exit(aiortc.__version__ != "1.16.0")' >/dev/null 2>&1; then
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  # Debian's own python3 is "externally managed" (PEP 668): then install beside it anyway.
  python3 -m pip install -q aiortc==1.16.0 ||
    python3 -m pip install -q --break-system-packages aiortc==1.16.0
fi
