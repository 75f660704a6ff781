"""One scripted conversation through every front end gives the same practice.

The web app (over socket.io), `sparring chat` (with `/undo` and `/end`) and the eval runner
(a played debrief case) all drive `sparring.practice.Practice`: same lines, same persona,
same seed and the fake model must give the same transcript (replies, codes, judge codes,
hidden state), and the same debrief. Before the practice service, `sparring chat` had no
judge and the runner built its sessions its own way, so these could drift apart unseen.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from uiserver import ChatClient, login, running

from sparring.cli.chat import chat
from sparring.cli.eval import eval_command

PERSONA = "yes-but"
LINES = [
    "What's been taking up most of your week?",
    "So the requests keep landing on you, and saying no feels risky.",
    "You should just say no to the next request that comes in.",
    "What would make the next month feel more manageable to you?",
]
#: Fields that may differ between runs of the same conversation: clocks and latencies.
VOLATILE = {"timing", "at", "started_at", "updated_at", "created_at"}


def stable(value: Any) -> Any:
    """The transcript without wall-clock fields."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARRING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)  # no developer .env is read


def through_cli(tmp_path: Path) -> tuple[dict[str, Any], str]:
    transcript, debrief = tmp_path / "cli.json", tmp_path / "cli.md"
    result = CliRunner().invoke(
        chat, ["--model", "fake", "--persona", PERSONA, "--transcript-out", str(transcript),
               "--debrief-out", str(debrief)],
        input="\n".join(LINES) + "\n/end\n")
    assert result.exit_code == 0, result.output
    return json.loads(transcript.read_text("utf-8")), debrief.read_text("utf-8")


def through_runner(tmp_path: Path) -> tuple[dict[str, Any], str]:
    suite = tmp_path / "paths.yaml"
    suite.write_text(
        "kind: debrief\nname: paths\ncases:\n  - id: played\n    persona: " + PERSONA + "\n"
        "    coach:\n" + "".join(f"      - {json.dumps(line)}\n" for line in LINES)
        + "    expect:\n      - {type: debrief, path: metrics.turns, equals: 4}\n", "utf-8")
    out = tmp_path / "runner.json"
    result = CliRunner().invoke(eval_command, [str(suite), "--model", "fake", "--json", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (run,) = [r for s in json.loads(out.read_text("utf-8"))["suites"] for r in s["runs"]]
    from sparring.debrief.build import Debrief

    return run["transcript"], Debrief.model_validate(run["debrief"]).to_markdown()


async def through_web(tmp_path: Path) -> tuple[dict[str, Any], str]:
    db = tmp_path / "web" / "sparring.db"
    with running(tmp_path / "web", SPARRING_DATABASE_URL=f"sqlite:///{db}") as srv:
        client = await ChatClient(srv, await login(srv), profile=PERSONA).connect()
        try:
            for line in LINES:
                await client.send(line)
            await client.send("/end")
        finally:
            await client.close()
    with sqlite3.connect(db) as conn:
        (raw,) = conn.execute("SELECT record FROM sparring_sessions").fetchone()
    record = json.loads(raw)
    return record["transcript"], record["debrief_markdown"]


@pytest.mark.server
def test_web_terminal_and_eval_runner_give_the_same_practice(tmp_path: Path) -> None:
    # Not an async test: `sparring chat` and `sparring eval` run their own event loops.
    web_transcript, web_debrief = asyncio.run(through_web(tmp_path))
    cli_transcript, cli_debrief = through_cli(tmp_path)
    run_transcript, run_debrief = through_runner(tmp_path)

    assert [t["coach"] for t in web_transcript["turns"]] == LINES
    assert any(t["codes"]["directive"] for t in web_transcript["turns"])  # a weak turn to debrief
    assert stable(cli_transcript) == stable(web_transcript)
    assert stable(run_transcript) == stable(web_transcript)
    assert "You should just say no" in web_debrief
    assert cli_debrief == web_debrief
    assert run_debrief == web_debrief
