"""What the studio draws beside the editor: the dynamics, and simulated resistance curves.

Both come from the engine itself, never a copy of its rules: the dynamics chart runs
`engine.dynamics.compute_delta` on one turn of each kind, from each difficulty's
starting resistance; the simulation plays the scripted coaches of `suites/coaches/`
through a real `PracticeSession` on the fake model (fast and deterministic), exactly as
`sparring eval` and `sparring simulate` do. Figures are Plotly JSON, drawn in the page
by the plotly.js the `plotly` package ships.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sparring.coding.codes import FLAGS, TurnCodes
from sparring.engine.dynamics import compute_delta, explain_delta
from sparring.engine.transcript import ManagerState
from sparring.persona.coverage import coverage_gaps, line_counts
from sparring.persona.model import DIFFICULTIES, Difficulty, Persona
from sparring.settings import ROOT, Settings

#: One coach turn of each kind the coder labels, as the codes the engine weighs.
TURN_KINDS: tuple[tuple[str, TurnCodes], ...] = (
    ("open question", TurnCodes(question="open")),
    ("closed question", TurnCodes(question="closed")),
    ("simple reflection", TurnCodes(reflection="simple")),
    ("complex reflection", TurnCodes(reflection="complex")),
    *((flag.replace("_", " "), TurnCodes.model_validate({flag: True})) for flag in FLAGS),
)
#: The scripted coaches the studio simulates: (label, strategy id in suites/coaches/).
COACHES = (("skilled", "empathic-questioning"), ("directive", "directive"))
SIM_TURNS = 10
SIM_SEED = 7
SIM_DIFFICULTY: Difficulty = "realistic"
COLOURS = {"easy": "#4c9f70", "realistic": "#2f5fd0", "hard": "#b42318"}


def turn_effects(persona: Persona) -> dict[str, dict[str, float]]:
    """difficulty → turn kind → resistance change one such turn makes from the start."""
    out: dict[str, dict[str, float]] = {}
    for difficulty in DIFFICULTIES:
        state = ManagerState(resistance=persona.starting_resistance[difficulty])
        out[difficulty] = {label: compute_delta(codes, persona.dynamics, difficulty, state).applied
                           for label, codes in TURN_KINDS}
    return out


def dynamics_figure(persona: Persona) -> dict[str, Any]:
    """Grouped bars: one group per kind of turn, one bar per difficulty; hover shows the terms."""
    import plotly.graph_objects as go

    effects = turn_effects(persona)
    labels = [label for label, _ in TURN_KINDS]
    fig = go.Figure()
    for difficulty in DIFFICULTIES:
        terms = [", ".join(f"{n} {w:+g}" for n, w in explain_delta(c, persona.dynamics, difficulty))
                 for _, c in TURN_KINDS]
        fig.add_bar(name=f"{difficulty} (starts {persona.starting_resistance[difficulty]:g})",
                    x=labels, y=[effects[difficulty][label] for label in labels],
                    marker_color=COLOURS[difficulty], hovertext=terms)
    fig.update_layout(barmode="group", height=320, margin={"l": 40, "r": 10, "t": 30, "b": 90},
                      title={"text": "How one turn moves resistance", "font": {"size": 14}},
                      yaxis_title="change", legend={"orientation": "h", "y": 1.12})
    return json.loads(fig.to_json())


def coverage(persona: Persona) -> dict[str, Any]:
    """Lines per move and the gaps, as `sparring personas validate` prints them."""
    return {"counts": line_counts(persona), "gaps": coverage_gaps(persona)}


async def _curve(persona: Persona, strategy_id: str, settings: Settings) -> list[float]:
    from sparring.engine.session import PracticeSession
    from sparring.providers import make_chat_model
    from sparring.suites.coaches import SimulatedCoach, load_strategy

    strategy = load_strategy(ROOT / "evals" / "coaches", strategy_id)
    fake = settings.with_model("fake")
    session = PracticeSession(persona, SIM_DIFFICULTY, make_chat_model("fake", fake), fake, seed=SIM_SEED)
    coach = SimulatedCoach(strategy, SIM_SEED)
    curve = [session.state.resistance]
    for _ in range(SIM_TURNS):
        if session.state.ended:
            break
        await session.reply(coach.next_line(session.state))
        curve.append(session.state.resistance)
    return curve


async def simulate(saved: Persona | None, draft: Persona, settings: Settings
                   ) -> dict[str, dict[str, list[float]]]:
    """coach label → {"saved": curve, "draft": curve}; the saved one is absent for a new file."""
    versions = {"draft": draft, **({"saved": saved} if saved is not None else {})}
    jobs = {(label, name): _curve(persona, strategy, settings)
            for label, strategy in COACHES for name, persona in versions.items()}
    curves = dict(zip(jobs, await asyncio.gather(*jobs.values()), strict=True))
    return {label: {name: curves[(label, name)] for name in versions} for label, _ in COACHES}


def simulation_figure(curves: dict[str, dict[str, list[float]]]) -> dict[str, Any]:
    """Side by side: one panel per scripted coach, the saved and the draft curve in each."""
    from plotly.subplots import make_subplots

    labels = list(curves)
    fig = make_subplots(rows=1, cols=len(labels), shared_yaxes=True,
                        subplot_titles=[f"{label} coach" for label in labels])
    styles = {"saved": {"color": "#667085", "dash": "dot"}, "draft": {"color": "#2f5fd0"}}
    for col, label in enumerate(labels, start=1):
        for name, curve in curves[label].items():
            fig.add_scatter(x=list(range(len(curve))), y=curve, name=name, mode="lines+markers",
                            line=styles[name], showlegend=col == 1, row=1, col=col)
    fig.update_yaxes(range=[0, 10], title_text="resistance", row=1, col=1)
    fig.update_xaxes(title_text="turn")
    fig.update_layout(height=320, margin={"l": 40, "r": 10, "t": 40, "b": 40},
                      title={"text": f"Simulated at {SIM_DIFFICULTY}, fake model, seed {SIM_SEED}",
                             "font": {"size": 13}})
    return json.loads(fig.to_json())
