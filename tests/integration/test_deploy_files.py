"""The files in deploy/ that the server reads: the settings example loads as it is
(with the environment file's secrets), and the unit's command line is one the CLI
takes, on the instance's port."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest

from lens_server import cli
from lens_server.config import load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _environment_file() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "lens-server.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def test_the_settings_example_loads_with_the_environment_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in _environment_file().items():
        monkeypatch.setenv(name, value)
    settings = load_settings(DEPLOY / "lens-server.toml.example")
    assert settings.database == "postgresql+psycopg://lens@/lens?host=/run/postgresql"
    assert settings.base_url == "https://lens.example.com"
    assert settings.turn_secret.startswith("change-me")
    assert settings.turn_urls[0] == "turn:turn.example.com:3478?transport=udp"
    assert settings.metrics is True
    assert settings.metrics_allow == ("127.0.0.0/8", "::1/128")


def test_the_unit_runs_one_process_on_its_instance_port() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string((DEPLOY / "systemd" / "lens-server@.service").read_text())
    service = unit["Service"]
    assert service["User"] == "lens"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["EnvironmentFile"] == "/etc/lens/lens-server.env"
    program, *args = shlex.split(service["ExecStart"].replace("%i", "8403"))
    assert program.endswith("/lens-server")
    parsed = cli._parser().parse_args(args)
    assert (parsed.command, parsed.host, parsed.port) == ("serve", "127.0.0.1", 8403)
    assert parsed.config == Path("/etc/lens/lens-server.toml")
