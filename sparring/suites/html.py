"""The HTML report: one self-contained page with every case and its transcript
(`templates/report.html.j2`).

Everything from suites, models and transcripts is escaped, and a strict
Content-Security-Policy (no scripts, no remote loads) backs that up: a reply
containing `<script>` shows as text and never runs. No external assets, so
the file can be attached to a CI run and opened anywhere.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path

import jinja2
from markupsafe import Markup

from sparring.suites.results import RunResult

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d232a;background:#fafbfc}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #d0d7de}
.pass{color:#116329}.fail{color:#a40e26}.error{color:#9a6700}.skip{color:#57606a}
.badge{font-weight:600;text-transform:uppercase;font-size:12px}
section.case{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;margin:10px 0}
.turn{margin:4px 0}.who{font-weight:600;display:inline-block;min-width:90px}
.meta{color:#57606a;font-size:12px;margin-left:90px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left}
.diff{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;margin:4px 0}
.exp{color:#116329}.got{color:#a40e26}pre{background:#f6f8fa;padding:8px;overflow:auto}
"""


def _escape(value: object) -> Markup:
    """Escape every value as `html.escape` does (the report's bytes did not change when it
    moved to a template); macro output is already Markup and passes as it is."""
    return value if isinstance(value, Markup) else Markup(escape(str(value), quote=True))


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sparring.suites", "templates"),
        autoescape=True,
        finalize=_escape,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("report.html.j2")


def render_html(result: RunResult) -> str:
    summary = " · ".join(f"{n} {k}" for k, n in result.counts.items() if n)
    return _template().render(result=result, csp=CSP, style=STYLE, summary=summary)


def write_html(result: RunResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result), "utf-8")
