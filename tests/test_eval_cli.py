"""`sparring eval` end to end with the fake model: exit codes, diffs, reports, errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from sparring.cli.eval import eval_command
from sparring.persona.loader import load_persona_file
from sparring.settings import ROOT

EVALS = ROOT / "evals"

WRONG = """\
kind: persona
name: wrong
persona: sceptic
cases:
  - id: advice-eases
    coach:
      - say: You should set up weekly one-to-ones with everyone on your team.
        expect:
          - {type: resistance, direction: down}
          - {type: move, any_of: [reveal_concern]}
  - id: fine
    coach:
      - What does a good week in the depots look like?
    expect:
      - {type: in-character}
"""


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARRING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)


def run(*args: str) -> Result:
    return CliRunner().invoke(eval_command, list(args), catch_exceptions=False)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_shipped_suites_pass_with_the_fake_model(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = run(str(EVALS), "--model", "fake", "--json", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    names = {s["name"] for s in data["suites"]}
    personas = {p.stem for p in (ROOT / "personas").glob("*.yaml")}
    assert {"gold", "smoke", "debrief", "personas"} <= names
    assert all(s["status"] == "pass" for s in data["suites"])
    persona_runs = [r for s in data["suites"] if s["kind"] == "persona" for r in s["runs"]]
    assert persona_runs and all(r["transcript"]["turns"] for r in persona_runs)
    played = {r["transcript"]["persona_id"] for r in persona_runs}
    assert played == personas  # every persona through the one parametrised suite
    assert "llm-rubric skipped" in result.output  # the fake judge cannot grade, and says so


def test_wrong_expectation_fails_with_a_readable_diff(tmp_path: Path) -> None:
    suite = write(tmp_path, "wrong.yaml", WRONG)
    result = run(str(suite), "--model", "fake")
    assert result.exit_code == 1
    out = result.output
    assert "FAIL wrong › advice-eases" in out
    assert "- expected: resistance down" in out
    sceptic = load_persona_file(ROOT / "personas" / "sceptic.yaml")
    start = sceptic.starting_resistance["realistic"]
    assert f"+ got:      resistance {start:.2f} → {start + sceptic.dynamics.directive:.2f}" in out
    assert "- expected: move one of reveal_concern" in out
    assert "FAIL wrong › fine" not in out  # the passing case is not reported as a failure
    assert "1 pass, 1 fail" in out


def test_invalid_suite_is_a_configuration_error_with_file_line_and_field(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.yaml", WRONG.replace("direction: down", "direcion: down"))
    result = run(str(bad), "--model", "fake")
    assert result.exit_code == 2
    assert "bad.yaml:9: field 'cases[0].coach[0].expect[0].direcion': unknown key — did you mean 'direction'?" \
        in result.output
    assert "Traceback" not in result.output


def test_unreachable_endpoint_marks_cases_as_errors_and_keeps_others_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARRING_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SPARRING_MAX_RETRIES", "0")
    out = tmp_path / "out.json"
    result = run(str(EVALS / "smoke.yaml"), str(EVALS / "gold.yaml"), "--model", "openai:x", "--json", str(out))
    assert result.exit_code == 2, result.output
    data = json.loads(out.read_text())
    by_name = {s["name"]: s for s in data["suites"]}
    assert by_name["gold"]["status"] == "pass"  # the suite that needs no model still ran
    smoke = by_name["smoke"]
    assert smoke["status"] == "error"
    assert [c["status"] for c in smoke["cases"]] == ["error"]
    assert "Could not reach the model endpoint" in smoke["runs"][0]["error"]
    assert "ERROR smoke › two-turns" in result.output
    assert "1 error" in result.output and "errored" in result.output


def test_repeat_reports_pass_rates_and_junit(tmp_path: Path) -> None:
    suite = write(tmp_path, "wrong.yaml", WRONG)
    out, junit = tmp_path / "r.json", tmp_path / "r.xml"
    result = run(str(suite), "--model", "fake", "--repeat", "3", "--json", str(out), "--junit", str(junit))
    assert result.exit_code == 1
    cases = {c["case"]: c for c in json.loads(out.read_text())["suites"][0]["cases"]}
    assert (cases["fine"]["runs"], cases["fine"]["pass_rate"]) == (3, 1.0)
    assert (cases["advice-eases"]["runs"], cases["advice-eases"]["pass_rate"]) == (3, 0.0)
    assert "advice-eases: pass rate 0% (0/3)" in result.output
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "0")
    failure = root.find(".//testcase[@name='advice-eases [fake]']/failure")
    assert failure is not None and "expected: resistance down" in (failure.text or "")


def test_filter_selects_cases(tmp_path: Path) -> None:
    suite = write(tmp_path, "wrong.yaml", WRONG)
    out = tmp_path / "f.json"
    result = run(str(suite), "--model", "fake", "--filter", "wrong/fine", "--json", str(out))
    assert result.exit_code == 0
    assert [c["case"] for c in json.loads(out.read_text())["suites"][0]["cases"]] == ["fine"]
    nothing = run(str(suite), "--model", "fake", "--filter", "no-such-case")
    assert nothing.exit_code == 2 and "no cases match" in nothing.output


def test_html_report_escapes_everything_from_content(tmp_path: Path) -> None:
    hostile = WRONG.replace("What does a good week in the depots look like?",
                            "'<script>document.title=\"pwned\"</script><img src=x onerror=alert(1)> What now?'")
    suite = write(tmp_path, "hostile.yaml", hostile)
    html = tmp_path / "r.html"
    run(str(suite), "--model", "fake", "--html", str(html))
    page = html.read_text()
    assert "&lt;script&gt;document.title" in page
    assert "<script" not in page and "<img" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_unknown_model_is_a_configuration_error(tmp_path: Path) -> None:
    result = run(str(EVALS / "smoke.yaml"), "--model", "gpt-9")
    assert result.exit_code == 2
    assert "Unknown model 'gpt-9'" in result.output



def test_judge_model_is_checked_only_when_a_suite_needs_it() -> None:
    smoke = run(str(EVALS / "smoke.yaml"), "--model", "fake", "--judge-model", "openai:grader")
    assert smoke.exit_code == 0, smoke.output  # no llm-rubric in smoke: the judge is never built
    graded = run(str(EVALS / "personas.yaml"), "--model", "fake", "--judge-model", "openai:grader")
    assert graded.exit_code == 2
    assert "Model 'openai:grader' needs an API key" in graded.output
