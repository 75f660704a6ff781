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

from dataclasses import dataclass
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
    #: calling the model at all this turn (bank mode without adapting never does)
    @property
    def calls_model(self) -> bool:
        return self.speaking == "free" or self.adapt


#: The embedded SmolLM2-135M: measured (benchmarks/bench_realism_local.py) to write an
#: in-character line well under half the time even when only asked to adapt one, so it
#: speaks the bank as written, which also makes its first token instant.
EMBEDDED = ModelProfile(speaking="bank", adapt=False, max_attempts=1)
#: Hosted and self-hosted large models write freely.
CAPABLE = ModelProfile(speaking="free")
#: The scripted test model plays its script (or the example line it is shown) through the
#: guards exactly as a free model would; its default echo *is* the chosen bank line.
SCRIPTED = ModelProfile(speaking="free")


def profile_for(spec: str, settings: Settings | None = None) -> ModelProfile:
    """The profile of a model spec (`local`, `fake`, `openai:<model>`), after any
    `SPARRING_SPEAKING` override."""
    spec = spec.strip()
    if spec == "local":
        base = EMBEDDED
    elif spec == "fake":
        base = SCRIPTED
    else:
        base = CAPABLE
    return _override(base, settings)


def spec_of(model: BaseChatModel) -> str:
    """The spec family of a built chat model, from its LangChain type (no imports of providers)."""
    kind = getattr(model, "_llm_type", "")
    if kind == "sparring-local-llama-cpp":
        return "local"
    if kind == "sparring-fake":
        return "fake"
    return "openai:?"


def profile_of(model: BaseChatModel, settings: Settings | None = None) -> ModelProfile:
    """The profile of an already built chat model."""
    return profile_for(spec_of(model), settings)


def _override(base: ModelProfile, settings: Settings | None) -> ModelProfile:
    choice = (settings.speaking if settings is not None else "auto").strip().lower()
    if choice == "bank":
        return ModelProfile(speaking="bank", adapt=False, max_attempts=1)
    if choice == "bank-adapt":
        return ModelProfile(speaking="bank", adapt=True, max_attempts=1)
    if choice == "free":
        return ModelProfile(speaking="free", max_attempts=3)
    return base
