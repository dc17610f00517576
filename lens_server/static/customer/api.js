// The customer's side of docs/protocol.md: REST calls and the /ws/customer socket.

const BASE = '/api/v1/customer';

/** A refused or failed call; `code` is the server's machine code, or "network"/"server". */
export class ApiError extends Error {
  constructor(status, code, message, details = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Seconds to wait before trying again (rate_limited), at least 1. */
  get retryAfter() {
    return Math.max(1, Math.ceil(Number(this.details.retry_after) || 1));
  }
}

async function errorFrom(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    // A proxy's HTML error page: fall through to a generic server error.
  }
  const error = body.error || {};
  const details = { ...(error.details || {}) };
  if (details.retry_after === undefined && response.headers.get('Retry-After')) {
    details.retry_after = response.headers.get('Retry-After');
  }
  const code = error.code || (response.status >= 500 ? 'server' : 'invalid_request');
  return new ApiError(response.status, code, error.message || response.statusText, details);
}

async function call(path, { method = 'GET', token = null, body = undefined } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (error) {
    throw new ApiError(0, 'network', String(error));
  }
  if (!response.ok) throw await errorFrom(response);
  return response.status === 204 ? null : response.json();
}

export const redeemPin = (pin) => call('/redeem', { method: 'POST', body: { pin } });
export const redeemLink = (linkToken) => call('/redeem', { method: 'POST', body: { link_token: linkToken } });
export const fetchSession = (token) => call('/session', { token });
export const acceptEula = (token) => call('/accept', { method: 'POST', token });
export const declineEula = (token) => call('/decline', { method: 'POST', token });
export const leaveSession = (token) => call('/leave', { method: 'POST', token });
/** action: camera_paused, camera_resumed, mic_muted or mic_unmuted (for the session's log). */
export const reportActivity = (token, action) => call('/activity', { method: 'POST', token, body: { action } });
/** Chat (docs/protocol.md): send one message, or read the session's history. */
export const sendChat = (token, text) => call('/chat', { method: 'POST', token, body: { text } });
export const fetchChat = (token) => call('/chat', { token });
/** The survey after the end (docs/protocol.md): {rating, comment} or {skip: true}. */
export const sendSurvey = (token, body) => call('/survey', { method: 'POST', token, body });

// Quick at first and every 1-2 s for about half a minute (a server restart, or a
// blip on the phone's network), then slower; the last value repeats.
const BACKOFF_MS = [250, 500, 1000, 1000, 1000, 1000, ...Array(12).fill(2000), 4000, 8000];
const PING_EVERY_MS = 5000;
// A socket that hears nothing (not even a pong) for this long is treated as dead: a phone
// that moved from Wi-Fi to mobile data may keep a half-open TCP connection for minutes.
const SILENCE_LIMIT_MS = 12000;

/**
 * The page's WebSocket: authenticates, reconnects with backoff while the session lives,
 * and reports what it hears as events: ready, down, session, signal, chat, config, rejected.
 */
export class CustomerSocket extends EventTarget {
  constructor(token) {
    super();
    this.token = token;
    this.ws = null;
    this.ready = false;
    this.closed = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.lastHeard = 0;
    this.onOnline = () => this.reconnectNow();
    this.onOffline = () => this.dropAndRetry();
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
  }

  open() {
    if (this.closed || this.ws) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}/ws/customer`);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: this.token }));
    ws.onmessage = (event) => this.onMessage(event.data);
    ws.onclose = (event) => this.onClose(ws, event.code);
  }

  /** Sends a message if the socket is authenticated; returns whether it went out. */
  send(message) {
    if (!this.ready) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  sendSignal(data) {
    return this.send({ type: 'signal', data });
  }

  /** Gives up the current socket (it may be dead) and dials again at once. */
  reconnectNow() {
    if (this.closed) return;
    this.dropAndRetry();
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.open();
  }

  /**
   * Treats the socket as gone now, rather than when its close handshake ends: over a
   * dead path (the browser went offline, nothing heard for too long) that takes minutes.
   */
  dropAndRetry() {
    const ws = this.ws;
    if (!ws) return;
    this.onClose(ws, 1006);
    ws.onclose = null;
    ws.close();
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.ws) this.ws.close(1000);
  }

  onMessage(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    this.lastHeard = Date.now();
    if (message.type === 'ready') this.onReady();
    else if (message.type === 'ping') this.send({ type: 'pong' });
    else if (message.type === 'session') this.emit('session', message.session);
    else if (message.type === 'signal') this.emit('signal', message.data);
    else if (message.type === 'chat') this.emit('chat', message.message);
    else if (message.type === 'config') this.emit('config', message);
    else if (message.type === 'error') this.emit('servererror', message);
    else if (message.type === 'replaced') this.onReplaced();
  }

  /** Another page holds the session now: stop, and never dial again with this token. */
  onReplaced() {
    this.close();
    this.emit('replaced');
  }

  onReady() {
    this.ready = true;
    this.attempt = 0;
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.keepAlive(), PING_EVERY_MS);
    this.emit('ready');
  }

  keepAlive() {
    if (Date.now() - this.lastHeard > SILENCE_LIMIT_MS) this.dropAndRetry();
    else this.send({ type: 'ping' });
  }

  onClose(ws, code) {
    if (ws !== this.ws) return;
    const wasReady = this.ready;
    this.ws = null;
    this.ready = false;
    clearInterval(this.pingTimer);
    if (this.closed) return;
    if (code === 4401) {
      this.closed = true;
      this.emit('rejected');
      return;
    }
    if (wasReady) this.emit('down');
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.retryTimer = setTimeout(() => this.open(), delay * (0.8 + Math.random() * 0.4));
  }

  emit(type, detail = null) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
