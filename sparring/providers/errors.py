"""Errors a user can act on, raised at the model seam instead of library tracebacks."""

from __future__ import annotations


class ModelError(Exception):
    """A model could not be used; the message says what to do. Never shown with a traceback."""


class ModelConfigError(ModelError):
    """The configuration names a model we cannot build (unknown provider, missing key)."""


class ModelSetupError(ModelError):
    """The embedded model is missing or damaged on disk."""


class ModelUnavailable(ModelError):
    """The endpoint refused, timed out or failed mid-reply; retrying may work."""


def translate(exc: BaseException) -> ModelError | None:
    """Map a provider library's exception to one of ours, or None if it is not a model failure.

    Done by class name and module so this module needs no provider imports.
    """
    cause: BaseException | None = exc
    for _ in range(8):  # our own error raised inside the provider library comes back wrapped
        if cause is None:
            break
        if isinstance(cause, ModelError):
            return cause
        cause = cause.__cause__
    provider = [
        cls for cls in type(exc).__mro__
        if (cls.__module__ or "").startswith(("openai", "httpx", "httpcore", "langchain_openai"))
    ]
    names = " ".join(cls.__name__ for cls in provider)
    if provider:
        if "Timeout" in names:
            return ModelUnavailable("The model endpoint timed out. Your message is kept; try again.")
        if "Connect" in names:
            return ModelUnavailable(
                "Could not reach the model endpoint (check SPARRING_BASE_URL). "
                "Your message is kept; try again."
            )
        if "AuthenticationError" in names:
            return ModelConfigError(
                "The model endpoint rejected the API key: set SPARRING_API_KEY (or OPENAI_API_KEY)."
            )
        if "NotFoundError" in names:
            return ModelConfigError(
                "The model endpoint does not know this model: check the name after 'openai:'."
            )
        status = getattr(exc, "status_code", None)
        detail = f" (HTTP {status})" if status else ""
        return ModelUnavailable(
            f"The model endpoint failed{detail}. Your message is kept; try again."
        )
    if isinstance(exc, TimeoutError | ConnectionError):
        return ModelUnavailable(f"The model failed: {exc}. Your message is kept; try again.")
    return None
