"""One generation streamed through the guards.

Text is shown only after `guards.scan` has passed it, so the words that break
a rule never reach the coach; at most an innocent beginning was shown, which
a `Reset` withdraws. Generation stops as soon as the reply is complete or
broken, which matters with a slow local model.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from sparring.engine import guards
from sparring.engine.events import Event, Reset, Token
from sparring.providers.errors import translate


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
    stream = model.astream(messages, seed=seed)
    try:
        async for chunk in stream:
            piece = chunk.content if isinstance(chunk.content, str) else chunk.text
            if not piece:
                continue
            raw += piece
            found = guards.scan(guards.clean(raw, ctx), ctx)
            if found is not None:
                failure = found
                break
            if guards.ends_reply(raw, ctx):
                break  # the reply is complete (first line, sentence limit or a coach label)
            visible = guards.streamable(raw, ctx)
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
