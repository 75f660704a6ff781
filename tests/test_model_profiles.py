"""What a model can do is decided by its profile in `providers/`, never by its name or class
elsewhere: adding a provider family then touches `providers/` and its tests only."""

from __future__ import annotations

import ast

import pytest

from sparring.providers import make_chat_model
from sparring.providers.profile import FAMILIES, profile_for, profile_of
from sparring.settings import ROOT, Settings

MODEL_CLASSES = {"LocalChatModel", "FakeChatModel", "ChatOpenAI", "LocalRuntime"}
SPEC_WORDS = ("model", "spec", "judge")


def _is_spec_literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and (
        node.value in FAMILIES or node.value.startswith("openai"))


def _names_a_model(node: ast.AST) -> bool:
    text = ast.unparse(node).lower()
    return any(word in text for word in SPEC_WORDS)


def name_checks(source: str) -> list[str]:
    """Places in `source` that test a model's name or class instead of asking its profile."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and any(a.name in MODEL_CLASSES for a in node.names):
            found.append(f"line {node.lineno}: imports a model class")
        elif isinstance(node, ast.Call) and ast.unparse(node.func) == "isinstance":
            if any(n in ast.unparse(node.args[1]) for n in MODEL_CLASSES):
                found.append(f"line {node.lineno}: isinstance on a model class")
        elif isinstance(node, ast.Attribute) and node.attr == "__module__":
            found.append(f"line {node.lineno}: reads __module__")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any("_llm_type" in ast.unparse(s) for s in sides):
                found.append(f"line {node.lineno}: compares a model's _llm_type")
            literals = [s for s in sides if _is_spec_literal(s)
                        or (isinstance(s, ast.Tuple | ast.List | ast.Set) and any(map(_is_spec_literal, s.elts)))]
            if literals and any(_names_a_model(s) for s in sides if s not in literals):
                found.append(f"line {node.lineno}: compares a model spec with {ast.unparse(literals[0])}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "startswith" and any(map(_is_spec_literal, node.args)):
            found.append(f"line {node.lineno}: tests a spec prefix")
    return found


def test_the_check_finds_each_kind_of_name_test() -> None:
    bad = '''
from sparring.providers.local import LocalChatModel
if isinstance(model, LocalChatModel): pass
if spec == "local": pass
if model_spec in ("fake", "local"): pass
if type(model).__module__.startswith("langchain_openai"): pass
if spec.startswith("openai:"): pass
if model._llm_type == "sparring-fake": pass
'''
    assert len(name_checks(bad)) == 7, name_checks(bad)
    assert name_checks('user = "local"\nif settings.users_file == "x": pass\n') == []


def test_no_module_outside_providers_tests_a_models_name_or_class() -> None:
    package = ROOT / "sparring"
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in sorted(package.rglob("*.py"))
        if "providers" not in path.relative_to(package).parts
        and (found := name_checks(path.read_text("utf-8")))
    }
    assert not offenders, f"ask providers.profile instead: {offenders}"


@pytest.mark.parametrize("spec", ["local", "fake", "openai:gpt-4o-mini"])
def test_every_family_has_a_profile_and_built_models_find_theirs(spec: str) -> None:
    profile = profile_for(spec)
    assert profile is FAMILIES[spec.split(":")[0]]
    if spec == "fake":
        assert profile_of(make_chat_model(spec, Settings(_env_file=None))) == profile  # type: ignore[call-arg]


def test_what_each_family_may_do() -> None:
    local, fake, hosted = profile_for("local"), profile_for("fake"), profile_for("openai:m")
    assert local.serial and local.warm_up and local.json_mode == "schema"
    assert not local.judges and not local.grades  # too weak: the rules decide
    assert not fake.cacheable and not fake.shared and not fake.grades and fake.json_mode == "none"
    assert hosted.judges and hosted.grades and hosted.cacheable and not hosted.serial


def test_a_speaking_override_keeps_what_the_model_can_do() -> None:
    free = profile_for("local", Settings(_env_file=None, speaking="free"))  # type: ignore[call-arg]
    assert free.speaking == "free" and free.serial and free.warm_up and free.json_mode == "schema"
