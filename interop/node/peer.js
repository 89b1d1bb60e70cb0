#!/usr/bin/env node
// A Node WebRTC peer speaking the signaling of DESIGN.md (POST /offer, application/sdp -> 201),
// with the same contract as interop/aiortc/peer.py, for three stacks:
//
//   --stack wrtc    libwebrtc M106 (@roamhq/wrtc)
//   --stack werift  werift (pure TypeScript)
//   --stack ndc     libdatachannel (node-datachannel)
//
//   peer.js --stack S answer --port P
//       serve POST /offer; echo every data-channel message (text stays text, binary stays
//       binary); answer offered audio/video: wrtc sends its own Opus/VP8 (RTCAudioSource,
//       RTCVideoSource) and decodes what arrives, werift and ndc reflect the RTP they receive.
//       GET /stats: counters (calls connected/closed/failed, messages, media packets/frames).
//   peer.js --stack S offer --url URL [--messages N] [--size B] [--big B] [--timeout S] [--media]
//       offer to URL, send N binary messages on channel `echo`, check every echo in order,
//       then (--big) one message of B bytes if the answer's a=max-message-size allows it;
//       --media also sends audio and video (wrtc: its encoders; werift, ndc: synthetic RTP) and
//       counts what comes back (wrtc: decoded frames; werift, ndc: RTP packets). Prints one
//       JSON line; exit 0 iff ok.
//
// Quirks handled (INTEROP.md): iceServers [] everywhere (werift then falls back to Google's
// STUN server, whose name does not resolve in the loopback-only namespace: gathering ends at
// once); werift gathers loopback only through iceAdditionalHostAddresses; node-datachannel
// binds 127.0.0.1 and negotiates once (auto-negotiation off: it would renegotiate behind our
// back and leave the media tracks closed); wrtc gathers every interface and cannot be
// restricted, so run everything in the loopback-only namespace (run.py does).
// Seen here: werift and libdatachannel send no DTLS close_notify when closed (no alert record).
'use strict';

const http = require('http');

const argv = process.argv.slice(2);
function flag(name, def) {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return def;
  if (typeof def === 'boolean') return true;
  return argv[i + 1];
}
const mode = argv.find((a) => a === 'offer' || a === 'answer');
const stackName = flag('stack', '');
const debug = !!process.env.STRATA_INTEROP_DEBUG;
const log = (...m) => console.error(`${stackName} ${mode}:`, ...m);
const dbg = (...m) => debug && log(...m);

/** Same bytes as `strata offer`'s binary payload(i, size). */
function payload(i, size) {
  const b = Buffer.alloc(size); // not pooled: a native send must see exactly these bytes
  for (let j = 0; j < size; j++) b[j] = (i * 131 + j) % 251;
  return b;
}

/** The a=max-message-size of an SDP's application section (RFC 8841: absent means 64 KiB). */
function maxMessageSize(sdp) {
  const m = /^a=max-message-size:(\d+)/m.exec(sdp);
  if (!m) return 65536;
  const v = Number(m[1]);
  return v === 0 ? Infinity : v;
}

const isRtcp = (b) => b.length >= 2 && b[1] >= 192 && b[1] <= 223;

// Synthetic RTP: a valid Opus frame of silence (TOC 0xF8: CELT FB 20 ms) and a VP8 payload
// descriptor + 3-byte frame tag; the reflector does not decode, the counts are what matter.
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
function rtpPacket(pt, seq, ts, ssrc, marker, body) {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | pt;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([h, body]);
}
function vp8Body(n) {
  const key = n % 30 === 0;
  const b = Buffer.alloc(600, n & 0xff);
  b[0] = 0x10; // S=1, PID 0
  b[1] = key ? 0x00 : 0x01; // frame tag: P bit clear on key frames
  b[2] = 0x00;
  b[3] = 0x00;
  return b;
}

/** Sends synthetic audio (20 ms) and video (33 ms) RTP through `send(kind, packet)`. */
function rawMediaPump(pts, send) {
  const ssrc = {audio: 0x1000 + (process.pid & 0xfff), video: 0x2000 + (process.pid & 0xfff)};
  const n = {audio: 0, video: 0};
  const sent = {audio: 0, video: 0};
  const timers = [
    setInterval(() => {
      const i = n.audio++;
      if (send('audio', rtpPacket(pts.audio, i, i * 960, ssrc.audio, i === 0, OPUS_SILENCE))) sent.audio++;
    }, 20),
    setInterval(() => {
      const i = n.video++;
      if (send('video', rtpPacket(pts.video, i, i * 3000, ssrc.video, true, vp8Body(i)))) sent.video++;
    }, 33),
  ];
  return {sent, stop: () => timers.forEach(clearInterval)};
}

// ---------------------------------------------------------------------------------------------
// Stacks. Each exposes newPeer(opts) -> peer with:
//   channel(label) -> ch; onChannel(cb); onState(cb); offer(); answer(sdp); accept(sdp);
//   addMedia(); answerMedia(); media() -> counts; stats(); close()
// and channels with send(buf|string), onOpen(cb), onMessage(cb(data, binary)), onClose(cb),
// buffered().

function w3cChannel(dc, stack) {
  dc.binaryType = 'arraybuffer';
  return {
    raw: dc,
    send: (d) => dc.send(d),
    onOpen: (cb) => (dc.readyState === 'open' ? cb() : (dc.onopen = cb)),
    onMessage: (cb) => {
      dc.onmessage = (e) => {
        const d = e.data;
        if (typeof d === 'string') cb(d, false);
        else if (Buffer.isBuffer(d)) cb(d, true);
        else cb(Buffer.from(d instanceof ArrayBuffer ? d : d.buffer), true);
      };
    },
    onClose: (cb) => (dc.onclose = cb),
    buffered: () => dc.bufferedAmount,
    close: () => dc.close(),
    stack,
  };
}

function gathered(pc, ms) {
  return new Promise((res) => {
    if (pc.iceGatheringState === 'complete') return res();
    const t = setTimeout(res, ms);
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === 'complete') {
        clearTimeout(t);
        res();
      }
    };
  });
}

const stacks = {
  wrtc() {
    const wrtc = require('@roamhq/wrtc');
    const {RTCAudioSource, RTCVideoSource, RTCAudioSink, RTCVideoSink} = wrtc.nonstandard;
    return function newPeer() {
      const pc = new wrtc.RTCPeerConnection({iceServers: []});
      const counts = {audio_frames_decoded: 0, video_frames_decoded: 0};
      const cleanups = [];
      const sources = () => {
        // A 440 Hz tone in 10 ms chunks (Opus) and a moving gradient at 30 fps (VP8).
        const audio = new RTCAudioSource();
        const video = new RTCVideoSource();
        let k = 0;
        let f = 0;
        const w = 320;
        const h = 240;
        const frame = new Uint8ClampedArray(w * h * 1.5);
        const timers = [
          setInterval(() => {
            const samples = new Int16Array(480);
            for (let i = 0; i < 480; i++, k++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * k) / 48000));
            audio.onData({samples, sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480});
          }, 10),
          setInterval(() => {
            f++;
            for (let i = 0; i < w * h; i++) frame[i] = (i + f * 4) & 0xff;
            frame.fill(128, w * h);
            video.onFrame({width: w, height: h, data: frame});
          }, 33),
        ];
        const tracks = {audio: audio.createTrack(), video: video.createTrack()};
        cleanups.push(() => {
          timers.forEach(clearInterval);
          tracks.audio.stop();
          tracks.video.stop();
        });
        return tracks;
      };
      pc.ontrack = (e) => {
        if (e.track.kind === 'audio') {
          const s = new RTCAudioSink(e.track);
          s.ondata = () => counts.audio_frames_decoded++;
          cleanups.push(() => s.stop());
        } else if (e.track.kind === 'video') {
          const s = new RTCVideoSink(e.track);
          s.onframe = () => counts.video_frames_decoded++;
          cleanups.push(() => s.stop());
        }
      };
      return {
        pc,
        channel: (label) => w3cChannel(pc.createDataChannel(label), 'wrtc'),
        onChannel: (cb) => (pc.ondatachannel = (e) => cb(w3cChannel(e.channel, 'wrtc'))),
        onState: (cb) => (pc.onconnectionstatechange = () => cb(pc.connectionState)),
        async offer() {
          await pc.setLocalDescription(await pc.createOffer());
          await gathered(pc, 5000);
          return pc.localDescription.sdp;
        },
        async accept(sdp) {
          await pc.setRemoteDescription({type: 'answer', sdp});
        },
        async answer(sdp, withMedia) {
          await pc.setRemoteDescription({type: 'offer', sdp});
          if (withMedia) {
            const t = sources();
            for (const tr of pc.getTransceivers()) {
              const kind = tr.receiver.track && tr.receiver.track.kind;
              if (kind === 'audio' || kind === 'video') {
                tr.direction = 'sendrecv';
                await tr.sender.replaceTrack(t[kind]);
              }
            }
          }
          await pc.setLocalDescription(await pc.createAnswer());
          await gathered(pc, 5000);
          return pc.localDescription.sdp;
        },
        addMedia() {
          const t = sources();
          const stream = new wrtc.MediaStream([t.audio, t.video]);
          pc.addTrack(t.audio, stream);
          pc.addTrack(t.video, stream);
        },
        async media() {
          const r = {...counts, audio_packets: 0, video_packets: 0, audio_packets_lost: 0, video_packets_lost: 0,
            audio_packets_sent: 0, video_packets_sent: 0};
          try {
            (await pc.getStats()).forEach((st) => {
              const kind = st.kind || st.mediaType;
              if (st.type === 'inbound-rtp' && (kind === 'audio' || kind === 'video')) {
                r[`${kind}_packets`] += st.packetsReceived || 0;
                r[`${kind}_packets_lost`] += st.packetsLost || 0;
              }
              if (st.type === 'outbound-rtp' && (kind === 'audio' || kind === 'video')) {
                r[`${kind}_packets_sent`] += st.packetsSent || 0;
              }
            });
          } catch (e) {
            r.stats_error = String(e);
          }
          return r;
        },
        close() {
          cleanups.forEach((c) => c());
          pc.close();
        },
      };
    };
  },

  werift() {
    const werift = require('werift');
    return function newPeer() {
      const pc = new werift.RTCPeerConnection({
        // werift falls back to stun.l.google.com when iceServers is empty: give it a dead local
        // one instead (nothing listens on port 9 of loopback; the srflx query just times out).
        iceServers: [],
        iceAdditionalHostAddresses: ['127.0.0.1'],
        iceUseIpv6: false,
        maxMessageSize: 262144,
      });
      const counts = {audio_packets: 0, video_packets: 0, audio_packets_sent: 0, video_packets_sent: 0};
      let pump = null;
      const watchTransceiver = (t, reflect) => {
        t.onTrack.subscribe((track) => {
          const kind = track.kind;
          track.onReceiveRtp.subscribe((rtp) => {
            counts[`${kind}_packets`]++;
            if (reflect) {
              t.sender.sendRtp(rtp).catch(() => {});
              counts[`${kind}_packets_sent`]++;
            }
          });
        });
      };
      const wrapCh = (dc) => ({
        raw: dc,
        send: (d) => dc.send(d),
        onOpen: (cb) => (dc.readyState === 'open' ? cb() : dc.stateChanged.subscribe((s) => s === 'open' && cb())),
        onMessage: (cb) => dc.onMessage.subscribe((d) => (typeof d === 'string' ? cb(d, false) : cb(d, true))),
        onClose: (cb) => dc.stateChanged.subscribe((s) => s === 'closed' && cb()),
        buffered: () => dc.bufferedAmount,
        close: () => dc.close(),
      });
      const gatheredW = async () => {
        if (pc.iceGatheringState !== 'complete') {
          await new Promise((res) => {
            const t = setTimeout(res, 5000);
            pc.iceGatheringStateChange.subscribe((s) => {
              if (s === 'complete') {
                clearTimeout(t);
                res();
              }
            });
          });
        }
      };
      return {
        pc,
        channel: (label) => wrapCh(pc.createDataChannel(label)),
        onChannel: (cb) => pc.onDataChannel.subscribe((dc) => cb(wrapCh(dc))),
        onState: (cb) => pc.connectionStateChange.subscribe((s) => cb(s)),
        async offer() {
          await pc.setLocalDescription(await pc.createOffer());
          await gatheredW();
          return pc.localDescription.sdp;
        },
        async accept(sdp) {
          await pc.setRemoteDescription({type: 'answer', sdp});
        },
        async answer(sdp, withMedia) {
          if (withMedia) {
            pc.onTransceiverAdded.subscribe((t) => {
              t.setDirection('sendrecv');
              watchTransceiver(t, true);
            });
          }
          await pc.setRemoteDescription({type: 'offer', sdp});
          await pc.setLocalDescription(await pc.createAnswer());
          await gatheredW();
          return pc.localDescription.sdp;
        },
        addMedia() {
          const ts = {
            audio: pc.addTransceiver('audio', {direction: 'sendrecv'}),
            video: pc.addTransceiver('video', {direction: 'sendrecv'}),
          };
          watchTransceiver(ts.audio, false);
          watchTransceiver(ts.video, false);
          pc.connectionStateChange.subscribe((s) => {
            if (s !== 'connected' || pump) return;
            // werift rewrites SSRC and payload type to the negotiated ones.
            pump = rawMediaPump({audio: 111, video: 96}, (kind, pkt) => {
              ts[kind].sender.sendRtp(pkt).catch(() => {});
              return true;
            });
          });
        },
        async media() {
          const r = {...counts};
          if (pump) {
            r.audio_packets_sent = pump.sent.audio;
            r.video_packets_sent = pump.sent.video;
          }
          return r;
        },
        close() {
          if (pump) pump.stop();
          pc.close();
        },
      };
    };
  },

  ndc() {
    const ndc = require('node-datachannel');
    if (debug) ndc.initLogger('Info', (level, m) => log(level, m));
    return function newPeer() {
      const pc = new ndc.PeerConnection('strata-interop', {
        iceServers: [],
        bindAddress: '127.0.0.1',
        maxMessageSize: 262144,
        // One offer with every section: no renegotiation behind our back.
        disableAutoNegotiation: true,
      });
      const counts = {audio_packets: 0, video_packets: 0, audio_packets_sent: 0, video_packets_sent: 0};
      const tracks = {};
      let pump = null;
      let stateCb = () => {};
      let gatheringDone = null;
      const gatheringComplete = new Promise((res) => (gatheringDone = res));
      pc.onGatheringStateChange((s) => s === 'complete' && gatheringDone());
      pc.onStateChange((s) => stateCb(s));
      const wrapCh = (dc) => {
        let opened = false;
        let openCb = null;
        dc.onOpen(() => {
          opened = true;
          if (openCb) openCb();
        });
        return {
          raw: dc,
          send: (d) => (typeof d === 'string' ? dc.sendMessage(d) : dc.sendMessageBinary(d)),
          onOpen: (cb) => (opened || dc.isOpen() ? cb() : (openCb = cb)),
          onMessage: (cb) => dc.onMessage((d) => (typeof d === 'string' ? cb(d, false) : cb(Buffer.from(d), true))),
          onClose: (cb) => dc.onClosed(cb),
          buffered: () => dc.bufferedAmount(),
          close: () => dc.close(),
        };
      };
      const watchTrack = (track, reflect) => {
        const kind = track.type() === 'audio' ? 'audio' : 'video';
        tracks[kind] = track;
        track.onMessage((b) => {
          if (isRtcp(b)) return;
          counts[`${kind}_packets`]++;
          if (reflect && track.isOpen()) {
            // Reflect under our own SSRC (the offerer's must not come back to it).
            const out = Buffer.from(b);
            out.writeUInt32BE((out.readUInt32BE(8) ^ 0x5a5a5a5a) >>> 0, 8);
            if (track.sendMessageBinary(out)) counts[`${kind}_packets_sent`]++;
          }
        });
      };
      const sdpNow = () => pc.localDescription().sdp;
      return {
        pc,
        channel: (label) => wrapCh(pc.createDataChannel(label)),
        onChannel: (cb) => pc.onDataChannel((dc) => cb(wrapCh(dc))),
        onState: (cb) => (stateCb = cb),
        async offer() {
          pc.setLocalDescription();
          await Promise.race([gatheringComplete, new Promise((r) => setTimeout(r, 5000))]);
          return sdpNow();
        },
        async accept(sdp) {
          pc.setRemoteDescription(sdp, 'answer');
        },
        async answer(sdp, withMedia) {
          pc.onTrack((t) => watchTrack(t, withMedia));
          pc.setRemoteDescription(sdp, 'offer');
          pc.setLocalDescription();
          await Promise.race([gatheringComplete, new Promise((r) => setTimeout(r, 5000))]);
          return sdpNow();
        },
        addMedia() {
          const a = new ndc.Audio('audio', 'SendRecv');
          a.addOpusCodec(111);
          a.addSSRC(0x1000 + (process.pid & 0xfff), 'strata-interop', 'interop', 'audio');
          const v = new ndc.Video('video', 'SendRecv');
          v.addVP8Codec(96);
          v.addSSRC(0x2000 + (process.pid & 0xfff), 'strata-interop', 'interop', 'video');
          watchTrack(pc.addTrack(a), false);
          watchTrack(pc.addTrack(v), false);
          const prev = stateCb;
          stateCb = (s) => {
            prev(s);
            if (s !== 'connected' || pump) return;
            pump = rawMediaPump({audio: 111, video: 96}, (kind, pkt) => tracks[kind].isOpen() && tracks[kind].sendMessageBinary(pkt));
          };
        },
        async media() {
          const r = {...counts};
          if (pump) {
            r.audio_packets_sent = pump.sent.audio;
            r.video_packets_sent = pump.sent.video;
          }
          return r;
        },
        close() {
          if (pump) pump.stop();
          pc.close();
        },
      };
    };
  },
};

// ---------------------------------------------------------------------------------------------

async function runAnswer(newPeer, port) {
  const c = {offers: 0, answered: 0, rejected: 0, connected: 0, closed: 0, failed: 0, channels: 0,
    messages_echoed: 0, media: {audio_packets: 0, video_packets: 0, audio_packets_sent: 0, video_packets_sent: 0}};
  const peers = new Set();
  const add = (into, x) => {
    for (const [k, v] of Object.entries(x)) if (typeof v === 'number') into[k] = (into[k] || 0) + v;
  };
  const mediaOf = async () => {
    const m = {...c.media};
    for (const p of peers) add(m, await p.media());
    return m;
  };
  const srv = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const ch of req) chunks.push(ch);
    const body = Buffer.concat(chunks).toString();
    const reply = (status, text, type = 'text/plain') => {
      res.writeHead(status, {'Content-Type': type, 'Content-Length': Buffer.byteLength(text)});
      res.end(text);
    };
    try {
      if (req.method === 'GET' && req.url === '/health') return reply(200, 'ok');
      if (req.method === 'GET' && req.url === '/stats') {
        return reply(200, JSON.stringify({...c, peers_active: peers.size, media: await mediaOf()}), 'application/json');
      }
      if (req.method !== 'POST' || req.url !== '/offer') return reply(404, 'not found\n');
      c.offers++;
      if (!(req.headers['content-type'] || '').startsWith('application/sdp')) {
        c.rejected++;
        return reply(415, 'expected Content-Type: application/sdp\n');
      }
      const p = newPeer();
      peers.add(p);
      let ended = false;
      const end = async (how) => {
        if (ended) return;
        ended = true;
        c[how]++;
        add(c.media, await p.media());
        peers.delete(p);
        p.close();
      };
      p.onState((s) => {
        log(`connection ${s}`);
        if (s === 'connected') c.connected++;
        if (s === 'closed' || s === 'disconnected') end('closed');
        if (s === 'failed') end('failed');
      });
      p.onChannel((ch) => {
        c.channels++;
        ch.onMessage((d) => {
          ch.send(d); // text stays text, binary stays binary
          c.messages_echoed++;
        });
        // The remote closing its channel is the end of the call for us.
        ch.onClose(() => setTimeout(() => end('closed'), 200));
      });
      const withMedia = /^m=(audio|video) [1-9]/m.test(body);
      const sdp = await p.answer(body, withMedia);
      c.answered++;
      reply(201, sdp, 'application/sdp');
    } catch (e) {
      c.rejected++;
      log(`offer: ${e && e.stack}`);
      reply(400, `${e}\n`);
    }
  });
  srv.listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${srv.address().port}`));
}

function post(url, sdp, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method: 'POST', headers: {'Content-Type': 'application/sdp'}, timeout: timeoutMs}, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({status: res.statusCode, body: Buffer.concat(chunks).toString()}));
    });
    req.on('timeout', () => req.destroy(new Error('signaling timed out')));
    req.on('error', reject);
    req.end(sdp);
  });
}

async function runOffer(newPeer, o) {
  const r = {connected_ms: null, dc_open_ms: null, echo_received: 0, echo_mismatch: 0, echo_msgs_per_s: 0,
    echo_MBps: 0, ok: false};
  const t0 = performance.now();
  const ms = () => Math.round((performance.now() - t0) * 1000) / 1000;
  const deadline = t0 + o.timeout * 1000;
  const left = () => Math.max(1, deadline - performance.now());
  const within = (p, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`timed out waiting for ${what}`)), left()))]);
  const p = newPeer();
  let failed = null;
  const failure = new Promise((_, rej) => (failed = rej));
  failure.catch(() => {});
  p.onState((s) => {
    dbg(`connection ${s}`);
    if (s === 'connected' && r.connected_ms == null) r.connected_ms = ms();
    if (s === 'failed') failed(new Error('connection failed'));
  });
  const ch = p.channel('echo');
  if (o.media) p.addMedia();
  const opened = new Promise((res) => ch.onOpen(() => {
    r.dc_open_ms = ms();
    res();
  }));
  let expect = null; // (data, binary) -> void, the current phase's checker
  ch.onMessage((d, binary) => expect && expect(d, binary));
  try {
    const offer = await p.offer();
    r.gathered_ms = ms();
    const resp = await within(post(o.url, offer, left()), 'the answer');
    if (resp.status !== 201) throw new Error(`signaling status ${resp.status}: ${resp.body.trim()}`);
    await p.accept(resp.body);
    await within(Promise.race([opened, failure]), 'the data channel to open');
    // Phase 1: N messages of SIZE bytes, at most ~1 MiB (and 256 messages) unanswered.
    const window = Math.max(1, Math.min(256, Math.floor((1 << 20) / o.size)));
    let sent = 0;
    let first = null;
    let last = null;
    const pump = () => {
      while (sent < o.messages && sent - r.echo_received < window) {
        ch.send(payload(sent, o.size));
        if (first == null) first = performance.now();
        sent++;
      }
    };
    await within(Promise.race([failure, new Promise((res) => {
      if (o.messages === 0) return res();
      expect = (d, binary) => {
        if (!binary || !payload(r.echo_received, o.size).equals(d)) {
          r.echo_mismatch++;
          dbg(`mismatch at ${r.echo_received}: ${binary ? 'binary' : 'text'} ${d.length} B, ` +
            `starts ${Buffer.from(d).subarray(0, 8).toString('hex')}, want ` +
            `${payload(r.echo_received, 8).toString('hex')}`);
        }
        r.echo_received++;
        last = performance.now();
        if (r.echo_received >= o.messages) res();
        else pump();
      };
      pump();
    })]), `${o.messages} echoes (got ${r.echo_received})`);
    if (last > first) {
      const secs = (last - first) / 1000;
      r.echo_msgs_per_s = Math.round(r.echo_received / secs);
      r.echo_MBps = Math.round((r.echo_received * o.size) / secs / 1e3) / 1e3;
    }
    // Phase 2: one big message, if the answerer's max-message-size allows it.
    if (o.big > 0) {
      r.remote_max_message_size = maxMessageSize(resp.body);
      if (o.big > r.remote_max_message_size) {
        r.big = `n/a (max-message-size ${r.remote_max_message_size})`;
      } else {
        const tb = performance.now();
        const big = payload(0x5eed, o.big);
        await within(Promise.race([failure, new Promise((res) => {
          expect = (d, binary) => {
            r.big = binary && big.equals(d) ? 'ok' : `mismatch (${d.length} B)`;
            res();
          };
          ch.send(big);
        })]), `the ${o.big}-byte echo`);
        r.big_ms = Math.round((performance.now() - tb) * 1000) / 1000;
      }
    }
    if (o.media) {
      const end = Math.min(deadline, performance.now() + 8000);
      for (;;) {
        const m = await p.media();
        Object.assign(r, m);
        if (mediaOk(r) || performance.now() > end) break;
        await new Promise((res) => setTimeout(res, 100));
      }
    }
  } catch (e) {
    r.error = String(e && e.message ? e.message : e);
  }
  r.ok = !r.error && r.echo_received === o.messages && r.echo_mismatch === 0 &&
    (!(o.big > 0) || r.big === 'ok' || String(r.big).startsWith('n/a'));
  if (o.media) {
    r.media_ok = mediaOk(r);
    r.ok = r.ok && r.media_ok;
  }
  p.close();
  console.log(JSON.stringify(r));
  // Let the close (DTLS close_notify, SCTP ABORT/SHUTDOWN) leave before the process goes.
  setTimeout(() => process.exit(r.ok ? 0 : 1), 300);
}

/** What came back: decoded frames where the stack decodes (wrtc), else RTP packets. */
function mediaOk(r) {
  if ('video_frames_decoded' in r) return r.audio_packets >= 50 && r.video_frames_decoded >= 15;
  return r.audio_packets >= 50 && r.video_packets >= 30;
}

async function main() {
  if (!mode || !stacks[stackName]) {
    console.error('usage: peer.js --stack wrtc|werift|ndc (answer --port P | offer --url URL [--messages N] ' +
      '[--size B] [--big B] [--timeout S] [--media])');
    process.exit(2);
  }
  const newPeer = stacks[stackName]();
  if (mode === 'answer') return runAnswer(newPeer, Number(flag('port', '0')));
  return runOffer(newPeer, {
    url: flag('url', ''),
    messages: Number(flag('messages', '1000')),
    size: Number(flag('size', '1024')),
    big: Number(flag('big', '0')),
    timeout: Number(flag('timeout', '30')),
    media: flag('media', false),
  });
}

process.on('unhandledRejection', (e) => log(`unhandled: ${e && e.stack ? e.stack : e}`));
main();
