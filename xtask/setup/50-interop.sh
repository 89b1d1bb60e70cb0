#!/usr/bin/env bash
# Interop against real stacks (`cargo xtask interop`): headless Chromium (apt) and aiortc (PyPI).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to apt-get install chromium" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium
fi
if ! python3 -c 'import aiortc, sys; sys.exit(aiortc.__version__ != "1.16.0")' >/dev/null 2>&1; then
  if ! python3 -m pip --version >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends python3-pip
  fi
  # Debian's own python3 is "externally managed" (PEP 668): then install beside it anyway.
  python3 -m pip install -q aiortc==1.16.0 ||
    python3 -m pip install -q --break-system-packages aiortc==1.16.0
fi
