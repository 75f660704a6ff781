"""Coaches taking turns on one embedded model: seconds per turn without and with the state cache.

    .venv/bin/python benchmarks/bench_state_cache.py [--coaches 2] [--turns 4] [--cache-mb 256]

Each coach's practice is played through `PracticeSession` on the real embedded model
(`SPARRING_SPEAKING=free`, so the model writes every reply), and the coaches take turns:
coach 1's turn, coach 2's turn, and so on. llama.cpp keeps one KV cache, so without the
state cache (`SPARRING_STATE_CACHE_MB=0`) each turn starts from the other coach's prompt
and evaluates its own system prompt and history again; with it, the worker restores the
coach's own saved state and evaluates only the new part. Both settings run back to back in
one process, each on its own model worker; the same seeds and lines, so the prompts match.
Prints per-setting mean and p95 seconds per turn (after every coach's first turn, which is
cold either way), the ratio, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from common import coach_line, load_average

from sparring.engine.session import PracticeSession
from sparring.persona.loader import get_persona
from sparring.providers import make_chat_model
from sparring.settings import Settings

PERSONAS = ("sceptic", "firefighter", "senior", "defensive", "yes-but", "new-manager")


async def play(cache_mb: int, coaches: int, turns: int) -> list[float]:
    settings = Settings(_env_file=None, model="local", speaking="free", temperature=0.0,  # type: ignore[call-arg]
                        max_reply_tokens=24, state_cache_mb=cache_mb)
    model = make_chat_model("local", settings)
    sessions = [PracticeSession(get_persona(settings, PERSONAS[i % len(PERSONAS)]), "realistic", model, settings,
                                seed=11 + i) for i in range(coaches)]
    timings: list[float] = []
    for turn in range(turns):
        for session in sessions:
            started = time.perf_counter()
            await session.reply(coach_line(turn))
            if turn:  # every coach's first turn is cold with or without the cache
                timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coaches", type=int, default=2)
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--cache-mb", type=int, default=256)
    args = parser.parse_args()
    print(f"{args.coaches} coaches taking turns, {args.turns} turns each, embedded model writing every reply")
    rows = {}
    for cache_mb in (0, args.cache_mb):
        timings = asyncio.run(play(cache_mb, args.coaches, args.turns))
        rows[cache_mb] = timings
        p95 = sorted(timings)[max(0, round(0.95 * len(timings)) - 1)]
        print(f"state cache {cache_mb:>4} MB: mean {statistics.mean(timings):5.2f} s per turn, p95 {p95:5.2f} s "
              f"({len(timings)} turns)", flush=True)
    ratio = statistics.mean(rows[args.cache_mb]) / statistics.mean(rows[0])
    print(f"with the cache / without: {ratio:.2f}x mean seconds per turn")
    print(load_average())


if __name__ == "__main__":
    main()
