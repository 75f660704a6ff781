"""Evaluator tier 2: what the LLM judge sends, how it reads answers, and how it falls back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from sparring.coding.codes import FLAGS, TurnCodes
from sparring.coding.judge import (
    JudgeOutput,
    LLMJudge,
    MalformedOutput,
    combine,
    judge_schema,
    make_judge,
    parse_output,
    response_kwargs,
)
from sparring.providers import FakeChatModel, ModelUnavailable
from sparring.settings import ROOT, Settings

SCHEME_MARKER = "Complex reflection: adds meaning or feeling the speaker did not say (SCHEME-TEST-7731)."
CONTEXT = "I've run this warehouse for twelve years. I don't need a coach."
TURN = "You've kept this place running through a lot, and now someone's questioning that."


class StubRules:
    """A tier-1 stand-in with a known answer, so fallbacks are recognisable."""

    def __init__(self, codes: TurnCodes) -> None:
        self.codes = codes
        self.seen: list[tuple[str, str | None]] = []

    def code(self, text: str, context: str | None) -> TurnCodes:
        self.seen.append((text, context))
        return self.codes


RULES_CODES = TurnCodes(question="closed", directive=True, reasons={"directive": "you should", "question": "?"})


def answer(**overrides: Any) -> str:
    data: dict[str, Any] = {"question": None, "reflection": "complex", "reasons": {"reflection": "now someone's questioning that"}}
    data.update({flag: False for flag in FLAGS})
    data["empathy"] = True
    data.update(overrides)
    return json.dumps(data)


@pytest.fixture
def prompts(tmp_path: Path, settings: Settings) -> Settings:
    """Our prompt files plus a coding scheme with a marker line, in a temporary folder."""
    folder = tmp_path / "prompts"
    folder.mkdir()
    for name in ("judge_rubric.md", "judge_turn.md", "judge_retry.md"):
        shutil.copy(ROOT / "prompts" / name, folder / name)
    (folder / "coding_scheme.md").write_text(
        f"---\ndescription: test scheme\nvariables: []\n---\n# Codes\n{SCHEME_MARKER}\n", "utf-8"
    )
    return settings.model_copy(update={"prompts_dir": folder})


def judge_with(responses: list[str | BaseException], settings: Settings, **kwargs: Any) -> tuple[LLMJudge, FakeChatModel, StubRules]:
    model = FakeChatModel(responses=responses)
    rules = StubRules(RULES_CODES)
    return LLMJudge(model, settings, rules, **kwargs), model, rules


async def test_prompt_sent_holds_scheme_turn_and_context(prompts: Settings) -> None:
    judge, model, _ = judge_with([answer()], prompts)
    await judge.acode(TURN, CONTEXT)
    assert len(model.calls) == 1
    system, human = model.calls[0]
    assert isinstance(system, SystemMessage) and isinstance(human, HumanMessage)
    assert SCHEME_MARKER in str(system.content)
    for flag in FLAGS:
        assert f'"{flag}"' in str(system.content)
    assert TURN in str(human.content)
    assert CONTEXT in str(human.content)


async def test_first_turn_without_context_says_so(prompts: Settings) -> None:
    judge, model, _ = judge_with([answer()], prompts)
    await judge.acode("What brings you here?", None)
    assert "first line" in str(model.calls[0][1].content)


async def test_valid_answer_in_fences_and_chatter_is_used_and_combined(prompts: Settings) -> None:
    judge, _, _ = judge_with([f"Sure! Here is the coding:\n```json\n{answer()}\n```\nHope it helps."], prompts)
    result = await judge.acode(TURN, CONTEXT)
    assert result.source == "combined"
    assert result.attempts == 1 and result.error is None
    assert result.codes.reflection == "complex" and result.codes.empathy
    # the rules' explicit directive is high precision and survives; their question stands as the LLM gave none
    assert result.codes.directive and result.codes.question == "closed"
    assert result.llm_codes is not None and not result.llm_codes.directive


async def test_llm_mode_reports_the_llm_coding_alone(prompts: Settings) -> None:
    judge, _, _ = judge_with([answer()], prompts, mode="llm")
    result = await judge.acode(TURN, CONTEXT)
    assert result.source == "llm"
    assert result.codes.question is None and not result.codes.directive


async def test_malformed_answer_is_retried_with_the_error_then_used(prompts: Settings) -> None:
    judge, model, _ = judge_with(["reflection: complex, empathy: yes", answer()], prompts)
    result = await judge.acode(TURN, CONTEXT)
    assert result.source == "combined" and result.attempts == 2
    retry = model.calls[1]
    assert isinstance(retry[-2], AIMessage) and retry[-2].content == "reflection: complex, empathy: yes"
    assert "no JSON object found" in str(retry[-1].content)


async def test_malformed_twice_falls_back_to_rules(prompts: Settings) -> None:
    judge, model, rules = judge_with(["not json", '{"question": "open",'], prompts)
    result = await judge.acode(TURN, CONTEXT)
    assert len(model.calls) == 2
    assert result.source == "rules" and result.codes == RULES_CODES
    assert result.error is not None and "invalid JSON" in result.error
    assert rules.seen == [(TURN, CONTEXT)]


async def test_attempts_are_configurable(prompts: Settings) -> None:
    judge, model, _ = judge_with(["nope"], prompts, attempts=3)
    result = await judge.acode(TURN, CONTEXT)
    assert len(model.calls) == 3 and result.attempts == 3 and result.source == "rules"


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (answer(confidence=0.9), "confidence"),
        (answer(empathy="yes"), "empathy"),
        (answer(question="rhetorical"), "question"),
        (answer(reasons=["a"]), "reasons"),
        (answer(reasons={"open_question": "what"}), "open_question"),
        (answer(**dict.fromkeys(FLAGS, True)), f"{len(FLAGS)} flags are true"),
        (json.dumps({"question": "open"}), "reflection"),
    ],
)
async def test_schema_violations_are_rejected_and_retried(prompts: Settings, bad: str, expected: str) -> None:
    judge, model, _ = judge_with([bad, answer()], prompts)
    result = await judge.acode(TURN, CONTEXT)
    assert result.attempts == 2 and result.source == "combined"
    assert expected in str(model.calls[1][-1].content)
    with pytest.raises(MalformedOutput, match=expected):
        parse_output(bad)


async def test_model_failure_falls_back_without_raising(prompts: Settings) -> None:
    judge, model, _ = judge_with([ModelUnavailable("The model endpoint timed out.")], prompts)
    result = await judge.acode(TURN, CONTEXT)
    assert result.source == "rules" and result.codes == RULES_CODES
    assert result.error is not None and "timed out" in result.error
    assert len(model.calls) == 1  # a dead endpoint is not hammered


async def test_provider_exception_is_translated_and_recorded(prompts: Settings) -> None:
    judge, _, _ = judge_with([TimeoutError("read timed out")], prompts)
    result = await judge.acode(TURN, CONTEXT)
    assert result.source == "rules" and "read timed out" in (result.error or "")


async def test_fake_gets_no_response_format(prompts: Settings) -> None:
    judge, model, _ = judge_with([answer()], prompts)
    await judge.acode(TURN, CONTEXT)
    assert "response_format" not in model.call_kwargs[0]


def test_local_model_is_sent_the_json_schema() -> None:
    from sparring.providers.local import LocalChatModel

    local = LocalChatModel.model_construct(max_tokens=300, temperature=0.0, seed=7)
    kwargs = response_kwargs(local)
    assert kwargs == {"response_format": {"type": "json_object", "schema": judge_schema()}}
    schema = kwargs["response_format"]["schema"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"question", "reflection", *FLAGS}


def test_hosted_model_gets_plain_json_mode() -> None:
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    hosted = ChatOpenAI(model="gpt-4o-mini", api_key=SecretStr("sk-test"), base_url="http://127.0.0.1:9/v1")
    assert response_kwargs(hosted) == {"response_format": {"type": "json_object"}}
    assert response_kwargs(FakeChatModel()) == {}


def test_make_judge_prefers_the_judge_model(settings: Settings) -> None:
    configured = settings.model_copy(update={"model": "openai:needs-a-key", "judge_model": "fake"})
    judge = make_judge(configured, StubRules(RULES_CODES))
    assert isinstance(judge.model, FakeChatModel)


def test_combine_rule() -> None:
    rules = TurnCodes(
        question="open",
        reflection="simple",
        directive=True,
        judging=True,
        reasons={"question": "what", "reflection": "so you", "directive": "you should", "judging": "defensive"},
    )
    llm = TurnCodes(
        question=None,
        reflection="complex",
        empathy=True,
        directive=False,
        judging=False,
        reasons={"reflection": "nobody asked you", "empathy": "a lot on you", "judging": "-"},
    )
    merged = combine(rules, llm)
    assert merged.question == "open"  # the LLM gave no question code: the rules' stands
    assert merged.reflection == "complex"  # the LLM's type wins
    assert merged.empathy  # LLM-only flag
    assert merged.directive  # high-precision rules flag kept
    assert not merged.judging  # low-precision rules flag overruled
    assert merged.reasons == {
        "question": "what",
        "reflection": "nobody asked you",
        "empathy": "a lot on you",
        "directive": "you should",
    }


def test_judge_output_is_strict() -> None:
    data = json.loads(answer())
    assert JudgeOutput.model_validate(data).to_codes().reflection == "complex"
    with pytest.raises(ValueError):
        JudgeOutput.model_validate({**data, "directive": 1})


async def test_real_rubric_renders_with_the_repository_scheme(settings: Settings) -> None:
    scheme = ROOT / "prompts" / "coding_scheme.md"
    judge, model, _ = judge_with([answer()], settings)
    await judge.acode(TURN, CONTEXT)
    body = scheme.read_text("utf-8").split("\n---\n", 1)[1].strip()
    sent = str(model.calls[0][0].content)
    for line in body.splitlines():
        assert line.strip() in sent


async def test_missing_prompt_file_falls_back_with_the_file_named(prompts: Settings) -> None:
    (prompts.prompts_dir / "coding_scheme.md").unlink()
    judge, model, _ = judge_with([answer()], prompts)
    result = await judge.acode(TURN, CONTEXT)
    assert result.source == "rules" and result.codes == RULES_CODES
    assert "coding_scheme.md" in (result.error or "") and model.calls == []


def test_long_reason_quotes_are_shortened_not_rejected() -> None:
    parsed = parse_output(answer(reasons={"reflection": "x" * 500}))
    assert parsed.reasons.reflection is not None and len(parsed.reasons.reflection) == 80
    assert judge_schema()["$defs"]["JudgeReasons"]["properties"]["reflection"]["anyOf"][0]["maxLength"] == 80


async def test_explicit_bind_overrides_the_detected_json_mode(prompts: Settings) -> None:
    kwargs = {"response_format": {"type": "json_object"}}
    judge, model, _ = judge_with([answer()], prompts, bind=kwargs)
    await judge.acode(TURN, CONTEXT)
    assert model.call_kwargs[0]["response_format"] == {"type": "json_object"}
