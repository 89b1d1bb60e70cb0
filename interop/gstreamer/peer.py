#!/usr/bin/python3
"""GStreamer 1.22 webrtcbin peer speaking the signaling of DESIGN.md (POST /offer,
application/sdp -> 201). Same contract as ../aiortc/peer.py:

  peer.py answer --port P                        serve POST /offer; echo every data-channel message;
                                                 GET /stats: counters (connected, closed, ...)
  peer.py offer --url URL [--messages N] [--size B] [--big B] [--timeout S] [--media]
                                                 offer to URL, send N binary messages on channel
                                                 `echo`, check every echo in order, then (--big)
                                                 one message of B bytes if the answer's
                                                 a=max-message-size allows it, close the channel,
                                                 print one JSON line, exit 0 iff ok;
                                                 --media also sends Opus audio (audiotestsrc) and
                                                 VP8 video (videotestsrc) and counts the RTP packets
                                                 and decoded frames that come back

  answer also takes audio/video offers: it answers sendrecv with Opus and VP8 of its own and
  counts the RTP that arrives (GET /stats "media"); strata's synthetic payloads are not decodable.

Runs on Debian's /usr/bin/python3 (PyGObject `gi`; a pyenv or venv python has none).
Quirks handled (INTEROP.md): libnice skips loopback unless told `add-local-ip-address 127.0.0.1`;
ICE-TCP and UPnP off; objects read from webrtcbin properties (`ice-agent`, its NiceAgent,
`sctp-transport`) and promise replies stay referenced from Python (PyGObject drops webrtcbin's own
reference otherwise: settings lost, a channel that never opens, a crash). webrtcbin's own RSA-2048
certificate is kept (strata-dtls verifies RSA peers); --ecdsa swaps it for ECDSA P-256. It sends at most
64 KiB per message. It has no close(): hang_up() sends DTLS close_notify; and it leaves its
connection-state "connected" when the remote closes, so the answerer watches its DTLS transport.
Signaling is non-trickle: the SDP is sent once gathering is complete, with the gathered
candidates written into it if webrtcbin left them out. Binds 127.0.0.1 only.
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

Gst.init(None)
PCS = GstWebRTC.WebRTCPeerConnectionState
BASE = bytes(range(251)) * (1 + (1 << 20) // 251)
DEBUG = bool(os.environ.get("STRATA_INTEROP_DEBUG"))
GST_MAX_MESSAGE = 65536  # webrtcbin 1.22 sends no larger message (no a=max-message-size: 64 KiB)
ECDSA = False  # --ecdsa: replace webrtcbin's own RSA certificate with ECDSA P-256


def log(*a):
    print("gstreamer:", *a, file=sys.stderr, flush=True)


def payload(i, size):
    """Same bytes as `strata offer`'s binary payload(i, size): (i*131 + j) % 251."""
    k = (i * 131) % 251
    if size <= len(BASE) - k:
        return BASE[k:k + size]
    return bytes((i * 131 + j) % 251 for j in range(size))


_PEM = []


def ecdsa_pem():
    """A self-signed ECDSA P-256 certificate and its key, PEM (certificate first), made once."""
    if not _PEM:
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=WebRTC", "-days",
                            "30", "-keyout", f"{d}/k.pem", "-out", f"{d}/c.pem"],
                           check=True, capture_output=True)
            _PEM.append(open(f"{d}/c.pem").read() + open(f"{d}/k.pem").read())
    return _PEM[0]


def fingerprint(pem):
    """sha-256 of a PEM's certificate, as SDP writes it (RFC 8122)."""
    b64 = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", pem, re.S)
    return ":".join(f"{x:02X}" for x in hashlib.sha256(base64.b64decode(b64.group(1))).digest())


def bytes_of(gbytes):
    return bytes(gbytes.get_data() or b"")


class Peer:
    """One webrtcbin in its own pipeline, with media sources when asked."""

    def __init__(self, name, media):
        self.pipe = Gst.Pipeline.new(name)
        self.webrtc = Gst.ElementFactory.make("webrtcbin", "webrtc")
        self.webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
        self.pipe.add(self.webrtc)
        # Keep both referenced: PyGObject would drop them and the settings with them.
        self.ice = self.webrtc.get_property("ice-agent")
        self.ice.emit("add-local-ip-address", "127.0.0.1")
        self.ice.set_property("ice-tcp", False)
        self.nice = self.ice.get_property("agent")
        if self.nice is not None:
            self.nice.set_property("upnp", False)
        self.promises = []
        self.fingerprint = None  # sha-256 of the certificate use_ecdsa_certificate() set
        self.candidates = []  # (mline, "candidate:...")
        self.gathered = threading.Event()
        self.webrtc.connect("on-ice-candidate", self._on_candidate)
        self.webrtc.connect("notify::ice-gathering-state", self._on_gathering)
        self.sent = {"audio": 0, "video": 0}  # RTP packets into webrtcbin
        self.rtp = {"audio": 0, "video": 0}  # RTP packets out of webrtcbin (received)
        self.frames = {"audio": 0, "video": 0}
        self.lock = threading.Lock()
        self.decode = True  # received media: decoded and counted, or (False) RTP counted only
        self.webrtc.connect("pad-added", self._on_pad)
        if media:
            self.add_sources({"audio": (None, 111), "video": (None, 96)})
        self.bus = self.pipe.get_bus()  # no main loop: errors are polled (error())

    def transceivers(self):
        out, i = [], 0
        while True:
            t = self.webrtc.emit("get-transceiver", i)
            if t is None:
                return out
            out.append(t)
            i += 1

    def elements(self, factory):
        it, out = self.webrtc.iterate_recurse(), []
        while True:
            res, e = it.next()
            if res != Gst.IteratorResult.OK:
                return out
            if e.get_factory() and e.get_factory().get_name() == factory:
                out.append(e)

    def use_ecdsa_certificate(self):
        """(--ecdsa) webrtcbin 1.22 always makes an RSA-2048 certificate, which ECDSA-only DTLS
        stacks cannot use (strata before RSA peer support). Give the DTLS transport an ECDSA
        P-256 certificate instead. Its dtlsdec makes a new OpenSSL agent and connection when its `pem` is set, but
        hooks its peer-certificate handler to the connection only on NULL->READY (without it
        OpenSSL rejects every peer certificate: alert unknown_ca), and it is PLAYING by now: so
        take it down to NULL, set the PEM, and bring it back up. Call once the transport exists
        and before the SDP that carries the fingerprint (taken from this certificate)."""
        decs, dtlsdecs = self.elements("dtlssrtpdec"), self.elements("dtlsdec")
        if len(decs) != 1 or len(dtlsdecs) != 1:
            raise RuntimeError(f"expected one DTLS transport (max-bundle), found {len(decs)}")
        dtlsdecs[0].set_state(Gst.State.NULL)
        pem = ecdsa_pem()
        decs[0].set_property("pem", pem)
        self.fingerprint = fingerprint(pem)
        if not dtlsdecs[0].sync_state_with_parent():
            raise RuntimeError("dtlsdec did not come back up")

    def add_sources(self, media):
        """Opus audio and VP8 video from test sources into webrtcbin. `media`: kind -> (sink pad
        name or None, payload type); the answerer names the pad of the offered m-line."""
        launch = {
            "audio": "audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! "
                     "audioresample ! opusenc ! rtpopuspay pt={pt} ! capsfilter caps=application/"
                     "x-rtp,media=audio,encoding-name=OPUS,payload={pt},clock-rate=48000",
            # mtu 600: a few packets per frame, as a browser's 640x480 would send.
            "video": "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,"
                     "framerate=30/1 ! videoconvert ! vp8enc deadline=1 cpu-used=8 "
                     "keyframe-max-dist=30 ! rtpvp8pay pt={pt} mtu=600 ! capsfilter caps="
                     "application/x-rtp,media=video,encoding-name=VP8,payload={pt},"
                     "clock-rate=90000",
        }
        for kind, (pad, pt) in media.items():
            b = Gst.parse_bin_from_description(launch[kind].format(pt=pt), True)
            self.pipe.add(b)
            if not b.link_pads("src", self.webrtc, pad):
                raise RuntimeError(f"cannot link {kind} to webrtcbin {pad or 'sink_%u'}")
            b.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER,
                                              lambda _p, _i, k=kind: self._count(self.sent, k))
            b.sync_state_with_parent()

    def _count(self, counter, kind):
        with self.lock:
            counter[kind] += 1
        return Gst.PadProbeReturn.OK

    def _on_pad(self, _el, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        caps = pad.get_current_caps() or pad.query_caps(None)
        kind = caps.get_structure(0).get_string("media") or "video"

        pad.add_probe(Gst.PadProbeType.BUFFER, lambda _p, _i: self._count(self.rtp, kind))
        if not self.decode:  # strata's synthetic payloads are not decodable
            sink = Gst.ElementFactory.make("fakesink")
            sink.set_property("sync", False)
            sink.set_property("async", False)
            self.pipe.add(sink)
            sink.sync_state_with_parent()
            pad.link(sink.get_static_pad("sink"))
            return
        dec = Gst.ElementFactory.make("decodebin")
        self.pipe.add(dec)
        dec.connect("pad-added", lambda _d, p: self._on_decoded(p, kind))
        dec.sync_state_with_parent()
        pad.link(dec.get_static_pad("sink"))

    def _on_decoded(self, pad, kind):
        sink = Gst.ElementFactory.make("fakesink")
        sink.set_property("sync", False)
        sink.set_property("async", False)
        self.pipe.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))

        sink.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER,
                                              lambda _p, _i: self._count(self.frames, kind))

    def _on_candidate(self, _el, mline, cand):
        self.candidates.append((mline, cand))

    def _on_gathering(self, *_):
        if self.webrtc.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            self.gathered.set()

    def call(self, signal, *args):
        """Emits a promise-taking action signal and waits for its reply."""
        p = Gst.Promise.new()
        self.webrtc.emit(signal, *args, p)
        if p.wait() != Gst.PromiseResult.REPLIED:
            raise RuntimeError(f"{signal}: no reply")
        reply = p.get_reply()
        # The reply belongs to the promise, and PyGObject frees it with its Python wrapper:
        # keep both alive, or the description read from it is freed under us.
        self.promises.append((p, reply))
        return reply

    def set_description(self, signal, kind, sdp_text):
        ok, msg = GstSdp.SDPMessage.new_from_text(sdp_text)
        if ok != GstSdp.SDPResult.OK:
            raise RuntimeError(f"bad SDP: {ok}")
        self.call(signal, GstWebRTC.WebRTCSessionDescription.new(kind, msg))

    def set_local(self, kind):
        """create-offer/answer, then set-local-description: with our certificate's fingerprint
        when use_ecdsa_certificate() replaced webrtcbin's. webrtcbin hashes every base64 line
        of its `certificate` PEM, the private key's too: its own fingerprint would be wrong."""
        desc = self.call(f"create-{kind}", None).get_value(kind)
        sdp = desc.sdp.as_text()
        if self.fingerprint:
            sdp = re.sub(r"a=fingerprint:[^\r\n]*", f"a=fingerprint:sha-256 {self.fingerprint}", sdp)
        sdp_type = GstWebRTC.WebRTCSDPType.OFFER if kind == "offer" else GstWebRTC.WebRTCSDPType.ANSWER
        self.set_description("set-local-description", sdp_type, sdp)

    def local_sdp_complete(self, timeout):
        """The local description once gathering is complete, with every candidate in it."""
        if not self.gathered.wait(timeout):
            raise RuntimeError("ICE gathering did not complete")
        sdp = self.webrtc.get_property("local-description").sdp.as_text()
        if "a=candidate:" in sdp:
            return sdp
        # Non-trickle signaling: put the trickled candidates into their m-sections.
        out, mline = [], -1
        for line in sdp.splitlines():
            if line.startswith("m=") and mline >= 0:
                out += [f"a={c}" for m, c in self.candidates if m == mline]
                out.append("a=end-of-candidates")
            if line.startswith("m="):
                mline += 1
            out.append(line)
        if mline >= 0:
            out += [f"a={c}" for m, c in self.candidates if m == mline]
            out.append("a=end-of-candidates")
        return "\r\n".join(out) + "\r\n"

    def error(self):
        """The first error posted on the bus, if any."""
        m = self.bus.pop_filtered(Gst.MessageType.ERROR)
        if m is None:
            return None
        err, _ = m.parse_error()
        return f"{m.src.get_name()}: {err.message}"

    def hang_up(self):
        """webrtcbin 1.22 has no close(): stopping the pipeline just goes silent, and the remote
        would learn of it only when consent expires (30 s). An EOS into the DTLS encoder makes
        it send close_notify (the remote answers with its own), as a browser's close() does."""
        for e in self.elements("sctpenc"):
            e.get_static_pad("src").push_event(Gst.Event.new_eos())
        time.sleep(0.2)

    def stop(self):
        t = threading.Thread(target=self.pipe.set_state, args=(Gst.State.NULL,), daemon=True)
        t.start()
        t.join(3)


class Echo:
    """Echoes a data channel's messages from a thread of its own (never from webrtcbin's);
    calls on_close once the channel has closed."""

    def __init__(self, ch, on_message, on_close):
        self.ch, self.q, self.cv = ch, [], threading.Condition()
        self.on_message, self.on_close = on_message, on_close
        ch.connect("on-message-data", lambda _c, d: self._push(("data", bytes_of(d))))
        ch.connect("on-message-string", lambda _c, s: self._push(("string", s)))
        ch.connect("on-close", lambda _c: self._push(None))
        threading.Thread(target=self._run, daemon=True).start()

    def _push(self, m):
        with self.cv:
            self.q.append(m)
            self.cv.notify()

    def _run(self):
        while True:
            with self.cv:
                while not self.q:
                    self.cv.wait()
                batch, self.q = self.q, []
            for m in batch:
                if m is None:
                    self.on_close()
                    return
                if DEBUG:
                    log(f"echo: {m[0]} of {len(m[1])} B")
                if m[0] == "data":  # text stays text, binary stays binary
                    self.ch.emit("send-data", GLib.Bytes.new(m[1]))
                else:
                    self.ch.emit("send-string", m[1])
                self.on_message()


def serve_answer(port, timeout):
    lock = threading.Lock()
    peers = {}  # the running calls, by number; ended calls are stopped and dropped
    received = []  # every media call's RTP counts, ended calls' too
    counters = {"offers": 0, "answered": 0, "connected": 0, "closed": 0, "failed": 0,
                "channels": 0, "messages_echoed": 0}

    def count(key):
        with lock:
            counters[key] += 1

    def end(n, how):
        """A call ends once: its data channel or DTLS transport closed, or it failed."""
        with lock:
            p = peers.pop(n, None)
            if p is None:
                return
            counters[how] += 1
        log(f"answerer: call {n} {how}")
        threading.Thread(target=p.stop, daemon=True).start()  # never from a webrtcbin thread

    def on_state(n, w):
        s = w.get_property("connection-state")
        log(f"answerer: call {n} {s.value_nick}")
        if s == PCS.CONNECTED:
            count("connected")
        elif s in (PCS.FAILED, PCS.CLOSED):
            end(n, "failed" if s == PCS.FAILED else "closed")

    def watch_dtls(n, dtls):
        ended = {GstWebRTC.WebRTCDTLSTransportState.CLOSED: "closed",
                 GstWebRTC.WebRTCDTLSTransportState.FAILED: "failed"}
        while True:
            with lock:
                if n not in peers:
                    return
            how = ended.get(dtls.get_property("state"))
            if how:
                return end(n, how)
            time.sleep(0.05)

    def on_channel(n, p, ch):
        count("channels")
        p.echoes.append(Echo(ch, lambda: count("messages_echoed"), lambda: end(n, "closed")))

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, ctype, body):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/health":
                self.reply(200, "text/plain", b"ok")
            elif self.path == "/stats":
                with lock:
                    st = {**counters, "peers_active": len(peers),
                          "media": {f"{k}_packets": sum(r[k] for r in received)
                                    for k in ("audio", "video")}}
                self.reply(200, "application/json", json.dumps(st).encode())
            else:
                self.reply(404, "text/plain", b"not found\n")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path != "/offer":
                return self.reply(404, "text/plain", b"not found\n")
            if not self.headers.get("Content-Type", "").startswith("application/sdp"):
                return self.reply(415, "text/plain", b"expected Content-Type: application/sdp\n")
            count("offers")
            if DEBUG:
                log(f"offer:\n{body.decode()}")
            with lock:
                n = counters["offers"]
            try:
                p = Peer(f"answer{n}", False)
                p.echoes = []
                with lock:
                    peers[n] = p
                p.webrtc.connect("on-data-channel", lambda _w, ch: on_channel(n, p, ch))
                p.webrtc.connect("notify::connection-state", lambda w, _s: on_state(n, w))
                p.pipe.set_state(Gst.State.PLAYING)
                p.set_description("set-remote-description", GstWebRTC.WebRTCSDPType.OFFER,
                                  body.decode())
                media = offered_media(body.decode())
                if media:  # answer with media of our own, sendrecv, and count what arrives
                    p.decode = False
                    for t in p.transceivers():
                        t.set_property("direction",
                                       GstWebRTC.WebRTCRTPTransceiverDirection.SENDRECV)
                    p.add_sources(media)
                    with lock:
                        received.append(p.rtp)
                if ECDSA:
                    p.use_ecdsa_certificate()
                p.set_local("answer")
                # webrtcbin 1.22 leaves connection-state "connected" when the remote closes
                # (SCTP ABORT, DTLS close_notify); its DTLS transport does turn "closed".
                # Polled from a thread of ours: reading it in its notify handler deadlocks.
                # Polled from a thread of ours. Both objects stay referenced from Python, or
                # PyGObject drops webrtcbin's own reference (the data channel never opens).
                p.sctp = p.webrtc.get_property("sctp-transport")
                p.dtls = p.sctp.get_property("transport")
                threading.Thread(target=watch_dtls, args=(n, p.dtls), daemon=True).start()
                sdp = p.local_sdp_complete(timeout)
                count("answered")
                self.reply(201, "application/sdp", sdp.encode())
            except Exception as e:
                log(f"answerer: {e!r}")
                end(n, "failed")
                self.reply(500, "text/plain", f"{e!r}\n".encode())

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
    print(f"listening on 127.0.0.1:{srv.server_address[1]}", flush=True)
    srv.serve_forever()


def offered_media(sdp):
    """kind -> (webrtcbin sink pad of its m-line, payload type) for the Opus audio and VP8 video
    an offer carries."""
    out, mline, kind = {}, -1, None
    for line in sdp.splitlines():
        if line.startswith("m="):
            mline += 1
            kind = line[2:].split()[0]
        m = re.match(r"a=rtpmap:(\d+) (opus|VP8)/", line, re.I)
        if m and kind in ("audio", "video") and kind not in out:
            out[kind] = (f"sink_{mline}", int(m.group(1)))
    return out


def max_message_size(sdp):
    """The answer's a=max-message-size (RFC 8841 §6: absent means 64 KiB; 0: no limit)."""
    for line in sdp.splitlines():
        if line.startswith("a=max-message-size:"):
            return int(line.split(":", 1)[1]) or 1 << 62
    return 65536


def run_offer(url, n, size, timeout, media, big=0):
    r = {"connected_ms": None, "dc_open_ms": None, "echo_received": 0, "echo_mismatch": 0,
         "echo_msgs_per_s": 0, "dc_closed_ms": None, "ok": False}
    t0 = time.monotonic()
    ms = lambda: round((time.monotonic() - t0) * 1000, 3)
    p = Peer("offer", media)
    opened, done, closed = threading.Event(), threading.Event(), threading.Event()
    big_done = threading.Event()
    cv = threading.Condition()
    st = {"sent": 0, "first": None, "last": None}
    window = max(1, min(256, (1 << 20) // max(1, size)))

    def on_state(w, _s):
        s = w.get_property("connection-state")
        if DEBUG:
            log("offerer:", s.value_nick)
        if s == PCS.CONNECTED and r["connected_ms"] is None:
            r["connected_ms"] = ms()
        if s == PCS.FAILED:
            r.setdefault("error", "connection failed")
            done.set()

    p.webrtc.connect("notify::connection-state", on_state)
    p.pipe.set_state(Gst.State.PLAYING)
    ch = p.webrtc.emit("create-data-channel", "echo", None)
    if ch is None:
        raise RuntimeError("create-data-channel returned nothing")

    def on_open(_c):
        r["dc_open_ms"] = ms()
        opened.set()

    def on_data(_c, d):
        m = bytes_of(d)
        if r["echo_received"] >= n:  # the big message's echo
            r["big"] = "ok" if m == payload(0x5EED, big) else f"mismatch ({len(m)} B)"
            big_done.set()
            return
        with cv:
            if m != payload(r["echo_received"], size):
                r["echo_mismatch"] += 1
            r["echo_received"] += 1
            st["last"] = time.monotonic()
            cv.notify()
        if r["echo_received"] >= n:
            done.set()

    def on_string(_c, s):
        with cv:
            r["echo_mismatch"] += 1
            r["echo_received"] += 1
            cv.notify()

    def on_close(_c):
        r["dc_closed_ms"] = ms()
        closed.set()
        with cv:
            cv.notify()

    ch.connect("on-open", on_open)
    ch.connect("on-message-data", on_data)
    ch.connect("on-message-string", on_string)
    ch.connect("on-close", on_close)
    ch.connect("on-error", lambda _c, e: r.setdefault("error", f"data channel: {e.message}"))

    def pump():  # our own thread: at most `window` messages unanswered
        opened.wait()
        while st["sent"] < n and not done.is_set() and not closed.is_set():
            with cv:
                while (st["sent"] - r["echo_received"] >= window and not done.is_set()
                       and not closed.is_set()):
                    cv.wait(0.5)
            if done.is_set() or closed.is_set():
                return
            ch.emit("send-data", GLib.Bytes.new(payload(st["sent"], size)))
            st["first"] = st["first"] or time.monotonic()
            st["sent"] += 1

    try:
        p.call("create-offer", None)  # makes the DTLS transport
        if ECDSA:
            p.use_ecdsa_certificate()
        p.set_local("offer")
        sdp = p.local_sdp_complete(timeout)
        r["gathered_ms"] = ms()
        req = urllib.request.Request(url, sdp.encode(), {"Content-Type": "application/sdp"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            if resp.status != 201:
                raise RuntimeError(f"signaling status {resp.status}")
            answer = resp.read().decode()
        if DEBUG:
            log(f"offer:\n{sdp}\nanswer:\n{answer}")
        r["answered_ms"] = ms()
        p.set_description("set-remote-description", GstWebRTC.WebRTCSDPType.ANSWER, answer)
        threading.Thread(target=pump, daemon=True).start()
        end = t0 + timeout
        while not done.wait(0.1):
            if time.monotonic() > end:
                raise RuntimeError(f"timed out ({'echo' if opened.is_set() else 'channel open'})")
            if closed.is_set():
                raise RuntimeError("data channel closed early")
            e = p.error()
            if e:
                raise RuntimeError(e)
        if big > 0:
            r["remote_max_message_size"] = max_message_size(answer)
            if big > r["remote_max_message_size"]:
                r["big"] = f"n/a (max-message-size {r['remote_max_message_size']})"
            else:
                # webrtcbin refuses to send more than its own (implied) 64 KiB: "Requested to
                # send data that is too large". Send the largest it can, and say so.
                sent_big, big = big, min(big, GST_MAX_MESSAGE)
                tb = time.monotonic()
                ch.send_data_full(GLib.Bytes.new(payload(0x5EED, big)))  # raises if refused
                if not big_done.wait(timeout):
                    raise RuntimeError(f"no echo of the {big} B message")
                r["big_ms"] = round((time.monotonic() - tb) * 1000, 3)
                if big < sent_big and r["big"] == "ok":
                    r["big"] = (f"n/a (webrtcbin sends at most {GST_MAX_MESSAGE} B; "
                                f"{big} B echoed ok)")
        end = time.monotonic() + 8
        while media and time.monotonic() < end and (p.frames["audio"] < 50 or p.frames["video"] < 15):
            time.sleep(0.1)
        if "error" not in r:  # a clean close: our stream reset answered by the peer's
            ch.emit("close")
            if not closed.wait(3):
                r["error"] = "data channel close not completed within 3 s"
    except Exception as e:
        r.setdefault("error", repr(e))
    if st["first"] and st["last"] and st["last"] > st["first"]:
        r["echo_msgs_per_s"] = round(r["echo_received"] / (st["last"] - st["first"]))
    r["ok"] = "error" not in r and r["echo_received"] == n and r["echo_mismatch"] == 0
    if big > 0:
        r["ok"] = r["ok"] and (r.get("big") == "ok" or str(r.get("big")).startswith("n/a"))
    if media:
        with p.lock:
            r["audio_sent"], r["video_sent"] = p.sent["audio"], p.sent["video"]
            r["audio_packets"], r["video_packets"] = p.rtp["audio"], p.rtp["video"]
            r["audio_frames_decoded"] = p.frames["audio"]
            r["video_frames_decoded"] = p.frames["video"]
        r["media_ok"] = r["audio_frames_decoded"] >= 50 and r["video_frames_decoded"] >= 15
        r["ok"] = r["ok"] and r["media_ok"]
    p.hang_up()
    print(json.dumps(r), flush=True)
    p.stop()
    return r["ok"]


def main():
    if DEBUG:
        Gst.debug_set_threshold_from_string(os.environ.get("STRATA_GST_DEBUG", "webrtc*:5,nice:4"), True)
    a = argparse.ArgumentParser()
    a.add_argument("mode", choices=["offer", "answer"])
    a.add_argument("--port", type=int, default=0)
    a.add_argument("--url", default="")
    a.add_argument("--messages", type=int, default=1000)
    a.add_argument("--big", type=int, default=0)
    a.add_argument("--size", type=int, default=1024)
    a.add_argument("--timeout", type=float, default=30.0)
    a.add_argument("--media", action="store_true")
    a.add_argument("--ecdsa", action="store_true",
                   help="replace webrtcbin's own RSA-2048 certificate with ECDSA P-256")
    a = a.parse_args()
    global ECDSA
    ECDSA = a.ecdsa
    if a.mode == "answer":
        serve_answer(a.port, a.timeout)
    else:
        ok = run_offer(a.url, a.messages, a.size, a.timeout, a.media, a.big)
        sys.stdout.flush()
        os._exit(0 if ok else 1)  # webrtcbin's threads must not hold the exit up


if __name__ == "__main__":
    main()
