#!/usr/bin/env python3
"""Serves page.html to headless Chromium and relays WHIP-like signaling (DESIGN.md) to it.

  relay.py offer  --port P --upstream URL   the page offers to URL (a `strata answer`)
  relay.py answer --port P                  POST /offer here is long-polled by the page, which
                                            answers; 201 with the page's answer; GET /stats: what
                                            the answering page reported (media counts, DTLS role
                                            and SRTP cipher, channel closes)
  relay.py loop --port P                    the page calls itself (two RTCPeerConnections) --runs
                                            times: Chromium's own echo rate

The page fetches everything from this origin, so it needs no CORS and no CDP. In `offer`
mode the relay prints the page's one-line JSON result and exits 0 iff it is ok.
Stdlib only; binds 127.0.0.1.
"""
import argparse
import json
import os
import queue
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
offers = queue.Queue()  # (sdp, answer-queue)
result = queue.Queue()


def make_handler(args):
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def reply(self, status, body=b"", ctype="text/plain"):
            if isinstance(body, str):
                body = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n).decode()

        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/page.html":
                with open(os.path.join(HERE, "page.html"), "rb") as f:
                    self.reply(200, f.read(), "text/html")
            elif path == "/config":
                cfg = {"mode": args.mode, "messages": args.messages, "size": args.size,
                       "media": args.media, "big": args.big, "runs": args.runs}
                self.reply(200, json.dumps(cfg), "application/json")
            elif path == "/next-offer":
                if not ready.is_set():
                    ready.set()
                    print("page ready", flush=True)
                try:
                    sdp, _ = pending[0] if pending else (None, None)
                    if sdp is None:
                        item = offers.get(timeout=20)
                        pending.append(item)
                        sdp = item[0]
                    self.reply(200, sdp, "application/sdp")
                except queue.Empty:
                    self.reply(204)
            elif path == "/health":
                self.reply(200, "ok")
            elif path == "/stats":
                closed = sum(1 for r in reports if r.get("state") == "channel closed")
                self.reply(200, json.dumps({"closed": closed, "reports": reports}),
                           "application/json")
            else:
                self.reply(404, "not found\n")

        def do_POST(self):
            path = self.path.split("?")[0]
            body = self.body()
            if path == "/offer":  # from `strata offer`: hand to the page, wait for its answer
                if not self.headers.get("Content-Type", "").startswith("application/sdp"):
                    self.reply(415, "expected Content-Type: application/sdp\n")
                    return
                answers = queue.Queue()
                offers.put((body, answers))
                try:
                    self.reply(201, answers.get(timeout=args.timeout), "application/sdp")
                except queue.Empty:
                    self.reply(504, "the page did not answer\n")
            elif path == "/answer":  # from the page
                if pending:
                    _, answers = pending.pop(0)
                    answers.put(body)
                    self.reply(204)
                else:
                    self.reply(409, "no pending offer\n")
            elif path == "/upstream":  # from the page in offer mode: forward to strata answer
                req = urllib.request.Request(
                    args.upstream, body.encode(), {"Content-Type": "application/sdp"}
                )
                try:
                    with urllib.request.urlopen(req, timeout=args.timeout) as r:
                        self.reply(r.status, r.read(), "application/sdp")
                except urllib.error.HTTPError as e:
                    self.reply(e.code, e.read())
                except OSError as e:
                    self.reply(502, str(e))
            elif path == "/result":
                self.reply(204)
                result.put(body)
            elif path == "/report":
                reports.append(json.loads(body))
                self.reply(204)
            elif path == "/log":
                print("page:", body, file=sys.stderr, flush=True)
                self.reply(204)
            else:
                self.reply(404, "not found\n")

    return H


pending = []
reports = []
ready = threading.Event()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["offer", "answer", "loop"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--upstream", default="")
    p.add_argument("--messages", type=int, default=1000)
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--media", action="store_true", help="offer mode: also audio and video")
    p.add_argument("--big", type=int, default=0, help="offer mode: then one message of B bytes")
    p.add_argument("--runs", type=int, default=3, help="loop mode: calls to median over")
    args = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args))
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(f"listening on 127.0.0.1:{srv.server_address[1]}", flush=True)
    if args.mode == "answer":
        threading.Event().wait()
    try:
        line = result.get(timeout=args.timeout)
    except queue.Empty:
        line = json.dumps({"ok": False, "error": "no result from the page"})
    print(line, flush=True)
    sys.exit(0 if json.loads(line).get("ok") else 1)


if __name__ == "__main__":
    main()
