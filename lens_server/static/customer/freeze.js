// The technician's freeze frame (docs/protocol.md, "Freeze frame (version 1)"). On
// `freeze` the page says at once that the technician froze the picture, with progress,
// puts the still together from its chunks, and shows it in place of the live preview,
// letterboxed and mirrored as the preview was, so the technician's drawings (annotations
// .js, which maps through whichever picture is shown) land on the same pixels. The
// camera keeps sending meanwhile. `unfreeze` returns to the live preview. The peer may
// be buggy or hostile: every bound is checked, a bad message discards the still in
// progress with a warning, nothing throws, and at most one still (<= 8 MiB) is held.

export const VERSION = 1;
export const LIMITS = Object.freeze({
  minSide: 16, maxSide: 4096, size: 8 * 1024 * 1024, chunks: 200, chunkChars: 48000,
});
const TYPES = new Set(['freeze', 'freeze_chunk', 'unfreeze']);
const ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MIME = 'image/jpeg';
const WARNINGS_SHOWN = 20;

class Rejected extends Error {}

function reject(reason) {
  throw new Rejected(reason);
}

function bounded(value, name, low, high) {
  if (!Number.isInteger(value) || value < low || value > high) reject(`${name} must be an integer ${low}-${high}`);
  return value;
}

function stillId(value) {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) reject('bad id');
  return value;
}

function decodeBase64(text) {
  if (typeof text !== 'string' || text.length === 0 || text.length > LIMITS.chunkChars) {
    reject(`data must be 1-${LIMITS.chunkChars} base64 characters`);
  }
  if (!BASE64.test(text)) reject('data is not base64');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The frozen still over the preview, and the sign that says so. */
export class FreezeView {
  constructor({ video, still, sign, progress, annotations }) {
    this.video = video;
    this.still = still;
    this.sign = sign;
    this.progress = progress;
    this.annotations = annotations;
    this.frozen = false;
    this.pending = null; // the still being put together
    this.shown = null; // {id, width, height, url} of the still on screen
    this.token = 0; // bumped whenever what should be shown changes
    this.rejected = 0;
    this.stills = 0;
    // The front camera's preview is mirrored by a class: the still follows it.
    new MutationObserver(() => this.mirror()).observe(video, { attributes: true, attributeFilter: ['class'] });
  }

  /** Applies one data-channel message; true when it was ours and taken. */
  handle(message) {
    if (!message || !TYPES.has(message.type)) return false;
    try {
      if (message.v !== VERSION) reject(`unsupported version ${String(message.v).slice(0, 10)}`);
      if (message.type === 'freeze') this.onFreeze(message);
      else if (message.type === 'freeze_chunk') this.onChunk(message);
      else this.unfreeze();
    } catch (error) {
      if (!(error instanceof Rejected)) throw error;
      this.pending = null; // a bad message discards the still in progress
      this.showSign();
      this.warn(`${message.type}: ${error.message}`);
      return false;
    }
    return true;
  }

  onFreeze(message) {
    if (message.mime !== MIME) reject(`mime must be ${MIME}`);
    const width = bounded(message.width, 'width', LIMITS.minSide, LIMITS.maxSide);
    const height = bounded(message.height, 'height', LIMITS.minSide, LIMITS.maxSide);
    const size = bounded(message.size, 'size', 1, LIMITS.size);
    const chunks = bounded(message.chunks, 'chunks', 1, LIMITS.chunks);
    if (size > chunks * (LIMITS.chunkChars / 4) * 3) reject('size does not fit in the chunks');
    this.pending = { id: stillId(message.id), width, height, size, chunks, parts: [], received: 0 };
    this.frozen = true; // a new freeze replaces one in progress
    this.showSign();
  }

  onChunk(message) {
    const pending = this.pending;
    if (!pending || message.id !== pending.id) reject(`chunk for unknown id ${String(message.id).slice(0, 40)}`);
    const index = bounded(message.index, 'index', 0, LIMITS.chunks - 1);
    if (index !== pending.parts.length) reject(`chunk ${index} out of order`);
    if (index >= pending.chunks) reject('chunk beyond the announced still');
    const bytes = decodeBase64(message.data);
    if (pending.received + bytes.length > pending.size) reject('chunk beyond the announced size');
    pending.parts.push(bytes);
    pending.received += bytes.length;
    if (pending.parts.length < pending.chunks) {
      this.showSign();
      return;
    }
    this.pending = null;
    if (pending.received !== pending.size) reject(`still of ${pending.received} bytes, ${pending.size} announced`);
    this.show(pending);
    this.showSign();
  }

  /** Decodes the JPEG off screen, then puts it in place of the preview. */
  async show(still) {
    const token = ++this.token;
    const url = URL.createObjectURL(new Blob(still.parts, { type: MIME }));
    const probe = new Image();
    probe.src = url;
    try {
      await probe.decode();
      if (probe.naturalWidth !== still.width || probe.naturalHeight !== still.height) {
        reject(`the picture is ${probe.naturalWidth}x${probe.naturalHeight}, not ${still.width}x${still.height}`);
      }
      if (token !== this.token) throw new Rejected('replaced');
      this.still.src = url;
      await this.still.decode();
      if (token !== this.token) throw new Rejected('replaced');
    } catch (error) {
      URL.revokeObjectURL(url);
      if (token === this.token && error.message !== 'replaced') this.warn(`freeze: ${error.message || 'not a JPEG'}`);
      return;
    }
    if (this.shown) URL.revokeObjectURL(this.shown.url);
    this.shown = { id: still.id, width: still.width, height: still.height, url };
    this.stills += 1;
    this.mirror();
    this.still.hidden = false;
    this.video.classList.add('under-still');
    this.annotations.setSurface(this.still);
    this.showSign();
  }

  unfreeze() {
    this.token += 1;
    this.frozen = false;
    this.pending = null;
    this.still.hidden = true;
    this.still.removeAttribute('src');
    if (this.shown) URL.revokeObjectURL(this.shown.url);
    this.shown = null;
    this.video.classList.remove('under-still');
    this.annotations.setSurface(this.video);
    this.showSign();
  }

  /** Forgets everything (the session ended). */
  reset() {
    this.unfreeze();
  }

  mirror() {
    this.still.classList.toggle('mirrored', this.video.classList.contains('mirrored'));
  }

  showSign() {
    this.sign.hidden = !this.frozen;
    const loading = this.pending;
    this.progress.hidden = !loading;
    if (loading) this.progress.value = loading.received / loading.size;
  }

  warn(reason) {
    this.rejected += 1;
    if (this.rejected <= WARNINGS_SHOWN || this.rejected % 1000 === 0) {
      console.warn(`lens: ignored freeze message (${this.rejected} so far): ${reason}`);
    }
  }

  /** What tests and support read (window.lensDebug.freeze). */
  snapshot() {
    return {
      frozen: this.frozen,
      shownId: this.shown ? this.shown.id : null,
      loading: this.pending ? { id: this.pending.id, received: this.pending.received, size: this.pending.size } : null,
      stills: this.stills,
      rejected: this.rejected,
    };
  }
}
