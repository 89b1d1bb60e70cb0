"""Interop cells beyond run.py's own: GStreamer webrtcbin both ways (data, media), GStreamer
against itself (the echo rate to set strata's against), and TURN: strata relay-only through
coturn with aiortc, in both roles, each byte of the echo checked in coturn's own accounting;
headless Firefox ESR both ways (data, media) with interop/chromium/'s page and relay.

run.py appends them: `import extra_cells; CELLS += extra_cells.cells(sys.modules[__name__])`.
`h` is run.py itself; its helpers (Procs, listening, run_client, strata_answer, strata_offer,
strata_big, media_args, median_of, close_seen, strata_close, finish, free_port, BIG, SELF_RUNS)
are used as they are. Every cell returns run.py's dict (ok, connected_ms, dc_open_ms,
echo_received, echo_msgs_per_s, big, close, error, ...).
"""
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GST_PEER = os.path.join(HERE, "gstreamer", "peer.py")
AIORTC_PEER = os.path.join(HERE, "aiortc", "peer.py")
# webrtcbin is reached through PyGObject, which only Debian's own python has (python3-gi).
GST_PYTHON = "/usr/bin/python3"
TURN_USER, TURN_PASS, TURN_REALM = "test", "secret", "strata.test"


def _sizes(a):
    return ["--messages", str(a.messages), "--size", str(a.size), "--timeout", str(a.timeout)]


def _check_gst():
    """Fail with the fix in the message, not with an ImportError deep in a log."""
    cp = subprocess.run([GST_PYTHON, "-c", "import gi; gi.require_version('GstWebRTC', '1.0')"],
                        capture_output=True, text=True)
    if cp.returncode != 0:
        raise RuntimeError(f"{GST_PYTHON} has no GStreamer webrtcbin bindings: run `cargo xtask "
                           f"setup` (xtask/setup/56-interop-gstreamer.sh): {cp.stderr[-200:]}")


def _gst_answer(h, procs, name="gstreamer"):
    _check_gst()
    p = procs.start(name, [GST_PYTHON, GST_PEER, "answer", "--port", "0"],
                    stdout=subprocess.PIPE)
    return h.listening(p)


def _gst_offer(h, a, procs, url, name="client", extra=()):
    return h.run_client([GST_PYTHON, GST_PEER, "offer", "--url", url, *_sizes(a), *extra],
                        a.timeout + 5, h.log_path(a, procs, name))


def _gst_close(r):
    """How a GStreamer offerer ended its call: it closes its data channel (a stream reset, which
    strata must answer with its own: RFC 8831 §6.7) and then sends DTLS close_notify; strata
    must answer that too and end the call (checked by the caller on strata's /stats)."""
    if r.get("ok") and r.get("dc_closed_ms") is None:
        r["ok"] = False
        r["error"] = "the data channel close was not completed"


def cell_gstreamer_to_strata(h, a, procs, media=False):
    a = h.media_args(a) if media else a
    _check_gst()
    up = h.strata_answer(procs)
    r = _gst_offer(h, a, procs, f"http://{up}/offer",
                   extra=["--media"] if media else ["--big", str(h.BIG)])
    _gst_close(r)
    return h.strata_close(up, r)


def cell_strata_to_gstreamer(h, a, procs):
    """strata offers to one GStreamer answerer SELF_RUNS times (the median echo rate goes next
    to GStreamer's own), then one BIG message; the answerer must count every call closed."""
    addr = _gst_answer(h, procs)
    url = f"http://{addr}/offer"
    r = h.median_of([h.strata_offer(a, procs, url, f"client{i}") for i in range(h.SELF_RUNS)])
    r["echo_msgs_per_s"] = r.pop("median_msgs_per_s")
    r["strata_runs"] = r.pop("runs_msgs_per_s")
    r["big"] = h.strata_big(a, procs, url)
    return h.finish(r, h.close_seen(f"http://{addr}/stats", h.SELF_RUNS + 1))


def cell_strata_media_to_gstreamer(h, a, procs):
    """strata offers audio+video; webrtcbin answers sendrecv with its own Opus and VP8 (strata's
    synthetic payloads are not decodable, so it counts their RTP packets only). Counted at both
    ends: strata's media_sent/media_received, the answerer's /stats."""
    a = h.media_args(a)
    addr = _gst_answer(h, procs)
    r = h.strata_offer(a, procs, f"http://{addr}/offer", extra=["--audio", "--video"])
    time.sleep(0.3)
    m = h.get_json(f"http://{addr}/stats").get("media", {})
    r["peer_media"] = m
    r["peer_media_ok"] = m.get("audio_packets", 0) >= 50 and m.get("video_packets", 0) >= 30
    r["ok"] = bool(r.get("ok")) and r["peer_media_ok"]
    return h.finish(r, h.close_seen(f"http://{addr}/stats", 1))


def cell_gstreamer_self(h, a, procs):
    """GStreamer offers to GStreamer: the median of SELF_RUNS calls to one answerer."""
    addr = _gst_answer(h, procs)
    runs = [_gst_offer(h, a, procs, f"http://{addr}/offer", f"self{i}")
            for i in range(h.SELF_RUNS)]
    for r in runs:
        _gst_close(r)
    r = h.median_of(runs)
    r["echo_msgs_per_s"] = r["median_msgs_per_s"]
    r = h.finish(r, h.close_seen(f"http://{addr}/stats", h.SELF_RUNS))
    # No strata here: this cell measures GStreamer against itself for the rate table. Like
    # run.py's rate_cell, GStreamer's own trouble is recorded, not failed, as long as one call
    # worked (seen once in six runs: its own data-channel close not completed within 3 s).
    if not r["ok"] and any(x.get("ok") for x in runs):
        r["self_note"] = r.pop("error", None) or f"close: {r.get('close')}"
        r["ok"] = True
    return r


def _stun_ready(port, timeout=5.0):
    """Waits until a STUN Binding request to 127.0.0.1:port gets a success response."""
    req = struct.pack("!HHI12s", 0x0001, 0, 0x2112A442, os.urandom(12))
    end = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.1)
        while time.monotonic() < end:
            s.sendto(req, ("127.0.0.1", port))
            try:
                if s.recv(1500)[:2] == b"\x01\x01":
                    return
            except OSError:
                pass
    raise RuntimeError(f"coturn did not answer STUN on 127.0.0.1:{port} within {timeout} s")


def start_coturn(h, a, procs, extra=()):
    """coturn on 127.0.0.1 with long-term credentials (the command line of crates/ice/tests)."""
    port = h.free_port()
    log = h.log_path(a, procs, "turnserver-log")
    for f in (log, f"{a.logdir}/{procs.cell}.turndb"):
        if os.path.exists(f):
            os.remove(f)
    try:
        procs.start("turnserver", [
            "turnserver", "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
            f"--listening-port={port}", "--allow-loopback-peers", "--lt-cred-mech",
            "--fingerprint", f"--user={TURN_USER}:{TURN_PASS}", f"--realm={TURN_REALM}",
            "--no-tls", "--no-dtls", "--no-cli", "--min-port=49160", "--max-port=49200",
            "--simple-log", "--no-stdout-log", "--verbose", f"--log-file={log}",
            f"--pidfile={a.logdir}/{procs.cell}.turn.pid",
            f"--userdb={a.logdir}/{procs.cell}.turndb", *extra])
    except FileNotFoundError:
        raise RuntimeError("turnserver not found: coturn is not installed; run `cargo xtask "
                           "setup` (xtask/setup/56-interop-gstreamer.sh installs it)") from None
    _stun_ready(port)
    return port, log


def relay_usage(log):
    """What coturn counted through its relay: successful allocations, and the bytes its clients
    sent to it and it sent to them. Its log has a session's traffic in deltas, one every 2048
    packets and the rest when the session ends (`closed (2nd stage)`): summed, so complete only
    for ended sessions (coturn's CLI `ps` shows just the last delta)."""
    text = open(log, errors="replace").read() if os.path.exists(log) else ""
    rx = tx = 0
    for m in re.finditer(r"session \d+: usage: .*?rb=(\d+), sp=\d+, sb=(\d+)", text):
        rx, tx = rx + int(m.group(1)), tx + int(m.group(2))
    return {"turn_allocations": len(re.findall(r"ALLOCATE processed, success", text)),
            "turn_rx_bytes": rx, "turn_tx_bytes": tx,
            "turn_session_ended": "closed (2nd stage)" in text}


def wait_session_end(log, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end and "closed (2nd stage)" not in open(log, errors="replace").read():
        time.sleep(0.1)


def check_relayed(r, u, need):
    r.update(u)
    if u["turn_allocations"] < 1 or min(u["turn_rx_bytes"], u["turn_tx_bytes"]) < need:
        r["ok"] = False
        r["error"] = (f"{r.get('error', '')} not relayed: coturn counted {u}, the echo needs "
                      f"{need} B each way").strip()
    return r


def cell_strata_turn_aiortc(h, a, procs):
    """strata offers relay-only through coturn; aiortc answers with host candidates only, so
    every byte of the echo crosses coturn's relay, which its own accounting must show."""
    port, log = start_coturn(h, a, procs)
    p = procs.start("aiortc", [sys.executable, AIORTC_PEER, "answer", "--port", "0"],
                    stdout=subprocess.PIPE)
    addr = h.listening(p)
    r = h.strata_offer(a, procs, f"http://{addr}/offer",
                       extra=["--ice-server", f"turn:{TURN_USER}:{TURN_PASS}@127.0.0.1:{port}",
                              "--relay-only"])
    close = h.close_seen(f"http://{addr}/stats", 1)
    # strata deallocates at close (Refresh, lifetime 0): coturn then ends the session.
    wait_session_end(log, 5)
    r = check_relayed(r, relay_usage(log), a.messages * a.size)
    if r.get("selected_pair") != "relay -> host":  # strata's own view of the pair it used
        r["ok"] = False
        r["error"] = f"{r.get('error', '')} selected pair {r.get('selected_pair')!r}".strip()
    if not r["turn_session_ended"]:
        r["ok"] = False
        r["error"] = f"{r.get('error', '')} strata did not deallocate at close".strip()
    return h.finish(r, close)


def cell_aiortc_to_strata_turn(h, a, procs):
    """The other role: aiortc offers (host candidates), strata answers relay-only through
    coturn, so strata must install permissions for the offer's candidates and put only its
    relayed candidate in the answer. When aiortc hangs up, `strata answer` closes its side and
    deallocates (Refresh, lifetime 0), so coturn ends the session at once."""
    port, log = start_coturn(h, a, procs)
    p = procs.start("strata-answer", [a.strata, "answer", "--listen", "127.0.0.1:0",
                                      "--ice-server",
                                      f"turn:{TURN_USER}:{TURN_PASS}@127.0.0.1:{port}",
                                      "--relay-only"], stdout=subprocess.PIPE)
    up = h.listening(p)
    r = h.run_client([sys.executable, AIORTC_PEER, "offer", "--url", f"http://{up}/offer",
                      *_sizes(a)], a.timeout + 5, h.log_path(a, procs))
    r = h.strata_close(up, r)
    wait_session_end(log, 5)
    r = check_relayed(r, relay_usage(log), a.messages * a.size)
    if not r["turn_session_ended"]:
        r["ok"] = False
        r["error"] = f"{r.get('error', '')} strata answer did not deallocate at close".strip()
    return r


# ---- Firefox ------------------------------------------------------------------------------------
# Headless Firefox ESR (xtask/setup/57-interop-firefox.sh) runs interop/chromium/'s page and
# relay unchanged; only the launch differs: a fresh profile holding interop/firefox/user.js
# (loopback candidates, no mDNS names, fake devices; see there).

FIREFOX_USER_JS = os.path.join(HERE, "firefox", "user.js")


def _firefox(h, procs, url, name="firefox"):
    exe = shutil.which("firefox-esr")
    if exe is None:
        raise RuntimeError("firefox-esr is missing: run `cargo xtask setup` "
                           "(xtask/setup/57-interop-firefox.sh)")
    profile = tempfile.mkdtemp(prefix="strata-firefox-")
    shutil.copy(FIREFOX_USER_JS, os.path.join(profile, "user.js"))
    procs.profile = profile  # run.py removes it after the cell
    return procs.start(name, [exe, "--headless", "--no-remote", "--profile", profile, url])


def _firefox_roles(r):
    # run.py's helpers name the browser's getStats fields after Chromium.
    if "chromium_dtls_role" in r:
        r["firefox_dtls_role"] = r.pop("chromium_dtls_role")
    return r


def cell_strata_to_firefox(h, a, procs):
    """strata offers N x SIZE, then BIG on a second call; the page answers in Firefox and
    reports each channel's close to the relay."""
    relay = procs.start("relay", [sys.executable, h.RELAY, "answer", "--port", "0",
                                  "--timeout", str(a.timeout)], stdout=subprocess.PIPE)
    addr = h.listening(relay)
    _firefox(h, procs, f"http://{addr}/page.html?gum=1&strip=0")
    h.wait_line(relay, "page ready", 20)  # time the call, not Firefox's start-up
    url = f"http://{addr}/offer"
    r = h.strata_offer(a, procs, url)
    r["big"] = h.strata_big(a, procs, url)
    return _firefox_roles(h.finish(r, h.chromium_closed(addr, 2, r)))


def cell_strata_media_to_firefox(h, a, procs):
    """strata offers audio+video (Firefox answers a=setup:active, so strata is DTLS server); the
    page answers with Firefox's fake devices. Both ends count what they received."""
    a = h.media_args(a)
    relay = procs.start("relay", [sys.executable, h.RELAY, "answer", "--port", "0",
                                  "--timeout", str(a.timeout)], stdout=subprocess.PIPE)
    addr = h.listening(relay)
    _firefox(h, procs, f"http://{addr}/page.html?gum=1&strip=0")
    h.wait_line(relay, "page ready", 20)
    r = h.strata_offer(a, procs, f"http://{addr}/offer", extra=["--audio", "--video"])
    close = h.chromium_closed(addr, 1, r)
    r["peer_media_ok"] = h.peer_media_ok(r.get("peer_media", {}))
    r["ok"] = bool(r.get("ok")) and r["peer_media_ok"]
    return _firefox_roles(h.finish(r, close))


def cell_firefox_to_strata(h, a, procs, media=False):
    """Firefox offers (data channel; with media: fake audio+video too, which `strata answer`
    reflects and the page counts from getStats), strata answers."""
    a = h.media_args(a) if media else a
    up = h.strata_answer(procs)
    relay = procs.start("relay", [sys.executable, h.RELAY, "offer", "--port", "0",
                                  "--upstream", f"http://{up}/offer",
                                  "--messages", str(a.messages), "--size", str(a.size),
                                  "--timeout", str(a.timeout)]
                        + (["--media"] if media else ["--big", str(h.BIG)]),
                        stdout=subprocess.PIPE)
    addr = h.listening(relay)
    _firefox(h, procs, f"http://{addr}/page.html?gum=1&strip=0")
    try:
        out, _ = relay.communicate(timeout=a.timeout + 5)
        r = h.last_json(out)
    except subprocess.TimeoutExpired:
        r = {"ok": False, "error": "no result from the page"}
    r["firefox_dtls_role"] = r.pop("dtls_role", None)
    return h.strata_close(up, r)


def cells(h):
    return [
        ("strata offer -> Firefox ESR answers (host candidates)", "strata-firefox",
         lambda a, p: cell_strata_to_firefox(h, a, p)),
        ("Firefox ESR offers -> strata answer (host candidates)", "firefox-strata",
         lambda a, p: cell_firefox_to_strata(h, a, p)),
        ("Firefox ESR offers audio+video -> strata answer reflects", "firefox-strata-media",
         lambda a, p: cell_firefox_to_strata(h, a, p, media=True)),
        ("strata offer audio+video -> Firefox ESR answers with its own media",
         "strata-firefox-media", lambda a, p: cell_strata_media_to_firefox(h, a, p)),
        ("GStreamer webrtcbin offers -> strata answer", "gstreamer-strata",
         lambda a, p: cell_gstreamer_to_strata(h, a, p)),
        ("GStreamer webrtcbin offers audio+video -> strata answer reflects",
         "gstreamer-strata-media", lambda a, p: cell_gstreamer_to_strata(h, a, p, media=True)),
        (f"strata offer -> GStreamer webrtcbin answers (median of {h.SELF_RUNS})",
         "strata-gstreamer", lambda a, p: cell_strata_to_gstreamer(h, a, p)),
        ("strata offer audio+video -> GStreamer webrtcbin answers with its own media",
         "strata-gstreamer-media", lambda a, p: cell_strata_media_to_gstreamer(h, a, p)),
        (f"GStreamer offers -> GStreamer answers (median of {h.SELF_RUNS})", "gstreamer-self",
         lambda a, p: cell_gstreamer_self(h, a, p)),
        ("strata offer relay-only through TURN (coturn) -> aiortc answers", "strata-turn-aiortc",
         lambda a, p: cell_strata_turn_aiortc(h, a, p)),
        ("aiortc offers -> strata answer relay-only through TURN (coturn)", "aiortc-strata-turn",
         lambda a, p: cell_aiortc_to_strata_turn(h, a, p)),
    ]
