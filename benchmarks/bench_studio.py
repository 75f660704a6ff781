"""How fast the persona studio answers: the check run on every pause in typing
(validation + coverage + dynamics chart) and the Simulate button (two scripted coaches
against the draft and the saved persona, fake model, 10 turns each).

Targets: validation well under the editor's 400 ms debounce (median < 100 ms), so errors
show as the trainer types; Simulate under 5 s. Each persona file is checked 20 times with
a different trailing comment (so the loader's content cache cannot answer), in process.
Run: `.venv/bin/python benchmarks/bench_studio.py`.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sparring.persona.loader import list_persona_files, load_persona_file  # noqa: E402
from sparring.settings import Settings  # noqa: E402
from sparring.trainer import charts, personafile  # noqa: E402

REPEATS = 20


def main() -> None:
    folder = ROOT / "personas"
    settings = Settings(_env_file=None, model="fake")  # type: ignore[call-arg]
    print(f"{'persona':14} {'check p50 ms':>12} {'check max ms':>12} {'simulate s':>10}")
    for path in list_persona_files([folder]):
        text = path.read_text("utf-8")
        times = []
        for i in range(REPEATS):
            start = time.perf_counter()
            checked = personafile.check_text(folder, path.stem, f"{text}\n# {i}\n")
            assert checked.persona is not None, checked.problems
            charts.coverage(checked.persona)
            charts.dynamics_figure(checked.persona)
            times.append((time.perf_counter() - start) * 1000)
        persona = load_persona_file(path)
        start = time.perf_counter()
        asyncio.run(charts.simulate(persona, persona, settings))
        simulated = time.perf_counter() - start
        print(f"{path.stem:14} {statistics.median(times):12.0f} {max(times):12.0f} {simulated:10.2f}")


if __name__ == "__main__":
    main()
