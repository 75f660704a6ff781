"""Is a sentence a question, and is it open or closed?

MITI 4.2: an open question invites the speaker to answer in their own words; a
closed one asks for yes/no, a fact, a pick between offered options, or proposes
its own answer ("What do you think about starting with X?"). The decision is made
at the clause head (the wh-word or auxiliary), after discourse markers and
fronted phrases ("So,", "Given how busy you are,") are peeled off; a question
mark is not required, because chat coaches often drop it.
"""

from __future__ import annotations

import re
from typing import Literal

from sparring.coding.sentences import Sentence

Kind = Literal["open", "closed"]

_AUX = (
    r"(?:do|does|did|is|are|was|were|am|have|has|had|can|could|would|will|shall|should|may|might|"
    r"must|don't|doesn't|didn't|isn't|aren't|wasn't|weren't|haven't|hasn't|won't|wouldn't|can't|"
    r"couldn't|shouldn't)"
)
_SUBJ = (
    r"(?:you|i|we|they|he|she|it|that|this|there|these|those|the|a|an|your|my|our|their|his|her|"
    r"anyone|anybody|someone|everyone|any|all|people|things|that's)"
)
# Discourse markers and fillers that can precede the real clause head.
_LEAD = re.compile(
    r"^(?:(?:so|and|but|ok|okay|well|then|now|yeah|yes|right|also|alright|hmm|um|oh|just|and so|"
    r"out of interest|just curious|honestly|genuinely|actually|quick question|i guess|i mean)\b[,:]?\s*)+"
)
_WH_HEAD = re.compile(r"^(what|how|why|where|when|who|whom|whose|which)(?:'s|'re|'d)?\b\s*(\S*)\s*(\S*)")
_AUX_HEAD = re.compile(rf"^{_AUX}\s+{_SUBJ}\b")
_TAG = re.compile(
    rf"(?:^|[,\s])\s*(?:right|yeah|yes|no|ok|okay|correct|true|isn't it|aren't you|don't you|didn't you|"
    rf"haven't you|hasn't it|wasn't it|won't you|can't you|is that right|am i right|"
    rf"{_AUX}\s+(?:you|it|they|we|he|she|i))\s*\??$"
)
_INVITE = re.compile(
    r"^(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|(?:please\s+)?)"
    r"(?:tell me|say (?:a bit |a little )?more|talk me through|walk me through|describe|"
    r"talk (?:to me |with me |a (?:little )?bit )?about|say (?:a (?:little )?bit )?about|"
    r"explain|share|help me understand|give me a sense|paint me a picture|fill me in)"
    r"(?!\s+(?:if|whether)\b)"
)
_HEDGE = re.compile(
    r"\b(?:i(?:'m| am| was| have been|'ve been)? (?:wonder(?:ing)?|curious)(?: about)?|"
    r"i'd (?:love|like) to (?:hear|know)(?: more)?(?: about)?|i'm interested in|"
    r"(?:i )?would love to hear|tell me)\s+(what|how|why|where|when|who|which|whether|if|about|more)\b"
)
# "I'd be curious whether you could describe ...": the hedge wraps an invitation, not a yes/no question.
_HEDGED_INVITE = re.compile(
    r"\b(?:wonder(?:ing)?|curious)\s+(?:if|whether)\s+(?:you\s+)?(?:can|could|would|might)\s+(?:you\s+)?"
    r"(?:please\s+)?(?:tell me|talk|share|describe|explain|walk me through|say (?:a bit |a little )?more|"
    r"help me understand)(?!\s+(?:if|whether)\b)"
)
# The last comma clause of a long question, when it opens with a wh-word: "..., what would help most?"
_LAST_WH_CLAUSE = re.compile(r",\s*(?:(?:um|uh|so|and|but|well|then|now|okay|ok)\b[,]?\s*)*"
                             r"((?:what|how|why|where|when|who|which)\b[^,]*)$")
_FACT_HOW = re.compile(r"^how (?:many|much|long|often|old|far|soon|big)\b")
_SUGGEST_HOW = re.compile(r"^(?:how|what) about\b|^why (?:don't|not|wouldn't)\b")
_LEADING_WHAT = re.compile(
    r"^what (?:do|would) you (?:think|say|feel) (?:about|of|to) (?:(?:just |maybe |perhaps )?\w+ing\b|"
    r"(?:the idea of|trying|if (?:you|we)))"
)
_WH_OPEN_MODAL = re.compile(
    r"^(?:where|when|which\s+(?!of\b)\w+)\s+(?:would|could|might|do you (?:think|see|want)|are you thinking|"
    r"(?:do|would) you (?:like|want))\b"
)
_FACT_WHAT = re.compile(r"^what (?:time|day|date|year|month|percentage|number|size)\b")
_FRONTED = re.compile(r"^(?!(?:what|how|why|where|when|who|which|" + _AUX[3:-1] + r")\b)[^,]{3,120},\s+(?=(?:what|how|why|where|when|who|which|" + _AUX[3:-1] + r")\b)")
_FRONTING_WORD = re.compile(r"^(?:given|before|after|if|with|since|as|looking|thinking|apart|besides|in|from|"
                            r"on|out|for|okay|ok|right|now|then|so|and|but|just|honestly|also|anyway)\b")
_WH_STATEMENT = re.compile(r"^(?:what|how|why|where|when)\s+(?:i|i'm|i've|we|we're|you|you're|you've|"
                           r"they|they're|he|she|it|it's)\b")


def _head(low: str, qmark: bool = True) -> str:
    """The clause that carries the question: strip markers and a fronted phrase."""
    s = _LEAD.sub("", low.strip(" \"'-")).strip()
    if qmark or _FRONTING_WORD.match(s):
        s = _FRONTED.sub("", s, count=1)
    return _LEAD.sub("", s).strip()


def _wh_kind(head: str) -> Kind | None:
    m = _WH_HEAD.match(head)
    if not m:
        return None
    wh = m.group(1)
    if _SUGGEST_HOW.match(head) or _LEADING_WHAT.match(head) or _FACT_WHAT.match(head):
        return "closed"
    if wh == "how":
        return "closed" if _FACT_HOW.match(head) else "open"
    if wh in ("what", "why"):
        return "open"
    if _WH_OPEN_MODAL.match(head):
        return "open"
    return "closed"  # who / when / where / which-of: a fact or a pick


def classify(sentence: Sentence) -> Kind | None:
    """Open, closed, or None when the sentence is not a question at all."""
    low = sentence.low.rstrip(" .!")
    head = _head(low, sentence.ends_with_qmark)
    if _INVITE.match(head) or _HEDGED_INVITE.search(low):
        return "open"
    hedge = _HEDGE.search(low)
    if hedge and not sentence.ends_with_qmark and not _TAG.search(low[-24:]):
        return "closed" if hedge.group(1) in ("whether", "if") else "open"
    wh = _wh_kind(head)
    if wh is not None and (sentence.ends_with_qmark or not _WH_STATEMENT.match(head)):
        if wh == "open" and sentence.ends_with_qmark and "," in low and _TAG.search(low[-24:]):
            return "closed"
        return wh
    if _AUX_HEAD.match(head):
        return "closed"
    if sentence.ends_with_qmark and not _TAG.search(low[-24:]):
        # A long preamble the fronting rule cannot peel ("Okay, so the reorg moved two of your leads and
        # the review is next week, um, what would help most?"): the question is the last clause.
        last = _LAST_WH_CLAUSE.search(low.rstrip(" ?"))
        if last and (kind := _wh_kind(last.group(1))) is not None:
            return kind
    if hedge:
        return "closed" if hedge.group(1) in ("whether", "if") else "open"
    if sentence.ends_with_qmark:
        return "closed"  # declarative or fragment with rising intonation, or a tag question
    return None


_SUGGESTS = re.compile(
    r"^(?:why (?:don't you|not)\b|(?:what|how) about (?:just )?\w+ing\b)"
)


def is_suggestive(sentence: Sentence) -> bool:
    """A question that tells: 'Why don't you just ...?', 'Why not ...?', 'How about moving ...?'.

    'Have you thought about delegating ...?' stays a leading closed question and not advice, as
    the scheme and the gold labels have it (prompts/coding_scheme.md)."""
    return bool(_SUGGESTS.match(_head(sentence.low)))


def turn_question(kinds: list[Kind | None]) -> Kind | None:
    """A turn is open if any of its questions is open: the manager can still answer in their own words."""
    if "open" in kinds:
        return "open"
    return "closed" if "closed" in kinds else None
