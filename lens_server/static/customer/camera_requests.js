// The technician's camera requests (docs/protocol.md, "Camera requests (version 1)"):
// the phone says what its camera can do (`camera_caps`), takes `camera_request`s for
// switch, torch, zoom and focus, answers each with a `camera_result`, and tells the
// customer what the technician changed with a short toast. Requests are parsed
// strictly: anything malformed is ignored with a (rate-limited) console.warn.

import { t } from './i18n.js';

export const ACTIONS = new Set(['switch', 'torch', 'zoom', 'focus']);
const REQUEST_FIELDS = new Set(['type', 'v', 'id', 'action', 'value']);
const ID = /^[A-Za-z0-9_-]{1,32}$/;
const TOAST_MS = 3500;
const WARN_EVERY_MS = 2000;

/** The request as {id, action, value}, or a string saying why it is not one. */
export function parseRequest(message) {
  if (message.v !== 1) return 'unsupported version';
  for (const key of Object.keys(message)) if (!REQUEST_FIELDS.has(key)) return `unknown field ${key.slice(0, 20)}`;
  if (typeof message.id !== 'string' || !ID.test(message.id)) return 'bad id';
  const { action, value } = message;
  if (!ACTIONS.has(action)) return 'unknown action';
  if (action === 'switch' && value !== undefined && value !== null) return 'switch takes no value';
  if (action === 'torch' && typeof value !== 'boolean') return 'torch takes true or false';
  if (action === 'zoom' && !(typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 1000)) {
    return 'zoom takes a number';
  }
  if (action === 'focus') {
    const ok = value && typeof value === 'object' && !Array.isArray(value)
      && Object.keys(value).length === 2
      && [value.x, value.y].every((v) => typeof v === 'number' && v >= 0 && v <= 1);
    if (!ok) return 'focus takes {x, y} within 0..1';
  }
  return { id: message.id, action, value: action === 'switch' ? null : value };
}

export class CameraRequests {
  /**
   * camera: the Camera; send(message): to the console; switchCamera(): swaps the camera
   * as the customer's own button does (resolves to whether it swapped); setTorch(on);
   * refusal(): null when requests are taken now, else 'paused' or 'on_hold';
   * toast: the element that shows what changed.
   */
  constructor({ camera, send, switchCamera, setTorch, torchOn, refusal, toast }) {
    this.camera = camera;
    this.send = send;
    this.switchCamera = switchCamera;
    this.setTorch = setTorch;
    this.torchOn = torchOn;
    this.refusal = refusal;
    this.toast = toast;
    this.busy = false;
    this.toastTimer = null;
    this.lastWarn = -Infinity;
    this.ignored = 0;
    this.results = [];
    this.toasts = [];
  }

  caps() {
    const camera = this.camera;
    const zoom = camera.zoom;
    const round = (v) => Math.round(v * 1000) / 1000;
    return {
      type: 'camera_caps',
      v: 1,
      facing: camera.canSwitch ? ['user', 'environment'] : [camera.facing],
      current: camera.facing,
      torch: camera.torchSupported,
      torch_on: Boolean(this.torchOn()),
      zoom: zoom && { min: round(zoom.min), max: round(zoom.max), step: round(zoom.step), value: round(zoom.value) },
      focus_point: camera.focusPointSupported,
    };
  }

  sendCaps() {
    if (this.camera.stream) this.send(this.caps());
  }

  /** Takes a control message; true when it was a camera request (taken or not). */
  handle(message) {
    if (message.type !== 'camera_request') return false;
    const request = parseRequest(message);
    if (typeof request === 'string') {
      this.warn(request);
      return true;
    }
    this.apply(request);
    return true;
  }

  async apply({ id, action, value }) {
    const refused = this.refusal();
    if (refused || this.busy) {
      this.answer(id, false, refused || 'busy');
      this.sendCaps();
      return;
    }
    this.busy = true;
    try {
      const outcome = await this.run(action, value);
      if (outcome) this.answer(id, false, outcome);
      else this.answer(id, true);
    } catch (error) {
      console.warn(`lens: camera request ${action} failed`, error);
      this.answer(id, false, 'failed', String(error && error.name || 'Error').slice(0, 100));
    } finally {
      this.busy = false;
      this.sendCaps();
    }
  }

  /** Does it; null when done, else the reason it was not. */
  async run(action, value) {
    const camera = this.camera;
    if (action === 'switch') {
      if (!camera.canSwitch) return 'not_supported';
      if (!(await this.switchCamera())) return 'failed';
      this.show(camera.facing === 'user' ? 'camera_toast_front' : 'camera_toast_back');
    } else if (action === 'torch') {
      if (!camera.torchSupported) return 'not_supported';
      await this.setTorch(value);
      this.show(value ? 'camera_toast_torch_on' : 'camera_toast_torch_off');
    } else if (action === 'zoom') {
      const zoom = camera.zoom;
      if (!zoom) return 'not_supported';
      if (value < zoom.min || value > zoom.max) return 'invalid';
      await camera.setZoom(value);
      this.show('camera_toast_zoom', { zoom: Math.round(value * 10) / 10 });
    } else if (action === 'focus') {
      if (!camera.focusPointSupported) return 'not_supported';
      await camera.focusAt(value.x, value.y);
      this.show('camera_toast_focus');
    }
    return null;
  }

  answer(id, ok, reason, message) {
    const result = { type: 'camera_result', v: 1, id, ok };
    if (!ok) result.reason = reason;
    if (!ok && message) result.message = message;
    this.results.push(result);
    this.send(result);
  }

  show(key, values) {
    this.toasts.push(key);
    this.toast.textContent = t(key, values);
    this.toast.hidden = false;
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => { this.toast.hidden = true; }, TOAST_MS);
  }

  warn(reason) {
    this.ignored += 1;
    const now = performance.now();
    if (now - this.lastWarn < WARN_EVERY_MS) return;
    this.lastWarn = now;
    console.warn(`lens: ignored a camera request: ${reason}`);
  }

  snapshot() {
    return { ignored: this.ignored, results: [...this.results], toasts: [...this.toasts], caps: this.caps() };
  }
}
