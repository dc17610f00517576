"""Debian's Chromium as the customer's phone (tests/e2e) and as the benchmark's sender
and receiver (bench/media.py): where it is and the flags it runs headless with here."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
"""Playwright's own browser download cannot work on this machine: the system one."""

HEADLESS_FLAGS = (
    "--no-sandbox",  # root in CI
    "--disable-gpu",
    # no calls to Google's services, which this closed network refuses
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
)
FAKE_MEDIA_FLAGS = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream")
"""A fake camera and microphone, granted without a prompt."""
