"""One coach turn on screen: stream the reply, show feedback, run the judge beside it.

Order matters for the coach's experience: the manager's reply streams first; the
rules-tier codes arrive with it (at `Done`); the LLM judge, started in the
background, may refine the note later. A model failure leaves the coach's message
in place with a Retry button, and the engine has not advanced its state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

import chainlit as cl
from chainlit.utils import utc_now

from sparring.engine.events import Done, Reset, Token
from sparring.engine.transcript import TurnRecord
from sparring.errors import USER_FACING, UserError
from sparring.practice import Judged
from sparring.ui import render
from sparring.ui.pacing import Pacer
from sparring.ui.state import AppState, Live

log = logging.getLogger("sparring.ui")

END_ACTION = "end_session"
RETRY_ACTION = "retry_turn"
REWIND_ACTION = "rewind_turn"
#: The engine's Reset reason when the model failed mid-reply (sparring/engine/stream.py).
MODEL_ERROR = "model_error"
INTERRUPTED = "*(cut off — the model failed mid-reply; this is not part of the conversation)*"


def end_action() -> cl.Action:
    return cl.Action(name=END_ACTION, payload={}, label="End session", icon="flag",
                     tooltip="Finish and see your debrief")


STARTER_ACTION = "starter_line"


def starter_actions(lines: list[str], limit: int = 3) -> list[cl.Action]:
    """The persona's suggested first lines as buttons under the opening (Chainlit only shows
    its own starters on an empty chat, and here the manager always speaks first)."""
    return [
        cl.Action(name=STARTER_ACTION, payload={"text": line}, icon="message-square",
                  label=line if len(line) <= 70 else line[:69].rstrip() + "…", tooltip=line)
        for line in lines[:limit]
    ]


def rewind_action(turn: int) -> cl.Action:
    return cl.Action(name=REWIND_ACTION, payload={"turn": turn}, label="Try this turn again",
                     icon="undo-2", tooltip="Go back to before your line and say it another way")


def retry_action(text: str, coach_id: str | None) -> cl.Action:
    return cl.Action(name=RETRY_ACTION, payload={"text": text, "coach_id": coach_id},
                     label="Retry", icon="rotate-ccw", tooltip="Send the same line again")


async def move_end_action(live: Live, message: cl.Message) -> None:
    """Keep a single End-session button, on the newest manager reply."""
    if live.end_action_for is not None:
        ends = [a for a in live.end_action_for.actions if a.name == END_ACTION]
        for action in ends:
            await action.remove()
        live.end_action_for.actions = [a for a in live.end_action_for.actions if a.name != END_ACTION]
    live.end_action_for = message


def _open_note(live: Live, coach_id: str | None) -> tuple[cl.Step | None, asyncio.Task[Any] | None]:
    """The "Coding your turn…" note, sent in the background: the model call does not wait
    for it, and it still reaches the coach before the reply's first word."""
    if not live.stored.options.live_feedback:
        return None, None
    # Parent = the run step Chainlit opened for this coach message (else the message), so
    # the note sits between the coach's line and the manager's reply, which starts later.
    run = cl.context.current_step
    note = cl.Step(name=render.FEEDBACK_STEP, type="tool", parent_id=run.id if run else coach_id,
                   show_input=False, default_open=True)
    note.start = utc_now()
    note.output = "Coding your turn…"
    # Shown, never stored: the final note is stored once, with the turn (storage/batch.py).
    return note, asyncio.create_task(cl.context.emitter.send_step(note.to_dict()))


def show_judged(live: Live) -> Callable[[Judged], Awaitable[None]]:
    """What the web app does when the judge's codes come: refine that turn's note."""

    async def refine(judged: Judged) -> None:
        note = live.notes.get(judged.record.index)
        if note is not None:
            note.output = render.feedback_note(judged.codes, judged=True)
            await note.update()

    return refine


async def play_turn(app: AppState, live: Live, text: str, coach_id: str | None) -> TurnRecord | None:
    """Run one turn end to end; returns the record, or None when the model failed.

    The practice service (`sparring.practice`) runs the turn, the judge and the save; this
    only renders: the feedback note is sent beside the model call, the reply streams, and
    the meter and the final note follow it.
    """
    try:  # an unusable line (empty, a 100,000-character paste) goes to no model at all
        text = live.practice.validate(text)
    except UserError as exc:
        await _failed(cl.Message(content=""), None, None, coach_id, str(exc))
        return None
    live.practice.on_judged = show_judged(live)
    note, note_sent = _open_note(live, coach_id)
    reply = cl.Message(content="", author=live.persona.name)
    try:
        record = await _stream(live, reply, text, note, note_sent, coach_id)
    except Exception as exc:
        note = note if await _sent(note_sent) else None
        if isinstance(exc, UserError):  # the line itself is unusable: no point retrying
            await _failed(reply, note, None, coach_id, str(exc))
        elif isinstance(exc, USER_FACING):
            await _failed(reply, note, text, coach_id, str(exc))
        else:
            log.exception("turn failed")
            await _failed(reply, note, text, coach_id,
                          f"Something went wrong on our side ({type(exc).__name__}). "
                          "Your message is kept; press Retry.")
        return None
    return record


async def _show_reply(live: Live, reply: cl.Message, record: TurnRecord, note: cl.Step | None,
                      note_sent: asyncio.Task[Any] | None, coach_id: str | None) -> None:
    """The reply is whole: the meter, the buttons and the final note go on screen."""
    reply.content = record.manager
    if live.stored.options.show_meter:
        meter = render.meter_element(record.resistance_before, record.resistance_after)
        reply.elements = [cast(Any, meter)]
        live.meters.append(meter)
    await move_end_action(live, reply)
    reply.actions = [end_action(), rewind_action(record.index)]
    await reply.send()
    live.turn_steps[record.index] = [s for s in (_coach_message(coach_id), note, reply) if s is not None]
    if note is not None and await _sent(note_sent):
        live.notes[record.index] = note
        note.output = render.feedback_note(record.codes)
        note.end = utc_now()
        await note.update()


def _coach_message(coach_id: str | None) -> cl.Message | None:
    """The coach's own message object (Chainlit keeps it per chat), so it can be taken back."""
    if coach_id is None:
        return None
    from chainlit.chat_context import chat_context

    return next((m for m in chat_context.get() if m.id == coach_id), None) or cl.Message(
        content="", id=coach_id, type="user_message")


async def _sent(task: asyncio.Task[Any] | None) -> bool:
    """Wait for a background send; False if there was none or it failed."""
    if task is None:
        return False
    try:
        await task
    except Exception:
        log.exception("could not send the feedback note")
        return False
    return True


async def _stream(live: Live, reply: cl.Message, text: str, note: cl.Step | None,
                  note_sent: asyncio.Task[Any] | None, coach_id: str | None) -> TurnRecord:
    """Show the practice's events to the end (after `Done` it saves and starts the judge)."""
    record: TurnRecord | None = None
    pacer = Pacer(asyncio.get_running_loop().time)  # pieces closer than 0.1 s go out together
    async for event in live.practice.turn(text):
        if isinstance(event, Token):
            if not reply.streaming and note_sent is not None and not note_sent.done():
                await _sent(note_sent)  # the note goes above the reply, even from a fast model
            ready = pacer.add(event.text)
            if ready:
                await reply.stream_token(ready)
        elif isinstance(event, Reset):
            pacer.reset()
            if event.reason == MODEL_ERROR:
                continue  # keep what was shown: `_failed` marks it as cut off
            reply.content = ""
            if reply.streaming:
                await cl.context.emitter.send_token(id=reply.id, token="", is_sequence=True)
        elif isinstance(event, Done):
            held = pacer.flush()
            if held:  # the last pieces reach the browser as streamed text, as before
                await reply.stream_token(held)
            record = event.record
            await _show_reply(live, reply, record, note, note_sent, coach_id)
    if record is None:
        raise RuntimeError("the engine ended a turn without a Done event")
    return record


async def _failed(reply: cl.Message, note: cl.Step | None, text: str | None,
                  coach_id: str | None, problem: str) -> None:
    if reply.streaming and reply.content.strip():
        # The coach saw these words: say plainly they were cut off and do not count.
        reply.content = f"{reply.content.rstrip()} … {INTERRUPTED}"
        await reply.update()
    elif reply.streaming:
        await reply.remove()
    if note is not None:
        await note.remove()
    actions = [retry_action(text, coach_id)] if text else []
    await cl.Message(content=f"**The manager could not reply.** {problem}", author="Sparring",
                     actions=actions).send()
