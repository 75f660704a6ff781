"""Precision and recall of the reply guards on hand-labelled manager replies.

evals/data/manager_replies.jsonl holds real embedded-model replies (from
gen_manager_replies.py, plus the ones quoted in issue 13) and authored bank lines, each
labelled by a person: `ok` (in character and coherent for this manager and this move)
or `bad`. A guard "flags" a reply when `guards.check` rejects it with the persona's
world and the move it was voicing. Positive = bad.

    .venv/bin/python benchmarks/bench_guard_accuracy.py [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sparring.engine import guards  # noqa: E402
from sparring.engine.prompt import render_system_prompt  # noqa: E402
from sparring.persona.loader import load_personas  # noqa: E402
from sparring.settings import load_settings  # noqa: E402

DATA = ROOT / "evals" / "data" / "manager_replies.jsonl"


def verdicts(rows: list[dict[str, str]]) -> list[tuple[dict[str, str], list[str]]]:
    settings = load_settings()
    personas = load_personas(settings.personas_dir)
    out = []
    for row in rows:
        p = personas[row["persona"]]
        world = guards.world_words(render_system_prompt(p, "realistic", settings), *(c.text for c in p.concerns))
        ctx = guards.GuardContext(speaker_names=(p.name, *p.name.split()), move=row["move"], world=world,
                                  coach_text=row.get("coach", ""))
        out.append((row, guards.check(row["text"], ctx).failures))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--show", action="store_true", help="print the misses")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.data.read_text("utf-8").splitlines() if line.strip()]
    judged = verdicts(rows)
    tp = sum(1 for r, f in judged if f and r["label"] == "bad")
    fp = sum(1 for r, f in judged if f and r["label"] == "ok")
    fn = sum(1 for r, f in judged if not f and r["label"] == "bad")
    tn = sum(1 for r, f in judged if not f and r["label"] == "ok")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    sources = Counter(r["source"] for r in rows)
    print(f"labelled replies: {len(rows)} ({', '.join(f'{k} {v}' for k, v in sources.items())}); "
          f"bad {tp + fn}, ok {fp + tn}")
    print(f"guards: precision {precision:.2f}  recall {recall:.2f}  (tp {tp}, fp {fp}, fn {fn}, tn {tn})")
    for source in sources:
        sub = [(r, f) for r, f in judged if r["source"] == source]
        bad = [x for x in sub if x[0]["label"] == "bad"]
        caught = sum(1 for _, f in bad if f)
        false = sum(1 for r, f in sub if f and r["label"] == "ok")
        print(f"  {source:15s} bad {len(bad):3d}, caught {caught:3d}; ok flagged {false}")
    print("by guard (flags on bad / on ok): " + ", ".join(
        f"{k} {sum(1 for r, f in judged if f and f[0] == k and r['label'] == 'bad')}/"
        f"{sum(1 for r, f in judged if f and f[0] == k and r['label'] == 'ok')}"
        for k in sorted({f[0] for _, f in judged if f})))
    if args.show:
        for r, f in judged:
            if bool(f) != (r["label"] == "bad"):
                print(f"  {'FP' if f else 'FN'} [{r['persona']} {r['move']}] {f} {r['text']}")


if __name__ == "__main__":
    main()
