"""Command-line parsing of lens-customer: what a person types becomes CustomerOptions."""

from __future__ import annotations

import argparse

import pytest

from lens_customer.cli import main, options_from_args, parse_size
from lens_customer.sources import SourceSpec


def test_link_with_defaults() -> None:
    options = options_from_args(["--link", "https://lens.example.com/join/AbC"])
    assert options.link == "https://lens.example.com/join/AbC"
    assert options.sources == SourceSpec()
    assert (options.sources.width, options.sources.height, options.sources.fps) == (1280, 720, 30)
    assert options.audio_out and not options.decline and options.stats_interval == 5.0


def test_server_and_pin_with_every_media_option() -> None:
    options = options_from_args(
        [
            "--server",
            "http://127.0.0.1:8000",
            "--pin",
            "483 920",
            "--video",
            "file",
            "--file",
            "clip.mp4",
            "--size",
            "640x360",
            "--fps",
            "15",
            "--audio",
            "file",
            "--audio-file",
            "voice.wav",
            "--tone-hz",
            "880",
            "--no-audio-out",
            "--stats-interval",
            "1",
            "--decline",
            "-v",
        ]
    )
    assert (options.server, options.pin) == ("http://127.0.0.1:8000", "483920")
    assert options.sources == SourceSpec(
        video="file",
        audio="file",
        file="clip.mp4",
        audio_file="voice.wav",
        width=640,
        height=360,
        fps=15.0,
        tone_hz=880.0,
    )
    assert not options.audio_out and options.decline and options.verbose
    assert options.stats_interval == 1.0


def test_webcam_and_microphone() -> None:
    options = options_from_args(
        [
            "--link",
            "http://h/join/t",
            "--video",
            "webcam",
            "--device",
            "/dev/video2",
            "--audio",
            "mic",
        ]
    )
    assert (options.sources.video, options.sources.device, options.sources.audio) == (
        "webcam",
        "/dev/video2",
        "mic",
    )


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        ([], "give --link URL, or --server URL and --pin"),
        (["--server", "http://h"], "give --link URL, or --server URL and --pin"),
        (["--pin", "123456"], "give --link URL, or --server URL and --pin"),
        (["--link", "http://h/join/t", "--pin", "123456"], "cannot be combined"),
        (["--server", "http://h", "--pin", "12345"], "the PIN is 6 digits"),
        (["--link", "http://h/join/t", "--video", "file"], "--video file needs --file"),
        (["--link", "http://h/join/t", "--audio", "file"], "--audio file needs"),
        (["--link", "http://h/join/t", "--size", "big"], "size must look like"),
        (["--link", "http://h/join/t", "--fps", "0"], "must be greater than 0"),
        (["--link", "http://h/join/t", "--video", "screen"], "invalid choice"),
    ],
)
def test_bad_command_lines_exit_2_with_a_reason(
    argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        options_from_args(argv)
    assert stopped.value.code == 2
    assert complaint in capsys.readouterr().err


def test_sizes() -> None:
    assert parse_size("1920X1080") == (1920, 1080)
    for bad in ("1280x", "1281x720", "100x50", "x720"):
        with pytest.raises(argparse.ArgumentTypeError, match="size"):
            parse_size(bad)


def test_a_bad_link_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--link", "https://lens.example.com/start", "--stats-interval", "0"]) == 2
    err = capsys.readouterr().err
    assert err == "lens-customer: Not a Lens invitation link: https://lens.example.com/start\n"
