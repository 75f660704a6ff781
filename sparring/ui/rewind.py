""""Try this turn again" in the browser: the conversation goes back to before a coach turn.

The engine restores the hidden state stored with that turn; here the turns taken back
leave the screen (and the stored history), with the judge's codes on their records, and
the coach is told where the manager stands. The branch stays in the stored
practice, so the debrief shows both tries and a resumed chat carries on from the new one.
"""

from __future__ import annotations

import logging

import chainlit as cl

from sparring.errors import UserError
from sparring.ui.state import AppState, Live, save
from sparring.ui.turns import end_action, move_end_action

log = logging.getLogger("sparring.ui")


async def rewind_to(app: AppState, live: Live, turn: int) -> None:
    if live.stored.ended:
        await cl.Message(content="This session has ended — your debrief is above. "
                         "Start a **New chat** to practise again.", author="Sparring").send()
        return
    try:
        live.practice.rewind(turn)
    except UserError as exc:
        await cl.Message(content=str(exc), author="Sparring").send()
        return
    removed: set[str] = set()
    for index in [i for i in live.notes if i >= turn]:
        del live.notes[index]
    for index in sorted(i for i in live.turn_steps if i >= turn):
        for step in live.turn_steps.pop(index):
            removed.add(step.id)
            try:
                await step.remove()
            except Exception:  # off screen already (e.g. a reloaded page): the record decides
                log.exception("could not remove a step of turn %s", index)
    live.meters = [m for m in live.meters if m.for_id not in removed]
    state = live.session.transcript.state
    meter = f" (resistance **{state.level}/10**)" if live.stored.options.show_meter else ""
    note = cl.Message(
        content=f"↶ Back to before turn {turn}: {live.persona.name} is where they were then{meter}. "
        "Say it another way.",
        author="Sparring", actions=[end_action()])
    await move_end_action(live, note)
    await note.send()
    await save(live)
