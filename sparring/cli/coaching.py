"""What `sparring chat` adds around the engine: the LLM judge beside each turn, going back a
turn (`/undo`), and the same debrief the browser shows (`/end`, `--debrief-out`).

The judge runs only where the model's profile says its codes are worth having (not on the
embedded model, whose codes the rules beat), exactly as in the web app.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sparring.engine.session import PracticeSession
    from sparring.evaluation.debrief import Debrief
    from sparring.evaluation.judge import LLMJudge


@dataclass
class Coaching:
    """One terminal practice and its judge, if any (the judge's codes go on each turn record)."""

    session: PracticeSession
    judge: LLMJudge | None = None

    @classmethod
    def around(cls, session: PracticeSession) -> Coaching:
        from sparring.evaluation.judge import llm_tier_enabled, make_judge

        settings = session.settings
        return cls(session, make_judge(settings) if llm_tier_enabled(settings) else None)

    async def judge_turn(self) -> str | None:
        """Code the newest turn with the judge; returns its code summary when it differs."""
        turns = self.session.transcript.turns
        if self.judge is None or not turns:
            return None
        turn = turns[-1]
        context = turns[-2].manager if len(turns) > 1 else self.session.transcript.opening
        try:
            result = await self.judge.acode(turn.coach, context)
        except Exception:  # advisory: the rules' codes stand
            return None
        if result.source == "rules" or result.codes == turn.codes:
            return None
        turn.judged = result.codes
        from sparring.evaluation.feedback import summary_for
        from sparring.evaluation.texts import load_feedback_tips

        return summary_for(result.codes, load_feedback_tips(self.session.settings.prompts_dir))

    def undo(self) -> str:
        """Take back the newest turn; returns what to tell the coach."""
        turns = self.session.transcript.turns
        if not turns:
            return "Nothing to take back yet."
        last = turns[-1].index
        self.session.rewind(last)
        return f"Took back turn {last}. {self.session.persona.name} is where they were before it: say it another way."

    async def debrief(self) -> Debrief:
        from sparring.evaluation.debrief import build_debrief, build_debrief_llm

        transcript = self.session.transcript.best_coded()
        if self.judge is not None:
            return await build_debrief_llm(transcript, self.judge.model, self.session.settings)
        return build_debrief(transcript)


def write_debrief(path: Path, markdown: str) -> None:
    """Write the debrief; a file that cannot be written is an error the coach can act on."""
    from sparring.errors import UserError

    try:
        path.write_text(markdown, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"Could not write the debrief to {path}: {exc.strerror}. Choose another path.") from exc
