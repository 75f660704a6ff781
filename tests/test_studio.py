"""The persona studio's pieces without a server: validation as the CLI reports it, the form
editing the YAML in place, atomic saves with history and stale-edit refusal, ids that cannot
leave the folder, the dynamics chart and the simulation from the engine's own code."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sparring.cli.personas import personas as personas_cli
from sparring.persona.loader import load_persona_file
from sparring.settings import ROOT, Settings
from sparring.trainer import charts, personafile
from sparring.trainer.versions import BEFORE_STUDIO, BadId, History, StaleEdit, digest, safe_path

PERSONA = "sceptic"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "personas", tmp_path / "personas")
    return tmp_path / "personas"


def test_problems_are_exactly_what_personas_validate_prints(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder.parent)
    path = folder / f"{PERSONA}.yaml"
    broken = path.read_text().replace("opening_line:", "opening_lin:").replace("id: sceptic", "id: scept")
    checked = personafile.check_text(Path("personas"), PERSONA, broken)
    assert checked.persona is None and checked.problems
    path.write_text(broken)
    printed = CliRunner().invoke(personas_cli, ["validate", "personas"]).output.splitlines()
    problem_lines = [line for line in printed if line.startswith("personas/sceptic.yaml:")]
    assert [str(p) for p in checked.problems] == problem_lines
    assert any(p.line and p.field == "opening_lin" and "did you mean 'opening_line'" in str(p)
               for p in checked.problems)


def test_form_edits_keep_comments_and_the_rest_of_the_file(folder: Path) -> None:
    text = "# a trainer's note that must survive\n" + (folder / f"{PERSONA}.yaml").read_text()
    changed = personafile.set_field(text, ("scenario",), "New scenario: with a colon # and a hash")
    changed = personafile.set_field(changed, ("starting_resistance", "easy"), "3.5")
    changed = personafile.set_field(changed, ("opening_line",), 'He said "no".')
    assert changed.startswith("# a trainer's note that must survive\n")
    persona = personafile.check_text(folder, PERSONA, changed).persona
    assert persona is not None
    assert persona.scenario == "New scenario: with a colon # and a hash"
    assert persona.starting_resistance["easy"] == 3.5 and persona.opening_line == 'He said "no".'
    before = load_persona_file(folder / f"{PERSONA}.yaml")
    assert persona.backstory == before.backstory and persona.lines == before.lines
    assert personafile.form_values(changed)["starting_resistance.easy"] == "3.5"
    with pytest.raises(ValueError, match="mapping"):
        personafile.set_field("- a list\n", ("name",), "x")


@pytest.mark.parametrize("bad", ["../x", "..", "/etc/passwd", "%2e%2e/", "a/b", "x.yaml", "", "A"])
def test_ids_never_leave_the_folder(folder: Path, bad: str) -> None:
    with pytest.raises(BadId):
        safe_path(folder, bad, ".yaml")


def test_symlink_out_of_the_folder_is_refused(folder: Path, tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text("secret")
    (folder / "sneaky.yaml").symlink_to(tmp_path / "outside.yaml")
    with pytest.raises(BadId):
        safe_path(folder, "sneaky", ".yaml")


def test_save_keeps_every_version_and_refuses_a_stale_editor(folder: Path, tmp_path: Path) -> None:
    history = History(tmp_path / "data", "personas")
    path = folder / f"{PERSONA}.yaml"
    original = path.read_text()
    edited = original.replace("name: Graham Whitfield", "name: Graham W.")
    first = history.save(path, PERSONA, edited, "tina", digest(original))
    assert path.read_text() == edited and first.number == 2
    versions = history.versions(PERSONA)
    assert [(v.number, v.saved_by) for v in versions] == [(1, BEFORE_STUDIO), (2, "tina")]
    assert history.text(PERSONA, 1) == original
    # Another editor that loaded the original must not overwrite tina's save.
    with pytest.raises(StaleEdit, match="changed after you opened it"):
        history.save(path, PERSONA, original + "\n# mine\n", "tom", digest(original))
    assert path.read_text() == edited
    restored = history.save(path, PERSONA, history.text(PERSONA, 1), "tom", digest(edited), 1)
    assert path.read_text() == original and restored.restored_from == 1 and restored.number == 3
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temp files left


def test_dynamics_chart_comes_from_the_engine(folder: Path) -> None:
    from sparring.coding.codes import TurnCodes
    from sparring.engine.dynamics import compute_delta
    from sparring.engine.transcript import ManagerState

    persona = load_persona_file(folder / f"{PERSONA}.yaml")
    effects = charts.turn_effects(persona)
    for difficulty in ("easy", "hard"):
        state = ManagerState(resistance=persona.starting_resistance[difficulty])
        expected = compute_delta(TurnCodes(question="open"), persona.dynamics, difficulty, state).applied
        assert effects[difficulty]["open question"] == expected
    assert effects["easy"]["open question"] < 0 < effects["easy"]["directive"]
    # A gentler directive weight in the draft shows as a smaller bar.
    softer = persona.model_copy(update={"dynamics": persona.dynamics.model_copy(update={"directive": 0.3})})
    assert charts.turn_effects(softer)["realistic"]["directive"] < effects["realistic"]["directive"]
    figure = charts.dynamics_figure(persona)
    assert [trace["name"].split()[0] for trace in figure["data"]] == ["easy", "realistic", "hard"]


def test_simulation_compares_draft_and_saved_deterministically(folder: Path, settings: Settings) -> None:
    saved = load_persona_file(folder / f"{PERSONA}.yaml")
    eager = saved.model_copy(update={"dynamics": saved.dynamics.model_copy(update={
        "open_question": -2.0, "affirmation": -2.0, "goal_cocreation": -2.0})})
    curves = asyncio.run(charts.simulate(saved, eager, settings))
    again = asyncio.run(charts.simulate(saved, eager, settings))
    assert curves == again
    assert set(curves) == {"skilled", "directive"}
    skilled, directive = curves["skilled"], curves["directive"]
    assert skilled["saved"][0] == saved.starting_resistance["realistic"]
    assert skilled["saved"][-1] < skilled["saved"][0] < directive["saved"][-1]
    assert sum(skilled["draft"][:4]) < sum(skilled["saved"][:4])  # the draft gives way faster
    figure = charts.simulation_figure(curves)
    assert len(figure["data"]) == 4
