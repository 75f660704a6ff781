"""Choosing a practice: one Chainlit chat profile per persona, and the chat settings.

Pure functions from personas and settings to Chainlit objects, so they are tested
without a server; `handlers.py` only sends what these build.
"""

from __future__ import annotations

from typing import Any

import chainlit as cl
from chainlit.input_widget import InputWidget, Select, Switch

from sparring.persona.model import DIFFICULTIES, Difficulty, Persona
from sparring.settings import Settings
from sparring.storage.sessions import PracticeOptions


def available_models(settings: Settings) -> list[str]:
    """The configured model first, then any extra ones from `SPARRING_MODELS` (comma list)."""
    extra: Any = getattr(settings, "models", None) or []
    if isinstance(extra, str):
        extra = extra.split(",")
    models = [settings.model, *(str(m).strip() for m in extra)]
    return list(dict.fromkeys(m for m in models if m))


def _level(value: float) -> str:
    return f"{round(value)}"


def profile_description(persona: Persona) -> str:
    """What the coach reads before choosing: who, the situation, the pattern, how hard."""
    start = persona.starting_resistance
    levels = " · ".join(f"{d} {_level(start[d])}/10" for d in DIFFICULTIES)
    return (
        f"**{persona.name}** — {persona.role}\n\n"
        f"{persona.scenario.strip()}\n\n"
        f"**Pattern:** {persona.pattern}  \n"
        f"**Starting resistance:** {levels} (choose the difficulty in the settings; "
        "default realistic)"
    )


def chat_profiles(personas: dict[str, Persona], default: str = "sceptic") -> list[cl.ChatProfile]:
    """Profiles keyed by persona id (the id is what Chainlit sends back on selection)."""
    default = default if default in personas else next(iter(personas), default)
    return [
        cl.ChatProfile(
            name=persona.id,
            display_name=f"{persona.name} · {persona.pattern}",
            markdown_description=profile_description(persona),
            default=persona.id == default,
            starters=[
                cl.Starter(label=_starter_label(line), message=line) for line in persona.starters
            ],
        )
        for persona in personas.values()
    ]


def _starter_label(line: str, limit: int = 60) -> str:
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def settings_widgets(settings: Settings, options: PracticeOptions) -> list[InputWidget]:
    """Difficulty, live feedback, resistance meter, and the model when there is a choice."""
    widgets: list[InputWidget] = [
        Select(
            id="difficulty",
            label="Difficulty",
            values=list(DIFFICULTIES),
            initial_value=options.difficulty,
            description="How resistant the manager starts and how fast trust is earned. "
            "Takes effect for a new session once you have started talking.",
        ),
        Switch(
            id="live_feedback",
            label="Live feedback",
            initial=options.live_feedback,
            description="A short note under each of your turns: what you did and one tip.",
        ),
        Switch(
            id="show_meter",
            label="Show resistance meter",
            initial=options.show_meter,
            description="The manager's resistance after each reply. Off = practise blind.",
        ),
    ]
    models = available_models(settings)
    if len(models) > 1:
        widgets.append(
            Select(
                id="model",
                label="Model",
                values=models,
                initial_value=options.model if options.model in models else models[0],
                description="Which model voices the manager.",
            )
        )
    return widgets


def options_from(values: dict[str, Any] | None, settings: Settings,
                 base: PracticeOptions | None = None) -> PracticeOptions:
    """Read chat-settings values, keeping `base` for anything missing or invalid."""
    base = base or PracticeOptions(model=settings.model)
    values = values or {}
    difficulty: Difficulty = base.difficulty
    if values.get("difficulty") in DIFFICULTIES:
        difficulty = values["difficulty"]
    models = available_models(settings)
    model = values.get("model") if values.get("model") in models else base.model
    return PracticeOptions(
        difficulty=difficulty,
        live_feedback=bool(values.get("live_feedback", base.live_feedback)),
        show_meter=bool(values.get("show_meter", base.show_meter)),
        model=model or settings.model,
    )
