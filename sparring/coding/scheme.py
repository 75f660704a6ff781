"""The coding scheme as data: one definition of every code and value.

About eight places spell the codes out (the `TurnCodes` model, the judge's JSON
contract, eval-suite checks, persona dynamics weights, feedback conditions, the
debrief's turn weights, the gold-set schema, the JSON schemas). They must all
name the same codes; `tests/test_scheme_agreement.py` checks each against this
module, so adding a behaviour fails loudly in every place that forgot it.
"""

from __future__ import annotations

#: Categorical codes and their values (a missing value means "none").
CATEGORIES: dict[str, tuple[str, ...]] = {
    "question": ("open", "closed"),
    "reflection": ("simple", "complex"),
}

#: Boolean codes, in the order reports show them: skills first, then pushing moves.
SKILLS: tuple[str, ...] = (
    "empathy", "affirmation", "goal_cocreation", "neutral_observation", "asking_permission", "autonomy",
)
PUSHING: tuple[str, ...] = ("directive", "arguing", "judging", "pulling_rank")
FLAGS: tuple[str, ...] = SKILLS + PUSHING

#: Every code a turn is labelled with: the categorical ones, then the flags.
CODES: tuple[str, ...] = (*CATEGORIES, *FLAGS)

#: Behaviours as the dynamics, feedback tips and debrief weigh them: each categorical
#: value becomes its own behaviour ("open_question", "complex_reflection").
BEHAVIOURS: tuple[str, ...] = (
    *(f"{value}_{code}" for code, values in CATEGORIES.items() for value in values),
    *FLAGS,
)
