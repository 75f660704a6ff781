"""A model endpoint URL that answers with a web page (status 200), seen in the running app:
the coach is told which URL to check, keeps their line, and Retry works once it is fixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_hardening_faults import FaultyEndpoint
from test_hardening_server import meters, retry_gives_the_whole_reply, stored_turns
from uiserver import ChatClient, login, messages, running

from sparring.persona.loader import load_personas
from sparring.settings import ROOT

pytestmark = pytest.mark.server

LINE = "What has this year been like for your team?"


async def test_a_web_page_is_reported_with_the_url_and_retry_works(tmp_path: Path) -> None:
    endpoint = FaultyEndpoint()
    persona = load_personas(ROOT / "personas")["sceptic"]
    base = f"http://127.0.0.1:{endpoint.port}/v1"
    env = {"SPARRING_MODEL": "openai:test-model", "SPARRING_API_KEY": "sk-test",
           "SPARRING_BASE_URL": base, "SPARRING_MAX_RETRIES": "0", "SPARRING_REQUEST_TIMEOUT": "5"}
    try:
        with running(tmp_path, **env) as srv:
            client = await ChatClient(srv, await login(srv), profile="sceptic").connect()
            try:
                endpoint.mode = "html"
                events = await client.send(LINE)
                said = [m["output"] for m in messages(events, author=persona.name) if m["output"]]
                fallbacks = {line.text for move in persona.example_lines for line in persona.bank(move)}
                fallbacks |= {c.text for c in persona.concerns}
                assert not [s for s in said if s in fallbacks], "a fallback line was voiced"
                errors = [m["output"] for m in messages(events, author="Sparring")]
                assert any(f"{base} answered with a web page" in e and "SPARRING_BASE_URL" in e
                           for e in errors), errors
                assert not [d for e, d in events if e == "delete_message"
                            and d.get("type") == "user_message"], "the coach's line was removed"
                assert not meters(events), "the hidden state must not move"
                retry = next(d for e, d in events if e == "action" and d["name"] == "retry_turn")
                assert retry["payload"]["text"] == LINE

                await retry_gives_the_whole_reply(client, endpoint, retry, persona)
            finally:
                await client.close()
            assert [t["coach"] for t in stored_turns(srv.data_dir / "sparring.db")] == [LINE]
    finally:
        endpoint.stop()
