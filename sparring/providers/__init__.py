"""The one seam to language models: `make_chat_model(spec, settings)`.

Specs: `local` (embedded SmolLM2), `fake` (scripted, for tests and demos),
`openai:<model>` (any OpenAI-compatible endpoint). Everything else in
Sparring talks to a LangChain `BaseChatModel` and never to a provider library.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from sparring.providers.errors import (
    ModelConfigError,
    ModelError,
    ModelSetupError,
    ModelUnavailable,
    translate,
)
from sparring.providers.fake import FakeChatModel
from sparring.settings import Settings

__all__ = [
    "MODEL_CHOICES",
    "FakeChatModel",
    "ModelConfigError",
    "ModelError",
    "ModelSetupError",
    "ModelUnavailable",
    "check_model",
    "keep_last_call",
    "make_chat_model",
    "translate",
]

MODEL_CHOICES = ("local", "fake", "openai:<model>")


def make_chat_model(
    spec: str, settings: Settings, *, max_tokens: int | None = None, temperature: float | None = None
) -> BaseChatModel:
    """Build the chat model a spec names; raises `ModelConfigError` with the valid values."""
    spec = spec.strip()
    max_tokens = max_tokens or settings.max_reply_tokens
    temperature = settings.temperature if temperature is None else temperature
    if spec == "fake":
        if settings.fake_script:
            if not settings.fake_script.is_file():
                raise ModelConfigError(f"SPARRING_FAKE_SCRIPT points at a missing file: {settings.fake_script}")
            return FakeChatModel.from_script(settings.fake_script, settings.fake_token_delay)
        return FakeChatModel(token_delay=settings.fake_token_delay)
    if spec == "local":
        from sparring.providers.local import LocalChatModel, embedded_gguf, load_runtime

        path = settings.gguf_path or embedded_gguf()
        runtime = load_runtime(
            path.resolve(), settings.n_ctx, settings.threads, settings.seed, settings.local_timeout,
            settings.state_cache_mb,
        )
        return LocalChatModel(
            runtime=runtime, max_tokens=max_tokens, temperature=temperature, seed=settings.seed
        )
    if spec.startswith("openai:") and spec.removeprefix("openai:").strip():
        return _hosted(spec.removeprefix("openai:").strip(), settings, max_tokens, temperature)
    raise ModelConfigError(
        f"Unknown model '{spec}'. Valid values: {', '.join(MODEL_CHOICES)} "
        "(set SPARRING_MODEL or pass --model)."
    )


def _hosted(name: str, settings: Settings, max_tokens: int, temperature: float) -> BaseChatModel:
    key = settings.api_key
    if not key:
        if not settings.base_url:
            raise ModelConfigError(
                f"Model 'openai:{name}' needs an API key: set SPARRING_API_KEY (or OPENAI_API_KEY)."
            )
        key = "not-needed"  # local servers (vLLM, Ollama, llama.cpp) accept any key
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    from sparring.providers.openai_http import http_clients

    sync_client, async_client = http_clients(settings.request_timeout)
    return ChatOpenAI(
        http_client=sync_client,
        http_async_client=async_client,
        model=name,
        api_key=SecretStr(key),
        base_url=settings.base_url,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
        max_completion_tokens=max_tokens,
        temperature=temperature,
        seed=settings.seed,
        streaming=True,
        stream_usage=True,
    )


def keep_last_call(model: BaseChatModel) -> BaseChatModel:
    """A model shared by every chat must not keep each call: the fake records them for tests."""
    if isinstance(model, FakeChatModel):
        model.keep_calls = 1
    return model


def check_model(spec: str, settings: Settings) -> None:
    """Validate a spec cheaply (no weights loaded, no network), so commands fail fast."""
    if spec.strip() == "local":
        from sparring.providers.local import REINSTALL, embedded_gguf

        path = settings.gguf_path or embedded_gguf()
        if not path.is_file():
            raise ModelSetupError(f"Model file not found: {path}. {REINSTALL}")
        return
    make_chat_model(spec, settings)
