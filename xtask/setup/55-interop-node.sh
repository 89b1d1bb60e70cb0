#!/usr/bin/env bash
# Interop against the Node stacks (`cargo xtask interop`): libwebrtc (@roamhq/wrtc), werift and
# libdatachannel (node-datachannel), pinned in interop/node/package-lock.json and installed into
# interop/node/node_modules (gitignored) with `npm ci`. The native stacks ship prebuilt binaries
# inside their npm packages (@roamhq/wrtc-linux-x64, @node-datachannel/linux-x64-gnu).
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"
# A node from elsewhere (NodeSource bundles npm) is kept: Debian's npm package would conflict.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi
cd "$(dirname "$0")/../../interop/node"
# Reinstall only when the lock file changed since the last install (or nothing is installed).
stamp=node_modules/.strata-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
  node -e "require('@roamhq/wrtc'); require('werift'); require('node-datachannel')" 2>/dev/null; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
node -e "require('@roamhq/wrtc'); require('werift'); require('node-datachannel')"
echo "$want" >"$stamp"
