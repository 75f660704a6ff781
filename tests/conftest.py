"""Shared fixtures. Tests never read the developer's `.env` or SPARRING_* variables."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sparring.providers import FakeChatModel
from sparring.settings import ROOT, Settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith(("SPARRING_", "CHAINLIT_")) or name in ("OPENAI_API_KEY", "DATABASE_URL"):
            monkeypatch.delenv(name, raising=False)
    yield


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on the fake model with state in a temporary folder."""
    return Settings(_env_file=None, model="fake", data_dir=tmp_path / "data")  # type: ignore[call-arg]


@pytest.fixture
def fake_model() -> FakeChatModel:
    return FakeChatModel()


@pytest.fixture
def repo_root() -> Path:
    return ROOT
