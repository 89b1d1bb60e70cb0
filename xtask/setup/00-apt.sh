#!/usr/bin/env bash
# Debian packages the tests run against. Each later script names its packages in
# APT_PACKAGES-style lists here, so one `apt-get update` serves all.
#   coturn: the real STUN/TURN server for strata-stun's interop tests.
set -euo pipefail
packages=(coturn)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: need root to apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
# The package enables a system service on some images; our tests start their own server.
systemctl disable --now coturn >/dev/null 2>&1 || true
