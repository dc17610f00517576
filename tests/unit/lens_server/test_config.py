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
