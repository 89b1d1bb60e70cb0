#!/usr/bin/env bash
# strata-srtp: libsrtp 2.5 as interop oracle and bench reference.
#  - Debian's libsrtp2-dev (+ a C compiler): the interop tests compile a small C program
#    against it (-lsrtp2). Required.
#  - libsrtp 2.5 rebuilt from Debian's source with --enable-openssl, installed in
#    /opt/strata-libsrtp-openssl: the bench reference (Debian's build uses NSS and is ~4x
#    slower on AES-CM). Best effort: the tests do not need it.
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"
apt_install libsrtp2-dev libssl-dev gcc libc6-dev make
prefix=${STRATA_LIBSRTP_PREFIX:-/opt/strata-libsrtp-openssl}
[ -f "$prefix/lib/libsrtp2.a" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: need root to build libsrtp with OpenSSL into $prefix" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive

build_openssl_libsrtp() {
  # `apt-get source` needs a deb-src entry for Debian's own archive.
  local src_list=/etc/apt/sources.list.d/strata-debian-src.sources
  if ! grep -rqs '^Types: deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    # Mirror the machine's own first Debian source stanza as deb-src: the same archive
    # apt already uses, whatever it is.
    local main=/etc/apt/sources.list.d/debian.sources
    if [ -f "$main" ]; then
      awk 'BEGIN{RS=""; ORS="\n"} NR==1' "$main" | sed 's/^Types: deb$/Types: deb-src/' > "$src_list"
    elif [ -f /etc/apt/sources.list ]; then
      grep -m1 '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > "${src_list%.sources}.list"
    fi
    apt-get -o DPkg::Lock::Timeout=600 update -qq
  fi
  local work
  work=$(mktemp -d)
  # Explicit && chains: errexit does not apply inside a function called from `||`.
  local rc=0
  (cd "$work" && apt-get source -qq libsrtp2 >/dev/null 2>&1 && cd libsrtp2-*/ \
    && ./configure --prefix="$prefix" --enable-openssl >/dev/null \
    && make -j"$(nproc)" >/dev/null && make install >/dev/null) || rc=$?
  rm -rf "$work"
  return "$rc"
}
if [ ! -f "$prefix/lib/libsrtp2.a" ]; then
  build_openssl_libsrtp || echo "setup: warning: could not build libsrtp with OpenSSL in $prefix; the srtp bench will compare against Debian's libsrtp2 only" >&2
fi
