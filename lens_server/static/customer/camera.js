// The phone's camera and microphone: one MediaStream the preview shows and the peer sends.

const VIDEO_QUALITY = {
  width: { ideal: 1280 },
  height: { ideal: 720 },
  frameRate: { ideal: 30 },
};

const AUDIO = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

function videoConstraints(facing) {
  return { ...VIDEO_QUALITY, facingMode: { ideal: facing } };
}

/** What went wrong with getUserMedia, as one of: denied, nocamera, busy, other. */
export function mediaErrorKind(error) {
  switch (error && error.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'nocamera';
    case 'NotReadableError':
    case 'AbortError':
      return 'busy';
    default:
      return 'other';
  }
}

/** Which browser's permission help to show first. */
export function browserFamily(userAgent = navigator.userAgent) {
  if (/SamsungBrowser/i.test(userAgent)) return 'samsung';
  if (/FxiOS|Firefox/i.test(userAgent)) return 'firefox';
  if (/CriOS|Chrome|Chromium/i.test(userAgent)) return 'chrome';
  if (/Safari/i.test(userAgent)) return 'safari';
  return 'other';
}

export class Camera {
  constructor() {
    this.stream = null;
    this.facing = 'environment';
    this.cameraCount = 0;
    this.micMissing = false;
  }

  get videoTrack() {
    return this.stream ? this.stream.getVideoTracks()[0] || null : null;
  }

  get audioTrack() {
    return this.stream ? this.stream.getAudioTracks()[0] || null : null;
  }

  /** Opens the rear camera (by default) and the microphone; throws the browser's error. */
  async open() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw Object.assign(new Error('getUserMedia is unavailable'), { name: 'NotFoundError' });
    }
    this.stop();
    this.micMissing = false;
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: videoConstraints(this.facing),
        audio: AUDIO,
      });
    } catch (error) {
      if (error.name !== 'NotFoundError') throw error;
      // A camera without a microphone (some tablets) still serves: the technician sees,
      // and the customer still hears the technician.
      this.stream = await navigator.mediaDevices.getUserMedia({ video: videoConstraints(this.facing) });
      this.micMissing = true;
    }
    this.tuneVideoTrack();
    await this.countCameras();
    return this.stream;
  }

  tuneVideoTrack() {
    const track = this.videoTrack;
    // "detail" tells the encoder that sharp text on a device matters more than motion.
    if (track && 'contentHint' in track) track.contentHint = 'detail';
  }

  async countCameras() {
    try {
      const devices = await navigator.mediaDevices.enumerateDevices();
      this.cameraCount = devices.filter((device) => device.kind === 'videoinput').length;
    } catch {
      this.cameraCount = 1;
    }
  }

  get canSwitch() {
    return this.cameraCount > 1;
  }

  /**
   * Swaps front and rear camera and returns the new video track. The old track is stopped
   * first because many phones cannot open two cameras at once. A camera that names no
   * facing (a laptop's, a test's fake ones) is swapped for the next camera by device.
   */
  async switchFacing() {
    const old = this.videoTrack;
    const wasEnabled = old ? old.enabled : true;
    const settings = old && typeof old.getSettings === 'function' ? old.getSettings() : {};
    const next = this.facing === 'environment' ? 'user' : 'environment';
    const otherDevice = settings.facingMode ? null : await this.otherCamera(settings.deviceId);
    if (old) {
      old.stop();
      this.stream.removeTrack(old);
    }
    let track;
    try {
      track = otherDevice ? await this.grabDevice(otherDevice) : await this.grabVideo(next);
      this.facing = next;
    } catch (error) {
      track = await this.grabVideo(this.facing);
    }
    track.enabled = wasEnabled;
    this.stream.addTrack(track);
    this.tuneVideoTrack();
    return track;
  }

  /** Another camera's device id than `deviceId`, or null. */
  async otherCamera(deviceId) {
    try {
      const devices = await navigator.mediaDevices.enumerateDevices();
      const ids = devices.filter((d) => d.kind === 'videoinput' && d.deviceId).map((d) => d.deviceId);
      if (ids.length < 2 || !deviceId) return null;
      return ids[(ids.indexOf(deviceId) + 1) % ids.length] || null;
    } catch {
      return null;
    }
  }

  async grabDevice(deviceId) {
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { ...VIDEO_QUALITY, deviceId: { exact: deviceId } },
    });
    return stream.getVideoTracks()[0];
  }

  async grabVideo(facing) {
    const stream = await navigator.mediaDevices.getUserMedia({ video: videoConstraints(facing) });
    return stream.getVideoTracks()[0];
  }

  setVideoEnabled(enabled) {
    if (this.videoTrack) this.videoTrack.enabled = enabled;
  }

  setAudioEnabled(enabled) {
    if (this.audioTrack) this.audioTrack.enabled = enabled;
  }

  /** What the video track can do ({} without a track or without the API). */
  capabilities() {
    const track = this.videoTrack;
    if (!track || typeof track.getCapabilities !== 'function') return {};
    try {
      return track.getCapabilities() || {};
    } catch {
      return {};
    }
  }

  get torchSupported() {
    return Boolean(this.capabilities().torch);
  }

  async setTorch(on) {
    await this.videoTrack.applyConstraints({ advanced: [{ torch: on }] });
  }

  /** {min, max, step, value} when the camera zooms, else null. */
  get zoom() {
    const range = this.capabilities().zoom;
    if (!range || !(range.max > range.min)) return null;
    const settings = this.videoTrack.getSettings();
    const value = typeof settings.zoom === 'number' ? settings.zoom : range.min;
    return { min: range.min, max: range.max, step: range.step || 0, value };
  }

  async setZoom(value) {
    await this.videoTrack.applyConstraints({ advanced: [{ zoom: value }] });
  }

  /** Whether the camera focuses at a point of the picture (Image Capture's pointsOfInterest). */
  get focusPointSupported() {
    const track = this.videoTrack;
    if (!track || typeof track.getSettings !== 'function') return false;
    const modes = this.capabilities().focusMode || [];
    return 'pointsOfInterest' in track.getSettings() && modes.includes('single-shot');
  }

  async focusAt(x, y) {
    await this.videoTrack.applyConstraints({
      advanced: [{ pointsOfInterest: [{ x, y }], focusMode: 'single-shot' }],
    });
  }

  stop() {
    if (!this.stream) return;
    for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
  }
}
