"""Does the debrief tell good coaching from poor? Whole AnnoMI sessions played through the engine.

Each training transcript's counsellor lines are played, in order, as the coach of a
`PracticeSession` (fake model, realistic difficulty) against every persona, coded by
the learned coder and by the rules alone. The experts rated each transcript high or
low MI quality; the ROC AUC says how often a random high-quality session gets a
better debrief score (or a lower final resistance) than a random low-quality one.
Target (issue 17): AUC >= 0.85 for every persona.

    .venv/bin/python benchmarks/bench_coder_sessions.py [--coder learned|rules|both] [--max-turns N]

Skips with a message when ../shared/data/annomi-train is absent. No scikit-learn needed.
Also prints the AUC of the experts' own reflection share, the ceiling a coder-based
score can hope for.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sparring.coding.codes import TurnCoder  # noqa: E402
from sparring.coding.corpus import ANNOMI, load_sessions  # noqa: E402
from sparring.coding.learned import LearnedCoder  # noqa: E402
from sparring.coding.rules import RulesCoder  # noqa: E402
from sparring.debrief.build import build_debrief  # noqa: E402
from sparring.engine.session import PracticeSession  # noqa: E402
from sparring.engine.transcript import Transcript  # noqa: E402
from sparring.errors import UserError  # noqa: E402
from sparring.persona.loader import load_personas  # noqa: E402
from sparring.providers.fake import FakeChatModel  # noqa: E402
from sparring.settings import load_settings  # noqa: E402


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """P(random positive > random negative), ties counting half (Mann-Whitney)."""
    if not positives or not negatives:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def coach_lines(session: dict[str, Any], max_turns: int | None) -> list[str]:
    lines = []
    for u in session["utterances"]:
        if u["speaker"] != "therapist":
            continue
        try:
            lines.append(PracticeSession.validate(u["text"]))
        except UserError:
            continue
    return lines[:max_turns] if max_turns else lines


async def play(persona: Any, lines: list[str], coder: TurnCoder) -> Transcript:
    settings = load_settings().with_model("fake")
    session = PracticeSession(persona, "realistic", FakeChatModel(), settings, coder=coder, seed=7)
    for line in lines:
        if session.state.ended:
            break
        await session.reply(line)
    return session.transcript


def expert_reflection_share(session: dict[str, Any]) -> float:
    turns = [u for u in session["utterances"] if u["speaker"] == "therapist"]
    return sum(u.get("reflection") is not None for u in turns) / max(len(turns), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--coder", choices=["learned", "rules", "both"], default="both")
    parser.add_argument("--max-turns", type=int, default=None, help="play at most N counsellor lines a session")
    args = parser.parse_args()
    if not (ANNOMI / "sessions.json").exists():
        print(f"skipped: {ANNOMI}/sessions.json not found (the AnnoMI split lives in ../shared/data)")
        return
    sessions = load_sessions()
    settings = load_settings()
    personas = load_personas(settings.personas_dir)
    high = [s for s in sessions if s["mi_quality"] == "high"]
    low = [s for s in sessions if s["mi_quality"] == "low"]
    share = auc([expert_reflection_share(s) for s in high], [expert_reflection_share(s) for s in low])
    print(f"{len(high)} high- and {len(low)} low-quality sessions; experts' reflection share AUC {share:.2f}")
    coders: dict[str, TurnCoder] = {}
    if args.coder in ("learned", "both"):
        coders["learned"] = LearnedCoder()
    if args.coder in ("rules", "both"):
        coders["rules"] = RulesCoder()
    print(f"{'persona':<14}{'coder':<9}{'AUC score':>10}{'AUC resist':>11}{'mean score hi/lo':>18}{'s':>6}")
    for pid, persona in sorted(personas.items()):
        for name, coder in coders.items():
            started = time.perf_counter()
            scores: dict[str, list[float]] = {"high": [], "low": []}
            resist: dict[str, list[float]] = {"high": [], "low": []}
            for s in sessions:
                transcript = asyncio.run(play(persona, coach_lines(s, args.max_turns), coder))
                debrief = build_debrief(transcript)
                scores[s["mi_quality"]].append(debrief.score)
                resist[s["mi_quality"]].append(-transcript.resistance_timeline()[-1])
            hi, lo = scores["high"], scores["low"]
            print(f"{pid:<14}{name:<9}{auc(hi, lo):>10.2f}{auc(resist['high'], resist['low']):>11.2f}"
                  f"{sum(hi) / len(hi):>11.1f} / {sum(lo) / len(lo):<5.1f}{time.perf_counter() - started:>6.0f}")


if __name__ == "__main__":
    main()
