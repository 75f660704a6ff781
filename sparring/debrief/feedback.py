"""Live feedback: one actionable line and a compact code list under each coach turn.

A coach mid-conversation reads one line at most, so only the most important
tip is shown: pushing moves (rank, judging, arguing, advice) come first because
they cost the most trust. The wording is data (`prompts/feedback_tips.yaml`).
"""

from __future__ import annotations

from sparring.coding.codes import FLAGS, TurnCodes
from sparring.debrief.texts import FeedbackTips, load_feedback_tips

SEPARATOR = " · "


def present_codes(codes: TurnCodes) -> list[str]:
    """Condition names present in a turn, in the order reports show them."""
    present: list[str] = []
    if codes.question is not None:
        present.append(f"{codes.question}_question")
    if codes.reflection is not None:
        present.append(f"{codes.reflection}_reflection")
    present.extend(flag for flag in FLAGS if getattr(codes, flag))
    return present


def tip_for(codes: TurnCodes, tips: FeedbackTips | None = None) -> str:
    """The first tip in the file whose code the turn shows (the last tip is the default)."""
    tips = tips or load_feedback_tips()
    present = set(present_codes(codes))
    for tip in tips.tips:
        if tip.when == "default" or tip.when in present:
            return tip.text
    return tips.tips[-1].text  # unreachable: the file is validated to end with a default


def summary_for(codes: TurnCodes, tips: FeedbackTips | None = None) -> str:
    """e.g. "open question · complex reflection · empathy"."""
    tips = tips or load_feedback_tips()
    names = present_codes(codes)
    if not names:
        return tips.labels["none"]
    return SEPARATOR.join(tips.labels[name] for name in names)  # type: ignore[index]
