"""What `sparring chat` needs around the practice service: a practice whose background work
runs in a thread (the terminal's event loop sleeps while the coach types), and writing the
debrief to a file.

The judge runs exactly where it runs in the web app (`sparring.practice.judge_plan`): not on
the embedded model, whose codes the rules beat.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sparring.engine.session import PracticeSession
    from sparring.practice import Practice


def in_thread(make: Callable[[], Coroutine[Any, Any, Any]]) -> None:
    """Run background work (the warm-up) while the terminal waits for the coach's line."""
    threading.Thread(target=lambda: asyncio.run(make()), daemon=True).start()


def terminal_practice(session: PracticeSession) -> Practice:
    """The practice around a terminal session, with the judge its model's profile calls for."""
    from sparring.coding.judge import make_judge
    from sparring.practice import Practice, judge_plan

    settings = session.settings
    plan = judge_plan(settings)
    judge = make_judge(settings.with_model(plan.spec)) if plan.enabled else None
    return Practice(session, judge=judge, judge_waits_for_reply=plan.waits_for_reply,
                    background=in_thread)


def write_output(path: Path, text: str, what: str) -> None:
    """Write the debrief or transcript; a file that cannot be written is an error the coach
    can act on."""
    from sparring.errors import UserError

    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"Could not write the {what} to {path}: {exc.strerror}. Choose another path.") from exc
