"""Does `sparring eval --concurrency` pay off? 40 persona cases against a fake model that
takes 200 ms per call, run sequentially and with `--concurrency 8`, side by side.

Target: the concurrent run takes under a quarter of the sequential time (ideal: 1/8
plus the engine's own CPU time per turn, which does not overlap). Both runs go
through the real command (`sparring eval ... --model fake`) with
SPARRING_FAKE_SCRIPT / SPARRING_FAKE_TOKEN_DELAY making each reply one token after
a 200 ms wait. Prints wall-clock seconds of each run and the ratio.
Run: `.venv/bin/python benchmarks/bench_eval_concurrency.py`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner  # noqa: E402

from sparring.cli.eval import eval_command  # noqa: E402

CASES = 40
CONCURRENCY = 8
DELAY_S = 0.2
TARGET_RATIO = 0.25


def write_suite(folder: Path) -> Path:
    lines = ["kind: persona", "name: bench", "persona: sceptic", "cases:"]
    for i in range(CASES):
        lines += [f"  - id: case-{i:02d}", "    coach:", "      - What does a good week look like for you?",
                  "    expect:", "      - {type: in-character}"]
    path = folder / "bench.yaml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def timed(suite: Path, out: Path, concurrency: int) -> tuple[float, int, float]:
    started = time.perf_counter()
    result = CliRunner().invoke(
        eval_command,
        [str(suite), "--model", "fake", "--no-cache", "--concurrency", str(concurrency), "--json", str(out)],
        catch_exceptions=False,
    )
    wall = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"eval failed (exit {result.exit_code}):\n{result.output}")
    data = json.loads(out.read_text())
    calls = sum(t["attempts"] for s in data["suites"] for r in s["runs"] for t in r["transcript"]["turns"])
    return wall, calls, data["seconds"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "script.txt").write_text("Right.\n", "utf-8")
        os.environ.update(SPARRING_FAKE_SCRIPT=str(folder / "script.txt"), SPARRING_FAKE_TOKEN_DELAY=str(DELAY_S),
                          SPARRING_DATA_DIR=str(folder / "data"))
        suite = write_suite(folder)
        timed(suite, folder / "warm.json", CONCURRENCY)  # imports and persona files, so neither run pays for them
        seq, seq_calls, seq_run = timed(suite, folder / "seq.json", 1)
        par, par_calls, par_run = timed(suite, folder / "par.json", CONCURRENCY)
    ratio = par / seq
    print(f"{CASES} cases, {seq_calls} model calls of {DELAY_S * 1000:.0f} ms each")
    print(f"sequential (--concurrency 1):  {seq:6.2f} s wall ({seq_run:.2f} s running cases)")
    print(f"concurrent (--concurrency {CONCURRENCY}):  {par:6.2f} s wall ({par_run:.2f} s running cases)")
    print(f"ratio concurrent/sequential:   {ratio:6.3f}  (target < {TARGET_RATIO}; ideal {1 / CONCURRENCY:.3f})")
    print("PASS" if ratio < TARGET_RATIO else "FAIL")
    assert seq_calls == par_calls == CASES


if __name__ == "__main__":
    main()
