#!/usr/bin/env bash
# strata-ice: its interop tests start coturn (`turnserver`) on 127.0.0.1 themselves
# (crates/ice/tests/coturn.rs). 00-apt.sh installs it too; this script keeps the ice crate's
# need explicit and is a no-op when coturn is present.
set -euo pipefail
if dpkg-query -W -f='${Status}' coturn 2>/dev/null | grep -q "install ok installed"; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: need root to apt-get install coturn" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends coturn
systemctl disable --now coturn >/dev/null 2>&1 || true
