"""`sparring annotate`: JSON lines in, one coded line (or error line) out per input."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sparring.cli.annotate import AnnotateInput, annotate, code_lines
from sparring.coding.codes import FLAGS, TurnCodes
from sparring.coding.judge import JudgeResult

Runner = Callable[..., tuple[Result, list[dict[str, Any]]]]
REQUIRED = {"id", "question", "reflection", "empathy", "goal_cocreation", "directive", "reasons", *FLAGS}


def llm_answer(**overrides: Any) -> str:
    data: dict[str, Any] = {"question": "open", "reflection": "complex", "reasons": {"question": "what"}}
    data.update({flag: False for flag in FLAGS})
    data.update(overrides)
    return json.dumps(data)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runner:
    """Run the command in an empty folder (no developer .env) with an optional fake-model script."""
    monkeypatch.chdir(tmp_path)

    def invoke(lines: list[str], *args: str, script: list[str] | None = None) -> tuple[Result, list[dict[str, Any]]]:
        if script is not None:
            path = tmp_path / "judge_script.txt"
            path.write_text("\n".join(script) + "\n", "utf-8")
            monkeypatch.setenv("SPARRING_FAKE_SCRIPT", str(path))
        result = CliRunner().invoke(annotate, list(args), input="\n".join(lines) + "\n")
        rows = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        return result, rows

    return invoke


def line(**fields: Any) -> str:
    return json.dumps(fields)


def test_rules_codes_each_line_in_order(run: Runner) -> None:
    result, rows = run(
        [
            line(id="a", text="What have you tried so far with the team?", context="They never listen."),
            line(id=2, text="You should delegate more.", context=None),
            line(id="c", text="Thanks for making the time."),
        ],
        "--judge",
        "rules",
    )
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in rows] == ["a", 2, "c"]
    for row in rows:
        assert set(row) >= REQUIRED
        assert "source" not in row
    assert rows[0]["question"] == "open"
    assert rows[1]["directive"] is True and rows[1]["reasons"]


def test_bad_lines_become_error_lines_and_the_rest_still_run(run: Runner) -> None:
    result, rows = run(
        [
            line(id=1, text="How is the week going?"),
            '{"id": 2, "text": "unterminated',
            line(id=3, text="What matters most here?", speaker="coach"),
            "",
            line(id=5, text=42),
            line(id=6, text="Where would you like to start?"),
        ],
    )
    assert result.exit_code == 1
    assert [r.get("id", r.get("line")) for r in rows] == [1, 2, 3, 5, 6]
    assert rows[1] == {"line": 2, "error": rows[1]["error"]} and "not valid JSON" in rows[1]["error"]
    assert rows[2]["line"] == 3 and "speaker" in rows[2]["error"] and "allowed: id, text, context" in rows[2]["error"]
    assert rows[3]["line"] == 5 and "'text'" in rows[3]["error"]
    assert rows[0]["question"] == "open" and rows[4]["question"] == "open"


def test_missing_text_is_an_error_line(run: Runner) -> None:
    result, rows = run([line(id=1, context="hi")])
    assert result.exit_code == 1
    assert rows == [{"line": 1, "error": rows[0]["error"]}] and "'text'" in rows[0]["error"]


def test_llm_judge_uses_the_model_and_records_source(run: Runner) -> None:
    result, rows = run(
        [line(id=i, text=f"So this reorg landed on you without warning ({i}).", context="Nobody asked me.") for i in range(5)],
        "--judge",
        "llm",
        "--model",
        "fake",
        script=[llm_answer(question=None, reflection="complex", empathy=True)],
    )
    assert result.exit_code == 0, result.output
    assert len(rows) == 5
    for row in rows:
        assert row["source"] == "llm" and row["reflection"] == "complex" and row["empathy"] is True
        assert set(row) >= REQUIRED


def test_llm_judge_falls_back_to_rules_per_line(run: Runner) -> None:
    result, rows = run(
        [line(id="x", text="What would make this useful for you?")],
        "--judge",
        "llm",
        "--model",
        "fake",
        "--attempts",
        "2",
        script=["I think it is an open question.", "still not json"],
    )
    assert result.exit_code == 0  # a fallback is not an input error
    (row,) = rows
    assert row["source"] == "rules" and "malformed" in row["error"]
    assert row["question"] == "open" and row["attempts"] == 2


def test_both_combines_llm_and_rules(run: Runner) -> None:
    result, rows = run(
        [line(id=1, text="You should just tell them to delegate.", context="My team is swamped.")],
        "--judge",
        "both",
        "--model",
        "fake",
        "--concurrency",
        "1",
        script=[llm_answer(question=None, reflection=None, empathy=True, directive=False)],
    )
    assert result.exit_code == 0, result.output
    (row,) = rows
    assert row["source"] == "combined"
    assert row["empathy"] is True  # from the LLM
    assert row["directive"] is True  # the rules' explicit "you should" is kept


class CountingJudge:
    """Stands in for LLMJudge to observe how many lines are in flight at once."""

    def __init__(self) -> None:
        self.active = 0
        self.peak = 0

    async def acode(self, text: str, context: str | None) -> JudgeResult:
        self.active += 1
        self.peak = max(self.peak, self.active)
        for _ in range(3):
            await asyncio.sleep(0)
        self.active -= 1
        return JudgeResult(codes=TurnCodes(question="open"), source="llm", attempts=1)


async def test_llm_lines_run_with_bounded_concurrency() -> None:
    judge = CountingJudge()
    items = [(n, AnnotateInput(id=n, text=f"line {n}")) for n in range(1, 11)]
    rows = await code_lines(items, judge, 3)  # type: ignore[arg-type]
    assert judge.peak == 3
    assert sorted(rows) == list(range(1, 11)) and all(rows[n]["id"] == n for n in rows)
