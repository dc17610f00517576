"""Shared fixtures: a real server (uvicorn + SQLite + aiosmtpd) per test, and a check
that no test leaves an unexpected error in the logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import LiveServer, running

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    with running(LiveServer(tmp_path / "server")) as server:
        yield server


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _fail_on_logged_errors(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """An error logged anywhere during a test fails it, unless the test says it expects
    one with @pytest.mark.allow_error_logs."""
    caplog.set_level(logging.INFO)
    yield
    if request.node.get_closest_marker("allow_error_logs"):
        return
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    if errors:
        lines = "\n".join(f"{r.name}: {r.getMessage()}" for r in errors)
        pytest.fail(f"unexpected error log(s):\n{lines}")
