"""The embedded demo server dies with the console, however the console ends.

Each test runs ``lens-desktop --demo`` as its own process (offscreen), waits until the
console is signed in to its embedded server and holds its event socket, ends the
console one way, and checks the server process is gone within seconds. Quit from the
window is covered by test_console_demo.py."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import requests

SERVER_GONE_WITHIN = 10.0


@dataclass
class DemoRun:
    console: subprocess.Popen[str]
    data_dir: Path
    url: str

    def server(self) -> psutil.Process:
        """The server process: the one whose command line names this run's data dir."""
        for child in psutil.Process(self.console.pid).children():
            if str(self.data_dir) in " ".join(child.cmdline()):
                return child
        raise AssertionError("no embedded server process under the console")

    def log(self) -> str:
        return (self.data_dir / "server.log").read_text(errors="replace")


def demo_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def demo_run(tmp_path: Path) -> Iterator[DemoRun]:
    console = subprocess.Popen(
        [sys.executable, "-m", "lens_desktop.app", "--demo"],
        env=demo_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    data_dir = tmp_path / "data" / "lens-desktop" / "demo-server"
    try:
        assert console.stdout is not None
        lines = [console.stdout.readline(), console.stdout.readline()]
        found = re.search(r"runs at (http://\S+)", lines[1])
        assert found, (lines, console.poll())
        run = DemoRun(console, data_dir, found.group(1))
        assert requests.get(f"{run.url}/healthz", timeout=5).ok
        deadline = time.monotonic() + 30
        while '"WebSocket /ws/technician" [accepted]' not in run.log():
            assert time.monotonic() < deadline and console.poll() is None, run.log()
            time.sleep(0.05)
        server = run.server()
        try:
            yield run
        finally:
            if server.is_running():  # never leave an orphan behind, even on failure
                server.kill()
    finally:
        if console.poll() is None:
            console.kill()
        console.wait(10)


def assert_server_gone(server: psutil.Process, url: str) -> None:
    gone, alive = psutil.wait_procs([server], timeout=SERVER_GONE_WITHIN)
    if alive:
        server.kill()
    assert gone and not alive, f"the demo server outlived the console ({url})"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/healthz", timeout=2)


@pytest.mark.parametrize(
    ("how", "exit_code"),
    [
        (signal.SIGINT, 130),  # Ctrl+C
        (signal.SIGTERM, 128 + signal.SIGTERM),  # kill, systemd, a logout
        (signal.SIGKILL, -signal.SIGKILL),  # nothing of the console runs
        (signal.SIGABRT, -signal.SIGABRT),  # how Qt ends a process it cannot go on in
    ],
    ids=["sigint", "sigterm", "sigkill", "abort"],
)
def test_the_server_dies_with_the_console(
    demo_run: DemoRun, how: signal.Signals, exit_code: int
) -> None:
    server = demo_run.server()
    demo_run.console.send_signal(how)
    _, stderr = demo_run.console.communicate(timeout=30)
    assert demo_run.console.returncode == exit_code, stderr
    assert_server_gone(server, demo_run.url)
    if how in (signal.SIGINT, signal.SIGTERM):  # a clean leave: quiet, sessions ended
        assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
        assert "Shutting down" in demo_run.log()


def test_the_server_ends_when_its_stdin_pipe_closes(tmp_path: Path) -> None:
    """The watchdog for systems without PR_SET_PDEATHSIG: the console holds the only
    writing end of the server's stdin; end-of-file means the console is gone."""
    output = tmp_path / "server.out"
    with output.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "lens_desktop.demo", str(os.getpid()), "--data-dir",
             str(tmp_path / "server"), "serve", "--demo", "--host", "127.0.0.1", "--port", "0"],
            stdin=subprocess.PIPE,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=demo_env(tmp_path),
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while "Application startup complete" not in output.read_text(errors="replace"):
            assert time.monotonic() < deadline and server.poll() is None, output.read_text()
            time.sleep(0.05)
        assert server.stdin is not None
        server.stdin.close()
        server.wait(SERVER_GONE_WITHIN)
        # uvicorn shuts down cleanly on the SIGTERM, then re-raises it (exit -15)
        assert "Finished server process" in output.read_text()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
