"""One practice, whichever front end drives it (web app, `sparring chat`, `simulate`, the
eval runner): the engine session plus the judge, warm-up, saving, rewind and the debrief."""

from sparring.practice.service import Judged, Practice, PracticeEvent
from sparring.practice.setup import JudgePlan, judge_plan

__all__ = ["JudgePlan", "Judged", "Practice", "PracticeEvent", "judge_plan"]
