"""Settings precedence: flag > environment > .env > default."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparring.settings import load_settings


def test_default_is_the_embedded_model(tmp_path: Path) -> None:
    assert load_settings(env_file=tmp_path / "none.env").model == "local"


def test_env_file_then_environment_then_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SPARRING_MODEL=fake\nSPARRING_THREADS=3\n", "utf-8")
    settings = load_settings(env_file)
    assert (settings.model, settings.threads) == ("fake", 3)

    monkeypatch.setenv("SPARRING_MODEL", "openai:gpt-4o-mini")
    settings = load_settings(env_file)
    assert settings.model == "openai:gpt-4o-mini"
    assert settings.threads == 3

    assert settings.with_model("local").model == "local"
    assert settings.with_model(None).model == "openai:gpt-4o-mini"


def test_api_key_falls_back_to_openai_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    assert load_settings(tmp_path / "x").api_key == "sk-openai"
    monkeypatch.setenv("SPARRING_API_KEY", "sk-ours")
    assert load_settings(tmp_path / "x").api_key == "sk-ours"


def test_database_url_defaults_to_sqlite_in_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARRING_DATA_DIR", str(tmp_path / "state"))
    url = load_settings(tmp_path / "x").effective_database_url
    assert url.startswith("sqlite+aiosqlite:///") and url.endswith("state/sparring.db")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@127.0.0.1/db")
    assert load_settings(tmp_path / "x").effective_database_url == "postgresql+asyncpg://u@127.0.0.1/db"


def test_small_context_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARRING_N_CTX", "512")
    with pytest.raises(ValueError, match="n_ctx"):
        load_settings(tmp_path / "x")
