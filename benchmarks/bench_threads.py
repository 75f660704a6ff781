"""Tokens/s of the embedded model for 1..N threads on this machine, side by side.

    .venv/bin/python benchmarks/bench_threads.py [--tokens 64] [--max-threads N]

Prints each thread count's generation speed and prompt-evaluation speed (a cold
~500-token prompt, which is what a turn's uncached part and the warm-up cost), their
ratios to the best, and which value SPARRING_THREADS should take here.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from llama_cpp import Llama

from sparring.providers.local import embedded_gguf

PROMPT = [
    {"role": "system", "content": "You are Martin, head of warehouse operations. You doubt coaching."},
    {"role": "user", "content": "What would make this time useful for you?"},
]


def prompt_speed(llama: Any) -> float:
    """Prompt tokens/s: evaluate a long cold prompt (no cached prefix)."""
    text = " ".join(m["content"] for m in PROMPT) * 20
    ids = llama.tokenize(text.encode("utf-8"))[:500]
    llama.reset()
    start = time.perf_counter()
    llama.eval(ids)
    elapsed = time.perf_counter() - start
    llama.reset()
    return len(ids) / elapsed


def measure(threads: int, tokens: int) -> tuple[float, float, float]:
    llama: Any = Llama(model_path=str(embedded_gguf()), n_ctx=2048, n_threads=threads,
                  n_threads_batch=threads, seed=1, verbose=False)
    llama.create_chat_completion(messages=PROMPT, max_tokens=4)  # warm-up
    prompt_tps = prompt_speed(llama)
    start = time.perf_counter()
    first = None
    count = 0
    for part in llama.create_chat_completion(messages=PROMPT, max_tokens=tokens, stream=True,
                                             temperature=0.8, seed=1):
        if part["choices"][0]["delta"].get("content"):
            first = first or time.perf_counter() - start
            count += 1
    total = time.perf_counter() - start
    llama.close()
    return count / total, first or total, prompt_tps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--max-threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    rows = [(n, *measure(n, args.tokens)) for n in range(1, args.max_threads + 1)]
    best = max(rows, key=lambda r: r[1])
    best_prompt = max(r[3] for r in rows)
    print(f"{'threads':>7} {'tok/s':>8} {'first token s':>14} {'ratio to best':>14} "
          f"{'prompt tok/s':>13} {'ratio to best':>14}")
    for n, tps, first, ptps in rows:
        print(f"{n:>7} {tps:>8.1f} {first:>14.3f} {tps / best[1]:>14.2f} {ptps:>13.1f} {ptps / best_prompt:>14.2f}")
    print(f"best: SPARRING_THREADS={best[0]} ({best[1]:.1f} tok/s on {os.cpu_count()} cores); "
          f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
