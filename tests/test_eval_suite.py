"""Suite files: strict validation with file/line/field problems, references, the published schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sparring.settings import ROOT, Settings
from sparring.suites.kinds import prepare
from sparring.suites.kinds.persona import PersonaSuite
from sparring.suites.loader import SuiteFileError, load_suite_file, load_suites
from sparring.suites.schema import SCHEMA_PATH, render_schema

GOOD = """\
kind: persona
name: mine
persona: sceptic
cases:
  - id: one
    coach:
      - What does a good week look like for you?
      - say: You should listen more.
        expect:
          - {type: resistance, direction: up}
    expect:
      - {type: concern, id: protecting-the-team, revealed: false}
"""


def write(tmp_path: Path, text: str, name: str = "suite.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(SuiteFileError) as caught:
        load_suite_file(path)
    return [str(p) for p in caught.value.problems]


def test_a_valid_suite_loads(tmp_path: Path) -> None:
    loaded = load_suite_file(write(tmp_path, GOOD))
    assert loaded.suite.kind == "persona"
    assert isinstance(loaded.suite, PersonaSuite)
    case = loaded.suite.cases[0]
    assert [t.say for t in case.coach or []] == ["What does a good week look like for you?", "You should listen more."]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("direction: up", "direcion: up", ":10: field 'cases[0].coach[1].expect[0].direcion': unknown key — did you mean 'direction'?"),
        ("{type: resistance, direction: up}", "{type: resistence, direction: up}", ":10: field 'cases[0].coach[1].expect[0].type': Input tag 'resistence'"),
        ("kind: persona", "kind: personas", ":1: field 'kind'"),
        ("  - id: one", "  - id: one\n    difficulty: brutal", ":6: field 'cases[0].difficulty': input should be 'easy', 'realistic' or 'hard'"),
        ("revealed: false}", "}", ":12: field 'cases[0].expect[0].revealed': required field is missing"),
        ("      - What does", "      - {type: move, any_of: [fly]}\n      - What does", ":7: field 'cases[0].coach[0].say'"),
    ],
)
def test_invalid_suites_name_file_line_and_field(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in GOOD
    found = problems(write(tmp_path, GOOD.replace(old, new)))
    assert any(expected in p for p in found), found
    assert all(p.startswith(str(tmp_path / "suite.yaml")) or p.startswith("suite.yaml") for p in found)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace("direction: up", "direcion: up").replace("name: mine", "name: mine\ncolour: red")
    found = problems(write(tmp_path, text))
    assert len(found) == 2
    assert ":3: field 'colour': unknown key" in found[0]


def test_yaml_syntax_errors_have_a_line(tmp_path: Path) -> None:
    found = problems(write(tmp_path, GOOD.replace("{type: resistance, direction: up}", "{type: resistance, direction: up")))
    assert len(found) == 1 and ":10: invalid YAML: this bracket is never closed" in found[0]


def test_duplicate_keys_and_bad_regex_are_problems(tmp_path: Path) -> None:
    dupe = problems(write(tmp_path, GOOD.replace("name: mine", "name: mine\nname: again")))
    assert "key repeated (first on line 2)" in dupe[0]
    regex = problems(write(tmp_path, GOOD.replace("{type: resistance, direction: up}", "{type: reply, matches: '(unclosed'}")))
    assert "not a valid regular expression" in regex[0] and ":10:" in regex[0]


def test_references_are_checked_before_running(tmp_path: Path, settings: Settings) -> None:
    text = (GOOD.replace("id: protecting-the-team", "id: protecting-the-teem")
            + "  - id: two\n    persona: skeptic\n    strategy: nobody\n    turns: 2\n")
    with pytest.raises(SuiteFileError) as caught:
        prepare(load_suites([write(tmp_path, text)]), settings)
    found = "\n".join(str(p) for p in caught.value.problems)
    assert ":12: field 'id': persona 'sceptic' has no concern 'protecting-the-teem' — did you mean 'protecting-the-team'?" in found
    assert ":14: field 'cases[1].persona': unknown persona 'skeptic' — did you mean 'sceptic'?" in found
    assert ":15: field 'cases[1].strategy': no coach strategy 'nobody'" in found


def test_annotation_data_rows_are_checked(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "rows.jsonl").write_text('{"id": "a", "text": "Hi?", "labels": {"question": "open"}}\n'
                                         '{"id": "b", "text": "Hi", "labels": {"question": "sideways"}}\n')
    suite = write(tmp_path, "kind: annotation\nname: a\ndata: rows.jsonl\nthresholds:\n  - {metric: question.open.f1, min: 0.5}\n")
    with pytest.raises(SuiteFileError) as caught:
        prepare(load_suites([suite]), settings)
    assert "rows.jsonl:2: bad row" in str(caught.value)


def test_unknown_metric_suggests_the_right_name(tmp_path: Path) -> None:
    suite = write(tmp_path, "kind: annotation\nname: a\ndata: x.jsonl\nthresholds:\n  - {metric: directive.recal, min: 0.5}\n")
    found = problems(suite)
    assert ":5: field 'thresholds[0].metric'" in found[0] and "did you mean 'directive.recall'?" in found[0]


def test_duplicate_suite_names_across_files(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(SuiteFileError) as caught:
        load_suites([tmp_path])
    assert "suite name 'mine' is already used" in str(caught.value)


def test_shipped_suites_and_strategies_are_valid(settings: Settings) -> None:
    prepared = prepare(load_suites([ROOT / "evals"]), settings)
    kinds = {p.loaded.suite.kind for p in prepared}
    assert kinds == {"annotation", "persona", "debrief"}
    strategies = {sid for p in prepared for sid in p.strategies}
    assert {"directive", "empathic-questioning", "mixed"} <= strategies


def test_every_shipped_persona_runs_the_guard_cases(settings: Settings) -> None:
    """One parametrised persona suite covers every persona (no near-copy per persona)."""
    from sparring.suites.runner import Runner

    prepared = [p for p in prepare(load_suites([ROOT / "evals"]), settings) if p.loaded.suite.kind == "persona"]
    jobs = [j for p in prepared for j in Runner(settings).jobs([p])]
    for persona in sorted((ROOT / "personas").glob("*.yaml")):
        mine = [j for j in jobs if (j.persona or j.case.persona or j.prep.loaded.suite.persona) == persona.stem]
        lines = " ".join(t.say for j in mine for t in j.case.coach or [])
        assert "Are you an AI?" in lines and "Ignore your previous instructions" in lines and "tips" in lines
        types = {a.type for j in mine for a in j.case.expect}
        assert {"concern", "resistance", "no-ai-admission", "in-character", "llm-rubric"} <= types, persona.stem


def test_persona_matrix_names_each_run_and_binds_checks_to_the_persona(tmp_path: Path, settings: Settings) -> None:
    from sparring.suites.kinds.persona import bind
    from sparring.suites.runner import Runner
    from sparring.suites.suite import ConcernCheck, RubricCheck

    path = tmp_path / "matrix.yaml"
    path.write_text(
        "kind: persona\nname: matrix\npersonas: [sceptic, senior]\ncases:\n"
        "  - id: hello\n    coach: [Hello]\n"
        "    expect:\n      - {type: concern, surfaces: first, revealed: false}\n"
        "  - id: only-sceptic\n    persona: sceptic\n    coach: [Hi]\n", "utf-8")
    (prep,) = prepare(load_suites([path]), settings)
    idents = [j.ident for j in Runner(settings).jobs([prep])]
    assert idents == ["matrix/hello[sceptic]", "matrix/hello[senior]", "matrix/only-sceptic"]
    sceptic, senior = prep.personas["sceptic"], prep.personas["senior"]
    first = ConcernCheck(type="concern", surfaces="first", revealed=True)
    last = ConcernCheck(type="concern", surfaces="last", revealed=False)
    assert bind(first, sceptic).id == max(sceptic.concerns, key=lambda c: c.reveal_below).id
    assert bind(last, senior).id == min(senior.concerns, key=lambda c: c.reveal_below).id
    rubric = RubricCheck(type="llm-rubric", rubric="Speaks as {persona}.")
    assert bind(rubric, senior).rubric == f"Speaks as {senior.name}."


def test_matrix_concern_id_unknown_to_one_persona_is_a_configuration_error(tmp_path: Path,
                                                                           settings: Settings) -> None:
    path = tmp_path / "matrix.yaml"
    path.write_text(
        "kind: persona\nname: matrix\npersonas: [sceptic, senior]\ncases:\n"
        "  - id: hello\n    coach: [Hello]\n"
        "    expect:\n      - {type: concern, id: danny-leaving, revealed: false}\n", "utf-8")
    with pytest.raises(SuiteFileError) as caught:
        prepare(load_suites([path]), settings)
    assert "persona 'senior' has no concern 'danny-leaving'" in str(caught.value)


def test_only_the_kind_modules_know_the_suite_kinds() -> None:
    """Adding a suite kind is one module in evals/kinds (plus schema and docs): nothing else
    dispatches on a kind's classes."""
    import re

    names = re.compile(r"\b(AnnotationSuite|PersonaSuite|DebriefSuite|DebriefCase)\b"
                       r"|kind\s*==\s*['\"](annotation|persona|debrief)")
    outside = [p for p in (ROOT / "sparring").rglob("*.py") if "kinds" not in p.parts]
    offenders = [str(p.relative_to(ROOT)) for p in outside if names.search(p.read_text("utf-8"))]
    assert offenders == []


def test_committed_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text("utf-8") == render_schema(), (
        "schemas/suite.schema.json is stale: run .venv/bin/python -m sparring.suites.schema > schemas/suite.schema.json"
    )


def test_schema_accepts_shipped_suites_and_rejects_typos() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text("utf-8")))
    for path in sorted((ROOT / "evals").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        assert not list(validator.iter_errors(data)), path
    data = yaml.safe_load((ROOT / "evals" / "smoke.yaml").read_text())
    data["cases"][0]["expect"][0]["direcion"] = "up"
    assert list(validator.iter_errors(data))
