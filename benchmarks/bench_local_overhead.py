"""Sparring's overhead on a local reply: the full path vs raw llama-cpp-python, side by side.

    .venv/bin/python benchmarks/bench_local_overhead.py [--turns 8] [--persona sceptic] [--threads N]

Sparring's path is `PracticeSession.turn` with the embedded model (coder, dynamics,
policy, prompt, guards, streaming). Every generation it asks for is recorded (the exact
messages, seed and how many tokens came out) and replayed on a second `Llama` instance
of the same GGUF and threads with `create_chat_completion(stream=True)`, asking for the
same number of tokens. Both instances see the same prompt sequence, so both get the same
prefix-cache hits. Targets: tokens/s ratio >= 0.9, first token <= 1.3x raw.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from common import coach_line, load_average, recording_model
from llama_cpp import Llama

from sparring.engine.events import Token
from sparring.engine.session import PracticeSession
from sparring.persona.loader import get_persona
from sparring.providers.local import _to_dicts
from sparring.settings import Settings


def raw_stream(llama: Any, messages: list[dict[str, Any]], max_tokens: int, **kwargs: Any) -> tuple[float | None, float, int]:
    """(first token s, total s, tokens) for one raw streamed completion."""
    start = time.perf_counter()
    first: float | None = None
    count = 0
    for part in llama.create_chat_completion(messages=messages, max_tokens=max_tokens, stream=True, **kwargs):
        if part["choices"][0]["delta"].get("content"):
            count += 1
            if first is None:
                first = time.perf_counter() - start
    return first, time.perf_counter() - start, count


async def run(args: argparse.Namespace) -> None:
    settings = Settings(_env_file=None, threads=args.threads)
    path, model = recording_model(settings)
    raw: Any = Llama(model_path=str(path), n_ctx=settings.n_ctx, n_threads=settings.threads,
                n_threads_batch=settings.threads, seed=settings.seed, verbose=False)
    persona = get_persona(settings, args.persona)
    session = PracticeSession(persona, "realistic", model, settings)

    await session.warm_up()  # what `sparring chat` and the web app do while the coach reads
    warm = [{"role": "system", "content": session.system_prompt},
            {"role": "assistant", "content": session.opening}]
    raw.create_chat_completion(messages=warm, max_tokens=1, temperature=settings.temperature,
                               seed=settings.seed)

    rows = []
    for turn in range(args.turns):
        mark = len(model.calls)
        start = time.perf_counter()
        first: float | None = None
        async for event in session.turn(coach_line(turn)):
            if isinstance(event, Token) and first is None:
                first = time.perf_counter() - start
        total = time.perf_counter() - start
        calls = model.calls[mark:]
        tokens = sum(c.chunks for c in calls)
        raw_first: float | None = None
        raw_total = 0.0
        raw_tokens = 0
        for call in calls:
            params = {"temperature": settings.temperature, "seed": settings.seed, **call.kwargs}
            f, t, n = raw_stream(raw, _to_dicts(call.messages), max(1, call.chunks), **params)
            if raw_first is None:
                raw_first = f if f is not None else t
            raw_total += t
            raw_tokens += n
        model_first = (calls[0].first_chunk - start) if calls and calls[0].first_chunk else None
        rows.append((turn + 1, len(calls), tokens, first or total, total, model_first,
                     raw_tokens, raw_first or raw_total, raw_total))

    print(f"persona {persona.id}, {args.turns} turns, threads {settings.threads}, n_ctx {settings.n_ctx}, "
          f"GGUF {path.name}")
    print(f"{'turn':>4} {'calls':>5} {'tokens':>6} | {'sparring ttft':>13} {'(model 1st)':>11} "
          f"{'tok/s':>6} | {'raw tokens':>10} {'raw ttft':>8} {'raw tok/s':>9} | {'ttft x':>6} {'tok/s x':>7}")
    for t, ncalls, tok, first, total, mfirst, rtok, rfirst, rtotal in rows:
        print(f"{t:>4} {ncalls:>5} {tok:>6} | {first:>13.3f} {mfirst or float('nan'):>11.3f} "
              f"{tok / total:>6.1f} | {rtok:>10} {rfirst:>8.3f} {rtok / rtotal:>9.1f} | "
              f"{first / rfirst:>6.2f} {(tok / total) / (rtok / rtotal):>7.2f}")
    s_tok = sum(r[2] for r in rows)
    s_time = sum(r[4] for r in rows)
    r_tok = sum(r[6] for r in rows)
    r_time = sum(r[8] for r in rows)
    s_ttft = statistics.median(r[3] for r in rows)
    r_ttft = statistics.median(r[7] for r in rows)
    tps_ratio = (s_tok / s_time) / (r_tok / r_time)
    print(f"overall: sparring {s_tok / s_time:.1f} tok/s vs raw {r_tok / r_time:.1f} tok/s -> ratio {tps_ratio:.2f} "
          f"(target >= 0.9: {'met' if tps_ratio >= 0.9 else 'NOT met'})")
    print(f"median first token: sparring {s_ttft:.3f} s vs raw {r_ttft:.3f} s -> {s_ttft / r_ttft:.2f}x "
          f"(target <= 1.3x: {'met' if s_ttft / r_ttft <= 1.3 else 'NOT met'})")
    print(load_average())
    raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--persona", default="sceptic")
    parser.add_argument("--threads", type=int, default=Settings(_env_file=None).threads)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
