"""What the portable llama.cpp build costs against a native (-march=native) one, side by side.

    .venv/bin/python benchmarks/bench_portable_build.py --native-python /tmp/nativevenv/bin/python

`./dev` builds llama.cpp for a baseline every x86-64 CPU of the last ten years runs (AVX2,
no AVX-512, no AMX). The other interpreter must have llama-cpp-python built natively, e.g.

    python3 -m venv /tmp/nativevenv
    CMAKE_ARGS=-DGGML_NATIVE=ON /tmp/nativevenv/bin/pip install --no-cache-dir llama-cpp-python==0.3.36

Both builds run the same GGUF, prompt and seed on one thread, alternating, `--rounds` times
each; the table prints generation and prompt tokens/s, the native/portable ratios, and which
wide instructions each build's CPU backend holds (so the two are known to differ).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

PROMPT = [
    {"role": "system", "content": "You are Martin, head of warehouse operations. You doubt coaching."},
    {"role": "user", "content": "What would make this time useful for you?"},
]


def measure(gguf: str, tokens: int) -> dict[str, float]:
    """Run inside the interpreter under test: generation and cold-prompt tokens/s on one thread."""
    from llama_cpp import Llama

    llama: Any = Llama(model_path=gguf, n_ctx=2048, n_threads=1, n_threads_batch=1, seed=1, verbose=False)
    llama.create_chat_completion(messages=PROMPT, max_tokens=4)  # warm-up
    ids = llama.tokenize((" ".join(m["content"] for m in PROMPT) * 20).encode("utf-8"))[:500]
    llama.reset()
    start = time.perf_counter()
    llama.eval(ids)
    prompt_tps = len(ids) / (time.perf_counter() - start)
    llama.reset()
    count, start = 0, time.perf_counter()
    for part in llama.create_chat_completion(messages=PROMPT, max_tokens=tokens, stream=True,
                                             temperature=0.0, seed=1):
        count += bool(part["choices"][0]["delta"].get("content"))
    gen_tps = count / (time.perf_counter() - start)
    llama.close()
    return {"gen": gen_tps, "prompt": prompt_tps}


def wide_instructions(python: str) -> str:
    """Which wide instruction sets the build's CPU backend uses (objdump over libggml-cpu)."""
    found = subprocess.run([python, "-c", "import llama_cpp, os; print(os.path.dirname(llama_cpp.__file__))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    libs = sorted(Path(found).rglob("libggml-cpu*.so*"))
    if not libs:
        return "?"
    code = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(libs[0])],
                          capture_output=True, text=True).stdout
    sets = [name for name, pattern in (("AMX", r"\bldtilecfg\b"), ("AVX-512", r"%zmm\d+"), ("AVX2", r"%ymm\d+"))
            if re.search(pattern, code)]
    return "+".join(sets) or "SSE only"


def run(python: str, gguf: str, tokens: int) -> dict[str, float]:
    out = subprocess.run([python, __file__, "--measure", gguf, "--tokens", str(tokens)],
                         capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--native-python", help="an interpreter whose llama-cpp-python is a native build")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=96)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.tokens)))
        return
    if not args.native_python:
        parser.error("--native-python is required (see the module docstring for how to build one)")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sparring.providers.local import embedded_gguf

    gguf = str(embedded_gguf())
    builds = {"portable": sys.executable, "native": args.native_python}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in builds}
    for _ in range(args.rounds):  # alternate, so drift in machine load hits both alike
        for name, python in builds.items():
            results[name].append(run(python, gguf, args.tokens))
    print(f"{'build':>9} {'instructions':>16} {'gen tok/s':>10} {'prompt tok/s':>13}")
    med: dict[str, dict[str, float]] = {}
    for name, python in builds.items():
        med[name] = {k: statistics.median(r[k] for r in results[name]) for k in ("gen", "prompt")}
        print(f"{name:>9} {wide_instructions(python):>16} {med[name]['gen']:>10.1f} {med[name]['prompt']:>13.1f}")
    print(f"portable / native: generation {med['portable']['gen'] / med['native']['gen']:.2f}x, "
          f"prompt {med['portable']['prompt'] / med['native']['prompt']:.2f}x "
          f"(medians of {args.rounds} alternating runs, 1 thread; load average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
