"""Token budgets: offline counting and trimming that keeps the system prompt and newest turns."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from sparring.tokens import CL100K_URL, count_tokens, seed_tiktoken_cache, trim_history


def test_counts_real_tokens_offline() -> None:
    assert count_tokens("hello world") == 2  # cl100k_base: "hello", " world"
    assert count_tokens("") == 0


def conversation(turns: int) -> list[BaseMessage]:
    messages: list[BaseMessage] = [SystemMessage("You are Martin, a sceptical ops manager. " * 5)]
    for i in range(turns):
        messages.append(HumanMessage(f"coach turn {i}: " + "tell me more " * 10))
        messages.append(AIMessage(f"manager turn {i}: " + "we tried that " * 10))
    return messages


def test_fits_untouched_when_under_budget() -> None:
    messages = conversation(2)
    assert trim_history(messages, 10_000) == messages


def test_trimming_keeps_system_and_drops_oldest_first() -> None:
    messages = conversation(20)
    trimmed = trim_history(messages, 400)
    assert trimmed[0] == messages[0]
    assert trimmed[-1] == messages[-1]
    assert len(trimmed) < len(messages)
    kept = trimmed[1:]
    assert kept == messages[len(messages) - len(kept):]  # a contiguous newest tail
    assert sum(count_tokens(str(m.content)) + 4 for m in trimmed) <= 400


def test_system_prompt_survives_a_tiny_budget() -> None:
    messages = conversation(3)
    assert trim_history(messages, 5)[0] == messages[0]


def test_seeds_tiktoken_cache_for_libraries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    target = seed_tiktoken_cache(tmp_path / "tk")
    assert target is not None and target.exists()
    assert target.name == hashlib.sha1(CL100K_URL.encode()).hexdigest()
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(tmp_path / "tk")
    import tiktoken.load

    # tiktoken finds the cached file and never touches the network.
    ranks = tiktoken.load.load_tiktoken_bpe(CL100K_URL)
    assert len(ranks) > 100_000
