"""The shipped personas, the committed JSON Schema and the `sparring personas` command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sparring.cli import main
from sparring.cli.personas import personas as personas_cli
from sparring.engine import guards
from sparring.engine.prompt import render_system_prompt
from sparring.persona.loader import load_personas
from sparring.persona.model import CORE_MOVES, Dynamics, Move, Persona
from sparring.persona.schema import SCHEMA_PATH, persona_json_schema, render_schema
from sparring.settings import ROOT, Settings

PERSONAS_DIR = ROOT / "personas"
REQUIRED_IDS = {"sceptic", "firefighter", "defensive", "yes-but", "senior", "new-manager"}
LOWERS = ("open_question", "simple_reflection", "complex_reflection", "empathy", "affirmation",
          "goal_cocreation", "neutral_observation", "asking_permission", "autonomy")
RAISES = ("closed_question", "closed_question_streak", "directive", "arguing", "judging", "pulling_rank")
OUT_OF_CHARACTER = re.compile(r"\b(AI|A\.I\.|assistant|language model|chatbot|persona|role-?play)\b", re.I)


@pytest.fixture(scope="module")
def shipped() -> dict[str, Persona]:
    return load_personas(PERSONAS_DIR)


def test_ships_the_six_patterns_with_one_file_each(shipped: dict[str, Persona]) -> None:
    files = sorted(PERSONAS_DIR.glob("*.yaml"))
    assert len(shipped) == len(files) >= 6
    assert set(shipped) >= REQUIRED_IDS
    assert list(shipped) == sorted(shipped)
    assert len({p.name for p in shipped.values()}) == len(shipped)
    assert len({p.pattern for p in shipped.values()}) == len(shipped)


def test_difficulty_orders_starting_resistance(shipped: dict[str, Persona]) -> None:
    for p in shipped.values():
        r = p.starting_resistance
        assert r["easy"] < r["realistic"] < r["hard"], p.id


def test_every_concern_is_reachable_and_layered(shipped: dict[str, Persona]) -> None:
    for p in shipped.values():
        thresholds = [c.reveal_below for c in p.concerns]
        assert 2 <= len(thresholds) <= 3, p.id
        assert max(thresholds) < p.starting_resistance["realistic"], p.id
        assert len(set(thresholds)) == len(thresholds), f"{p.id}: concerns should surface one at a time"
        assert min(thresholds) <= 4.5, f"{p.id}: needs a deeper concern that takes real trust"
        assert all(c.hint for c in p.concerns), p.id
        # Trust takes more than one perfect turn: even a maximal first step stays above every threshold.
        after_one_turn = p.starting_resistance["realistic"] - p.dynamics.max_step
        assert after_one_turn >= max(thresholds), f"{p.id}: a concern could surface on turn one"


def test_example_lines_work_alone_as_guard_fallbacks(shipped: dict[str, Persona]) -> None:
    seen: set[str] = set()
    for p in shipped.values():
        assert all(p.bank(m) for m in CORE_MOVES), p.id
        for move, lines in p.example_lines.items():
            assert len(lines) >= 2, f"{p.id}.{move}"
            for line in [*lines, p.opening_line]:
                assert not OUT_OF_CHARACTER.search(line), f"{p.id}: {line}"
                assert line.rstrip()[-1] in ".?!\"'”", f"{p.id}: unfinished line {line!r}"
                assert 15 <= len(line) <= 220, f"{p.id}: {line!r} is not one short spoken turn"
                limit = guards.MAX_SENTENCES if line == p.opening_line else 3
                assert guards.sentence_count(line) <= limit, f"{p.id}: {line!r}"
            assert not seen & set(lines), f"{p.id}.{move} repeats another persona's line"
            seen |= set(lines)


def test_concerns_read_as_one_spoken_turn(shipped: dict[str, Persona]) -> None:
    """A concern's text is what the manager says (and the fallback) when it is revealed."""
    for p in shipped.values():
        for c in p.concerns:
            assert guards.sentence_count(c.text) <= guards.MAX_SENTENCES, f"{p.id}.{c.id}"
            assert len(c.text.split()) <= min(60, guards.MAX_WORDS), f"{p.id}.{c.id}"
            assert not OUT_OF_CHARACTER.search(c.text), f"{p.id}.{c.id}"


def test_every_fallback_line_passes_the_reply_guards(shipped: dict[str, Persona]) -> None:
    """Example lines and concern texts are what the engine says when the model fails the guards."""
    for p in shipped.values():
        ctx = guards.GuardContext(speaker_names=(p.name, *p.name.split()))
        spoken = [line for lines in p.example_lines.values() for line in lines]
        for line in [*spoken, *(c.text for c in p.concerns)]:
            verdict = guards.check(line, ctx)
            assert verdict.ok and verdict.text == line.strip(), f"{p.id}: {line!r} {verdict.failures}"


def _public_text(p: Persona, settings: Settings) -> str:
    return "\n".join([render_system_prompt(p, "realistic", settings), p.opening_line])


def test_ordinary_lines_do_not_give_concerns_away(shipped: dict[str, Persona], settings: Settings) -> None:
    """Fallback lines for other moves can be spoken at any resistance; none may reveal a concern early."""
    for p in shipped.values():
        keys = guards.concern_keys(p.concerns, _public_text(p, settings))
        for move, lines in p.example_lines.items():
            if move is Move.REVEAL_CONCERN:
                continue
            for line in lines:
                leaked = [k.id for k in keys if guards.leaks_concern(line, k)]
                assert not leaked, f"{p.id}.{move.value}: {line!r} gives away {leaked}"


def test_every_concern_stays_detectable_by_the_leak_guard(
    shipped: dict[str, Persona], settings: Settings
) -> None:
    for p in shipped.values():
        public = "\n".join([_public_text(p, settings), *(
            line for move, lines in p.example_lines.items() if move is not Move.REVEAL_CONCERN
            for line in lines)])
        for key in guards.concern_keys(p.concerns, public):
            assert len(key.bigrams) >= 5, f"{p.id}.{key.id}: too little of it is distinctive"


def test_starters_and_framing_are_filled_in(shipped: dict[str, Persona]) -> None:
    for p in shipped.values():
        assert len(p.starters) == 3 and all(s.strip() for s in p.starters), p.id
        assert p.voice.habits and p.voice.never_says, p.id
        assert len(p.triggers.raises) >= 3 and len(p.triggers.lowers) >= 3, p.id
        assert p.power.notes, p.id


def test_dynamics_are_tuned_per_person_with_sane_signs(shipped: dict[str, Persona]) -> None:
    default = Dynamics()
    tuned = [p.dynamics for p in shipped.values()]
    assert all(d != default for d in tuned)
    assert len({d.model_dump_json() for d in tuned}) == len(tuned)
    for p in shipped.values():
        d = p.dynamics
        assert all(getattr(d, name) < 0 for name in LOWERS), p.id
        assert all(getattr(d, name) > 0 for name in RAISES), p.id
        assert d.pace["easy"] > d.pace["realistic"] > d.pace["hard"], p.id
    judging = max(shipped.values(), key=lambda p: p.dynamics.judging)
    rank = max(shipped.values(), key=lambda p: p.dynamics.pulling_rank)
    lecture = max(shipped.values(), key=lambda p: p.dynamics.directive)
    streak = max(shipped.values(), key=lambda p: p.dynamics.closed_question_streak)
    assert judging.id == "defensive"
    assert rank.id == lecture.id == "senior"
    assert shipped["firefighter"].dynamics.closed_question_streak == streak.dynamics.closed_question_streak


def test_every_file_points_editors_at_the_schema() -> None:
    for path in PERSONAS_DIR.glob("*.yaml"):
        first = path.read_text("utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/persona.schema.json", path.name


def test_committed_schema_matches_the_model() -> None:
    assert SCHEMA_PATH.read_text("utf-8") == render_schema(), (
        "schemas/persona.schema.json is stale: run "
        "`sparring personas schema > schemas/persona.schema.json`"
    )


def test_schema_accepts_shipped_files_and_rejects_typos() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(persona_json_schema())
    for path in PERSONAS_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text("utf-8"))
        assert not list(validator.iter_errors(data)), path.name
    data["openingline"] = data.pop("opening_line")
    messages = [e.message for e in validator.iter_errors(data)]
    assert any("openingline" in m for m in messages) and any("opening_line" in m for m in messages)


# --- CLI -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads `.env` from the working directory; a developer's own must not leak in."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def broken_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    good = (PERSONAS_DIR / "sceptic.yaml").read_text("utf-8")
    (tmp_path / "sceptic.yaml").write_text(good, "utf-8")
    (tmp_path / "typo.yaml").write_text(good.replace("id: sceptic", "id: typo")
                                        .replace("opening_line:", "openin_line:"), "utf-8")
    monkeypatch.setenv("SPARRING_PERSONAS_DIR", str(tmp_path))
    return tmp_path


def test_list_shows_each_persona_with_its_resistance() -> None:
    result = CliRunner().invoke(personas_cli, ["list"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    for persona in load_personas(PERSONAS_DIR).values():
        row = next(line for line in result.output.splitlines() if f" {persona.id} " in line)
        r = persona.starting_resistance
        assert f"{r['easy']:g} / {r['realistic']:g} / {r['hard']:g}" in row
        assert persona.name in row


def test_list_ids_is_one_id_per_line() -> None:
    result = CliRunner().invoke(personas_cli, ["list", "--ids"])
    assert result.exit_code == 0
    assert result.output.splitlines() == sorted(load_personas(PERSONAS_DIR))


def test_validate_passes_the_shipped_files() -> None:
    result = CliRunner().invoke(personas_cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok  ") == len(list(PERSONAS_DIR.glob("*.yaml")))


def test_validate_reports_the_broken_file_and_fails(broken_dir: Path) -> None:
    result = CliRunner().invoke(personas_cli, ["validate"])
    assert result.exit_code == 1
    assert "ok  " in result.output and "sceptic.yaml" in result.output
    line = next(ln for ln in result.output.splitlines() if "typo.yaml:" in ln)
    number = 1 + next(i for i, text in enumerate((broken_dir / "typo.yaml").read_text().splitlines())
                      if text.startswith("openin_line:"))
    assert f"typo.yaml:{number}: field 'openin_line'" in line
    assert "did you mean 'opening_line'?" in line


def test_validate_explicit_missing_path_fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(personas_cli, ["validate", str(tmp_path / "ghost.yaml")])
    assert result.exit_code == 1
    assert "ghost.yaml: file not found" in result.output


def test_schema_prints_valid_json() -> None:
    result = CliRunner().invoke(personas_cli, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert "opening_line" in schema["properties"]


def test_show_prints_the_prompt_for_that_persona() -> None:
    result = CliRunner().invoke(personas_cli, ["show", "sceptic", "--difficulty", "hard"])
    assert result.exit_code == 0, result.output
    assert "Graham Whitfield" in result.output
    assert "Victoria" not in result.output


def test_unknown_id_lists_valid_ids_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["personas", "show", "scepti"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unknown persona 'scepti'" in err and "did you mean 'sceptic'?" in err
    assert all(pid in err for pid in REQUIRED_IDS)
    assert "Traceback" not in err


def test_list_with_a_broken_folder_is_one_clear_error(
    broken_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["personas", "list"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "typo.yaml:" in err and "opening_line" in err and "Traceback" not in err
