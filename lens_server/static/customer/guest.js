// The second technician's ("guest") peer connection (issue 18 point 3, docs/protocol.md
// "Second technician (phone side)"). While the session view names a joined guest and the
// session carries media, the phone offers a second PeerLink to the guest's console: the
// same camera video, the microphone (mixed with the owner's voice, voice.js), the guest's
// voice back, and a `control` channel on which only drawings and the pointer are taken.
// Its signals carry `peer: "guest"` so the server routes them to the guest, and its
// generations are counted apart from the owner's. Like the owner's link it is never
// repaired: a lost path, a failed connection or a new network means a new PeerLink with
// the next generation.

import { PathWatch } from './ice_watch.js';
import { PeerLink } from './peer.js';

const GENERATION_KEY = 'lens.guest_generation';
const DISCONNECTED_GRACE_MS = 3000;
/** All a guest may do on the phone: draw and point. Freeze, camera requests, HD photo,
 * recording and hold stay the owner's. */
export const GUEST_MESSAGES = new Set(['annot', 'pointer']);
const WARNINGS_SHOWN = 20;

/**
 * Events: "remotestream" (detail: the guest's voice, or null when the link closed),
 * "control" (detail: an `annot` or `pointer` message of the guest), "channelopen",
 * "connection" (detail: connectionState), "closed" (the guest's connection went away).
 */
export class GuestLink extends EventTarget {
  /**
   * sendSignal(data): to the server, already tagged for the guest; iceConfig(): the
   * current {iceServers, iceTransportPolicy}; audioTrack(): what to send as the phone's
   * voice; mayRestart(): whether silence now means a lost path (not while held).
   */
  constructor({ camera, sendSignal, iceConfig, audioTrack, mayRestart, generationBase = 0 }) {
    super();
    this.camera = camera;
    this.sendSignal = sendSignal;
    this.iceConfig = iceConfig;
    this.audioTrack = audioTrack;
    this.mayRestart = mayRestart;
    this.generation = Math.max(Number(sessionStorage.getItem(GENERATION_KEY)) || 0, generationBase);
    this.name = null; // the joined guest the session view names
    this.peer = null;
    this.pathWatch = null;
    this.lostTimer = null;
    this.restartWanted = false;
    this.held = false;
    this.ignored = 0;
    this.closed = false;
  }

  /** The guest the session names now (null: none); a different one gets a new link. */
  want(name) {
    if (name === this.name) return;
    if (this.peer) this.drop();
    this.name = name;
  }

  /** Starts the guest's link when one is wanted and none is healthy (the caller has
   * checked that the session carries media and the socket is up). */
  ensure() {
    if (this.closed || !this.name) return;
    if (!this.peer || this.restartWanted) this.start();
  }

  /** A new link with the next generation, at the next ensure() or now. */
  restart() {
    if (!this.peer) return;
    this.restartWanted = true;
    this.ensure();
  }

  start() {
    this.restartWanted = false;
    this.stopPeer();
    this.generation += 1;
    sessionStorage.setItem(GENERATION_KEY, String(this.generation));
    const { iceServers, iceTransportPolicy } = this.iceConfig();
    const peer = new PeerLink({
      iceServers,
      iceTransportPolicy,
      generation: this.generation,
      camera: this.camera,
      sendSignal: this.sendSignal,
      audioTrack: this.audioTrack,
      held: this.held,
    });
    this.peer = peer;
    this.wire(peer);
    this.watchPath(peer);
    peer.start().catch((error) => {
      console.warn('lens: offer to the guest failed', error);
      if (this.peer === peer) this.restart();
    });
  }

  wire(peer) {
    const on = (type, handler) => peer.addEventListener(type, (event) => {
      if (this.peer === peer) handler(event.detail);
    });
    on('connection', (state) => this.onPeerState(state));
    on('remotestream', (stream) => this.emit('remotestream', stream));
    on('channelopen', () => this.emit('channelopen'));
    on('control', (message) => this.onControl(message));
  }

  /** Only drawings and the pointer; anything else the guest sends is ignored. */
  onControl(message) {
    if (GUEST_MESSAGES.has(message.type)) {
      this.emit('control', message);
      return;
    }
    this.ignored += 1;
    if (this.ignored <= WARNINGS_SHOWN) {
      console.info(`lens: ignored a "${String(message.type).slice(0, 20)}" message from the guest`);
    }
  }

  /** The guest's media went silent while it should not: a new connection. */
  watchPath(peer) {
    this.pathWatch?.close();
    this.pathWatch = new PathWatch(peer.pc, (silentMs) => {
      if (this.peer !== peer || this.closed) return true;
      if (!this.mayRestart()) return false; // on hold: silence is expected
      console.info(`lens: no media from the guest for ${Math.round(silentMs)} ms, reconnecting it`);
      this.restart();
      return true;
    });
  }

  onPeerState(state) {
    if (state === 'connected' || state === 'completed') {
      clearTimeout(this.lostTimer);
      this.lostTimer = null;
    } else if (state === 'failed') {
      this.restart();
    } else if (state === 'disconnected' && !this.lostTimer) {
      this.lostTimer = setTimeout(() => {
        this.lostTimer = null;
        this.restart();
      }, DISCONNECTED_GRACE_MS);
    }
    this.emit('connection', state);
  }

  /**
   * The socket is back after being down: the same rule as the owner's link (a connected
   * link carries on, decision 0014), so the caller says whether the network changed.
   */
  onSocketBack({ networkLost }) {
    if (!this.peer) return;
    const connected = ['connected', 'completed'].includes(this.peer.connectionState);
    if (!connected || this.lostTimer || networkLost) this.restartWanted = true;
  }

  /** A signal tagged `peer: "guest"` (the guest's answer and candidates). */
  async handleSignal(data) {
    if (!this.peer) return;
    try {
      await this.peer.handleSignal(data);
    } catch (error) {
      console.warn('lens: signal from the guest failed, starting a new connection', error);
      this.restart();
    }
  }

  /** Whether a signal that waited for the socket still belongs to the current link. */
  isCurrent(data) {
    return Boolean(this.peer) && !this.restartWanted && data.generation === this.peer.generation;
  }

  setHeld(held) {
    this.held = held;
    return this.peer ? this.peer.setHeld(held) : Promise.resolve();
  }

  refreshAudioTrack() {
    return this.peer ? this.peer.refreshAudioTrack() : Promise.resolve();
  }

  async replaceVideoTrack(track) {
    if (this.peer) await this.peer.replaceVideoTrack(track);
  }

  sendControl(message) {
    this.peer?.sendControl(message);
  }

  /** Closes the guest's link (the guest left): its voice goes with it. */
  drop() {
    if (!this.peer) return;
    this.stopPeer();
    this.restartWanted = false;
    this.emit('remotestream', null);
    this.emit('closed');
  }

  stopPeer() {
    clearTimeout(this.lostTimer);
    this.lostTimer = null;
    this.pathWatch?.close();
    this.pathWatch = null;
    this.peer?.close();
    this.peer = null;
  }

  /** What tests and support read (window.lensDebug.guest). */
  snapshot() {
    const peer = this.peer;
    return {
      name: this.name,
      open: Boolean(peer),
      generation: peer ? peer.generation : null,
      connectionState: peer ? peer.connectionState : null,
      stats: peer ? { ...peer.videoStats } : {},
      audio: peer ? { ...peer.audioStats } : {},
      sentAudio: peer?.audioSender?.track?.label ?? null,
      sentCamera: peer?.videoSender?.track?.label ?? null,
      ignored: this.ignored,
    };
  }

  close() {
    if (this.closed) return;
    this.drop();
    this.closed = true;
    this.name = null;
    sessionStorage.removeItem(GENERATION_KEY);
  }

  emit(type, detail = null) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
