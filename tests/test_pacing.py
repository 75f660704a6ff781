"""Streamed pieces close together are sent in twos, the first at once, none lost or reordered."""

from __future__ import annotations

from sparring.ui.pacing import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _play(pacer: Pacer, clock: Clock, pieces: list[tuple[float, str]]) -> list[str]:
    sent = []
    for at, piece in pieces:
        clock.now = at
        ready = pacer.add(piece)
        if ready:
            sent.append(ready)
    return sent


def test_the_first_piece_goes_at_once_and_fast_pieces_are_sent_together() -> None:
    clock = Clock()
    pacer = Pacer(clock, interval=0.1)
    sent = _play(pacer, clock, [(0.0, "Look, "), (0.05, "I "), (0.10, "hear "), (0.15, "you, "),
                                (0.20, "but "), (0.25, "no.")])
    assert sent == ["Look, ", "I hear ", "you, but "]
    assert pacer.flush() == "no."  # held until the reply is shown whole
    assert "".join([*sent, "no."]) == "Look, I hear you, but no."
    burst = _play(pacer, clock, [(1.0, "a "), (1.0, "b "), (1.0, "c "), (1.0, "d "), (1.0, "e ")])
    assert burst == ["a ", "b c ", "d e "]  # at most one piece ever waits


def test_a_slow_models_pieces_go_out_as_they_come() -> None:
    clock = Clock()
    pacer = Pacer(clock, interval=0.1)
    pieces = [(i * 0.25, f"w{i} ") for i in range(6)]
    assert _play(pacer, clock, pieces) == [p for _, p in pieces]
    assert pacer.flush() == ""


def test_a_reset_drops_what_is_held_and_the_next_piece_goes_at_once() -> None:
    clock = Clock()
    pacer = Pacer(clock, interval=0.1)
    assert _play(pacer, clock, [(0.0, "As "), (0.02, "an ")]) == ["As "]
    pacer.reset()
    assert _play(pacer, clock, [(0.03, "Fine. "), (0.04, "Go "), (0.06, "on.")]) == ["Fine. ", "Go on."]
