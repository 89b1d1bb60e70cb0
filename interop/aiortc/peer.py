#!/usr/bin/env python3
"""aiortc 1.16 peer speaking the signaling of DESIGN.md (POST /offer, application/sdp -> 201).

  peer.py answer --port P                        serve POST /offer; echo every data-channel message;
                                                 offered audio/video: decode it and send our own
                                                 back; GET /stats: counters (connected, closed,
                                                 media packets and decoded frames, ...)
  peer.py offer --url URL [--messages N] [--size B] [--big B] [--timeout S] [--media]
                                                 offer to URL (a `strata answer`), send N binary
                                                 messages on channel `echo`, check every echo in
                                                 order, then (--big) one message of B bytes if
                                                 the answer's a=max-message-size allows it,
                                                 print one JSON line, exit 0 iff ok;
                                                 --media also sends audio (silence, Opus) and
                                                 video (VP8) and counts the frames reflected back

Quirks handled (INTEROP.md): iceServers=[] (else Google's STUN server) and aioice patched to
gather 127.0.0.1 only (it skips loopback by default). Binds 127.0.0.1 only.
"""
import argparse
import asyncio
import json
import logging
import os
import sys
import time
import urllib.request

import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack

aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]


def new_pc():
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


def payload(i, size):
    """Same bytes as `strata offer`'s binary payload(i, size)."""
    return bytes((i * 131 + j) % 251 for j in range(size))


def max_message_size(sdp):
    """The answer's a=max-message-size (RFC 8841 §6: absent means 64 KiB, 0 means no limit)."""
    for line in sdp.splitlines():
        if line.startswith("a=max-message-size:"):
            return int(line.split(":", 1)[1]) or float("inf")
    return 65536


async def serve_answer(port):
    peers = set()
    counters = {"offers": 0, "answered": 0, "connected": 0, "closed": 0, "failed": 0,
                "channels": 0, "messages_echoed": 0}
    media = {}  # pc -> what it received: RTP packets (getStats) and decoded frames, by kind
    ended_media = {}

    async def media_of(pc):
        m = dict(media.get(pc, {}))
        try:
            for st in (await pc.getStats()).values():
                if st.type == "inbound-rtp":
                    m[f"{st.kind}_packets"] = m.get(f"{st.kind}_packets", 0) + st.packetsReceived
        except Exception:  # a closed pc has no stats
            pass
        return m

    async def all_media():
        total = dict(ended_media)
        for pc in list(peers):
            for k, v in (await media_of(pc)).items():
                total[k] = total.get(k, 0) + v
        return total

    async def handle(reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            hdrs = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
            body = await reader.readexactly(int(hdrs.get("content-length", "0")))
            status, ctype, out = 404, "text/plain", b"not found\n"
            if method == "GET" and path == "/health":
                status, out = 200, b"ok"
            elif method == "GET" and path == "/stats":
                status, ctype = 200, "application/json"
                out = json.dumps({**counters, "peers_active": len(peers),
                                  "media": await all_media()}).encode()
            elif method == "POST" and path == "/offer":
                if not hdrs.get("content-type", "").startswith("application/sdp"):
                    status, out = 415, b"expected Content-Type: application/sdp\n"
                else:
                    counters["offers"] += 1
                    pc = new_pc()
                    peers.add(pc)

                    async def end(how, pc=pc):
                        if pc in peers:
                            for k, v in (await media_of(pc)).items():
                                ended_media[k] = ended_media.get(k, 0) + v
                            peers.discard(pc)
                            counters[how] += 1
                            await pc.close()

                    @pc.on("datachannel")
                    def on_dc(ch):
                        counters["channels"] += 1

                        @ch.on("message")
                        def on_msg(m):
                            ch.send(m)  # text stays text, binary stays binary
                            counters["messages_echoed"] += 1

                        @ch.on("close")
                        def on_close():
                            asyncio.ensure_future(end("closed"))

                    @pc.on("connectionstatechange")
                    async def on_state():
                        print(f"aiortc answerer: {pc.connectionState}", file=sys.stderr, flush=True)
                        if pc.connectionState == "connected":
                            counters["connected"] += 1
                        if pc.connectionState in ("failed", "closed"):
                            await end(pc.connectionState)

                    @pc.on("track")
                    def on_track(track, pc=pc):
                        # Offered media: decode what arrives, send our own of the same kind.
                        m = media.setdefault(pc, {})
                        key = f"{track.kind}_frames_decoded"
                        m[key] = 0

                        async def count():
                            try:
                                while True:
                                    await track.recv()
                                    m[key] += 1
                            except MediaStreamError:
                                pass

                        asyncio.ensure_future(count())
                        pc.addTrack(AudioStreamTrack() if track.kind == "audio"
                                    else VideoStreamTrack())

                    await pc.setRemoteDescription(RTCSessionDescription(body.decode(), "offer"))
                    await pc.setLocalDescription(await pc.createAnswer())  # gathers fully
                    status, ctype, out = 201, "application/sdp", pc.localDescription.sdp.encode()
                    counters["answered"] += 1
            reason = {200: "OK", 201: "Created", 404: "Not Found", 415: "Unsupported Media Type"}
            writer.write(
                f"HTTP/1.1 {status} {reason.get(status, 'Error')}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(out)}\r\nConnection: close\r\n\r\n".encode() + out
            )
            await writer.drain()
        except Exception as e:  # a bad request must not stop the server
            print(f"aiortc answerer: {e!r}", file=sys.stderr, flush=True)
        finally:
            writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", port)
    print(f"listening on 127.0.0.1:{srv.sockets[0].getsockname()[1]}", flush=True)
    async with srv:
        await srv.serve_forever()


async def run_offer(url, n, size, timeout, media, big=0):
    r = {"connected_ms": None, "dc_open_ms": None, "echo_received": 0, "echo_mismatch": 0,
         "echo_msgs_per_s": 0, "ok": False}
    t0 = time.monotonic()
    ms = lambda: round((time.monotonic() - t0) * 1000, 3)
    pc = new_pc()
    dc = pc.createDataChannel("echo")
    frames = {"audio": 0, "video": 0}
    if media:
        pc.addTrack(AudioStreamTrack())
        pc.addTrack(VideoStreamTrack())

        @pc.on("track")
        def on_track(track):
            async def count():
                try:
                    while True:
                        await track.recv()  # decoded: the reflected RTP must be valid media
                        frames[track.kind] += 1
                except MediaStreamError:
                    pass

            asyncio.ensure_future(count())

    opened, done = asyncio.Event(), asyncio.Event()
    state = {"sent": 0, "first": None, "last": None}
    window = max(1, min(256, (1 << 20) // size))

    def pump():
        while state["sent"] < n and state["sent"] - r["echo_received"] < window:
            dc.send(payload(state["sent"], size))
            state["first"] = state["first"] or time.monotonic()
            state["sent"] += 1

    @pc.on("connectionstatechange")
    def on_state():
        if pc.connectionState == "connected" and r["connected_ms"] is None:
            r["connected_ms"] = ms()
        if pc.connectionState == "failed":
            done.set()

    @dc.on("open")
    def on_open():
        r["dc_open_ms"] = ms()
        opened.set()

    big_done = asyncio.Event()

    @dc.on("message")
    def on_msg(m):
        if r["echo_received"] >= n:  # the big message's echo
            r["big"] = "ok" if m == payload(0x5EED, big) else f"mismatch ({len(m)} B)"
            big_done.set()
            return
        if not isinstance(m, bytes) or m != payload(r["echo_received"], size):
            r["echo_mismatch"] += 1
        r["echo_received"] += 1
        state["last"] = time.monotonic()
        if r["echo_received"] >= n:
            done.set()
        else:
            pump()

    try:
        await pc.setLocalDescription(await pc.createOffer())
        req = urllib.request.Request(url, pc.localDescription.sdp.encode(),
                                     {"Content-Type": "application/sdp"})
        loop = asyncio.get_running_loop()
        resp = await loop.run_in_executor(None, lambda: urllib.request.urlopen(req, timeout=timeout))
        if resp.status != 201:
            raise RuntimeError(f"signaling status {resp.status}")
        answer = resp.read().decode()
        await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        await asyncio.wait_for(opened.wait(), timeout)
        pump()
        await asyncio.wait_for(done.wait(), timeout)
        if big > 0:
            r["remote_max_message_size"] = max_message_size(answer)
            if big > r["remote_max_message_size"]:
                r["big"] = f"n/a (max-message-size {r['remote_max_message_size']})"
            else:
                tb = time.monotonic()
                dc.send(payload(0x5EED, big))
                await asyncio.wait_for(big_done.wait(), timeout)
                r["big_ms"] = round((time.monotonic() - tb) * 1000, 3)
        end = time.monotonic() + 8
        while media and time.monotonic() < end and (frames["audio"] < 50 or frames["video"] < 15):
            await asyncio.sleep(0.1)
    except Exception as e:
        r["error"] = repr(e)
    if state["first"] and state["last"] and state["last"] > state["first"]:
        r["echo_msgs_per_s"] = round(r["echo_received"] / (state["last"] - state["first"]))
    r["ok"] = "error" not in r and r["echo_received"] == n and r["echo_mismatch"] == 0
    if big > 0:
        r["ok"] = r["ok"] and (r.get("big") == "ok" or str(r.get("big")).startswith("n/a"))
    if media:
        r["audio_frames_decoded"], r["video_frames_decoded"] = frames["audio"], frames["video"]
        try:  # diagnostics: what arrived as RTP, by kind
            for st in (await pc.getStats()).values():
                if st.type == "inbound-rtp":
                    r[f"{st.kind}_packets"] = st.packetsReceived
                    r[f"{st.kind}_packets_lost"] = st.packetsLost
        except Exception as e:
            r["stats_error"] = repr(e)
        r["media_ok"] = frames["audio"] >= 50 and frames["video"] >= 15
        r["ok"] = r["ok"] and r["media_ok"]
    await pc.close()
    print(json.dumps(r), flush=True)
    return r["ok"]


def main():
    if os.environ.get("STRATA_INTEROP_DEBUG"):
        logging.basicConfig(level=logging.DEBUG)
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["offer", "answer"])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--url", default="")
    p.add_argument("--messages", type=int, default=1000)
    p.add_argument("--big", type=int, default=0)
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--media", action="store_true")
    a = p.parse_args()
    if a.mode == "answer":
        asyncio.run(serve_answer(a.port))
    else:
        sys.exit(0 if asyncio.run(run_offer(a.url, a.messages, a.size, a.timeout, a.media, a.big)) else 1)


if __name__ == "__main__":
    main()
