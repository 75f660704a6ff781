"""Persona files a trainer got wrong: each problem names file, line and field, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import near_miss

from sparring.persona.loader import (
    PersonaFileError,
    UnknownPersonaError,
    get_persona,
    list_persona_files,
    load_persona_file,
    load_personas,
    validate_files,
)
from sparring.settings import ROOT, Settings

VALID = (ROOT / "personas" / "sceptic.yaml").read_text("utf-8")


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages show paths relative to the working directory, as a trainer would see them."""
    monkeypatch.chdir(tmp_path)


def line_no(text: str, starts: str) -> int:
    """1-based line of the first line starting with `starts` (indentation included)."""
    return 1 + next(i for i, line in enumerate(text.splitlines()) if line.startswith(starts))


def write(directory: Path, text: str | bytes, name: str = "sceptic.yaml") -> Path:
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(PersonaFileError) as info:
        load_persona_file(path)
    assert str(info.value) == "\n".join(str(p) for p in info.value.problems)
    return [str(p) for p in info.value.problems]


def test_shipped_starter_loads(tmp_path: Path) -> None:
    persona = load_persona_file(write(tmp_path, VALID))
    assert persona.id == "sceptic" and persona.name == "Graham Whitfield"


def test_unknown_key_points_at_the_key_and_suggests_the_right_one(tmp_path: Path) -> None:
    text = VALID.replace("\n  style:", "\n  stlye:")
    [message] = problems(write(tmp_path, text))
    assert message.startswith(f"sceptic.yaml:{line_no(text, '  stlye:')}: field 'voice.stlye':")
    assert "did you mean 'style'?" in message


def test_unknown_top_level_key_is_one_problem_not_also_a_missing_field(tmp_path: Path) -> None:
    text = VALID.replace("opening_line:", "openingline:")
    [message] = problems(write(tmp_path, text))
    assert f":{line_no(text, 'openingline:')}: field 'openingline'" in message
    assert "did you mean 'opening_line'?" in message


def test_wrong_type_names_the_nested_field_and_its_line(tmp_path: Path) -> None:
    text = VALID.replace("  realistic: 7\n", "  realistic: very high\n")
    [message] = problems(write(tmp_path, text))
    assert f"sceptic.yaml:{line_no(text, '  realistic: very')}: field 'starting_resistance.realistic'" in message
    assert "expected a number" in message


def test_number_where_text_belongs_suggests_quotes(tmp_path: Path) -> None:
    text = VALID.replace("  deflect:\n    - I'd rather", "  deflect:\n    - 42\n    - I'd rather")
    [message] = problems(write(tmp_path, text))
    assert f":{line_no(text, '    - 42')}: field 'example_lines.deflect[0]'" in message
    assert 'in quotes: "42"' in message


def test_text_with_a_colon_is_explained(tmp_path: Path) -> None:
    text = VALID.replace("    - Fine. The engagement score", "    - Fine: the engagement score")
    [message] = problems(write(tmp_path, text))
    assert f":{line_no(text, '    - Fine: the')}: field 'example_lines.partial_admission[2]'" in message
    assert "quotes" in message


def test_out_of_range_level(tmp_path: Path) -> None:
    text = VALID.replace("  hard: 9\n", "  hard: 12\n")
    [message] = problems(write(tmp_path, text))
    assert f":{line_no(text, '  hard: 12')}: field 'starting_resistance.hard'" in message
    assert "0 (fully open) to 10" in message


def test_yes_no_and_dates_stay_the_text_that_was_typed(tmp_path: Path) -> None:
    text = VALID.replace("  never_says:\n", "  never_says:\n    - no\n    - 2024-03-01\n")
    persona = load_persona_file(write(tmp_path, text))
    assert persona.voice.never_says[:2] == ["no", "2024-03-01"]


def test_true_where_text_belongs_suggests_quotes(tmp_path: Path) -> None:
    text = VALID.replace("name: Graham Whitfield", "name: true")
    [message] = problems(write(tmp_path, text))
    assert f":{line_no(text, 'name: true')}: field 'name': expected text" in message
    assert '"true"' in message


def test_bad_yaml_reports_its_line(tmp_path: Path) -> None:
    text = VALID.replace("\n  habits:", "\n habits:")
    [message] = problems(write(tmp_path, text))
    assert message.startswith(f"sceptic.yaml:{line_no(text, ' habits:')}: invalid YAML")


@pytest.mark.parametrize("end", ["", "\nstarters: []\n"])
def test_unclosed_quote_points_at_where_it_opens(tmp_path: Path, end: str) -> None:
    """Whether the stray quote swallows lines up to the next quote mark or to the end of the file."""
    text = VALID.replace('name: Graham Whitfield', 'name: "Graham Whitfield') + end
    [message] = problems(write(tmp_path, text))
    assert message.startswith(f"sceptic.yaml:{line_no(text, 'name:')}: invalid YAML: ")
    assert "quote" in message


def test_tab_indentation_gets_a_hint(tmp_path: Path) -> None:
    text = VALID.replace("\n  style:", "\n\tstyle:")
    [message] = problems(write(tmp_path, text))
    assert f"sceptic.yaml:{line_no(text, chr(9) + 'style:')}:" in message
    assert "spaces, not tabs" in message


def test_missing_required_field_points_at_its_parent(tmp_path: Path) -> None:
    lines = VALID.splitlines(keepends=True)
    style = line_no(VALID, "  style:")
    text = "".join(lines[: style - 1] + lines[style + 3:])  # drop style and its 3 folded lines
    [message] = problems(write(tmp_path, text))
    assert message.startswith(f"sceptic.yaml:{line_no(text, 'voice:')}: field 'voice.style': ")
    assert "missing" in message and "add 'style:'" in message


def test_missing_top_level_field_and_other_problems_are_reported_together(tmp_path: Path) -> None:
    text = VALID.replace("name: Graham Whitfield\n", "").replace("  hard: 9\n", "  hard: x\n")
    text = text.replace("\n  habits:", "\n  habbits:")
    found = problems(write(tmp_path, text))
    assert len(found) == 3
    assert any("field 'name': required field is missing" in m for m in found)
    assert any(f":{line_no(text, '  habbits:')}: field 'voice.habbits'" in m for m in found)
    assert any(f":{line_no(text, '  hard: x')}: field 'starting_resistance.hard'" in m for m in found)
    lines = [int(m.split(":")[1]) for m in found]
    assert lines == sorted(lines)


def test_a_move_without_lines_points_at_example_lines(tmp_path: Path) -> None:
    start = line_no(VALID, "  vent:")
    lines = VALID.splitlines(keepends=True)
    text = "".join(lines[: start - 1] + lines[start + 3:])
    [message] = problems(write(tmp_path, text))
    assert f":{line_no(text, 'example_lines:')}: field 'example_lines':" in message
    assert "vent" in message


def test_unknown_move_suggests_the_real_one(tmp_path: Path) -> None:
    text = VALID.replace("  yes_but:", "  yes-but:", 1)
    [message] = problems(write(tmp_path, text))
    assert f":{line_no(text, '  yes-but:')}: field 'example_lines': unknown key 'yes-but'" in message
    assert "did you mean 'yes_but'?" in message


def test_repeated_key_is_an_error_not_a_silent_overwrite(tmp_path: Path) -> None:
    text = VALID.replace("role: Head", "name: Someone Else\nrole: Head")
    [message] = problems(write(tmp_path, text))
    first = line_no(text, "name: Graham")
    assert f":{line_no(text, 'name: Someone')}: field 'name': key repeated (first on line {first})" in message


@pytest.mark.parametrize("text", ["", "\n\n", "# just a comment\n", "---\n", "~\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    assert problems(write(tmp_path, text)) == [
        "sceptic.yaml:1: file is empty — start from a copy of personas/sceptic.yaml"
    ]


@pytest.mark.parametrize("text", ["- a\n- b\n", "just words\n", "42\n"])
def test_not_a_mapping(tmp_path: Path, text: str) -> None:
    [message] = problems(write(tmp_path, text))
    assert message.startswith("sceptic.yaml:1: a persona file must be a mapping")


def test_non_utf8_bytes_report_the_line(tmp_path: Path) -> None:
    [message] = problems(write(tmp_path, b"id: x\nname: y\nrole: caf\xe9\n"))
    assert message.startswith("sceptic.yaml:3: file is not UTF-8") and "save it as UTF-8" in message


def test_binary_file(tmp_path: Path) -> None:
    [message] = problems(write(tmp_path, b"id: x\n\x00\x01\x02"))
    assert message.startswith("sceptic.yaml:2:") and "binary" in message


def test_directory_and_missing_path(tmp_path: Path) -> None:
    assert problems(tmp_path)[0].endswith("is a directory, not a persona file — pass a .yaml file, "
                                          "or use load_personas for a folder")
    assert "ghost.yaml: file not found" in problems(tmp_path / "ghost.yaml")[0]


def test_duplicate_ids_across_files_name_both(tmp_path: Path) -> None:
    write(tmp_path, VALID, "sceptic.yaml")
    write(tmp_path, VALID, "sceptic.yml")
    write(tmp_path, VALID, "copy.yaml")
    with pytest.raises(PersonaFileError) as info:
        load_personas(tmp_path)
    found = [str(p) for p in info.value.problems]
    id_line = line_no(VALID, "id:")
    assert any(m.startswith(f"sceptic.yml:{id_line}: field 'id': id 'sceptic' is already used by ")
               and "sceptic.yaml" in m for m in found)
    assert any(f"copy.yaml:{id_line}: field 'id': id 'sceptic' does not match the file name" in m
               and "rename the file to sceptic.yaml" in m for m in found)
    assert any("copy.yaml" in m and "already used by" in m for m in found)


def test_load_personas_sorted_and_whole_folder_fails_on_one_bad_file(tmp_path: Path) -> None:
    write(tmp_path, VALID.replace("id: sceptic", "id: zed"), "zed.yaml")
    write(tmp_path, VALID.replace("id: sceptic", "id: alpha"), "alpha.yaml")
    assert list(load_personas(tmp_path)) == ["alpha", "zed"]
    write(tmp_path, "id: [", "broken.yaml")
    with pytest.raises(PersonaFileError, match=r"broken\.yaml:1: invalid YAML"):
        load_personas(tmp_path)
    report = validate_files([tmp_path])
    assert [bool(found) for found in report.values()] == [False, True, False]


def test_folder_problems(tmp_path: Path) -> None:
    with pytest.raises(PersonaFileError, match="no persona files"):
        load_personas(tmp_path)
    with pytest.raises(PersonaFileError, match=r"personas folder not found .*SPARRING_PERSONAS_DIR"):
        load_personas(tmp_path / "nowhere")


def test_list_persona_files_expands_folders_and_keeps_missing_files(tmp_path: Path) -> None:
    a, b = write(tmp_path, "x", "b.yaml"), write(tmp_path, "x", "a.yml")
    write(tmp_path, "x", "notes.txt")
    ghost = tmp_path / "ghost.yaml"
    assert list_persona_files([tmp_path, ghost]) == [b, a, ghost]


def test_get_persona_unknown_id_lists_valid_ids(settings: Settings) -> None:
    assert get_persona(settings, "sceptic").name == "Graham Whitfield"
    with pytest.raises(UnknownPersonaError) as info:
        get_persona(settings, "skeptic")
    message = str(info.value)
    assert "unknown persona 'skeptic'" in message and "did you mean 'sceptic'?" in message
    assert "valid ids: defensive, firefighter, new-manager, sceptic, senior, yes-but" in message


# --- any input at all ends as PersonaFileError ---------------------------------------------

VALID_LINES = VALID.splitlines()




@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(st.text(max_size=300), st.binary(max_size=300), near_miss(VALID_LINES)))
def test_any_content_is_a_persona_or_a_persona_file_error(tmp_path: Path, content: str | bytes) -> None:
    path = write(tmp_path, content)
    try:
        load_persona_file(path)
    except PersonaFileError as exc:
        assert exc.problems
        raw = path.read_bytes()
        try:  # YAML, like editors, also breaks lines at \r, \x85 and \u2028
            last = len(raw.decode("utf-8-sig").splitlines()) + 1
        except UnicodeDecodeError:
            last = raw.count(b"\n") + 1
        for problem in exc.problems:
            assert str(problem).startswith("sceptic.yaml:")
            assert problem.line is not None and 1 <= problem.line <= last
