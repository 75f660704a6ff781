"""Picking the manager's line from the persona's line bank.

The move is chosen by the policy; this module chooses *which* authored line voices it:
one the manager may say now (its concern, if any, is revealed or being revealed), that
has not been said in this session, and that best answers the coach's last line by
shared content words (the line's words and its topic tags). Word overlap is crude, but
a relevant line and an irrelevant one differ in exactly the words the coach used.

When every line for a move has been said (a long session), a line of a neighbouring
move (one that resists, or opens up, in a similar way) is taken before any line is
repeated; only then the least recently said line comes back.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache

from sparring.persona.model import MOVE_TALK, BankLine, Concern, Move, Persona, TalkType

_WORD = re.compile(r"[a-z0-9']+")
_STOP = frozenset(
    ["a", "an", "the", "and", "or", "but", "if", "then", "so", "to", "of", "in", "on", "at", "by", "for", "with", "from", "about", "into", "over", "than", "that", "this", "these", "those", "it", "its", "i", "i'm", "i've", "i'd", "i'll", "me", "my", "we", "our", "us", "you", "your", "he", "she", "they", "them", "their", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "have", "has", "had", "not", "no", "yes", "just", "really", "very", "much", "more", "most", "some", "any", "all", "what", "which", "who", "when", "where", "why", "how", "can", "could", "would", "should", "will", "may", "might", "must", "there", "here", "also", "too", "as", "up", "out", "off", "again", "even", "still", "only", "own", "it's", "don't", "can't", "that's", "what's", "you're", "think", "know", "get", "got", "like", "well", "right", "okay", "ok", "feel", "going", "want", "say", "said", "something", "thing", "things", "bit", "lot"]
)


#: Moves whose lines can stand in when a move's own lines are used up, nearest first.
NEIGHBOURS: dict[Move, tuple[Move, ...]] = {
    Move.DEFLECT: (Move.ANSWER, Move.YES_BUT, Move.CHALLENGE_LEGITIMACY, Move.VENT),
    Move.ANSWER: (Move.VENT, Move.DEFLECT),
    Move.YES_BUT: (Move.DEFLECT, Move.VENT, Move.CHALLENGE_LEGITIMACY),
    Move.CHALLENGE_LEGITIMACY: (Move.VENT, Move.DEFLECT, Move.YES_BUT),
    Move.VENT: (Move.CHALLENGE_LEGITIMACY, Move.YES_BUT, Move.DEFLECT),
    Move.PARTIAL_ADMISSION: (Move.YES_BUT,),
    Move.PROPOSE_GOAL: (Move.PARTIAL_ADMISSION,),
    Move.AGREE_NEXT_STEP: (Move.PROPOSE_GOAL, Move.PARTIAL_ADMISSION),
    Move.END_CONVERSATION: (Move.CHALLENGE_LEGITIMACY,),
    # none for `comply`: the policy goes along only while an unsaid comply line is left
}


@lru_cache(maxsize=4096)  # bank lines are scored against every coach line: bounded, repeats
def content_words(text: str) -> frozenset[str]:
    """Lower-case content words, plural 's' dropped, stop words removed."""
    words = _WORD.findall(text.lower())
    return frozenset(w.rstrip("s") if len(w) > 4 else w for w in words if w not in _STOP and len(w) > 2)


def similar(a: str, b: str) -> bool:
    """Two lines that say much the same: half the shorter one's content words (3 or more)
    are in the other ("I'll book an hour with Kelly" / "I'll book thirty minutes with Kelly")."""
    x, y = content_words(a), content_words(b)
    shared = len(x & y)
    return shared >= 3 and shared >= 0.5 * min(len(x), len(y))


def _own_words(line: BankLine) -> frozenset[str]:
    return _words_of(line.text, tuple(line.topics))


@lru_cache(maxsize=4096)
def _words_of(text: str, topics: tuple[str, ...]) -> frozenset[str]:
    return content_words(text) | content_words(" ".join(topics))


@lru_cache(maxsize=4096)
def _pairs(text: str) -> frozenset[tuple[str, str]]:
    """Adjacent content words: a shared phrase ("shift leads") says more than two shared words."""
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2]
    return frozenset(itertools.pairwise(words))


def relevance(
    line: BankLine, coach_words: AbstractSet[str], rarity: dict[str, float] | None = None, coach_text: str = ""
) -> float:
    """The coach's content words the line (or its topics) uses, each weighted by how rare it
    is among the candidate lines: "shift leads" picks the one line about shift leads, while a
    word half the lines use ("take") barely counts."""
    shared = _own_words(line) & coach_words
    return sum((rarity or {}).get(w, 1.0) for w in shared) + len(_pairs(line.text) & _pairs(coach_text))


def talk_of(move: Move, line: BankLine | None) -> TalkType:
    """The MI talk type of what is said: the line's own tag, else the move's usual one."""
    if line is not None and line.talk is not None:
        return line.talk
    return MOVE_TALK[move]


def eligible(persona: Persona, move: Move, reveal: Concern | None, allowed_ids: Sequence[str]) -> list[BankLine]:
    """Lines of a move the manager may say now; for a reveal, only lines of that concern."""
    lines = persona.bank(move)
    if move is Move.REVEAL_CONCERN:
        return [ln for ln in lines if reveal is not None and ln.concern == reveal.id]
    return [ln for ln in lines if ln.concern is None or ln.concern in allowed_ids]


def pick_line(
    persona: Persona,
    move: Move,
    *,
    coach_text: str,
    used: Sequence[str],
    rng: random.Random,
    reveal: Concern | None = None,
    allowed_ids: Sequence[str] = (),
) -> BankLine:
    """The line to say: fresh, allowed and most relevant to the coach's words (seeded tie-break)."""
    pool = eligible(persona, move, reveal, allowed_ids)
    said = set(used)
    fresh = [ln for ln in pool if ln.text not in said]
    if move is not Move.REVEAL_CONCERN:
        # Not even in other words: a line that restates one already said reads as a repeat.
        novel = [ln for ln in fresh if not any(similar(ln.text, s) for s in used)]
        fresh = novel or fresh
    if not fresh and move is not Move.REVEAL_CONCERN:
        # A long session used up this move: borrow an unsaid line from a neighbouring move.
        fresh = [
            ln
            for other in NEIGHBOURS.get(move, ())
            for ln in eligible(persona, other, None, allowed_ids)
            if ln.text not in said
        ]
    if not fresh:
        # Everything has been said: the line said longest ago comes back.
        order = {text: i for i, text in enumerate(used)}
        pool = pool or [BankLine(text=persona.example_lines[move][0])]
        return min(pool, key=lambda ln: order.get(ln.text, -1))
    coach_words = content_words(coach_text)
    rarity = _rarity(persona, coach_words)
    scored = [(round(relevance(ln, coach_words, rarity, coach_text), 6), ln) for ln in fresh]
    best = max(score for score, _ in scored)
    top = [ln for score, ln in scored if score == best]
    return rng.choice(top)


def _rarity(persona: Persona, coach_words: AbstractSet[str]) -> dict[str, float]:
    """1 / the number of the persona's lines (any move) that use each of the coach's words:
    "shift leads" is specific to Graham's bank, "time" or "team" is in a dozen lines."""
    counts = dict.fromkeys(coach_words, 0)
    for move in Move:
        for ln in persona.bank(move):
            for w in _own_words(ln) & coach_words:
                counts[w] += 1
    return {w: 1.0 / n for w, n in counts.items() if n}


def answers(persona: Persona, coach_text: str, used: Sequence[str], allowed_ids: Sequence[str] = ()) -> bool:
    """True if an unsaid `answer` line really answers the coach: it shares a word few other
    lines use, a two-word phrase, or several words. A factual line that merely shares
    "team" or "time" with the question is a non sequitur; the manager deflects instead."""
    said = set(used)
    fresh = [ln for ln in eligible(persona, Move.ANSWER, None, allowed_ids) if ln.text not in said]
    coach_words = content_words(coach_text)
    rarity = _rarity(persona, coach_words)
    return any(relevance(ln, coach_words, rarity, coach_text) >= ANSWER_MIN_RELEVANCE for ln in fresh)


#: How relevant an `answer` line must be to be said (see `answers`).
ANSWER_MIN_RELEVANCE = 1.0
