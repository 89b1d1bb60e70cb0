#!/usr/bin/env bash
# strata-ice: its interop tests start coturn (`turnserver`) on 127.0.0.1 themselves
# (crates/ice/tests/coturn.rs). 00-apt.sh installs it too; this script keeps the ice crate's
# need explicit and is a no-op when coturn is present.
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"
apt_install coturn
disable_coturn_service
