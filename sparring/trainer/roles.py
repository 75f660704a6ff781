"""Who may use the trainer pages: the role check every `/trainer` route runs on the server.

The logged-in user comes from Chainlit's own login (its auth cookie, or a bearer token
for scripts), resolved exactly as `sparring.ui.routes.element_file` does. The role is
read from the users file on each request, so `sparring users add NAME --role trainer`
(or taking the role away) takes effect without restarting the app. Single-user mode
has no login at all: whoever reaches the server is the local user, coach and trainer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from sparring.errors import UserError
from sparring.settings import Settings
from sparring.ui.auth import LOCAL_USER, TRAINER, load_accounts, roles_of

#: Where `install_trainer_routes` leaves the settings for the dependencies to find.
SETTINGS_KEY = "sparring_settings"


@dataclass(frozen=True)
class Trainer:
    """The user a trainer request runs as; `name` is stored with every saved version."""

    name: str
    roles: frozenset[str]


def settings_of(request: Request) -> Settings:
    settings = getattr(request.app.state, SETTINGS_KEY, None)
    if not isinstance(settings, Settings):
        raise HTTPException(status_code=500, detail="trainer routes were installed without settings")
    return settings


async def logged_in_user(request: Request) -> str | None:
    """The identifier of the user behind this request's Chainlit cookie or bearer token."""
    from chainlit.auth import get_current_user, get_token_from_cookies
    from chainlit.user import User

    token = get_token_from_cookies(request.cookies)
    if not token and (header := request.headers.get("Authorization", "")).lower().startswith("bearer "):
        token = header[7:]
    try:
        user = await get_current_user(token) if token else None
    except HTTPException:
        user = None
    return user.identifier if isinstance(user, User) else None


async def require_trainer(request: Request) -> Trainer:
    """FastAPI dependency: 401 when nobody is logged in, 403 for a coach, else the trainer."""
    settings = settings_of(request)
    try:
        single_user = load_accounts(settings) is None
        if single_user:
            return Trainer(LOCAL_USER, roles_of(settings, LOCAL_USER))
        name = await logged_in_user(request)
        if name is None:
            raise HTTPException(status_code=401, detail="Log in first (the chat's login page).")
        roles = roles_of(settings, name)
    except UserError as exc:  # the users file became unreadable: refuse, and say why
        raise HTTPException(status_code=503, detail=str(exc)) from None
    if TRAINER not in roles:
        raise HTTPException(status_code=403, detail="These pages are for trainers; ask an "
                            "administrator for `sparring users add NAME --role trainer`.")
    return Trainer(name, roles)


#: For route signatures: `trainer: TrainerUser` runs the check and gives the trainer.
TrainerUser = Annotated[Trainer, Depends(require_trainer)]
