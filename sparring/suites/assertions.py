"""Checking one assertion against a turn, a whole transcript or a debrief.

Every check returns `expected` and `got` as short sentences, so a failure
prints as a readable diff instead of a boolean. Character checks reuse the
engine's guard patterns (`engine.guards.scan`): the suite asks "did any reply
that reached the coach break role?", which the guards are meant to prevent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from sparring.coding.codes import TurnCodes
from sparring.engine.guards import GuardContext, scan
from sparring.engine.transcript import Transcript, TurnRecord
from sparring.suites.results import Check
from sparring.suites.suite import (
    Assertion,
    CodesCheck,
    ConcernCheck,
    DebriefCheck,
    InCharacterCheck,
    MoveCheck,
    NoAIAdmissionCheck,
    ReplyCheck,
    ResistanceCheck,
    RubricCheck,
)

#: (rubric, text to grade) -> (score 0..1, reason). None when no judge can grade.
Grader = Callable[[str, str], Awaitable[tuple[float, str]]]

CHARACTER_FAILURES = ("character_break", "assistant_mode", "speaks_as_coach", "ai_admission")


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(a: Assertion) -> str:
    return a.name or a.type


def _result(a: Assertion, ok: bool, expected: str, got: str, turn: int | None) -> Check:
    return Check(name=_label(a), status="pass" if ok else "fail", expected=expected, got=got, turn=turn)


def _direction(direction: str, before: float, after: float) -> bool:
    eps = 1e-9
    return {
        "down": after < before - eps,
        "up": after > before + eps,
        "same": abs(after - before) <= eps,
        "not_up": after <= before + eps,
        "not_down": after >= before - eps,
    }[direction]


def check_resistance(a: ResistanceCheck, before: float, after: float, turn: int | None) -> Check:
    wants: list[str] = []
    ok = True
    if a.direction:
        wants.append(f"resistance {a.direction.replace('_', ' ')}")
        ok &= _direction(a.direction, before, after)
    if a.min is not None:
        wants.append(f"at least {a.min:g}")
        ok &= after >= a.min - 1e-9
    if a.max is not None:
        wants.append(f"at most {a.max:g}")
        ok &= after <= a.max + 1e-9
    return _result(a, ok, ", ".join(wants), f"resistance {before:.2f} → {after:.2f}", turn)


def check_concern(a: ConcernCheck, revealed: list[str], turn: int | None) -> Check:
    when = "this turn" if turn is not None else "by the end"
    subject = f"concern '{a.id}'" if a.id else "any concern"
    hit = (a.id in revealed) if a.id else bool(revealed)
    expected = f"{subject} {'revealed' if a.revealed else 'not revealed'} {when}"
    return _result(a, hit == a.revealed, expected, f"revealed {when}: {', '.join(revealed) or 'none'}", turn)


def check_moves(a: MoveCheck, moves: list[str], turn: int | None) -> Check:
    wants: list[str] = []
    ok = True
    if a.any_of:
        wants.append(f"move {'' if turn is not None else 'at least once '}one of {', '.join(a.any_of)}")
        ok &= any(m in a.any_of for m in moves)
    if a.none_of:
        wants.append(f"move never one of {', '.join(a.none_of)}")
        ok &= not any(m in a.none_of for m in moves)
    return _result(a, ok, "; ".join(wants), f"move{'s' if len(moves) != 1 else ''} {', '.join(moves) or 'none'}", turn)


def guard_failure(text: str) -> str | None:
    return scan(text, GuardContext())


def check_character(a: InCharacterCheck | NoAIAdmissionCheck, replies: list[tuple[int, str]],
                    turn: int | None) -> Check:
    kinds = ("ai_admission",) if isinstance(a, NoAIAdmissionCheck) else CHARACTER_FAILURES
    for index, text in replies:
        found = guard_failure(text)
        if found in kinds:
            return _result(a, False, "no AI admission" if len(kinds) == 1 else "reply stays in character",
                           f"{found} in turn {index}: “{_short(text)}”", turn)
    expected = "no AI admission" if isinstance(a, NoAIAdmissionCheck) else "reply stays in character"
    return _result(a, True, expected, f"{len(replies)} repl{'y' if len(replies) == 1 else 'ies'} in character", turn)


def _reply_ok(a: ReplyCheck, text: str) -> tuple[bool, bool]:
    """(positive parts hold, negative parts hold) for one reply."""
    flags = re.IGNORECASE if a.ignore_case else 0
    norm = text.lower() if a.ignore_case else text

    def has(needle: str) -> bool:
        return (needle.lower() if a.ignore_case else needle) in norm

    pos = (a.contains is None or has(a.contains)) and (a.matches is None or bool(re.search(a.matches, text, flags)))
    neg = (a.not_contains is None or not has(a.not_contains)) and (
        a.not_matches is None or not re.search(a.not_matches, text, flags))
    return pos, neg


def check_reply(a: ReplyCheck, replies: list[tuple[int, str]], turn: int | None) -> Check:
    wants = [f"{k.replace('_', ' ')} {v!r}" for k, v in
             (("contains", a.contains), ("matches", a.matches), ("not_contains", a.not_contains),
              ("not_matches", a.not_matches)) if v is not None]
    expected = ("reply " if turn is not None else "replies ") + " and ".join(wants)
    results = [(_reply_ok(a, text), index, text) for index, text in replies]
    has_positive = a.contains is not None or a.matches is not None
    pos_ok = not has_positive or any(p for (p, _), _, _ in results)
    bad = next(((i, t) for (_, n), i, t in results if not n), None)
    if pos_ok and bad is None:
        return _result(a, True, expected, "as expected", turn)
    if bad is not None:
        return _result(a, False, expected, f"turn {bad[0]}: “{_short(bad[1])}”", turn)
    shown = " | ".join(f"{i}: “{_short(t, 80)}”" for _, i, t in results[:4])
    return _result(a, False, expected, shown or "no replies", turn)


def _code_value(codes: TurnCodes, key: str) -> Any:
    value = getattr(codes, key)
    return "none" if key in ("question", "reflection") and value is None else value


def check_codes(a: CodesCheck, codes: TurnCodes, turn: int | None) -> Check:
    wanted = {k: v for k, v in a.model_dump(exclude={"type", "name"}).items() if v is not None}
    got = {k: _code_value(codes, k) for k in wanted}

    def fmt(d: dict[str, Any]) -> str:
        return ", ".join(f"{k}={str(v).lower()}" for k, v in d.items())

    return _result(a, got == wanted, fmt(wanted), fmt(got), turn)


async def check_rubric(a: RubricCheck, text: str, grader: Grader | None, skip_note: str,
                       turn: int | None) -> Check:
    expected = f"score ≥ {a.min_score:g} for: {_short(a.rubric, 100)}"
    if grader is None:
        return Check(name=_label(a), status="skip", expected=expected, got="not graded", turn=turn, note=skip_note)
    score, reason = await grader(a.rubric, text)
    return _result(a, score >= a.min_score, expected, f"{score:.2f}: {_short(reason, 200)}", turn)


def _lookup(data: Any, path: str) -> Any:
    for part in path.split("."):
        m = re.fullmatch(r"([a-z_]+)(?:\[(\d+)\])?", part)
        if m is None or not isinstance(data, dict) or m.group(1) not in data:
            raise KeyError(path)
        data = data[m.group(1)]
        if m.group(2) is not None:
            index = int(m.group(2))
            if not isinstance(data, list) or index >= len(data):
                raise KeyError(path)
            data = data[index]
    return data


def check_debrief(a: DebriefCheck, debrief: dict[str, Any]) -> Check:
    wants: list[str] = []
    for label, value in (("=", a.equals), ("≥", a.min), ("≤", a.max)):
        if value is not None:
            shown = f"{value:g}" if isinstance(value, float) else str(value).lower() if isinstance(value, bool) \
                else str(value)
            wants.append(f"{a.path} {label} {shown}")
    if a.contains is not None:
        wants.append(f"{a.path} contains {a.contains!r}")
    if a.length is not None:
        wants.append(f"{a.path} has {a.length} items")
    expected = "; ".join(wants)
    try:
        value = _lookup(debrief, a.path)
    except KeyError:
        return _result(a, False, expected, f"{a.path} is not in the debrief", None)
    ok = True
    if a.equals is not None:
        ok &= value == a.equals
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if a.min is not None:
        ok &= numeric and value >= a.min
    if a.max is not None:
        ok &= numeric and value <= a.max
    if a.contains is not None:
        items = value if isinstance(value, list) else [value]
        ok &= any(a.contains.lower() in str(item).lower() for item in items)
    if a.length is not None:
        ok &= isinstance(value, list) and len(value) == a.length
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return _result(a, ok, expected, f"{a.path} = {_short(shown, 200)}", None)


async def check_turn(a: Assertion, record: TurnRecord, grader: Grader | None, skip_note: str) -> Check:
    turn = record.index
    replies = [(turn, record.manager)]
    if isinstance(a, ResistanceCheck):
        return check_resistance(a, record.resistance_before, record.resistance_after, turn)
    if isinstance(a, ConcernCheck):
        return check_concern(a, record.revealed_now, turn)
    if isinstance(a, MoveCheck):
        return check_moves(a, [record.move.value], turn)
    if isinstance(a, InCharacterCheck | NoAIAdmissionCheck):
        return check_character(a, replies, turn)
    if isinstance(a, ReplyCheck):
        return check_reply(a, replies, turn)
    if isinstance(a, CodesCheck):
        return check_codes(a, record.codes, turn)
    if isinstance(a, RubricCheck):
        text = f"Coach: {record.coach}\nManager: {record.manager}"
        return await check_rubric(a, text, grader, skip_note, turn)
    raise TypeError(f"{a.type} checks are not available per turn")


def transcript_text(transcript: Transcript) -> str:
    lines = [f"Manager: {transcript.opening}"]
    for t in transcript.turns:
        lines += [f"Coach: {t.coach}", f"Manager: {t.manager}"]
    return "\n".join(lines)


async def check_end(a: Assertion, transcript: Transcript, grader: Grader | None, skip_note: str) -> Check:
    turns = transcript.turns
    replies = [(t.index, t.manager) for t in turns]
    if isinstance(a, ResistanceCheck):
        timeline = transcript.resistance_timeline()
        return check_resistance(a, timeline[0], timeline[-1], None)
    if isinstance(a, ConcernCheck):
        return check_concern(a, list(transcript.state.revealed), None)
    if isinstance(a, MoveCheck):
        return check_moves(a, [t.move.value for t in turns], None)
    if isinstance(a, InCharacterCheck | NoAIAdmissionCheck):
        return check_character(a, replies, None)
    if isinstance(a, ReplyCheck):
        return check_reply(a, replies, None)
    if isinstance(a, RubricCheck):
        return await check_rubric(a, transcript_text(transcript), grader, skip_note, None)
    raise TypeError(f"{a.type} checks are not available at the end of a case")
