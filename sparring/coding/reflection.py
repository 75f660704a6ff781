"""Reflections: statements that give the manager's own words or meaning back to them.

A sentence counts as a reflection when it is a statement (not a question) and
either opens with a reflective stem ("It sounds like", "So you...", "Part of
you...") or echoes the previous manager turn (shared content stems) while
talking about the manager. It is complex when it adds something the manager
did not say: a feeling, a meaning, or both sides at once; otherwise simple
(MITI 4.2). Without a previous turn there is nothing to reflect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sparring.coding.lexicon import (
    ADDED_MEANING,
    DOUBLE_SIDED,
    FEELING,
    REFLECTIVE_STEM,
    SO_SUMMARY,
)
from sparring.coding.sentences import (
    STOPWORDS,
    Context,
    Sentence,
    content_stems,
    has_negation,
    stem,
    words,
)

Depth = Literal["simple", "complex"]

_SECOND_PERSON = frozenset({"you", "your", "you're", "you've", "you'd", "you'll", "yourself"})
_YOU_CLAUSE = re.compile(r"(?:^|, (?:and |but |so )?|\band |\bso )(?:you|you're|you've|you'd|your)\b(?! like\b)")
_SPEAKER_WORDS = frozenset({"i", "i'd", "i'll", "i've", "i'm", "me", "my", "let's"})
_SPEAKER_START = re.compile(r"^(?:so,? |and |but |well,? )?(?:i|i'm|i've|i'd|i'll|we|we're|we've|let's|my|me)\b")


@dataclass(frozen=True)
class ReflectionHit:
    depth: Depth
    trigger: str
    feeling: str | None
    stemmed: bool = True  # False: found by echo or inference alone, weaker evidence


def echo(sentence: Sentence, context: Context) -> tuple[int, float]:
    """How much of the sentence's content repeats the manager's: (shared stems, share of the sentence)."""
    if not context or not sentence.stems:
        return 0, 0.0
    shared = len(sentence.stems & context.stems)
    return shared, shared / len(sentence.stems)


def contradicts(sentence: Sentence, context: Context) -> bool:
    """Same proposition, opposite polarity: 'It is a big deal' after 'It's not a big deal'."""
    if REFLECTIVE_STEM.search(sentence.low) or sentence.low.startswith(("you", "your")):
        return False  # "So you're not convinced..." gives their view back, it does not dispute it
    neg = has_negation(sentence.tokens)
    for c in context.sentences:
        shared = sentence.stems & c.stems
        if len(shared) >= 2 and has_negation(c.tokens) != neg:
            return True
    return False


_VALIDATION_CLAUSE = re.compile(r"(?:^|,\s*|\band\s+)(?:that|which)(?:'s| is| must be| sounds)\b[^,]*")
_NOT_FEELING = re.compile(r"\bno doubt\b|\bhard (?:stuff|work|data|numbers|facts|skills)\b|\bcare of\b")
#: A feeling placed on the manager ("you're worried", "it's wearing on you"), not on someone else.
_FEELING_ON_THEM = re.compile(
    r"\byou(?:'re| are|'ve been| have been| feel| felt| seem| sound| might feel| may feel)?\s+(?:\w+\s+){0,3}?"
    r"(?:" + FEELING.pattern[3:-3] + r")\b|\b(?:" + FEELING.pattern[3:-3] + r")\b\s+(?:\w+\s+){0,3}?(?:you|your)\b"
)


def _feeling_words(text: str) -> list[str]:
    text = _NOT_FEELING.sub(" ", text)
    return [m.group(0) for m in FEELING.finditer(text)]


def names_their_feeling(low: str) -> str | None:
    """The feeling a sentence attributes to the manager, if any."""
    if not FEELING.search(low):
        return None
    m = _FEELING_ON_THEM.search(_NOT_FEELING.sub(" ", low))
    return m.group(0) if m else None


def _adds_feeling(sentence: Sentence, context: Context) -> str | None:
    """A feeling the manager did not name; a trailing "that's tough" validates, it does not reflect."""
    for found in _feeling_words(_VALIDATION_CLAUSE.sub(" ", sentence.low)):
        if found in context.low:
            continue
        if not content_stems(words(found)) <= context.word_stems:
            return found
    return None


def _reads_between_lines(low: str) -> bool:
    """A feeling, a meaning or two sides: how a reflection can mirror without repeating a word."""
    return bool(FEELING.search(low) or ADDED_MEANING.search(low) or DOUBLE_SIDED.search(low))


def reflect(
    sentence: Sentence, context: Context, affirming: bool = False, generic: bool = False
) -> ReflectionHit | None:
    """Code one statement sentence; the caller has already ruled out questions and pushing moves.

    `affirming` (an affirmation) and `generic` (a normalising remark: "it happens", "that's common") need
    a reflective stem to count: "You clearly know your stuff" praises, "Releases slip" consoles.
    """
    if not context:
        return None
    tokens = set(sentence.tokens)
    about_them = bool(tokens & _SECOND_PERSON)
    you_subject = bool(_YOU_CLAUSE.search(sentence.low))
    about_me = bool(_SPEAKER_START.match(sentence.low))
    stem_match = REFLECTIVE_STEM.search(sentence.low)
    shared, share = echo(sentence, context)
    if (about_me or tokens & _SPEAKER_WORDS) and not stem_match:
        return None  # the coach talking about themselves ("I'd like to share...") is not a reflection
    echoes = not generic and (
        (about_them and shared >= 1 and (share >= 0.25 or shared >= 2)) or (shared >= 2 and share >= 0.4)
    )
    if stem_match or (shared and not generic and SO_SUMMARY.match(sentence.low)):
        stemmed, trigger = True, stem_match.group(0).strip(" ,") if stem_match else sentence.text[:50]
    elif echoes:
        echoed = [t for t in sentence.tokens if stem(t) in context.stems and t not in STOPWORDS]
        stemmed, trigger = False, "echoes " + ", ".join(dict.fromkeys(echoed))
    elif (you_subject or (about_them and names_their_feeling(sentence.low))) and not (affirming or generic) \
            and _reads_between_lines(sentence.low):
        stemmed, trigger = False, sentence.text[:50]
    else:
        return None
    feeling = _adds_feeling(sentence, context)
    named = names_their_feeling(sentence.low)
    if DOUBLE_SIDED.search(sentence.low) or feeling or ADDED_MEANING.search(sentence.low):
        return ReflectionHit("complex", trigger, named or feeling, stemmed)
    novel = len(sentence.stems) - shared
    if shared == 0 or (novel >= 4 and share < 0.4):
        return ReflectionHit("complex", trigger, named, stemmed)
    return ReflectionHit("simple", trigger, named, stemmed)
