"""How well does the coder agree with experts? Per-label F1 and confusion tables, side by side.

Columns: the learned coder cross-validated on the AnnoMI training split (5 folds
grouped by transcript: a conversation never straddles folds; thresholds chosen on
the same out-of-fold data), the rules alone on the same turns; the same for the gold
dev split (grouped by manager line); and the gold test split, which no fitting or
threshold ever saw, for the shipped learned coder and the rules.

    .venv/bin/python benchmarks/bench_coder_accuracy.py [--full] [--nested]

`--full` also prints precision/recall/F1 per label and the confusion tables; `--nested`
adds the nested check (each fold's thresholds chosen on the other four folds only).
Needs scikit-learn (`pip install -e '.[train]'`) for the cross-validation and the
AnnoMI split in ../shared/data; without either it says so and prints only the gold
test split.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sparring.coding.corpus import ANNOMI  # noqa: E402
from sparring.coding.learned import LearnedCoder  # noqa: E402
from sparring.coding.rules import RulesCoder  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="per-label P/R/F1 and confusion tables too")
    parser.add_argument("--nested", action="store_true",
                        help="also the nested check: thresholds chosen on four folds, applied to the fifth (~3 min)")
    args = parser.parse_args()
    columns = []
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("skipped cross-validation: scikit-learn is not installed (pip install -e '.[train]')")
        have_sklearn = False
    else:
        have_sklearn = True
    if have_sklearn and not (ANNOMI / "therapist_turns.jsonl").exists():
        print(f"skipped cross-validation: {ANNOMI} not found (the AnnoMI split lives in ../shared/data)")
    elif have_sklearn:
        from sparring.coding.training import Config
        from sparring.coding.validation import cross_validate

        val = cross_validate(Config())
        print("thresholds chosen on the folds: " + ", ".join(
            f"{h}={t:.3f}/{val.modes.get(h, 'rules veto')}" for h, t in val.thresholds.items()))
        columns += val.columns
        if args.nested:
            from sparring.coding.validation import nested

            columns += nested(val)
    from sparring.coding.validation import full_tables, held_out, side_by_side

    columns += held_out(LearnedCoder(), RulesCoder())
    print(side_by_side(columns))
    if args.full:
        print()
        print(full_tables(columns))


if __name__ == "__main__":
    main()
