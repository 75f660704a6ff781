"""Ending a session: the debrief with its chart and the exports."""

from __future__ import annotations

import logging

import chainlit as cl

from sparring.ui import render
from sparring.ui.state import AppState, Live, save
from sparring.ui.turns import REWIND_ACTION

log = logging.getLogger("sparring.ui")


async def end_session(app: AppState, live: Live) -> None:
    """Produce and show the debrief once; later calls point back to it."""
    if live.stored.ended:
        await cl.Message(content="This session has ended — your debrief is above. "
                         "Start a **New chat** to practise again.", author="Sparring").send()
        return
    if not live.session.transcript.turns:
        await cl.Message(content="Nothing to debrief yet: say something to the manager first.",
                         author="Sparring").send()
        return
    async with cl.Step(name="Debrief", type="tool", show_input=False) as step:
        step.output = "Reviewing the session…"
        debrief = await live.practice.debrief()  # waits for pending judge codes
        step.output = f"Scored {len(live.session.transcript.turns)} turns."
    transcript = live.session.transcript.best_coded()
    markdown = debrief.to_markdown()
    if live.end_action_for is not None:
        for action in live.end_action_for.actions:
            await action.remove()
        live.end_action_for.actions = []
    for steps in live.turn_steps.values():  # the conversation is over: nothing to go back to
        for step in steps:
            for action in [a for a in getattr(step, "actions", []) if a.name == REWIND_ACTION]:
                await action.remove()
    await cl.Message(content=render.chat_markdown(markdown), author="Sparring",
                     elements=render.debrief_elements(transcript, debrief)).send()
    live.stored.ended = True
    live.stored.debrief_markdown = markdown
    live.stored.debrief = debrief.model_dump(mode="json")
    await save(live)
