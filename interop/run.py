#!/usr/bin/env python3
"""Runs the interop cells (`cargo xtask interop` calls this inside a loopback-only namespace).

Each data cell: one data channel, N binary messages of SIZE bytes echoed and checked in order,
then one 256 KiB message (or "n/a" when the answerer's a=max-message-size is smaller), then the
close as the other side saw it. Media cells send audio and video and count what comes back at
both ends. Rate cells measure the echo rate of strata against each stack next to that stack
against itself (median of SELF_RUNS calls each). Writes two Markdown tables to --out and exits
non-zero if any cell fails.
"""
import argparse
import json
import re
import os
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MEDIA_CELL_MESSAGES = 20
BIG = 262144
SELF_RUNS = 3
HERE = os.path.dirname(os.path.abspath(__file__))
NODE_PEER = os.path.join(HERE, "node", "peer.js")
AIORTC_PEER = os.path.join(HERE, "aiortc", "peer.py")
RELAY = os.path.join(HERE, "chromium", "relay.py")
# --stack name for interop/node/peer.js, and the name in the tables.
NODE_STACKS = [("wrtc", "libwebrtc (@roamhq/wrtc)"), ("werift", "werift"),
               ("ndc", "libdatachannel (node-datachannel)")]
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required", "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Procs:
    """Background processes of one cell, each killed (by its own pid) when the cell ends."""

    def __init__(self, logdir, cell):
        self.procs, self.logdir, self.cell = [], logdir, cell
        self.profile = None

    def start(self, name, argv, stdout=subprocess.DEVNULL):
        err = open(os.path.join(self.logdir, f"{self.cell}.{name}.log"), "w")
        p = subprocess.Popen(argv, stdout=stdout, stderr=err, text=True)
        self.procs.append((p, err))
        return p

    def stop(self):
        for p, err in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(3)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            err.close()


def listening(p):
    """Reads `listening on HOST:PORT` from a child's stdout."""
    line = p.stdout.readline()
    if not line.startswith("listening on "):
        raise RuntimeError(f"expected 'listening on', got {line!r}")
    return line.split()[-1]


def wait_line(p, want, timeout):
    """Waits until a child prints `want` on stdout (the page has loaded and is polling)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([p.stdout], [], [], max(0.0, end - time.monotonic()))
        if r and p.stdout.readline().strip() == want:
            return
    raise RuntimeError(f"no {want!r} within {timeout} s")


def last_json(out):
    for line in reversed(out.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {"ok": False, "error": f"no JSON line in output: {out.strip()[-300:]!r}"}


def run_client(argv, timeout, log):
    try:
        cp = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        with open(log, "w") as f:
            f.write(cp.stderr)
        r = last_json(cp.stdout)
        if cp.returncode != 0:
            r["ok"] = False
        return r
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout} s"}


def get_json(url, timeout=2.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as s:
            return json.loads(s.read())
    except (OSError, ValueError) as e:
        return {"error": repr(e)}


def log_path(a, procs, name="client"):
    return os.path.join(a.logdir, f"{procs.cell}.{name}.log")


def chromium(procs, url, name="chromium"):
    profile = tempfile.mkdtemp(prefix="strata-chromium-")
    procs.profile = profile
    return procs.start(name, ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", url])


def strata_answer(procs):
    p = procs.start("strata-answer", [a_global.strata, "answer", "--listen", "127.0.0.1:0"],
                    stdout=subprocess.PIPE)
    return listening(p)


def media_args(a):
    """Media cells check media, with a short echo only: a long echo burst overruns aiortc's
    UDP receive buffer, and one lost VP8 packet then stalls its decoder for the whole cell."""
    return argparse.Namespace(**{**vars(a), "messages": min(a.messages, MEDIA_CELL_MESSAGES)})


def strata_offer(a, procs, url, name="client", messages=None, size=None, extra=()):
    """`strata offer` to URL; its JSON line (DESIGN.md) as a dict."""
    return run_client([a.strata, "offer", "--url", url,
                       "--messages", str(a.messages if messages is None else messages),
                       "--size", str(a.size if size is None else size),
                       "--timeout", str(a.timeout), *extra],
                      a.timeout + 5, log_path(a, procs, name))


def max_message_size(sdp):
    """An SDP's a=max-message-size (RFC 8841 §6.1: absent means 65536; 0 means no limit)."""
    for line in sdp.splitlines():
        if line.startswith("a=max-message-size:"):
            v = int(line.split(":", 1)[1].strip())
            return v or float("inf")
    return 65536


class SdpTap:
    """A signaling pass-through on 127.0.0.1 that keeps the last answer SDP, so a cell can
    check what the answerer advertised (strata's JSON line does not carry it)."""

    def __init__(self, upstream):
        tap = self
        self.answer = ""

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                req = urllib.request.Request(upstream, body, {
                    "Content-Type": self.headers.get("Content-Type", "application/sdp")})
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        status, out = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, out = e.code, e.read()
                except OSError as e:
                    status, out = 502, str(e).encode()
                if status == 201:
                    tap.answer = out.decode(errors="replace")
                self.send_response(status)
                self.send_header("Content-Type", "application/sdp")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}/offer"

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def strata_big(a, procs, url):
    """A second `strata offer` to the same answerer: one message of BIG bytes. Where the
    answer's a=max-message-size is below BIG, strata must refuse to send it: "n/a" then, and a
    failure if strata sent it anyway."""
    tap = SdpTap(url)
    try:
        r = strata_offer(a, procs, tap.url, "big", 1, BIG)
    finally:
        tap.close()
    mms = max_message_size(tap.answer) if tap.answer else None
    r["remote_max_message_size"] = mms
    if mms is not None and mms < BIG:
        if "too large" in str(r.get("error", "")):
            return f"n/a (max-message-size {mms}; strata refused to send)"
        return (f"FAIL: strata sent {BIG} B past the answer's max-message-size {mms} "
                f"({'a=max-message-size absent' if 'max-message-size' not in tap.answer else 'advertised'}"
                f"; echoed {r.get('echo_received')}, mismatched {r.get('echo_mismatch')}, "
                f"error {r.get('error')})")
    if r.get("ok"):
        return "ok"
    return f"FAIL: {r.get('error') or r}"


def big_ok(v):
    return v is None or v == "ok" or str(v).startswith("n/a")


def close_seen(stats_url, want, active_key="peers_active", timeout=4.0):
    """How the answerer saw the calls end: 'clean' once it counts `want` closed calls and
    none still active (polls its GET /stats)."""
    end = time.monotonic() + timeout
    while True:
        st = get_json(stats_url)
        closed = st.get("closed")
        active = st.get(active_key)
        failed = st.get("failed") or st.get("peers_failed") or 0
        if failed:
            return f"FAIL: {failed} failed ({st})"
        if active == 0 and (closed is None or closed >= want):
            return "clean"
        if time.monotonic() > end:
            return f"not seen within {timeout:.0f} s ({st})"
        time.sleep(0.1)


def finish(r, close=None):
    """Folds the 256 KiB echo and the close into the cell's ok."""
    if close is not None:
        r["close"] = close
    r["ok"] = bool(r.get("ok")) and big_ok(r.get("big")) and r.get("close", "clean") == "clean"
    return r


# ---- strata offers -> X answers ----------------------------------------------------------------

def strata_to(a, procs, addr, stats=True, active_key="peers_active"):
    """strata offers N x SIZE to the answerer at addr, then one BIG message on a second call;
    then the answerer's /stats must show both calls closed."""
    url = f"http://{addr}/offer"
    r = strata_offer(a, procs, url)
    r["big"] = strata_big(a, procs, url)
    return finish(r, close_seen(f"http://{addr}/stats", 2, active_key) if stats else None)


def node_answer(procs, stack, name=None):
    p = procs.start(name or stack, ["node", NODE_PEER, "--stack", stack, "answer", "--port", "0"],
                    stdout=subprocess.PIPE)
    return listening(p)


def aiortc_answer(procs):
    p = procs.start("aiortc", [sys.executable, AIORTC_PEER, "answer", "--port", "0"],
                    stdout=subprocess.PIPE)
    return listening(p)


def wrtc_late_first(r, n):
    """node-webrtc's binding (@roamhq/wrtc) hands messages that arrive on a remotely opened
    channel before its `ondatachannel` handler has run to JavaScript after later ones (seen:
    echoes 4, 5, 6, ... first, then 0-3; wrtc <-> wrtc shows it too). RFC 8832 §6 lets the
    opener send right after DATA_CHANNEL_OPEN, as strata and Chromium do."""
    return bool(r.get("echo_mismatch")) and r.get("echo_received") == n  # all there, misordered


def strata_offer_wrtc(a, procs, url, **kw):
    """strata offers to wrtc: one retry on node-webrtc's late first messages (recorded)."""
    r = strata_offer(a, procs, url, **kw)
    if wrtc_late_first(r, a.messages):
        first = f"echo_mismatch {r['echo_mismatch']} of {r['echo_received']}"
        r = strata_offer(a, procs, url, **{**kw, "name": kw.get("name", "client") + "-retry"})
        r["retried"] = f"node-webrtc delivered its first messages late: {first}"
    return r


def cell_strata_to_node(a, procs, stack):
    if stack != "wrtc":
        return strata_to(a, procs, node_answer(procs, stack))
    addr = node_answer(procs, stack)
    url = f"http://{addr}/offer"
    r = strata_offer_wrtc(a, procs, url)
    r["big"] = strata_big(a, procs, url)
    return finish(r, close_seen(f"http://{addr}/stats", 3 if r.get("retried") else 2))


def cell_strata_to_aiortc(a, procs):
    return strata_to(a, procs, aiortc_answer(procs))


def cell_strata_media_to_aiortc(a, procs):
    """strata offers audio+video; aiortc decodes it and answers with its own (silence, VP8)."""
    a = media_args(a)
    addr = aiortc_answer(procs)
    r = strata_offer(a, procs, f"http://{addr}/offer", extra=["--audio", "--video"])
    time.sleep(0.3)
    r["peer_media"] = get_json(f"http://{addr}/stats").get("media", {})
    r["peer_media_ok"] = peer_media_ok(r["peer_media"])
    r["ok"] = bool(r.get("ok")) and r["peer_media_ok"]
    return finish(r, close_seen(f"http://{addr}/stats", 1))


def peer_media_ok(m):
    """What the answerer counted of strata's 2 s of media (50 audio, 30 video packets a second);
    where it decodes (libwebrtc, Chromium), strata's VP8 must decode too."""
    ok = m.get("audio_packets", 0) >= 50 and m.get("video_packets", 0) >= 30
    return ok and m.get("video_frames_decoded", 15) >= 15


def cell_strata_media_to_node(a, procs, stack):
    """strata offers audio+video (its embedded Opus and VP8 clips); wrtc answers with its own
    Opus/VP8 and decodes strata's (RTCAudioSink, RTCVideoSink); werift and node-datachannel
    reflect the RTP they receive. Counted at both ends: strata's media_sent/media_received, the
    answerer's /stats."""
    a = media_args(a)
    addr = node_answer(procs, stack)
    offer = strata_offer_wrtc if stack == "wrtc" else strata_offer
    r = offer(a, procs, f"http://{addr}/offer", extra=["--audio", "--video"])
    time.sleep(0.3)
    st = get_json(f"http://{addr}/stats")
    m = st.get("media", {})
    r["peer_media"] = m
    r["peer_media_ok"] = peer_media_ok(m)
    r["ok"] = bool(r.get("ok")) and r["peer_media_ok"]
    return finish(r, close_seen(f"http://{addr}/stats", 2 if r.get("retried") else 1))


# ---- X offers -> strata answers ----------------------------------------------------------------

# Offerers whose close() sends no DTLS close_notify (seen on the wire: no alert record), only
# SCTP inside DTLS. strata then closes the channels but keeps the peer (as a browser keeps its
# RTCPeerConnection) until ICE consent expires, so its /stats cannot show the end of the call.
NO_CLOSE_NOTIFY = {"werift": "werift sends no close_notify", "ndc": "libdatachannel sends no close_notify"}


def strata_close(up, r, offerer=None):
    """How strata answer saw the call end (its GET /stats)."""
    c = close_seen(f"http://{up}/stats", 0, timeout=1.0 if offerer in NO_CLOSE_NOTIFY else 4.0)
    if c != "clean" and offerer in NO_CLOSE_NOTIFY:
        c = "clean"
        r["close_note"] = f"peer kept: {NO_CLOSE_NOTIFY[offerer]}"
    if c != "clean" or not r.get("ok"):
        r["strata_stats"] = get_json(f"http://{up}/stats")
    return finish(r, c)


def lost_race(r):
    """libdatachannel's race (seen in its log): a fast answerer's DTLS ClientHello arrives
    before the answer is applied; the fingerprint check then fails ("certificate verify
    failed", alert unknown CA) or the ICE transport is gone when the answer is applied."""
    return r.get("connected_ms") is None and any(
        m in str(r.get("error", "")) for m in ("connection failed", "without ICE transport"))


def run_node_offer(argv, timeout, log, stack):
    """node-datachannel offering: one retry when it lost its own signaling race (recorded)."""
    r = run_client(argv, timeout, log)
    if stack == "ndc" and lost_race(r):
        first = r.get("error")
        r = run_client(argv, timeout, log + ".retry")
        r["retried"] = f"libdatachannel signaling race: {first}"
    return r


def cell_node_to_strata(a, procs, stack, media=False):
    a = media_args(a) if media else a
    up = strata_answer(procs)
    r = run_node_offer(["node", NODE_PEER, "--stack", stack, "offer", "--url",
                        f"http://{up}/offer", "--messages", str(a.messages), "--size", str(a.size),
                        "--timeout", str(a.timeout)] + (["--media"] if media else ["--big", str(BIG)]),
                       a.timeout + 5, log_path(a, procs), stack)
    return strata_close(up, r, stack)


def cell_aiortc_to_strata(a, procs, media=False):
    a = media_args(a) if media else a
    up = strata_answer(procs)
    r = run_client([sys.executable, AIORTC_PEER, "offer", "--url", f"http://{up}/offer",
                    "--messages", str(a.messages), "--size", str(a.size), "--timeout",
                    str(a.timeout)] + (["--media"] if media else ["--big", str(BIG)]),
                   a.timeout + 5, log_path(a, procs))
    return strata_close(up, r)


# ---- Chromium ----------------------------------------------------------------------------------

def chromium_answerer(a, procs, gum=1, strip=0):
    """Chromium answering through the relay; returns the relay's address once the page polls."""
    relay = procs.start("relay", [sys.executable, RELAY, "answer", "--port", "0",
                                  "--timeout", str(a.timeout)], stdout=subprocess.PIPE)
    addr = listening(relay)
    chromium(procs, f"http://{addr}/page.html?gum={gum}&strip={strip}")
    wait_line(relay, "page ready", 15)  # time the call, not Chromium's start-up
    return addr


def cell_strata_to_chromium(a, procs, gum, strip):
    addr = chromium_answerer(a, procs, gum, strip)
    url = f"http://{addr}/offer"
    r = strata_offer(a, procs, url)
    r["big"] = strata_big(a, procs, url)
    return finish(r, chromium_closed(addr, 2, r))


def chromium_closed(addr, want, r, timeout=4.0):
    """The answering page reports each data channel's close to the relay, with its DTLS role
    and SRTP cipher (getStats 'transport') and what media it received."""
    end = time.monotonic() + timeout
    while True:
        st = get_json(f"http://{addr}/stats")
        reports = st.get("reports") or [{}]
        r["chromium_dtls_role"] = reports[-1].get("dtls_role")
        r["srtp_cipher"] = next((x["srtp_cipher"] for x in reversed(reports)
                                 if x.get("srtp_cipher")), None)
        media = [x for x in reports if x.get("audio_packets") or x.get("video_packets")]
        if media:
            r["peer_media"] = media[-1]
        if st.get("closed", 0) >= want:
            return "clean"
        if time.monotonic() > end:
            return f"not seen within {timeout:.0f} s ({st.get('closed')} of {want} channels closed)"
        time.sleep(0.1)


def cell_strata_media_to_chromium(a, procs):
    """strata offers audio+video (strata is DTLS server: Chromium answers a=setup:active); the
    page answers with its own fake devices. Both ends count; Chromium's getStats says which DTLS
    role and SRTP cipher it used."""
    a = media_args(a)
    addr = chromium_answerer(a, procs)
    r = strata_offer(a, procs, f"http://{addr}/offer", extra=["--audio", "--video"])
    close = chromium_closed(addr, 1, r)
    m = r.get("peer_media", {})
    r["peer_media_ok"] = peer_media_ok(m)
    r["ok"] = bool(r.get("ok")) and r["peer_media_ok"]
    return finish(r, close)


def cell_chromium_to_strata(a, procs, gum, strip, media=False):
    a = media_args(a) if media else a
    up = strata_answer(procs)
    port = free_port()
    relay = procs.start("relay", [sys.executable, RELAY, "offer", "--port", str(port),
                                  "--upstream", f"http://{up}/offer",
                                  "--messages", str(a.messages), "--size", str(a.size),
                                  "--timeout", str(a.timeout)]
                        + (["--media"] if media else ["--big", str(BIG)]),
                        stdout=subprocess.PIPE)
    addr = listening(relay)
    chromium(procs, f"http://{addr}/page.html?gum={gum}&strip={strip}")
    try:
        out, _ = relay.communicate(timeout=a.timeout + 5)
        r = last_json(out)
    except subprocess.TimeoutExpired:
        r = {"ok": False, "error": "no result from the page"}
    r["chromium_dtls_role"] = r.pop("dtls_role", None)
    return strata_close(up, r)


# ---- echo rate: strata against X next to X against itself --------------------------------------

def median_of(runs):
    ok = all(r.get("ok") for r in runs)
    raw = runs
    rates = [r.get("echo_msgs_per_s") or 0 for r in runs]
    r = {"ok": ok, "median_msgs_per_s": round(statistics.median(rates)), "runs_msgs_per_s": rates,
         "connected_ms": statistics.median(r.get("connected_ms") or 0 for r in runs),
         "dc_open_ms": statistics.median(r.get("dc_open_ms") or 0 for r in runs),
         "echo_received": min(r.get("echo_received", 0) for r in runs), "raw": raw}
    errors = [r["error"] for r in runs if r.get("error")]
    if errors or not ok:
        r["error"] = "; ".join(errors) or "a run failed"
    return r


def rate_cell(a, procs, strata_runs, self_runs):
    """Both medians in one cell: strata -> X (strata offers, X answers) and X -> X. Only the
    strata runs decide the cell; a stack's trouble with itself is recorded, not failed (seen:
    libwebrtc <-> libwebrtc now and then hands the first two echoes over swapped)."""
    s = median_of(strata_runs())
    x = median_of(self_runs())
    r = {"ok": s["ok"], "echo_received": s["echo_received"],
         "echo_msgs_per_s": s["median_msgs_per_s"], "strata_runs": s["runs_msgs_per_s"],
         "self_msgs_per_s": x["median_msgs_per_s"], "self_runs": x["runs_msgs_per_s"],
         "connected_ms": s["connected_ms"], "dc_open_ms": s["dc_open_ms"]}
    if s.get("error"):
        r["error"] = f"strata runs: {s['error']}"
    if x.get("error") or not x["ok"]:
        r["self_note"] = (f"{x.get('error') or 'a run failed'} (echo_mismatch "
                          f"{[y.get('echo_mismatch') for y in x.get('raw', [])]})")
    return r


def repeat(n, fn):
    return lambda: [fn(i) for i in range(n)]


def cell_rate_node(a, procs, stack):
    def strata_runs():
        addr = node_answer(procs, stack, f"{stack}-for-strata")
        return [strata_offer(a, procs, f"http://{addr}/offer", f"strata{i}")
                for i in range(SELF_RUNS)]

    def self_runs():
        addr = node_answer(procs, stack, f"{stack}-answer")
        return [run_node_offer(["node", NODE_PEER, "--stack", stack, "offer", "--url",
                                f"http://{addr}/offer", "--messages", str(a.messages), "--size",
                                str(a.size), "--timeout", str(a.timeout)],
                               a.timeout + 5, log_path(a, procs, f"self{i}"), stack)
                for i in range(SELF_RUNS)]
    return rate_cell(a, procs, strata_runs, self_runs)


def cell_rate_aiortc(a, procs):
    def strata_runs():
        addr = aiortc_answer(procs)
        return [strata_offer(a, procs, f"http://{addr}/offer", f"strata{i}")
                for i in range(SELF_RUNS)]

    def self_runs():
        p = procs.start("aiortc-answer", [sys.executable, AIORTC_PEER, "answer", "--port", "0"],
                        stdout=subprocess.PIPE)
        addr = listening(p)
        return [run_client([sys.executable, AIORTC_PEER, "offer", "--url", f"http://{addr}/offer",
                            "--messages", str(a.messages), "--size", str(a.size), "--timeout",
                            str(a.timeout)], a.timeout + 5, log_path(a, procs, f"self{i}"))
                for i in range(SELF_RUNS)]
    return rate_cell(a, procs, strata_runs, self_runs)


def cell_rate_chromium(a, procs):
    def strata_runs():
        addr = chromium_answerer(a, procs)
        return [strata_offer(a, procs, f"http://{addr}/offer", f"strata{i}")
                for i in range(SELF_RUNS)]

    def self_runs():
        relay = procs.start("relay-loop", [sys.executable, RELAY, "loop", "--port", "0",
                                           "--messages", str(a.messages), "--size", str(a.size),
                                           "--runs", str(SELF_RUNS),
                                           "--timeout", str(a.timeout * SELF_RUNS)],
                            stdout=subprocess.PIPE)
        addr = listening(relay)
        chromium(procs, f"http://{addr}/page.html?gum=1&strip=0", "chromium-loop")
        try:
            out, _ = relay.communicate(timeout=a.timeout * SELF_RUNS + 5)
            r = last_json(out)
        except subprocess.TimeoutExpired:
            r = {"ok": False, "error": "no result from the page"}
        runs = r.get("runs_msgs_per_s") or [0]
        return [{**r, "echo_msgs_per_s": x} for x in runs]
    return rate_cell(a, procs, strata_runs, self_runs)


def cell_rate_strata(a, procs):
    up = strata_answer(procs)
    runs = [strata_offer(a, procs, f"http://{up}/offer", f"strata{i}") for i in range(SELF_RUNS)]
    return rate_cell(a, procs, lambda: runs, lambda: runs)


# ---- the matrix --------------------------------------------------------------------------------

def node_cells(stack, name):
    return [
        (f"strata offer -> {name} answers", f"strata-{stack}",
         lambda a, p: cell_strata_to_node(a, p, stack)),
        (f"{name} offers -> strata answer", f"{stack}-strata",
         lambda a, p: cell_node_to_strata(a, p, stack)),
        (f"strata offer audio+video -> {name} answers "
         + ("with its own media" if stack == "wrtc" else "and reflects"), f"strata-{stack}-media",
         lambda a, p: cell_strata_media_to_node(a, p, stack)),
        (f"{name} offers audio+video -> strata answer reflects", f"{stack}-strata-media",
         lambda a, p: cell_node_to_strata(a, p, stack, media=True)),
    ]


def cell_chromium_page_to_bot(a, procs):
    """The page `strata demo --serve` serves at `/`, opened by Chromium with ?autocall: it joins
    room 'bot' over WebSocket and calls the Rust echo bot with a data channel and its fake camera
    and microphone. The bot must echo the page's chat line and reflect its media, and Chromium
    must decode the reflected video (the page logs getStats' framesDecoded to the console)."""
    demo = procs.start("demo", [a.strata, "demo", "--serve", "--listen", "127.0.0.1:0"],
                       stdout=subprocess.PIPE)
    # Unbuffered reads: the demo prints its whole call at once, then "serving URL until Ctrl-C"
    # once the bot is in room 'bot'.
    out, fd, end = "", demo.stdout.fileno(), time.monotonic() + 20
    while "until Ctrl-C" not in out:
        left = end - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise RuntimeError(f"strata demo --serve did not start serving: {out[-300:]!r}")
        chunk = os.read(fd, 65536).decode(errors="replace")
        if not chunk:
            raise RuntimeError(f"strata demo --serve exited: {out[-300:]!r}")
        out += chunk
    url = re.search(r"serving (http://\S+/) until Ctrl-C", out).group(1)
    profile = tempfile.mkdtemp(prefix="strata-chromium-")
    procs.profile = profile
    t0 = time.monotonic()
    chrome = procs.start("chromium", ["chromium", *CHROMIUM_FLAGS, "--enable-logging=stderr",
                                      "--v=0", f"--user-data-dir={profile}", url + "?autocall=1"])
    log = os.path.join(a.logdir, f"{procs.cell}.chromium.log")
    r = {"ok": False}
    end = time.monotonic() + a.timeout
    while time.monotonic() < end:
        bot = get_json(url + "stats").get("bot", {})
        decoded = [int(m) for m in re.findall(r"video frames decoded (\d+)",
                                               open(log, errors="replace").read())]
        r = {"echo_received": bot.get("messages_echoed"), "bot_media_reflected":
             bot.get("media_reflected"), "page_video_frames_decoded": max(decoded, default=0)}
        if r["echo_received"] and r["bot_media_reflected"] >= 100 and \
                r["page_video_frames_decoded"] >= 30:
            r["ok"] = True
            r["call_ms"] = round((time.monotonic() - t0) * 1e3, 1)  # from Chromium's start
            break
        time.sleep(0.2)
    if not r["ok"]:
        r["error"] = f"the page's call did not complete: bot {bot}"
    chrome.terminate()
    return r


CELLS = [
    ("strata offer -> Chromium answers (host candidates)", "strata-chromium",
     lambda a, p: cell_strata_to_chromium(a, p, 1, 0)),
    ("Chromium offers -> strata answer (host candidates)", "chromium-strata",
     lambda a, p: cell_chromium_to_strata(a, p, 1, 0)),
    ("strata offer -> Chromium answers (candidates stripped: peer-reflexive)", "strata-chromium-prflx",
     lambda a, p: cell_strata_to_chromium(a, p, 0, 1)),
    ("Chromium offers -> strata answer (candidates stripped: peer-reflexive)", "chromium-strata-prflx",
     lambda a, p: cell_chromium_to_strata(a, p, 0, 1)),
    ("strata offer audio+video -> Chromium answers with its own media", "strata-chromium-media",
     cell_strata_media_to_chromium),
    ("Chromium offers audio+video -> strata answer reflects", "chromium-strata-media",
     lambda a, p: cell_chromium_to_strata(a, p, 1, 0, media=True)),
    ("Chromium opens the page of strata demo --serve and calls the Rust echo bot (WebSocket)",
     "chromium-page-bot", cell_chromium_page_to_bot),
    ("strata offer -> aiortc answers", "strata-aiortc", cell_strata_to_aiortc),
    ("aiortc offers -> strata answer", "aiortc-strata", cell_aiortc_to_strata),
    ("strata offer audio+video -> aiortc answers with its own media", "strata-aiortc-media",
     cell_strata_media_to_aiortc),
    ("aiortc offers audio+video -> strata answer reflects", "aiortc-strata-media",
     lambda a, p: cell_aiortc_to_strata(a, p, media=True)),
]
for _stack, _name in NODE_STACKS:
    CELLS += node_cells(_stack, _name)
# Echo rates (second table): strata -> X next to X -> X, same run.
RATE_CELLS = [("Chromium", "rate-chromium", cell_rate_chromium),
              ("aiortc", "rate-aiortc", cell_rate_aiortc)]
RATE_CELLS += [(name, f"rate-{stack}", lambda a, p, stack=stack: cell_rate_node(a, p, stack))
               for stack, name in NODE_STACKS]
RATE_CELLS += [("strata", "rate-strata", cell_rate_strata)]
CELLS += [(f"echo rate: strata -> {name} and {name} -> {name} (median of {SELF_RUNS})", cid, fn)
          for name, cid, fn in RATE_CELLS]

sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the tree
try:
    import extra_cells
    CELLS += extra_cells.cells(sys.modules[__name__])
except ModuleNotFoundError as e:
    if e.name != "extra_cells":
        raise


# ---- report ------------------------------------------------------------------------------------

def media_col(r):
    """Media counted at both ends, as far as the cell has them."""
    parts = []
    if r.get("media_sent"):  # strata offered media
        parts.append(f"strata sent {r['media_sent']}, got {r.get('media_received')} back")
    if "media_ok" in r and "audio_packets" in r:  # the other stack offered and counted
        if "audio_frames_decoded" in r:
            parts.append(f"back: audio {r.get('audio_packets')} pkts / {r['audio_frames_decoded']} "
                         f"frames, video {r.get('video_packets')} pkts / "
                         f"{r.get('video_frames_decoded')} frames decoded")
        elif "video_frames_decoded" in r:
            parts.append(f"back: audio {r['audio_packets']} pkts, video "
                         f"{r['video_frames_decoded']} frames decoded")
        else:
            parts.append(f"back: audio {r.get('audio_packets')}, video {r.get('video_packets')} "
                         f"RTP pkts")
    if "bot_media_reflected" in r:  # the demo's page calling the bot
        parts.append(f"bot reflected {r['bot_media_reflected']} RTP pkts; the page decoded "
                     f"{r['page_video_frames_decoded']} video frames")
    m = r.get("peer_media")
    if m:
        decoded = [f"{m[k]} {k.split('_')[0]}" for k in ("audio_frames_decoded",
                                                        "video_frames_decoded") if k in m]
        parts.append(f"peer got audio {m.get('audio_packets')}, video {m.get('video_packets')} "
                     f"pkts" + (f" ({', '.join(decoded)} frames decoded)" if decoded else ""))
    return "; ".join(parts) or "–"


def dtls_col(r):
    for browser in ("Chromium", "Firefox"):
        role = r.get(f"{browser.lower()}_dtls_role")
        if role:
            return f"{browser} {role}, {r.get('srtp_cipher') or 'no SRTP'}"
    return "–"


def close_col(r):
    c = fmt(r.get("close"))
    return f"{c} ({r['close_note']})" if r.get("close_note") else c


def notes(r):
    out = [str(r["error"])] if r.get("error") else []
    if r.get("retried"):
        out.append(f"retried once: {r['retried']}")
    if r.get("self_note"):
        out.append(f"stack against itself: {r['self_note']}")
    return "; ".join(out)


def fmt(v):
    if isinstance(v, float) and v.is_integer() and abs(v) >= 100:
        v = int(v)  # strata prints rates as 6203.0
    return "–" if v is None else str(v)


def cell_text(s):
    return str(s).replace("|", "/").replace("\n", " ")[:300]


def main():
    global a_global
    p = argparse.ArgumentParser()
    p.add_argument("--strata", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--messages", type=int, default=1000)
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--only", default="", help="comma-separated cell ids")
    a = a_global = p.parse_args()
    a.logdir = os.path.join(os.path.dirname(os.path.abspath(a.out)), "logs")
    os.makedirs(a.logdir, exist_ok=True)
    rows, failed = [], 0
    t_all = time.monotonic()
    for title, cid, fn in CELLS:
        if a.only and cid not in a.only.split(","):
            continue
        procs = Procs(a.logdir, cid)
        t = time.monotonic()
        try:
            r = fn(a, procs)
        except Exception as e:
            r = {"ok": False, "error": repr(e)}
        finally:
            procs.stop()
            if procs.profile:
                shutil.rmtree(procs.profile, ignore_errors=True)
        secs = time.monotonic() - t
        ok = bool(r.get("ok"))
        failed += not ok
        rows.append((title, cid, ok, r, secs))
        print(f"interop: {'PASS' if ok else 'FAIL'} {cid} ({secs:.1f} s) {json.dumps(r)}", flush=True)
    total = time.monotonic() - t_all
    md = [f"# Interop: {a.messages} x {a.size} B data-channel echo, then one {BIG // 1024} KiB "
          f"message ({MEDIA_CELL_MESSAGES} messages in media cells); loopback-only namespace", "",
          f"{len(rows) - failed} of {len(rows)} cells pass; {total:.0f} s in all.", "",
          "| cell | result | connected_ms | dc_open_ms | echoed | echo msg/s | 256 KiB | media "
          "| DTLS / SRTP | close | cell s | error |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for title, cid, ok, r, secs in rows:
        md.append(f"| {title} | {'pass' if ok else 'FAIL'} | {fmt(r.get('connected_ms'))} | "
                  f"{fmt(r.get('dc_open_ms'))} | {fmt(r.get('echo_received'))} | "
                  f"{fmt(r.get('echo_msgs_per_s'))} | {cell_text(fmt(r.get('big')))} | "
                  f"{media_col(r)} | {dtls_col(r)} | {cell_text(close_col(r))} | "
                  f"{secs:.1f} | {cell_text(notes(r))} |")
    rates = {cid: r for _, cid, _, r, _ in rows}
    table = []
    for name, cid, _ in RATE_CELLS:
        r = rates.get(cid)
        if r and cid != "rate-strata":
            table.append((name, r.get("echo_msgs_per_s"), r.get("self_msgs_per_s"),
                          r.get("strata_runs"), r.get("self_runs")))
    # Stacks whose cells come from extra_cells.py: its "<x>-self" cell against "strata-<x>".
    for cid, r in rates.items():
        if cid.endswith("-self") and f"strata-{cid[:-5]}" in rates:
            s = rates[f"strata-{cid[:-5]}"]
            table.append((cid[:-5], s.get("echo_msgs_per_s"), r.get("echo_msgs_per_s"),
                          s.get("strata_runs", s.get("runs_msgs_per_s", "1 run")),
                          r.get("runs_msgs_per_s")))
    if table or "rate-strata" in rates:
        md += ["", f"## Echo rate, {a.messages} x {a.size} B, median of {SELF_RUNS} (same run)", "",
               "| stack | strata -> stack msg/s | stack -> stack msg/s | ratio | runs (strata; self) |",
               "|---|---|---|---|---|"]
        for name, s, x, sr, xr in table:
            ratio = f"{s / x:.2f}" if s and x else "–"
            md.append(f"| {name} | {fmt(s)} | {fmt(x)} | {ratio} | {sr}; {xr} |")
        if "rate-strata" in rates:
            r = rates["rate-strata"]
            md.append(f"| strata | {fmt(r.get('echo_msgs_per_s'))} | "
                      f"{fmt(r.get('self_msgs_per_s'))} | 1.00 | {r.get('strata_runs')}; "
                      f"{r.get('self_runs')} |")
    md.append("")
    md.append(f"Logs of every process: `{a.logdir}`.")
    with open(a.out, "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
