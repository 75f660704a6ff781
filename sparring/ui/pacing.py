"""How often a streamed reply is sent to the browser.

Each streamed piece is one socket.io event and one websocket frame, and under load the
server's per-frame work (encoding, the engine.io writer, the send itself) was a tenth of
its CPU (docs/BENCHMARKS.md, issue 15). A reader cannot tell a frame every 50 ms from one
every 100 ms, so a piece that comes sooner than `INTERVAL_S` after the last send waits
for the next one, and the two go out together: at most one piece is ever held. The first
piece is never held (it is the time to first token the coach waits for), a slow model's
pieces go out as they come, and nothing is lost or reordered: what is held is sent with
the next piece or by `flush` before the reply is shown whole, and a `Reset` drops it with
the rest of the withdrawn text.
"""

from __future__ import annotations

from collections.abc import Callable

#: Pieces this close to the last send wait for company.
INTERVAL_S = 0.1
#: Pieces sent together at most: a held piece waits for one more, never longer.
MAX_PIECES = 2


class Pacer:
    """Decides, piece by piece, what to send now: `add` returns the text to send (or "")."""

    def __init__(self, clock: Callable[[], float], interval: float = INTERVAL_S,
                 max_pieces: int = MAX_PIECES) -> None:
        self.clock = clock
        self.interval = interval
        self.max_pieces = max_pieces
        self.held = ""
        self._pieces = 0
        self._sent_at: float | None = None

    def add(self, piece: str) -> str:
        self.held += piece
        self._pieces += 1
        now = self.clock()
        soon = self._sent_at is not None and now - self._sent_at < self.interval
        if soon and self._pieces < self.max_pieces:
            return ""
        self._sent_at = now
        return self.flush()

    def flush(self) -> str:
        """Everything held, to be sent now."""
        out, self.held, self._pieces = self.held, "", 0
        return out

    def reset(self) -> None:
        """The text shown so far is withdrawn: drop what is held; the next piece starts afresh."""
        self.held, self._pieces = "", 0
        self._sent_at = None
