#!/usr/bin/env bash
# Debian packages the tests run against. Each later script names its packages in
# APT_PACKAGES-style lists here, so one `apt-get update` serves all.
#   coturn: the real STUN/TURN server for strata-stun's interop tests.
set -euo pipefail
packages=(coturn)
. "$(dirname "$0")/lib/apt.sh"
apt_install "${packages[@]}"
disable_coturn_service
