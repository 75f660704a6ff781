"""The stream's incremental guard (`Scanner`) decides exactly as `guards.scan` does.

Every reply is cut into random tokens (inside words, inside a pattern's phrase, across
sentence ends), and after each token the scanner's answer on the partial reply must be
`guards.scan`'s on the same text. The replies are built from phrases that trip every
alternative of every pattern `scan` searches (generated from the patterns themselves),
the persona's own concerns and lines, the coach's line, the turn note and filler.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparring.engine import guards, sense
from sparring.engine.scanner import _ROLE, Scanner
from sparring.engine.stream import RUBRIC_TERMS
from sparring.engine.watch import public_text
from sparring.engine.window import Runs, Windowed, alternatives, windowed
from sparring.persona.loader import load_persona_file

PERSONA = load_persona_file(Path(__file__).resolve().parents[1] / "personas" / "sceptic.yaml")
#: Every pattern `guards.scan` searches or matches, as shipped.
SHIPPED = [p for p, _ in _ROLE] + [sense._MAN, sense._AGREEABLE, guards._COACH_LINE]
ALTERNATIVES = [(p, alt) for p in SHIPPED for alt in alternatives(p.pattern)]
NOTE = ("Resistance is high: push back on the coach. Say it in one to three short sentences, "
        "in your own words. Do not mention the restructuring.")
KEYS = guards.concern_keys(PERSONA.concerns, public_text(PERSONA, PERSONA.backstory))
CONTEXTS = [
    guards.GuardContext(
        coach_text="What would make this conversation worth your time today, do you think?",
        speaker_names=(PERSONA.name, *PERSONA.name.split()), forbidden=KEYS, note=NOTE,
        move=move, world=guards.world_words(PERSONA.backstory), max_words=words)
    for move, words in (("vent", 60), ("yes_but", 60), ("comply", 25))
]
LINES = [line for lines in PERSONA.example_lines.values() for line in lines]
#: What the word checks look for: concern phrases (and their plurals), the coach's line and
#: the note (echoes), foreign words, loops; drawn as often as the patterns' triggers.
PHRASES = [
    *(c.text for c in PERSONA.concerns), CONTEXTS[0].coach_text, NOTE,
    *(re.sub(r"\b(\w{4,})\b", r"\1s", c.text) for c in PERSONA.concerns),  # plurals: the "s" rule
    *sorted(sense.FOREIGN)[:20], "no, no, no, no", "1. Listen more 2. Ask less", "Coach:",
    "“quoted”", "  ", "\n", "**", "2024", "man", "ager", "as an", " assistant to",
]


def _trigger(pattern: re.Pattern[str], alt: str) -> st.SearchStrategy[str]:
    return st.from_regex(re.compile(alt, pattern.flags))


PIECES = st.one_of(st.sampled_from(PHRASES), st.sampled_from(LINES), st.one_of(*(_trigger(p, alt) for p, alt in ALTERNATIVES)),
                   st.text(max_size=12))
SEPARATORS = st.sampled_from([" ", "  ", ", ", ". ", "! ", "? ", "\n", "", " - ", "\t"])


@st.composite
def split_reply(draw: st.DrawFn) -> list[str]:
    """A reply of a few pieces, cut into tokens at random places."""
    parts = draw(st.lists(st.tuples(PIECES, SEPARATORS), min_size=1, max_size=5))
    reply = "".join(p + s for p, s in parts)
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(reply) - 1)), max_size=40)))
    return [reply[a:b] for a, b in zip([0, *cuts], [*cuts, len(reply)], strict=True) if b > a]


def disagreements(make: Callable[[guards.GuardContext], Scanner], tokens: Sequence[str],
                  ctx: guards.GuardContext, cleaned: bool = False) -> list[tuple[str, str | None, str | None]]:
    """(text, scanner's answer, `guards.scan`'s answer) wherever they differ, feeding the
    partial reply token by token (through `guards.clean`, as the stream does, if asked)."""
    scanner, raw, out = make(ctx), "", []
    for token in tokens:
        raw += token
        text = guards.clean(raw, ctx) if cleaned else raw
        got, want = scanner.scan(text), guards.scan(text, ctx)
        if got != want:
            out.append((text, got, want))
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=split_reply(), which=st.sampled_from(range(len(CONTEXTS))), cleaned=st.booleans())
def test_the_scanner_decides_as_the_full_scan_on_every_split(tokens: list[str], which: int,
                                                             cleaned: bool) -> None:
    assert disagreements(Scanner, tokens, CONTEXTS[which], cleaned) == []


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.parametrize(("pattern", "alt"), ALTERNATIVES, ids=[a[:40] for _, a in ALTERNATIVES])
def test_every_shipped_alternative_is_found_across_any_cut(pattern: re.Pattern[str], alt: str,
                                                           data: st.DataObject) -> None:
    phrase = data.draw(_trigger(pattern, alt))
    filler = data.draw(st.sampled_from(LINES))
    reply = f"{filler} {phrase} {filler}"
    ctx = data.draw(st.sampled_from(CONTEXTS))
    for cut in range(len(filler) - 2, len(filler) + len(phrase) + 4):  # every cut in the phrase
        assert disagreements(Scanner, [reply[:cut], reply[cut:]], ctx) == [], (alt, cut)


@pytest.mark.parametrize("phrase", PHRASES, ids=[p[:24] for p in PHRASES])
def test_every_phrase_is_decided_alike_however_it_is_cut(phrase: str) -> None:
    """The word checks' phrases, each alone and after a persona line, cut at random places."""
    rng = random.Random(phrase)
    for reply in (phrase, f"{LINES[0]} {phrase}"):
        for ctx in CONTEXTS:
            for _ in range(4):
                cuts = sorted(rng.sample(range(1, len(reply)), min(len(reply) - 1, rng.randint(1, 12))))
                tokens = [reply[a:b] for a, b in zip([0, *cuts], [*cuts, len(reply)], strict=True)]
                assert disagreements(Scanner, tokens, ctx, cleaned=rng.random() < 0.5) == [], tokens


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=split_reply(), extra=st.from_regex(RUBRIC_TERMS))
def test_the_rubric_filter_finds_what_a_full_search_finds(tokens: list[str], extra: str) -> None:
    """`without_rubric`'s windowed search, on the shown text growing token by token."""
    rubric = windowed(RUBRIC_TERMS)
    runs, shown = Runs(rubric.classes), ""
    for token in [*tokens, extra]:
        text = shown + token
        runs.extend(text, len(shown))
        assert rubric.found(text, len(shown), runs.longest) == (RUBRIC_TERMS.search(text) is not None)
        if RUBRIC_TERMS.search(text):
            break
        shown = text


def test_the_comparison_catches_a_scanner_that_reads_only_the_new_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above would fail if the scanner missed a match that began before the token."""

    def too_narrow(self: Windowed, text: str, old: int, longest: dict[str, int]) -> bool:
        return any(part.search(text, old) is not None for part, _ in self.parts)

    monkeypatch.setattr(Windowed, "found", too_narrow)
    tokens = ["Honestly, I would recom", "mend you start small."]
    assert disagreements(Scanner, tokens, CONTEXTS[0]) == [
        ("Honestly, I would recommend you start small.", None, "assistant_mode")]


def test_a_grown_last_word_is_read_again() -> None:
    """"fan" is foreign content; "fantastic" is not, and neither is "man" + "ager"."""
    ctx = CONTEXTS[0]
    scanner = Scanner(ctx)
    assert scanner.scan("That was a fan") == guards.scan("That was a fan", ctx) == "foreign_content"
    scanner = Scanner(ctx)
    for text in ("I am the man", "I am the manager", "I am the manager, a fan"):
        assert scanner.scan(text) == guards.scan(text, ctx)


def test_runs_follow_a_growing_text() -> None:
    runs = Runs([r"[\s]"])
    text = ""
    for token in ("a ", " ", "  b", "   ", "c"):
        old, text = len(text), text + token
        runs.extend(text, old)
        assert runs.longest[r"[\s]"] == max(len(m) for m in re.findall(r"\s+", text))


def test_alternatives_split_only_at_the_top_level() -> None:
    assert alternatives(r"a(b|c)[|\]]|\||d") == ["a(b|c)[|\\]]", r"\|", "d"]
    for pattern in SHIPPED:
        assert "|".join(alternatives(pattern.pattern)) == pattern.pattern
