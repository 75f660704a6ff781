"""One small persona for engine tests, with the concerns each test file needs in its order."""

from __future__ import annotations

from sparring.persona.model import Move, Persona


def build_persona(*concerns: tuple[str, str, float]) -> Persona:
    """Pat Tester; `concerns` are (id, text, reveal_below), in the order the file lists them."""
    lines = {m: [f"{m.value} line one.", f"{m.value} line two."] for m in Move}
    return Persona.model_validate(
        {
            "id": "tester",
            "name": "Pat Tester",
            "role": "Head of Testing",
            "organisation": "Acme Logistics.",
            "scenario": "A first session.",
            "pattern": "the tester",
            "backstory": "Twenty years in testing.",
            "voice": {"style": "Blunt."},
            "resistance_style": "Blunt refusals.",
            "starting_resistance": {"easy": 5, "realistic": 7, "hard": 9},
            "triggers": {"raises": ["advice"], "lowers": ["curiosity"]},
            "concerns": [{"id": i, "text": t, "reveal_below": r} for i, t, r in concerns],
            "power": {"requested_by": "HR", "seniority": "senior"},
            "opening_line": "What do you want?",
            "example_lines": lines,
        }
    )
