// Chat with the technician (docs/protocol.md, "Chat"): the server stores every message
// and pushes it to both sides; this page sends with POST /api/v1/customer/chat, reads
// the history on every (re)start and hears new ones on its socket. Message text is user
// text: it goes in through textContent only, and only http/https URLs become links,
// built as <a> elements whose href is set from the parsed URL.

import { ApiError, fetchChat, sendChat } from './api.js';
import { language, t } from './i18n.js';
import { $ } from './view.js';

const BANNER_MS = 5000;
const URL_RE = /https?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

/** Appends `text` to `parent` as text nodes and <a> links for its http(s) URLs. */
export function appendLinkified(parent, text) {
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const url = match[0].replace(TRAILING, '');
    parent.append(document.createTextNode(text.slice(last, match.index)));
    last = match.index + url.length;
    let href;
    try {
      href = new URL(url);
    } catch {
      parent.append(document.createTextNode(url));
      continue;
    }
    if (href.protocol !== 'http:' && href.protocol !== 'https:') {
      parent.append(document.createTextNode(url));
      continue;
    }
    const link = document.createElement('a');
    link.href = href.href;
    link.textContent = url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    parent.append(link);
  }
  parent.append(document.createTextNode(text.slice(last)));
}

function timeOf(iso) {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? '' : when.toLocaleTimeString(language(), { hour: '2-digit', minute: '2-digit' });
}

function errorKey(error) {
  if (!(error instanceof ApiError)) return 'chat_failed';
  if (error.code === 'chat_rate_limited') return 'chat_too_fast';
  if (error.code === 'chat_full') return 'chat_full';
  if (error.code === 'invalid_request') return 'chat_refused';
  if (error.code === 'invalid_state') return 'chat_not_now';
  return 'chat_failed';
}

/** The chat button (with its unread count), the panel and the new-message banner. */
export class ChatView {
  constructor() {
    this.token = null;
    this.messages = new Map();
    this.unread = 0;
    this.available = false;
    this.bannerTimer = null;
    this.loads = 0;
    this.buttons = [...document.querySelectorAll('.chat-button')];
    this.badges = [...document.querySelectorAll('.chat-badge')];
    this.panel = $('chat-panel');
    this.list = $('chat-list');
    this.input = $('chat-input');
    this.error = $('chat-error');
    this.banner = $('chat-banner');
    for (const button of this.buttons) button.addEventListener('click', () => this.setOpen(this.panel.hidden));
    $('chat-close').addEventListener('click', () => this.setOpen(false));
    $('chat-form').addEventListener('submit', (event) => this.onSubmit(event));
    this.input.addEventListener('input', () => this.showError(null));
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        $('chat-form').requestSubmit();
      }
    });
    this.banner.addEventListener('click', () => this.setOpen(true));
    this.relabel();
  }

  get open() {
    return !this.panel.hidden;
  }

  /** A session (token) to chat in; its history is read now and after every reconnect. */
  start(token) {
    this.token = token;
    this.load();
  }

  async load() {
    if (!this.token) return;
    try {
      const answer = await fetchChat(this.token);
      this.loads += 1;
      this.add(answer.messages, { quiet: this.loads === 1 && this.messages.size === 0 });
    } catch (error) {
      console.warn('lens: could not read the chat', error);
    }
  }

  /** Whether the session can chat now (the waiting and live screens, which hold the
   * chat buttons); otherwise the panel and banner go. */
  setAvailable(available) {
    this.available = available;
    if (!available) {
      this.setOpen(false);
      this.hideBanner();
    }
  }

  setOpen(open) {
    this.panel.hidden = !open;
    for (const button of this.buttons) button.setAttribute('aria-expanded', String(open));
    document.body.classList.toggle('chat-open', open);
    if (open) {
      this.hideBanner();
      this.setUnread(0);
      this.scrollDown();
      this.input.focus({ preventScroll: true });
    }
  }

  /**
   * New messages from the history or the socket; each shows once, in the server's
   * order. The technician's count as unread while the panel is closed, and the newest
   * shows in the banner (`quiet`: the first history of a fresh page counts but does
   * not pop up).
   */
  add(messages, { quiet = false } = {}) {
    const fresh = (messages || []).filter((m) => m && !this.messages.has(m.id));
    if (!fresh.length) return;
    for (const message of fresh) this.messages.set(message.id, message);
    this.render();
    const theirs = fresh.filter((m) => m.sender === 'technician');
    if (this.open || !theirs.length) return;
    this.setUnread(this.unread + theirs.length);
    if (!quiet && this.available) this.showBanner(theirs[theirs.length - 1]);
  }

  render() {
    const ordered = [...this.messages.values()].sort((a, b) => a.id - b.id);
    this.list.replaceChildren(...ordered.map((message) => this.item(message)));
    $('chat-empty').hidden = ordered.length > 0;
    this.scrollDown();
  }

  item(message) {
    const mine = message.sender === 'customer';
    const item = document.createElement('li');
    item.className = mine ? 'chat-message mine' : 'chat-message theirs';
    const meta = document.createElement('span');
    meta.className = 'chat-meta';
    const who = mine ? t('chat_you') : message.sender_name;
    meta.textContent = `${who} · ${timeOf(message.created_at)}`;
    const text = document.createElement('p');
    text.className = 'chat-text';
    appendLinkified(text, String(message.text));
    item.append(meta, text);
    return item;
  }

  async onSubmit(event) {
    event.preventDefault();
    const text = this.input.value.trim();
    const send = $('chat-send');
    if (!text || send.disabled || !this.token) return;
    send.disabled = true;
    try {
      const message = await sendChat(this.token, text);
      this.input.value = '';
      this.showError(null);
      this.add([message]);
    } catch (error) {
      this.showError(errorKey(error), { seconds: error.retryAfter });
    } finally {
      send.disabled = false;
    }
  }

  showError(key, values) {
    this.error.hidden = !key;
    this.error.textContent = key ? t(key, values) : '';
  }

  setUnread(count) {
    this.unread = count;
    for (const badge of this.badges) {
      badge.hidden = count === 0;
      badge.textContent = count > 99 ? '99+' : String(count);
    }
    this.relabel();
  }

  showBanner(message) {
    clearTimeout(this.bannerTimer);
    $('chat-banner-name').textContent = message.sender_name;
    $('chat-banner-text').textContent = String(message.text);
    this.banner.hidden = false;
    this.bannerTimer = setTimeout(() => this.hideBanner(), BANNER_MS);
  }

  hideBanner() {
    clearTimeout(this.bannerTimer);
    this.banner.hidden = true;
  }

  /** Texts set from code (placeholder, counted labels): again after a language change. */
  relabel() {
    this.input.placeholder = t('chat_placeholder');
    const label = this.unread ? t('chat_unread_aria', { count: this.unread }) : t('chat_open_aria');
    for (const button of this.buttons) button.setAttribute('aria-label', label);
    if (this.messages.size) this.render();
  }

  scrollDown() {
    this.list.scrollTop = this.list.scrollHeight;
  }

  reset() {
    this.token = null;
    this.messages.clear();
    this.setUnread(0);
    this.setAvailable(false);
    this.list.replaceChildren();
  }

  snapshot() {
    return {
      messages: [...this.messages.values()].map((m) => ({ sender: m.sender, text: m.text })),
      unread: this.unread,
      open: this.open,
      banner: this.banner.hidden ? null : this.banner.textContent,
    };
  }
}
