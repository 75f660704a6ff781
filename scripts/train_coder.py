"""Refit the learned coder from ../shared/data/annomi-train and evals/data/gold.jsonl (dev split).

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python scripts/train_coder.py            # fit, print figures, write the weights
    .venv/bin/python scripts/train_coder.py --dry-run  # fit and print, write nothing

Deterministic: the same data and options give the same bytes and the same sha256.
Prints the data hashes, the chosen thresholds, the cross-validated figures (grouped
by transcript) beside the rules-only baseline, and the gold test split (never used
for fitting) for both coders. Writes `sparring/coding/coder_weights.json` and
its digest `coder_weights.sha256`, which the run-time loader checks.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sparring.coding.corpus import ANNOMI, data_hashes  # noqa: E402
from sparring.coding.learned import WEIGHTS, WEIGHTS_SHA256, LearnedCoder, parse_weights  # noqa: E402
from sparring.coding.rules import RulesCoder  # noqa: E402
from sparring.coding.training import SEED, Config, dumps, fit_final  # noqa: E402
from sparring.coding.validation import cross_validate, held_out, side_by_side  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--c", type=float, default=Config.c, help="inverse L2 regularisation strength")
    parser.add_argument("--min-df", type=int, default=Config.min_df, help="minimum training turns per feature")
    parser.add_argument("--gold-weight", type=float, default=Config.gold_weight, help="weight of a gold dev turn")
    parser.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    args = parser.parse_args()
    if not (ANNOMI / "therapist_turns.jsonl").exists():
        sys.exit(f"training data not found: {ANNOMI} (the AnnoMI split lives in ../shared/data)")
    cfg = Config(c=args.c, min_df=args.min_df, gold_weight=args.gold_weight)
    started = time.perf_counter()
    hashes = data_hashes()
    print(f"seed {SEED}; config {cfg}")
    for name, digest in hashes.items():
        print(f"data sha256 {digest}  {name}")
    val = cross_validate(cfg)
    print("thresholds " + ", ".join(f"{h}={t:.3f}/{val.modes.get(h, 'rules veto')}" for h, t in val.thresholds.items()))
    doc = fit_final(val.prep, cfg, val.thresholds, val.modes,
                    {"trained_by": "scripts/train_coder.py", "data_sha256": hashes,
                     "turns": {"annomi": sum(e.source == "annomi" for e in val.prep.examples),
                               "gold_dev": sum(e.source == "gold" for e in val.prep.examples)}})
    raw = dumps(doc)
    digest = hashlib.sha256(raw).hexdigest()
    coder = LearnedCoder(parse_weights(raw, digest))
    columns = val.columns + held_out(coder, RulesCoder())
    print(side_by_side(columns))
    print(f"features {len(doc['vocabulary'])}; weights {len(raw) / 1024:.0f} KiB; sha256 {digest}; "
          f"{time.perf_counter() - started:.0f} s")
    if args.dry_run:
        return
    WEIGHTS.write_bytes(raw)
    WEIGHTS_SHA256.write_text(digest + "\n", "utf-8")
    print(f"wrote {WEIGHTS.relative_to(ROOT)} and {WEIGHTS_SHA256.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
