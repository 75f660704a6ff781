"""One generation streamed through the guards.

Text is shown only after `guards.scan` has passed it, so the words that break
a rule never reach the coach; at most an innocent beginning was shown, which
a `Reset` withdraws. The start of a reply waits only while it could still become
a speaker label ("Pat Tester:", "Coach:"): any other first word is shown as it
arrives, so the coach does not wait for three words. Generation stops as soon as
the reply is complete or broken, which matters with a slow local model. The
rubric filter (`without_rubric`) wraps each attempt the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import lru_cache

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from sparring.engine import guards
from sparring.engine.events import Event, Reset, Token
from sparring.engine.scanner import Scanner
from sparring.engine.window import Runs, windowed
from sparring.providers.errors import ModelUnavailable, translate

#: Words of the evaluator's rubric. A manager never talks about how the coach is scored: a
#: hosted model knows MITI and may read it out when asked ("what rubric grades me?"), which
#: would break the role-play and teach the coach to game the score instead of listening.
RUBRIC_TERMS = re.compile(
    r"\b(MITI|rubrics?|coding scheme|motivational interviewing|change talk|"
    r"(simple|complex) reflections?|reflections? (per|to) questions?|"
    r"(scored|graded|rated|marked|assessed|evaluated) on|the evaluator)\b",
    re.IGNORECASE,
)

@lru_cache(maxsize=256)
def _labels(names: tuple[str, ...]) -> tuple[str, ...]:
    """Every label in lower case, longest first."""
    return tuple(sorted({n.lower() for n in (*names, *guards.LABELS, *guards.COACH_LABELS) if n}, key=len, reverse=True))


def _may_become_label(first_line: str, ctx: guards.GuardContext) -> bool:
    """True while the start of the reply is still a prefix of a speaker label, or a whole
    label that only lacks its colon: "Pa", "Pat Test", "Manager **". "Look" or "I" can never
    become one, so a reply starting with them is shown from its first token."""
    start = first_line.lstrip(" \t*\"'“").lower()
    labels = _labels(ctx.speaker_names)
    if len(start.rstrip(" \t*")) > len(labels[0]):
        return False  # longer than any label: the usual case after the first few words
    for label in labels:
        if label.startswith(start):
            return True
        if start.startswith(label) and not start[len(label) :].strip(" \t*"):
            return True
    return False


#: Words a spoken reply opens on before a comma ("Okay, fine.", "Honestly, no."). They are
#: never a name addressed on a line of its own ("Aisha,\n"), the case the start of a reply
#: waits for: holding them cost the coach a token's wait on one bank line in six. A word
#: missing here only waits for the next token, as every such word did before.
_OPENER_WORDS = """
    absolutely actually agreed ah aha ahh all alright also anyway aye basically besides
    certainly clearly course definitely enough er erm exactly fair fine first fortunately
    frankly gosh granted great ha hah hey hmm honestly hopefully huh indeed listen look mm
    mhm nah naturally no nope now obviously of oh ok okay oops perfect personally please
    possibly probably quite really right sadly seriously so sorry still sure thanks then
    though totally true truly uh um understood unfortunately well whatever why wow yeah yep
    yes yup"""
OPENERS = frozenset(_OPENER_WORDS.split())
_OPENER_WORD = re.compile(r"[a-z]+")


def _may_be_vocative(first_line: str) -> bool:
    """A first line shaped like a name and a comma, unless its words are openers."""
    if not guards.VOCATIVE.match(first_line):
        return False
    words = _OPENER_WORD.findall(first_line.lower())
    return not words or not all(w in OPENERS for w in words)


def streamable(raw: str, ctx: guards.GuardContext, cleaned: str | None = None) -> str:
    """The part of a partial reply that can be shown now: cleaned, minus any start that
    could still turn into a speaker label (or a name on a line of its own) and any
    trailing quote. `cleaned` is `guards.clean(raw, ctx)` when the caller has it already
    (the stream cleans each partial reply once, not twice)."""
    first_line = raw.lstrip().split("\n", 1)[0]
    if "\n" not in raw.lstrip() and (_may_become_label(first_line, ctx) or _may_be_vocative(first_line)):
        return ""
    return (guards.clean(raw, ctx) if cleaned is None else cleaned).rstrip(guards.QUOTES + " ")


@dataclass
class Outcome:
    """What one attempt produced: the cleaned text, and the guard that rejected it (or "")."""

    text: str = ""
    failure: str = ""


async def guarded_stream(
    model: BaseChatModel,
    messages: list[BaseMessage],
    ctx: guards.GuardContext,
    seed: int,
    outcome: Outcome,
) -> AsyncIterator[Event]:
    """Stream one reply as `Token`/`Reset` events and fill `outcome`; model failures raise
    as `ModelError` (translated) after withdrawing anything shown."""
    raw = ""
    shown = ""
    failure = ""
    scanner = Scanner(ctx)  # `guards.scan`'s answers, reading each token's text once
    stream = model.astream(messages, seed=seed)
    try:
        async for chunk in stream:
            piece = chunk.content if isinstance(chunk.content, str) else chunk.text
            if not piece:
                continue
            raw += piece
            cleaned = guards.clean(raw, ctx)
            found = scanner.scan(cleaned)
            if found is not None:
                failure = found
                break
            if guards.ends_reply(raw, ctx):
                break  # the reply is complete (first line, sentence limit or a coach label)
            visible = streamable(raw, ctx, cleaned)
            if visible.startswith(shown):
                if len(visible) > len(shown):
                    yield Token(visible[len(shown) :])
                    shown = visible
            elif visible:
                yield Reset("cleaned")
                yield Token(visible)
                shown = visible
    except ValueError as exc:
        if raw or "No generation chunks" not in str(exc):
            raise
        failure = "empty"  # LangChain's way of saying the model produced nothing
    except Exception as exc:
        error = translate(exc)
        if shown:
            yield Reset("model_error")
        if error is None:
            raise
        raise error from exc
    finally:
        close = getattr(stream, "aclose", None)
        if close is not None:
            await close()  # releases the local model's lock at once
    if failure:
        if shown:
            yield Reset(failure)
        outcome.text, outcome.failure = raw, failure
        return
    verdict = guards.check(raw, ctx)
    if not verdict.ok:
        if shown:
            yield Reset(verdict.failures[0])
        outcome.text, outcome.failure = verdict.text, verdict.failures[0]
        return
    if verdict.text.startswith(shown):
        rest = verdict.text[len(shown) :]
        if rest:
            yield Token(rest)
    else:
        yield Reset("cleaned")
        yield Token(verdict.text)
    outcome.text = verdict.text


async def without_rubric(events: AsyncIterator[Event], outcome: Outcome) -> AsyncIterator[Event]:
    """Pass one attempt's events on, stopping it before a rubric word is shown.

    Also turns an endpoint's unreadable stream (malformed JSON) into a `ModelUnavailable`,
    so the coach gets the same clear message and Retry as for any other endpoint fault.
    """
    shown = ""
    rubric = windowed(RUBRIC_TERMS)  # searched only where a new match can start
    runs = Runs(rubric.classes)
    try:
        async for event in events:
            if isinstance(event, Token):
                text = shown + event.text
                runs.extend(text, len(shown))
                if rubric.found(text, len(shown), runs.longest):
                    if shown:
                        yield Reset("rubric_leak")
                    outcome.failure = "rubric_leak"
                    return
                shown = text
            elif isinstance(event, Reset):
                shown = ""
                runs = Runs(rubric.classes)
            yield event
    except json.JSONDecodeError as exc:
        if shown:
            yield Reset("model_error")
        raise ModelUnavailable(
            "The model endpoint sent a reply that is not valid JSON. "
            "Your message is kept; try again."
        ) from exc
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()
