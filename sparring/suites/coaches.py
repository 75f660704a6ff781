"""Simulated coaches: strategies as data (`suites/coaches/*.yaml`), played by code.

A strategy is a plan of line banks (e.g. open question, reflection, affirm)
cycled turn by turn, plus switches that take over when the manager's
resistance falls below a level (e.g. ask for a next step once trust is
earned). Lines are drawn with a seeded RNG without repeats, so a case
replays exactly and a trainer can read what the coach will say.
"""

from __future__ import annotations

import random
from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from sparring.engine.transcript import ManagerState
from sparring.problems import Problem
from sparring.suites.suite import Id, Level, Strict


class Switch(Strict):
    below: Level = Field(description="Use `bank` while resistance is below this level.")
    bank: str
    after_goal: bool = Field(False, description="Only once the manager has proposed a goal.")


class Strategy(Strict):
    id: Id
    description: str
    plan: list[str] = Field(min_length=1, description="Bank names, cycled one per turn.")
    switches: list[Switch] = Field(default_factory=list, description="Checked in order before the plan.")
    banks: dict[str, list[str]] = Field(description="Named lists of coach lines.")

    @model_validator(mode="after")
    def _banks_exist(self) -> Strategy:
        used = [*self.plan, *(s.bank for s in self.switches)]
        missing = sorted({b for b in used if b not in self.banks})
        if missing:
            raise ValueError(f"banks used but not defined: {', '.join(missing)}")
        empty = sorted(name for name, lines in self.banks.items() if not lines)
        if empty:
            raise ValueError(f"banks without lines: {', '.join(empty)}")
        return self


class SimulatedCoach:
    """Chooses the next coach line from the strategy and the manager's current state."""

    def __init__(self, strategy: Strategy, seed: int) -> None:
        self.strategy = strategy
        self.rng = random.Random(seed)
        self.turn = 0
        self._left: dict[str, list[str]] = {}

    def bank_for(self, state: ManagerState) -> str:
        for switch in self.strategy.switches:
            if state.resistance < switch.below and (state.goal_proposed or not switch.after_goal):
                return switch.bank
        return self.strategy.plan[self.turn % len(self.strategy.plan)]

    def next_line(self, state: ManagerState) -> str:
        bank = self.bank_for(state)
        self.turn += 1
        if not self._left.get(bank):
            lines = list(self.strategy.banks[bank])
            self.rng.shuffle(lines)
            self._left[bank] = lines
        return self._left[bank].pop()


class StrategyError(Exception):
    """A strategy file is unusable; carries the problems for the suite loader to report."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_strategy(folder: Path, strategy_id: str) -> Strategy:
    """`folder/<id>.yaml`, validated with file/line/field problems like a suite."""
    from sparring.suites.loader import SuiteFileError, parse_yaml, problems_for

    path = folder / f"{strategy_id}.yaml"
    try:
        root, data = parse_yaml(path)
    except SuiteFileError as exc:
        raise StrategyError(exc.problems) from exc
    try:
        strategy = Strategy.model_validate(data)
    except ValidationError as exc:
        raise StrategyError(problems_for(path, root, exc, Strategy)) from exc
    if strategy.id != strategy_id:
        raise StrategyError([Problem(path, 1, f"id '{strategy.id}' does not match the file name", "id",
                                     f"rename the file or set id: {strategy_id}")])
    return strategy
