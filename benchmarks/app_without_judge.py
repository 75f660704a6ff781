"""Sparring's web app with the LLM judge switched off: the reference for `bench_evaluator.py`.

With a non-embedded model the app always runs the judge beside each reply; this wraps
`app.py` unchanged except that `AppState.practice` gives every chat a practice without a judge.

    chainlit run benchmarks/app_without_judge.py --headless --host 127.0.0.1
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import app  # noqa: F401  - registers Sparring's Chainlit handlers
from sparring.engine.session import PracticeSession
from sparring.practice import Practice
from sparring.ui.state import AppState


def _without_judge(self: AppState, session: PracticeSession, model_spec: str) -> Practice:
    return Practice(session)


AppState.practice = _without_judge  # type: ignore[method-assign]
