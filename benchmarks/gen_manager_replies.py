"""Raw embedded-model manager replies, unguarded, for the labelled set.

Plays coach lines against every persona in free-writing mode, but records what the model
wrote *before* any guard, cleaned only the way the engine cleans (label and line trimming),
with the move it was asked to voice. A person then labels each reply in
evals/data/manager_replies.jsonl (in character and coherent: ok, or bad) and
bench_guard_accuracy.py scores the guards against those labels.

    SPARRING_THREADS=1 .venv/bin/python benchmarks/gen_manager_replies.py --per-persona 14 > /tmp/raw.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_realism_local import SCRIPTS

from sparring.coding.rules import RulesCoder
from sparring.engine import guards
from sparring.engine.dynamics import apply_codes
from sparring.engine.policy import choose_move, commit
from sparring.engine.prompt import build_messages
from sparring.engine.transcript import ManagerState
from sparring.persona.loader import load_personas
from sparring.providers import make_chat_model
from sparring.settings import load_settings


async def run(args: argparse.Namespace) -> None:
    settings = load_settings().model_copy(update={"seed": args.seed})
    model = make_chat_model("local", settings)
    coder = RulesCoder()
    lines = [line for kind in ("skilled", "mixed", "directive") for line in SCRIPTS[kind]]
    for p_index, persona in enumerate(load_personas(settings.personas_dir).values()):
        state = ManagerState(resistance=persona.starting_resistance["realistic"])
        names = (persona.name, *persona.name.split())
        for i in range(args.per_persona):
            coach = lines[(i * 3 + p_index) % len(lines)]
            codes = coder.code(coach, None)
            moved, delta = apply_codes(state, codes, persona.dynamics, "realistic")
            decision = choose_move(state, moved, codes, delta.applied, persona, coach, args.seed + i)
            messages = build_messages(persona, "realistic", settings, opening=persona.opening_line, turns=[],
                                      coach_text=coach, decision=decision, state=moved, adapt=args.adapt)
            reply = await model.ainvoke(messages, seed=args.seed + 100 * i + p_index)
            text = guards.clean(str(reply.content), guards.GuardContext(speaker_names=names))
            print(json.dumps({"persona": persona.id, "move": decision.move.value, "coach": coach, "text": text,
                              "bank_line": decision.example, "source": "embedded-adapt" if args.adapt else "embedded"},
                             ensure_ascii=False), flush=True)
            state = commit(moved, decision, decision.example)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-persona", type=int, default=14)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--adapt", action="store_true", help="ask only to adapt the chosen bank line")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
