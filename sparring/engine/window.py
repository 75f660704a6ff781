"""Searching a growing text again without reading it all again.

The guards' regular expressions are searched on every streamed token, and the partial
reply grows by one token each time: searching the whole of it again makes a reply's
guard cost grow with the square of its length. But if the text before the token had
no match, a match in the longer text must *read* (consume, or test in a look-ahead or a
word boundary) at least one character at or after the old end: a path of the regex that
only reads older characters would have matched the older text too. So every new match
starts at most `reach` characters before the old end, where `reach` is the most
characters one match can read, and searching from there (`pattern.search(text, pos)`:
anchors, look-behinds and `\\b` still see the text before `pos`) finds a match exactly
when searching the whole text would.

`reach` is worked out from the pattern's syntax tree. A repeat without an upper bound
(`\\s*`, `\\d+`, `[*"']*`) of a single character class reads at most the longest run of
that class in the text, which `Windowed` keeps up to date. Each top-level alternative
is searched on its own, so one long alternative (a numbered list over 120 characters)
does not widen the window of the short ones. A pattern this analysis does not
understand gets an unbounded reach: it is searched whole, as before, never skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from re import _constants as C  # type: ignore[attr-defined]  # the parser's node names
from re import _parser  # type: ignore[attr-defined]  # read only: sizes of a pattern
from typing import Any

_CATEGORIES = {
    C.CATEGORY_SPACE: r"\s", C.CATEGORY_NOT_SPACE: r"\S", C.CATEGORY_DIGIT: r"\d",
    C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W",
}
#: Flags that change what one character class matches, as inline flags for `Runs`.
_SCOPED = (("a", re.ASCII), ("i", re.IGNORECASE), ("s", re.DOTALL))
#: Alternatives that can read more than this many characters (at one character per unbounded
#: run) are searched on their own; the rest together, as one expression.
LONG = 64
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}


class _Unknown(Exception):
    """A construct the analysis does not bound."""


@dataclass(frozen=True)
class Reach:
    """At most `fixed` characters plus, per character class, `runs[cls]` runs of it."""

    fixed: int = 0
    runs: tuple[tuple[str, int], ...] = ()

    def __add__(self, other: Reach) -> Reach:
        return Reach(self.fixed + other.fixed, _merge((self.runs, other.runs), widest=False))

    def times(self, n: int) -> Reach:
        return Reach(self.fixed * n, tuple((c, k * n) for c, k in self.runs))

    def widest(self, other: Reach) -> Reach:
        return Reach(max(self.fixed, other.fixed), _merge((self.runs, other.runs), widest=True))


def _merge(groups: Iterable[tuple[tuple[str, int], ...]], widest: bool) -> tuple[tuple[str, int], ...]:
    out: dict[str, int] = {}
    for runs in groups:
        for cls, k in runs:
            out[cls] = max(out.get(cls, 0), k) if widest else out.get(cls, 0) + k
    return tuple(sorted(out.items()))


def _char_class(op: Any, av: Any) -> str:
    """The regex source of a single-character item, for finding its runs."""
    if op is C.LITERAL:
        return "[" + re.escape(chr(av)) + "]"
    if op is C.NOT_LITERAL:
        return "[^" + re.escape(chr(av)) + "]"
    if op is C.ANY:
        return "."
    if op is C.IN:
        parts: list[str] = []
        for kind, value in av:
            if kind is C.NEGATE:
                parts.insert(0, "^")
            elif kind is C.LITERAL:
                parts.append(re.escape(chr(value)))
            elif kind is C.RANGE:
                parts.append(re.escape(chr(value[0])) + "-" + re.escape(chr(value[1])))
            elif kind is C.CATEGORY and value in _CATEGORIES:
                parts.append(_CATEGORIES[value])
            else:
                raise _Unknown(kind)
        return "[" + "".join(parts) + "]"
    raise _Unknown(op)


def reach(items: Iterable[tuple[Any, Any]]) -> Reach:
    """The most characters one match of this sequence of parser nodes can read."""
    total = Reach()
    for op, av in items:
        if op in (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN, C.AT):
            total += Reach(1)  # an anchor or `\b` reads (at most) the character at its place
        elif op is C.SUBPATTERN:
            total += reach(av[3])
        elif op is C.BRANCH:
            alts = [reach(alt) for alt in av[1]]
            widest = alts[0]
            for alt in alts[1:]:
                widest = widest.widest(alt)
            total += widest
        elif op in _REPEATS:
            _, high, item = av
            if high != C.MAXREPEAT:
                total += reach(item).times(high)
            elif len(item) == 1:
                total += Reach(0, ((_char_class(*item[0]), 1),))
            else:
                raise _Unknown(op)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            direction, sub = av
            if direction == 1:  # a look-ahead reads past the match; a look-behind only before it
                total += reach(sub)
        else:
            raise _Unknown(op)
    return total


def alternatives(source: str) -> list[str]:
    """`source` split at its top-level `|` (outside groups, classes and escapes)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 1
        elif ch == "[":  # skip the class: a leading "^" and a leading "]" belong to it
            i += 2 if source[i + 1 : i + 2] == "^" else 1
            i += 1 if source[i : i + 1] == "]" else 0
            while i < len(source) and source[i] != "]":
                i += 2 if source[i] == "\\" else 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
        i += 1
    parts.append(source[start:])
    return parts


class Runs:
    """The longest run of each character class in a text that only grows, kept up to date
    from the new characters (plus the run the old text ended in)."""

    def __init__(self, classes: Iterable[str]) -> None:
        self._find = {cls: re.compile(f"(?:{cls})+") for cls in classes}
        self.longest = dict.fromkeys(self._find, 0)
        self._tail = dict.fromkeys(self._find, 0)

    def extend(self, text: str, old: int) -> None:
        """`text` extends the text of the last call, which was `old` characters long."""
        for cls, find in self._find.items():
            tail = 0
            for m in find.finditer(text, old - self._tail[cls]):
                tail = m.end() - m.start()
                self.longest[cls] = max(self.longest[cls], tail)
                tail = tail if m.end() == len(text) else 0
            self._tail[cls] = tail


def _scoped(bound: Reach, flags: int) -> Reach:
    """`bound` with its classes in the pattern's case and dot rules, so `Runs` finds the same runs."""
    scope = "".join(f for f, bit in _SCOPED if flags & bit)
    return Reach(bound.fixed, tuple((f"(?{scope}:{c})" if scope else c, k) for c, k in bound.runs))


class Windowed:
    """One guard pattern, searched on a text that only grows (see the module's docstring).

    `found(text, old)` answers `pattern.search(text) is not None` for a `text` that extends
    the `old` characters of the previous call, on which there was no match, given the
    longest runs of `classes` in `text`; `old=0` searches the whole text."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        short: list[tuple[str, Reach]] = []
        self.parts: list[tuple[re.Pattern[str], Reach | None]] = []
        unknown: list[str] = []
        for alt in alternatives(pattern.pattern):
            try:
                bound = _scoped(reach(_parser.parse(alt, pattern.flags).data), pattern.flags)
            except _Unknown:
                unknown.append(alt)  # searched whole every time, as before
                continue
            if bound.fixed + sum(k for _, k in bound.runs) <= LONG:
                short.append((alt, bound))
            else:  # one long alternative must not widen the others' window
                self.parts.append((re.compile(alt, pattern.flags), bound))
        if short:  # kept as one expression: one pass over the window tries them all
            widest = short[0][1]
            for _, bound in short[1:]:
                widest = widest.widest(bound)
            self.parts.insert(0, (re.compile("|".join(a for a, _ in short), pattern.flags), widest))
        if unknown:
            self.parts.append((re.compile("|".join(unknown), pattern.flags), None))
        self.classes = sorted({cls for _, b in self.parts if b is not None for cls, _ in b.runs})

    def found(self, text: str, old: int, longest: dict[str, int]) -> bool:
        for part, bound in self.parts:
            pos = 0
            if bound is not None and old:
                pos = max(0, old - bound.fixed - sum(k * longest[cls] for cls, k in bound.runs))
            if part.search(text, pos) is not None:
                return True
        return False


@cache
def windowed(pattern: re.Pattern[str]) -> Windowed:
    """The `Windowed` form of a module-level pattern, analysed once per process."""
    return Windowed(pattern)
