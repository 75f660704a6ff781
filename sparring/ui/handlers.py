"""Chainlit event handlers: thin glue between the web UI and a `PracticeSession`.

`app.py` registers these; each one finds the chat's `Live` state, does one thing
and persists. Errors a coach can act on are shown as messages, never tracebacks.
"""

from __future__ import annotations

import logging
from typing import Any

import chainlit as cl
from chainlit.data import get_data_layer
from chainlit.types import ThreadDict

from sparring.errors import USER_FACING
from sparring.persona.model import Persona
from sparring.storage.sessions import PracticeOptions, StoredPractice
from sparring.ui import profiles, render, sharing
from sparring.ui.ending import end_session
from sparring.ui.state import AppState, Live, current_user, get_live, save, set_live
from sparring.ui.turns import (
    STARTER_ACTION,
    end_action,
    move_end_action,
    play_turn,
    starter_actions,
)

log = logging.getLogger("sparring.ui")

END_COMMANDS = ("/end", "/end session", "/debrief")
SYSTEM = "Sparring"


async def _say(text: str, **kwargs: Any) -> cl.Message:
    return await cl.Message(content=text, author=SYSTEM, **kwargs).send()


def _new_live(app: AppState, persona: Persona, options: PracticeOptions) -> Live:
    from sparring.engine.session import PracticeSession

    session = PracticeSession(persona, options.difficulty, app.model(options.model), app.settings,
                              coder=app.coder())
    stored = StoredPractice(transcript=session.transcript, options=options)
    return Live(persona=persona, practice=app.practice(session, options.model), stored=stored)


def _draft_to_try(app: AppState) -> Persona | None:
    """A trainer's unsaved draft when this browser came from the studio's "Try it"."""
    from sparring.trainer.drafts import draft_for_chat

    environ = getattr(cl.context.session, "environ", None)
    return draft_for_chat(app.settings.data_dir, app.settings.personas_dir,
                          environ if isinstance(environ, dict) else None, current_user())


def _persona_for_profile(app: AppState) -> Persona:
    personas = app.personas()
    chosen = cl.user_session.get("chat_profile")
    if chosen not in personas:
        chosen = app.settings.default_persona
    return personas[chosen] if chosen in personas else next(iter(personas.values()))


async def _open(live: Live) -> None:
    """The scenario brief, then the manager's opening line with the End button."""
    transcript = live.session.transcript
    await _say(render.scenario_card(live.persona.name, live.persona.role, live.persona.scenario,
                                    transcript.difficulty, transcript.state.resistance))
    opening = cl.Message(content=live.session.opening, author=live.persona.name,
                         actions=[end_action(), *starter_actions(live.persona.starters)])
    await move_end_action(live, opening)
    await opening.send()


async def on_chat_start(app: AppState) -> None:
    try:
        draft = _draft_to_try(app)
        persona = draft or _persona_for_profile(app)
        options = PracticeOptions(model=app.settings.model)
        values = await cl.ChatSettings([*profiles.settings_widgets(app.settings, options),
                                         sharing.share_widget(False)]).send()
        live = _new_live(app, persona, profiles.options_from(values, app.settings, options))
    except USER_FACING as exc:
        await _say(f"**Sparring cannot start a practice.** {exc}")
        return
    set_live(live)
    if draft is not None:
        await _say(f"**Trying an unsaved draft of {draft.name}** (`{draft.id}`) from the persona "
                   "studio; the saved persona is unchanged. New chats use this draft until it "
                   "expires or you [stop trying drafts](/trainer/stop-trying).")
    await _open(live)


async def on_message(app: AppState, message: cl.Message) -> None:
    live = get_live()
    if live is None:
        await _say("No practice is open here. Start a **New chat** and pick a manager.")
        return
    text = message.content.strip()
    if text.lower() in END_COMMANDS:
        async with live.lock:
            await end_session(app, live)
        return
    if live.stored.ended:
        await _say("This session has ended — your debrief is above. "
                   "Start a **New chat** to practise again.")
        return
    async with live.lock:  # an empty line is answered by play_turn with what to do
        record = await play_turn(app, live, text, message.id)
        await _after_turn(live, record is not None)


async def _after_turn(live: Live, replied: bool) -> None:
    """Name the history entry once; say so plainly when the manager has walked out (hard)."""
    if not replied:
        return
    if not live.named:
        live.named = await _name_thread(live)
    if live.session.state.ended:
        await _say(f"**{live.persona.name} has ended the conversation.** Press **End session** for "
                   "your debrief, or **Try this turn again** under an earlier reply to see what "
                   "else you could have said.")


async def _name_thread(live: Live) -> bool:
    """Name the history entry after the persona and difficulty instead of the first line."""
    layer = get_data_layer()
    if layer is None:
        return True
    transcript = live.session.transcript
    try:
        await layer.update_thread(cl.context.session.thread_id,
                                  name=f"{transcript.persona_name} · {transcript.difficulty}")
    except Exception:
        log.exception("could not name the thread")
    return True


async def on_end_action(app: AppState, action: cl.Action) -> None:
    live = get_live()
    if live is None:
        await _say("No practice is open here.")
        return
    async with live.lock:
        await end_session(app, live)


async def on_starter_action(app: AppState, action: cl.Action) -> None:
    """Say a suggested first line as the coach, exactly as if it had been typed."""
    live = get_live()
    text = str(action.payload.get("text", "")).strip()
    if live is None or not text or live.stored.ended or live.session.transcript.turns:
        return
    opening = live.end_action_for
    if opening is not None:
        for other in [a for a in opening.actions if a.name == STARTER_ACTION]:
            await other.remove()
        opening.actions = [a for a in opening.actions if a.name != STARTER_ACTION]
    said = await cl.Message(content=text, author=current_user(), type="user_message").send()
    async with live.lock:
        record = await play_turn(app, live, text, said.id)
        await _after_turn(live, record is not None)


async def on_retry_action(app: AppState, action: cl.Action) -> None:
    live = get_live()
    text = str(action.payload.get("text", "")).strip()
    if live is None or not text or live.stored.ended:
        return
    await action.remove()
    async with live.lock:
        record = await play_turn(app, live, text, action.payload.get("coach_id"))
        await _after_turn(live, record is not None)


async def on_rewind_action(app: AppState, action: cl.Action) -> None:
    from sparring.ui.rewind import rewind_to

    live = get_live()
    turn = action.payload.get("turn")
    if live is None or not isinstance(turn, int):
        return
    async with live.lock:
        await rewind_to(app, live, turn)


async def on_settings_update(app: AppState, values: dict[str, Any]) -> None:
    await sharing.apply(values)  # the coach's share switch, whatever else changed
    live = get_live()
    if live is None:
        return
    old = live.stored.options
    new = profiles.options_from(values, app.settings, old)
    if old.show_meter and not new.show_meter:
        for meter in live.meters:
            await meter.remove()
        live.meters.clear()
    if new.difficulty != old.difficulty:
        if live.session.transcript.turns:
            await _say(f"Difficulty **{new.difficulty}** applies to your next session; "
                       f"this one stays **{old.difficulty}**.")
            new = new.model_copy(update={"difficulty": old.difficulty})
        else:
            fresh = _new_live(app, live.persona, new)
            set_live(fresh)
            await _open(fresh)
            return
    if new.model != old.model:
        from sparring.engine.session import PracticeSession

        try:
            session = PracticeSession.resume(live.session.transcript, live.persona,
                                             app.model(new.model), app.settings, coder=app.coder())
            live.practice = app.practice(session, new.model)
            live.practice.save_hook = live.save
        except USER_FACING as exc:
            await _say(f"Could not switch model: {exc}")
            new = new.model_copy(update={"model": old.model})
    live.stored.options = new
    if live.session.transcript.turns:
        await save(live)


async def on_chat_resume(app: AppState, thread: ThreadDict) -> None:
    """Rebuild the engine session from the stored transcript: same hidden state, same turn."""
    from sparring.engine.session import PracticeSession

    store = AppState.store()
    stored = await store.load(thread["id"], current_user()) if store else None
    if stored is None:
        await _say("This conversation has no practice record, so it can be read but not continued.")
        return
    try:
        persona = app.personas()[stored.transcript.persona_id]
    except KeyError:
        await _say(f"The persona '{stored.transcript.persona_id}' is no longer installed; "
                   "this session can be read but not continued.")
        return
    except USER_FACING as exc:
        await _say(f"Cannot load personas: {exc}")
        return
    options = stored.options
    if options.model not in profiles.available_models(app.settings):
        options = options.model_copy(update={"model": app.settings.model})
    try:
        session = PracticeSession.resume(stored.transcript, persona, app.model(options.model),
                                         app.settings, coder=app.coder())
    except USER_FACING as exc:
        await _say(f"Cannot continue this session: {exc}")
        return
    stored.options = options
    live = Live(persona=persona, practice=app.practice(session, options.model), stored=stored,
                named=True)
    set_live(live)
    await cl.ChatSettings([*profiles.settings_widgets(app.settings, options),
                           sharing.share_widget(await sharing.is_shared())]).send()
    if stored.ended:
        return
    state = session.transcript.state
    meter = f" Resistance is at **{state.level}/10**." if options.show_meter else ""
    note = cl.Message(content=f"Welcome back — carry on where you left off.{meter}",
                      author=SYSTEM, actions=[end_action()])
    await move_end_action(live, note)
    await note.send()
