"""Tokens/s of the embedded model for 1..N threads on this machine, side by side.

    .venv/bin/python benchmarks/bench_threads.py [--tokens 64] [--max-threads N]

Prints each thread count's generation speed and its ratio to the best, and
which value SPARRING_THREADS should take here.
"""

from __future__ import annotations

import argparse
import os
import time

from llama_cpp import Llama

from sparring.providers.local import embedded_gguf

PROMPT = [
    {"role": "system", "content": "You are Martin, head of warehouse operations. You doubt coaching."},
    {"role": "user", "content": "What would make this time useful for you?"},
]


def measure(threads: int, tokens: int) -> tuple[float, float]:
    llama = Llama(model_path=str(embedded_gguf()), n_ctx=2048, n_threads=threads,
                  n_threads_batch=threads, seed=1, verbose=False)
    llama.create_chat_completion(messages=PROMPT, max_tokens=4)  # warm-up
    llama.reset()
    start = time.perf_counter()
    first = None
    count = 0
    for part in llama.create_chat_completion(messages=PROMPT, max_tokens=tokens, stream=True,
                                             temperature=0.8, seed=1):
        if part["choices"][0]["delta"].get("content"):
            first = first or time.perf_counter() - start
            count += 1
    total = time.perf_counter() - start
    return count / total, first or total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--max-threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    rows = [(n, *measure(n, args.tokens)) for n in range(1, args.max_threads + 1)]
    best = max(rows, key=lambda r: r[1])
    print(f"{'threads':>7} {'tok/s':>8} {'first token s':>14} {'ratio to best':>14}")
    for n, tps, first in rows:
        print(f"{n:>7} {tps:>8.1f} {first:>14.3f} {tps / best[1]:>14.2f}")
    print(f"best: SPARRING_THREADS={best[0]} ({best[1]:.1f} tok/s on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
