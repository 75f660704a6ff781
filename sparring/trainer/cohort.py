"""The cohort view: `/trainer/cohort`, its JSON API and `/trainer/api/cohort.csv`.

Built from shared sessions only (`ShareStore.visible_sessions`, the same query as the
review queue): scores over time per coach and per persona, the MI counts, the most common
weak-turn patterns. Plotly builds each chart's figure here, on the server; the page
draws them with the plotly.js bundled in the installed `plotly` package (served by
`pages.py`, never a CDN). Figures come from `cohort_stats.py`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from sparring.storage.sharing import VisibleSession
from sparring.trainer.cohort_stats import (
    RowMemo,
    SessionRow,
    cohort_rows,
    group_figures,
    to_csv,
    weak_patterns,
)
from sparring.trainer.pages import PREFIX, render, trainer_router
from sparring.trainer.review import TrainerDep, stores
from sparring.trainer.roles import Trainer

NAV = ("Cohort", PREFIX + "/cohort")
router = trainer_router()
#: Session rows already computed in this process (see `cohort_stats.cohort_rows`).
_ROWS: RowMemo = {}


async def _sessions(trainer: Trainer, persona: str | None, coach: str | None) -> list[VisibleSession]:
    shares, _ = stores()
    found = await shares.visible_sessions(trainer.name, persona or None)
    return [s for s in found if not coach or s.coach == coach]


def _over_time(rows: list[SessionRow], by: str, title: str) -> dict[str, Any]:
    """Score per session over time, one line per coach or persona."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for name in sorted({str(getattr(r, by)) for r in rows}):
        mine = [r for r in rows if str(getattr(r, by)) == name]
        fig.add_trace(go.Scatter(x=[r.started_at for r in mine], y=[r.score for r in mine],
                                 mode="lines+markers", name=name))
    fig.update_layout(title=title, yaxis={"title": "score", "range": [0, 100]},
                      margin={"l": 50, "r": 10, "t": 40, "b": 40}, height=320)
    return dict(json.loads(fig.to_json()))


def _mi_bars(rows: list[SessionRow]) -> dict[str, Any]:
    """Open-question % and complex-reflection % per coach, side by side."""
    import plotly.graph_objects as go

    groups = group_figures(rows, "coach")
    names = [g.name for g in groups]
    fig = go.Figure([
        go.Bar(name="open questions %", x=names, y=[g.open_question_pct for g in groups]),
        go.Bar(name="complex reflections %", x=names, y=[g.complex_reflection_pct for g in groups]),
    ])
    fig.update_layout(title="MI counts per coach", barmode="group", yaxis={"range": [0, 100]},
                      margin={"l": 50, "r": 10, "t": 40, "b": 40}, height=320)
    return dict(json.loads(fig.to_json()))


def _pattern_bars(sessions: list[VisibleSession]) -> dict[str, Any]:
    import plotly.graph_objects as go

    patterns = weak_patterns(sessions)
    fig = go.Figure(go.Bar(x=[p.turns for p in patterns], y=[p.label for p in patterns],
                           orientation="h"))
    fig.update_layout(title="Weak turns by pattern", xaxis={"title": "turns"},
                      yaxis={"autorange": "reversed"}, margin={"l": 180, "r": 10, "t": 40, "b": 40},
                      height=320)
    return dict(json.loads(fig.to_json()))


def _summary(sessions: list[VisibleSession]) -> dict[str, Any]:
    rows = cohort_rows(sessions, _ROWS)
    return {
        "sessions": [asdict(r) for r in rows],
        "per_coach": [asdict(g) for g in group_figures(rows, "coach")],
        "per_persona": [asdict(g) for g in group_figures(rows, "persona_id")],
        "weak_patterns": [asdict(p) for p in weak_patterns(sessions)],
    }


@router.get(PREFIX + "/cohort", response_class=HTMLResponse)
async def cohort_page(request: Request, trainer: TrainerDep, persona: str | None = None,
                      coach: str | None = None) -> HTMLResponse:
    everything = await _sessions(trainer, None, None)
    sessions = [s for s in everything
                if (not persona or s.persona_id == persona) and (not coach or s.coach == coach)]
    rows = cohort_rows(sessions, _ROWS)
    charts = {}
    if rows:
        charts = {"by-coach": _over_time(rows, "coach", "Score over time per coach"),
                  "by-persona": _over_time(rows, "persona_id", "Score over time per persona"),
                  "mi": _mi_bars(rows)}
        if weak_patterns(sessions):
            charts["patterns"] = _pattern_bars(sessions)
    query = urlencode({k: v for k, v in (("persona", persona), ("coach", coach)) if v})
    return render(request, "cohort.html", trainer, rows=rows, charts=charts,
                  per_coach=group_figures(rows, "coach"), per_persona=group_figures(rows, "persona_id"),
                  patterns=weak_patterns(sessions), persona=persona or "", coach=coach or "",
                  personas=sorted({s.persona_id for s in everything}),
                  coaches=sorted({s.coach for s in everything}), query=query)


@router.get(PREFIX + "/api/cohort")
async def cohort_api(trainer: TrainerDep, persona: str | None = None,
                     coach: str | None = None) -> JSONResponse:
    """The page's figures as JSON: sessions, per coach, per persona, weak-turn patterns."""
    return JSONResponse(_summary(await _sessions(trainer, persona, coach)))


@router.get(PREFIX + "/api/cohort.csv")
async def cohort_csv(trainer: TrainerDep, persona: str | None = None,
                     coach: str | None = None) -> Response:
    """One line per shared session: coach, persona, date, score and MI counts."""
    rows = cohort_rows(await _sessions(trainer, persona, coach), _ROWS)
    return Response(to_csv(rows), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="sparring-cohort.csv"'})
