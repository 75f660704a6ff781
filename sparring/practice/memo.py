"""One coding of a coach line, shared by the engine and the judge.

In the web app each coach line is coded twice with the same coder, text and context: by
the engine, to move the manager's hidden state, and by the LLM judge, whose rules half
must agree with it (`LLMJudge.acode` codes the line again before it asks the model). The
learned coder is pure (the same line and context give the same codes), so the second
coding is a lookup: about 1 ms of the event loop's time per turn under load
(docs/BENCHMARKS.md, issue 15).
"""

from __future__ import annotations

from collections import OrderedDict

from sparring.coding.codes import TurnCoder, TurnCodes

#: Lines remembered: enough for every chat's latest line to wait for its judge.
SIZE = 512


class MemoCoder:
    """A `TurnCoder` that remembers its latest answers; each caller gets its own copy."""

    def __init__(self, coder: TurnCoder, size: int = SIZE) -> None:
        self.coder = coder
        self.size = size
        self._codes: OrderedDict[tuple[str, str | None], TurnCodes] = OrderedDict()

    def code(self, text: str, context: str | None) -> TurnCodes:
        key = (text, context)
        codes = self._codes.get(key)
        if codes is None:
            codes = self._codes[key] = self.coder.code(text, context)
            if len(self._codes) > self.size:
                self._codes.popitem(last=False)
        else:
            self._codes.move_to_end(key)
        return codes.model_copy(deep=True)
