// One WebRTC peer connection to the console, for one `generation` (docs/protocol.md).
// A network change is handled by a new PeerLink with the next generation, never by
// repairing an old one: aiortc on the console side has no ICE restart.

import { withVideoBitrates } from './sdp.js';

const MAX_VIDEO_BITRATE = 2_500_000;
const STATS_EVERY_MS = 1000;
// docs/protocol.md: no control message is larger than 64 KiB.
const MAX_CONTROL_CHARS = 65536;

function videoNumbers(entry) {
  return {
    framesSent: entry.framesSent || 0,
    frameWidth: entry.frameWidth || 0,
    frameHeight: entry.frameHeight || 0,
    framesPerSecond: entry.framesPerSecond || 0,
    bytesSent: entry.bytesSent || 0,
    packetsSent: entry.packetsSent || 0,
    qualityLimitationReason: entry.qualityLimitationReason,
  };
}

/** The candidate types of the selected pair: "relay" when media goes through TURN. */
function selectedPath(report) {
  let pairId = null;
  report.forEach((entry) => {
    if (entry.type === 'transport' && entry.selectedCandidatePairId) pairId = entry.selectedCandidatePairId;
  });
  const pair = pairId ? report.get(pairId) : null;
  if (!pair) return null;
  const local = report.get(pair.localCandidateId) || {};
  const remote = report.get(pair.remoteCandidateId) || {};
  return {
    local: local.candidateType || '',
    remote: remote.candidateType || '',
    relayProtocol: local.relayProtocol || '',
  };
}

function sentNumbers(entry) {
  return { bytesSent: entry.bytesSent || 0, packetsSent: entry.packetsSent || 0 };
}

function audioNumbers(entry) {
  return {
    packetsReceived: entry.packetsReceived || 0,
    totalAudioEnergy: entry.totalAudioEnergy || 0,
  };
}

/**
 * Events: "connection" (detail: connectionState), "remotestream" (detail: MediaStream),
 * "stats" (detail: outbound video numbers), "control" (detail: a data channel message).
 */
export class PeerLink extends EventTarget {
  /**
   * audioTrack(): the track to send as the customer's voice (the microphone, or with a
   * second technician on the line its mix with the other's voice: voice.js).
   */
  constructor({
    iceServers, iceTransportPolicy = 'all', generation, camera, sendSignal, held = false, audioTrack = null,
  }) {
    super();
    this.generation = generation;
    this.audioTrack = audioTrack || (() => camera.audioTrack);
    // On hold nothing is sent: the senders carry no track (docs/protocol.md, "Hold").
    this.held = held;
    this.camera = camera;
    this.sendSignal = sendSignal;
    // 'relay': TURN only, for networks that must not see the phone's own addresses.
    this.pc = new RTCPeerConnection({ iceServers: iceServers || [], iceTransportPolicy });
    this.channel = null;
    this.videoSender = null;
    this.audioSender = null;
    this.parameterChanges = null;
    this.offerSent = false;
    this.earlyCandidates = [];
    this.remoteCandidates = [];
    this.statsTimer = null;
    this.closed = false;
    this.timing = { createdAt: performance.now() };
    this.videoStats = {};
    this.audioStats = {};
    this.path = null;
    this.audioSentStats = {};
  }

  /** Adds the tracks and the data channel, and sends the offer through the server. */
  async start() {
    this.addTracks();
    this.channel = this.pc.createDataChannel('control');
    this.channel.onmessage = (event) => this.onControl(event.data);
    this.channel.onopen = () => this.emit('channelopen');
    this.listen();
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    await this.tuneVideoSender();
    if (this.closed) return;
    this.sendSignal({ kind: 'offer', sdp: this.pc.localDescription.sdp, generation: this.generation });
    this.offerSent = true;
    this.timing.offerSentAt = performance.now();
    for (const candidate of this.earlyCandidates) this.sendCandidate(candidate);
    this.earlyCandidates = [];
    this.collectStats();
  }

  addTracks() {
    const video = this.camera.videoTrack;
    const audio = this.audioTrack();
    const stream = this.camera.stream;
    const videoTransceiver = this.pc.addTransceiver((!this.held && video) || 'video', {
      direction: 'sendonly',
      streams: [stream],
      sendEncodings: [{ maxBitrate: MAX_VIDEO_BITRATE }],
    });
    this.videoSender = videoTransceiver.sender;
    const audioTransceiver = this.pc.addTransceiver((!this.held && audio) || 'audio', {
      direction: 'sendrecv', streams: [stream],
    });
    this.audioSender = audioTransceiver.sender;
  }

  /**
   * Hold: the senders drop their tracks and the video encoding goes inactive, so no
   * media RTP leaves the phone (a disabled track would still send black frames and
   * silence). Resume puts the camera's current tracks back and restarts the encoder (a
   * keyframe first); the media path and its negotiation stay as they were.
   */
  async setHeld(held) {
    this.held = held;
    const video = held ? null : this.camera.videoTrack;
    const audio = held ? null : this.audioTrack();
    await Promise.all([
      this.videoSender.replaceTrack(video),
      this.audioSender.replaceTrack(audio),
      this.changeVideoParameters((params) => { params.encodings[0].active = !held; }),
    ]);
  }

  /**
   * Changes the video sender's parameters one change at a time (each setParameters must
   * follow its own getParameters). Inactive while held: without a track Chromium still
   * sends padding packets (bandwidth probes) on the video stream of a new connection.
   */
  changeVideoParameters(change) {
    const previous = (this.parameterChanges || Promise.resolve()).catch(() => {});
    this.parameterChanges = previous.then(async () => {
      const params = this.videoSender.getParameters();
      if (!params.encodings || !params.encodings.length) params.encodings = [{}];
      change(params);
      await this.videoSender.setParameters(params);
    });
    return this.parameterChanges;
  }

  /** Keeps resolution under pressure (the technician reads labels) and raises the cap. */
  async tuneVideoSender() {
    try {
      await this.changeVideoParameters((params) => {
        params.encodings[0].maxBitrate = MAX_VIDEO_BITRATE;
        params.encodings[0].active = !this.held;
        params.degradationPreference = 'maintain-resolution';
      });
      this.degradationPreference = this.videoSender.getParameters().degradationPreference;
    } catch (error) {
      this.degradationPreference = `unsupported: ${error.name}`;
    }
  }

  listen() {
    this.pc.onicecandidate = (event) => {
      if (!event.candidate || !event.candidate.candidate) return;
      if (this.offerSent) this.sendCandidate(event.candidate);
      else this.earlyCandidates.push(event.candidate);
    };
    this.pc.onconnectionstatechange = () => this.onConnectionState();
    this.pc.oniceconnectionstatechange = () => this.onConnectionState();
    this.pc.ontrack = (event) => {
      if (event.track.kind === 'audio') {
        this.emit('remotestream', event.streams[0] || new MediaStream([event.track]));
      }
    };
  }

  sendCandidate(candidate) {
    this.sendSignal({ kind: 'candidate', candidate: candidate.toJSON(), generation: this.generation });
  }

  onConnectionState() {
    if (this.closed) return;
    const state = this.connectionState;
    if (state === 'connected' && !this.timing.connectedAt) this.timing.connectedAt = performance.now();
    this.emit('connection', state);
  }

  /** The worse of connectionState and iceConnectionState, in connectionState's words. */
  get connectionState() {
    const ice = this.pc.iceConnectionState;
    if (ice === 'failed' || ice === 'disconnected') return ice;
    return this.pc.connectionState;
  }

  /** Applies a signal from the console; messages of other generations are ignored. */
  async handleSignal(data) {
    if (this.closed || data.generation !== this.generation) return;
    if (data.kind === 'answer') await this.applyAnswer(data.sdp);
    else if (data.kind === 'candidate') await this.addRemoteCandidate(data.candidate);
  }

  async applyAnswer(sdp) {
    if (this.pc.signalingState !== 'have-local-offer') return;
    this.timing.answerAt = performance.now();
    await this.pc.setRemoteDescription({ type: 'answer', sdp: withVideoBitrates(sdp) });
    for (const candidate of this.remoteCandidates) await this.addRemoteCandidate(candidate);
    this.remoteCandidates = [];
  }

  async addRemoteCandidate(candidate) {
    if (!this.pc.remoteDescription) {
      this.remoteCandidates.push(candidate);
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate && candidate.candidate ? candidate : null);
    } catch (error) {
      console.warn('lens: remote candidate refused', error);
    }
  }

  /** Sends what audioTrack() answers now (the mix started or stopped); not while held. */
  async refreshAudioTrack() {
    const track = this.audioTrack();
    if (this.held || !this.audioSender || this.audioSender.track === track) return;
    await this.audioSender.replaceTrack(track);
  }

  async replaceVideoTrack(track) {
    // On hold the new camera waits: resume sends whatever the camera then has.
    if (!this.held) await this.videoSender.replaceTrack(track);
  }

  sendControl(message) {
    if (this.channel && this.channel.readyState === 'open') {
      this.channel.send(JSON.stringify(message));
    }
  }

  onControl(text) {
    if (typeof text !== 'string' || text.length > MAX_CONTROL_CHARS) {
      console.warn('lens: ignored an oversized or binary control message');
      return;
    }
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      console.warn('lens: ignored a control message that is not JSON');
      return;
    }
    if (message && typeof message === 'object' && !Array.isArray(message)) this.emit('control', message);
    else console.warn('lens: ignored a control message that is not a JSON object');
  }

  /** Samples the numbers tests and support need: what is sent, and what is heard. */
  async collectStats() {
    if (this.closed) return;
    let report;
    try {
      report = await this.pc.getStats();
    } catch {
      return; // closed meanwhile
    }
    if (this.closed) return;
    this.path = selectedPath(report);
    report.forEach((entry) => {
      if (entry.type === 'outbound-rtp' && entry.kind === 'video') this.videoStats = videoNumbers(entry);
      if (entry.type === 'inbound-rtp' && entry.kind === 'audio') this.audioStats = audioNumbers(entry);
      if (entry.type === 'outbound-rtp' && entry.kind === 'audio') this.audioSentStats = sentNumbers(entry);
    });
    this.noteMilestones();
    this.emit('stats', this.videoStats);
    // Fine-grained until full resolution is reached (it is what we measure), then calm.
    const delay = this.timing.fullWidthAt ? STATS_EVERY_MS : STATS_EVERY_MS / 4;
    this.statsTimer = setTimeout(() => this.collectStats(), delay);
  }

  noteMilestones() {
    const now = performance.now();
    const stats = this.videoStats;
    if (stats.framesSent > 0 && !this.timing.firstFrameSentAt) this.timing.firstFrameSentAt = now;
    if (stats.frameWidth >= 1280 && !this.timing.fullWidthAt) this.timing.fullWidthAt = now;
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.statsTimer);
    this.pc.onicecandidate = null;
    this.pc.onconnectionstatechange = null;
    this.pc.oniceconnectionstatechange = null;
    this.pc.ontrack = null;
    this.pc.close();
  }

  emit(type, detail = null) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
