"""Hypothesis strategies shared by the loader fuzz tests."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st


@st.composite
def near_miss(draw: st.DrawFn, lines: Sequence[str]) -> str:
    """A valid file with a few lines replaced, cut, duplicated or re-indented: the slips a trainer makes."""
    out = list(lines)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(out) - 1))
        action = draw(st.sampled_from(["replace", "cut", "dup", "indent"]))
        if action == "replace":
            out[i] = draw(st.text(max_size=40))
        elif action == "cut":
            out[i] = out[i][: draw(st.integers(0, len(out[i])))]
        elif action == "dup":
            out.insert(i, out[i])
        else:
            out[i] = " " * draw(st.integers(0, 5)) + out[i].lstrip()
    return "\n".join(out)
