"""The HTML report: one self-contained page with every case and its transcript.

Everything from suites, models and transcripts is escaped, and a strict
Content-Security-Policy (no scripts, no remote loads) backs that up: a reply
containing `<script>` shows as text and never runs. No external assets, so
the file can be attached to a CI run and opened anywhere.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from sparring.evals.results import CaseRun, Check, RunResult, SuiteResult
from sparring.transcript import Transcript

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


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _badge(status: str) -> str:
    return f'<span class="badge {_e(status)}">{_e(status)}</span>'


def _transcript(t: Transcript) -> str:
    name = _e(t.persona_name)
    out = [f'<div class="turn"><span class="who">{name}</span> {_e(t.opening)}</div>']
    for turn in t.turns:
        out.append(f'<div class="turn"><span class="who">Coach</span> {_e(turn.coach)}</div>')
        out.append(f'<div class="turn"><span class="who">{name}</span> {_e(turn.manager)}</div>')
        extra = f" · revealed {_e(', '.join(turn.revealed_now))}" if turn.revealed_now else ""
        extra += " · fallback line" if turn.fallback else ""
        out.append(f'<div class="meta">resistance {turn.resistance_before:.1f} → {turn.resistance_after:.1f}'
                   f" · move {_e(turn.move.value)}{extra}</div>")
    return "\n".join(out)


def _check(c: Check) -> str:
    where = f"turn {c.turn}" if c.turn is not None else "end"
    note = f' <span class="skip">{_e(c.note)}</span>' if c.note else ""
    head = f"<li>{_badge(c.status)} {_e(c.name)} ({where}){note}"
    if c.status == "pass":
        return head + f' <span class="skip">{_e(c.expected)}</span></li>'
    return head + (f'<div class="diff"><span class="exp">- expected: {_e(c.expected)}</span>\n'
                   f'<span class="got">+ got:      {_e(c.got)}</span></div></li>')


def _run(run: CaseRun) -> str:
    title = f"{run.case} · {run.model}" + (f" · run {run.repeat + 1}" if run.repeat else "")
    parts = [f'<section class="case" id="{_e(run.suite)}--{_e(run.case)}--{run.repeat}">',
             f"<h3>{_badge(run.status)} {_e(title)} <small>{run.seconds:.2f}s</small></h3>"]
    if run.error:
        parts.append(f'<div class="diff error">{_e(run.error)}</div>')
    if run.coach_text is not None:
        parts.append(f'<div class="turn"><span class="who">Context</span> {_e(run.context or "—")}</div>')
        parts.append(f'<div class="turn"><span class="who">Coach</span> {_e(run.coach_text)}</div>')
    if run.transcript is not None:
        parts.append(_transcript(run.transcript))
    if run.checks:
        parts.append("<ul>" + "".join(_check(c) for c in run.checks) + "</ul>")
    if run.debrief is not None:
        parts.append(f"<details><summary>debrief</summary><pre>{_e(run.debrief)}</pre></details>")
    parts.append("</section>")
    return "\n".join(parts)


def _suite(s: SuiteResult) -> str:
    parts = [f'<h2 id="{_e(s.name)}">{_badge(s.status)} {_e(s.name)} <small>({_e(s.kind)}, {_e(s.path)}, '
             f"model {_e(', '.join(s.models))})</small></h2>"]
    parts += [f'<p class="skip">{_e(n)}</p>' for n in s.notes]
    if s.cases:
        rows = "".join(f"<tr><td>{_e(c.case)}</td><td>{_e(c.model)}</td><td>{_badge(c.status)}</td>"
                       f"<td>{c.passed}/{c.runs} ({c.pass_rate:.0%})</td></tr>" for c in s.cases)
        parts.append(f"<table><tr><th>case</th><th>model</th><th>status</th><th>passed</th></tr>{rows}</table>")
    if s.thresholds:
        rows = "".join(f"<tr><td>{_e(t.name)}</td><td>≥ {t.expected:g}</td><td>{t.got:.3f}</td>"
                       f"<td>{_badge(t.status)}</td></tr>" for t in s.thresholds)
        parts.append(f"<table><tr><th>metric</th><th>threshold</th><th>got</th><th></th></tr>{rows}</table>")
    if s.metrics_table:
        parts.append(f"<details><summary>metrics</summary><pre>{_e(s.metrics_table)}</pre></details>")
    parts += [_run(r) for r in s.runs]
    return "\n".join(parts)


def render_html(result: RunResult) -> str:
    counts = result.counts
    summary = " · ".join(f"{n} {k}" for k, n in counts.items() if n)
    body = "\n".join(_suite(s) for s in result.suites)
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        "<title>Sparring eval report</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>Sparring eval report</h1><p>{_e(summary)} · {result.seconds:.1f}s · "
        f"concurrency {result.concurrency} · repeat {result.repeat} · cache {'on' if result.cache else 'off'}</p>"
        f"{body}</body></html>\n"
    )


def write_html(result: RunResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result), "utf-8")
