"""Which judge a practice gets, decided once from settings and model profiles.

The web app, `sparring chat` and the eval runner used to each decide this their own way
(one had no judge at all); now they all ask here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparring.providers.profile import profile_for
from sparring.settings import Settings


@dataclass(frozen=True)
class JudgePlan:
    """Whether the LLM judge codes each turn beside the first-tier coder, with which model,
    and whether it must wait until the reply is out."""

    enabled: bool
    spec: str
    #: the judge and the manager share one serial model (the embedded runtime serves one call
    #: at a time): a judge started first would hold it and delay the reply
    waits_for_reply: bool


def judge_plan(settings: Settings, model_spec: str | None = None) -> JudgePlan:
    """The plan for a practice on `model_spec` (default: the configured model)."""
    from sparring.coding.judge import llm_tier_enabled

    model_spec = model_spec or settings.model
    spec = settings.judge_model or model_spec
    enabled = llm_tier_enabled(settings.with_model(model_spec))
    waits = spec == model_spec and profile_for(model_spec, settings).serial
    return JudgePlan(enabled=enabled, spec=spec, waits_for_reply=waits)
