"""Tier 1 coder: deterministic rules over sentences, no model, fast enough for every turn.

The turn is split into sentences and each is coded on its own (question kind,
reflection, pushing moves, partnering moves); the turn is the union. The
manager's previous turn decides whether a statement reflects and whether the
coach contradicts it, and whether the manager asked for advice (then advice is
welcome, not directive). Power-move phrases the coach only echoes back
("Your boss wants a cut and you have to tell the team") are reflections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sparring.coding import lexicon as lx
from sparring.coding.codes import FLAGS, TurnCodes
from sparring.coding.questions import Kind, classify, is_suggestive, turn_question
from sparring.coding.reflection import contradicts, echo, names_their_feeling, reflect
from sparring.coding.sentences import (
    Context,
    Sentence,
    content_stems,
    prepare_context,
    split_sentences,
    words,
)

_LEAD = re.compile(r"^(?:(?:so|and|but|ok|okay|well|then|now|honestly|look|just|maybe|perhaps|please|"
                   r"really|seriously|frankly|first|basically|instead)\b[,:]?\s*)+")
_HEDGE_HEAD = re.compile(r"^(?:sort|kind) of\b")  # "Sort of an escape": a hedge, not the verb "sort"
_NOUN_USE = re.compile(r"^\w+ (?:is|was|are|were|has|had|seems|sounds|feels|looks|went|'s)\b")
_SOFT_EMPATHY = re.compile(r"^(?:i get (?:that|it)|i understand|i hear you|fair enough)\b")
_PERSPECTIVE = re.compile(r"^(?:so,? )?(?:in your (?:view|eyes|mind)|for you|from (?:where you sit|your side))\b")
_NEGATED_LABEL = re.compile(r"\b(?:not|isn't|don't|doesn't|never)\s+(?:\w+\s+)?micromanag")
_EVIDENCE = re.compile(r"\b(?:notice|noticed|see|saw|spotted|shows?|showed|mentioned?|according|looking)\b")
_NEGATION = re.compile(r"\b(?:not|never|aren't|isn't|won't|don't|doesn't|wasn't|weren't)\b")
_OBS_DETAIL = re.compile(r"\d|\b(?:two|three|four|five|six|seven|twice|times|last|since|every|most|all)\b")


def imperative(low: str) -> str | None:
    """The verb that opens an imperative sentence ('Push one back', "Don't worry about it"), if any."""
    head = _LEAD.sub("", low)
    if lx.INVITING_IMPERATIVE.match(head) or _NOUN_USE.match(head) or _HEDGE_HEAD.match(head):
        return None
    m = re.match(r"^(?:(don't|never|do not)\s+)?([a-z']+)\b", head)
    if not m:
        return None
    verb = m.group(2)
    if m.group(1):
        return None if verb in ("you", "we", "i", "they", "know", "think") else f"{m.group(1)} {verb}"
    return verb if verb in lx.IMPERATIVE_VERBS else None


def _hit(pattern: lx.Searchable, text: str) -> str | None:
    m = pattern.search(text)
    return m.group(0).strip(" ,") if m else None


def _echoed(trigger: str, sentence: Sentence, ctx: Context) -> bool:
    """The pushing phrase is the manager's own ('my boss wants'), given back to them."""
    if not ctx or echo(sentence, ctx)[1] < 0.5:
        return False
    trigger_stems = content_stems(words(trigger))
    if trigger_stems:
        return trigger_stems <= ctx.stems
    # A bare modal ("you have to") is theirs only if they used it ("I'm the one who has to").
    modal = re.sub(r"^you(?:'ll| will)?\s+(?:really |just |still )?", "", trigger)
    return any(v in ctx.low for v in {modal, modal.replace("have", "has"), modal.replace("need", "needs")})


@dataclass
class _Turn:
    """What the sentences of one turn have found so far."""

    flags: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(FLAGS, False))
    reasons: dict[str, str] = field(default_factory=dict)
    kinds: list[Kind | None] = field(default_factory=list)
    reflections: list[tuple[str, str, bool]] = field(default_factory=list)  # depth, trigger, echo-only
    observation: str | None = None
    soft_empathy_only: bool = True

    def mark(self, code: str, trigger: str | None) -> bool:
        if trigger is None:
            return False
        self.flags[code] = True
        self.reasons.setdefault(code, trigger)
        return True

    @property
    def pushing(self) -> bool:
        return any(self.flags[c] for c in ("directive", "arguing", "judging", "pulling_rank"))


class RulesCoder:
    """Codes a coach turn from its text and the manager turn before it; see prompts/coding_scheme.md."""

    def code(self, text: str, context: str | None) -> TurnCodes:
        ctx = prepare_context(context)
        turn = _Turn()
        advice_ok = bool(ctx and lx.ADVICE_REQUEST.search(ctx.low))
        for s in split_sentences(text):
            advice_ok = advice_ok or bool(
                lx.PERMISSION.search(s.low) or lx.ASKING_PERMISSION.search(s.low) or lx.AUTONOMY.search(s.low)
            )
            self._sentence(s, ctx, turn, advice_ok)
        flags, reasons = turn.flags, turn.reasons
        if flags["empathy"] and turn.soft_empathy_only and (flags["directive"] or flags["pulling_rank"]):
            flags["empathy"] = False  # "I hear you, but..." acknowledges only to push
            reasons.pop("empathy", None)
        kept = [(d, t) for d, t, echo_only in turn.reflections if not (echo_only and turn.pushing)]
        reflection = None
        if kept:
            reflection = "complex" if any(d == "complex" for d, _ in kept) else "simple"
            reasons["reflection"] = next(t for d, t in kept if d == reflection)
        return TurnCodes(question=turn_question(turn.kinds), reflection=reflection, reasons=reasons, **flags)

    def _sentence(self, s: Sentence, ctx: Context, turn: _Turn, advice_ok: bool) -> None:
        low = s.low
        kind = classify(s)
        turn.kinds.append(kind)
        if kind is not None:
            turn.reasons.setdefault("question", s.text[:60])
        judged = None if (_PERSPECTIVE.match(low) or _NEGATED_LABEL.search(low)) else _hit(lx.JUDGING, low)
        turn.mark("judging", judged)
        affirming = turn.mark("affirmation", _hit(lx.AFFIRMATION, low))
        turn.mark("goal_cocreation", _hit(lx.GOAL, low))
        if turn.mark("asking_permission", _hit(lx.ASKING_PERMISSION, low)):
            turn.mark("goal_cocreation", turn.reasons["asking_permission"])  # the scheme: asking is co-creating
        if not turn.flags["pulling_rank"] and turn.mark("autonomy", _hit(lx.AUTONOMY, low)):
            turn.mark("goal_cocreation", turn.reasons["autonomy"])
        empathy = _hit(lx.EMPATHY, low)
        if turn.mark("empathy", empathy) and empathy and not _SOFT_EMPATHY.match(empathy):
            turn.soft_empathy_only = False
        if kind is not None:
            if is_suggestive(s) and not advice_ok:
                turn.mark("directive", "why don't you")
            if turn.observation and not (turn.flags["arguing"] or turn.flags["judging"]):
                turn.mark("neutral_observation", turn.observation)
            return
        if self._pushes(s, ctx, turn, advice_ok) or judged:
            return
        obs = _hit(lx.OBSERVATION, low)
        if obs and (_OBS_DETAIL.search(low) or _EVIDENCE.search(obs)):
            turn.observation = turn.observation or obs
            return
        hit = reflect(s, ctx, affirming=affirming, generic=bool(lx.GENERIC.search(low)))
        if hit is None:
            return
        turn.reflections.append((hit.depth, hit.trigger, not hit.stemmed))
        feeling = hit.feeling or (names_their_feeling(low) if hit.depth == "complex" else None)
        if feeling and turn.mark("empathy", feeling):
            turn.soft_empathy_only = False

    @staticmethod
    def _pushes(s: Sentence, ctx: Context, turn: _Turn, advice_ok: bool) -> bool:
        """Statement-level power moves; True when the sentence pushes, so it is no reflection."""
        low = s.low
        pushed = False
        rank = _hit(lx.PULLING_RANK, low)
        if rank and not _echoed(rank, s, ctx):
            pushed = turn.mark("pulling_rank", rank)
        directive = None
        if not advice_ok and not lx.DIRECTIVE_NEGATED.search(low):
            directive = _hit(lx.DIRECTIVE, low) or imperative(low)
            if directive and not _echoed(directive, s, ctx):
                pushed = turn.mark("directive", directive) or pushed
            else:
                directive = None
        argued = _hit(lx.ARGUING, low)
        if argued is None and directive is None and _NEGATION.search(low) and contradicts(s, ctx):
            argued = "contradicts the manager"
        return turn.mark("arguing", argued) or pushed
