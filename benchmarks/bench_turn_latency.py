"""Time to first token over a conversation with the embedded model: turn 1, 5, 10, 20.

    .venv/bin/python benchmarks/bench_turn_latency.py [--turns 20] [--persona sceptic] [--no-warm-up]

Plays a scripted coach through `PracticeSession` as the CLI and web app do: `warm_up()`
after the opening line and after every reply, standing in for the coach reading and
typing (its time is printed as "warm s": it is off the reply path). Prints, per reported
turn, the time to the first shown token, the prompt size in model tokens, and how many
of them llama.cpp reused from its cached prefix (only the rest is evaluated before the
first token). `--no-warm-up` warms only the opening, as before. Target: turn 20 no
slower than 1.5x turn 1.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from common import coach_line, load_average, recording_model

from sparring.engine.events import Token
from sparring.engine.session import PracticeSession
from sparring.persona.loader import get_persona
from sparring.settings import Settings

REPORT = (1, 5, 10, 20)


async def run(args: argparse.Namespace) -> None:
    settings = Settings(_env_file=None, threads=args.threads)
    _, model = recording_model(settings)
    persona = get_persona(settings, args.persona)
    session = PracticeSession(persona, "realistic", model, settings)
    await session.warm_up()
    print(f"persona {persona.id}, threads {settings.threads}, n_ctx {settings.n_ctx}, "
          f"warm-up after each reply: {'no' if args.no_warm_up else 'yes'}")
    print(f"{'turn':>4} {'ttft s':>7} {'total s':>7} {'prompt tok':>10} {'reused':>6} {'evaluated':>9} "
          f"{'attempts':>8} {'engine prompt_tokens':>20} {'warm s':>6}")
    firsts: dict[int, float] = {}
    evaluated: dict[int, int] = {}
    for turn in range(1, args.turns + 1):
        mark = len(model.calls)
        start = time.perf_counter()
        first: float | None = None
        record = None
        async for event in session.turn(coach_line(turn - 1)):
            if isinstance(event, Token) and first is None:
                first = time.perf_counter() - start
            record = getattr(event, "record", record)
        total = time.perf_counter() - start
        firsts[turn] = first or total
        calls = model.calls[mark:]
        warm = 0.0
        if not args.no_warm_up:  # the coach reads the reply and types the next line
            warm_start = time.perf_counter()
            await session.warm_up()
            warm = time.perf_counter() - warm_start
        if calls:
            evaluated[turn] = calls[0].prompt_tokens - calls[0].reused_tokens
        if turn in REPORT or args.verbose:
            c = calls[0] if calls else None
            prompt = c.prompt_tokens if c else 0
            reused = c.reused_tokens if c else 0
            engine_tokens = record.timing.prompt_tokens if record else 0
            print(f"{turn:>4} {firsts[turn]:>7.2f} {total:>7.2f} {prompt:>10} {reused:>6} {prompt - reused:>9} "
                  f"{len(calls):>8} {engine_tokens:>20} {warm:>6.2f}", flush=True)
    last = max(t for t in REPORT if t <= args.turns)
    ratio = firsts[last] / firsts[1]
    print(f"turn {last} / turn 1 first token: {firsts[last]:.2f} s / {firsts[1]:.2f} s = {ratio:.2f}x "
          f"(target <= 1.5x: {'met' if ratio <= 1.5 else 'NOT met'})")
    if evaluated.get(last) and evaluated.get(1):
        print(f"tokens evaluated before the first token, turn {last} / turn 1: {evaluated[last]} / "
              f"{evaluated[1]} = {evaluated[last] / evaluated[1]:.2f}x (independent of machine load)")
    print(load_average())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--persona", default="sceptic")
    parser.add_argument("--threads", type=int, default=Settings(_env_file=None).threads)
    parser.add_argument("--verbose", action="store_true", help="print every turn")
    parser.add_argument("--no-warm-up", action="store_true", help="warm only the opening line (the old path)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
