"""Process-wide and per-chat state of the web app.

`AppState` is built once in `app.py` from settings (no I/O until first use);
`Live` is one coach's open practice, kept in Chainlit's user session.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import chainlit as cl
from chainlit.data import get_data_layer
from langchain_core.language_models import BaseChatModel

from sparring.persona.loader import load_personas
from sparring.persona.model import Persona
from sparring.providers import keep_last_call, make_chat_model
from sparring.providers.profile import profile_for
from sparring.settings import Settings
from sparring.storage.datalayer import SparringDataLayer
from sparring.storage.retry import retrying
from sparring.storage.sessions import PracticeStore, StoredPractice
from sparring.ui.auth import AuthConfig

if TYPE_CHECKING:
    from sparring.coding.codes import TurnCoder
    from sparring.coding.judge import LLMJudge
    from sparring.engine.session import PracticeSession
    from sparring.practice import Practice

log = logging.getLogger("sparring.ui")
LIVE_KEY = "sparring_live"


@dataclass
class AppState:
    """Settings, auth mode and the models, shared by every chat in this process."""

    settings: Settings
    auth: AuthConfig
    _models: dict[str, BaseChatModel] = field(default_factory=dict)
    _judges: dict[str, LLMJudge] = field(default_factory=dict)
    _coder: TurnCoder | None = None

    def personas(self) -> dict[str, Persona]:
        """Read on each use so a trainer's edit shows on the next chat without a restart."""
        return load_personas(self.settings.personas_dir)

    def model(self, spec: str) -> BaseChatModel:
        """One model per spec; the fake gets a fresh instance so scripted replies start over."""
        if not profile_for(spec).shared:
            return _unrecorded(make_chat_model(spec, self.settings))
        if spec not in self._models:
            self._models[spec] = make_chat_model(spec, self.settings)
        return self._models[spec]

    def coder(self) -> TurnCoder:
        """The tier-1 coder of every chat and of the judges, so a line is coded once."""
        if self._coder is None:
            from sparring.coding.learned import default_coder
            from sparring.practice.memo import MemoCoder

            self._coder = MemoCoder(default_coder())
        return self._coder

    def judge(self, spec: str) -> LLMJudge:
        """One judge per judge spec, shared by every chat in this process."""
        from sparring.coding.judge import make_judge

        if spec not in self._judges:
            judge = make_judge(self.settings.with_model(spec), rules=self.coder())
            _unrecorded(judge.model)
            self._judges[spec] = judge
        return self._judges[spec]

    def practice(self, session: PracticeSession, model_spec: str) -> Practice:
        """The practice around `session`, with the judge its model's profile calls for."""
        from sparring.practice import Practice, judge_plan

        plan = judge_plan(self.settings, model_spec)
        judge = self.judge(plan.spec) if plan.enabled else None
        return Practice(session, judge=judge, judge_waits_for_reply=plan.waits_for_reply)

    @staticmethod
    def store() -> PracticeStore | None:
        layer = get_data_layer()
        return layer.practice if isinstance(layer, SparringDataLayer) else None


@dataclass
class Live:
    """One open practice: the engine session, what is stored, and what is on screen."""

    persona: Persona
    practice: Practice
    stored: StoredPractice
    end_action_for: cl.Message | None = None
    meters: list[cl.CustomElement] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    named: bool = False
    unsaved: bool = False  # the last save failed; the coach has been told
    warmed: bool = False
    #: what each turn put on screen (the coach's message, the note, the reply), to take back
    turn_steps: dict[int, list[cl.Message | cl.Step]] = field(default_factory=dict)
    #: each turn's feedback note, for the judge's codes when they come
    notes: dict[int, cl.Step] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.practice.save_hook = self.save

    async def save(self) -> bool:
        return await save(self)

    @property
    def session(self) -> PracticeSession:
        return self.practice.session

    def sync(self) -> None:
        """Copy the engine's transcript into the stored record before saving."""
        self.stored.transcript = self.session.transcript


def _unrecorded(model: BaseChatModel) -> BaseChatModel:
    """The fake records every prompt for tests to read; nobody reads them in the app, and a
    model shared by every chat (the judge) would keep each turn's prompts for the process's
    life. Keep the last call only, which is still enough to look at when debugging."""
    return keep_last_call(model)


def get_live() -> Live | None:
    live = cl.user_session.get(LIVE_KEY)
    return live if isinstance(live, Live) else None


def set_live(live: Live | None) -> None:
    """Make `live` the open practice and, on the embedded model, evaluate its prompt prefix
    while the coach reads: the first reply then starts without a 10-20 s cold prompt."""
    cl.user_session.set(LIVE_KEY, live)
    if live is not None and not live.warmed:
        live.warmed = True
        live.practice.warm_up_in_background()


def install_session_release() -> None:
    """Free a chat's messages when Chainlit deletes its session.

    Chainlit 2.x keeps every message sent in a chat (with its elements and actions) in
    `chainlit.chat_context.chat_contexts`, keyed by session id, and never removes the entry
    (Chainlit issue #2951): about 4 kB a turn that outlives the conversation for the life of
    the process. Sparring never reads that context, so the entry goes when the session does
    (after `clear_session`, or `session_timeout` after a dropped connection). Idempotent."""
    from chainlit.chat_context import chat_contexts
    from chainlit.session import WebsocketSession

    delete = WebsocketSession.delete
    if getattr(delete, "releases_chat_context", False):
        return

    async def delete_and_release(self: WebsocketSession) -> None:
        try:
            await delete(self)
        finally:
            chat_contexts.pop(self.id, None)

    delete_and_release.releases_chat_context = True  # type: ignore[attr-defined]
    WebsocketSession.delete = delete_and_release  # type: ignore[method-assign]


def current_user() -> str:
    user = cl.context.session.user
    return user.identifier if user else "local"


#: Tries per save, and the first pause between them (doubled each time). SQLite already waits
#: up to 5 s for a lock inside each try, so three tries ride out a long write elsewhere.
SAVE_ATTEMPTS = 3
SAVE_PAUSE_S = 0.25
SAVE_FAILED = ("**Could not save this conversation** — the database is unavailable. Nothing is "
               "lost yet: it is kept here and saved again after your next turn. Keep this tab open "
               "until you see it saved.")
SAVE_RECOVERED = "Saved — the conversation is stored again."


async def save(live: Live) -> bool:
    """Persist after every change. The whole record is written each time, so one save that
    succeeds after failures stores every turn in between; the coach is told both when saving
    fails (after retries) and when it works again, so nobody closes the tab on unsaved turns."""
    store = AppState.store()
    if store is None:
        return True
    live.sync()
    thread_id = cl.context.session.thread_id

    def failed(number: int, error: BaseException) -> None:
        # The exception type only: the message may quote the record (the coach's words).
        log.warning("saving practice session %s failed (try %d of %d): %s", thread_id,
                    number, SAVE_ATTEMPTS, type(error).__name__)

    try:
        await retrying(lambda: store.save(thread_id, current_user(), live.stored),
                       attempts=SAVE_ATTEMPTS, pause=SAVE_PAUSE_S, after=failed)
    except Exception:
        log.error("could not save practice session %s; it stays in memory", thread_id)
    else:
        if live.unsaved:
            live.unsaved = False
            await cl.Message(content=SAVE_RECOVERED, author="Sparring").send()
        return True
    if not live.unsaved:
        live.unsaved = True
        await cl.Message(content=SAVE_FAILED, author="Sparring").send()
    return False
