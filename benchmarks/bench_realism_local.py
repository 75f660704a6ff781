"""Is the embedded-model manager worth practising with? 20 conversations × 10 turns.

Plays our own coach scripts (skilled, directive, mixed; not the eval suites) against
every persona with `--model local` and the profile's speaking mode (bank for the
embedded model; `--speaking bank-adapt` or `free` to compare), coded by the real rules
coder. Reports, for the lines the coach was shown:

- the bad-line rate by the labelled check (`sparring.engine.realism.judge`: the reply
  guards, which bench_guard_accuracy.py measures against hand labels);
- role inversions (the manager talking as coach, assistant or AI);
- repeated lines or 6-word phrases within one conversation;
- resistance at the end of each script per persona (realistic), and whether a
  directive script ever lowered it;
- first token at turn 1 vs the last turn;
and prints 40 shown lines for a human read.

    SPARRING_THREADS=1 .venv/bin/python benchmarks/bench_realism_local.py [--n 20] [--speaking bank-adapt]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import itertools

from sparring.engine.guards import GuardContext, check, world_words
from sparring.engine.lines import similar
from sparring.engine.prompt import render_system_prompt
from sparring.engine.session import PracticeSession
from sparring.engine.transcript import TurnRecord
from sparring.persona.loader import load_personas
from sparring.providers import make_chat_model
from sparring.providers.profile import profile_for
from sparring.settings import load_settings

SCRIPTS: dict[str, list[str]] = {
    "skilled": [
        "Thanks for making the time. What would make this conversation worth it for you?",
        "It sounds like you've been carrying a lot, and this session feels like one more thing on top.",
        "What has been taking most of your energy lately?",
        "So the pressure is real, and the people above you don't seem to see what it costs your team.",
        "You've kept things going through a really hard stretch. What has helped you most?",
        "That clearly matters a great deal to you. What worries you most about it?",
        "If these sessions turned out to be useful, what would you want to be different in a couple of months?",
        "So part of you wants things to change, and part of you is wary of what it might cost.",
        "What might a first small step look like, one you'd actually want to take?",
        "When would you do that, and how would you know it went well?",
    ],
    "directive": [
        "You need to start listening to your team more.",
        "The survey results are clear, so you should take them seriously.",
        "Have you tried holding weekly one-to-ones?",
        "You should delegate more of the work.",
        "Don't you think that's part of the problem?",
        "Your director expects to see results from this coaching.",
        "You should stop making excuses and own the numbers.",
        "Try setting clear goals for everyone this week.",
        "Is that really true?",
        "You need to hold your people to account, it's that simple.",
    ],
    "mixed": [
        "What's been on your mind since we last spoke?",
        "You should probably involve your team more in decisions.",
        "It sounds like that suggestion landed as one more demand.",
        "Have you talked to your team about this?",
        "You know your operation inside out. How do you see the situation yourself?",
        "Honestly, that sounds like an excuse.",
        "That must be frustrating. What would help most right now?",
        "What would you want to get out of these sessions, if anything?",
        "You need to set aside time for your people every week.",
        "What might a first small step be?",
    ],
}
ORDER = ("skilled", "directive", "mixed")


def judge(record: TurnRecord, ctx: GuardContext) -> list[str]:
    """The labelled check: the guards' verdict on the shown line (bench_guard_accuracy.py measures it)."""
    verdict = check(record.manager, ctx)
    return verdict.failures


def repeats(records: list[TurnRecord]) -> int:
    """Lines that repeat an earlier one: the same text, 6 words in a row, or the same thing
    in other words (`lines.similar`: half the content words shared)."""
    seen: set[tuple[str, ...]] = set()
    said: list[str] = []
    count = 0
    for r in records:
        words = tuple(r.manager.lower().split())
        grams = {words[i : i + 6] for i in range(len(words) - 5)}
        if r.manager in said or grams & seen or any(similar(r.manager, s) for s in said):
            count += 1
        said.append(r.manager)
        seen |= grams
    return count


async def run(args: argparse.Namespace) -> dict[str, object]:
    settings = load_settings().model_copy(update={"seed": args.seed, "speaking": args.speaking})
    personas = list(load_personas(settings.personas_dir).values())
    profile = profile_for("local", settings)
    model = make_chat_model("local", settings)  # the real setup, even when the bank speaks
    rows: list[dict[str, object]] = []
    ends: dict[str, dict[str, float]] = {}
    started = time.perf_counter()
    for n in range(args.n):
        persona = personas[n % len(personas)]
        kind = ORDER[(n // len(personas)) % len(ORDER)]
        session = PracticeSession(persona, "realistic", model, settings, seed=args.seed + n, profile=profile)
        await session.warm_up()
        world = world_words(render_system_prompt(persona, "realistic", settings), *(c.text for c in persona.concerns))
        records: list[TurnRecord] = []
        for line in SCRIPTS[kind][: args.turns]:
            record = await session.reply(line)
            records.append(record)
            ctx = GuardContext(speaker_names=(persona.name, *persona.name.split()), move=record.move.value, world=world)
            rows.append({"persona": persona.id, "script": kind, "turn": record.index, "coach": line,
                         "manager": record.manager, "move": record.move.value, "talk": record.talk_type,
                         "spoken": record.spoken, "bad": judge(record, ctx),
                         "first_token_s": record.timing.first_token_s, "resistance": record.resistance_after})
        rows[-1]["repeats"] = repeats(records)
        timeline = session.transcript.resistance_timeline()
        ends.setdefault(persona.id, {})[kind] = timeline[-1]
        if kind == "directive" and any(b < a for a, b in itertools.pairwise(timeline)):
            ends[persona.id]["directive_lowered"] = 1.0
    elapsed = time.perf_counter() - started
    return {"rows": rows, "ends": ends, "elapsed": elapsed, "profile": profile.speaking + ("+adapt" if profile.adapt else "")}


def report(result: dict[str, object], sample: int, seed: int) -> None:
    rows: list[dict[str, object]] = result["rows"]  # type: ignore[assignment]
    bad = [r for r in rows if r["bad"]]
    inversions = [r for r in rows if set(r["bad"]) & {"coach_voice", "assistant_mode", "ai_admission", "speaks_as_coach"}]  # type: ignore[arg-type]
    reps = sum(int(r.get("repeats", 0)) for r in rows)  # type: ignore[call-overload]
    firsts = [r["first_token_s"] for r in rows if r["first_token_s"] is not None]
    t1 = [r["first_token_s"] for r in rows if r["turn"] == 1]
    tl = [r["first_token_s"] for r in rows if r["turn"] == max(int(x["turn"]) for x in rows)]  # type: ignore[call-overload]
    print(f"\n== realism, embedded model, speaking {result['profile']} ==")
    print(f"shown lines:        {len(rows)} in {result['elapsed']:.0f}s")
    print(f"bad by the check:   {len(bad)} ({len(bad) / len(rows):.1%}); target ≤ 5%")
    print(f"role inversions:    {len(inversions)}")
    print(f"repeats in a conv.: {reps}")
    print("spoken by:          " + ", ".join(f"{k} {sum(r['spoken'] == k for r in rows)}" for k in ("model", "bank", "fallback")))
    if firsts:
        print(f"first token:        median {statistics.median(firsts):.3f}s; turn 1 {statistics.median(t1):.3f}s, "  # type: ignore[arg-type]
              f"last turn {statistics.median(tl):.3f}s")  # type: ignore[arg-type]
    print("resistance at the end (realistic):")
    for pid, ends in result["ends"].items():  # type: ignore[attr-defined]
        cells = "  ".join(f"{k} {v:.1f}" for k, v in ends.items() if k in ORDER)
        flag = "  DIRECTIVE LOWERED" if ends.get("directive_lowered") else ""
        print(f"  {pid:12s} {cells}{flag}")
    for r in bad:
        print(f"  !! [{r['persona']} {r['script']} {r['turn']}] {r['bad']} {r['manager']}")
    rng = random.Random(seed)
    print(f"\n{sample} shown lines for a human read:")
    for r in rng.sample(rows, min(sample, len(rows))):
        print(f"  [{r['persona']} {r['script']} t{r['turn']} {r['move']}] coach: {r['coach']}\n      manager: {r['manager']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--speaking", default="auto", help="auto (profile), bank, bank-adapt or free")
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--json", type=Path, default=None, help="also write every row here")
    parser.add_argument("--transcripts", type=Path, default=None, help="write every conversation as Markdown")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False), "utf-8")
    report(result, args.sample, args.seed)
    if args.transcripts:
        args.transcripts.write_text(transcripts(result), "utf-8")


def transcripts(result: dict[str, object]) -> str:
    """Every conversation in full: coach line, manager line, move, talk type, resistance."""
    rows: list[dict[str, object]] = result["rows"]  # type: ignore[assignment]
    out = [f"# Conversations with the embedded model (speaking {result['profile']}, realistic)", "",
           "Generated by `benchmarks/bench_realism_local.py --transcripts`; our own coach scripts.", ""]
    key = None
    for r in rows:
        if (r["persona"], r["script"]) != key and r["turn"] == 1:
            key = (r["persona"], r["script"])
            out += ["", f"## {r['persona']}: {r['script']} coach", ""]
        out.append(f"{r['turn']}. **Coach:** {r['coach']}  ")
        out.append(f"   **Manager** ({r['move']}, {r['talk']} talk, resistance {float(r['resistance']):.1f}): "  # type: ignore[arg-type]
                   f"{r['manager']}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
