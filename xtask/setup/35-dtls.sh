#!/usr/bin/env bash
# strata-dtls: real DTLS 1.2 peers for the interop tests (both roles, loopback only).
#   openssl: `openssl s_server/s_client -dtls1_2` (OpenSSL 3).
#   gnutls-bin: `gnutls-serv --udp`, `gnutls-cli --udp`.
#   libssl-dev, pkg-config: the DTLS bench compares against OpenSSL through the `openssl` crate.
set -euo pipefail
packages=(openssl gnutls-bin libssl-dev pkg-config)
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
