// Screen switching and small DOM helpers. Text always goes in through textContent.

import { t } from './i18n.js';

export const $ = (id) => document.getElementById(id);

// Screens that show the camera picture behind their text.
const STAGE_SCREENS = new Set(['preview', 'waiting', 'live']);

let currentScreen = null;

export function screen() {
  return currentScreen;
}

/** Shows one screen, hides the others, and moves focus to its heading for screen readers. */
export function showScreen(name) {
  for (const section of document.querySelectorAll('.screen')) {
    section.hidden = section.id !== `screen-${name}`;
  }
  $('stage').hidden = !STAGE_SCREENS.has(name);
  document.body.dataset.screen = name;
  currentScreen = name;
  const heading = document.querySelector(`#screen-${name} h1`);
  if (heading) heading.focus({ preventScroll: true });
}

/** Sets the translation key of an element and shows its text. */
export function setText(element, key, values) {
  element.dataset.i18n = key;
  element.textContent = t(key, values);
}

/** The status line (an aria-live region); `key` null hides it. */
export function setStatus(key, tone = 'info') {
  const status = $('status');
  if (!key) {
    status.hidden = true;
    delete status.dataset.i18n;
    status.textContent = '';
    return;
  }
  status.dataset.tone = tone;
  status.hidden = false;
  if (status.dataset.i18n !== key) setText(status, key);
}

export function setBadge(key, tone) {
  const badge = $('stage-badge');
  badge.hidden = !key;
  if (!key) return;
  badge.dataset.tone = tone;
  setText(badge, key);
}

/** Replaces an element's children with one <p> per paragraph of plain text. */
export function setParagraphs(element, text) {
  element.replaceChildren(...text.split(/\n\s*\n/).map((block) => {
    const paragraph = document.createElement('p');
    paragraph.textContent = block.trim();
    return paragraph;
  }));
}

export function setBusy(button, busy) {
  button.disabled = busy;
  button.setAttribute('aria-busy', String(busy));
}
