"""Checks that a reply *makes sense* for this manager, beyond the label checks in `guards`.

The embedded model's typical failures are not AI admissions but nonsense that reads
fine to a regex on labels: the manager turning into the coach ("how can I help?"),
warmth in a move that should be cold ("I'd be happy to speak with you" at resistance 9),
and content from another world (athletes, kids, letters). Each check is a cheap regular
expression or word-set test, run on every streamed piece like the others. Measured on
the labelled replies in evals/data/manager_replies.jsonl (benchmarks/bench_guard_accuracy.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sparring.engine.guards import GuardContext

_WORD = re.compile(r"[a-z0-9']+")

#: The manager talking like the coach, a facilitator or a helpdesk: the role inverted.
_COACH_VOICE = re.compile(
    r"\bhow (?:can|could|may|might) (?:i|we) (?:help|support|assist)\b|\bhow i can help\b"
    r"|\bshare (?:a|your|any) (?:challenge|concern|problem|story)\b|\b(?:a|this is a) great opportunity\b"
    r"|\bwhat (?:are|is) your (?:team's )?(?:current |biggest |main )?(?:challenges?|goals?)\b"
    r"|\bwhat would you like to (?:work on|focus on|explore|talk about|get out of)\b"
    r"|\btell me (?:more )?about (?:your|yourself)\b|\bhow does that make you feel\b"
    r"|\bi(?:'m| am) here (?:for you|to (?:support|listen|help))\b|\bwhat i(?:'m| am) hearing is\b"
    r"|\b(?:let's|let us) (?:explore|unpack|reflect on)\b|\byou(?:'ve| have) got this\b"
    r"|\b(?:try it|give it a try)[,.!]? you'll be surprised\b|\bhere'?s a suggestion\b"
    r"|\bi(?:'m| am) (?:so )?glad you(?:'re| are) enjoying\b|\bsupport (?:a|your|the) team of\b"
    r"|\bshare your\b|\byour (?:request|concerns)\b",
    re.IGNORECASE,
)
#: The manager stepping outside the conversation: talking *about* the coach instead of to
#: them, calling themselves a coach, or commenting on replies, examples and requests as a
#: writer or a helpdesk would.
_META = re.compile(
    r"\bthe coach\b|\b(?:i'm|i am) (?:not )?(?:a |the |just a )?(?:professional )?coach\b|\bcoach's helper\b"
    r"|\b(?:a great|a good|another|the next|the following|an) example\b|^\s*here'?s (?:a|an|another|the|my)\b"
    r"|\b(?:respond|response|reply|answer) to (?:your|the|this) (?:request|question|prompt)\b"
    r"|\bmy (?:next |last )?(?:response|reply)\b|\b(?:not|un)able to respond\b|\bjust to clarify\b"
    r"|\bwhat i(?:'m| am) supposed to (?:be doing|say|do here)\b|\byour next request\b",
    re.IGNORECASE,
)
#: Warm, compliant words that contradict a cold or resisting move.
_AGREEABLE = re.compile(
    r"\b(?:i'd|i would) (?:be )?(?:happy|glad|delighted|love) to\b|\bhappy to (?:speak|talk|help|chat)\b"
    r"|\byou(?:'re| are) (?:absolutely |totally |so |completely )?right\b|\bgreat (?:idea|point|suggestion)\b"
    r"|\bi (?:totally|completely|fully) agree\b|(?:^|[.!?]\s+)(?:that |it |this )?sounds (?:great|wonderful|perfect|lovely)\b"
    r"|\bthank you so much\b|\bi(?:'m| am) (?:so |very |really )?excited\b|\bi(?:'d| would) love\b"
    r"|\bi(?:'m| am) (?:so |really |very )?(?:glad|happy) (?:to|that|we)\b"
    r"|\bwhat a (?:great|wonderful)\b|\bi appreciate (?:you|your|this)\b",
    re.IGNORECASE,
)
#: Moves that resist: the manager says no, or not now, in one form or another.
_COLD_MOVES = frozenset({"challenge_legitimacy", "vent", "deflect", "end_conversation", "decline_permission"})
#: Moves that give in only on the surface: warmth ("great idea, I'd love to") would read as real agreement.
_GRUDGING = frozenset({"comply", "grant_permission"})
#: A "yes, but" that never gets to the "but" is plain agreement.
_BUT = re.compile(r"\b(?:but|only thing|thing is|though|except|just that|trouble is|problem is|if only|still)\b", re.I)
#: Things no manager in a work conversation talks about unless they are part of their world.
FOREIGN = frozenset(
    ["athlete", "athletes", "sport", "sports", "footballer", "fan", "fans", "kids", "kid", "child", "children", "son", "daughter", "mom", "mum", "dad", "mommy", "wife", "husband", "girlfriend", "boyfriend", "dude", "bro", "buddy", "pal", "sweetheart", "honey", "darling", "letter", "letters", "homework", "school", "student", "students", "teacher", "teachers", "classroom", "song", "songs", "movie", "movies", "dog", "cat", "pet", "puppy", "recipe", "birthday", "wedding", "church", "god", "pray", "prayer", "jesus", "lord", "bible", "hobby", "hobbies", "friendship", "universe", "adventure", "adventures", "magic", "galaxy", "planet", "gym", "dream", "dreams"]
)
_MAN = re.compile(r"\b(?:man of the world|be a man|how to be a man|my friend|my dear|young man|ladies and gentlemen)\b", re.I)


def coach_voice(text: str) -> str | None:
    """The role inverted: the manager sounding like the coach or a helpdesk, or talking
    about the conversation from outside it."""
    if _COACH_VOICE.search(text):
        return "coach_voice"
    return "meta" if _META.search(text) else None


def own_name(text: str, names: tuple[str, ...]) -> str | None:
    """The manager saying their own name ("Hey Priya", "how Chloe Brennan is"): a small model
    confusing who is who. Only capitalised names count, not labels such as "manager"."""
    for name in names:
        if name[:1].isupper() and re.search(rf"\b{re.escape(name)}\b", text):
            return "meta"
    return None


def world_words(*texts: str) -> frozenset[str]:
    """Every word used in the persona's own texts (lower case)."""
    return frozenset(w for text in texts for w in _WORD.findall(text.lower()))


def off_world(text: str, ctx: GuardContext) -> str | None:
    """Content foreign to a manager at work: athletes, kids, letters, "man of the world"."""
    if _MAN.search(text):
        return "foreign_content"
    foreign = {w for w in _WORD.findall(text.lower()) if w in FOREIGN} - ctx.world
    return "foreign_content" if foreign else None


def contradicts(text: str, ctx: GuardContext, *, final: bool = True) -> str | None:
    """Words that undo the chosen move: warmth in a cold or grudging move, or a "yes, but" that is all
    yes ("you're right, I'd love to") and never gets to the but (checked on the finished
    reply only: the "but" may still be coming)."""
    if ctx.move in _COLD_MOVES | _GRUDGING and _AGREEABLE.search(text):
        return "contradicts_move"
    if final and ctx.move == "yes_but" and _AGREEABLE.search(text) and not _BUT.search(text):
        return "contradicts_move"
    return None
