"""Nothing slower: this tree against an earlier commit, measured side by side in one run.

    .venv/bin/python benchmarks/bench_before_after.py [--base 8f20253] [--rounds 5]

Checks the base commit out into a temporary git worktree and runs the same probes on both
trees, alternating (base, this, base, this, ...) so that load on the machine falls on both
alike; each probe is a fresh process with that tree first on `sys.path`. Prints the median
of each figure per tree and the ratio this/base (issue 14: every ratio within 5%).

- **first token**: a 10-turn scripted conversation with the fake model streaming at
  `SPARRING_FAKE_TOKEN_DELAY`, driven the way `sparring chat` drives it (through
  `sparring.practice.Practice` where it exists, else `PracticeSession` directly): median
  time from sending a line to its first token, in ms.
- **coder**: turns per second of process CPU coding the gold set (cycled to 5,000 turns)
  with the default coder, as `sparring annotate` does.

Server p95 first token is `bench_server_load.py` (it compares against a bare Chainlit app).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import load_average

ROOT = Path(__file__).resolve().parents[1]

FIRST_TOKEN = r"""
import asyncio, json, statistics, time
from sparring.engine.events import Token
from sparring.engine.session import PracticeSession
from sparring.persona.loader import get_persona
from sparring.providers import make_chat_model
from sparring.settings import Settings
try:
    from sparring.practice import Practice
except ImportError:
    Practice = None
LINES = ["What has this year been like for your team?", "What would make this hour useful?",
         "So the reporting lands on you every Friday.", "What matters most to you this quarter?",
         "You've seen programmes come and go.", "How would you like to use our time?",
         "What would a good month look like?", "It sounds like you're carrying a lot.",
         "What have you tried so far?", "What would you want to be different by spring?"]
async def main():
    settings = Settings(_env_file=None, model="fake")
    persona = get_persona(settings, "sceptic")
    session = PracticeSession(persona, "realistic", make_chat_model("fake", settings), settings, seed=7)
    driver = Practice(session) if Practice else session
    firsts = []
    for line in LINES:
        start = time.perf_counter(); first = None
        async for event in driver.turn(line):
            if first is None and isinstance(event, Token):
                first = time.perf_counter() - start
        firsts.append(first if first is not None else time.perf_counter() - start)
    print(json.dumps({"first_token_ms": statistics.median(firsts) * 1000}))
asyncio.run(main())
"""

CODER = r"""
import itertools, json, time
from pathlib import Path
import importlib
try:
    default_coder = importlib.import_module("sparring.coding.learned").default_coder
except ImportError:  # before the layout change
    default_coder = importlib.import_module("sparring." + "evaluation.learned").default_coder
rows = [json.loads(l) for l in Path("evals/data/gold.jsonl").read_text("utf-8").splitlines() if l.strip()]
work = list(itertools.islice(itertools.cycle([(r["text"], r["context"]) for r in rows]), 5000))
coder = default_coder(); coder.code("Warm up?", None)
cpu = time.process_time()
for i, (text, context) in enumerate(work):
    coder.code(text, f"{context} ({i})" if context else None)
print(json.dumps({"coder_turns_per_s": len(work) / (time.process_time() - cpu)}))
"""


def probe(tree: Path, code: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree), "SPARRING_FAKE_TOKEN_DELAY": "0.005",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    env = {k: v for k, v in env.items() if not k.startswith("SPARRING_") or k == "SPARRING_FAKE_TOKEN_DELAY"}
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="8f20253", help="the commit to compare against")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{load_average()} at start")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base), args.base], cwd=ROOT, check=True)
        try:
            figures: dict[str, dict[str, list[float]]] = {"base": {}, "this": {}}
            for _ in range(args.rounds):
                for name, tree in (("base", base), ("this", ROOT)):
                    for code in (FIRST_TOKEN, CODER):
                        for key, value in probe(tree, code).items():
                            figures[name].setdefault(key, []).append(value)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)
    print(f"{load_average()} at end; medians of {args.rounds} alternating rounds, base {args.base}")
    print(f"{'figure':<22}{'base':>12}{'this tree':>12}{'this/base':>11}  better is")
    for key, better in (("first_token_ms", "lower"), ("coder_turns_per_s", "higher")):
        before, after = statistics.median(figures["base"][key]), statistics.median(figures["this"][key])
        print(f"{key:<22}{before:>12.1f}{after:>12.1f}{after / before:>10.2f}x  {better}")


if __name__ == "__main__":
    main()
