"""`lens-customer`: a scriptable phone on the command line.

lens-customer --link https://lens.example.com/join/AbC...
lens-customer --server http://127.0.0.1:8000 --pin 483920 --video file --file clip.mp4
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from collections.abc import Sequence

from lens_customer.client import run_customer
from lens_customer.options import CustomerOptions
from lens_customer.sources import SourceSpec

_SIZE = re.compile(r"^(\d+)x(\d+)$")


def parse_size(text: str) -> tuple[int, int]:
    """'1280x720' -> (1280, 720); even sizes only, as yuv420p needs."""
    match = _SIZE.match(text.strip().lower())
    if match is None:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, not {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if width < 160 or height < 90 or width % 2 or height % 2:
        raise argparse.ArgumentTypeError(f"size {text} is too small or odd")
    return width, height


def parse_pin(text: str) -> str:
    pin = re.sub(r"[\s-]", "", text)
    if not re.fullmatch(r"\d{6}", pin):
        raise argparse.ArgumentTypeError("the PIN is 6 digits")
    return pin


def positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lens-customer",
        description="Join a Lens session as a customer without a phone: "
        "stream a test pattern, a file or a webcam to the technician.",
    )
    join = parser.add_argument_group("joining")
    join.add_argument("--link", help="the invitation link (https://.../join/<token>)")
    join.add_argument("--server", help="the Lens server address, with --pin")
    join.add_argument("--pin", type=parse_pin, help="the 6-digit PIN from the technician")
    join.add_argument("--decline", action="store_true", help="decline the licence agreement")
    media = parser.add_argument_group("media")
    media.add_argument("--video", choices=("pattern", "file", "webcam", "none"), default="pattern")
    media.add_argument("--file", help="video (and audio) file for --video file")
    media.add_argument("--device", help="camera device (/dev/video0, a dshow name, ...)")
    media.add_argument("--size", type=parse_size, default=(1280, 720), help="WIDTHxHEIGHT")
    media.add_argument("--fps", type=positive, default=30.0)
    media.add_argument("--audio", choices=("tone", "file", "mic", "none"), default="tone")
    media.add_argument("--audio-file", help="audio file for --audio file")
    media.add_argument("--tone-hz", type=positive, default=440.0)
    media.add_argument("--no-audio-out", action="store_true", help="discard the technician's audio")
    parser.add_argument(
        "--stats-interval", type=float, default=5.0, help="seconds between status lines (0: off)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    return parser


def options_from_args(argv: Sequence[str] | None = None) -> CustomerOptions:
    """Parses and cross-checks the command line (argparse exits 2 on a bad one)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.link and not (args.server and args.pin):
        parser.error("give --link URL, or --server URL and --pin 123456")
    if args.link and (args.server or args.pin):
        parser.error("--link cannot be combined with --server/--pin")
    if args.video == "file" and not args.file:
        parser.error("--video file needs --file PATH")
    if args.audio == "file" and not (args.audio_file or args.file):
        parser.error("--audio file needs --audio-file PATH")
    width, height = args.size
    sources = SourceSpec(
        video=args.video,
        audio=args.audio,
        file=args.file,
        audio_file=args.audio_file,
        device=args.device,
        width=width,
        height=height,
        fps=args.fps,
        tone_hz=args.tone_hz,
    )
    return CustomerOptions(
        link=args.link,
        server=args.server,
        pin=args.pin,
        sources=sources,
        audio_out=not args.no_audio_out,
        stats_interval=args.stats_interval,
        decline=args.decline,
        verbose=args.verbose,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = options_from_args(argv)
    logging.basicConfig(
        level=logging.INFO if options.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return asyncio.run(run_customer(options))
    except KeyboardInterrupt:  # Windows, where SIGINT is not routed to the loop
        return 0
    except Exception as error:
        if options.verbose:
            raise
        print(
            f"lens-customer: unexpected error: {error} (run with -v for details)", file=sys.stderr
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
