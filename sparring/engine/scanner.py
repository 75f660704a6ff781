"""`guards.scan` for a streamed reply, reading each token's text once.

The stream checks the cleaned partial reply after every token. `guards.scan` reads all
of it each time, so a reply of n tokens costs about n²/2 token-reads of a dozen large
regular expressions: the biggest part of the web app's own CPU per streamed token. A
`Scanner` keeps what it learnt from the text that passed: the regular expressions are
searched only where a new match can be (`window.Windowed`), and the word checks (echoes
of the coach's line or the turn note, concern phrases, foreign words, the word count)
look only at the words that changed (the last word of the old text may have grown).

Its answers are exactly `guards.scan`'s, check for check and in the same order, for every
call: a text that does not extend the last one that passed (the cleaner dropped a
leading label, or a wrapping quote) is scanned from scratch. Nothing is skipped and no
guard is weakened; `tests/test_scanner.py` compares both on random splits of replies
that trip every shipped pattern.
"""

from __future__ import annotations

import itertools
from collections import Counter

from sparring.engine import guards, sense
from sparring.engine.window import Runs, windowed

#: The guards' searched patterns, in the order `guards.scan` tries them, with the failure
#: each one means. Built once per process (`_windows`).
_ROLE = (
    (guards._AI, "ai_admission"),
    (guards._BREAK, "character_break"),
    (guards._ASSISTANT, "assistant_mode"),
    (sense._COACH_VOICE, "coach_voice"),
    (sense._META, "meta"),
)


class Scanner:
    """`scan(text)` == `guards.scan(text, ctx)`, for one stream's successive partial replies."""

    def __init__(self, ctx: guards.GuardContext) -> None:
        self.ctx = ctx
        self._role = [(windowed(p), failure) for p, failure in _ROLE]
        self._man = windowed(sense._MAN)
        self._agreeable = windowed(sense._AGREEABLE)
        self._classes = sorted({c for w, _ in (*self._role, (self._man, ""), (self._agreeable, ""))
                                for c in w.classes})
        self._note = guards._grams(ctx.note, 4) if ctx.note else None
        self._coach = guards._grams(ctx.coach_text, 7)
        self._reset()

    def _reset(self) -> None:
        self._text = ""  # the last text that passed every check
        self._low = ""  # its lower case, for the words
        self._words: list[str] = []
        self._content: list[str] = []
        self._last_content = False  # whether the last word is a content word
        self._seen: Counter[str] = Counter()  # content words, for the concern-word share
        self._runs = Runs(self._classes)

    def scan(self, text: str) -> str | None:
        if not text.startswith(self._text):
            self._reset()
        old = len(self._text)
        first_word, first_content = self._extend(text, old)
        failure = self._first_failure(text, old, first_word, first_content)
        if failure is None:
            self._text = text
        else:
            self._reset()  # a stream stops at a failure; another call starts afresh
        return failure

    def _extend(self, text: str, old: int) -> tuple[int, int]:
        """Add the new characters' words; returns the index of the first word (and of the
        first content word) that is new or changed."""
        self._runs.extend(text, old)
        restart = len(self._low)
        if self._words and self._low.endswith(self._words[-1]):
            restart -= len(self._words[-1])  # the last word may go on: "man" + "ager"
            self._words.pop()
            if self._last_content:
                self._seen[self._content.pop()] -= 1
        self._low += text[old:].lower()
        first_word, first_content = len(self._words), len(self._content)
        self._last_content = False
        for word in guards._WORD.findall(self._low, restart):
            self._words.append(word)
            content = guards.content_word(word)
            self._last_content = content is not None
            if content is not None:
                self._content.append(content)
                self._seen[content] += 1
        return first_word, first_content

    def _first_failure(self, text: str, old: int, first_word: int, first_content: int) -> str | None:
        ctx, words, longest = self.ctx, self._words, self._runs.longest
        for window, failure in self._role:
            if window.found(text, old, longest):
                return failure
        if self._note is not None and self._echoes(self._note, 4, first_word):
            return "character_break"
        if guards._COACH_LINE.match(text):
            return "speaks_as_coach"
        if self._echoes(self._coach, 7, first_word):
            return "echoes_coach"
        pairs = set(itertools.pairwise(self._content[max(0, first_content - 1):]))
        for key in ctx.forbidden:
            if key.bigrams & pairs:
                return "concern_leak"
            shared = sum(1 for w in key.words if self._seen[w] > 0)
            if len(key.words) >= 4 and shared >= 0.6 * len(key.words):
                return "concern_leak"
        if self._man.found(text, old, longest):
            return "foreign_content"
        if any(w in sense.FOREIGN and w not in ctx.world for w in words[first_word:]):
            return "foreign_content"
        if ctx.move in sense._COLD_MOVES | sense._GRUDGING and self._agreeable.found(text, old, longest):
            return "contradicts_move"
        if len(words) > ctx.max_words or guards.sentence_count(text) > ctx.max_sentences:
            return "too_long"
        return None

    def _echoes(self, grams: tuple[tuple[str, ...], frozenset[tuple[str, ...]]], n: int,
                first_word: int) -> bool:
        """`guards._echoes` on the words so far, reading only the n-grams with a new word."""
        source, found = grams
        said = self._words
        if not source or not said:
            return False
        if len(source) >= 4 and len(said) == len(source) and tuple(said) == source:
            return True
        if len(source) < n:
            return False
        return any(tuple(said[i : i + n]) in found
                   for i in range(max(0, first_word - n + 1), len(said) - n + 1))
