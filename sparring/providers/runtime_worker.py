"""The embedded model's own process: loads the GGUF with llama.cpp and answers one request at a time.

Run by `LocalRuntime` as `python runtime_worker.py FD PATH N_CTX THREADS SEED CACHE_MB` (by path, so that
only the standard library and llama_cpp are imported: it must start fast after a crash).
llama.cpp is native code: a segfault, an abort or the kernel's OOM killer would take down
whatever process holds it. Here that is this process only; the app sees a closed pipe,
tells the coach that one turn failed, and starts a new worker.

Requests and answers are tuples over a `multiprocessing` connection on an inherited socket
(our own parent is the only peer, so its pickling is safe):

- `("chat", {"messages": [...], "params": {...}, "stream": bool})` → `("chunk", text)`…
  then `("done", completion)` (the non-streamed completion, or `None` after a stream).
- `("inspect", messages | None)` → `("inspect", {"cached": text, "prompt_tokens": n,
  "reused_tokens": n, "saved_states": n})`: what the KV cache holds and how much of a prompt
  it would reuse, from the KV cache or from a saved state of an earlier turn.

With CACHE_MB > 0, llama-cpp-python's `LlamaRAMCache` keeps the state after each request
(least recently used out first): when several coaches take turns on one model, a turn
restores its own conversation's state instead of evaluating the whole history again.
- while a request runs, `("progress", n_tokens)` each second in which llama.cpp evaluated more.
- `("cancel", None)` during a stream → the stream stops early and answers `("done", None)`.
- `("exit", None)` → the worker frees the model and ends.

Any Python-level failure answers `("error", message)` and the worker carries on.
"""

from __future__ import annotations

import sys
import threading
from multiprocessing.connection import Connection
from typing import Any, cast


class Link:
    """The connection plus a lock: the progress thread and the request loop both send."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()
        self.busy = threading.Event()

    def send(self, message: tuple[str, Any]) -> None:
        with self.lock:
            self.conn.send(message)


def report_progress(link: Link, llama: Any, stop: threading.Event) -> None:
    """While a request runs, say so whenever llama.cpp has evaluated more tokens.

    A cold 4,000-token prompt takes a minute or more on one slow thread with no reply text;
    these messages tell the app the worker is working, not hung (a hang makes no progress).
    """
    last = -1
    while not stop.wait(1.0):
        if link.busy.is_set() and llama.n_tokens != last:
            last = llama.n_tokens
            try:
                link.send(("progress", last))
            except OSError:
                return


def _prompt_ids(llama: Any, messages: list[dict[str, str]]) -> list[int]:
    """The token ids the chat handler would evaluate for `messages` (with the assistant header)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    formatter = Jinja2ChatFormatter(
        template=llama.metadata["tokenizer.chat_template"],
        eos_token=llama._model.token_get_text(llama.token_eos()),
        bos_token=llama._model.token_get_text(llama.token_bos()),
    )
    prompt = formatter(messages=cast(Any, messages)).prompt
    return list(llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=True))


def _inspect(llama: Any, messages: list[dict[str, str]] | None) -> dict[str, Any]:
    cached = list(llama.input_ids[: llama.n_tokens])
    states = llama.cache.cache_state if llama.cache is not None else {}
    out: dict[str, Any] = {
        "cached": llama.detokenize(cached).decode("utf-8", "replace"),
        "cached_tokens": len(cached),
        "n_ctx": llama.n_ctx(),
        "saved_states": len(states),
    }
    if messages is not None:
        ids = _prompt_ids(llama, messages)
        # what `Llama.create_completion` would reuse: the live KV cache or the best saved state
        prefix = llama.longest_token_prefix  # the measure `Llama.create_completion` itself uses
        saved = max((prefix(key, ids) for key in states), default=0)
        out |= {"prompt_tokens": len(ids), "reused_tokens": max(prefix(cached, ids), saved)}
    return out


def _chat(llama: Any, link: Link, request: dict[str, Any]) -> None:
    params = request["params"]
    if not request["stream"]:
        link.send(("done", llama.create_chat_completion(messages=request["messages"], **params)))
        return
    for part in llama.create_chat_completion(messages=request["messages"], stream=True, **params):
        text = part["choices"][0]["delta"].get("content") or ""
        if text:
            link.send(("chunk", text))
        if link.conn.poll(0) and link.conn.recv()[0] == "cancel":  # the reader stopped early
            break
    link.send(("done", None))


def serve(conn: Connection, path: str, n_ctx: int, threads: int, seed: int, cache_mb: int = 0) -> None:
    try:
        from llama_cpp import Llama, LlamaRAMCache

        llama = Llama(
            model_path=path,
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=threads,
            seed=seed,
            verbose=False,
        )
    except Exception as exc:  # reported to the parent as a setup problem
        conn.send(("setup-error", f"{type(exc).__name__}: {exc}"))
        return
    if cache_mb > 0:
        llama.set_cache(LlamaRAMCache(capacity_bytes=cache_mb << 20))
    conn.send(("ready", {"n_ctx": llama.n_ctx()}))
    link, stop = Link(conn), threading.Event()
    threading.Thread(target=report_progress, args=(link, llama, stop), daemon=True).start()
    while True:
        try:
            kind, payload = conn.recv()
        except (EOFError, OSError):  # the app went away: so do we
            break
        if kind == "exit":
            break
        if kind == "cancel":  # arrived after the stream it meant had already ended
            continue
        link.busy.set()
        try:
            if kind == "chat":
                _chat(llama, link, payload)
            elif kind == "inspect":
                link.send(("inspect", _inspect(llama, payload)))
            else:
                link.send(("error", f"unknown request {kind!r}"))
        except (BrokenPipeError, EOFError):
            break
        except Exception as exc:  # a bad request must not end the worker
            link.send(("error", f"{type(exc).__name__}: {exc}"))
        finally:
            link.busy.clear()
    stop.set()
    llama.close()


def prefer_me_for_the_oom_killer() -> None:
    """If memory runs out, the kernel should end this worker (one turn lost), not the app."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:  # not Linux, or not allowed: the app then merely shares the risk
        pass


def main(argv: list[str]) -> None:
    prefer_me_for_the_oom_killer()
    fd, path, n_ctx, threads, seed, cache_mb = argv
    conn = Connection(int(fd))
    try:
        serve(conn, path, int(n_ctx), int(threads), int(seed), int(cache_mb))
    finally:
        conn.close()


if __name__ == "__main__":
    main(sys.argv[1:])
