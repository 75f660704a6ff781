"""The garbage collector's policy for the web app: warm up, then freeze what start-up built.

CPython's full collection walks every tracked object, and a web app starts with about
300,000 of them (modules, functions, classes, pydantic models, LangChain, numpy, the
coder's weights, tiktoken) that live as long as the process. Under load each full
collection stopped every coach's stream for 0.15-0.75 s, which was most of Sparring's
p95 first token against a bare Chainlit app (`docs/BENCHMARKS.md`, issue 15).

So at start-up, before the server takes a chat: import and load what the first chat
would otherwise load lazily (the engine, the coder, tiktoken, the persona files), collect
once, and `gc.freeze()` what is left: the collector never walks those objects again, and
a full collection walks only what chats built since. Frozen objects are still freed by
reference counting; only a reference cycle among them would never be freed, and start-up
objects live as long as the process anyway. Chats' objects are never frozen: this runs
once, before the first connection.

Why after the warm-up and not before: what the first chat loads (half the tracked objects)
would otherwise stay in the collected generations and be walked by every full collection.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import time
from collections.abc import Callable

log = logging.getLogger("sparring.heap")

#: The oldest generation is collected after this many middle collections (CPython: 10)
#: and only when what reached it since the last full collection is over a quarter of
#: what was left there. With start-up frozen that quarter is small, so the count decides;
#: 25 keeps full collections about as rare as before while each walks far fewer objects.
OLDEST_THRESHOLD = 25


#: What a chat's first turn imports (the engine, the coder and numpy, tiktoken).
WARM_MODULES = ("sparring.engine.session", "sparring.engine.stream", "sparring.coding.judge",
                "sparring.practice")


def warm_up() -> None:
    """Load what the first chat's turn would load: modules, caches, weights."""
    for module in WARM_MODULES:
        importlib.import_module(module)
    from sparring.coding.learned import WeightsError, load_heads
    from sparring.tokens import count_tokens

    count_tokens("Warm up the tokenizer.")
    with contextlib.suppress(WeightsError):  # reported where the coder is used
        load_heads()


def settle(*warmers: Callable[[], object]) -> None:
    """Run the warm-ups (a failure is logged, not fatal), collect, and freeze the heap."""
    started = time.perf_counter()
    for warm in (warm_up, *warmers):
        try:
            warm()
        except Exception as exc:  # the chat that needs it reports it properly
            log.info("start-up warm-up %s failed: %s", getattr(warm, "__name__", warm), exc)
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, OLDEST_THRESHOLD)
    log.info("heap settled: %d objects frozen in %.1f s", gc.get_freeze_count(),
             time.perf_counter() - started)
