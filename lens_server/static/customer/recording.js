// The technician's recording sign (docs/protocol.md, "Recording (version 1)"). While the
// console records the session it says so on the data channel, and the page shows a red
// "● Recording" badge over the picture until it says it stopped. Another version, or an
// `on` that is not a boolean, is ignored; nothing here throws.

export const VERSION = 1;

export class RecordingBadge {
  constructor(badge) {
    this.badge = badge;
    this.on = false;
  }

  /** Applies one data-channel message; true when it was ours and taken. */
  handle(message) {
    if (!message || message.type !== 'recording') return false;
    if (message.v !== VERSION || typeof message.on !== 'boolean') {
      console.warn('recording: ignoring', String(message.v).slice(0, 10), typeof message.on);
      return false;
    }
    this.on = message.on;
    this.badge.hidden = !this.on;
    return true;
  }

  snapshot() {
    return { on: this.on, shown: !this.badge.hidden };
  }
}
