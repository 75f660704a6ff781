"""The cohort's figures, from shared sessions only: one row per session, MI counts per
coach and per persona, and the most common weak-turn patterns.

Every figure is the debrief's own (`sparring/debrief/build.py`, `sparring/debrief/scoring.py`):
a session's score and metrics are its stored debrief when it has ended, else the same
debrief built from the transcript so far, on the best coding available (the judge's where
it ran). Group MI figures pool the counts of their sessions (all questions of a coach,
not a mean of per-session percentages), so a two-turn session weighs as little as it
should. Pure functions: the page, the JSON API and the CSV all call `cohort_rows`.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import asdict, dataclass

from sparring.debrief.build import Debrief, build_debrief, turn_value, weakness
from sparring.storage.sharing import VisibleSession

#: What a weak turn mostly did (debrief.weakness), in the words trainers use.
PATTERNS = {
    "pulling_rank": "pulling rank",
    "judging": "judging",
    "arguing": "arguing",
    "directive": "advice nobody asked for",
    "closed_question": "closed or leading question",
}


@dataclass(frozen=True)
class SessionRow:
    """One shared session's figures: what the CSV holds, one line each."""

    thread_id: str
    coach: str
    persona_id: str
    difficulty: str
    started_at: str
    turns: int
    ended: bool
    score: int
    open_questions: int
    closed_questions: int
    reflections: int
    complex_reflections: int
    open_question_pct: float | None
    reflection_to_question: float
    complex_reflection_pct: float | None
    resistance_start: float
    resistance_end: float


def _debrief(session: VisibleSession) -> Debrief:
    stored = session.record.debrief
    if stored is not None:
        try:
            return Debrief.model_validate(stored)
        except ValueError:  # saved by an older version: rebuild it from the transcript
            pass
    return build_debrief(session.record.transcript.best_coded())


#: Rows already computed, by (thread, updated_at): a debrief per session per request is
#: most of the cohort page's time, and a row changes only when its record does.
RowMemo = dict[tuple[str, str], "SessionRow"]
MEMO_LIMIT = 2000


def cohort_rows(sessions: list[VisibleSession], memo: RowMemo | None = None) -> list[SessionRow]:
    """Sessions with at least one coach turn, oldest first; `memo` keeps rows between calls."""
    rows = []
    for session in sessions:
        key = (session.thread_id, session.updated_at)
        if memo is not None and key in memo:
            rows.append(memo[key])
            continue
        row = _row(session)
        if row is None:
            continue
        if memo is not None:
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[key] = row
        rows.append(row)
    return sorted(rows, key=lambda r: r.started_at)


def _row(session: VisibleSession) -> SessionRow | None:
    transcript = session.record.transcript
    if not transcript.turns:
        return None
    debrief = _debrief(session)
    m = debrief.metrics
    return SessionRow(
        thread_id=session.thread_id, coach=session.coach, persona_id=session.persona_id,
        difficulty=transcript.difficulty, started_at=transcript.started_at.isoformat(timespec="seconds"),
        turns=m.turns, ended=session.record.ended, score=debrief.score,
        open_questions=m.open_questions, closed_questions=m.closed_questions,
        reflections=m.reflections, complex_reflections=m.complex_reflections,
        open_question_pct=m.open_question_pct, reflection_to_question=m.reflection_to_question,
        complex_reflection_pct=m.complex_reflection_pct,
        resistance_start=m.resistance_start, resistance_end=m.resistance_end,
    )


@dataclass(frozen=True)
class GroupFigures:
    """MI counts pooled over a coach's (or a persona's) sessions."""

    name: str
    sessions: int
    turns: int
    mean_score: float
    open_question_pct: float | None
    reflection_to_question: float
    complex_reflection_pct: float | None


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def group_figures(rows: list[SessionRow], by: str) -> list[GroupFigures]:
    """Pooled figures per `by` ('coach' or 'persona_id'), by name."""
    groups: dict[str, list[SessionRow]] = {}
    for row in rows:
        groups.setdefault(str(getattr(row, by)), []).append(row)
    out = []
    for name in sorted(groups):
        rs = groups[name]
        questions = sum(r.open_questions + r.closed_questions for r in rs)
        reflections = sum(r.reflections for r in rs)
        out.append(GroupFigures(
            name=name, sessions=len(rs), turns=sum(r.turns for r in rs),
            mean_score=round(sum(r.score for r in rs) / len(rs), 1),
            open_question_pct=_pct(sum(r.open_questions for r in rs), questions),
            reflection_to_question=round(reflections / max(questions, 1), 2),
            complex_reflection_pct=_pct(sum(r.complex_reflections for r in rs), reflections),
        ))
    return out


@dataclass(frozen=True)
class Pattern:
    """A kind of weak turn, how often it happened and in how many coaches' sessions."""

    key: str
    label: str
    turns: int
    coaches: int
    sessions: int


def weak_patterns(sessions: list[VisibleSession], limit: int = 5) -> list[Pattern]:
    """The most common weak-turn patterns: turns the debrief would not count as good
    (value below 1) that pushed, judged, argued, pulled rank or closed a question."""
    turns: Counter[str] = Counter()
    coaches: dict[str, set[str]] = {}
    where: dict[str, set[str]] = {}
    for session in sessions:
        for turn in session.record.transcript.best_coded().turns:
            kind = weakness(turn.codes)
            if kind == "default" or turn_value(turn.codes) >= 1:
                continue
            turns[kind] += 1
            coaches.setdefault(kind, set()).add(session.coach)
            where.setdefault(kind, set()).add(session.thread_id)
    return [Pattern(key=k, label=PATTERNS.get(k, k), turns=n, coaches=len(coaches[k]),
                    sessions=len(where[k])) for k, n in turns.most_common(limit)]


def to_csv(rows: list[SessionRow]) -> str:
    """The rows as CSV with a header line (figures only: no conversation text)."""
    out = io.StringIO()
    fields = list(SessionRow.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in asdict(row).items()})
    return out.getvalue()
