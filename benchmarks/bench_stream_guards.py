"""The guards' cost per streamed reply: the full scan on every token against the `Scanner`.

    .venv/bin/python benchmarks/bench_stream_guards.py [--rounds 200]

The stream checks the cleaned partial reply after every token. `guards.scan` reads all of
it each time; `Scanner` (what the stream uses) reads only where something new can match.
Both run here on the same partial replies, word by word as the fake model streams them,
with the sceptic persona's real guard context (its concerns, the turn note, a cold move):
its own bank lines (what the fake model and the embedded model say: 10-25 words) and
longer replies made of two to four of them (what a hosted model may write), in ms of CPU
per reply. The answers of both are compared on every partial reply on the way.
"""

from __future__ import annotations

import argparse
import re
import time

from common import ROOT  # noqa: F401  - puts the checkout first on sys.path

from sparring.engine import guards
from sparring.engine.policy import choose_move
from sparring.engine.prompt import build_messages
from sparring.engine.scanner import Scanner
from sparring.engine.session import PracticeSession
from sparring.persona.loader import get_persona
from sparring.providers import FakeChatModel
from sparring.settings import Settings

_WORDS = re.compile(r"\S+\s*")


def context(settings: Settings) -> tuple[guards.GuardContext, list[str]]:
    """The guard context of a first turn with the sceptic, and the persona's bank lines."""
    persona = get_persona(settings, "sceptic")
    session = PracticeSession(persona, "realistic", FakeChatModel(), settings)
    coach = "You should start holding weekly one-to-ones with everyone."
    coded = session.coder.code(coach, None)
    state = session.state
    decision = choose_move(state, state, coded, 0.0, persona, coach, 7)
    messages = build_messages(persona, "realistic", settings, opening=persona.opening_line, turns=[],
                              coach_text=coach, decision=decision, state=state,
                              system_prompt=session.system_prompt)
    ctx = session._watch.context(coach, decision, state, str(messages[-1].content), session.transcript)
    lines = [entry.text for entries in persona.lines.values() for entry in entries if entry.concern is None]
    return ctx, lines


def partials(reply: str, ctx: guards.GuardContext) -> list[str]:
    pieces, raw, out = _WORDS.findall(reply), "", []
    for piece in pieces:
        raw += piece
        out.append(guards.clean(raw, ctx))
    return out


def timed(replies: list[list[str]], ctx: guards.GuardContext, rounds: int, incremental: bool) -> float:
    start = time.process_time()
    for _ in range(rounds):
        for texts in replies:
            scanner = Scanner(ctx)
            for text in texts:
                scanner.scan(text) if incremental else guards.scan(text, ctx)
    return (time.process_time() - start) * 1000 / (rounds * len(replies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    settings = Settings(model="fake")
    ctx, lines = context(settings)
    kinds = {"bank line": lines}
    for n in (2, 4):
        kinds[f"{n} bank lines"] = [" ".join(lines[i : i + n]) for i in range(0, len(lines) - n, n)]
    print(f"move {ctx.move!r}, {len(ctx.forbidden)} concerns kept back, note {len(ctx.note)} chars")
    print(f"{'reply':<14} {'replies':>7} {'words':>6} {'full scan ms':>12} {'Scanner ms':>10} {'ratio':>6}")
    for name, replies in kinds.items():
        texts = [partials(r, ctx) for r in replies]
        for steps in texts:  # the same answers, or the timing means nothing
            scanner = Scanner(ctx)
            assert all(scanner.scan(t) == guards.scan(t, ctx) for t in steps)
        full = timed(texts, ctx, args.rounds, incremental=False)
        fast = timed(texts, ctx, args.rounds, incremental=True)
        words = sum(len(_WORDS.findall(r)) for r in replies) / len(replies)
        print(f"{name:<14} {len(replies):>7} {words:>6.0f} {full:>12.2f} {fast:>10.2f} {fast / full:>6.2f}")


if __name__ == "__main__":
    main()
