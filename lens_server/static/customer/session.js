// The live part of a session: the socket, the peer connection of the current generation,
// and the reconnect rules that keep a session alive across network changes.

import { CustomerSocket } from './api.js';
import { GuestLink } from './guest.js';
import { PathWatch } from './ice_watch.js';
import { PeerLink } from './peer.js';
import { VoiceMix } from './voice.js';

export const FINAL_STATES = new Set([
  'closed_by_technician', 'closed_by_customer', 'timed_out', 'expired',
]);
// While a transfer waits for its answer the media stays with the current technician.
const MEDIA_STATES = new Set(['active', 'on_hold', 'reconnecting', 'transferring']);
// How long ICE may stay "disconnected" before the link is rebuilt. Short blips (a few
// lost packets) recover by themselves; a real path change does not.
const DISCONNECTED_GRACE_MS = 3000;
const GENERATION_KEY = 'lens.generation';
// Signals kept while the socket is down: an offer's trickled candidates fit easily.
const MAX_UNSENT = 200;

/**
 * Events: "session" (detail: customer view of the session), "link" (detail: one of
 * idle, connecting, live, reconnecting), "remotestream", "rejected", "replaced" (the
 * customer opened the link on another page, which now holds the session), "control"
 * (detail: a data channel message from the console), "hold" (detail: {held, ms}: the
 * senders dropped or took back their tracks, ms after the server's word), "chat" (detail:
 * a chat message the server stored), "socketready" (the socket is (back) up),
 * "channelopen" (the control channel of a new connection opened), "guestcontrol" (an
 * `annot` or `pointer` message of the second technician), "guestvoice" (detail: the
 * second technician's voice, or null when that link closed).
 */
export class SessionLink extends EventTarget {
  constructor({ token, camera, iceServers, iceTransportPolicy = 'all', generationBase = 0 }) {
    super();
    this.camera = camera;
    this.iceServers = iceServers || [];
    this.iceTransportPolicy = iceTransportPolicy;
    this.session = null;
    this.peer = null;
    this.pathWatch = null;
    this.restartWanted = false;
    this.socketWasDown = false;
    this.networkLost = false;
    this.unsent = [];
    this.everConnected = false;
    this.lostTimer = null;
    this.closed = false;
    // After a re-join on this device the server's base beats the old device's offers.
    this.generation = Math.max(Number(sessionStorage.getItem(GENERATION_KEY)) || 0, generationBase);
    this.cameraPaused = false;
    this.micMuted = false;
    this.held = false;
    this.linkState = 'idle';
    this.socket = new CustomerSocket(token);
    this.voices = new VoiceMix(camera);
    this.voices.addEventListener('change', () => this.refreshAudio());
    this.guest = this.makeGuest(generationBase);
    this.onOffline = () => { this.networkLost = true; };
    window.addEventListener('offline', this.onOffline);
    this.wireSocket();
  }

  open() {
    this.socket.open();
  }

  wireSocket() {
    const on = (type, handler) => this.socket.addEventListener(type, (event) => handler(event.detail));
    on('ready', () => this.onSocketReady());
    on('down', () => this.onSocketDown());
    on('session', (session) => this.onSession(session));
    on('signal', (data) => this.onSignal(data));
    // Sent on every (re)connect: fresh TURN credentials for the next peer connection.
    on('config', (config) => {
      if (Array.isArray(config.ice_servers)) this.iceServers = config.ice_servers;
      if (config.ice_transport_policy === 'relay' || config.ice_transport_policy === 'all') {
        this.iceTransportPolicy = config.ice_transport_policy;
      }
    });
    on('rejected', () => this.emit('rejected'));
    // Chat is the server's (chat.js): passed on, and the history read again after a
    // reconnect, for what came while the socket was away.
    on('chat', (message) => this.emit('chat', message));
    on('ready', () => this.emit('socketready'));
    on('replaced', () => {
      this.close();
      this.emit('replaced');
    });
  }

  /** The second technician's link (guest.js): the same camera, its own generations. */
  makeGuest(generationBase) {
    const guest = new GuestLink({
      camera: this.camera,
      sendSignal: (data) => this.sendSignal({ ...data, peer: 'guest' }),
      iceConfig: () => ({ iceServers: this.iceServers, iceTransportPolicy: this.iceTransportPolicy }),
      audioTrack: () => this.voices.trackFor('guest'),
      mayRestart: () => this.session?.state === 'active',
      generationBase,
    });
    const on = (type, handler) => guest.addEventListener(type, (event) => handler(event.detail));
    on('control', (message) => this.emit('guestcontrol', message));
    on('channelopen', () => this.sendControlState(guest));
    on('remotestream', (stream) => {
      this.voices.setVoice('guest', stream);
      this.emit('guestvoice', stream);
    });
    return guest;
  }

  onSocketDown() {
    if (this.peer || this.guest.peer) this.socketWasDown = true;
    this.updateLinkState();
  }

  /**
   * The socket is (back) up. A peer connection that is still connected carries on:
   * media is peer to peer and outlives a server restart, and rebuilding it would
   * freeze the picture for nothing (docs/decisions/0014-keep-a-connected-peer.md).
   * It is rebuilt with the next generation when it is not connected (it was
   * negotiating, or lost its path: its answer may have gone with the old socket) or
   * when the browser went offline meanwhile (a new network needs a new path).
   */
  onSocketReady() {
    if (this.socketWasDown && this.peer) {
      const connected = ['connected', 'completed'].includes(this.peer.connectionState);
      if (!connected || this.lostTimer || this.networkLost) this.restartWanted = true;
    }
    if (this.socketWasDown) this.guest.onSocketBack({ networkLost: this.networkLost });
    this.socketWasDown = false;
    this.networkLost = false;
    this.sendUnsent();
    this.updateLinkState();
  }

  /** Signals go through the server; while its socket is down they wait here. */
  sendSignal(data) {
    if (!this.socket.sendSignal(data) && this.unsent.length < MAX_UNSENT) this.unsent.push(data);
  }

  /** Sends what waited, of the current generation only (older ones are moot). */
  sendUnsent() {
    const pending = this.unsent;
    this.unsent = [];
    for (const data of pending) {
      if (data.peer === 'guest' ? this.guest.isCurrent(data) : this.isCurrent(data)) this.sendSignal(data);
    }
  }

  isCurrent(data) {
    return Boolean(this.peer) && !this.restartWanted && data.generation === this.peer.generation;
  }

  onSession(session) {
    if (this.closed || !session) return;
    // A transfer was accepted: the new technician's console gets a new peer connection
    // (the next generation; the server routes it there), with nothing to do on the phone.
    const handedOver = Boolean(this.session) && (session.handovers || 0) > (this.session.handovers || 0);
    if (handedOver && this.peer) this.restartWanted = true;
    this.session = session;
    // While reconnecting the hold stays as it was: the server returns to the state
    // the session had (on_hold or active) when the phone is back.
    if (session.state === 'on_hold') this.setHeld(true);
    else if (session.state === 'active') this.setHeld(false);
    this.followGuest(session);
    this.emit('session', session);
    if (FINAL_STATES.has(session.state)) return;
    if (MEDIA_STATES.has(session.state)) this.ensurePeer();
    this.updateLinkState();
  }

  /**
   * A joined guest (the customer view names them) gets a second peer connection while
   * the session carries media; the mix of voices runs while that guest is there.
   */
  followGuest(session) {
    const media = MEDIA_STATES.has(session.state);
    const name = media && session.guest ? String(session.guest.name || '') || 'guest' : null;
    this.guest.want(name);
    if (name) this.voices.start();
    else this.voices.stop();
  }

  async onSignal(data) {
    if (data?.peer === 'guest') {
      await this.guest.handleSignal(data);
      return;
    }
    if (!data || !this.peer) return;
    try {
      await this.peer.handleSignal(data);
    } catch (error) {
      console.warn('lens: signal failed, starting a new connection', error);
      this.restart();
    }
  }

  /** Starts a peer connection if the session wants media and none is healthy. */
  ensurePeer() {
    if (this.closed || !this.camera.stream || !this.socket.ready) return;
    if (!this.session || !MEDIA_STATES.has(this.session.state)) return;
    if (!this.peer || this.restartWanted) this.startPeer();
    this.guest.held = this.held; // startPeer() may have just taken it from the session's state
    this.guest.ensure();
  }

  restart() {
    this.restartWanted = true;
    this.updateLinkState();
    this.ensurePeer();
  }

  startPeer() {
    this.restartWanted = false;
    clearTimeout(this.lostTimer);
    if (this.peer) this.peer.close();
    this.generation += 1;
    sessionStorage.setItem(GENERATION_KEY, String(this.generation));
    if (this.session?.state === 'on_hold') this.held = true;
    else if (this.session?.state === 'active') this.held = false;
    const peer = new PeerLink({
      iceServers: this.iceServers,
      iceTransportPolicy: this.iceTransportPolicy,
      generation: this.generation,
      camera: this.camera,
      sendSignal: (data) => this.sendSignal(data),
      audioTrack: () => this.voices.trackFor('owner'),
      held: this.held,
    });
    this.peer = peer;
    this.wirePeer(peer);
    this.watchPath(peer);
    this.updateLinkState();
    peer.start().catch((error) => {
      console.warn('lens: offer failed', error);
      if (this.peer === peer) this.restart();
    });
  }

  wirePeer(peer) {
    const on = (type, handler) => peer.addEventListener(type, (event) => {
      if (this.peer === peer) handler(event.detail);
    });
    on('connection', (state) => this.onPeerState(state));
    on('remotestream', (stream) => {
      this.voices.setVoice('owner', stream);
      this.emit('remotestream', stream);
    });
    on('channelopen', () => {
      this.sendControlState(this.peer);
      this.emit('channelopen');
    });
    on('control', (message) => this.emit('control', message));
    on('stats', () => this.emit('stats', peer.videoStats));
  }

  /** A media path that went silent is a network change: redial, new generation. */
  watchPath(peer) {
    this.pathWatch?.close();
    this.pathWatch = new PathWatch(peer.pc, (silentMs) => {
      if (this.peer !== peer || this.closed) return true;
      if (this.session?.state !== 'active') return false; // on hold: silence is expected
      console.info(`lens: no media for ${Math.round(silentMs)} ms, reconnecting`);
      this.socket.reconnectNow();
      this.guest.restart(); // a new network: the guest's path is gone too
      this.restart();
      return true;
    });
  }

  onPeerState(state) {
    if (state === 'connected' || state === 'completed') {
      clearTimeout(this.lostTimer);
      this.lostTimer = null;
      this.everConnected = true;
    } else if (state === 'failed') {
      this.restart();
    } else if (state === 'disconnected' && !this.lostTimer) {
      this.lostTimer = setTimeout(() => {
        this.lostTimer = null;
        this.restart();
      }, DISCONNECTED_GRACE_MS);
    }
    this.updateLinkState();
  }

  computeLinkState() {
    if (!this.session || !MEDIA_STATES.has(this.session.state)) return 'idle';
    const connected = this.peer && ['connected', 'completed'].includes(this.peer.connectionState);
    if (this.socket.ready && connected && !this.restartWanted && !this.lostTimer) return 'live';
    return this.everConnected ? 'reconnecting' : 'connecting';
  }

  updateLinkState() {
    const state = this.computeLinkState();
    if (state === this.linkState) return;
    this.linkState = state;
    this.emit('link', state);
  }

  /** On hold the phone sends no video and no audio, to either technician; resume sends
   * both again. */
  setHeld(held) {
    if (held === this.held) return;
    this.held = held;
    const startedAt = performance.now();
    const owner = this.peer?.setHeld(held);
    Promise.all([owner, this.guest.setHeld(held)]).then(() => {
      if (owner) this.emit('hold', { held, ms: performance.now() - startedAt });
    }).catch((error) => console.warn('lens: hold change failed', error));
  }

  setCameraPaused(paused) {
    this.cameraPaused = paused;
    this.camera.setVideoEnabled(!paused);
    this.peer?.sendControl({ type: 'camera', paused });
    this.guest.sendControl({ type: 'camera', paused });
  }

  setMicMuted(muted) {
    this.micMuted = muted;
    this.camera.setAudioEnabled(!muted);
    this.peer?.sendControl({ type: 'mic', muted });
    this.guest.sendControl({ type: 'mic', muted });
  }

  /** The phone's camera and mic state, on a control channel that just opened. */
  sendControlState(link) {
    link?.sendControl({ type: 'camera', paused: this.cameraPaused });
    link?.sendControl({ type: 'mic', muted: this.micMuted });
  }

  async replaceVideoTrack(track) {
    await Promise.all([this.peer?.replaceVideoTrack(track), this.guest.replaceVideoTrack(track)]);
  }

  /** The voice mix started or stopped: each sender takes what it should send now. */
  refreshAudio() {
    for (const link of [this.peer, this.guest]) {
      link?.refreshAudioTrack().catch((error) => console.warn('lens: voice change failed', error));
    }
  }

  /** Drops the current socket, e.g. after the browser reports it is back online. */
  reconnectSocket() {
    this.socket.reconnectNow();
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    window.removeEventListener('offline', this.onOffline);
    clearTimeout(this.lostTimer);
    this.pathWatch?.close();
    if (this.peer) this.peer.close();
    this.peer = null;
    this.guest.close();
    this.voices.close();
    this.socket.close();
    sessionStorage.removeItem(GENERATION_KEY);
  }

  emit(type, detail = null) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
