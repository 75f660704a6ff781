"""The resistance timeline as a Plotly figure, for the UI and HTML exports.

Hover text carries what moved the line (the coach's codes, the manager's move
and any concern revealed), so a coach can see cause and effect turn by turn.
"""

from __future__ import annotations

import plotly.graph_objects as go

from sparring.debrief.feedback import summary_for
from sparring.engine.transcript import Transcript

#: Marker symbol per manager move, so softening moves stand out from pushback.
MOVE_SYMBOLS: dict[str, str] = {
    "deflect": "circle",
    "challenge_legitimacy": "x",
    "vent": "triangle-up",
    "yes_but": "diamond",
    "partial_admission": "square",
    "reveal_concern": "star",
    "propose_goal": "star-diamond",
    "agree_next_step": "star-triangle-up",
    "grant_permission": "hexagon",
    "decline_permission": "bowtie",
}


def timeline_figure(transcript: Transcript) -> go.Figure:
    """Resistance at the start (turn 0) and after each coach turn, on the 0–10 scale."""
    timeline = transcript.resistance_timeline()
    hover = [f"Start<br>resistance {timeline[0]:.1f}<br>{transcript.opening[:80]}"]
    symbols = ["circle-open"]
    for turn in transcript.turns:
        revealed = ", ".join(turn.revealed_now) or "none"
        hover.append(
            f"Turn {turn.index}: {summary_for(turn.codes)}<br>"
            f"manager move: {turn.move.value.replace('_', ' ')}<br>"
            f"resistance {turn.resistance_before:.1f} → {turn.resistance_after:.1f}<br>"
            f"revealed: {revealed}"
        )
        symbols.append(MOVE_SYMBOLS.get(turn.move.value, "circle"))
    labels = ["start", *(t.move.value.replace("_", " ") for t in transcript.turns)]
    figure = go.Figure(
        go.Scatter(
            x=list(range(len(timeline))),
            y=timeline,
            mode="lines+markers+text",
            text=labels,
            textposition="top center",
            hovertext=hover,
            hoverinfo="text",
            marker={"size": 11, "symbol": symbols},
            line={"shape": "linear"},
            name="resistance",
        )
    )
    figure.update_layout(
        title=f"Resistance: {transcript.persona_name} ({transcript.difficulty})",
        xaxis={"title": "coach turn", "dtick": 1},
        yaxis={"title": "resistance (0–10)", "range": [0, 10.5]},
        showlegend=False,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
    )
    return figure
