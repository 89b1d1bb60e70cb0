#!/usr/bin/env bash
# Interop against GStreamer webrtcbin (`interop/gstreamer/peer.py`, run by `cargo xtask interop`):
# Debian's GStreamer 1.22 with libnice, driven from Debian's own /usr/bin/python3 through
# PyGObject (python3-gi), not from a pyenv/venv python, which has no `gi`.
# Elements used: webrtcbin, nicesrc/nicesink (libnice), opusenc/opusdec, vp8enc/vp8dec,
# rtpopuspay/depay, rtpvp8pay/depay, audiotestsrc, videotestsrc. openssl makes the ECDSA
# certificate `peer.py --ecdsa` gives webrtcbin (by default it keeps its own RSA one). coturn: the TURN cell of interop/extra_cells.py
# (`cargo xtask interop` runs only the *-interop*.sh scripts, not 00-apt.sh).
set -euo pipefail
packages=(
  gstreamer1.0-plugins-base   # audiotestsrc, videotestsrc, opus, videoconvert
  gstreamer1.0-plugins-good   # rtp payloaders, vpx, rtpbin
  gstreamer1.0-plugins-bad    # webrtcbin, dtls, srtp, sctp
  gstreamer1.0-nice           # libnice ICE elements
  python3-gi
  python3-gst-1.0
  gir1.2-gst-plugins-bad-1.0  # GstWebRTC introspection data
  gir1.2-gst-plugins-base-1.0 # GstSdp introspection data
  openssl
  coturn
)
. "$(dirname "$0")/lib/apt.sh"
apt_install "${packages[@]}"
disable_coturn_service
