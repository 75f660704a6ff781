"""Shared pieces of the benchmarks: coach lines, a recording local model, load and memory readings.

Kept apart so every benchmark measures Sparring against its reference with the same
inputs; nothing here is imported by the application.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from langchain_core.callbacks import CallbackManagerForLLMRun  # noqa: E402
from langchain_core.messages import BaseMessage  # noqa: E402
from langchain_core.outputs import ChatGenerationChunk  # noqa: E402
from pydantic import PrivateAttr  # noqa: E402

from sparring.providers.local import LocalChatModel, embedded_gguf, load_runtime  # noqa: E402
from sparring.settings import Settings  # noqa: E402

#: A plausible coaching conversation: good practice, pushing, closed questions, a goal.
COACH_LINES = [
    "What would make this conversation worth your time?",
    "It sounds like you've been through a lot of these programmes, and it has cost you.",
    "Have you talked to your team about it?",
    "You should start holding weekly one-to-ones with everyone.",
    "So the real worry is what this means for your people.",
    "What does a good week look like for you at the moment?",
    "You've kept your team going through a tough year. What has helped most?",
    "Is that really true?",
    "What might a first small step look like for you?",
    "Where would you like to start?",
]


def coach_line(turn: int) -> str:
    return COACH_LINES[turn % len(COACH_LINES)]


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} cores"


def rss_mb(pid: int | None = None) -> float:
    """Resident set size from /proc, in MB (Linux), of the process and all its descendants:
    the embedded model runs in a worker process the app starts, and its memory counts too."""
    root = pid or os.getpid()
    total = 0.0
    for proc in [root, *descendants(root)]:
        try:
            status = Path(f"/proc/{proc}/status").read_text()
        except OSError:
            continue
        total += next((int(ln.split()[1]) / 1024 for ln in status.splitlines() if ln.startswith("VmRSS:")), 0.0)
    return total


def descendants(pid: int) -> list[int]:
    """Child processes of `pid`, recursively (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


@dataclass
class Call:
    """One generation the engine asked for: exactly what was sent, and what came back."""

    messages: list[BaseMessage]
    kwargs: dict[str, Any]
    started: float = 0.0
    first_chunk: float | None = None
    ended: float = 0.0
    chunks: int = 0
    texts: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    reused_tokens: int = 0


class RecordingLocalModel(LocalChatModel):
    """The embedded model, recording each streamed call (messages, kwargs, chunk times).

    The stream is passed through unchanged, so the engine behaves exactly as in production.
    """

    _calls: list[Call] = PrivateAttr(default_factory=list)

    @property
    def calls(self) -> list[Call]:
        return self._calls

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        call = Call(messages=list(messages), kwargs=dict(kwargs), started=time.perf_counter())
        self._calls.append(call)
        from sparring.providers.local import _to_dicts

        cache = self.runtime.inspect(_to_dicts(messages))  # asked of the worker before the call
        call.prompt_tokens = cache["prompt_tokens"]
        call.reused_tokens = cache["reused_tokens"]
        try:
            for chunk in super()._stream(messages, stop, run_manager, **kwargs):
                call.chunks += 1
                call.texts.append(str(chunk.message.content))
                if call.first_chunk is None:
                    call.first_chunk = time.perf_counter()
                yield chunk
        finally:
            call.ended = time.perf_counter()


def recording_model(settings: Settings) -> tuple[Path, RecordingLocalModel]:
    """The embedded GGUF's path and the engine's local model on it, recording each call."""
    path = (settings.gguf_path or embedded_gguf()).resolve()
    runtime = load_runtime(path, settings.n_ctx, settings.threads, settings.seed, state_cache_mb=settings.state_cache_mb)
    model = RecordingLocalModel(runtime=runtime, max_tokens=settings.max_reply_tokens,
                                temperature=settings.temperature, seed=settings.seed)
    return path, model
