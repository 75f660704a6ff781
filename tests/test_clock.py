"""`sparring.ui.clock`: Chainlit's messages and steps are stamped in order without sleeping."""

from __future__ import annotations

import asyncio
import importlib
import time
from typing import Any

import pytest

from sparring.ui import clock


def test_stamps_strictly_increase_in_chainlits_format() -> None:
    stamps = [clock.utc_now() for _ in range(2000)]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert all(s.endswith("Z") and len(s) == len("2026-12-03T10:00:00.000000Z") for s in stamps)


def test_building_messages_and_steps_never_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    modules: list[Any] = [importlib.import_module(n) for n in ("chainlit.message", "chainlit.step")]
    for module in modules:
        monkeypatch.setattr(module, "time", module.time)
        monkeypatch.setattr(module, "utc_now", module.utc_now)
    clock.install_clock()

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"slept {seconds}s on the event loop")

    monkeypatch.setattr(time, "sleep", no_sleep)
    import chainlit as cl
    from chainlit.context import init_http_context

    async def build() -> tuple[Any, Any]:  # in its own task's context
        init_http_context()
        return cl.Message(content="hello", author="Manager"), cl.Step(name="Feedback", type="tool")

    message, step = asyncio.run(build())
    assert modules[0].time.sleep is not no_sleep and modules[1].utc_now is clock.utc_now
    assert message.content == "hello" and step.created_at < clock.utc_now()
