"""Evaluator wording as data: live tips and debrief templates live in `prompts/*.yaml`.

Trainers tune the wording without touching code, so the files are validated
strictly and a mistake names the file and the field to fix.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sparring.errors import UserError
from sparring.settings import ROOT

DEFAULT_PROMPTS_DIR = ROOT / "prompts"

#: Codes a turn can show, as named in tips and labels.
TurnCondition = Literal[
    "pulling_rank",
    "judging",
    "arguing",
    "directive",
    "closed_question",
    "open_question",
    "simple_reflection",
    "complex_reflection",
    "empathy",
    "affirmation",
    "goal_cocreation",
    "neutral_observation",
    "asking_permission",
    "autonomy",
]
Weakness = Literal["pulling_rank", "judging", "arguing", "directive", "closed_question", "default"]
#: Session-level conditions a practice item can depend on (see `debrief.practice_conditions`).
PracticeCondition = Literal[
    "rank_turns",
    "judging_or_arguing",
    "directive_turns",
    "low_open_questions",
    "low_reflection_ratio",
    "no_goal",
    "no_empathy",
    "low_complex_reflections",
    "resistance_rose",
    "always",
]


class TextFileError(UserError):
    """A tips or templates file is missing or invalid."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tip(Strict):
    when: TurnCondition | Literal["default"]
    text: str = Field(min_length=1)


class FeedbackTips(Strict):
    labels: dict[TurnCondition | Literal["none"], str]
    tips: list[Tip] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> FeedbackTips:
        missing = sorted(set(get_args(TurnCondition)) - set(self.labels))
        if missing:
            raise ValueError(f"labels needs an entry for: {', '.join(missing)}")
        if self.tips[-1].when != "default":
            raise ValueError("the last tip must have `when: default`, so every turn gets one")
        return self


class PracticeItem(Strict):
    when: PracticeCondition
    text: str = Field(min_length=1)


class DebriefTexts(Strict):
    alternatives: dict[Weakness, str]
    practice: list[PracticeItem]

    @model_validator(mode="after")
    def _complete(self) -> DebriefTexts:
        missing = sorted(set(get_args(Weakness)) - set(self.alternatives))
        if missing:
            raise ValueError(f"alternatives needs an entry for: {', '.join(missing)}")
        if sum(1 for item in self.practice if item.when == "always") < 3:
            raise ValueError("practice needs at least three `when: always` items, so a debrief always has three")
        return self


M = TypeVar("M", bound=BaseModel)


def _load(path: Path, model: type[M]) -> M:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise TextFileError(f"{path}: cannot read ({exc.strerror}); restore it from the repository") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise TextFileError(f"{path}{where}: not valid YAML: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        # drop pydantic's union tags such as "literal['a','b']": the message lists the choices
        field = ".".join(str(p) for p in first["loc"] if "[" not in str(p)) or "(top level)"
        raise TextFileError(f"{path}: field '{field}': {first['msg']}") from exc


def _mtime(path: Path) -> float:
    if not path.is_file():
        raise TextFileError(f"{path}: file not found; restore it from the repository")
    return path.stat().st_mtime


@lru_cache(maxsize=8)
def _tips(path: Path, mtime: float) -> FeedbackTips:
    return _load(path, FeedbackTips)


@lru_cache(maxsize=8)
def _debrief(path: Path, mtime: float) -> DebriefTexts:
    return _load(path, DebriefTexts)


def load_feedback_tips(prompts_dir: Path = DEFAULT_PROMPTS_DIR) -> FeedbackTips:
    """`prompts_dir/feedback_tips.yaml`, cached until the file changes."""
    path = prompts_dir / "feedback_tips.yaml"
    return _tips(path, _mtime(path))


def load_debrief_texts(prompts_dir: Path = DEFAULT_PROMPTS_DIR) -> DebriefTexts:
    """`prompts_dir/debrief_templates.yaml`, cached until the file changes."""
    path = prompts_dir / "debrief_templates.yaml"
    return _debrief(path, _mtime(path))
