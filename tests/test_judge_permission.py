"""The LLM judge's codes go through the same permission rule as the first tier's: advice the
manager has just said yes to is not unasked advice, in the live note or in the debrief."""

from __future__ import annotations

import json
from typing import Any

from sparring.coding.codes import FLAGS
from sparring.coding.judge import LLMJudge
from sparring.engine.session import PracticeSession
from sparring.persona.loader import load_personas
from sparring.persona.model import Move
from sparring.practice.service import Judged, Practice
from sparring.providers import FakeChatModel
from sparring.settings import Settings

ASK = "Can I offer a thought about where the time goes?"
ADVICE = "Block out Friday mornings for the report and let your leads handle the first escalations."


def coded(**codes: Any) -> str:
    data: dict[str, Any] = {"question": None, "reflection": None, "reasons": {}}
    data.update({flag: False for flag in FLAGS})
    data.update(codes)
    return json.dumps(data)


async def play(settings: Settings, difficulty: str) -> tuple[Practice, list[Judged]]:
    persona = load_personas(settings.personas_dir)["sceptic"]
    judge_model = FakeChatModel(responses=[
        coded(question="closed", asking_permission=True, goal_cocreation=True,
              reasons={"asking_permission": "Can I offer a thought"}),
        coded(directive=True, reasons={"directive": "Block out Friday mornings"}),
    ])
    session = PracticeSession(persona, difficulty, FakeChatModel(), settings, seed=3)  # type: ignore[arg-type]
    seen: list[Judged] = []

    async def on_judged(j: Judged) -> None:
        seen.append(j)

    practice = Practice(session, judge=LLMJudge(judge_model, settings, mode="llm"), on_judged=on_judged)
    await practice.reply(ASK)
    await practice.reply(ADVICE)
    return practice, seen


async def test_advice_after_a_yes_is_not_directive_in_the_judges_codes_either(settings: Settings) -> None:
    practice, _ = await play(settings, "realistic")
    ask, advice = practice.transcript.turns
    assert ask.move is Move.GRANT_PERMISSION
    assert advice.judged is not None and not advice.judged.directive
    assert "directive" not in advice.judged.reasons
    debrief = await practice.debrief()  # built from the judge's codes where it ran
    assert debrief.metrics.pushing_turns == 0 and debrief.metrics.permission_asks == 1


async def test_after_a_no_the_judges_directive_stands(settings: Settings) -> None:
    practice, _ = await play(settings, "hard")
    ask, advice = practice.transcript.turns
    assert ask.move is Move.DECLINE_PERMISSION
    assert advice.judged is not None and advice.judged.directive
    assert (await practice.debrief()).metrics.pushing_turns == 1
