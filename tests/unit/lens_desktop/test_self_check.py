"""The self-check from source: each check against the real part (Qt, FFmpeg through
PyAV and aiortc, PortAudio, keyring, QTranslator), and each one's FAIL path."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import numpy as np
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PySide6.QtWidgets import QApplication

from lens_desktop import resources, self_check
from lens_desktop.self_check import CheckResult, run_self_check
from tests.fakes import MemoryKeyring

REPO = Path(__file__).resolve().parents[3]
LRELEASE = Path(sys.executable).parent / "pyside6-lrelease"

DUTCH_TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="nl_NL">
<context><name>SignIn</name>
<message><source>Sign in</source><translation>Aanmelden</translation></message>
</context>
</TS>
"""


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's file backend, which must count as a FAIL."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


@pytest.fixture
def use_keyring() -> Iterator[Any]:
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


def detail_number(result: CheckResult, word: str) -> float:
    """The number after ``word`` in a check's detail, e.g. the picture error."""
    return float(result.detail.split(f"{word} ")[1].split()[0].rstrip(",;"))


# -- Qt ---------------------------------------------------------------------------


def test_qt_names_version_and_platform(qapp: QApplication) -> None:
    result = self_check.check_qt()
    assert result.ok, result.detail
    assert result.detail.startswith("Qt 6.")
    assert result.detail.endswith("platform plugin offscreen")
    assert {"offscreen", "xcb"} <= self_check.platform_plugins()


def test_every_console_module_imports(qapp: QApplication) -> None:
    result = self_check.check_console_modules()
    assert result.ok, result.detail
    assert int(result.detail.split()[0]) >= 20  # ui, net, media, app, resources, ...


def test_a_module_that_cannot_import_is_a_fail(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What a bundle missing a dependency looks like: the module's import fails."""
    import lens_desktop

    (tmp_path / "broken_feature.py").write_text("import no_such_dependency\n")
    monkeypatch.setattr(lens_desktop, "__path__", [*lens_desktop.__path__, str(tmp_path)])
    result = self_check.check_console_modules()
    assert not result.ok
    assert result.detail == ("lens_desktop.broken_feature: No module named 'no_such_dependency'")


# -- codecs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (self_check.check_pyav_vp8, "libvpx -> vp8"),
        (self_check.check_pyav_h264, "-> h264"),
        (self_check.check_aiortc_vp8, "video/VP8"),
        (self_check.check_aiortc_h264, "video/H264"),
    ],
)
def test_video_round_trips_give_back_the_picture(check: Any, expected: str) -> None:
    result = check()
    assert result.ok, result.detail
    assert expected in result.detail
    assert detail_number(result, "error") < self_check.MAX_PICTURE_ERROR


@pytest.mark.parametrize(
    ("check", "expected"),
    [(self_check.check_pyav_opus, "libopus -> "), (self_check.check_aiortc_opus, "audio/opus")],
)
def test_opus_round_trips_give_back_the_tone(check: Any, expected: str) -> None:
    result = check()
    assert result.ok, result.detail
    assert expected in result.detail
    assert 4_000 < detail_number(result, "level") < 7_500  # 8000 peak sine: RMS ~5657


def test_a_missing_encoder_is_a_fail_naming_it() -> None:
    result = self_check.run_check(
        "PyAV nothing", lambda: self_check.pyav_video_round_trip(["no-such-encoder"], "vp8")
    )
    assert not result.ok
    assert result.detail == "no encoder among no-such-encoder in this FFmpeg build"
    assert result.line() == f"FAIL PyAV nothing: {result.detail}"


def test_a_garbled_picture_is_noticed() -> None:
    """The round trips compare pictures; a decoder returning grey would not pass."""
    import av

    grey = av.VideoFrame.from_ndarray(
        np.full((self_check.HEIGHT, self_check.WIDTH, 3), 128, dtype=np.uint8), format="rgb24"
    )
    assert self_check.picture_error(grey) > self_check.MAX_PICTURE_ERROR
    assert self_check.picture_error(self_check.reference_picture()) == 0


def test_silence_is_not_a_decoded_tone() -> None:
    import av

    silence = av.AudioFrame.from_ndarray(
        np.zeros((1, 1920), dtype=np.int16), format="s16", layout="stereo"
    )
    with pytest.raises(self_check.CheckFailed, match="decoded level 0"):
        self_check.check_audio_level("opus", [silence])


# -- PortAudio --------------------------------------------------------------------


def test_portaudio_loads_the_library_and_counts_devices() -> None:
    result = self_check.check_portaudio()
    assert result.ok, result.detail
    assert result.detail.startswith("PortAudio V19")


def test_a_missing_portaudio_library_is_a_fail() -> None:
    def load() -> Any:
        raise OSError("PortAudio library not found")

    result = self_check.check_portaudio(load)
    assert not result.ok
    assert result.detail == "the PortAudio library cannot be loaded (PortAudio library not found)"


class NoDevices:
    """sounddevice on a machine with PortAudio but no sound card."""

    @staticmethod
    def query_devices() -> list[dict[str, Any]]:
        return []

    @staticmethod
    def get_portaudio_version() -> tuple[int, str]:
        return 1246976, "PortAudio V19.7.0-devel, revision unknown"


def test_no_sound_device_is_ok_but_said() -> None:
    result = self_check.check_portaudio(lambda: NoDevices)
    assert result.ok
    assert (
        result.detail == "PortAudio V19.7.0-devel; no sound devices (sessions will have no audio)"
    )


# -- media priority -----------------------------------------------------------------


def test_media_priority_is_reported_and_advice_given_when_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = self_check.check_media_priority()
    assert result.ok
    if os.geteuid() == 0:
        assert result.detail == "real-time (SCHED_RR 3) for the media thread"

    def refuse(*args: object) -> None:  # fake: an unprivileged user
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "sched_setscheduler", refuse)
    monkeypatch.setattr(os, "setpriority", refuse)
    result = self_check.check_media_priority()
    assert result.ok
    assert result.detail.startswith("normal priority for the media thread")
    assert "rtprio" in result.detail


# -- keyring ----------------------------------------------------------------------


def test_a_real_keyring_backend_passes_and_is_named(use_keyring: Any) -> None:
    use_keyring(MemoryKeyring())
    result = self_check.check_keyring()
    assert result.ok, result.detail
    assert result.detail == "backend tests.fakes.MemoryKeyring"


@pytest.mark.parametrize(
    ("backend", "reason"),
    [
        (fail.Keyring(), "no system keyring is available on this computer"),
        (PlaintextKeyring(), "the only keyring available stores passwords in a plain file"),
    ],
)
def test_unusable_keyrings_fail_with_the_reason(
    use_keyring: Any, backend: KeyringBackend, reason: str
) -> None:
    use_keyring(backend)
    result = self_check.check_keyring()
    assert not result.ok
    assert reason in result.detail
    assert result.detail.startswith(type(backend).__module__)


# -- translations -----------------------------------------------------------------


def test_no_compiled_translations_is_a_fail(tmp_path: Path) -> None:
    result = self_check.check_translations(tmp_path)
    assert not result.ok
    assert result.detail == f"no compiled translations found in {tmp_path}"


def test_a_compiled_translation_loads(tmp_path: Path) -> None:
    source = tmp_path / "lens_nl.ts"
    source.write_text(DUTCH_TS, encoding="utf-8")
    subprocess.run([str(LRELEASE), "-silent", str(source)], check=True)
    result = self_check.check_translations(tmp_path)
    assert result.ok, result.detail
    assert result.detail == "loaded lens_nl.qm; Qt's qtbase_nl.qm"


def test_a_language_qt_has_no_translation_for_is_a_fail(tmp_path: Path) -> None:
    source = tmp_path / "lens_xx.ts"
    source.write_text(DUTCH_TS.replace("nl_NL", "xx"), encoding="utf-8")
    subprocess.run([str(LRELEASE), "-silent", str(source)], check=True)
    result = self_check.check_translations(tmp_path)
    assert not result.ok
    assert result.detail.startswith("Qt's qtbase_xx.qm is missing from ")


def test_a_damaged_translation_is_a_fail(tmp_path: Path) -> None:
    (tmp_path / "lens_de.qm").write_bytes(b"not a qm file")
    result = self_check.check_translations(tmp_path)
    assert not result.ok
    assert result.detail == "lens_de.qm does not load as a Qt translation"


# -- resources --------------------------------------------------------------------


def test_bundled_resources_are_present_and_render(qapp: QApplication) -> None:
    result = self_check.check_resources()
    assert result.ok, result.detail
    assert "icons render" in result.detail
    assert "new-session.wav 48000 Hz 0.75 s" in result.detail


def test_a_missing_sound_is_a_fail_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "icons").mkdir()
    for parts in self_check.REQUIRED_RESOURCES:
        if parts[0] == "icons":
            (tmp_path / Path(*parts)).write_bytes(b"")
    result = self_check.check_resources(tmp_path)
    assert not result.ok
    assert result.detail == f"missing in {tmp_path}: sounds/new-session.wav"


def test_a_long_sound_is_a_fail(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48_000)
        out.writeframes(bytes(2 * 96_000))
    with pytest.raises(self_check.CheckFailed, match="under 1 s"):
        self_check.check_sound(path)


# -- the whole run ----------------------------------------------------------------


def test_exit_code_is_zero_only_when_every_check_passes(qapp: QApplication) -> None:
    def passing() -> CheckResult:
        return CheckResult("one", True, "fine")

    def failing() -> CheckResult:
        return CheckResult("two", False, "broken")

    out = io.StringIO()
    assert run_self_check(out, checks=[passing, passing]) == 0
    assert run_self_check(out, checks=[passing, failing]) == 1
    assert out.getvalue().splitlines() == [
        "ok   one: fine",
        "ok   one: fine",
        "lens-desktop self-check: 2 run, all checks passed",
        "ok   one: fine",
        "FAIL two: broken",
        "lens-desktop self-check: 2 run, 1 check(s) FAILED",
    ]


def test_a_crashing_check_is_a_fail_not_a_crash() -> None:
    def probe() -> str:
        raise RuntimeError("boom")

    assert self_check.run_check("x", probe) == CheckResult("x", False, "RuntimeError: boom")


def test_full_run_from_source(qapp: QApplication, use_keyring: Any) -> None:
    """Every check passes from a source checkout, except translations until the
    compiled lens_*.qm files exist."""
    use_keyring(MemoryKeyring())
    out = io.StringIO()
    code = run_self_check(out)
    lines = out.getvalue().splitlines()
    names = [line[5:].split(":")[0] for line in lines[:-1]]
    assert names == [
        "Qt", "console modules", "PyAV VP8", "PyAV H.264", "PyAV Opus", "aiortc VP8", "aiortc H.264",
        "aiortc Opus", "PortAudio", "media priority", "keyring", "translations", "resources",
    ]  # fmt: skip
    translations_built = any(resources.translations_dir().glob("lens_*.qm"))
    failed = [line for line in lines[:-1] if line.startswith("FAIL")]
    if translations_built:
        assert (code, failed) == (0, [])
    else:
        assert failed == [f"FAIL translations: no compiled translations found in "
                          f"{REPO / 'resources' / 'translations'}"]  # fmt: skip
        assert code == 1
