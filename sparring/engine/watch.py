"""What the guards need to know about one persona, worked out once per session.

The guards check every reply against the persona: concern phrases it may not say yet,
the words of its world, its own name, and the private part of the turn note. Only the
turn's decision and the coach's line change from turn to turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparring.engine import guards
from sparring.engine.policy import Decision
from sparring.engine.transcript import ManagerState, Transcript
from sparring.persona.model import Move, Persona


def public_text(persona: Persona, system_prompt: str) -> str:
    """What the persona says openly anyway; phrases from here never count as a leak."""
    lines = [
        line
        for move, examples in persona.example_lines.items()
        if move is not Move.REVEAL_CONCERN
        for line in examples
    ]
    bank = [
        line.text
        for move, entries in persona.lines.items()
        if move is not Move.REVEAL_CONCERN
        for line in entries
        if line.concern is None
    ]
    return "\n".join([system_prompt, persona.opening_line, *lines, *bank])


def private_part(note: str, decision: Decision) -> str:
    """The turn note minus what the manager may say aloud (concerns, the example line)."""
    body = note.rsplit("\nExample:", 1)[0]
    body = "\n".join(ln for ln in body.split("\n") if not ln.startswith("Another thing you might say:"))
    for concern in decision.allowed:
        body = body.replace(concern.text, " ")
    return body


@dataclass(frozen=True)
class PersonaWatch:
    """The persona's concern keys, world words and names, for building each turn's `GuardContext`."""

    concern_keys: tuple[guards.ConcernKey, ...]
    world: frozenset[str]
    names: tuple[str, ...]

    @classmethod
    def of(cls, persona: Persona, system_prompt: str) -> PersonaWatch:
        return cls(
            concern_keys=tuple(guards.concern_keys(persona.concerns, public_text(persona, system_prompt))),
            world=frozenset(guards.world_words(system_prompt, *(c.text for c in persona.concerns))),
            names=tuple(n for n in (persona.name, *persona.name.split()) if n),
        )

    def context(self, coach_text: str, decision: Decision, before: ManagerState, note: str,
                transcript: Transcript) -> guards.GuardContext:
        visible = {c.id for c in decision.allowed} | set(before.revealed)
        return guards.GuardContext(
            coach_text=coach_text,
            speaker_names=self.names,
            forbidden=tuple(k for k in self.concern_keys if k.id not in visible),
            previous=tuple(t.manager for t in transcript.turns if not t.fallback),
            note=private_part(note, decision),
            must_mention=next(
                (k for k in self.concern_keys if decision.reveal and k.id == decision.reveal.id), None
            ),
            move=decision.move.value,
            world=self.world,
        )
