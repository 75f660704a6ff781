"""Integration: the embedded model's worker process dies or hangs mid-reply, and only that call fails.

The worker is real (llama.cpp on the shipped GGUF); the faults are real signals sent to it.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from sparring.engine.session import PracticeSession
from sparring.persona.loader import get_persona
from sparring.providers import ModelUnavailable, make_chat_model
from sparring.providers.local import LocalChatModel, embedded_gguf
from sparring.providers.runtime import LocalRuntime, wait_until_ready
from sparring.settings import Settings

pytest.importorskip("llama_cpp")
pytestmark = pytest.mark.integration

MESSAGES = [SystemMessage("You are Martin, a warehouse manager."), HumanMessage("Tell me about your week.")]


def settings(**extra: object) -> Settings:
    return Settings(_env_file=None, model="local", max_reply_tokens=40, temperature=0.0, **extra)  # type: ignore[arg-type]


@pytest.fixture()
def runtime() -> Iterator[LocalRuntime]:
    """A runtime of our own (not the shared cached one), so killing it disturbs no other test."""
    rt = LocalRuntime(embedded_gguf().resolve(), 2048, 1, 7, timeout=5.0)
    yield rt
    rt.close()


def model_on(runtime: LocalRuntime) -> LocalChatModel:
    return LocalChatModel(runtime=runtime, max_tokens=40, temperature=0.0, seed=7)


def kill_after_first_chunk(model: LocalChatModel, sig: signal.Signals) -> tuple[list[str], int]:
    """Stream, and send `sig` to the worker once the first piece of the reply has arrived."""
    runtime = model.runtime
    pid = runtime.pid
    assert pid is not None
    pieces: list[str] = []
    with pytest.raises(ModelUnavailable) as failure:
        for chunk in model.stream(MESSAGES):
            pieces.append(str(chunk.content))
            if len(pieces) == 1:
                os.kill(pid, signal.SIGSTOP)  # hold it mid-reply, so the signal lands there
                os.kill(pid, sig)
                os.kill(pid, signal.SIGCONT)
    assert "Your message is kept; try again" in str(failure.value)
    return pieces, pid


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGKILL])
def test_a_crash_mid_reply_fails_that_call_only_and_the_worker_comes_back(
    runtime: LocalRuntime, sig: signal.Signals
) -> None:
    model = model_on(runtime)
    whole = str(model.invoke(MESSAGES).content)
    pieces, dead = kill_after_first_chunk(model, sig)
    assert pieces and whole.startswith(pieces[0])
    assert runtime.last_failure == f"crashed ({sig.name})"
    back = wait_until_ready(runtime)
    assert runtime.pid not in (None, dead) and runtime.restarts == 1
    assert back < 30
    # The retried call gives the same whole reply (temperature 0, same seed).
    assert str(model.invoke(MESSAGES).content) == whole


def test_a_hung_worker_is_replaced_after_the_timeout(runtime: LocalRuntime) -> None:
    model = model_on(runtime)
    pid = runtime.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # alive, but answering nothing
    started = time.monotonic()
    with pytest.raises(ModelUnavailable, match="stopped answering for 5 s"):
        model.invoke(MESSAGES)
    assert 4.5 < time.monotonic() - started < 30
    wait_until_ready(runtime)
    assert runtime.pid != pid
    assert str(model.invoke(MESSAGES).content).strip()


def test_the_worker_is_the_one_the_oom_killer_takes(runtime: LocalRuntime) -> None:
    with open(f"/proc/{runtime.pid}/oom_score_adj") as f:
        assert f.read().strip() == "1000"
    with open("/proc/self/oom_score_adj") as f:
        assert int(f.read()) < 1000


def test_a_stream_the_reader_stops_early_leaves_the_worker_in_step(runtime: LocalRuntime) -> None:
    """A guard that cuts a reply stops reading; the next call must not receive the old tokens."""
    model = model_on(runtime)
    whole = str(model.invoke(MESSAGES).content)
    stream = model.stream(MESSAGES)
    next(stream)
    stream.close()
    assert str(model.invoke(MESSAGES).content) == whole
    assert runtime.restarts == 0


async def test_a_crash_mid_turn_leaves_the_session_as_it_was_and_the_turn_can_be_retried() -> None:
    s = settings(local_timeout=60, speaking="free")  # the model writes the reply (not the line bank)
    model = make_chat_model("local", s)
    assert isinstance(model, LocalChatModel)
    session = PracticeSession(get_persona(s, "sceptic"), "realistic", model, s, seed=3)
    before = session.state.model_dump()
    pid = model.runtime.pid
    assert pid is not None
    line = "What would make this time useful for you?"
    with pytest.raises(ModelUnavailable):
        async for _event in session.turn(line):
            if model.runtime.pid == pid:
                os.kill(pid, signal.SIGKILL)
    assert session.transcript.turns == []
    assert session.state.model_dump() == before
    record = await session.reply(line)
    assert record.coach == line and record.manager.strip()
    assert len(session.transcript.turns) == 1
