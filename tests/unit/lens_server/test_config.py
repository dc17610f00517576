from __future__ import annotations

from pathlib import Path

import pytest

from lens_server.config import load_settings


def test_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "lens.toml"
    config.write_text(
        'public_base_url = "https://lens.example.com/"\npin_validity_seconds = 600\n'
        'ice_servers = [{urls = ["turn:turn.example.com"], username = "u", credential = "c"}]\n'
    )
    monkeypatch.setenv("LENS_PIN_VALIDITY_SECONDS", "300")
    settings = load_settings(config)
    assert settings.base_url == "https://lens.example.com"
    assert settings.pin_validity_seconds == 300
    assert settings.ice_servers[0]["username"] == "u"
    assert "https://lens.example.com" in settings.allowed_origins


def test_unknown_setting_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "lens.toml"
    config.write_text("pin_validity = 5\n")
    with pytest.raises(ValueError, match="unknown setting 'pin_validity'"):
        load_settings(config)


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.database == f"sqlite:///{tmp_path / 'lens.db'}"
    assert settings.outbox == tmp_path / "outbox"


@pytest.mark.parametrize(("text", "value"), [("true", True), ("0", False), ("false", False)])
def test_a_boolean_from_the_environment_is_read_not_cast(
    monkeypatch: pytest.MonkeyPatch, text: str, value: bool
) -> None:
    monkeypatch.setenv("LENS_API_DOCS", text)
    assert load_settings().api_docs is value


def test_a_boolean_that_is_neither_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENS_API_DOCS", "maybe")
    with pytest.raises(ValueError, match="api_docs must be true or false"):
        load_settings()


def test_metrics_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().metrics is False
    monkeypatch.setenv("LENS_METRICS", "true")
    monkeypatch.setenv("LENS_METRICS_ALLOW", "10.0.0.0/8, ::1/128")
    settings = load_settings()
    assert settings.metrics is True
    assert settings.metrics_allow == ("10.0.0.0/8", "::1/128")
    monkeypatch.setenv("LENS_METRICS_ALLOW", "10.0.0.0/8, everyone")
    with pytest.raises(ValueError, match="metrics_allow: 'everyone' is not a network"):
        load_settings()
