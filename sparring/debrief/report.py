"""Markdown for people: the debrief, and a full transcript export with codes per coach turn.

Exports are read by coaches and their supervisors outside the app, so every
number carries its MITI reference point and every coach turn its codes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparring.debrief.feedback import summary_for, tip_for
from sparring.debrief.scoring import COMPLEX_PCT_LEVELS, OPEN_PCT_LEVELS, RQ_LEVELS

if TYPE_CHECKING:
    from sparring.debrief.build import Debrief, TurnNote
    from sparring.engine.transcript import Transcript


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def _safe(text: str) -> str:
    """Coach and model text as literal text: Markdown viewers render raw HTML, so a typed
    `<script>` must not become a tag in someone else's viewer ("&lt;" reads as "<")."""
    return text.replace("<", "&lt;")


def _quote(text: str, limit: int = 160) -> str:
    flat = _safe(" ".join(text.split()))
    return f"“{flat if len(flat) <= limit else flat[: limit - 1] + '…'}”"


def _note_lines(note: TurnNote) -> list[str]:
    lines = [f"- **Turn {note.turn}** {_quote(note.coach)} — *{note.codes}*. {note.reason}"]
    if note.alternative:
        lines.append(f"  - Try instead: {_quote(note.alternative, 300)}")
    return lines


def _talk(debrief: Debrief) -> str:
    t = debrief.talk_types
    counts = " / ".join(str(t.get(k, 0)) for k in ("change", "neutral", "sustain"))
    if debrief.surface_agreement:
        n = debrief.surface_agreement
        counts += f" (on {n} turn{'s' if n != 1 else ''} they only went along to end the pressure)"
    return counts


def debrief_markdown(debrief: Debrief, heading: str = "#") -> str:
    m, s = debrief.metrics, debrief.subscores
    questions = "n/a" if s.questions is None else f"{s.questions:.0f}"
    out = [
        f"{heading} Debrief: {debrief.persona_name} ({debrief.difficulty})",
        "",
        f"**Score: {debrief.score}/100** — questions {questions} · listening {s.listening:.0f} · "
        f"partnership {s.partnership:.0f} · restraint {s.restraint:.0f} · outcome {s.outcome:.0f}",
        "",
        f"{heading}# Goal",
        "",
    ]
    goal = debrief.goal
    if debrief.ended:
        out += [f"**{_safe(debrief.persona_name)} ended the conversation**: pushed past the limit turn after turn.", ""]
    if goal.cocreated:
        when = f" at turn {goal.turn} ({goal.move.value.replace('_', ' ') if goal.move else ''})" if goal.turn else ""
        out.append(f"Co-created{when}: the manager proposed or agreed a goal or next step.")
        out.extend(f"- {_safe(c)}" for c in goal.commitments)
    else:
        out.append("Not co-created: the manager did not propose or agree a goal or next step.")
    out += [
        "",
        f"{heading}# Numbers",
        "",
        "| measure | this session | MITI reference |",
        "|---|---|---|",
        f"| coach turns | {m.turns} | |",
        f"| open questions, % of questions | {_pct(m.open_question_pct)} ({m.open_questions} of "
        f"{m.open_questions + m.closed_questions}) | ≥{OPEN_PCT_LEVELS[0]:.0f}% fair, ≥{OPEN_PCT_LEVELS[1]:.0f}% good |",
        f"| reflections per question (R:Q) | {m.reflection_to_question:.2f} | ≥{RQ_LEVELS[0]:.0f} fair, ≥{RQ_LEVELS[1]:.0f} good |",
        f"| complex reflections, % of reflections | {_pct(m.complex_reflection_pct)} ({m.complex_reflections} of "
        f"{m.reflections}) | ≥{COMPLEX_PCT_LEVELS[0]:.0f}% fair, ≥{COMPLEX_PCT_LEVELS[1]:.0f}% good |",
        f"| empathy moments | {m.empathy_moments} | |",
        f"| affirmations | {m.affirmations} | |",
        f"| co-creation moments | {m.cocreation_moments} | |",
        f"| asked permission before advising / left the choice to them | {m.permission_asks} / {m.autonomy_moments} | |",
        f"| advice unasked (directive) | {m.directive_turns} | 0 |",
        f"| arguing / judging / pulling rank | {m.arguing_turns} / {m.judging_turns} / {m.rank_turns} | 0 |",
        f"| resistance (0–10) | {m.resistance_start:.1f} → {m.resistance_end:.1f} ({m.resistance_change:+.1f}), "
        f"peak {m.resistance_peak:.1f} | lower is better |",
        f"| manager talk: change / neutral / sustain | {_talk(debrief)} | change rises and sustain falls in good sessions |",
        "",
        f"{heading}# Resistance over time",
        "",
        " → ".join(f"{r:.1f}" for r in debrief.resistance_timeline),
        "",
        f"{heading}# Best turns",
        "",
    ]
    out.extend(line for note in debrief.best_turns for line in _note_lines(note))
    if not debrief.best_turns:
        out.append("No turn clearly opened the conversation up this time.")
    out += ["", f"{heading}# Turns to rework", ""]
    out.extend(line for note in debrief.weakest_turns for line in _note_lines(note))
    if not debrief.weakest_turns:
        out.append("No weak turns.")
    if debrief.tried_again:
        out += ["", f"{heading}# Turns you tried again", ""]
        for tried in debrief.tried_again:
            first, then = tried.first, tried.then
            out.append(f"- **Turn {tried.turn}**: you tried {_quote(first.coach)} — *{first.codes}*, "
                       f"resistance {first.resistance_change:+.1f}")
            out.append(f"  - then {_quote(then.coach)} — *{then.codes}*, resistance {then.resistance_change:+.1f}"
                       if then else "  - then went back and ended the session there")
    out += ["", f"{heading}# Practise next", ""]
    out.extend(f"{i}. {item}" for i, item in enumerate(debrief.practice_next, 1))
    return "\n".join(out) + "\n"


def transcript_markdown(transcript: Transcript, debrief: Debrief) -> str:
    """The whole session for export: each coach turn with its codes and tip, then the debrief."""
    out = [
        f"# Practice session with {transcript.persona_name} ({transcript.difficulty})",
        "",
        f"Started {transcript.started_at:%Y-%m-%d %H:%M} UTC · persona `{transcript.persona_id}`",
        "",
        f"**Manager:** {_safe(transcript.opening)}",
        "",
    ]
    for turn in transcript.turns:
        out += [
            f"## Turn {turn.index}",
            "",
            f"**Coach:** {_safe(turn.coach)}",
            "",
            f"> Codes: {summary_for(turn.codes)} — {tip_for(turn.codes)}",
            "",
            f"**Manager** ({turn.move.value.replace('_', ' ')}; resistance "
            f"{turn.resistance_before:.1f} → {turn.resistance_after:.1f}): {_safe(turn.manager)}",
            "",
        ]
    out += ["---", "", debrief_markdown(debrief, heading="#")]
    return "\n".join(out)
