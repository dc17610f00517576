// The customer taps the picture to show the technician a spot (docs/protocol.md, "Customer
// tap"): a touch or click that does not drag becomes a `tap` message in the video frame's
// own coordinates, mapped back through the letterboxing and mirroring of the picture on
// screen (the live preview or the frozen still), at most four a second. A short ring
// where the finger was tells the customer it went.

import { contentRect } from './annotations.js';

export const MIN_INTERVAL_MS = 250;
const DRAG_PX = 10;
const ECHO_MS = 700;
// Taps on these are for the page, not the picture.
const NOT_THE_PICTURE = 'button, a, input, label, .controls, .topbar, .status, .dialog-backdrop, .freeze-sign, .chat-panel';

export class TapSender {
  /**
   * picture(): the element whose picture is on screen; send(message): to the technician;
   * active(): whether taps count now (a live session).
   */
  constructor({ stage, picture, send, active }) {
    this.stage = stage;
    this.picture = picture;
    this.send = send;
    this.active = active;
    this.down = null;
    this.last = -Infinity;
    this.sent = 0;
    this.dropped = 0;
    window.addEventListener('pointerdown', (event) => this.onDown(event));
    window.addEventListener('pointermove', (event) => this.onMove(event));
    window.addEventListener('pointerup', (event) => this.onUp(event));
    window.addEventListener('pointercancel', () => { this.down = null; });
  }

  onDown(event) {
    this.down = null;
    if (!event.isPrimary || !this.active()) return;
    if (event.target instanceof Element && event.target.closest(NOT_THE_PICTURE)) return;
    this.down = { id: event.pointerId, x: event.clientX, y: event.clientY };
  }

  onMove(event) {
    const down = this.down;
    if (down && event.pointerId === down.id && Math.hypot(event.clientX - down.x, event.clientY - down.y) > DRAG_PX) {
      this.down = null; // a drag, not a tap
    }
  }

  onUp(event) {
    const down = this.down;
    this.down = null;
    if (!down || event.pointerId !== down.id) return;
    this.tap(down.x, down.y);
  }

  /** Page point -> frame point; sends it unless it is off the picture or too soon. */
  tap(clientX, clientY) {
    const element = this.picture();
    const rect = contentRect(element);
    if (!rect) return false;
    const box = element.getBoundingClientRect();
    let x = (clientX - box.left - rect.x) / rect.width;
    const y = (clientY - box.top - rect.y) / rect.height;
    if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) return false; // on the bars
    if (element.classList.contains('mirrored')) x = 1 - x;
    const now = performance.now();
    if (now - this.last < MIN_INTERVAL_MS) {
      this.dropped += 1;
      return false;
    }
    this.last = now;
    const round = (v) => Math.round(v * 10000) / 10000;
    this.send({ type: 'tap', v: 1, x: round(x), y: round(y) });
    this.sent += 1;
    this.echo(clientX, clientY);
    return true;
  }

  echo(clientX, clientY) {
    const stageBox = this.stage.getBoundingClientRect();
    const ring = document.createElement('div');
    ring.className = 'tap-echo';
    ring.setAttribute('aria-hidden', 'true');
    ring.style.left = `${clientX - stageBox.left}px`;
    ring.style.top = `${clientY - stageBox.top}px`;
    this.stage.append(ring);
    setTimeout(() => ring.remove(), ECHO_MS);
  }

  snapshot() {
    return { sent: this.sent, dropped: this.dropped };
  }
}
