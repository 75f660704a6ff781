"""A disk cache of model replies for eval runs, as a wrapper at the model seam.

`CachingChatModel` wraps any `BaseChatModel` and stores each finished reply
under a hash of (model spec, the model's own parameters, the messages, call
kwargs such as the sampling seed). A rerun after editing one persona replays
every other case from disk in milliseconds. With temperature > 0 this also
makes reruns identical, which is what a regression suite wants; pass
`--no-cache` to sample afresh. Streams and whole replies are keyed apart: a
stream the engine's guards stopped early is stored as far as it was read,
which replays to the same decision, but is never served as a whole reply.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

CACHE_VERSION = 1


class DiskCache:
    """One JSON file per entry under `folder/ab/abcdef….json`; atomic writes, safe across processes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        try:
            data = json.loads(self._path(key).read_text("utf-8"))
        except (OSError, ValueError):
            self.misses += 1
            return None
        text = data.get("text") if isinstance(data, dict) else None
        if isinstance(text, str):
            self.hits += 1
            return text
        self.misses += 1
        return None

    def put(self, key: str, text: str, spec: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"spec": spec, "text": text}, fh, ensure_ascii=False)
        os.replace(tmp, path)


def cache_key(spec: str, params: dict[str, Any], messages: list[BaseMessage], kwargs: dict[str, Any]) -> str:
    payload = {
        "v": CACHE_VERSION,
        "spec": spec,
        "params": params,
        "messages": [[m.type, m.content] for m in messages],
        "kwargs": kwargs,
    }
    blob = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class CachingChatModel(BaseChatModel):
    """Replays stored replies; otherwise calls `inner` and stores what it finished saying."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    inner: BaseChatModel
    spec: str
    store: DiskCache

    @property
    def _llm_type(self) -> str:
        return f"cached-{self.inner._llm_type}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"spec": self.spec, **self.inner._identifying_params}

    def key(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> str:
        params = {k: v for k, v in self.inner._identifying_params.items() if k not in ("runtime",)}
        return cache_key(self.spec, params, messages, kwargs)

    @staticmethod
    def _result(text: str) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        key = self.key(messages, {**kwargs, "stop": stop})
        found = self.store.get(key)
        if found is None:
            found = str(self.inner.invoke(messages, stop=stop, **kwargs).content)
            self.store.put(key, found, self.spec)
        return self._result(found)

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                         run_manager: AsyncCallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        key = self.key(messages, {**kwargs, "stop": stop})
        found = self.store.get(key)
        if found is None:
            found = str((await self.inner.ainvoke(messages, stop=stop, **kwargs)).content)
            self.store.put(key, found, self.spec)
        return self._result(found)

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        result = self._generate(messages, stop, None, **kwargs)
        yield ChatGenerationChunk(message=AIMessageChunk(content=str(result.generations[0].message.content)))

    async def _astream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                       run_manager: AsyncCallbackManagerForLLMRun | None = None,
                       **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        key = self.key(messages, {**kwargs, "stop": stop, "mode": "stream"})
        found = self.store.get(key)
        if found is not None:
            yield ChatGenerationChunk(message=AIMessageChunk(content=found))
            return
        parts: list[str] = []
        failed = False
        stream = self.inner.astream(messages, stop=stop, **kwargs)
        try:
            async for chunk in stream:
                piece = chunk.content if isinstance(chunk.content, str) else chunk.text
                parts.append(piece)
                yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
        except GeneratorExit:
            raise
        except BaseException:
            failed = True
            raise
        finally:
            # A stream the consumer closed early (a guard stopped it) is stored as far as it
            # was read: the same deterministic consumer stops at the same place on a replay.
            close = getattr(stream, "aclose", None)
            if close is not None:
                await close()  # at once: the embedded model holds its lock until its stream ends
            if not failed:
                self.store.put(key, "".join(parts), self.spec)
