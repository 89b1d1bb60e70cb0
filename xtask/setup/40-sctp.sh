#!/usr/bin/env bash
# strata-sctp interop tests: usrsctp (AF_CONN, SCTP packets over UDP on loopback) and a C compiler.
set -euo pipefail
packages=(libusrsctp-dev gcc libc6-dev)
. "$(dirname "$0")/lib/apt.sh"
apt_install "${packages[@]}"
