"""Features of one coach turn for the learned coder: the same code at training and at run time.

Real coaching talk does not follow the rules' phrase frames: reflections arrive
without a stem ("And you want them to support you."), questions arrive without
a question mark or wrapped in fillers ("-um, that you consume during the
week?"). A linear model over many weak signals copes with that better than
any single pattern, so a turn becomes a sparse bag of named features:

- word uni- and bigrams and the first words of each sentence (the clause head
  decides open vs closed), after fillers are peeled off;
- the rules coder's own codes and per-sentence question kinds; the words of the question
  sentences alone, which with the clause heads are all the open/closed head reads
  (`OPEN_HEAD_FEATURES`);
- second-person declaratives ("You have a lot going on"), the typical shape of
  a reflection without a stem;
- overlap with the previous manager (or client) line;
- hedges, transcription noise and length.

Character n-grams were tried and dropped: on grouped cross-validation they
lowered every head (thousands of weak features drown the clause head).
Feature names are short n-grams and signal names only, never whole sentences;
names capitalised mid-sentence become one placeholder (`mask_names`), and the
training script keeps a feature only if several transcripts hold it
(`training.Config.min_groups`), so the shipped vocabulary carries no training text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from sparring.coding.codes import FLAGS, TurnCodes
from sparring.coding.empathy import expresses_empathy
from sparring.coding.questions import classify
from sparring.coding.sentences import (
    STOPWORDS,
    Sentence,
    despeech,
    normalise,
    prepare_context,
    split_sentences,
)

Features = dict[str, float]

#: Spoken fillers and discourse markers peeled off before the clause head is read.
FILLERS = frozenset(
    ("um", "uh", "umm", "uhm", "er", "erm", "hmm", "mm", "mhm", "mm-hmm", "uh-huh", "so", "and", "but",
     "okay", "ok", "well", "yeah", "yes", "right", "alright", "now", "oh", "like")
)
_HEDGES = re.compile(
    r"\b(?:maybe|perhaps|kind of|sort of|i guess|i wonder|wondering|curious|might|possibly|"
    r"it seems|sounds like|i imagine|i suspect|probably|a little|a bit)\b"
)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|\?|-")
_SECOND = frozenset({"you", "your", "you're", "you've", "you'd", "you'll", "yourself"})
_FIRST = frozenset({"i", "i'm", "i've", "i'd", "i'll", "me", "my", "we", "we're", "let's", "us", "our"})
_WH = frozenset(("what", "what's", "how", "how's", "why", "where", "when", "who", "which", "whose"))
_AUX_HEADS = frozenset(
    ["do", "does", "did", "is", "are", "was", "were", "am", "have", "has", "had", "can", "could", "would", "will", "shall", "should", "may", "might", "must", "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "haven't", "hasn't", "won't", "wouldn't", "can't", "couldn't", "shouldn't"]
)
_REPEAT = re.compile(r"\b(\w+)(?:-|,? )\1\b")


#: Stands for a word that looks like a proper name; the model learns "a name here", never which name.
NAME = "zname"
_CAPITALISED = re.compile(r"(?<![\w'-])([A-Z][a-z]+)(?![\w'])")
#: Capitalised words that are no names: calendar words, titles and the like.
_NOT_NAMES = frozenset(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "dr", "mr", "mrs", "ms", "miss", "sir", "god", "hey", "oh", "whoa", "mm", "um", "uh", "hmm"]
)


def mask_names(text: str) -> str:
    """Replace words capitalised mid-sentence ("Hello Kaylie", "talk to Priya") by `NAME`.

    A capital after a sentence end, a dash or a colon is a sentence start, not a name, and
    capitalised function words ("Well", "And") are kept; names at a sentence start stay and
    are left to the vocabulary's frequency floor (`training.Config.min_groups`).
    """
    if not any(c.isupper() for c in text[1:]):
        return text

    def swap(m: re.Match[str]) -> str:
        word = m.group(1)
        before = text[: m.start()].rstrip(" \"'")
        if not before or before[-1] in ".?!-:;(\n" or word.lower() in _NOT_NAMES or word.lower() in STOPWORDS \
                or word.lower() in FILLERS:
            return word
        return NAME

    return _CAPITALISED.sub(swap, text)


def _bucket(value: float, edges: Iterable[float]) -> int:
    """Index of the first edge the value stays under; keeps counts as a few binary features."""
    for i, edge in enumerate(edges):
        if value < edge:
            return i
    return len(tuple(edges))


def _head(tokens: list[str]) -> list[str]:
    """The tokens of a sentence after leading fillers, dashes and stray punctuation."""
    i = 0
    while i < len(tokens) and (tokens[i] in FILLERS or tokens[i] == "-"):
        i += 1
    return tokens[i:]


def _content(tokens: list[str]) -> set[str]:
    return {t for t in tokens if t not in STOPWORDS and len(t) > 2 and t not in ("?", "-")}


def rule_features(codes: TurnCodes, sentences: list[Sentence]) -> Features:
    """The rules coder's decisions as features: a learned weight says how far to trust each."""
    out: Features = {}
    out[f"r:q={codes.question}"] = 1.0
    out[f"r:refl={codes.reflection}"] = 1.0
    for flag in FLAGS:
        if getattr(codes, flag):
            out[f"r:{flag}"] = 1.0
    kinds = [classify(s) for s in sentences]
    if kinds:
        out[f"r:last_kind={kinds[-1]}"] = 1.0
        out[f"r:first_kind={kinds[0]}"] = 1.0
    out["r:n_questions"] = float(min(3, sum(k is not None for k in kinds)))
    return out


def featurise(text: str, context: str | None, codes: TurnCodes) -> Features:
    """All features of one turn; `codes` is the rules coder's coding of the same turn."""
    text = mask_names(normalise(text))
    context = mask_names(normalise(context)) if context else context
    sentences = split_sentences(text)
    low = text.lower()
    tokens = _TOKEN.findall(low)  # as transcribed: the noise features read these
    f: Features = {"bias": 1.0}
    body = [t for t in _TOKEN.findall(despeech(low)) if t != "-"]  # the words, noise taken out
    for a in body:
        f["w:" + a] = 1.0
    for a, b in itertools.pairwise(body):
        f[f"w:{a} {b}"] = 1.0
    for idx, s in enumerate(sentences):
        head = _head(_TOKEN.findall(s.low))
        where = "last" if idx == len(sentences) - 1 else "any"
        if head:
            f[f"h:{head[0]}"] = 1.0
            f[f"h{where}:{head[0]}"] = 1.0
            if len(head) > 1:
                f[f"h:{head[0]} {head[1]}"] = 1.0
                f[f"h{where}:{head[0]} {head[1]}"] = 1.0
            if head[0] in _SECOND and not s.ends_with_qmark:
                f["s:you_declarative"] = 1.0
                if where == "last":
                    f["s:you_declarative_last"] = 1.0
            if head[0] in _FIRST:
                f["s:first_person_head"] = 1.0
        if s.ends_with_qmark:
            f[f"s:qmark_{where}"] = 1.0
        kind = classify(s)
        if kind is not None or s.ends_with_qmark:
            _question_features(f, head, kind)
            _question_words(f, s)
    f.update(rule_features(codes, sentences))
    n_tokens = len(body)
    f[f"s:len{_bucket(n_tokens, (4, 8, 15, 30, 60))}"] = 1.0
    f[f"s:sent{_bucket(len(sentences), (2, 3, 5))}"] = 1.0
    you = sum(t in _SECOND for t in body)
    me = sum(t in _FIRST for t in body)
    f[f"s:you{_bucket(you, (1, 2, 4))}"] = 1.0
    f[f"s:me{_bucket(me, (1, 2, 4))}"] = 1.0
    hedges = len(_HEDGES.findall(low))
    if hedges:
        f["s:hedge"] = 1.0
    noise = sum(t in ("um", "uh", "umm", "uhm", "er", "erm") for t in tokens)
    if noise:
        f["s:filler"] = 1.0
    if low.startswith("-"):
        f["s:starts_dash"] = 1.0
    if low.rstrip().endswith("-"):
        f["s:ends_dash"] = 1.0
    if _REPEAT.search(low):
        f["s:repeat"] = 1.0
    if low.rstrip().endswith("?"):
        f["s:ends_qmark"] = 1.0
    if expresses_empathy(low):
        f["e:expression"] = 1.0
    _context_features(f, body, sentences, context)
    return f


def _question_features(f: Features, head: list[str], kind: str | None) -> None:
    """The clause head of a question sentence decides open vs closed far more than its other words."""
    f[f"q:kind={kind}"] = 1.0
    if not head:
        return
    f["q1:" + head[0]] = 1.0
    if len(head) > 1:
        f[f"q2:{head[0]} {head[1]}"] = 1.0
    if len(head) > 2:
        f[f"q3:{head[0]} {head[1]} {head[2]}"] = 1.0
    for word in head[:12]:
        f["qw:" + word] = 1.0


#: The only features the open-vs-closed head reads (`training` zeroes the rest for it): the question
#: sentences' words, clause heads and kinds, and the rules' codes. Whole-turn words and the echo of
#: the line before belong to the other heads; for open vs closed they were noise (grouped CV on
#: AnnoMI question turns 0.754 with every feature, 0.780 with these).
OPEN_HEAD_FEATURES = ("bias", "q:", "q1:", "q2:", "q3:", "qw:", "qn:", "r:")


def _question_words(f: Features, s: Sentence) -> None:
    """Word uni- and bigrams of a question sentence: what the open/closed head reads instead of the
    whole turn's words, so a long preamble or a reflection before the question does not vote on its type."""
    words = [t for t in _TOKEN.findall(despeech(s.low)) if t not in ("-", "?")]
    for a in words:
        f["qn:" + a] = 1.0
    for a, b in itertools.pairwise(words):
        f[f"qn:{a} {b}"] = 1.0


def _context_features(f: Features, body: list[str], sentences: list[Sentence], context: str | None) -> None:
    """How the turn relates to the line before it: echo of its words, and what that line was."""
    ctx = prepare_context(context)
    if not ctx:
        f["x:none"] = 1.0
        return
    ctx_tokens = _TOKEN.findall(ctx.low)
    mine, theirs = _content(body), _content(ctx_tokens)
    shared = len(mine & theirs)
    f[f"x:shared{_bucket(shared, (1, 2, 3, 5))}"] = 1.0
    # Conjunctions a linear model cannot form itself: a statement that gives their words back.
    statement = not any(s.ends_with_qmark for s in sentences)
    echo = _bucket(shared, (1, 2, 4))
    f[f"k:{'stmt' if statement else 'q'}_echo{echo}"] = 1.0
    if "s:you_declarative" in f:
        f[f"k:you_echo{echo}"] = 1.0
    best = 0.0  # the statement sentence that repeats the most of the line before, by share of its stems
    for s in sentences:
        if s.stems and not s.ends_with_qmark:
            best = max(best, len(s.stems & ctx.stems) / len(s.stems))
    f[f"k:stmt_share{_bucket(best, (0.01, 0.2, 0.4, 0.6))}"] = 1.0
    if mine:
        f[f"x:share{_bucket(shared / len(mine), (0.1, 0.25, 0.5))}"] = 1.0
    stems_shared = len(ctx.stems & frozenset().union(*(s.stems for s in sentences)))
    f[f"x:stems{_bucket(stems_shared, (1, 2, 4))}"] = 1.0
    f[f"x:len{_bucket(len(ctx_tokens), (3, 8, 20, 40))}"] = 1.0
    if ctx.low.rstrip().endswith("?"):
        f["x:asked"] = 1.0
    for t in ctx_tokens[:40]:
        f["xw:" + t] = 1.0
    if any(t in _FIRST for t in ctx_tokens):
        f["x:speaker_self"] = 1.0
    ctx_head = _head(ctx_tokens)
    if ctx_head:
        f["xh:" + ctx_head[0]] = 1.0  # how the client's line opens: "yeah", "i", "well", "no"
    # Their words given back whole, function words too: "Not yet." after "Not yet."
    said = set(ctx_tokens)
    if body:
        f[f"k:tok_share{_bucket(sum(t in said for t in body) / len(body), (0.34, 0.67, 0.99))}"] = 1.0
    # A reflection spoken as a question: "So, they're important to you?", "Having less wine will help?"
    for s in sentences:
        if not s.ends_with_qmark or classify(s) == "open":
            continue
        head = _head(_TOKEN.findall(s.low))
        overlap = len(s.stems & ctx.stems)
        if not head or head[0] in _AUX_HEADS or head[0] in _WH:
            continue  # an asking head ("do you", "what") is a real question
        f[f"k:decl_q_echo{_bucket(overlap, (1, 2, 3))}"] = 1.0
        if head[0] in _SECOND:
            f[f"k:you_q_echo{_bucket(overlap, (1, 2))}"] = 1.0
