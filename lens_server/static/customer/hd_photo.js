// The technician's HD photo (docs/protocol.md, "HD photo (version 1)"). On a
// `photo_request` the phone takes a full-resolution still of the camera it sends
// (`ImageCapture.takePhoto()`, else `grabFrame()`, else the preview drawn on a canvas),
// tells the customer with a sign and progress, and sends the file to the console on the
// control channel in chunks of 12,000 bytes (16,000 base64 characters: one SCTP message
// each, so the technician's pointer and drawings are not held up), pausing while more
// than BUFFER_HIGH is queued. One photo at a time; a malformed request is ignored.

import { t } from './i18n.js';

export const VERSION = 1;
export const LIMITS = Object.freeze({ maxSide: 8000, size: 25 * 1024 * 1024, chunkBytes: 12000 });
const REQUEST_FIELDS = new Set(['type', 'v', 'id']);
const MIMES = new Set(['image/jpeg', 'image/png']); // sent as they are; others become JPEG
const ID = /^[A-Za-z0-9_-]{1,32}$/;
const BUFFER_HIGH = 256 * 1024;
const BUFFER_LOW = 64 * 1024;
const JPEG_QUALITY = 0.92;
const DONE_MS = 2500;
const WARN_EVERY_MS = 2000;

class Abort extends Error {}

/** The request's id, or a string saying why it is not a request. */
export function parseRequest(message) {
  if (message.v !== VERSION) return 'unsupported version';
  for (const key of Object.keys(message)) if (!REQUEST_FIELDS.has(key)) return `unknown field ${key.slice(0, 20)}`;
  if (typeof message.id !== 'string' || !ID.test(message.id)) return 'bad id';
  return { id: message.id };
}

function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x2000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x2000));
  }
  return btoa(binary);
}

function canvasBlob(source, width, height) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').drawImage(source, 0, 0, width, height);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('toBlob failed'))), 'image/jpeg', JPEG_QUALITY);
  });
}

export class HdPhoto {
  /**
   * track(): the video track being sent; video: the preview element; channel(): the
   * control RTCDataChannel (or null); refusal(): null when a photo may be taken now,
   * else 'paused' or 'on_hold'; sign/label/progress: what the customer sees meanwhile.
   */
  constructor({ track, video, channel, refusal, sign, label, progress }) {
    Object.assign(this, { track, video, channel, refusal, sign, label, progress });
    this.busy = false;
    this.sent = [];
    this.results = [];
    this.signsShown = 0;
    this.ignored = 0;
    this.lastWarn = -Infinity;
    this.hideTimer = null;
  }

  /** Takes a control message; true when it was a photo request (taken or not). */
  handle(message) {
    if (message.type !== 'photo_request') return false;
    const request = parseRequest(message);
    if (typeof request === 'string') {
      this.warn(request);
      return true;
    }
    this.take(request.id);
    return true;
  }

  async take(id) {
    const refused = this.refusal() || (this.busy ? 'busy' : null);
    if (refused) {
      this.answer(id, refused);
      return;
    }
    this.busy = true;
    const channel = this.channel();
    this.show('photo_taking', 0);
    try {
      const photo = await this.capture();
      if (photo.width > LIMITS.maxSide || photo.height > LIMITS.maxSide || photo.blob.size > LIMITS.size) {
        this.answer(id, 'too_large', `${photo.width}x${photo.height}, ${photo.blob.size} bytes`);
        this.hide();
        return;
      }
      await this.transfer(channel, id, photo);
      this.show('photo_sent', 1);
      this.hideTimer = setTimeout(() => this.hide(), DONE_MS);
    } catch (error) {
      if (!(error instanceof Abort)) {
        console.warn('lens: the photo could not be taken', error);
        this.answer(id, 'failed', String(error && error.name || 'Error').slice(0, 100));
      }
      this.hide();
    } finally {
      this.busy = false;
    }
  }

  /** The best still the camera gives: {blob, width, height, source}. */
  async capture() {
    const track = this.track();
    if (!track) throw new Error('no camera');
    if (typeof ImageCapture === 'function') {
      const capture = new ImageCapture(track);
      try {
        const blob = await capture.takePhoto();
        const bitmap = await createImageBitmap(blob); // upright, as the console shows it
        const { width, height } = bitmap;
        try {
          if (MIMES.has(blob.type)) return { blob, width, height, source: 'take_photo' };
          return { blob: await canvasBlob(bitmap, width, height), width, height, source: 'take_photo' };
        } finally {
          bitmap.close();
        }
      } catch (error) {
        console.warn('lens: takePhoto failed, taking a frame instead', error);
      }
      try {
        const bitmap = await capture.grabFrame();
        const { width, height } = bitmap;
        const blob = await canvasBlob(bitmap, width, height);
        bitmap.close();
        return { blob, width, height, source: 'grab_frame' };
      } catch (error) {
        console.warn('lens: grabFrame failed, drawing the preview instead', error);
      }
    }
    const { videoWidth: width, videoHeight: height } = this.video;
    if (!width || !height) throw new Error('no picture');
    return { blob: await canvasBlob(this.video, width, height), width, height, source: 'video' };
  }

  async transfer(channel, id, photo) {
    const bytes = new Uint8Array(await photo.blob.arrayBuffer());
    const chunks = Math.max(1, Math.ceil(bytes.length / LIMITS.chunkBytes));
    this.send(channel, {
      type: 'photo', v: VERSION, id, width: photo.width, height: photo.height,
      mime: photo.blob.type, size: bytes.length, chunks, source: photo.source,
    });
    for (let index = 0; index < chunks; index += 1) {
      await this.drained(channel);
      const part = bytes.subarray(index * LIMITS.chunkBytes, (index + 1) * LIMITS.chunkBytes);
      this.send(channel, { type: 'photo_chunk', v: VERSION, id, index, data: toBase64(part) });
      this.show('photo_sending', (index + 1) / chunks);
    }
    this.sent.push({ id, width: photo.width, height: photo.height, size: bytes.length, source: photo.source });
  }

  send(channel, message) {
    if (!channel || channel.readyState !== 'open' || channel !== this.channel()) throw new Abort('channel closed');
    channel.send(JSON.stringify(message));
  }

  /** Resolves once the channel's queue is below BUFFER_HIGH (flow control). */
  drained(channel) {
    if (channel.bufferedAmount <= BUFFER_HIGH) return Promise.resolve();
    channel.bufferedAmountLowThreshold = BUFFER_LOW;
    return new Promise((resolve, reject) => {
      const done = () => {
        channel.removeEventListener('bufferedamountlow', done);
        channel.removeEventListener('close', done);
        if (channel.readyState === 'open') resolve();
        else reject(new Abort('channel closed'));
      };
      channel.addEventListener('bufferedamountlow', done);
      channel.addEventListener('close', done);
    });
  }

  answer(id, reason, message) {
    const result = { type: 'photo_result', v: VERSION, id, ok: false, reason };
    if (message) result.message = message.slice(0, 200);
    this.results.push(result);
    const channel = this.channel();
    if (channel && channel.readyState === 'open') channel.send(JSON.stringify(result));
  }

  show(key, fraction) {
    clearTimeout(this.hideTimer);
    if (this.sign.hidden) this.signsShown += 1;
    this.label.dataset.i18n = key; // a language switch keeps what is said
    this.label.textContent = t(key);
    this.progress.value = fraction;
    this.progress.hidden = key === 'photo_sent';
    this.sign.hidden = false;
  }

  hide() {
    clearTimeout(this.hideTimer);
    this.sign.hidden = true;
  }

  warn(reason) {
    this.ignored += 1;
    const now = performance.now();
    if (now - this.lastWarn < WARN_EVERY_MS) return;
    this.lastWarn = now;
    console.warn(`lens: ignored a photo request: ${reason}`);
  }

  /** What tests and support read (window.lensDebug.hdPhoto). */
  snapshot() {
    return {
      busy: this.busy, sent: [...this.sent], results: [...this.results],
      signsShown: this.signsShown, ignored: this.ignored, signShown: !this.sign.hidden,
    };
  }
}
