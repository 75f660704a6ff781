"""The cohort's figures: the debrief's own score and MI counts per session, pooled per
coach and per persona, the most common weak-turn patterns, and the CSV a trainer exports."""

from __future__ import annotations

import csv
import io

from sparring.coding.codes import TurnCodes
from sparring.debrief.build import build_debrief
from sparring.engine.transcript import ManagerState, Transcript, TurnRecord
from sparring.persona.model import Move
from sparring.storage.sessions import PracticeOptions, StoredPractice
from sparring.storage.sharing import VisibleSession
from sparring.trainer.cohort_stats import cohort_rows, group_figures, to_csv, weak_patterns


def session(coach: str, persona: str, codes: list[TurnCodes], day: int) -> VisibleSession:
    turns = [TurnRecord(index=i + 1, coach=f"line {i}", manager="Hm.", codes=c, move=Move.DEFLECT,
                        resistance_before=7.0, resistance_after=7.0) for i, c in enumerate(codes)]
    transcript = Transcript(persona_id=persona, persona_name=persona.title(), difficulty="realistic",
                            opening="Well?", state=ManagerState(resistance=7.0, turn=len(turns)),
                            turns=turns, started_at=f"2026-03-{day:02d}T09:00:00Z")  # type: ignore[arg-type]
    record = StoredPractice(transcript=transcript, options=PracticeOptions(model="fake"))
    return VisibleSession(thread_id=f"{coach}-{day}", coach=coach, persona_id=persona,
                          updated_at="", record=record)


OPEN, CLOSED = TurnCodes(question="open"), TurnCodes(question="closed")
SIMPLE, COMPLEX = TurnCodes(reflection="simple"), TurnCodes(reflection="complex")
ADVICE = TurnCodes(directive=True)


def test_each_session_carries_the_debriefs_own_score_and_counts() -> None:
    one = session("alice", "sceptic", [OPEN, CLOSED, COMPLEX, ADVICE], day=2)
    (row,) = cohort_rows([one])
    debrief = build_debrief(one.record.transcript)
    assert row.score == debrief.score
    assert (row.open_questions, row.closed_questions, row.reflections) == (1, 1, 1)
    assert row.open_question_pct == 50.0 and row.complex_reflection_pct == 100.0
    assert row.reflection_to_question == 0.5 and row.started_at.startswith("2026-03-02")


def test_groups_pool_counts_rather_than_average_percentages() -> None:
    rows = cohort_rows([
        session("alice", "sceptic", [OPEN] * 9 + [CLOSED], day=1),  # 90 % open, 10 questions
        session("alice", "firefighter", [CLOSED], day=3),            # 0 % open, 1 question
        session("bob", "sceptic", [SIMPLE, COMPLEX, OPEN], day=2),
        session("bob", "sceptic", [], day=4),                        # no turns: no row
    ])
    assert [r.started_at[:10] for r in rows] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    alice, bob = group_figures(rows, "coach")
    assert (alice.name, alice.sessions, alice.turns) == ("alice", 2, 11)
    assert alice.open_question_pct == round(100 * 9 / 11, 1)  # not (90 + 0) / 2
    assert bob.reflection_to_question == 2.0 and bob.complex_reflection_pct == 50.0
    per_persona = {g.name: g for g in group_figures(rows, "persona_id")}
    assert per_persona["sceptic"].sessions == 2 and per_persona["firefighter"].open_question_pct == 0.0


def test_weak_patterns_are_counted_by_kind_most_common_first() -> None:
    sessions = [session("alice", "sceptic", [ADVICE, ADVICE, CLOSED, OPEN], day=1),
                session("bob", "sceptic", [ADVICE, TurnCodes(judging=True)], day=2)]
    patterns = weak_patterns(sessions)
    assert [(p.key, p.turns, p.coaches, p.sessions) for p in patterns] == [
        ("directive", 3, 2, 2), ("closed_question", 1, 1, 1), ("judging", 1, 1, 1)]
    assert patterns[0].label == "advice nobody asked for"


def test_the_csv_has_a_header_and_one_line_per_session_and_no_conversation_text() -> None:
    rows = cohort_rows([session("alice", "sceptic", [OPEN, SIMPLE], day=1),
                        session("bob", "firefighter", [ADVICE], day=2)])
    text = to_csv(rows)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [(r["coach"], r["persona_id"]) for r in parsed] == [("alice", "sceptic"), ("bob", "firefighter")]
    assert parsed[1]["open_question_pct"] == "" and parsed[0]["open_question_pct"] == "100.0"
    assert "line 0" not in text
