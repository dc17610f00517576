"""Loss, delay and rate on a real network path (issue 16, point 14): prints one table.

The phone is Debian's Chromium inside its own network namespace (tests/netns.py),
walked through the real flow and sending the 720p counted clip with the beeping tone,
as in bench/media.py. Its only path to the server and to the technician is a veth
pair, impaired by the kernel: nftables drops a share of the UDP packets each way,
TBF caps the rate each way, and a userspace forwarder in a middle namespace delays
every frame (this kernel has no netem; docs/decisions/0019). The receiver, in the
root namespace, is in turn the console's real receive path (bench/media_console.py)
and a Chromium page answering as the technician (bench/media_js.py RECEIVER).

The measuring is bench/media.py's own (chromium_sender_run, the figures): painted
frames against the frames the clip's counters say were captured, freezes between
paints, glass-to-glass from the sender's preview to the paint, audio one-way from the
sender's beep tap to the PulseAudio sink monitor, and audio dropouts (the console's
jitter buffer running dry; Chromium's concealment events). The resolution the sender
settles at is its own outbound numbers at the window's end.

Run as root: .venv/bin/python bench/netfault.py [--seconds 25] [--only "5% loss"]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Playwright, async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import media
from bench.media import (
    CLIP_FPS,
    CLIP_SECONDS,
    SINK,
    TONE_SECONDS,
    Run,
    chromium_args,
    chromium_sender_run,
    freezes,
    in_window,
    latencies,
    launch,
    painted_ratio,
    percentile,
    sent_in_window,
)
from bench.media_audio import PrivateSink
from lens_customer.pattern import write_tone_wav, write_y4m
from tests.chromium import CHROMIUM
from tests.live_server import LiveServer, Tech
from tests.netns import SERVER_ADDRESS, Impairment, PhoneNetwork

CONDITIONS: dict[str, Impairment] = {
    "clean path": Impairment(),
    "1% loss": Impairment(loss_pct=1),
    "5% loss": Impairment(loss_pct=5),
    "20% loss": Impairment(loss_pct=20),
    "300 ms delay": Impairment(delay_ms=300),
    "1 Mbit/s": Impairment(rate_kbit=1000),
}
RECEIVERS = ("console", "chromium")
LONG_FREEZE_MS = 500.0


async def launch_sender(pw: Playwright, network: PhoneNetwork, clip: Path, tone: Path) -> Browser:
    """bench/media.py's sender flags, but Chromium runs inside the phone namespace."""
    return await pw.chromium.launch(
        env=SINK["sink"].env(),
        executable_path=str(network.wrapper(tone.parent, CHROMIUM)),
        headless=True,
        args=chromium_args(clip, tone),
    )


async def condition_runs(
    pw: Playwright,
    server: LiveServer,
    tech: Tech,
    receiver_browser: Browser | None,
    media_files: tuple[Path, Path],
    label: str,
    seconds: float,
    receivers: list[str] | tuple[str, ...] = RECEIVERS,
) -> list[Run]:
    """One sender on a freshly built impaired path, then each receiver in turn
    (receiver_browser may be None when only the console receives)."""
    runs = []
    with PhoneNetwork() as network:
        network.connect(0, CONDITIONS[label])
        sender = await launch_sender(pw, network, *media_files)
        try:
            for receiver in receivers:
                run = Run(f"{label} -> {receiver}", receiver, wrap=round(CLIP_FPS * CLIP_SECONDS))
                target = None if receiver == "console" else receiver_browser
                await chromium_sender_run(sender, target, server, tech, run, seconds)
                if CONDITIONS[label].loss_pct:
                    run.notes.append(f"loss rules dropped {network.dropped(0)} packets so far")
                runs.append(run)
                print(f"done: {run.name}", file=sys.stderr, flush=True)
        finally:
            await sender.close()
    return runs


async def bench(args: argparse.Namespace) -> list[Run]:
    folder = Path(tempfile.mkdtemp(prefix="lens-netfault-"))
    tone = write_tone_wav(folder / "tone.wav", freq=440.0, seconds=TONE_SECONDS, marks=True)
    voice = write_tone_wav(folder / "voice.wav", freq=660.0, seconds=TONE_SECONDS)
    clip = write_y4m(folder / "720p.y4m", 1280, 720, CLIP_FPS, CLIP_SECONDS)
    server = LiveServer(folder / "server", host=SERVER_ADDRESS)
    server.smtp.start()
    server.start()
    runs: list[Run] = []
    try:
        tech = await asyncio.to_thread(server.technician)
        async with async_playwright() as pw:
            receiver_browser = await launch(pw, None, voice)
            try:
                for label in args.only or list(CONDITIONS):
                    runs += await condition_runs(
                        pw,
                        server,
                        tech,
                        receiver_browser,
                        (clip, tone),
                        label,
                        args.seconds,
                        args.receiver or RECEIVERS,
                    )
            finally:
                await receiver_browser.close()
    finally:
        server.close()
    return runs


# --- the table ------------------------------------------------------------------------


def long_freezes(run: Run) -> int:
    times = [p[1] for p in in_window(run)]
    return sum(1 for a, b in itertools.pairwise(times) if b - a > LONG_FREEZE_MS)


def cells(run: Run) -> dict[str, str]:
    painted, captured = painted_ratio(run)
    longest, _ = freezes(run)
    g2g = latencies(run)
    audio = run.audio_latency
    end = run.sender_end
    settled = (
        f"{end.get('frameWidth')}x{end.get('frameHeight')} @ "
        f"{end.get('framesPerSecond') or 0:.0f} ({end.get('qualityLimitationReason')})"
        if end.get("frameWidth")
        else "n/a"
    )

    def pair(values: list[float]) -> str:
        p50, p95 = percentile(values, 50), percentile(values, 95)
        return "n/a" if p50 is None or p95 is None else f"{p50:.0f} / {p95:.0f}"

    return {
        "painted": f"{100 * painted / captured:.1f} %" if captured else "n/a",
        "longest": f"{longest / 1000:.2f} s",
        "long": str(long_freezes(run)),
        "g2g": pair(g2g),
        "audio": pair(audio),
        "audio_rtcp": pair(run.audio_rtcp),
        "dropouts": "n/a" if run.underruns is None else str(run.underruns),
        "settled": settled,
        "load": f"{run.load:.1f}",
    }


COLUMNS = (
    ("painted", "frames painted / captured"),
    ("longest", "longest freeze"),
    ("long", f"freezes > {LONG_FREEZE_MS:.0f} ms"),
    ("g2g", "glass-to-glass p50 / p95 ms"),
    ("audio", "audio one-way p50 / p95 ms (sender's tap)"),
    ("audio_rtcp", "audio one-way p50 / p95 ms (sender's RTCP clock; console only)"),
    ("dropouts", "audio dropouts"),
    ("settled", "sender settles at (limited by)"),
    ("load", "load avg"),
)


def table(runs: list[Run]) -> str:
    head = ["path", "receiver", *(title for _, title in COLUMNS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for run in runs:
        label, receiver = run.name.rsplit(" -> ", 1)
        row = cells(run)
        lines.append("| " + " | ".join([label, receiver, *(row[k] for k, _ in COLUMNS)]) + " |")
    return "\n".join(lines)


def describe(args: argparse.Namespace) -> list[str]:
    return [
        f"machine: {platform.node()} {' '.join(os.uname())}, {os.cpu_count()} cores",
        f"finished: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average "
        f"at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        f"window: {args.seconds:.0f} s per run; command: {' '.join(sys.argv)}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="Loss, delay and rate on a real path.")
    parser.add_argument("--seconds", type=float, default=25.0, help="measurement window")
    parser.add_argument("--only", action="append", choices=list(CONDITIONS))
    parser.add_argument("--receiver", action="append", choices=list(RECEIVERS))
    args = parser.parse_args()
    # A beep 300 ms late on the path is still the same beep (they are 1 s apart).
    media.BEEP_MATCH_MS["limit"] = 900.0
    with PrivateSink() as sink:
        SINK["sink"] = sink
        runs = asyncio.run(bench(args))
    print("\n".join(describe(args)), end="\n\n")
    print(table(runs))
    for run in runs:
        for note in run.notes:
            print(f"- {run.name}: {note}")


def figures_of(run: Run) -> dict[str, Any]:
    """Numbers for tests: painted / captured, painted / sent by the sender's encoder
    (what the path and the receiver lost of what was sent), the longest freeze."""
    painted, captured = painted_ratio(run)
    sent = sent_in_window(run)
    return {
        "painted": painted / captured if captured else 0.0,
        "painted_sent": painted / sent if sent else 0.0,
        "longest_s": freezes(run)[0] / 1000,
    }


if __name__ == "__main__":
    main()
