"""A scripted, deterministic chat model: the one seam tests fake the LLM at.

It records every prompt it receives (`calls`), so tests assert on what was
actually sent. Without a script it voices the prompt's own example line
(the last line starting with `Example:`), which makes `--model fake` a
usable offline demo and keeps the persona pipeline honest: the engine, not
the model, decides what is said.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr

_EXAMPLE = re.compile(r"^\s*Example:\s*[\"“]?(.+?)[\"”]?\s*$", re.MULTILINE)
_TOKEN = re.compile(r"\S+\s*")

DEFAULT_REPLY = "Hm. Go on."


class FakeChatModel(BaseChatModel):
    """Plays `responses` in order (cycling), or echoes the prompt's example line.

    A response that is an Exception instance is raised instead, to test faults.
    """

    responses: Sequence[str | BaseException] = Field(default_factory=list)
    token_delay: float = 0.0
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    call_kwargs: list[dict[str, Any]] = Field(default_factory=list)
    #: Recorded calls kept, newest last; None keeps all (tests read them). The web app keeps
    #: none: each prompt repeats the history, so a full record grows with the square of turns.
    keep_calls: int | None = None
    _index: int = PrivateAttr(default=0)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def from_script(cls, path: Path, token_delay: float = 0.0) -> FakeChatModel:
        """One reply per non-empty line; `\\n` inside a line stands for a newline."""
        lines = [ln.replace("\\n", "\n") for ln in path.read_text("utf-8").splitlines() if ln.strip()]
        return cls(responses=lines, token_delay=token_delay)

    @property
    def _llm_type(self) -> str:
        return "sparring-fake"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": "fake"}

    @property
    def prompts(self) -> list[str]:
        """Each recorded call flattened to text, newest last; handy in assertions."""
        return ["\n".join(str(m.content) for m in call) for call in self.calls]

    def _next(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str:
        with self._lock:
            self.calls.append(list(messages))
            self.call_kwargs.append(dict(kwargs))
            if self.keep_calls is not None and len(self.calls) > self.keep_calls:
                del self.calls[: len(self.calls) - self.keep_calls]
                del self.call_kwargs[: len(self.call_kwargs) - self.keep_calls]
            if self.responses:
                item = self.responses[self._index % len(self.responses)]
                self._index += 1
            else:
                item = self._echo(messages)
        if isinstance(item, BaseException):
            raise item
        return item

    @staticmethod
    def _echo(messages: list[BaseMessage]) -> str:
        for message in reversed(messages):
            found = _EXAMPLE.findall(str(message.content))
            if found:
                return str(found[-1])
        return DEFAULT_REPLY

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._next(messages, kwargs)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text = self._next(messages, kwargs)
        for piece in _TOKEN.findall(text):
            if self.token_delay:
                time.sleep(self.token_delay)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        text = self._next(messages, kwargs)
        for piece in _TOKEN.findall(text):
            if self.token_delay:
                await asyncio.sleep(self.token_delay)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                await run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._next(messages, kwargs)
        if self.token_delay:
            await asyncio.sleep(self.token_delay * max(1, len(_TOKEN.findall(text))))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])
