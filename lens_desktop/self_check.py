"""``lens-desktop --self-check``: proves an installation has every native part the
console needs, before a technician meets a customer.

A frozen bundle can look fine and still lack a Qt plugin, a codec inside FFmpeg, the
PortAudio library or a keyring backend; each of those only shows up mid-session. So
each check here exercises the real thing (encodes and decodes a frame, loads a
translation, renders the icon) and prints one line: ``ok`` or ``FAIL`` with the detail
a support engineer needs. The exit code is 0 only when every check passed, so
installers and CI can run it.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

import numpy as np

from lens_desktop import platform_libs, resources

if TYPE_CHECKING:
    from PySide6.QtCore import QCoreApplication

WIDTH, HEIGHT = 160, 120
"""Test picture size: small enough to be instant, big enough for every encoder."""
MAX_PICTURE_ERROR = 12.0
"""Mean absolute luma difference allowed after a lossy round trip (0..255)."""
OPUS_RATE = 48_000
OPUS_FRAME = 960  # 20 ms, what WebRTC sends
REQUIRED_PLATFORM_PLUGINS = {"linux": "xcb", "win32": "windows", "darwin": "cocoa"}
REQUIRED_RESOURCES = (
    ("icons", "lens.svg"),
    ("icons", "lens-tray.svg"),
    *(("icons", f"lens-{size}.png") for size in resources.APP_ICON_SIZES),
    ("sounds", "new-session.wav"),
)


@dataclass(frozen=True)
class CheckResult:
    """What one check found: its name, whether it passed, and the detail either way."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAIL':<4} {self.name}: {self.detail}"


Check = Callable[[], CheckResult]


class CheckFailed(Exception):
    """Raised inside a check to report a FAIL with a human-readable reason."""


def run_check(name: str, probe: Callable[[], str]) -> CheckResult:
    """Runs ``probe`` (which returns the ok detail) and turns any exception into FAIL,
    so one broken part never hides the others."""
    try:
        return CheckResult(name, True, probe())
    except CheckFailed as exc:
        return CheckResult(name, False, str(exc))
    except Exception as exc:
        return CheckResult(name, False, f"{type(exc).__name__}: {exc}")


# -- the console's own modules --------------------------------------------------------


def check_console_modules() -> CheckResult:
    """Every lens_desktop module imports: a bundle missing one of their dependencies
    (PyInstaller did not see an import) would otherwise fail only when that feature
    is first used."""

    def probe() -> str:
        import lens_desktop

        names = [m.name for m in pkgutil.walk_packages(lens_desktop.__path__, "lens_desktop.")]
        for name in names:
            try:
                importlib.import_module(name)
            except ImportError as exc:
                raise CheckFailed(f"{name}: {exc}") from exc
        return f"{len(names)} modules import"

    return run_check("console modules", probe)


# -- Qt -------------------------------------------------------------------------------


def ensure_application() -> QCoreApplication:
    """The running QApplication, or a new one. Without a display on Linux it uses the
    offscreen platform instead of aborting, so the rest of the checks still run."""
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if existing is not None:
        return existing
    if _no_display() and "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return QApplication([sys.argv[0] if sys.argv else "lens-desktop"])


def _no_display() -> bool:
    on_x11_family = sys.platform.startswith(("linux", "freebsd"))
    return on_x11_family and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def platform_plugins() -> set[str]:
    """Names of the Qt platform plugins installed (``xcb``, ``offscreen``, ...)."""
    from PySide6.QtCore import QCoreApplication

    names: set[str] = set()
    for library_path in QCoreApplication.libraryPaths():
        folder = Path(library_path) / "platforms"
        if folder.is_dir():
            names.update(_plugin_name(entry) for entry in folder.iterdir())
    return names


def _plugin_name(plugin: Path) -> str:
    stem = plugin.name.split(".")[0]
    stem = stem.removeprefix("lib")
    return stem.removeprefix("q")


def avoid_unloadable_xcb() -> None:
    """Qt aborts the process when the xcb plugin's libraries are missing; then the
    checks run on the offscreen platform and check_qt reports what is missing."""
    if platform_libs.xcb_in_use() and platform_libs.find_missing() is not None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def check_qt() -> CheckResult:
    def probe() -> str:
        from PySide6.QtCore import qVersion
        from PySide6.QtGui import QGuiApplication

        missing = platform_libs.find_missing()
        ensure_application()
        if missing is not None:
            raise CheckFailed(missing.message())
        plugins = platform_plugins()
        required = REQUIRED_PLATFORM_PLUGINS.get(sys.platform)
        if required is not None and required not in plugins:
            found = ", ".join(sorted(plugins)) or "none"
            raise CheckFailed(f"the '{required}' platform plugin is missing (found: {found})")
        return f"Qt {qVersion()}, platform plugin {QGuiApplication.platformName()}"

    return run_check("Qt", probe)


# -- codecs through PyAV --------------------------------------------------------------


def reference_picture() -> Any:
    """A diagonal gradient as an av.VideoFrame: any decoder that garbles it shows."""
    import av

    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    gray = ((x + y) * 255 // (WIDTH + HEIGHT)).astype(np.uint8)
    frame = av.VideoFrame.from_ndarray(np.dstack([gray, gray, gray]), format="rgb24")
    frame = frame.reformat(format="yuv420p")
    frame.pts = 0
    frame.time_base = Fraction(1, 90_000)
    return frame


def picture_error(decoded: Any) -> float:
    """Mean absolute luma difference between a decoded frame and the test picture."""
    original = reference_picture().to_ndarray(format="gray").astype(np.int16)
    result = decoded.to_ndarray(format="gray").astype(np.int16)
    if result.shape != original.shape:
        raise CheckFailed(f"decoded {result.shape[1]}x{result.shape[0]}, sent {WIDTH}x{HEIGHT}")
    return float(np.abs(result - original).mean())


def open_codec(names: Sequence[str], mode: Literal["r", "w"]) -> Any:
    """The first of ``names`` this FFmpeg build has, as a fresh codec context."""
    import av

    for name in names:
        try:
            return av.CodecContext.create(name, mode)
        except (av.FFmpegError, ValueError):
            continue
    verb = "encoder" if mode == "w" else "decoder"
    raise CheckFailed(f"no {verb} among {', '.join(names)} in this FFmpeg build")


def pyav_video_round_trip(encoders: Sequence[str], decoder: str) -> str:
    """Encodes the test picture with the first available encoder and decodes it back."""
    encoder = open_codec(encoders, "w")
    encoder.width, encoder.height, encoder.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    encoder.time_base = Fraction(1, 30)
    packets = [*encoder.encode(reference_picture()), *encoder.encode(None)]
    reader = open_codec([decoder], "r")
    frames = [f for p in packets for f in reader.decode(p)] + list(reader.decode(None))
    if not frames:
        raise CheckFailed(f"{encoder.name} -> {decoder}: nothing decoded")
    error = picture_error(frames[0])
    if error > MAX_PICTURE_ERROR:
        raise CheckFailed(f"{encoder.name} -> {decoder}: picture garbled (error {error:.1f})")
    return f"{encoder.name} -> {decoder}, {WIDTH}x{HEIGHT}, error {error:.1f}"


def reference_tone(count: int = 5, channels: int = 2) -> list[Any]:
    """``count`` 20 ms frames of a 440 Hz tone, s16 at 48 kHz, as av.AudioFrames."""
    import av

    frames = []
    for index in range(count):
        t = (np.arange(OPUS_FRAME) + index * OPUS_FRAME) / OPUS_RATE
        wave_ = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
        packed = np.repeat(wave_, channels).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(
            packed, format="s16", layout="stereo" if channels == 2 else "mono"
        )
        frame.sample_rate, frame.pts = OPUS_RATE, index * OPUS_FRAME
        frame.time_base = Fraction(1, OPUS_RATE)
        frames.append(frame)
    return frames


def audio_level(frames: Sequence[Any]) -> float:
    """RMS of decoded audio in s16 units: a dead decoder yields silence."""
    if not frames:
        return 0.0
    samples = np.concatenate([f.to_ndarray().astype(np.float64).ravel() for f in frames])
    if samples.dtype.kind == "f" and np.abs(samples).max() <= 1.0:
        samples = samples * 32767
    return float(np.sqrt(np.mean(samples**2)))


def check_audio_level(label: str, decoded: Sequence[Any]) -> str:
    level = audio_level(decoded)
    expected = 8000 / np.sqrt(2)
    if not expected / 3 < level < expected * 3:
        raise CheckFailed(f"{label}: decoded level {level:.0f}, expected about {expected:.0f}")
    samples = sum(f.samples for f in decoded)
    return f"{label}, {samples} samples decoded at level {level:.0f}"


def pyav_opus_round_trip() -> str:
    encoder = open_codec(["libopus"], "w")
    encoder.sample_rate, encoder.format, encoder.layout = OPUS_RATE, "s16", "stereo"
    encoder.time_base = Fraction(1, OPUS_RATE)
    packets = [p for f in reference_tone() for p in encoder.encode(f)] + list(encoder.encode(None))
    decoder = open_codec(["opus", "libopus"], "r")
    decoded = [f for p in packets for f in decoder.decode(p)]
    return check_audio_level(f"{encoder.name} -> {decoder.name}", decoded)


def check_pyav_vp8() -> CheckResult:
    return run_check("PyAV VP8", lambda: pyav_video_round_trip(["libvpx"], "vp8"))


def check_pyav_h264() -> CheckResult:
    return run_check(
        "PyAV H.264", lambda: pyav_video_round_trip(["libx264", "libopenh264"], "h264")
    )


def check_pyav_opus() -> CheckResult:
    return run_check("PyAV Opus", pyav_opus_round_trip)


# -- codecs through aiortc's own wrappers ---------------------------------------------


def codec_parameters(mime_type: str) -> Any:
    """The RTCRtpCodecParameters aiortc negotiates for ``mime_type``."""
    from aiortc import RTCRtpCodecParameters

    if mime_type == "audio/opus":
        return RTCRtpCodecParameters(
            mimeType=mime_type, clockRate=OPUS_RATE, channels=2, payloadType=111
        )
    parameters: dict[str, int | str | None] = {}
    if mime_type == "video/H264":
        parameters["packetization-mode"] = "1"
    return RTCRtpCodecParameters(
        mimeType=mime_type, clockRate=90_000, payloadType=97, parameters=parameters
    )


def aiortc_video_round_trip(mime_type: str) -> str:
    """Encodes and packetizes the test picture as aiortc would send it, then
    depayloads and decodes it as aiortc's receiver does."""
    from aiortc.codecs import depayload, get_decoder, get_encoder
    from aiortc.jitterbuffer import JitterFrame

    codec = codec_parameters(mime_type)
    payloads, timestamp = get_encoder(codec).encode(reference_picture(), force_keyframe=True)
    data = b"".join(depayload(codec, payload) for payload in payloads)
    frames = get_decoder(codec).decode(JitterFrame(data=data, timestamp=timestamp))
    if not frames:
        raise CheckFailed(f"{mime_type}: {len(payloads)} RTP payloads decoded to nothing")
    error = picture_error(frames[0])
    if error > MAX_PICTURE_ERROR:
        raise CheckFailed(f"{mime_type}: picture garbled (error {error:.1f})")
    return f"{mime_type}, {len(payloads)} RTP payloads, error {error:.1f}"


def aiortc_opus_round_trip() -> str:
    from aiortc.codecs import get_decoder, get_encoder
    from aiortc.jitterbuffer import JitterFrame

    codec = codec_parameters("audio/opus")
    encoder, decoder = get_encoder(codec), get_decoder(codec)
    decoded = []
    for frame in reference_tone():
        payloads, timestamp = encoder.encode(frame)
        for payload in payloads:
            decoded += decoder.decode(JitterFrame(data=payload, timestamp=timestamp))
    return check_audio_level("audio/opus", decoded)


def check_aiortc_vp8() -> CheckResult:
    return run_check("aiortc VP8", lambda: aiortc_video_round_trip("video/VP8"))


def check_aiortc_h264() -> CheckResult:
    return run_check("aiortc H.264", lambda: aiortc_video_round_trip("video/H264"))


def check_aiortc_opus() -> CheckResult:
    return run_check("aiortc Opus", aiortc_opus_round_trip)


# -- PortAudio, keyring, translations, resources --------------------------------------


def import_sounddevice() -> Any:
    import sounddevice

    return sounddevice


def check_portaudio(load: Callable[[], Any] = import_sounddevice) -> CheckResult:
    """A missing PortAudio library is a broken installation; a machine with no sound
    device is not (the session then runs without audio)."""

    def probe() -> str:
        try:
            sd = load()
        except OSError as exc:
            raise CheckFailed(f"the PortAudio library cannot be loaded ({exc})") from exc
        devices = sd.query_devices()
        version = sd.get_portaudio_version()[1].split(",")[0]
        library = getattr(sd, "_libname", None)  # which copy was loaded: bundled or system
        if library:
            version = f"{version} from {library}"
        if not devices:
            return f"{version}; no sound devices (sessions will have no audio)"
        return f"{version}; {len(devices)} sound devices"

    return run_check("PortAudio", probe)


MEDIA_PRIORITY_TEXT = {
    "realtime": "real-time (SCHED_RR {rt}) for the media thread",
    "nice": "nice {nice} for the media thread (real-time was refused)",
    "normal": "normal priority for the media thread (raising it was refused)",
}
PRIORITY_ADVICE = (
    "; on a busy machine the audio may drop out: allow the user an rtprio limit "
    "(e.g. '@audio - rtprio 10' in /etc/security/limits.conf) or CAP_SYS_NICE"
)


def check_media_priority() -> CheckResult:
    """What priority the session media thread gets on this machine (never a FAIL: the
    console works without it, but an admin can grant it)."""
    from lens_desktop.media import media_loop

    def probe() -> str:
        loop = media_loop.MediaLoop("self-check-media")
        loop.start()
        loop.stop()
        text = MEDIA_PRIORITY_TEXT[loop.priority].format(
            rt=media_loop.MEDIA_RT_PRIORITY, nice=media_loop.MEDIA_NICE
        )
        return text if loop.priority == "realtime" else text + PRIORITY_ADVICE

    return run_check("media priority", probe)


def keyring_backend_name(backend: Any) -> str:
    """``module.Class`` of a backend, with the chained ones for keyring's chainer."""
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    inner = getattr(backend, "backends", None)
    if type(backend).__name__ == "ChainerBackend" and inner:
        return f"{name} ({', '.join(keyring_backend_name(b) for b in inner)})"
    return name


def check_keyring() -> CheckResult:
    """ "Remember me" keeps the sign-in token only in a real OS keyring; the same rule
    as lens_desktop.net.credentials decides what counts as real."""

    def probe() -> str:
        import keyring

        from lens_desktop.net.credentials import unusable_reason

        backend = keyring.get_keyring()
        name = keyring_backend_name(backend)
        reason = unusable_reason(backend)
        if reason is not None:
            raise CheckFailed(f"{name}: {reason}; 'remember me' will be unavailable")
        return f"backend {name}"

    return run_check("keyring", probe)


def check_translations(directory: Path | None = None) -> CheckResult:
    """Every compiled ``lens_<lang>.qm`` must load into a QTranslator, and so must Qt's
    own ``qtbase_<lang>.qm`` for it (standard buttons such as Cancel)."""

    def probe() -> str:
        from PySide6.QtCore import QLibraryInfo, QTranslator

        folder = directory if directory is not None else resources.translations_dir()
        compiled = sorted(folder.glob("lens_*.qm"))
        if not compiled:
            raise CheckFailed(f"no compiled translations found in {folder}")
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        qt_names = []
        for qm in compiled:
            translator = QTranslator()
            if not translator.load(str(qm)) or translator.isEmpty():
                raise CheckFailed(f"{qm.name} does not load as a Qt translation")
            qt_name = "qtbase_" + qm.stem.partition("_")[2]
            if not QTranslator().load(qt_name, qt_dir):
                raise CheckFailed(f"Qt's {qt_name}.qm is missing from {qt_dir}")
            qt_names.append(qt_name + ".qm")
        loaded = ", ".join(qm.name for qm in compiled)
        return f"loaded {loaded}; Qt's {', '.join(qt_names)}"

    return run_check("translations", probe)


def check_sound(path: Path) -> str:
    """The chime must load the way the console plays it (``chime.load_wav``: 16-bit
    PCM) and be short."""
    from lens_desktop.media.chime import load_wav

    try:
        sound = load_wav(path)
    except (ValueError, wave.Error) as exc:
        raise CheckFailed(f"{path.name}: expected 16-bit PCM under 1 s ({exc})") from exc
    if not 0 < sound.seconds < 1:
        raise CheckFailed(f"{path.name}: expected 16-bit PCM under 1 s")
    return f"{path.name} {sound.rate} Hz {sound.seconds:.2f} s"


def check_icon_renders() -> str:
    """The SVG icon engine and image plugins are in the bundle: the icons draw."""
    from PySide6.QtGui import QIcon, QImageReader

    if b"svg" not in QImageReader.supportedImageFormats():
        raise CheckFailed("Qt's svg image format plugin is missing")
    svg_only = QIcon(str(resources.resource_path("icons", "lens.svg")))
    if svg_only.pixmap(64, 64).isNull() or resources.app_icon().pixmap(16, 16).isNull():
        raise CheckFailed("the application icon does not render (svg icon engine missing?)")
    return "icons render"


def check_resources(root: Path | None = None) -> CheckResult:
    def probe() -> str:
        base = root if root is not None else resources.resources_root()
        missing = [
            Path(*parts) for parts in REQUIRED_RESOURCES if not base.joinpath(*parts).is_file()
        ]
        if missing:
            raise CheckFailed(f"missing in {base}: {', '.join(map(str, missing))}")
        sound = check_sound(base / "sounds" / "new-session.wav")
        icons = check_icon_renders() if root is None else "icons present"
        return f"{len(REQUIRED_RESOURCES)} files in {base}; {icons}; {sound}"

    return run_check("resources", probe)


ALL_CHECKS: tuple[Check, ...] = (
    check_qt,
    check_console_modules,
    check_pyav_vp8,
    check_pyav_h264,
    check_pyav_opus,
    check_aiortc_vp8,
    check_aiortc_h264,
    check_aiortc_opus,
    check_portaudio,
    check_media_priority,
    check_keyring,
    check_translations,
    check_resources,
)


def run_self_check(out: TextIO = sys.stdout, checks: Sequence[Check] = ALL_CHECKS) -> int:
    """Runs every check, printing one line each and a summary; 0 only if all passed."""
    avoid_unloadable_xcb()
    app = ensure_application()  # kept alive for the checks that draw
    results = []
    for check in checks:
        result = check()
        print(result.line(), file=out, flush=True)
        results.append(result)
    failed = sum(not r.ok for r in results)
    summary = "all checks passed" if not failed else f"{failed} check(s) FAILED"
    print(f"lens-desktop self-check: {len(results)} run, {summary}", file=out, flush=True)
    del app
    return 1 if failed else 0
