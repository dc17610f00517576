// What the technician draws and points at, over the live picture (docs/protocol.md,
// "Annotations and pointer (version 1)"). The console owns the annotations and sends
// them on the data channel; this module keeps the set it was sent and draws it on a
// canvas over the preview. Points are in the video frame's normalised coordinates, so
// they go through the video element's displayed picture (object-fit: contain, letter-
// boxed; mirrored for the front camera) and land on the same part of the picture as on
// the console. The peer may be buggy or hostile: bad messages are ignored with a
// warning, never thrown, and every list is bounded.

export const VERSION = 1;
export const LIMITS = Object.freeze({
  annotations: 200, points: 2000, text: 200, id: 32, marker: 999, transform: 10, messageBytes: 65536,
});
const KINDS = new Set(['pen', 'highlighter', 'arrow', 'rectangle', 'ellipse', 'text', 'marker']);
const POINT_COUNT = { arrow: 2, rectangle: 2, ellipse: 2, text: 1, marker: 1 };
const PALETTE = new Set(['#ff1744', '#ffea00', '#00e676', '#2979ff', '#ffffff', '#000000']);
const FIELDS = new Set(['id', 'kind', 'colour', 'width', 'points', 'text', 'number', 'anchor', 'transform', 'visible']);
const ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
// Sizes as fractions of the displayed picture (the console uses the same ones).
const WIDTH_FRACTION = { 1: 0.004, 2: 0.008, 3: 0.016 };
const MARKER_RADIUS = 0.03;
const TEXT_SIZE = 0.045;
const POINTER_RADIUS = 0.012;
export const POINTER_COLOUR = '#ff00ff';
const POINTER_TIMEOUT_MS = 1000;
const WARNINGS_SHOWN = 20;

class Rejected extends Error {}

function reject(reason) {
  throw new Rejected(reason);
}

function unit(value) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    reject('coordinate outside 0..1');
  }
  return value;
}

function parsePoints(points, kind) {
  if (!Array.isArray(points) || points.length === 0) reject('points must be a non-empty list');
  if (points.length > LIMITS.points) reject(`more than ${LIMITS.points} points`);
  const wanted = POINT_COUNT[kind];
  if (wanted && points.length !== wanted) reject(`${kind} takes ${wanted} point(s)`);
  return points.map((pair) => {
    if (!Array.isArray(pair) || pair.length !== 2) reject('a point is [x, y]');
    return [unit(pair[0]), unit(pair[1])];
  });
}

function parseTransform(value) {
  if (value === undefined || value === null) return null;
  const ok = Array.isArray(value) && value.length === 6 && value.every(
    (v) => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= LIMITS.transform,
  );
  if (!ok) reject('transform is 6 bounded numbers');
  return value.slice();
}

function parseText(wire) {
  const text = wire.text === undefined ? '' : wire.text;
  if (typeof text !== 'string' || text.length > LIMITS.text) reject('bad text');
  if (wire.kind === 'text' && !text.trim()) reject('a text label needs text');
  return text;
}

function parseNumber(wire) {
  if (wire.kind !== 'marker') return null;
  const n = wire.number;
  if (!Number.isInteger(n) || n < 1 || n > LIMITS.marker) reject('a marker needs a number 1-999');
  return n;
}

/** The wire form of one annotation -> a plain object, or a Rejected error. */
export function parseAnnotation(wire) {
  if (!wire || typeof wire !== 'object' || Array.isArray(wire)) reject('annotation must be an object');
  const unknown = Object.keys(wire).filter((key) => !FIELDS.has(key));
  if (unknown.length) reject(`unknown fields ${unknown.slice(0, 5).join(',')}`);
  if (typeof wire.id !== 'string' || !ID_PATTERN.test(wire.id)) reject('bad id');
  if (!KINDS.has(wire.kind)) reject(`unknown kind ${String(wire.kind).slice(0, 20)}`);
  if (!PALETTE.has(wire.colour)) reject('colour not in the palette');
  if (!(wire.width in WIDTH_FRACTION) || !Number.isInteger(wire.width)) reject('bad width');
  const anchor = wire.anchor === undefined ? null : wire.anchor;
  if (anchor !== null && (typeof anchor !== 'string' || !anchor || anchor.length > LIMITS.id)) reject('bad anchor');
  const visible = wire.visible === undefined ? true : wire.visible;
  if (typeof visible !== 'boolean') reject('visible must be true or false');
  return {
    id: wire.id,
    kind: wire.kind,
    colour: wire.colour,
    width: wire.width,
    points: parsePoints(wire.points, wire.kind),
    text: parseText(wire),
    number: parseNumber(wire),
    transform: parseTransform(wire.transform),
    visible,
  };
}

/**
 * Where the picture is drawn inside the video element (or the frozen still's image), in
 * CSS pixels of the element's box: object-fit contain at the element's object-position.
 */
export function contentRect(video) {
  const boxW = video.clientWidth;
  const boxH = video.clientHeight;
  const frameW = video.videoWidth ?? video.naturalWidth;
  const frameH = video.videoHeight ?? video.naturalHeight;
  if (!boxW || !boxH || !frameW || !frameH) return null;
  const scale = Math.min(boxW / frameW, boxH / frameH);
  const width = frameW * scale;
  const height = frameH * scale;
  const [px, py] = objectPosition(video);
  return { x: (boxW - width) * px, y: (boxH - height) * py, width, height };
}

/** The element's object-position as fractions (only % and the default are used here). */
function objectPosition(video) {
  const parts = getComputedStyle(video).objectPosition.split(/\s+/);
  const fraction = (part) => (part && part.endsWith('%') ? parseFloat(part) / 100 : 0.5);
  return [fraction(parts[0]), fraction(parts[1] || parts[0])];
}

/**
 * Keeps the annotation set and the pointer, and draws them over the video. One layer per
 * technician (a second technician draws on a layer of their own, with a pointer of
 * another colour: guest_view.js).
 */
export class AnnotationLayer {
  constructor(video, canvas, { pointerColour = POINTER_COLOUR } = {}) {
    this.video = video;
    this.pointerColour = pointerColour;
    this.surface = video; // the picture drawn on: the preview, or the frozen still
    this.canvas = canvas;
    this.items = new Map(); // id -> annotation
    this.order = []; // ids, bottom first
    this.pointer = null; // {x, y} while shown
    this.pointerTimer = null;
    this.frameRequested = false;
    this.rejected = 0;
    this.pointerMoves = 0;
    this.draws = 0;
    const redraw = () => this.schedule();
    new ResizeObserver(redraw).observe(video);
    video.addEventListener('resize', redraw);
    video.addEventListener('loadedmetadata', redraw);
    // The front camera's preview is mirrored by a class: the drawings follow it.
    new MutationObserver(redraw).observe(video, { attributes: true, attributeFilter: ['class'] });
  }

  /** Draws over `element` from now on (freeze.js: the still, then the preview again). */
  setSurface(element) {
    if (this.surface === element) return;
    this.surface = element;
    this.schedule();
  }

  /** Applies one data-channel message; true when it was ours and taken. */
  handle(message) {
    if (!message || (message.type !== 'annot' && message.type !== 'pointer')) return false;
    try {
      if (message.v !== VERSION) reject(`unsupported version ${String(message.v).slice(0, 10)}`);
      if (message.type === 'pointer') this.onPointer(message);
      else this.onAnnot(message);
    } catch (error) {
      if (!(error instanceof Rejected)) throw error;
      this.warn(`${message.type}: ${error.message}`);
      return false;
    }
    this.schedule();
    return true;
  }

  onAnnot(message) {
    if (message.op === 'clear') {
      this.items.clear();
      this.order = [];
    } else if (message.op === 'remove') {
      if (typeof message.id !== 'string' || message.id.length > LIMITS.id) reject('bad id');
      if (this.items.delete(message.id)) this.order = this.order.filter((id) => id !== message.id);
    } else if (message.op === 'set') {
      this.onSet(message);
    } else {
      reject(`unknown op ${String(message.op).slice(0, 20)}`);
    }
  }

  /** Adds or replaces one; a new one goes at `at` in the drawing order (default: on top). */
  onSet(message) {
    const at = message.at === undefined || message.at === null ? this.order.length : message.at;
    if (!Number.isInteger(at) || at < 0 || at >= LIMITS.annotations) reject('bad at');
    const item = parseAnnotation(message.annotation);
    if (!this.items.has(item.id)) {
      if (this.items.size >= LIMITS.annotations) reject(`more than ${LIMITS.annotations} annotations`);
      this.order.splice(Math.min(at, this.order.length), 0, item.id);
    }
    this.items.set(item.id, item);
  }

  onPointer(message) {
    clearTimeout(this.pointerTimer);
    if (message.hide === true) {
      this.pointer = null;
      return;
    }
    this.pointer = { x: unit(message.x), y: unit(message.y) };
    this.pointerMoves += 1;
    // A console that stops sending (its mouse left, the message was lost) hides it too.
    this.pointerTimer = setTimeout(() => {
      this.pointer = null;
      this.schedule();
    }, POINTER_TIMEOUT_MS);
  }

  /** Forgets everything (the session ended). */
  reset() {
    this.items.clear();
    this.order = [];
    clearTimeout(this.pointerTimer);
    this.pointer = null;
    this.schedule();
  }

  warn(reason) {
    this.rejected += 1;
    // A flood of bad messages must not flood the console log as well.
    if (this.rejected <= WARNINGS_SHOWN || this.rejected % 1000 === 0) {
      console.warn(`lens: ignored annotation message (${this.rejected} so far): ${reason}`);
    }
  }

  /** One redraw per animation frame, however many messages arrived. */
  schedule() {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.draw();
    });
  }

  draw() {
    this.draws += 1;
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(canvas.clientWidth * ratio);
    const height = Math.round(canvas.clientHeight * ratio);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const rect = contentRect(this.surface);
    if (!rect) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const view = new View(rect, this.surface.classList.contains('mirrored'));
    for (const id of this.order) {
      const item = this.items.get(id);
      if (item.visible) drawAnnotation(ctx, view, item);
    }
    if (this.pointer) drawPointer(ctx, view, this.pointer, this.pointerColour);
  }

  /** What tests and support read (window.lensDebug.annotations). */
  snapshot() {
    return {
      ids: [...this.order],
      pointer: this.pointer ? { ...this.pointer } : null,
      rejected: this.rejected,
      pointerMoves: this.pointerMoves,
      draws: this.draws,
      drawn: !this.frameRequested, // nothing taken since the last drawing
      surface: this.surface === this.video ? 'video' : 'still',
    };
  }
}

/** Frame coordinates -> CSS pixels of the canvas. */
class View {
  constructor(rect, mirrored) {
    this.rect = rect;
    this.mirrored = mirrored;
    this.unit = Math.min(rect.width, rect.height);
  }

  map([x, y], transform) {
    let fx = x;
    let fy = y;
    if (transform) {
      const [a, b, c, d, e, f] = transform;
      fx = a * x + b * y + c;
      fy = d * x + e * y + f;
    }
    if (this.mirrored) fx = 1 - fx;
    return [this.rect.x + fx * this.rect.width, this.rect.y + fy * this.rect.height];
  }
}

function drawAnnotation(ctx, view, item) {
  const points = item.points.map((p) => view.map(p, item.transform));
  const lineWidth = Math.max(1.5, WIDTH_FRACTION[item.width] * view.unit);
  ctx.save();
  ctx.strokeStyle = item.colour;
  ctx.fillStyle = item.colour;
  ctx.lineWidth = lineWidth;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  DRAW[item.kind](ctx, points, item, view, lineWidth);
  ctx.restore();
}

function polyline(ctx, points) {
  ctx.beginPath();
  ctx.moveTo(...points[0]);
  if (points.length === 1) ctx.lineTo(points[0][0] + 0.01, points[0][1]); // a dot
  for (const point of points.slice(1)) ctx.lineTo(...point);
  ctx.stroke();
}

const DRAW = {
  pen: (ctx, points) => polyline(ctx, points),
  highlighter: (ctx, points) => {
    ctx.globalAlpha = 0.5;
    ctx.lineWidth *= 3;
    ctx.lineCap = 'butt';
    polyline(ctx, points);
  },
  arrow: (ctx, [tail, head], item, view, lineWidth) => {
    polyline(ctx, [tail, head]);
    const angle = Math.atan2(head[1] - tail[1], head[0] - tail[0]);
    const size = Math.max(10, 4 * lineWidth);
    ctx.beginPath();
    ctx.moveTo(...head);
    for (const side of [-1, 1]) {
      const a = angle + Math.PI + (side * Math.PI) / 7;
      ctx.lineTo(head[0] + size * Math.cos(a), head[1] + size * Math.sin(a));
    }
    ctx.closePath();
    ctx.fill();
  },
  rectangle: (ctx, [a, b]) => {
    ctx.strokeRect(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]));
  },
  ellipse: (ctx, [a, b]) => {
    ctx.beginPath();
    ctx.ellipse((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, Math.abs(b[0] - a[0]) / 2, Math.abs(b[1] - a[1]) / 2, 0, 0, 2 * Math.PI);
    ctx.stroke();
  },
  text: (ctx, [origin], item, view) => {
    const size = Math.max(12, TEXT_SIZE * view.rect.height);
    ctx.font = `600 ${size}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    ctx.lineWidth = Math.max(2, size / 8);
    ctx.strokeStyle = contrastOf(item.colour);
    ctx.strokeText(item.text, ...origin);
    ctx.fillText(item.text, ...origin);
  },
  marker: (ctx, [centre], item, view) => {
    const radius = Math.max(10, MARKER_RADIUS * view.rect.height);
    ctx.beginPath();
    ctx.arc(...centre, radius, 0, 2 * Math.PI);
    ctx.fill();
    ctx.lineWidth = Math.max(1.5, radius / 8);
    ctx.strokeStyle = contrastOf(item.colour);
    ctx.stroke();
    ctx.fillStyle = contrastOf(item.colour);
    ctx.font = `700 ${Math.round(radius * 1.1)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(String(item.number), ...centre);
  },
};

function drawPointer(ctx, view, pointer, colour) {
  const [x, y] = view.map([pointer.x, pointer.y], null);
  const radius = Math.max(6, POINTER_RADIUS * view.unit);
  ctx.save();
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#ffffff';
  ctx.stroke();
  ctx.restore();
}

/** Black on light colours, white on dark ones: outlines and marker numbers stay legible. */
function contrastOf(colour) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#000000' : '#ffffff';
}
