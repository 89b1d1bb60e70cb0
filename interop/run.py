#!/usr/bin/env python3
"""Runs the interop cells (`cargo xtask interop` calls this inside a loopback-only namespace).

Each cell: one data channel, N binary messages of SIZE bytes echoed and checked in order.
Writes a Markdown table to --out and exits non-zero if any cell fails.
"""
import argparse
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

MEDIA_CELL_MESSAGES = 20
HERE = os.path.dirname(os.path.abspath(__file__))
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


def chromium(procs, url, name="chromium"):
    profile = tempfile.mkdtemp(prefix="strata-chromium-")
    procs.profile = profile
    return procs.start(name, ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", url])


def cell_strata_to_chromium(a, procs, gum, strip):
    relay = procs.start("relay", [sys.executable, f"{HERE}/chromium/relay.py", "answer",
                                  "--port", "0", "--timeout", str(a.timeout)],
                        stdout=subprocess.PIPE)
    addr = listening(relay)
    chromium(procs, f"http://{addr}/page.html?gum={gum}&strip={strip}")
    wait_line(relay, "page ready", 15)  # time the call, not Chromium's start-up
    return run_client([a.strata, "offer", "--url", f"http://{addr}/offer", "--messages",
                       str(a.messages), "--size", str(a.size), "--timeout", str(a.timeout)],
                      a.timeout + 5, os.path.join(a.logdir, f"{procs.cell}.client.log"))


def strata_answer(procs):
    p = procs.start("strata-answer", [a_global.strata, "answer", "--listen", "127.0.0.1:0"],
                    stdout=subprocess.PIPE)
    return listening(p)


def media_args(a):
    """Media cells check media, with a short echo only: a long echo burst overruns aiortc's
    UDP receive buffer, and one lost VP8 packet then stalls its decoder for the whole cell."""
    return argparse.Namespace(**{**vars(a), "messages": min(a.messages, MEDIA_CELL_MESSAGES)})


def cell_chromium_to_strata(a, procs, gum, strip, media=False):
    a = media_args(a) if media else a
    up = strata_answer(procs)
    port = free_port()
    relay = procs.start("relay", [sys.executable, f"{HERE}/chromium/relay.py", "offer",
                                  "--port", str(port), "--upstream", f"http://{up}/offer",
                                  "--messages", str(a.messages), "--size", str(a.size),
                                  "--timeout", str(a.timeout)] + (["--media"] if media else []),
                        stdout=subprocess.PIPE)
    addr = listening(relay)
    chromium(procs, f"http://{addr}/page.html?gum={gum}&strip={strip}")
    try:
        out, _ = relay.communicate(timeout=a.timeout + 5)
        r = last_json(out)
    except subprocess.TimeoutExpired:
        r = {"ok": False, "error": "no result from the page"}
    if not r.get("ok"):  # what our side saw, for the diagnosis
        try:
            with urllib.request.urlopen(f"http://{up}/stats", timeout=2) as s:
                r["strata_stats"] = json.loads(s.read())
        except OSError as e:
            r["strata_stats"] = repr(e)
    return r


def cell_strata_to_aiortc(a, procs):
    p = procs.start("aiortc", [sys.executable, f"{HERE}/aiortc/peer.py", "answer", "--port", "0"],
                    stdout=subprocess.PIPE)
    addr = listening(p)
    return run_client([a.strata, "offer", "--url", f"http://{addr}/offer", "--messages",
                       str(a.messages), "--size", str(a.size), "--timeout", str(a.timeout)],
                      a.timeout + 5, os.path.join(a.logdir, f"{procs.cell}.client.log"))


def cell_aiortc_to_strata(a, procs, media=False):
    a = media_args(a) if media else a
    up = strata_answer(procs)
    return run_client([sys.executable, f"{HERE}/aiortc/peer.py", "offer", "--url",
                       f"http://{up}/offer", "--messages", str(a.messages), "--size",
                       str(a.size), "--timeout", str(a.timeout)] + (["--media"] if media else []),
                      a.timeout + 5, os.path.join(a.logdir, f"{procs.cell}.client.log"))


CELLS = [
    ("strata offer -> Chromium answers (host candidates)", "strata-chromium",
     lambda a, p: cell_strata_to_chromium(a, p, 1, 0)),
    ("Chromium offers -> strata answer (host candidates)", "chromium-strata",
     lambda a, p: cell_chromium_to_strata(a, p, 1, 0)),
    ("strata offer -> Chromium answers (candidates stripped: peer-reflexive)", "strata-chromium-prflx",
     lambda a, p: cell_strata_to_chromium(a, p, 0, 1)),
    ("Chromium offers -> strata answer (candidates stripped: peer-reflexive)", "chromium-strata-prflx",
     lambda a, p: cell_chromium_to_strata(a, p, 0, 1)),
    ("Chromium offers audio+video -> strata answer reflects (media)", "chromium-strata-media",
     lambda a, p: cell_chromium_to_strata(a, p, 1, 0, media=True)),
    ("strata offer -> aiortc answers", "strata-aiortc", cell_strata_to_aiortc),
    ("aiortc offers -> strata answer", "aiortc-strata", cell_aiortc_to_strata),
    ("aiortc offers audio+video -> strata answer reflects (media)", "aiortc-strata-media",
     lambda a, p: cell_aiortc_to_strata(a, p, media=True)),
]


def media_back(r):
    """What the reflector sent back, as the media peer counted it."""
    if "media_ok" not in r:
        return "–"
    if "audio_frames_decoded" not in r:  # Chromium's getStats
        return (f"audio {r['audio_packets']} pkts, video {r['video_frames_decoded']} frames "
                f"decoded")
    return (f"audio {r['audio_frames_decoded']}, video {r['video_frames_decoded']} frames decoded "
            f"(RTP lost: audio {r.get('audio_packets_lost')}, video {r.get('video_packets_lost')})")


def fmt(v):
    return "–" if v is None else str(v)


def main():
    global a_global
    p = argparse.ArgumentParser()
    p.add_argument("--strata", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--messages", type=int, default=200)
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--only", default="", help="comma-separated cell ids")
    a = a_global = p.parse_args()
    a.logdir = os.path.join(os.path.dirname(os.path.abspath(a.out)), "logs")
    os.makedirs(a.logdir, exist_ok=True)
    rows, failed = [], 0
    for title, cid, fn in CELLS:
        if a.only and cid not in a.only.split(","):
            continue
        procs = Procs(a.logdir, cid)
        procs.profile = None
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
        rows.append((title, ok, r, secs))
        print(f"interop: {'PASS' if ok else 'FAIL'} {cid} ({secs:.1f} s) {json.dumps(r)}", flush=True)
    md = [f"# Interop: {a.messages} x {a.size} B data-channel echo ({MEDIA_CELL_MESSAGES} in media "
          "cells), loopback-only namespace", "",
          "| cell | result | connected_ms | dc_open_ms | echoed | echo msg/s | media back | cell s | error |",
          "|---|---|---|---|---|---|---|---|---|"]
    for title, ok, r, secs in rows:
        md.append(f"| {title} | {'pass' if ok else 'FAIL'} | {fmt(r.get('connected_ms'))} | "
                  f"{fmt(r.get('dc_open_ms'))} | {fmt(r.get('echo_received'))} | "
                  f"{fmt(r.get('echo_msgs_per_s'))} | {media_back(r)} | {secs:.1f} | "
                  f"{r.get('error', '')} |")
    md.append("")
    md.append(f"Logs of every process: `{a.logdir}`.")
    with open(a.out, "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
