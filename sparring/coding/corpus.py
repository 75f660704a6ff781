"""Labelled coach turns for fitting and measuring the learned coder, in one shape.

Two sources, neither needed at run time:

- the AnnoMI training split in `../shared/data/annomi-train/` (expert MI codes of
  counsellor turns; its text stays outside the repository), mapped onto this
  project's scheme by `annomi_labels`;
- `evals/data/gold.jsonl`, the workplace turns; only its `dev` split is ever used
  for fitting, its `test` split only for measuring.

AnnoMI carries no labels for empathy, affirmation or the workplace power moves,
so those are `None` (unknown) there and the heads for them learn from the gold set
or stay with the rules.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "evals" / "data" / "gold.jsonl"
ANNOMI = ROOT.parent / "shared" / "data" / "annomi-train"

#: AnnoMI `therapist_input` values and the flag each becomes. Advice is MITI "Persuade":
#: a suggestion or instruction, so `directive`. Negotiation (setting agenda or goals
#: together) and options (offering a menu to choose from) are `goal_cocreation`.
#: Information is neither: giving facts is not pushing in MITI 4.2.
THERAPIST_INPUT = {"advice": "directive", "negotiation": "goal_cocreation", "options": "goal_cocreation"}


@dataclass(frozen=True)
class Example:
    """One coach (or counsellor) turn with the labels known for it; None means unknown."""

    id: str
    text: str
    context: str | None
    group: str
    source: str  # "annomi" or "gold"
    labels: dict[str, Any]
    quality: str | None = None  # AnnoMI mi_quality
    meta: dict[str, Any] = field(default_factory=dict)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def annomi_labels(raw: dict[str, Any]) -> dict[str, Any]:
    """AnnoMI codes in this project's terms; codes AnnoMI does not annotate are None."""
    given = THERAPIST_INPUT.get(raw.get("therapist_input") or "")
    return {
        "question": raw.get("question"),
        "reflection": raw.get("reflection"),
        "directive": given == "directive",
        "goal_cocreation": given == "goal_cocreation",
        "empathy": None,
        "affirmation": None,
        "neutral_observation": None,
        "arguing": None,
        "judging": None,
        "pulling_rank": None,
    }


def load_annomi(folder: Path = ANNOMI) -> list[Example]:
    """The counsellor turns, grouped by transcript so cross-validation never splits a conversation."""
    out = []
    for line in (folder / "therapist_turns.jsonl").read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        out.append(Example(
            id=row["id"], text=row["text"], context=row["context"], group="annomi:" + row["transcript_id"],
            source="annomi", labels=annomi_labels(row["labels"]), quality=row["mi_quality"],
        ))
    return out


def load_gold(split: str, path: Path = GOLD) -> list[Example]:
    """Gold rows of one split. Rows answering the same manager line form one group (one conversation
    moment written many ways); opening lines with no context are their own group."""
    out = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row["split"] != split:
            continue
        group = "gold:" + (row["context"] or row["id"])
        out.append(Example(row["id"], row["text"], row["context"], group, "gold", dict(row["labels"])))
    return out


def load_sessions(folder: Path = ANNOMI) -> list[dict[str, Any]]:
    """Whole AnnoMI conversations in order, both speakers, for the session-level check."""
    data: list[dict[str, Any]] = json.loads((folder / "sessions.json").read_text("utf-8"))
    return data


def data_hashes(folder: Path = ANNOMI, gold: Path = GOLD) -> dict[str, str]:
    """sha256 of every input file, printed and stored with the weights so a refit is traceable."""
    return {
        "annomi/therapist_turns.jsonl": sha256_file(folder / "therapist_turns.jsonl"),
        "evals/data/gold.jsonl": sha256_file(gold),
    }
