"""The runner behind `sparring eval`: the disk cache at the model seam, llm-rubric grading,
simulated coaches, annotation suites, and debrief checks. The LLM is faked with FakeChatModel."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage

from sparring.engine.transcript import ManagerState
from sparring.providers import FakeChatModel
from sparring.settings import ROOT, Settings
from sparring.suites.cache import CachingChatModel, DiskCache
from sparring.suites.coaches import SimulatedCoach, Strategy, Switch
from sparring.suites.kinds import prepare
from sparring.suites.loader import load_suites
from sparring.suites.results import RunResult
from sparring.suites.runner import Runner, RunOptions

RUBRIC = """\
kind: persona
name: rubric
persona: sceptic
judge_model: openai:judge
cases:
  - id: graded
    coach:
      - say: What does a good week in the depots look like?
        expect:
          - {type: llm-rubric, rubric: "The manager answers as Graham, about the depots.", min_score: 0.7}
"""


def write(tmp_path: Path, text: str, name: str = "suite.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


async def run(settings: Settings, paths: list[Path], models: dict[str, FakeChatModel],
              **options: object) -> RunResult:
    runner = Runner(settings, RunOptions(**options), factory=lambda spec: models[spec])  # type: ignore[arg-type]
    return await runner.run(prepare(load_suites(paths), settings))


async def test_cache_replays_replies_and_no_cache_calls_again(settings: Settings) -> None:
    inner = FakeChatModel(responses=["first", "second"])
    cached = CachingChatModel(inner=inner, spec="openai:m", store=DiskCache(settings.data_dir / "c"))
    messages = [HumanMessage(content="hello")]
    assert (await cached.ainvoke(messages)).content == "first"
    assert (await cached.ainvoke(messages)).content == "first"  # from disk, not the model
    assert len(inner.calls) == 1
    assert (await cached.ainvoke([HumanMessage(content="other")])).content == "second"
    streamed = "".join([str(c.content) async for c in cached.astream(messages, seed=3)])
    again = "".join([str(c.content) async for c in cached.astream(messages, seed=3)])
    assert streamed == again and len(inner.calls) == 3  # streams are keyed apart, then replayed
    reopened = CachingChatModel(inner=inner, spec="openai:m", store=DiskCache(settings.data_dir / "c"))
    assert (await reopened.ainvoke(messages)).content == "first" and len(inner.calls) == 3
    other_model = CachingChatModel(inner=inner, spec="openai:n", store=DiskCache(settings.data_dir / "c"))
    await other_model.ainvoke(messages)
    assert len(inner.calls) == 4  # the key includes the model spec


async def test_runner_uses_the_cache_across_runs_unless_disabled(settings: Settings) -> None:
    suite = ROOT / "evals" / "smoke.yaml"
    model = FakeChatModel()
    first = await run(settings, [suite], {"openai:m": model}, model="openai:m")
    calls = len(model.calls)
    assert first.exit_code == 0 and calls >= 2
    second = await run(settings, [suite], {"openai:m": model}, model="openai:m")
    assert len(model.calls) == calls
    def replies(result: RunResult) -> list[str]:
        return [t.manager for r in result.suites[0].runs for t in (r.transcript.turns if r.transcript else [])]

    assert replies(second) == replies(first) and replies(first)
    await run(settings, [suite], {"openai:m": model}, model="openai:m", cache=False)
    assert len(model.calls) == 2 * calls


async def test_llm_rubric_is_graded_by_the_judge_model(tmp_path: Path, settings: Settings) -> None:
    judge = FakeChatModel(responses=['{"score": 0.9, "pass": true, "reason": "talks about the depots"}'])
    result = await run(settings, [write(tmp_path, RUBRIC)], {"fake": FakeChatModel(), "openai:judge": judge},
                       model="fake")
    check = result.suites[0].runs[0].checks[0]
    assert (check.status, check.got) == ("pass", "0.90: talks about the depots")
    prompt = judge.prompts[0]
    assert "The manager answers as Graham, about the depots." in prompt
    assert "Coach: What does a good week in the depots look like?" in prompt


async def test_llm_rubric_below_min_score_fails(tmp_path: Path, settings: Settings) -> None:
    judge = FakeChatModel(responses=['```json\n{"score": 0.4, "reason": "generic"}\n```'])
    result = await run(settings, [write(tmp_path, RUBRIC)], {"fake": FakeChatModel(), "openai:judge": judge},
                       model="fake")
    assert result.exit_code == 1
    check = result.suites[0].runs[0].checks[0]
    assert check.status == "fail" and check.expected.startswith("score ≥ 0.7")


async def test_llm_rubric_is_skipped_with_a_note_on_weak_judges(tmp_path: Path, settings: Settings) -> None:
    text = RUBRIC.replace("judge_model: openai:judge", "judge_model: local")
    result = await run(settings, [write(tmp_path, text)], {"fake": FakeChatModel()}, model="fake")
    check = result.suites[0].runs[0].checks[0]
    assert check.status == "skip" and "--judge-model openai:<model>" in check.note
    assert result.exit_code == 0 and result.suites[0].cases[0].status == "skip"


async def test_unreadable_judge_answer_is_an_error_not_a_failure(tmp_path: Path, settings: Settings) -> None:
    judge = FakeChatModel(responses=["I think it is fine."])
    result = await run(settings, [write(tmp_path, RUBRIC)], {"fake": FakeChatModel(), "openai:judge": judge},
                       model="fake")
    assert result.exit_code == 2
    assert "no JSON object" in (result.suites[0].runs[0].error or "")


def test_simulated_coach_follows_the_plan_then_switches_when_trust_is_earned() -> None:
    strategy = Strategy(id="s", description="d", plan=["a", "b"],
                        switches=[Switch(below=4, bank="c")],
                        banks={"a": ["a1", "a2"], "b": ["b1"], "c": ["c1"]})
    coach = SimulatedCoach(strategy, seed=1)
    high = ManagerState(resistance=7)
    said = [coach.next_line(high) for _ in range(4)]
    assert [line[0] for line in said] == ["a", "b", "a", "b"]
    assert sorted(said[0::2]) == ["a1", "a2"]  # no repeats until the bank is used up
    assert coach.next_line(ManagerState(resistance=3)) == "c1"
    same = SimulatedCoach(strategy, seed=1)
    assert [same.next_line(high) for _ in range(4)] == said


async def test_annotation_suite_reports_metrics_and_mismatches(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "rows.jsonl").write_text(
        '{"id": "a", "text": "What matters most to you?", "labels": {"question": "open"}}\n'
        '{"id": "b", "text": "You should delegate more.", "labels": {"directive": true}}\n'
        '{"id": "c", "text": "Have you tried that?", "labels": {"question": "open"}}\n')
    suite = write(tmp_path, "kind: annotation\nname: tiny\ndata: rows.jsonl\nthresholds:\n"
                            "  - {metric: directive.f1, min: 1.0}\n  - {metric: question.open.recall, min: 0.9}\n")
    result = await run(settings, [suite], {})
    thresholds = {t.name: (t.status, t.got) for t in result.suites[0].thresholds}
    assert thresholds == {"directive.f1": ("pass", 1.0), "question.open.recall": ("fail", 0.5)}
    mismatch = next(r for r in result.suites[0].runs if r.case == "c")
    assert mismatch.status == "fail" and "question=open" in mismatch.checks[0].expected
    assert "question=closed" in mismatch.checks[0].got
    assert result.exit_code == 1


async def test_annotation_suite_with_the_judge_coder_uses_the_model(tmp_path: Path, settings: Settings) -> None:
    answer = ('{"question": "open", "reflection": null, "empathy": false, "affirmation": false, '
              '"goal_cocreation": false, "neutral_observation": false, "asking_permission": false, "autonomy": false, '
              '"directive": false, "arguing": false, '
              '"judging": false, "pulling_rank": false}')
    judge = FakeChatModel(responses=[answer])
    (tmp_path / "rows.jsonl").write_text('{"id": "c", "text": "Have you tried that?", "labels": {"question": "open"}}\n')
    suite = write(tmp_path, "kind: annotation\nname: j\ndata: rows.jsonl\ncoder: judge\njudge_model: openai:j\n"
                            "thresholds:\n  - {metric: question.open.recall, min: 1.0}\n")
    result = await run(settings, [suite], {"openai:j": judge})
    assert result.exit_code == 0  # the LLM's 'open' beats the rules' 'closed' here
    assert "Have you tried that?" in judge.prompts[0]


async def test_debrief_checks_report_missing_paths(tmp_path: Path, settings: Settings) -> None:
    text = (ROOT / "evals" / "debrief.yaml").read_text().replace("data/transcripts", str(ROOT / "evals/data/transcripts"))
    text = text.replace("path: score, max: 30", "path: scores.total, max: 30")
    result = await run(settings, [write(tmp_path, text)], {"fake": FakeChatModel()}, model="fake")
    failed = [c for r in result.suites[0].runs for c in r.checks if c.status == "fail"]
    assert [(c.expected, c.got) for c in failed] == [("scores.total ≤ 30", "scores.total is not in the debrief")]


@pytest.mark.parametrize("concurrency", [1, 5])
async def test_every_case_runs_once_per_repeat(tmp_path: Path, settings: Settings, concurrency: int) -> None:
    result = await run(settings, [ROOT / "evals" / "personas.yaml"], {"fake": FakeChatModel()},
                       model="fake", repeat=2, concurrency=concurrency, pattern="sceptic")
    suite = result.suites[0]
    assert sorted((r.case, r.repeat) for r in suite.runs) == sorted(
        (c.case, k) for c in suite.cases for k in range(2))
    assert all(c.runs == 2 and c.pass_rate == 1.0 for c in suite.cases)


async def test_a_stream_closed_early_replays_as_far_as_it_was_read(settings: Settings) -> None:
    inner = FakeChatModel(responses=["one two three four"])
    cached = CachingChatModel(inner=inner, spec="openai:m", store=DiskCache(settings.data_dir / "c"))
    messages = [HumanMessage(content="hello")]
    stream = cached.astream(messages)
    first = await stream.__anext__()
    await stream.aclose()  # type: ignore[attr-defined]  # what the engine does when a guard stops a reply
    for _ in range(3):  # LangChain leaves the wrapped stream to the event loop's finaliser
        await asyncio.sleep(0)
    replay = [str(c.content) async for c in cached.astream(messages)]
    assert "".join(replay).strip() == str(first.content).strip() == "one"
    assert len(inner.calls) == 1
    whole = await cached.ainvoke(messages)  # never served a partial reply as a whole one
    assert whole.content == "one two three four" and len(inner.calls) == 2
