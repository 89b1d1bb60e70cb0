#!/usr/bin/env bash
# strata-dtls: real DTLS 1.2 peers for the interop tests (both roles, loopback only).
#   openssl: `openssl s_server/s_client -dtls1_2` (OpenSSL 3).
#   gnutls-bin: `gnutls-serv --udp`, `gnutls-cli --udp`.
#   libssl-dev, pkg-config: the DTLS bench compares against OpenSSL through the `openssl` crate.
set -euo pipefail
packages=(openssl gnutls-bin libssl-dev pkg-config)
. "$(dirname "$0")/lib/apt.sh"
apt_install "${packages[@]}"
