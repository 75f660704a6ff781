"""Candidate line-bank lines from a strong model, for a trainer to accept or bin.

Writing ten lines a move for a new persona is the real cost of the line bank
(docs/PERSONAS.md). A hosted model drafts quickly but not reliably in voice, so
drafts go to a review file, never into the persona: each candidate is run through
the same reply guards the engine uses and marked with any failure, and the trainer
copies the good ones into `lines:` by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from sparring.engine import guards
from sparring.persona.model import CORE_MOVES, Move, Persona
from sparring.prompts import load_prompt
from sparring.settings import Settings

#: What each move means, in the words the drafting prompt uses.
MEANINGS: dict[Move, str] = {
    Move.DEFLECT: "dodge the coach's point: change the subject or give a vague or curt answer.",
    Move.CHALLENGE_LEGITIMACY: "question why this coaching is happening or whether the coach is qualified.",
    Move.VENT: "let off steam about the pressure they are under, without asking for help.",
    Move.YES_BUT: "agree with a small part of a suggestion, then say why it will not work (use 'but').",
    Move.PARTIAL_ADMISSION: "admit, reluctantly, a small point about their own part, without their deepest worry.",
    Move.REVEAL_CONCERN: "finally say what is really worrying them.",
    Move.PROPOSE_GOAL: "suggest, cautiously, one thing they might want to work on.",
    Move.AGREE_NEXT_STEP: "agree one concrete small action with a day or time.",
    Move.ANSWER: "answer a question plainly with a fact or two from their work, neither resisting nor conceding.",
    Move.COMPLY: "give in on the surface to end the pressure, grudgingly and vaguely ('Fine. I'll put it on the list.'), without warmth and without a concrete plan.",
    Move.END_CONVERSATION: "have had enough and end the meeting politely but firmly.",
    Move.GRANT_PERMISSION: "say yes to hearing the coach's idea, briefly and without enthusiasm; do not give an idea yourself.",
    Move.DECLINE_PERMISSION: "say no to hearing the coach's idea or advice, briefly; give no reason beyond a few words.",
}
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")


def parse_lines(text: str) -> list[str]:
    """One candidate per non-empty line, bullets, numbers and wrapping quotes removed."""
    out = []
    for raw in text.splitlines():
        line = _BULLET.sub("", raw).strip().strip("\"“”'")
        if line:
            out.append(line)
    return out


async def draft(persona: Persona, model: BaseChatModel, settings: Settings, moves: list[Move], count: int) -> dict[str, list[dict[str, object]]]:
    """Candidates per move, each with the guard verdict: {"text", "ok", "failures"}."""
    names = (persona.name, *persona.name.split())
    result: dict[str, list[dict[str, object]]] = {}
    for move in moves:
        existing = [line.text for line in persona.bank(move)]
        prompt = load_prompt(settings.prompts_dir, "manager_draft_lines").render(
            persona=persona, move=move.value, meaning=MEANINGS[move], existing=existing, count=count
        )
        reply = await model.ainvoke([HumanMessage(content=prompt)])
        ctx = guards.GuardContext(speaker_names=names, move=move.value, world=guards.world_words(prompt))
        rows: list[dict[str, object]] = []
        for text in parse_lines(str(reply.content)):
            if text in existing:
                continue
            verdict = guards.check(text, ctx)
            rows.append({"text": verdict.text or text, "ok": verdict.ok, "failures": verdict.failures})
        result[move.value] = rows
    return result


def write_review(path: Path, persona: Persona, spec: str, drafts: dict[str, list[dict[str, object]]]) -> None:
    """A YAML review file a trainer reads and copies from; it is never loaded as a persona."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Draft lines for {persona.id} from {spec}. Review each one: keep only lines that sound like\n"
        f"# {persona.name} in this organisation, then copy them under `lines:` in personas/{persona.id}.yaml.\n"
        "# Lines with ok: false failed the reply guards (see failures) and would never be shown.\n"
    )
    path.write_text(header + yaml.safe_dump({"persona": persona.id, "drafts": drafts}, sort_keys=False, allow_unicode=True, width=110), "utf-8")


def parse_moves(values: tuple[str, ...]) -> list[Move]:
    """The moves asked for (all core moves when none are given)."""
    return [Move(v) for v in values] if values else list(CORE_MOVES)
