"""Sentence splitting, tokens and crude stems for the rules coder.

Coach turns are chat text: missing capitals, missing question marks, curly
quotes, "1:1s". Codes are decided per sentence (a turn can reflect and then
ask), so the splitter errs towards more, shorter sentences. Stems only need to
make "slipping" meet "slip" and "cancelled" meet "cancel"; they are never shown.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from typing import NamedTuple

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": " - ", "…": "..."})
_ABBREV = re.compile(r"\b(e\.g|i\.e|etc|vs|[Mm]rs?|[Mm]s|[Dd]r|approx)\.")
_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+|;\s+|\s+-\s+(?=[A-Za-z])")
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Function words and fillers that carry no content for overlap.
STOPWORDS = _words(
    """
    a an the and or but so if then than that this these those there here it its it's i i'm i've i'd
    i'll me my mine we we're we've us our you you're you've you'd you'll your yours he she they
    them their his her him is are was were be been being am do does did doing done have has had
    having will would could should can may might must shall to of in on at by for with about from
    into onto over under up down out off as just really very quite bit some any all each every
    no not don't doesn't didn't isn't aren't wasn't weren't won't wouldn't can't couldn't
    shouldn't haven't hasn't what how why when where who which whom whose also too still even
    yeah yes ok okay well like kind sort lot lots thing things something anything everything
    one ones get got gets getting go going gone make makes made now right sure honestly actually
    much many more most less least way sounds sound seem seems feel feels feeling felt
    said say says tell told think thought know knew
    """
)

#: Words that flip a clause's polarity; compared between coach and manager.
NEGATORS = _words(
    "not no never nothing nobody none n't don't doesn't didn't isn't aren't wasn't weren't won't "
    "wouldn't can't cannot couldn't shouldn't haven't hasn't hadn't"
)

#: A few irregular forms and near-synonyms folded onto one stem so echoes are found.
_FOLD = {
    "ran": "run", "running": "run", "ran's": "run", "kept": "keep", "felt": "feel", "brought": "bring",
    "thought": "think", "sent": "send", "spent": "spend", "went": "go", "gave": "give", "given": "give",
    "1:1": "one-to-on", "1-1": "one-to-on", "one-on-one": "one-to-on", "one-to-ones": "one-to-on",
    "one-to-one": "one-to-on", "boss": "manag", "bosses": "manag", "staff": "team", "reports": "team",
    "diary": "calendar", "schedule": "calendar", "hand": "deleg", "handing": "deleg", "handover": "deleg",
    "upset": "hurt", "cried": "hurt", "tears": "hurt", "anxious": "worri", "nervous": "worri",
    "scared": "worri", "afraid": "worri", "dread": "worri", "dreading": "worri", "busy": "stretch",
    "swamped": "stretch", "overloaded": "stretch", "overwhelmed": "stretch", "firefighting": "fire",
    "fires": "fire", "coaching": "coach", "sessions": "coach", "session": "coach", "emails": "inbox",
    "email": "inbox", "cancelling": "cancel", "cancelled": "cancel", "canceled": "cancel",
    "promotion": "promot", "failing": "fail", "failure": "fail", "decide": "decis", "decisions": "decis",
    "decision": "decis", "deciding": "decis", "calls": "decis",
}
_SUFFIXES = ("ations", "ation", "ingly", "ings", "ing", "edly", "ness", "ment", "ies", "ied",
             "ers", "er", "ed", "es", "ly", "s")


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    """Fold a word to a rough stem so 'slipping', 'slips' and 'slip' compare equal."""
    w = word.lower().strip("'-")
    if w in _FOLD:
        return _FOLD[w]
    if w.endswith("n't"):
        return w
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiousl":
        w = w[:-1]
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return _FOLD.get(w, w)


def normalise(text: str) -> str:
    """Straighten quotes and dashes so patterns only need ASCII."""
    return (text if text.isascii() else text.translate(_QUOTES)).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class _ContentStems(dict[str, str]):
    """token -> stem, or "" for function words; filled on first sight (the vocabulary is small)."""

    def __missing__(self, token: str) -> str:
        value = stem(token) if (token not in STOPWORDS and len(token) > 2) or token.isdigit() else ""
        if len(self) < 50_000:
            self[token] = value
        return value


_CONTENT = _ContentStems()


def content_stems(tokens: list[str]) -> frozenset[str]:
    return frozenset(filter(None, map(_CONTENT.__getitem__, tokens)))


def has_negation(tokens: list[str]) -> bool:
    return any(t in NEGATORS or t.endswith("n't") for t in tokens)


_FILLER = re.compile(r"(?<![\w'-])(?:mm-hmm|uh-huh|um+|uh+|uhm|erm?|mhm|hmm+|mm)(?![\w'-])[,.]?\s*")
_STUTTER = re.compile(r"\b(\w+)(?:-\1\b)+")  # "are-are", "a-a-a"
_FALSE_START = re.compile(r"\b(\w{1,4})-(?=\1\w)")  # "pot-potential"
_DASH = re.compile(r"(?:^|(?<=\s))-+(?=\w)|(?<=\w)-+(?=\s|$|[,.?!])|--+")


def despeech(low: str) -> str:
    """Transcription noise out of a lower-cased sentence: fillers ("um,"), stutters ("are-are"),
    false starts ("pot-potential") and the dashes of cut-off speech ("-and", "with--")."""
    if "-" not in low and not _FILLER.search(low):
        return low
    low = _DASH.sub(" ", low)
    low = _STUTTER.sub(r"\1", _FALSE_START.sub("", low))
    low = _FILLER.sub("", low)
    return re.sub(r"\s{2,}", " ", low).strip(" ,")


class Sentence(NamedTuple):
    """One sentence of a turn, with what every rule needs precomputed once."""

    text: str
    low: str
    tokens: list[str]
    stems: frozenset[str]
    ends_with_qmark: bool = False


def split_sentences(text: str) -> list[Sentence]:
    """Split a turn into sentences, keeping the '?' that ends a question."""
    clean = normalise(text)
    if "." in clean:
        clean = _ABBREV.sub(r"\1", clean)
    out: list[Sentence] = []
    for part in _SPLIT.split(clean):
        part = part.strip(" \t\"'")
        low = despeech(part.lower())
        tokens = _WORD.findall(low)
        if not tokens:
            continue
        out.append(Sentence(part, low, tokens, content_stems(tokens), part.rstrip(" \"')").endswith("?")))
    return out


class Context:
    """The manager's previous turn, prepared once for every rule that compares against it."""

    def __init__(self, sentences: tuple[Sentence, ...]) -> None:
        self.sentences = sentences
        self.low = " ".join(c.low for c in sentences)
        self.stems: frozenset[str] = frozenset().union(*(c.stems for c in sentences))

    def __bool__(self) -> bool:
        return bool(self.sentences)

    @cached_property
    def word_stems(self) -> frozenset[str]:
        """Stems of every word, stopwords included: did the manager already name this feeling?"""
        return frozenset(stem(w) for c in self.sentences for w in c.tokens)


NO_CONTEXT = Context(())


@lru_cache(maxsize=256)
def prepare_context(context: str | None) -> Context:
    """Split and stem the manager turn; cached because a whole batch of coach lines may answer it."""
    if not context or not context.strip():
        return NO_CONTEXT
    return Context(tuple(split_sentences(context)))
