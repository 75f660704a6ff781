"""How long the embedded model is away after its worker crashes mid-reply.

    .venv/bin/python benchmarks/bench_runtime_recovery.py [--rounds 5]

Each round streams a reply, kills the worker (SIGSEGV, then SIGKILL, alternating) after the
first token, and times: the failed call's error, the new worker being loaded, and the first
token of the retried call (what a coach pressing Retry waits for). A normal first token on a
warm worker is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import time

from common import load_average
from langchain_core.messages import HumanMessage, SystemMessage

from sparring.providers import ModelUnavailable
from sparring.providers.local import LocalChatModel, embedded_gguf
from sparring.providers.runtime import LocalRuntime, wait_until_ready

MESSAGES = [SystemMessage("You are Martin, a warehouse manager who doubts coaching."),
            HumanMessage("What would make this time useful for you?")]


def first_token(model: LocalChatModel) -> float:
    start = time.perf_counter()
    for _ in model.stream(MESSAGES):
        return time.perf_counter() - start
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    started = time.perf_counter()
    runtime = LocalRuntime(embedded_gguf().resolve(), 4096, 1, 7)
    cold = time.perf_counter() - started
    model = LocalChatModel(runtime=runtime, max_tokens=60, temperature=0.0, seed=7)
    model.invoke(MESSAGES)
    warm = [first_token(model) for _ in range(3)]
    failed, ready, retried = [], [], []
    for i in range(args.rounds):
        sig = signal.SIGSEGV if i % 2 == 0 else signal.SIGKILL
        pid = runtime.pid
        assert pid is not None
        try:
            for n, _ in enumerate(model.stream(MESSAGES)):
                if n == 0:
                    os.kill(pid, signal.SIGSTOP)
                    os.kill(pid, sig)
                    killed = time.perf_counter()
                    os.kill(pid, signal.SIGCONT)
            raise SystemExit("the worker survived the signal")
        except ModelUnavailable:
            failed.append(time.perf_counter() - killed)
        wait_until_ready(runtime)
        ready.append(time.perf_counter() - killed)
        retried.append(time.perf_counter() - killed + first_token(model))
    runtime.close()
    ms = lambda xs: f"{statistics.median(xs) * 1000:8.0f} ms (max {max(xs) * 1000:.0f})"  # noqa: E731
    print(f"first start of the worker (load the GGUF):      {cold * 1000:8.0f} ms")
    print(f"first token, warm worker:                        {ms(warm)}")
    print(f"crash → the call in flight fails:                {ms(failed)}")
    print(f"crash → a new worker is loaded:                  {ms(ready)}")
    print(f"crash → first token of the retried turn:         {ms(retried)}")
    print(f"{args.rounds} crashes (SIGSEGV and SIGKILL alternating), {runtime.restarts} restarts; {load_average()}")


if __name__ == "__main__":
    main()
