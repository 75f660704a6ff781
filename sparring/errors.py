"""The base of every error a user can fix: the CLI prints it as one line, the UI as a message."""

from __future__ import annotations

from sparring.prompts import PromptError
from sparring.providers.errors import ModelError


class UserError(Exception):
    """Bad input or configuration; the message says what is wrong and what to do."""


#: Errors shown to users as text, without a traceback.
USER_FACING: tuple[type[Exception], ...] = (UserError, ModelError, PromptError)
