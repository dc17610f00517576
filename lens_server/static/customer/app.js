// The customer web app: start page -> tutorial -> camera -> preview -> licence ->
// waiting -> live -> ended. The flow lives here; the socket, peer and camera live in
// their own modules.

import {
  ApiError, acceptEula, declineEula, fetchSession, leaveSession, redeemLink, redeemPin, reportActivity,
} from './api.js';
import { AnnotationLayer } from './annotations.js';
import { renderCaller, showCaller } from './caller.js';
import { Camera, browserFamily, mediaErrorKind } from './camera.js';
import { CameraRequests } from './camera_requests.js';
import { ChatView } from './chat.js';
import { FreezeView } from './freeze.js';
import { GuestView } from './guest_view.js';
import { HdPhoto } from './hd_photo.js';
import { language, setLanguage, t, translate } from './i18n.js';
import { trackTopBar } from './layout.js';
import { forgetChoice, rememberChoice, sessionLanguage, startLanguage } from './locale.js';
import { FINAL_STATES, SessionLink } from './session.js';
import { RecordingBadge } from './recording.js';
import { SurveyView } from './survey.js';
import { TapSender } from './tap.js';
import { $, screen, setBadge, setBusy, setParagraphs, setStatus, setText, showScreen } from './view.js';

const TOKEN_KEY = 'lens.customer_token';
const LINK_KEY = 'lens.link_token';
const PIN_LENGTH = 6;
// Longer waits than this are not counted down: the link in the invitation is the way in.
const LONG_WAIT_S = 120;

const app = {
  token: null,
  session: null,
  iceServers: [],
  iceTransportPolicy: 'all',
  camera: new Camera(),
  link: null,
  linkState: 'idle',
  userPaused: false,
  hiddenPaused: false,
  muted: false,
  torchOn: false,
  declined: false,
  stateBefore: null,
  retryTimer: null,
  timing: {},
};

// ---- start page -------------------------------------------------------------------

function linkTokenFromPath() {
  const match = /^\/join\/([^/?#]+)/.exec(location.pathname);
  return match ? decodeURIComponent(match[1]) : null;
}

/** Keeps digits only, so "483 920", "483-920" and a pasted "Code: 483920" all work. */
export function normalizePin(text) {
  return String(text).replace(/\D/g, '');
}

function redeemErrorKey(error, via) {
  // PIN entry hears one answer for every code it will not take (a guesser must not
  // learn which codes were issued); a link holder hears what happened.
  const known = ['pin_invalid', 'pin_expired'];
  if (known.includes(error.code)) return via === 'link' ? error.code.replace('pin_', 'err_link_') : 'err_pin_invalid';
  if (error.code === 'pin_missing') return 'err_pin_missing';
  if (error.code === 'pin_entry_paused') return 'err_pin_paused';
  if (error.code === 'session_ended') return 'err_session_gone';
  if (error.code === 'network') return 'err_network';
  return 'err_server';
}

function showPinError(key, values) {
  const element = $('pin-error');
  element.hidden = !key;
  if (key) setText(element, key, values);
  $('pin').setAttribute('aria-invalid', String(Boolean(key)));
}

function showRedeemError(error, via) {
  clearInterval(app.retryTimer);
  showScreen('start');
  if (error.code !== 'rate_limited') {
    showPinError(redeemErrorKey(error, via));
    return;
  }
  let seconds = error.retryAfter;
  if (seconds > LONG_WAIT_S) {
    showPinError('err_rate_limited_long');
    return;
  }
  const tick = () => {
    if (seconds <= 0) {
      clearInterval(app.retryTimer);
      showPinError(null);
      $('pin-submit').disabled = false;
      return;
    }
    showPinError('err_rate_limited', { seconds });
    seconds -= 1;
  };
  $('pin-submit').disabled = true;
  tick();
  app.retryTimer = setInterval(tick, 1000);
}

async function onPinSubmit(event) {
  event.preventDefault();
  const pin = normalizePin($('pin').value);
  $('pin').value = pin;
  if (pin.length !== PIN_LENGTH) {
    showPinError('err_pin_format');
    $('pin').focus();
    return;
  }
  showPinError(null);
  setBusy($('pin-submit'), true);
  let result;
  try {
    result = await redeemPin(pin);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    setBusy($('pin-submit'), false);
    showRedeemError(error, 'pin');
    return;
  }
  setBusy($('pin-submit'), false);
  adopt(result, null);
}

async function redeemFromLink(linkToken) {
  showScreen('loading');
  try {
    adopt(await redeemLink(linkToken), linkToken);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    showRedeemError(error, 'link');
  }
}

// ---- the session ------------------------------------------------------------------

/** Takes the answer of /redeem: keeps the token for reloads and opens the socket. */
function adopt(result, linkToken) {
  app.token = result.customer_token;
  app.iceServers = result.ice_servers || [];
  app.iceTransportPolicy = result.ice_transport_policy === 'relay' ? 'relay' : 'all';
  app.generationBase = Number(result.generation_base) || 0;
  sessionStorage.setItem(TOKEN_KEY, app.token);
  if (linkToken) sessionStorage.setItem(LINK_KEY, linkToken);
  else sessionStorage.removeItem(LINK_KEY);
  openLink();
  route(result.session, { fresh: true });
}

function openLink() {
  const link = new SessionLink({
    token: app.token,
    camera: app.camera,
    iceServers: app.iceServers,
    iceTransportPolicy: app.iceTransportPolicy,
    generationBase: app.generationBase,
  });
  link.addEventListener('session', (event) => route(event.detail, { fresh: false }));
  link.addEventListener('link', (event) => onLinkState(event.detail));
  link.addEventListener('remotestream', (event) => playRemote(event.detail));
  link.addEventListener('rejected', () => onSocketRejected());
  link.addEventListener('replaced', () => finish(null, { replaced: true }));
  link.addEventListener('control', (event) => onControl(event.detail));
  link.addEventListener('hold', (event) => onHold(event.detail));
  link.addEventListener('chat', (event) => app.chat.add([event.detail]));
  link.addEventListener('socketready', () => app.chat.load());
  link.addEventListener('channelopen', () => app.cameraRequests.sendCaps());
  link.addEventListener('guestcontrol', (event) => app.guest.handle(event.detail));
  link.addEventListener('guestvoice', (event) => app.guest.play(event.detail));
  app.link = link;
  app.chat.start(app.token);
  link.open();
}

/** A message from the technician: drawings, pointer, freeze frame, camera requests. */
function onControl(message) {
  if (app.cameraRequests.handle(message) || app.hdPhoto.handle(message)) return;
  if (!app.annotations.handle(message) && !app.recording.handle(message)) app.freeze.handle(message);
}

/** Why the technician's camera requests are refused now, or null: not while held or paused. */
function cameraRefusal() {
  if (app.session?.state === 'on_hold' || app.link?.held) return 'on_hold';
  if (app.userPaused || app.hiddenPaused) return 'paused';
  return null;
}

/** Moves to the screen that fits the session's state. */
function route(session, { fresh }) {
  app.stateBefore = app.session ? app.session.state : null;
  app.session = session;
  useLanguage(sessionLanguage(session, language()));
  showCaller(session);
  if (app.guest.update(FINAL_STATES.has(session.state) ? null : session)) refreshLiveStatus();
  const state = session.state;
  if (state === 'active' && !app.timing.activeAt) app.timing.activeAt = performance.now();
  if (FINAL_STATES.has(state)) {
    finish(state);
  } else if (state === 'connecting') {
    if (fresh) showScreen('tutorial');
  } else if (!app.camera.stream) {
    if (fresh) openCamera();
  } else {
    enterSession();
  }
}

function enterSession() {
  const state = app.session.state;
  app.chat.setAvailable(true);
  if (state === 'waiting') {
    showScreen('waiting');
    setBadge('badge_not_shared', 'private');
    setStatus(null);
  } else {
    if (screen() !== 'live') showScreen('live');
    app.link.ensurePeer();
    refreshLiveStatus();
  }
}

async function onSocketRejected() {
  try {
    route(await fetchSession(app.token), { fresh: false });
  } catch {
    finish(null);
  }
}

// ---- camera permission ------------------------------------------------------------

async function openCamera() {
  showScreen('permission');
  setBusy($('permission-go'), true);
  setStatus('perm_asking');
  try {
    $('preview').srcObject = await app.camera.open();
    setStatus(null);
    afterCameraOpened();
  } catch (error) {
    setStatus(null);
    showPermissionError(mediaErrorKind(error));
  } finally {
    setBusy($('permission-go'), false);
  }
}

function afterCameraOpened() {
  $('ctl-switch').hidden = !app.camera.canSwitch;
  $('ctl-mic').hidden = app.camera.micMissing;
  $('ctl-torch').hidden = !app.camera.torchSupported;
  if (app.session.state === 'connecting') {
    showScreen('preview');
    setBadge('badge_not_shared', 'private');
  } else {
    enterSession();
  }
}

function showPermissionError(kind) {
  const titles = { denied: 'perm_denied_title', nocamera: 'perm_nocamera_title', busy: 'perm_busy_title' };
  const bodies = { denied: 'perm_denied', nocamera: 'perm_nocamera', busy: 'perm_busy' };
  setText($('permission-title'), titles[kind] || 'perm_other_title');
  setText($('permission-body'), bodies[kind] || 'perm_other');
  setText($('permission-go'), 'perm_retry');
  $('permission-leave').hidden = false;
  const help = $('permission-help');
  help.hidden = kind !== 'denied';
  if (kind === 'denied') showPermissionHelp(help);
  showScreen('permission');
}

/** Help for the browser in use (the steps differ per browser), plus a generic line. */
function showPermissionHelp(list) {
  const mine = browserFamily();
  const families = mine === 'other' ? ['other'] : [mine, 'other'];
  list.replaceChildren(...families.map((family) => {
    const item = document.createElement('li');
    setText(item, `perm_help_${family}`);
    return item;
  }));
}

// ---- licence ----------------------------------------------------------------------

async function showEula() {
  showScreen('eula');
  const box = $('eula-text');
  setParagraphs(box, t('eula_loading'));
  try {
    const response = await fetch(`/static/customer/eula.${language()}.txt`, { cache: 'no-store' });
    if (!response.ok) throw new Error(response.statusText);
    setParagraphs(box, await response.text());
  } catch {
    setParagraphs(box, t('err_network'));
  }
}

async function onAccept() {
  setBusy($('eula-accept'), true);
  try {
    route(await acceptEula(app.token), { fresh: false });
  } catch (error) {
    showActionError(error);
  } finally {
    setBusy($('eula-accept'), false);
  }
}

async function onDecline() {
  setBusy($('eula-decline'), true);
  app.declined = true;
  try {
    route(await declineEula(app.token), { fresh: false });
  } catch (error) {
    app.declined = false;
    showActionError(error);
  } finally {
    setBusy($('eula-decline'), false);
  }
}

function showActionError(error) {
  if (error.status === 401 || error.status === 404) finish(null);
  else setStatus(error.code === 'network' ? 'err_network' : 'err_server', 'error');
}

// ---- live -------------------------------------------------------------------------

function onLinkState(state) {
  app.linkState = state;
  if (state === 'live') setBadge('badge_live', 'live');
  refreshLiveStatus();
}

/** The senders dropped (hold) or took back (resume) the camera and microphone. */
function onHold({ held, ms }) {
  app.timing[held ? 'holdMs' : 'resumeMs'] = ms;
  refreshLiveStatus();
}

function refreshLiveStatus() {
  if (screen() !== 'live') return;
  const state = app.linkState;
  const held = Boolean(app.link?.held);
  $('preview').classList.toggle('held', held);
  if (state === 'reconnecting') setStatus('reconnecting', 'warning');
  else if (state !== 'live') setStatus('live_connecting', 'info');
  else if (app.session.state === 'on_hold') setStatus('on_hold', 'warning');
  else if (app.session.state === 'transferring') setStatus('transferring', 'info');
  else if (app.userPaused || app.hiddenPaused) setStatus('live_paused', 'warning');
  else if (app.camera.micMissing) setStatus('live_no_mic', 'info');
  else if (app.muted) setStatus('live_muted', 'info');
  else setStatus(app.session.guest ? 'live_status_guest' : 'live_status', 'live');
  document.body.dataset.link = state;
}

function playRemote(stream) {
  const audio = $('remote-audio');
  if (audio.srcObject !== stream) audio.srcObject = stream;
  audio.play().catch(() => {
    // Autoplay refused (no gesture yet): the next tap anywhere starts it.
    document.addEventListener('pointerdown', () => audio.play(), { once: true });
  });
}

function applyPause() {
  const paused = app.userPaused || app.hiddenPaused;
  if (app.link && app.link.cameraPaused !== paused) app.link.setCameraPaused(paused);
  else app.camera.setVideoEnabled(!paused);
  setText($('ctl-camera').querySelector('.label'), app.userPaused ? 'resume_camera' : 'pause_camera');
  $('ctl-camera').classList.toggle('off', app.userPaused);
  $('preview').classList.toggle('paused', paused);
  refreshLiveStatus();
}

/** The customer's own pause and mute go in the session's log; a failure only here. */
function report(action) {
  reportActivity(app.token, action).catch((error) => {
    console.warn(`lens: could not record ${action}`, error);
  });
}

function onCameraToggle() {
  app.userPaused = !app.userPaused;
  applyPause();
  report(app.userPaused ? 'camera_paused' : 'camera_resumed');
}

function onMicToggle() {
  app.muted = !app.muted;
  report(app.muted ? 'mic_muted' : 'mic_unmuted');
  app.link.setMicMuted(app.muted);
  setText($('ctl-mic').querySelector('.label'), app.muted ? 'unmute' : 'mute');
  $('ctl-mic').classList.toggle('off', app.muted);
  refreshLiveStatus();
}

/**
 * Swaps front and rear camera (the customer's button or the technician's request): the
 * new track replaces the sender's, the preview follows. Resolves to whether it swapped.
 */
async function switchCamera() {
  const button = $('ctl-switch');
  setBusy(button, true);
  const before = app.camera.videoTrack?.getSettings().deviceId;
  try {
    const track = await app.camera.switchFacing();
    await app.link.replaceVideoTrack(track);
    $('preview').srcObject = app.camera.stream;
    app.torchOn = false;
    $('ctl-torch').hidden = !app.camera.torchSupported;
    $('ctl-torch').setAttribute('aria-pressed', 'false');
    $('preview').classList.toggle('mirrored', app.camera.facing === 'user');
    return track.getSettings().deviceId !== before;
  } catch (error) {
    console.warn('lens: switching camera failed', error);
    return false;
  } finally {
    setBusy(button, false);
  }
}

async function onSwitchCamera() {
  await switchCamera();
  app.cameraRequests.sendCaps();
}

async function setTorch(on) {
  await app.camera.setTorch(on);
  app.torchOn = on;
  $('ctl-torch').setAttribute('aria-pressed', String(app.torchOn));
}

async function onTorch() {
  try {
    await setTorch(!app.torchOn);
  } catch (error) {
    $('ctl-torch').hidden = true;
  }
  app.cameraRequests.sendCaps();
}

function onVisibilityChange() {
  if (!app.camera.stream) return;
  app.hiddenPaused = document.visibilityState === 'hidden';
  applyPause();
}

// ---- ending -----------------------------------------------------------------------

function askEnd() {
  $('confirm-end').hidden = false;
  $('confirm-end-no').focus();
}

async function onConfirmEnd() {
  $('confirm-end').hidden = true;
  try {
    await leaveSession(app.token);
  } catch (error) {
    // Ending locally anyway: the customer asked for the camera to stop, and the server
    // times the session out when the socket goes away.
    console.warn('lens: leave failed', error);
  }
  finish('closed_by_customer');
}

const END_REASONS = {
  closed_by_technician: 'ended_closed_by_technician',
  closed_by_customer: 'ended_closed_by_customer',
  timed_out: 'ended_timed_out',
  expired: 'ended_expired',
};

/** Why the session ended, in the customer's terms: a time-out before the technician
 * started means nobody started it in time, not a lost connection. */
function endReason(state) {
  if (app.declined && state === 'closed_by_customer') return 'ended_declined';
  const notStarted = ['connecting', 'waiting'].includes(app.stateBefore);
  if (state === 'timed_out' && notStarted) return 'ended_not_started';
  return END_REASONS[state] || 'ended_unknown';
}

/**
 * Stops everything and says why the session ended, or that it continues on another
 * device (the customer opened the link again elsewhere: this page was let go).
 */
function finish(state, { replaced = false } = {}) {
  if (app.link) app.link.close();
  app.camera.stop();
  $('preview').srcObject = null;
  $('remote-audio').srcObject = null;
  app.annotations.reset();
  app.guest.reset();
  app.freeze.reset();
  app.chat.reset();
  $('confirm-end').hidden = true;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(LINK_KEY);
  forgetChoice();
  setText(document.querySelector('#screen-ended h1'), replaced ? 'replaced_title' : 'ended_title');
  setText($('ended-reason'), replaced ? 'replaced_body' : endReason(state));
  setStatus(null);
  setBadge(null);
  app.sessionEndedAs = replaced ? 'replaced' : state;
  showScreen('ended');
  // The survey: for a session that was started and then closed by either side.
  const helped = Boolean(app.timing.activeAt) && SURVEY_STATES.has(state);
  if (helped && !replaced) app.survey.open(app.token);
  else app.survey.close();
}

const SURVEY_STATES = new Set(['closed_by_technician', 'closed_by_customer']);

// ---- boot -------------------------------------------------------------------------

function onLanguageSwitch() {
  const next = language() === 'nl' ? 'en' : 'nl';
  rememberChoice(next);
  useLanguage(next);
}

/** Speaks `code` from now on: every string on the page, the caller, the licence text. */
function useLanguage(code) {
  if (code === language()) return;
  setLanguage(code);
  translate(document);
  renderCaller();
  app.chat.relabel();
  app.survey.relabel();
  app.guest.relabel();
  if (screen() === 'eula') showEula();
}

function wireControls() {
  const click = (id, handler) => $(id).addEventListener('click', handler);
  $('pin-form').addEventListener('submit', onPinSubmit);
  $('pin').addEventListener('input', () => {
    const cleaned = normalizePin($('pin').value);
    if (cleaned !== $('pin').value) $('pin').value = cleaned;
  });
  click('tutorial-ok', openPermission);
  click('tutorial-skip', openPermission);
  click('permission-go', openCamera);
  click('preview-continue', showEula);
  click('eula-accept', onAccept);
  click('eula-decline', onDecline);
  click('ctl-mic', onMicToggle);
  click('ctl-camera', onCameraToggle);
  click('ctl-switch', onSwitchCamera);
  click('ctl-torch', onTorch);
  click('confirm-end-yes', onConfirmEnd);
  click('confirm-end-no', () => { $('confirm-end').hidden = true; });
  for (const button of document.querySelectorAll('.end-button')) button.addEventListener('click', askEnd);
  document.addEventListener('visibilitychange', onVisibilityChange);
}

function openPermission() {
  showScreen('permission');
}

async function resume(token) {
  showScreen('loading');
  app.token = token;
  try {
    const session = await fetchSession(token);
    openLink();
    route(session, { fresh: true });
  } catch (error) {
    sessionStorage.removeItem(TOKEN_KEY);
    const linkToken = linkTokenFromPath();
    if (linkToken) redeemFromLink(linkToken);
    else showScreen('start');
  }
}

/** What a peer connection has sent so far: {video, audio} bytes and packets. */
async function sentOn(pc) {
  const out = { video: { bytesSent: 0, packetsSent: 0 }, audio: { bytesSent: 0, packetsSent: 0 } };
  if (!pc) return out;
  (await pc.getStats()).forEach((entry) => {
    if (entry.type === 'outbound-rtp' && out[entry.kind]) {
      out[entry.kind] = { bytesSent: entry.bytesSent || 0, packetsSent: entry.packetsSent || 0 };
    }
  });
  return out;
}

function installDebug() {
  window.lensDebug = {
    get screen() { return screen(); },
    get sessionState() { return app.session ? app.session.state : null; },
    get linkState() { return app.linkState; },
    get generation() { return app.link ? app.link.generation : 0; },
    get connectionState() { return app.link?.peer ? app.link.peer.connectionState : null; },
    get degradationPreference() { return app.link?.peer?.degradationPreference ?? null; },
    get stats() { return app.link?.peer ? { ...app.link.peer.videoStats } : {}; },
    get path() { return app.link?.peer?.path ?? null; },
    get iceTransportPolicy() { return app.link?.peer?.pc.getConfiguration().iceTransportPolicy ?? null; },
    get audio() {
      const element = $('remote-audio');
      return { ...(app.link?.peer?.audioStats || {}), playing: Boolean(element.srcObject) && !element.paused };
    },
    get timing() { return { ...app.timing, ...(app.link?.peer?.timing || {}) }; },
    get cameraPaused() { return Boolean(app.link?.cameraPaused); },
    get micMuted() { return Boolean(app.link?.micMuted); },
    get held() { return Boolean(app.link?.held); },
    /** What the phone has sent so far, read now: {video, audio} bytes and packets. */
    async sent() { return sentOn(app.link?.peer?.pc); },
    get annotations() { return app.annotations.snapshot(); },
    get freeze() { return app.freeze.snapshot(); },
    get taps() { return app.taps.snapshot(); },
    get chat() { return app.chat.snapshot(); },
    get cameraRequests() { return app.cameraRequests.snapshot(); },
    /** The camera the video sender sends now (its label), or null (on hold: none). */
    get sentCamera() { return app.link?.peer?.videoSender?.track?.label ?? null; },
    get recording() { return app.recording.snapshot(); },
    get hdPhoto() { return app.hdPhoto.snapshot(); },
    get survey() { return app.survey.snapshot(); },
    /** The second technician: their link, drawings, voice and the mix (guest.js). */
    get guest() {
      return { ...app.link?.guest.snapshot(), ...app.guest.snapshot(), voice: app.link?.voices.snapshot() ?? null };
    },
    /** What the phone has sent so far on the guest's connection, as sent() does. */
    async guestSent() { return sentOn(app.link?.guest.peer?.pc); },
  };
}

function boot() {
  setLanguage(startLanguage());
  translate(document);
  trackTopBar();
  app.annotations = new AnnotationLayer($('preview'), $('annotations'));
  app.chat = new ChatView();
  app.survey = new SurveyView();
  app.guest = new GuestView({
    video: $('preview'), canvas: $('guest-annotations'), audio: $('guest-audio'), notice: $('guest-notice'),
  });
  // Both technicians' drawings follow the picture shown: the live preview or a still.
  const layers = [app.annotations, app.guest.annotations];
  app.freeze = new FreezeView({
    video: $('preview'),
    still: $('still'),
    sign: $('freeze-sign'),
    progress: $('freeze-progress'),
    annotations: { setSurface: (element) => layers.forEach((layer) => layer.setSurface(element)) },
  });
  app.recording = new RecordingBadge($('recording-badge'));
  app.taps = new TapSender({
    stage: $('stage'),
    picture: () => app.annotations.surface,
    send: (message) => app.link?.peer?.sendControl(message),
    active: () => screen() === 'live' && app.session?.state === 'active',
  });
  app.cameraRequests = new CameraRequests({
    camera: app.camera,
    send: (message) => app.link?.peer?.sendControl(message),
    switchCamera,
    setTorch,
    torchOn: () => app.torchOn,
    refusal: cameraRefusal,
    toast: $('camera-toast'),
  });
  app.hdPhoto = new HdPhoto({
    track: () => app.camera.videoTrack,
    video: $('preview'),
    channel: () => app.link?.peer?.channel ?? null,
    refusal: cameraRefusal,
    sign: $('photo-sign'),
    label: $('photo-sign-text'),
    progress: $('photo-progress'),
  });
  installDebug();
  $('lang-switch').addEventListener('click', onLanguageSwitch);
  if (!window.isSecureContext) {
    showScreen('insecure');
    return;
  }
  wireControls();
  const linkToken = linkTokenFromPath();
  const token = sessionStorage.getItem(TOKEN_KEY);
  const storedLink = sessionStorage.getItem(LINK_KEY);
  if (token && (!linkToken || linkToken === storedLink)) resume(token);
  else if (linkToken) redeemFromLink(linkToken);
  else showScreen('start');
}

boot();
