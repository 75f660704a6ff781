"""The coach's "share with trainers" switch, one per session, in the chat settings.

A chat setting rather than a button: it shows the current choice at a glance, Chainlit
sends it again when a session is resumed from the history, and switching it off withdraws
the session at once (`ShareStore.set_shared` deletes the row; trainer pages read it on
every request). The default is off. `handlers.py` adds the widget and calls `apply`.
"""

from __future__ import annotations

import logging
from typing import Any

import chainlit as cl
from chainlit.data import get_data_layer
from chainlit.input_widget import InputWidget, Switch

from sparring.storage.datalayer import SparringDataLayer
from sparring.ui.state import current_user

log = logging.getLogger("sparring.ui")

SHARE_SETTING = "share_with_trainers"
SHARED = ("**Shared with trainers.** They can see this conversation, its scores and your thumbs up or down "
          "with comments. Switch *Share with trainers* off in the settings to withdraw it.")
WITHDRAWN = "**No longer shared.** Trainers can no longer see this conversation."


def share_widget(shared: bool) -> InputWidget:
    return Switch(
        id=SHARE_SETTING,
        label="Share with trainers",
        initial=shared,
        description="Let trainers see this session: your lines, the replies, your thumbs up or down and "
        "comments, and the scores. Off unless you turn it on; turn it off any time to withdraw.",
    )


def _layer() -> SparringDataLayer | None:
    layer = get_data_layer()
    return layer if isinstance(layer, SparringDataLayer) else None


async def is_shared() -> bool:
    """Whether this chat's session is shared (False without a database)."""
    layer = _layer()
    if layer is None:
        return False
    return await layer.shares.is_shared(cl.context.session.thread_id, current_user())


async def apply(values: dict[str, Any]) -> None:
    """Store the switch's value when it changed, and tell the coach what it means."""
    layer = _layer()
    if layer is None or SHARE_SETTING not in values:
        return
    wanted = bool(values[SHARE_SETTING])
    thread_id, user = cl.context.session.thread_id, current_user()
    try:
        if await layer.shares.is_shared(thread_id, user) == wanted:
            return
        await layer.shares.set_shared(thread_id, user, wanted)
    except Exception:
        log.exception("could not change sharing of %s", thread_id)
        await cl.Message(content="**Could not change sharing** — the database is unavailable. "
                         "Try again in a moment.", author="Sparring").send()
        return
    await cl.Message(content=SHARED if wanted else WITHDRAWN, author="Sparring").send()
