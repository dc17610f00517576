// What the customer sees and hears of a second technician (issue 18 point 3, docs/
// protocol.md "Second technician (phone side)"): a short notice "<name> joined" /
// "<name> left", the guest's voice, and the guest's drawings and pointer on a layer of
// their own over the picture (their ids may collide with the owner's), the pointer in
// another colour than the owner's.

import { AnnotationLayer } from './annotations.js';
import { t } from './i18n.js';

/** Orange: apart from the owner's magenta pointer and the cyan ring of a customer tap. */
export const GUEST_POINTER_COLOUR = '#ff9100';
const NOTICE_MS = 4000;

export class GuestView {
  constructor({ video, canvas, audio, notice }) {
    this.annotations = new AnnotationLayer(video, canvas, { pointerColour: GUEST_POINTER_COLOUR });
    this.audio = audio;
    this.notice = notice;
    this.noticeTimer = null;
    this.shown = null; // {key, name} of the notice on screen, for a language switch
    this.name = null;
    this.notices = []; // what was said, for tests (lensDebug.guest.notices)
  }

  /** Follows the customer view's `guest` (non-null only while a guest has joined);
   * true when someone joined or left. */
  update(session) {
    const name = session?.guest ? String(session.guest.name || '') : null;
    if (name === this.name) return false;
    if (name) this.say('guest_joined', name);
    else this.say('guest_left', this.name);
    if (this.name) this.annotations.reset(); // the one who left takes their drawings along
    this.name = name;
    return true;
  }

  say(key, name) {
    this.shown = { key, name };
    this.relabel();
    this.notices.push(this.notice.textContent);
    this.notice.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      this.notice.hidden = true;
      this.shown = null;
    }, NOTICE_MS);
  }

  /** Says the notice on screen again in the language now chosen. */
  relabel() {
    if (this.shown) this.notice.textContent = t(this.shown.key, { name: this.shown.name });
  }

  /** An `annot` or `pointer` message from the guest (guest.js has filtered the rest). */
  handle(message) {
    return this.annotations.handle(message);
  }

  /** The guest's voice; null when their link closed. */
  play(stream) {
    const audio = this.audio;
    if (!stream) {
      audio.srcObject = null;
      return;
    }
    if (audio.srcObject !== stream) audio.srcObject = stream;
    audio.play().catch(() => {
      // Autoplay refused (no gesture yet): the next tap anywhere starts it.
      document.addEventListener('pointerdown', () => audio.play(), { once: true });
    });
  }

  /** The session ended: nothing of the guest stays. */
  reset() {
    clearTimeout(this.noticeTimer);
    this.notice.hidden = true;
    this.shown = null;
    this.annotations.reset();
    this.audio.srcObject = null;
    this.name = null;
  }

  snapshot() {
    return {
      annotations: this.annotations.snapshot(),
      notices: [...this.notices],
      notice: this.notice.hidden ? null : this.notice.textContent,
      playing: Boolean(this.audio.srcObject) && !this.audio.paused,
    };
  }
}
