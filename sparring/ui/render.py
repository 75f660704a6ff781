"""What the coach sees besides the conversation: feedback notes, the meter, the debrief.

Text is built by pure functions (tested without a server); the Chainlit element
constructors here take only already-computed data.
"""

from __future__ import annotations

import json
import re
from typing import Any

import chainlit as cl

from sparring.coding.codes import TurnCodes
from sparring.debrief.feedback import summary_for, tip_for
from sparring.engine.transcript import Transcript

FEEDBACK_STEP = "Feedback"
METER_ELEMENT = "ResistanceMeter"


def feedback_note(codes: TurnCodes, *, judged: bool = False, judge_error: str | None = None) -> str:
    """Codes and one tip, compact enough to read between turns."""
    line = f"**{summary_for(codes)}** — {tip_for(codes)}"
    if judged:
        line += "\n\n_Checked by the evaluator model._"
    elif judge_error:
        line += "\n\n_Rules-based coding (the evaluator model was not available)._"
    return line


def arrow(before: float, after: float) -> str:
    b, a = round(before), round(after)
    return "▲" if a > b else "▼" if a < b else "■"


def meter_text(before: float, after: float) -> str:
    """e.g. "Resistance 7 → 6 ▼"; whole numbers, as people think about it."""
    return f"Resistance {round(before)} → {round(after)} {arrow(before, after)}"


def meter_props(before: float, after: float) -> dict[str, Any]:
    direction = {"▲": "up", "▼": "down", "■": "same"}[arrow(before, after)]
    return {
        "before": round(before),
        "after": round(after),
        "direction": direction,
        "label": meter_text(before, after),
    }


def meter_element(before: float, after: float) -> cl.CustomElement:
    """Rendered by `public/elements/ResistanceMeter.jsx` under the manager's reply."""
    return cl.CustomElement(name=METER_ELEMENT, props=meter_props(before, after), display="inline")


def export_basename(transcript: Transcript) -> str:
    stamp = transcript.started_at.strftime("%Y%m%d-%H%M")
    slug = re.sub(r"[^a-z0-9]+", "-", transcript.persona_id.lower()).strip("-")
    return f"sparring-{slug}-{stamp}"


def debrief_json(transcript: Transcript, debrief: Any) -> str:
    """The export a trainer or script reads: the full transcript with codes, plus the debrief."""
    payload: dict[str, Any] = {"transcript": transcript.model_dump(mode="json")}
    if hasattr(debrief, "model_dump"):
        payload["debrief"] = debrief.model_dump(mode="json")
    return json.dumps(payload, ensure_ascii=False, indent=2)


def debrief_elements(transcript: Transcript, debrief: Any) -> list[cl.Element]:
    """The resistance chart and the two exports, attached to the debrief message."""
    from sparring.debrief.chart import timeline_figure
    from sparring.debrief.report import transcript_markdown

    name = export_basename(transcript)
    markdown = transcript_markdown(transcript, debrief)
    return [
        cl.Plotly(name="Resistance over the session", figure=timeline_figure(transcript),
                  display="inline", size="large"),
        cl.File(name=f"{name}.md", content=markdown.encode("utf-8"), mime="text/markdown",
                display="inline"),
        cl.File(name=f"{name}.json", content=debrief_json(transcript, debrief).encode("utf-8"),
                mime="application/json", display="inline"),
    ]


def chat_markdown(markdown: str) -> str:
    """Demote headings two levels: a report's `#` title is too loud inside a chat bubble."""
    return re.sub(r"^(#{1,4}) ", lambda m: "#" * min(6, len(m.group(1)) + 2) + " ", markdown,
                  flags=re.MULTILINE)


def scenario_card(name: str, role: str, scenario: str, difficulty: str, start: float) -> str:
    """The brief shown above the manager's opening line."""
    return (
        f"**You are about to meet {name}**, {role}.\n\n{scenario.strip()}\n\n"
        f"_Difficulty: {difficulty}; starting resistance {round(start)}/10. "
        "Type `/end` or press **End session** for your debrief._"
    )
