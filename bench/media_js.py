"""JavaScript the media benchmark runs inside Chromium pages (via page.evaluate, which
the customer app's CSP does not govern).

STAMP_READER mirrors lens_customer.pattern.read_stamp: it draws the top band of a video
element into a canvas and decodes the counter cells, so a page can tell which pattern
frame it is showing. SENDER_RECORDER logs, on the customer page, the wall-clock time
each counter reached the local preview. RECEIVER plays the technician in a page of the
server's origin: it answers the customer's offer over /ws/technician and logs, per painted
frame, the counter and the wall-clock time.
"""

STAMP_READER = """
(() => {
  if (window.lensBenchStamp) return;
  const COLUMNS = 40, ROWS = 3, MARKER = [1, 0, 1, 1, 0, 0, 1, 0];
  const USED = MARKER.length + 32 + 48 + 16, MIN_CONTRAST = 48;
  const cellBox = (i, w) => {
    const s = w / COLUMNS, r = Math.floor(i / COLUMNS), c = i % COLUMNS;
    return [Math.round(r * s), Math.round((r + 1) * s), Math.round(c * s), Math.round((c + 1) * s)];
  };
  const bandHeight = (w) => cellBox(ROWS * COLUMNS - 1, w)[1];
  const four = (a, b) => [0, 1, 2, 3].map((k) => Math.round(a + ((b - a) * k) / 3));
  const number = (bits) => bits.reduce((v, b) => v * 2 + b, 0);
  function crc(bytes) {
    let c = 0xffff;
    for (const b of bytes) {
      c ^= b << 8;
      for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    }
    return c;
  }
  const bytesOf = (value, count) => {
    const out = [];
    for (let k = count - 1; k >= 0; k--) out.push(Math.floor(value / 2 ** (8 * k)) % 256);
    return out;
  };
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  function levelsOf(px, w) {
    const levels = [];
    for (let i = 0; i < USED; i++) {
      const [y0, y1, x0, x1] = cellBox(i, w);
      const ys = four(y0 + (y1 - y0) / 4, y1 - (y1 - y0) / 4 - 1);
      const xs = four(x0 + (x1 - x0) / 4, x1 - (x1 - x0) / 4 - 1);
      let sum = 0;
      for (const y of ys) for (const x of xs) {
        const o = (y * w + x) * 4;
        sum += 0.299 * px[o] + 0.587 * px[o + 1] + 0.114 * px[o + 2];
      }
      levels.push(sum / 16);
    }
    return levels;
  }
  function decode(levels) {
    const ones = [], zeros = [];
    MARKER.forEach((m, i) => (m ? ones : zeros).push(levels[i]));
    if (Math.min(...ones) - Math.max(...zeros) < MIN_CONTRAST) return null;
    const mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;
    const threshold = (mean(ones) + mean(zeros)) / 2;
    const bits = levels.map((l) => (l > threshold ? 1 : 0));
    if (MARKER.some((m, i) => bits[i] !== m)) return null;
    const counter = number(bits.slice(8, 40)), stamp = number(bits.slice(40, 88));
    const check = number(bits.slice(88, 104));
    if (crc([...bytesOf(counter, 4), ...bytesOf(stamp, 6)]) !== check) return null;
    return [counter, stamp];
  }
  /** [counter, stamp_ms] of the frame the element shows, or null. */
  function read(video) {
    const w = video.videoWidth, h = video.videoHeight;
    if (w < COLUMNS * 4 || h < bandHeight(w)) return null;
    const bh = bandHeight(w);
    if (canvas.width !== w || canvas.height !== bh) { canvas.width = w; canvas.height = bh; }
    ctx.drawImage(video, 0, 0, w, bh, 0, 0, w, bh);
    return decode(levelsOf(ctx.getImageData(0, 0, w, bh).data, w));
  }
  window.lensBenchStamp = { read };
})();
"""

SENDER_RECORDER = """
(() => {
  if (window.lensBenchSender) return;
  const video = document.getElementById('preview');
  const rec = (window.lensBenchSender = { frames: [], unread: 0 });
  function onFrame(now, meta) {
    const stamp = window.lensBenchStamp.read(video);
    if (stamp) rec.frames.push([stamp[0], performance.timeOrigin + now]);
    else rec.unread += 1;
    video.requestVideoFrameCallback(onFrame);
  }
  video.requestVideoFrameCallback(onFrame);
})();
"""

SENDER_BEEPS = """
async () => {
  // Timing beeps of the fake microphone, as the page's own audio track carries them.
  const rec = window.lensBenchSender;
  rec.beeps = [];
  const video = document.getElementById('preview');
  const track = video.srcObject && video.srcObject.getAudioTracks()[0];
  if (!track) return 'no audio track';
  const ctx = new AudioContext();
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const tap = ctx.createScriptProcessor(256, 1, 1);
  let envelope = 0, last = 0;
  tap.onaudioprocess = (event) => {
    const now = performance.timeOrigin + performance.now();
    const x = event.inputBuffer.getChannelData(0);
    let peak = 0;
    for (const v of x) peak = Math.max(peak, Math.abs(v));
    const threshold = Math.max(1.8 * envelope, 0.05);
    if (envelope && peak > threshold && now - last > 500) {
      const index = x.findIndex((v) => Math.abs(v) > threshold);
      rec.beeps.push(now - ((x.length - index) / ctx.sampleRate) * 1000);
      last = now;
    }
    envelope = envelope ? 0.95 * envelope + 0.05 * peak : peak;
  };
  source.connect(tap);
  tap.connect(ctx.destination);
  await ctx.resume();
  return ctx.state;
}
"""

CLOCK = "performance.timeOrigin + performance.now()"

RECEIVER = """
async ({ wsUrl, token, sessionId }) => {
  const st = (window.lensBenchReceiver = { frames: [], ready: false, offers: 0, unread: 0, errors: [] });
  const video = document.createElement('video');
  video.muted = true; video.autoplay = true; video.playsInline = true;
  video.style.width = '1280px'; video.style.height = '720px';
  document.body.appendChild(video);
  const audio = document.createElement('audio');
  audio.autoplay = true;
  document.body.appendChild(audio);
  let pc = null, generation = 0;
  const ws = new WebSocket(wsUrl);
  const send = (data) => ws.send(JSON.stringify({ type: 'signal', session_id: sessionId, data }));
  function onFrame(now, meta) {
    const stamp = window.lensBenchStamp.read(video);
    const t = performance.timeOrigin + now;
    if (stamp) st.frames.push([stamp[0], t, video.videoWidth, video.videoHeight]);
    else st.unread += 1;
    video.requestVideoFrameCallback(onFrame);
  }
  video.requestVideoFrameCallback(onFrame);
  async function answer(sdp, gen) {
    if (pc) pc.close();
    generation = gen; st.offers += 1;
    pc = new RTCPeerConnection({ iceServers: [] });
    st.pc = pc;
    pc.ontrack = (e) => {
      const stream = new MediaStream([e.track]);
      if (e.track.kind === 'video') { video.srcObject = stream; video.play(); }
      else { audio.srcObject = stream; audio.play(); }
    };
    pc.onicecandidate = (e) => {
      if (e.candidate && e.candidate.candidate) {
        send({ kind: 'candidate', candidate: e.candidate.toJSON(), generation: gen });
      }
    };
    await pc.setRemoteDescription({ type: 'offer', sdp });
    // Two-way audio like the console: the technician's (fake) microphone goes back.
    if (!st.mic) st.mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    const micTrack = st.mic.getAudioTracks()[0];
    const slot = pc.getTransceivers().find((t) => t.receiver.track.kind === 'audio');
    if (slot) { slot.direction = 'sendrecv'; await slot.sender.replaceTrack(micTrack); }
    await pc.setLocalDescription(await pc.createAnswer());
    const munged = await window.lensMungeAnswer(pc.localDescription.sdp);
    send({ kind: 'answer', sdp: munged, generation: gen });
  }
  ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token }));
  let chain = Promise.resolve();
  ws.onmessage = (event) => {
    chain = chain.then(() => handle(JSON.parse(event.data))).catch((e) => st.errors.push(String(e)));
  };
  async function handle(m) {
    if (m.type === 'ready') st.ready = true;
    if (m.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
    if (m.type !== 'signal' || m.session_id !== sessionId) return;
    const d = m.data;
    if (d.kind === 'offer' && d.generation > generation) await answer(d.sdp, d.generation);
    else if (d.kind === 'candidate' && d.generation === generation && pc) {
      await pc.addIceCandidate(d.candidate && d.candidate.candidate ? d.candidate : null);
    }
  }
}
"""

AUDIO_STATS = """
async () => {
  const pc = window.lensBenchReceiver.pc;
  if (!pc) return null;
  let found = null;
  (await pc.getStats()).forEach((e) => {
    if (e.type === 'inbound-rtp' && e.kind === 'audio') {
      found = {
        concealmentEvents: e.concealmentEvents || 0,
        concealedSamples: e.concealedSamples || 0,
        totalSamplesReceived: e.totalSamplesReceived || 0,
        jitterBufferDelay: e.jitterBufferDelay || 0,
        jitterBufferEmittedCount: e.jitterBufferEmittedCount || 0,
      };
    }
  });
  return found;
}
"""
