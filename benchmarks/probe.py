"""What `gc_probe_app.py` and `loop_probe_app.py` share: the app they wrap, their route, short paths,
and the percentile every load benchmark reports.

Kept small and free of Sparring's imports: a probe runs inside the server it measures.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def load_target(variable: str) -> None:
    """Import the app the variable names (`sparring`, the default, or `bare`): its handlers register."""
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    importlib.import_module("bare_app" if os.environ.get(variable, "sparring") == "bare" else "app")


def add_route(path: str, report: Callable[..., dict[str, Any]]) -> None:
    """A GET route ahead of Chainlit's catch-all, added once."""
    from chainlit.server import app as fastapi_app

    routes: list[Any] = fastapi_app.router.routes
    if not any(getattr(r, "path", None) == path for r in routes):
        fastapi_app.add_api_route(path, report, methods=["GET"])
        routes.insert(0, routes.pop())


def short(path: str) -> str:
    """A source path as a profile line shows it: from the package on."""
    if "site-packages/" in path:
        return path.split("site-packages/")[-1]
    if "/sparring/" in path:
        return "sparring/" + path.split("/sparring/")[-1]
    return path.split("/")[-1]


def pct(values: list[float], q: float) -> float:
    """The nearest-rank percentile (`q` from 0 to 1); NaN for no values."""
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]
