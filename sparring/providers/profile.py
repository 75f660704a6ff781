"""What a model can be trusted to do, in one place: the *profile*, not the model's name.

A 135M-parameter model cannot write a coherent resistant manager; a hosted or 7B+ model
can. The engine asks `profile_for` / `profile_of` once per session instead of testing
model names wherever behaviour differs, so adding a model (or overriding one with
`SPARRING_SPEAKING`) changes one table.

- `bank`: the manager speaks the authored line the policy picked. With `adapt`, the model
  is first asked to fit that line to the coach's words; its text is shown only if the
  guards pass it, otherwise the line as written.
- `free`: the model writes the reply, with bank lines as examples and the same guards.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from langchain_core.language_models import BaseChatModel

from sparring.settings import Settings

Speaking = Literal["bank", "free"]


@dataclass(frozen=True)
class ModelProfile:
    """How the engine uses a model for the manager's words."""

    speaking: Speaking
    #: bank mode only: ask the model to adapt the chosen line (one try, then the line itself)
    adapt: bool = False
    #: generations tried per turn before the authored line is used
    max_attempts: int = 3
    #: one call at a time (one in-process runtime): run eval cases serially, and let the
    #: turn judge wait for the reply instead of queueing in front of it
    serial: bool = False
    #: how to ask it for JSON: "json_schema" (OpenAI's structured output, also vLLM and
    #: Ollama), "schema" (json_object plus a schema, a grammar in llama.cpp and its servers),
    #: "object" (JSON mode only), "none" (it answers as scripted)
    json_mode: Literal["json_schema", "schema", "object", "none"] = "object"
    #: the turn judge's codes are worth asking for beside the rules
    judges: bool = True
    #: it can grade the meaning of a reply against a rubric
    grades: bool = True
    #: evaluating the shared prompt prefix between turns makes the next reply start sooner
    warm_up: bool = False
    #: its replies may be cached by the eval runner (a scripted model's may not)
    cacheable: bool = True
    #: one instance may serve every chat (a scripted model plays its script per chat)
    shared: bool = True

    @property
    def calls_model(self) -> bool:
        return self.speaking == "free" or self.adapt


#: The embedded SmolLM2-135M: measured (benchmarks/bench_realism_local.py) to write an
#: in-character line well under half the time even when only asked to adapt one, so it
#: speaks the bank as written, which also makes its first token instant.
#: As a judge it took 55-65 s a turn on 2 cores and ticked every flag, so it neither judges
#: nor grades unless a trainer asks for it explicitly (SPARRING_JUDGE_MODEL=local).
EMBEDDED = ModelProfile(speaking="bank", adapt=False, max_attempts=1, serial=True, json_mode="schema",
                        judges=False, grades=False, warm_up=True)
#: Hosted and self-hosted large models write freely.
CAPABLE = ModelProfile(speaking="free")
#: The scripted test model plays its script (or the example line it is shown) through the
#: guards exactly as a free model would; its default echo *is* the chosen bank line. It plays
#: a scripted judge in tests, but cannot grade meaning, and its replies are never cached.
SCRIPTED = ModelProfile(speaking="free", json_mode="none", grades=False, cacheable=False, shared=False)

#: Provider families by spec prefix: the one table to extend for a new family.
FAMILIES: dict[str, ModelProfile] = {"local": EMBEDDED, "fake": SCRIPTED, "openai": CAPABLE}
#: The `_llm_type` of each family's built chat model, so a built model finds its profile.
LLM_TYPES: dict[str, str] = {"sparring-local-llama-cpp": "local", "sparring-fake": "fake"}


def family(spec: str) -> str:
    """`local`, `fake` or `openai` for a spec such as `openai:gpt-4o-mini`."""
    return spec.strip().split(":", 1)[0]


def profile_for(spec: str, settings: Settings | None = None) -> ModelProfile:
    """The profile of a model spec (`local`, `fake`, `openai:<model>`), after any
    `SPARRING_SPEAKING` override."""
    base = FAMILIES.get(family(spec), CAPABLE)
    return _json_format(_override(base, settings), spec, settings)


def spec_of(model: BaseChatModel) -> str:
    """The spec family of a built chat model, from its LangChain type (no imports of providers)."""
    model = getattr(model, "inner", model)  # see through wrappers such as the eval cache
    return LLM_TYPES.get(getattr(model, "_llm_type", ""), "openai:?")


def profile_of(model: BaseChatModel, settings: Settings | None = None) -> ModelProfile:
    """The profile of an already built chat model."""
    return profile_for(spec_of(model), settings)


def _json_format(base: ModelProfile, spec: str, settings: Settings | None) -> ModelProfile:
    """OpenAI takes `json_schema`; llama-cpp-python's server rejects it (it takes a schema
    inside `json_object`, as llama.cpp's own server also does), so an endpoint of one's own
    gets `schema` unless SPARRING_JSON_FORMAT says otherwise."""
    if settings is None:
        return base
    if settings.json_format != "auto":
        return replace(base, json_mode=settings.json_format)
    if family(spec) == "openai":
        return replace(base, json_mode="schema" if settings.base_url else "json_schema")
    return base


def _override(base: ModelProfile, settings: Settings | None) -> ModelProfile:
    choice = (settings.speaking if settings is not None else "auto").strip().lower()
    if choice == "bank":
        return replace(base, speaking="bank", adapt=False, max_attempts=1)
    if choice == "bank-adapt":
        return replace(base, speaking="bank", adapt=True, max_attempts=1)
    if choice == "free":
        return replace(base, speaking="free", max_attempts=3)
    return base
