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
   * first because many phones cannot open two cameras at once.
   */
  async switchFacing() {
    const old = this.videoTrack;
    const wasEnabled = old ? old.enabled : true;
    const next = this.facing === 'environment' ? 'user' : 'environment';
    if (old) {
      old.stop();
      this.stream.removeTrack(old);
    }
    let track;
    try {
      track = await this.grabVideo(next);
      this.facing = next;
    } catch (error) {
      track = await this.grabVideo(this.facing);
    }
    track.enabled = wasEnabled;
    this.stream.addTrack(track);
    this.tuneVideoTrack();
    return track;
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

  get torchSupported() {
    const track = this.videoTrack;
    if (!track || typeof track.getCapabilities !== 'function') return false;
    return Boolean(track.getCapabilities().torch);
  }

  async setTorch(on) {
    await this.videoTrack.applyConstraints({ advanced: [{ torch: on }] });
  }

  stop() {
    if (!this.stream) return;
    for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
  }
}
