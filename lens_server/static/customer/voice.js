// Three-way voice while a second technician is on the line (issue 18 point 3). The phone
// is the only party with a connection to both technicians, so it is where they can hear
// each other: each technician is sent the customer's microphone mixed with the other
// technician's voice (WebAudio: one MediaStreamAudioDestinationNode per technician),
// a little softer than the customer, who stays the one they listen to.
//
// Robust first: without a guest, or when WebAudio is missing, fails, or its context is
// not running (a browser that wants a gesture first), each technician is sent the bare
// microphone track, as before. Mute still works on the mix: a muted (disabled) mic track
// feeds silence into it, while the technicians still hear each other.

const PEERS = ['owner', 'guest'];
const OTHER = { owner: 'guest', guest: 'owner' };
/** The other technician's voice in the mix, relative to the customer's (about -4 dB). */
export const VOICE_GAIN = 0.6;

/** Events: "change" (what trackFor() answers changed: the senders should take it again). */
export class VoiceMix extends EventTarget {
  constructor(camera) {
    super();
    this.camera = camera;
    this.context = null;
    this.outputs = {}; // peer -> MediaStreamAudioDestinationNode: what that peer is sent
    this.voices = {}; // peer -> that technician's voice (MediaStream)
    this.sources = {}; // peer -> the voice's source node in the context
    this.mic = null; // {track, node}
    this.failed = false;
  }

  /** The track to send to `peer` ("owner" or "guest"): the mix while it runs, else the mic. */
  trackFor(peer) {
    const output = this.outputs[peer];
    if (output && this.context?.state === 'running') return output.stream.getAudioTracks()[0] || null;
    return this.camera.audioTrack;
  }

  get mixing() {
    return Boolean(this.context) && this.context.state === 'running';
  }

  /** The guest joined: mix from now on (once WebAudio says it runs). */
  start() {
    if (this.context || this.failed) return;
    try {
      this.open();
    } catch (error) {
      console.warn('lens: no voice mixing; each technician hears the microphone alone', error);
      this.failed = true;
      this.closeContext();
      return;
    }
    if (this.context.state === 'running') return;
    // A browser that wants a gesture first: the mic alone until the next tap resumes it.
    this.context.resume().catch(() => {});
    document.addEventListener('pointerdown', () => this.context?.resume().catch(() => {}), { once: true });
  }

  open() {
    const context = new AudioContext();
    this.context = context;
    for (const peer of PEERS) this.outputs[peer] = context.createMediaStreamDestination();
    this.connectMic();
    for (const peer of PEERS) this.connectVoice(peer);
    context.onstatechange = () => this.emit('change');
    if (context.state === 'running') this.emit('change');
  }

  /** The customer's microphone goes to both technicians. */
  connectMic() {
    const track = this.camera.audioTrack;
    if (this.mic?.track === track) return;
    this.mic?.node.disconnect();
    this.mic = null;
    if (!this.context || !track) return;
    const node = this.context.createMediaStreamSource(new MediaStream([track]));
    for (const peer of PEERS) node.connect(this.outputs[peer]);
    this.mic = { track, node };
  }

  /** A technician's voice (a new stream on each new connection; null: gone). */
  setVoice(peer, stream) {
    this.voices[peer] = stream;
    if (this.context) this.connectVoice(peer);
  }

  /** `peer`'s voice goes to the other technician, softer. */
  connectVoice(peer) {
    this.sources[peer]?.disconnect();
    delete this.sources[peer];
    const stream = this.voices[peer];
    if (!stream || !stream.getAudioTracks().length) return;
    try {
      const source = this.context.createMediaStreamSource(stream);
      const gain = this.context.createGain();
      gain.gain.value = VOICE_GAIN;
      source.connect(gain).connect(this.outputs[OTHER[peer]]);
      this.sources[peer] = gain;
    } catch (error) {
      console.warn(`lens: the ${peer}'s voice is not mixed in`, error);
    }
  }

  /** The guest left: back to the bare microphone for the owner. */
  stop() {
    if (!this.context) return;
    this.closeContext();
    this.emit('change');
  }

  closeContext() {
    const context = this.context;
    this.context = null;
    this.outputs = {};
    this.sources = {};
    this.mic = null;
    if (!context) return;
    context.onstatechange = null;
    context.close().catch(() => {});
  }

  snapshot() {
    return {
      mixing: this.mixing,
      failed: this.failed,
      contextState: this.context ? this.context.state : null,
      voices: Object.keys(this.sources),
    };
  }

  close() {
    this.closeContext();
  }

  emit(type, detail = null) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
