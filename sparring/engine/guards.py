"""Checks on every manager reply before the coach sees it as final.

A weak model slips into assistant mode, admits being an AI, writes the
coach's lines or blurts out a concern the state has not earned; a strong
model sometimes does the same when the coach pushes it. These checks are
cheap regular expressions so they run on every streamed piece: `scan` finds
a violation in partial text early, `check` decides on the finished reply.
Harmless slips (a "Manager:" prefix, stray quotes, a coach line appended
after the reply) are trimmed instead of rejected.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from sparring.engine import sense
from sparring.persona.model import Concern

#: The longest authored line is 40 words; "1 to 3 short sentences" never needs more than 60.
MAX_WORDS = 60
MAX_SENTENCES = 4
#: Longer replies are cut after this many complete sentences instead of being rejected.
KEEP_SENTENCES = MAX_SENTENCES

_AI = re.compile(
    r"\bas an? (ai|a\.i\.|artificial intelligence|language model|large language model|llm|chatbot|"
    r"ai assistant|virtual assistant|assistant)\b(?! (?:manager|director|to)\b)"
    r"|\bi(?:'m| am) (?:just |only |merely )?(?:an? )?(?:ai|a\.i\.|artificial intelligence|"
    r"(?:large )?language model|llm|chatbot|bot|virtual assistant|ai assistant|computer program)\b"
    r"|\bi(?:'m| am) (?:just |only )?an assistant\b(?! (?:manager|director|to))"
    r"|\bi(?:'m| am) not (?:a )?(?:real person|human|a real manager)\b"
    r"|\blanguage model\b|\bopenai\b|\bchatgpt\b|\bsmollm\b|\bhugging ?face\b",
    re.IGNORECASE,
)
_BREAK = re.compile(
    r"\brole[- ]?play(?:ing)?\b|\bin character\b|\bout of character\b|\bas the manager\b"
    r"|\b(?:the|this|my) persona\b|\bmy instructions\b|\bsystem prompt\b|\bmy prompt\b"
    r"|\bi(?:'m| am) (?:just |only )?(?:a|the|your) coach\b"
    r"|\bi(?:'m| am) (?:playing|pretending)\b|\bthe coach's (?:last )?(?:line|turn)\b"
    # echoes of the turn note itself
    r"|\b(?:in )?(?:\d|one|two|three) (?:to|or|-) (?:\d|two|three|four) (?:short )?sentences\b"
    r"|\bprivate note\b|\bin your own words\b|\bwhat to do in this reply\b|\b(?:the|your) next reply\b"
    r"|\bexample line\b|\bthing you might say\b|\bthe coach's point\b|\bthis message finds you\b",
    re.IGNORECASE,
)
_ASSISTANT = re.compile(
    r"\bgreat question\b|\bhere (?:are|is) (?:some|a few|\d+|my) (?:tips|steps|ways|suggestions|strategies|ideas|recommendations)\b"
    r"|\bi(?:'d| would) (?:recommend|suggest) (?:that )?you\b|\bas your coach\b"
    r"|\b(?:i'm|i am) (?:here|happy|glad) to help\b|\bhow can i (?:help|assist)\b"
    r"|\bi hope (?:this|that) helps\b|\bfeel free to\b|\blet me know if\b|\bmy advice (?:to you )?(?:is|would be)\b"
    r"|\bi(?:'m| am) (?:unable|not able) to (?:provide|help|assist|answer|fulfil|fulfill)\b"
    r"|\bi can(?:not|'t) (?:assist|help you) with\b|\bthe answer you(?:'re| are) looking for\b"
    r"|\b(?:give|offer) you (?:a|some|my|one) (?:little |quick )?(?:tips?|advice|piece of advice)\b"
    r"|\bhere'?s (?:a|my) (?:little |quick )?tip\b|\bdon't be too hard on yourself\b"
    r"|\b(?:key takeaways|in summary)\b|^\s*(?:certainly|absolutely|of course|sure)[!,]\s*here\b"
    r"|(?:^|\n)\s*(?:\d+[.)]|[-*•])\s+\S|\b1[.)]\s+\w.{0,120}?\b2[.)]\s+\w",
    re.IGNORECASE,
)
#: Labels of the coach's side: a reply that starts with one speaks as the coach.
COACH_LABELS = ("coach", "you", "user", "human")
_COACH_LINE = re.compile(rf"(?:^|\n)\s*[*\"']*(?:{'|'.join(COACH_LABELS)})\s*[*]*\s*:", re.IGNORECASE)
_INLINE_COACH = re.compile(r"(?<=[.!?\"”])\s+[*]*(?:Coach|User|Human)\s*[*]*:")
_WORD = re.compile(r"[a-z0-9']+")
_SENTENCE_END = re.compile(r"[.!?]+(?=[\"')\]]*(?:\s|$))")
VOCATIVE = re.compile(r"^[\W_]*\w+(?: \w+)?\s*[,:;—-]\s*$")
#: Labels a model puts before its words; stripped like a speaker name.
LABELS = ("manager", "assistant", "reply", "response", "answer", "your next reply", "next reply", "example")
QUOTES = "\"'“”‘’`*"

_STOP_WORDS = (
    "a an the and or but if then so to of in on at by for with from about into over than that this "
    "these those it its i i'm i've i'd i'll me my mine we our us you your he she they them their is "
    "are was were be been being am do does did have has had not no yes just really very much more "
    "most some any all what which who whom when where why how can could would should will shall may "
    "might must there here also too as up out off again ever even still only own same such it's "
    "don't can't won't isn't aren't wasn't that's what's"
)
_STOP = frozenset(_STOP_WORDS.split(" "))


world_words = sense.world_words


@dataclass(frozen=True)
class GuardContext:
    """What a reply is checked against this turn."""

    coach_text: str = ""
    speaker_names: tuple[str, ...] = ("manager",)
    forbidden: tuple[ConcernKey, ...] = ()
    must_mention: ConcernKey | None = None
    previous: tuple[str, ...] = ()
    note: str = ""
    max_words: int = MAX_WORDS
    max_sentences: int = MAX_SENTENCES
    #: the chosen move (`Move.value`), for the contradiction check; "" skips it
    move: str = ""
    #: every word of the persona's own world (system prompt, concerns): foreign words that
    #: occur there are fine ("kids" for a manager whose backstory names his team's kids)
    world: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    text: str
    failures: list[str] = field(default_factory=list)


# Cached because `scan` looks at the same partial reply once per check and per concern,
# on every streamed token; a few entries cover the replies in flight.
@lru_cache(maxsize=64)
def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


def content_word(word: str) -> str | None:
    """The content-word rule of the concern and echo checks (also read word by word by
    `scanner.Scanner`): None for a stop word or a short one, else the word without a plural s."""
    if word in _STOP or len(word) <= 2:
        return None
    return word.rstrip("s") if len(word) > 4 else word


@lru_cache(maxsize=64)
def _content(text: str) -> tuple[str, ...]:
    return tuple(c for c in map(content_word, _words(text)) if c is not None)


def _bigrams(words: tuple[str, ...]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(words))


@dataclass(frozen=True)
class ConcernKey:
    """The phrases that give a concern away: its content-word pairs that the persona's
    public text (system prompt, opening, ordinary example lines) does not already use."""

    id: str
    bigrams: frozenset[tuple[str, str]]
    words: frozenset[str]


def concern_keys(concerns: Iterable[Concern], public_text: str) -> tuple[ConcernKey, ...]:
    public = _content(public_text)
    public_pairs, public_words = _bigrams(public), set(public)
    return tuple(
        ConcernKey(
            id=c.id,
            bigrams=frozenset(_bigrams(_content(c.text)) - public_pairs),
            words=frozenset(set(_content(c.text)) - public_words),
        )
        for c in concerns
    )


def leaks_concern(text: str, key: ConcernKey) -> bool:
    """True if the reply uses one of the concern's key phrases or most of its distinctive words."""
    said = _content(text)
    if key.bigrams & _bigrams(said):
        return True
    return len(key.words) >= 4 and len(key.words & set(said)) >= 0.6 * len(key.words)


@lru_cache(maxsize=256)
def _prefix_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    alts = "|".join(re.escape(n) for n in sorted({*names, *LABELS}, key=len, reverse=True) if n)
    return re.compile(rf"^\s*[*\"'“]*\s*(?:{alts})\s*[*]*\s*:\s*[*]*\s*", re.IGNORECASE)


def _body(text: str, ctx: GuardContext) -> str:
    """The reply without a leading speaker label or a name on a line of its own ("Aisha,")."""
    body = _prefix_pattern(ctx.speaker_names).sub("", text.lstrip(), count=1).lstrip()
    first, newline, rest = body.partition("\n")
    if newline and VOCATIVE.match(first):
        body = rest.lstrip()
    return body


def clean(text: str, ctx: GuardContext) -> str:
    """Trim what is safe to trim: a leading speaker label, wrapping quotes, and everything
    after the first line. A spoken reply of 1–3 sentences is one paragraph; what a small
    model adds on later lines is the coach's part, a commentary or a ramble."""
    out = _body(text, ctx).split("\n", 1)[0]
    inline = _INLINE_COACH.search(out)
    if inline is not None:
        out = out[: inline.start()]
    cut = _sentence_cut(out)
    if cut is not None:
        out = out[:cut]
    out = out.strip()
    if len(out) >= 2 and out[0] in QUOTES and out[-1] in QUOTES:
        out = out.strip(QUOTES + " ")
    elif out and out[0] in QUOTES and out.count(out[0]) == 1:
        out = out[1:].lstrip()
    return out.strip()


def ends_reply(raw: str, ctx: GuardContext) -> bool:
    """True once the first line of the reply is complete: generating more is wasted time."""
    body = _body(raw, ctx)
    return "\n" in body or _INLINE_COACH.search(body) is not None or _sentence_cut(body) is not None


def _sentence_cut(text: str) -> int | None:
    """Where to cut so at most KEEP_SENTENCES complete sentences remain, or None if no cut
    is needed. The prompt asks for 1–3 sentences; a fifth is the model running on."""
    ends = list(_SENTENCE_END.finditer(text))
    if len(ends) < KEEP_SENTENCES:
        return None
    end = ends[KEEP_SENTENCES - 1].end()
    return end if re.search(r"\w", text[end:]) else None


def sentence_count(text: str) -> int:
    parts = [p for p in _SENTENCE_END.split(text) if re.search(r"\w", p)]
    return len(parts)


@lru_cache(maxsize=512)
def _grams(text: str, n: int) -> tuple[tuple[str, ...], frozenset[tuple[str, ...]]]:
    """The words of a coach line or turn note and their n-grams: computed once per turn,
    not once per streamed token."""
    words = _words(text)
    return words, frozenset(words[i : i + n] for i in range(len(words) - n + 1))


def _echoes(text: str, coach_text: str, n: int = 7) -> bool:
    coach, grams = _grams(coach_text, n)
    said = _words(text)
    if not coach or not said:
        return False
    if len(coach) >= 4 and said == coach:
        return True
    if len(coach) < n:
        return False
    return any(said[i : i + n] in grams for i in range(len(said) - n + 1))


def _role_violation(text: str) -> str | None:
    if _AI.search(text):
        return "ai_admission"
    if _BREAK.search(text):
        return "character_break"
    if _ASSISTANT.search(text):
        return "assistant_mode"
    return sense.coach_voice(text)


def _repeats(text: str, ctx: GuardContext) -> str | None:
    """A small model stuck in a loop says the same sentence again, or its own earlier reply."""
    sentences = [" ".join(_words(p)) for p in _SENTENCE_END.split(text)]
    sentences = [s for s in sentences if s]
    if len(sentences) != len(set(sentences)):
        return "repetition"
    words = _words(text)
    if len(words) >= 12 and len(set(words)) < 0.35 * len(words):
        return "repetition"  # "no, no, no, no, ..."
    fours = [words[i : i + 4] for i in range(len(words) - 3)]
    threes = Counter(words[i : i + 3] for i in range(len(words) - 2))
    if len(fours) != len(set(fours)) or (threes and max(threes.values()) >= 3):
        return "repetition"  # a four-word phrase twice, or a three-word one three times
    if any(len(set(words[i : i + 4])) == 1 for i in range(len(words) - 3)):
        return "repetition"  # "no, no, no, no"
    if any(_echoes(text, earlier, n=6) or text == earlier for earlier in ctx.previous):
        return "repetition"
    return None


def _misses_reveal(text: str, ctx: GuardContext) -> str | None:
    """On a reveal turn the reply must touch the concern, or the state would claim a
    revelation the coach never heard."""
    key = ctx.must_mention
    if key is None or not key.words:
        return None
    needed = min(2, len(key.words))
    return None if len(key.words & set(_content(text))) >= needed else "missed_reveal"


def scan(text: str, ctx: GuardContext) -> str | None:
    """The first violation in (possibly partial) cleaned text, or None. Safe to call per token."""
    role = _role_violation(text)
    if role is not None:
        return role
    if ctx.note and _echoes(text, ctx.note, n=4):
        return "character_break"  # reading out the private turn note
    if _COACH_LINE.match(text):
        return "speaks_as_coach"
    if _echoes(text, ctx.coach_text):
        return "echoes_coach"
    for concern in ctx.forbidden:
        if leaks_concern(text, concern):
            return "concern_leak"
    off = sense.off_world(text, ctx) or sense.contradicts(text, ctx, final=False)
    if off is not None:
        return off
    if len(_words(text)) > ctx.max_words or sentence_count(text) > ctx.max_sentences:
        return "too_long"
    return None


def check(raw: str, ctx: GuardContext) -> Verdict:
    """Final verdict on a finished reply: cleaned text, accepted or the reasons it was not."""
    text = clean(raw, ctx)
    if not re.search(r"[A-Za-z]", text) or VOCATIVE.match(text):
        return Verdict(False, text, ["empty"])
    # Lines after the first are trimmed, but if they show assistant mode the first is suspect too.
    failure = (
        _role_violation(raw)
        or scan(text, ctx)
        or sense.contradicts(text, ctx)
        or sense.own_name(text, ctx.speaker_names)  # final only: a streamed "Pat" may become a label
        or _repeats(text, ctx)
        or _misses_reveal(text, ctx)
    )
    return Verdict(failure is None, text, [failure] if failure else [])
