# Sourced by the setup scripts (`. "$(dirname "$0")/lib/apt.sh"`); not run on its own.

# apt_missing PKG...: prints the packages dpkg does not have installed, one per line.
apt_missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

# apt_install PKG...: installs whatever of PKG... is missing (one `apt-get update` first, as a
# fresh machine has no package lists). Needs root only when something is missing.
apt_install() {
  local missing
  mapfile -t missing < <(apt_missing "$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to apt-get install ${missing[*]}" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
}

# coturn's package enables a system service on some images; our tests start their own servers.
disable_coturn_service() {
  systemctl disable --now coturn >/dev/null 2>&1 || true
}
