"""`llm-rubric` checks: a judge model grades a reply or a conversation against plain words.

Only a capable model can grade meaning, so a rubric is skipped (with a note
saying how to enable it) when the judge would be `fake` or the embedded
`local` model; a skip never fails a suite. A judge that cannot be reached
makes the case an error, like any other model failure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from sparring.prompts import load_prompt
from sparring.providers import ModelError, translate
from sparring.providers.profile import profile_for
from sparring.settings import Settings
from sparring.suites.assertions import Grader

_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class GradingError(ModelError):
    """The judge answered, but not with a usable grade."""


def skip_note(spec: str) -> str:
    return (f"llm-rubric skipped: the judge model is '{spec}', which cannot grade meaning; "
            "pass --judge-model openai:<model> (or set SPARRING_JUDGE_MODEL) to grade it")


def parse_grade(answer: str) -> tuple[float, str]:
    found = _OBJECT.search(answer)
    if not found:
        raise GradingError(f"the judge's answer has no JSON object: {answer[:120]!r}")
    try:
        data = json.loads(found.group(0))
    except json.JSONDecodeError as exc:
        raise GradingError(f"the judge's answer is not valid JSON ({exc.msg})") from exc
    score = data.get("score") if isinstance(data, dict) else None
    if isinstance(score, bool) or not isinstance(score, int | float):
        passed = data.get("pass") if isinstance(data, dict) else None
        if not isinstance(passed, bool):
            raise GradingError("the judge's answer has neither a numeric 'score' nor a true/false 'pass'")
        score = 1.0 if passed else 0.0
    reason = str(data.get("reason", "")) if isinstance(data, dict) else ""
    return max(0.0, min(1.0, float(score))), reason


def make_grader(spec: str, settings: Settings, factory: Callable[[str], BaseChatModel]) -> Grader | None:
    """A grader on `spec`, or None when that model is too weak to grade (see `skip_note`)."""
    if not profile_for(spec).grades:
        return None
    model = factory(spec)
    template = load_prompt(settings.prompts_dir, "eval_rubric")

    async def grade(rubric: str, text: str) -> tuple[float, str]:
        prompt = template.render(rubric=rubric, text=text)
        try:
            answer = await model.ainvoke([HumanMessage(content=prompt)])
        except ModelError:
            raise
        except Exception as exc:
            error = translate(exc)
            if error is None:
                raise
            raise error from exc
        return parse_grade(str(answer.content))

    return grade
