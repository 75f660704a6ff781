"""Manager talk type by third of a session vs. expert-labelled clients in real MI sessions.

Plays the counsellor turns of the AnnoMI training split (66 expert-coded sessions; the
text is read from ../shared/data, never copied here) through every persona at
`realistic`, with the experts' own codes for each counsellor turn, and compares the
manager's change / neutral / sustain talk per third of the session with the real
clients' talk, separately for high- and low-quality sessions.

Counsellor codes → TurnCodes: open/closed question, simple/complex reflection,
advice → directive (MI advice without permission pushes), negotiation → goal
co-creation; information and options add nothing (neutral).

Each session is played with several seeds (the policy's tie-breaks and the chance of
surface compliance are seeded) and the turns are pooled: with only 11 low-quality
sessions (about 70 client turns a third), one seed's tie-breaks move a cell by 3-6 points.
`--seeds 1` gives the single-seed figure (seed = the transcript id).

    .venv/bin/python benchmarks/bench_talk_calibration.py [--data PATH] [--seeds 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sparring.coding.codes import TurnCodes  # noqa: E402
from sparring.engine.replay import replay  # noqa: E402
from sparring.persona.loader import load_personas  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "annomi-train" / "sessions.json"
TALK = ("change", "neutral", "sustain")
TARGET_POINTS = 10


def codes_of(utterances: list[dict[str, Any]]) -> TurnCodes:
    """The union of the experts' codes over the counsellor utterances of one turn."""
    questions = [u.get("question") for u in utterances if u.get("question")]
    reflections = [u.get("reflection") for u in utterances if u.get("reflection")]
    inputs = {u.get("therapist_input") for u in utterances}
    return TurnCodes(
        question="open" if "open" in questions else ("closed" if questions else None),
        reflection="complex" if "complex" in reflections else ("simple" if reflections else None),
        directive="advice" in inputs,
        goal_cocreation="negotiation" in inputs,
    )


def turns_of(session: dict[str, Any]) -> list[tuple[str, TurnCodes, str]]:
    """(counsellor text, codes, the client's talk type) for each counsellor turn a client answers."""
    out: list[tuple[str, TurnCodes, str]] = []
    pending: list[dict[str, Any]] = []
    for u in session["utterances"]:
        if u["speaker"] == "therapist":
            pending.append(u)
        elif pending:
            out.append((" ".join(p["text"] for p in pending), codes_of(pending), u["talk_type"]))
            pending = []
    return out


def shares(rows: list[tuple[int, str]]) -> list[dict[str, float]]:
    """Percent of each talk type per third; rows are (third, talk)."""
    out = []
    for third in range(3):
        c = Counter(talk for t, talk in rows if t == third)
        n = sum(c.values()) or 1
        out.append({k: round(100 * c[k] / n, 1) for k in TALK})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--difficulty", default="realistic")
    parser.add_argument("--seeds", type=int, default=5, help="seeds per session, pooled (transcript id + 100·k)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sessions = json.loads(args.data.read_text("utf-8"))
    personas = load_personas(ROOT / "personas")
    real: dict[str, list[tuple[int, str]]] = {"high": [], "low": []}
    sim: dict[str, list[tuple[int, str]]] = {"high": [], "low": []}
    per_persona: dict[str, dict[str, list[tuple[int, str]]]] = {p: {"high": [], "low": []} for p in personas}
    for s in sessions:
        turns = turns_of(s)
        n = len(turns)
        if n < 3:
            continue
        q = s["mi_quality"]
        real[q] += [(min(2, i * 3 // n), talk) for i, (_, _, talk) in enumerate(turns)]
        for pid, persona in personas.items():
            for k in range(args.seeds):
                seed = int(s["transcript_id"]) + 100 * k
                steps = replay(persona, args.difficulty, [(t, c) for t, c, _ in turns], seed=seed)
                rows = [(min(2, i * 3 // n), step.decision.talk) for i, step in enumerate(steps)]
                sim[q] += rows
                per_persona[pid][q] += rows
    report = {
        q: {"real": shares(real[q]), "managers": shares(sim[q]),
            "by_persona": {p: shares(per_persona[p][q]) for p in personas}}
        for q in ("high", "low")
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    worst = 0.0
    for q in ("high", "low"):
        print(f"\n{q}-quality sessions: % change / neutral / sustain by third (real clients | managers)")
        for third in range(3):
            r, m = report[q]["real"][third], report[q]["managers"][third]
            gap = max(abs(r[k] - m[k]) for k in ("change", "sustain"))
            worst = max(worst, gap)
            print(f"  third {third + 1}: real {r['change']:5.1f} {r['neutral']:5.1f} {r['sustain']:5.1f}"
                  f"  | managers {m['change']:5.1f} {m['neutral']:5.1f} {m['sustain']:5.1f}"
                  f"  (largest change/sustain gap {gap:.1f})")
        for pid in personas:
            cells = "  ".join(f"{t['change']:4.0f}/{t['sustain']:<4.0f}" for t in report[q]["by_persona"][pid])
            print(f"    {pid:12s} change/sustain by third: {cells}")
    verdict = "within" if worst <= TARGET_POINTS else "outside"
    print(f"\nlargest gap {worst:.1f} points: {verdict} the {TARGET_POINTS}-point target")


if __name__ == "__main__":
    main()
