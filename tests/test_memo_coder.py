"""The web app codes a coach line once: the engine's coding is the judge's too."""

from __future__ import annotations

from sparring.coding.codes import TurnCodes
from sparring.coding.rules import RulesCoder
from sparring.practice.memo import MemoCoder


class Counting:
    def __init__(self) -> None:
        self.calls = 0
        self.rules = RulesCoder()

    def code(self, text: str, context: str | None) -> TurnCodes:
        self.calls += 1
        return self.rules.code(text, context)


def test_the_same_line_and_context_are_coded_once_with_the_same_answer() -> None:
    inner = Counting()
    memo = MemoCoder(inner)
    line, context = "What would make this worth your time?", "So, what is this about?"
    first = memo.code(line, context)
    second = memo.code(line, context)
    assert first == second == RulesCoder().code(line, context)
    assert inner.calls == 1
    memo.code(line, None)  # another context is another coding
    assert inner.calls == 2


def test_each_caller_gets_its_own_copy_and_the_memory_is_bounded() -> None:
    inner = Counting()
    memo = MemoCoder(inner, size=2)
    first = memo.code("You should delegate more.", None)
    first.directive = not first.directive
    assert memo.code("You should delegate more.", None) != first
    memo.code("Tell me more.", None)
    memo.code("What matters most to you?", None)
    memo.code("You should delegate more.", None)  # forgotten: the oldest of three
    assert inner.calls == 4
