"""The Sparring web app (Chainlit). Run with `sparring serve`, or `chainlit run app.py`.

Only wiring lives here: settings and auth are decided once at start-up, then each
Chainlit event is handed to `sparring.ui.handlers`.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import chainlit as cl
from chainlit.server import app as chainlit_app
from chainlit.types import ThreadDict

from sparring.errors import UserError
from sparring.settings import load_settings
from sparring.storage.datalayer import SparringDataLayer, make_data_layer
from sparring.storage.schema import ensure_schema
from sparring.trainer.pages import install_trainer_routes
from sparring.ui import handlers, profiles
from sparring.ui.auth import LOCAL_USER, auth_config, check_login
from sparring.ui.clock import install_clock
from sparring.ui.guards import install_guards
from sparring.ui.heap import settle
from sparring.ui.routes import install_routes
from sparring.ui.state import AppState, install_session_release
from sparring.ui.turns import END_ACTION, RETRY_ACTION, REWIND_ACTION, STARTER_ACTION
from sparring.ui.wording import install_wording

try:
    _settings = load_settings()
    _auth = auth_config(_settings)
except UserError as _exc:  # e.g. multi-user without a secret: one clear line, no traceback
    print(f"Error: {_exc}", file=sys.stderr)
    raise SystemExit(2) from None

# Chainlit reads the signing secret from its own variable, right after loading this module.
os.environ["CHAINLIT_AUTH_SECRET"] = _auth.secret
APP = AppState(settings=_settings, auth=_auth)
install_routes()
install_trainer_routes(chainlit_app, _settings)
install_guards()
install_session_release()
install_clock()


@cl.data_layer
def _data_layer() -> SparringDataLayer:
    return make_data_layer(_settings.effective_database_url, _settings.data_dir / "files")


@cl.on_app_startup
async def _startup() -> None:
    from chainlit.config import config_translation_dir

    install_wording(Path(config_translation_dir))
    try:
        await ensure_schema(_settings.effective_database_url)
    except UserError as exc:  # unreachable or invalid database: say so and stop
        print(f"Error: {exc}", file=sys.stderr, flush=True)
        os._exit(2)
    if _settings.gc_freeze:  # last: after everything start-up builds (sparring/ui/heap.py)
        settle(APP.personas)


if _auth.multi_user:

    @cl.password_auth_callback
    async def _password_login(username: str, password: str) -> cl.User | None:
        import asyncio

        ok = await asyncio.to_thread(check_login, _auth, username, password)
        return cl.User(identifier=username, metadata={"provider": "password"}) if ok else None

else:

    @cl.header_auth_callback
    async def _local_login(headers: object) -> cl.User | None:
        """Single-user mode: no login page; everyone is the local user, so history works."""
        return cl.User(identifier=LOCAL_USER, metadata={"provider": "local"})


@cl.set_chat_profiles
async def _profiles(current_user: cl.User | None = None, language: str | None = None
                    ) -> list[cl.ChatProfile]:
    try:
        return profiles.chat_profiles(APP.personas(), APP.settings.default_persona)
    except UserError as exc:  # broken persona files: the chat explains it on start
        logging.getLogger("sparring.ui").error("%s", exc)
        return []


@cl.on_chat_start
async def _start() -> None:
    await handlers.on_chat_start(APP)


@cl.on_message
async def _message(message: cl.Message) -> None:
    await handlers.on_message(APP, message)


@cl.on_chat_resume
async def _resume(thread: ThreadDict) -> None:
    await handlers.on_chat_resume(APP, thread)


@cl.on_settings_update
async def _settings_update(values: dict[str, object]) -> None:
    await handlers.on_settings_update(APP, dict(values))


@cl.action_callback(END_ACTION)
async def _end(action: cl.Action) -> None:
    await handlers.on_end_action(APP, action)


@cl.action_callback(RETRY_ACTION)
async def _retry(action: cl.Action) -> None:
    await handlers.on_retry_action(APP, action)


@cl.action_callback(REWIND_ACTION)
async def _rewind(action: cl.Action) -> None:
    await handlers.on_rewind_action(APP, action)


@cl.action_callback(STARTER_ACTION)
async def _starter(action: cl.Action) -> None:
    await handlers.on_starter_action(APP, action)
