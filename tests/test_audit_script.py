"""`./dev audit` (scripts/audit.py) against a canned package registry on 127.0.0.1: real HTTP,
real installed distributions of this venv, never the public registry."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sparring_audit_script", ROOT / "scripts" / "audit.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


audit = load_script()

# Real distributions of this venv, so `installed()` and the version lookup are exercised too.
VULN, CLEAN, OLD, YANKED, MISSING = "pyyaml", "click", "rich", "tiktoken", "pydantic"


def version(name: str) -> str:
    return metadata.version(name)


def project(name: str, latest: str, releases: dict[str, list[dict[str, Any]]],
            vulns: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"info": {"name": name, "version": latest}, "releases": releases,
            "vulnerabilities": vulns or []}


def canned() -> dict[str, dict[str, Any]]:
    file = [{"filename": "x.whl", "yanked": False, "yanked_reason": None}]
    return {
        VULN: project(VULN, version("pyyaml"), {version("pyyaml"): file}, [
            {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001"], "fixed_in": ["99.0"],
             "details": "Loading a crafted document runs code.", "withdrawn": None},
            {"id": "PYSEC-2099-2", "aliases": [], "fixed_in": [], "details": "Retracted.",
             "withdrawn": "2099-01-01T00:00:00"},
            # the same advisory again under its other name, as PyPI lists GHSA and PYSEC twins
            {"id": "GHSA-twin-2099", "aliases": ["CVE-2099-0001", "PYSEC-2099-1"], "fixed_in": ["99.0"],
             "details": "Loading a crafted document runs code.", "withdrawn": None},
        ]),
        CLEAN: project(CLEAN, version("click"), {version("click"): file}),
        OLD: project(OLD, "999.0", {version("rich"): file, "999.0": file}, [
            {"id": "GHSA-xxxx", "aliases": [], "fixed_in": [], "details": "in the latest"}]),
        YANKED: project(YANKED, "999.0", {
            version("tiktoken"): [{"filename": "t.whl", "yanked": True,
                                   "yanked_reason": "broken wheel, security fix in next"}],
            "999.0": file}),
    }


class Registry:
    """`/<name>/json` from `canned()`, 404 for anything else; records every request path."""

    def __init__(self) -> None:
        self.data = canned()
        self.paths: list[str] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry.paths.append(self.path)
                name = self.path.strip("/").removeprefix("pypi/").removesuffix("/json")
                if name not in registry.data:
                    self.send_error(404)
                    return
                body = json.dumps(registry.data[name]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pypi"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def asked(self) -> set[str]:
        return {p.strip("/").removeprefix("pypi/").removesuffix("/json") for p in self.paths}


@pytest.fixture()
def registry() -> Iterator[Registry]:
    reg = Registry()
    yield reg
    reg.server.shutdown()


def run(registry: Registry, capsys: pytest.CaptureFixture[str], *names: str,
        extra: tuple[str, ...] = ("--no-pip-audit",)) -> tuple[int, list[str]]:
    args = ["--index", registry.url, *extra]
    for name in names:
        args += ["--only", name]
    code = audit.main(args)
    return code, capsys.readouterr().out.splitlines()


def test_each_kind_of_answer_is_reported_and_a_finding_fails_the_run(
        registry: Registry, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(registry, capsys, VULN, CLEAN, OLD, YANKED, MISSING)
    assert code == 1
    assert registry.asked() == {VULN, CLEAN, OLD, YANKED, MISSING}
    text = "\n".join(out)
    vuln_lines = [line for line in out if line.startswith(f"FINDING {VULN}")]
    # The live advisory once (not its twin) with its alias and fix; the withdrawn one is not a finding.
    assert len(vuln_lines) == 1 and "PYSEC-2099-1 (CVE-2099-0001), fixed in 99.0" in vuln_lines[0]
    assert "PYSEC-2099-2" not in text
    assert f"FINDING {YANKED}: {version('tiktoken')} was yanked" in text
    assert "broken wheel" in text
    old = next(line for line in out if line.startswith(f"NOT AUDITED {OLD}"))
    assert "older than latest 999.0: not audited by this source, upgrade to 999.0" in old
    assert "latest itself lists 1 vulnerabilities" in old
    assert any(line.startswith(f"NOT AUDITED {MISSING}: not found") for line in out)
    assert not any(CLEAN in line for line in out[:-1])
    assert out[-1] == ("Summary: 5 distributions: 1 audited clean, 2 findings in 2 distributions, "
                       "2 not audited.")


def test_a_clean_latest_version_passes(registry: Registry,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(registry, capsys, CLEAN)
    assert code == 0
    assert out[-1] == "Summary: 1 distributions: 1 audited clean, 0 findings in 0 distributions, 0 not audited."


def test_not_latest_and_unreachable_are_not_counted_as_clean(
        registry: Registry, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(registry, capsys, OLD, MISSING)
    assert code == 0 and "0 audited clean" in out[-1] and "2 not audited" in out[-1]
    registry.server.shutdown()
    registry.server.server_close()
    code, out = run(registry, capsys, CLEAN)
    assert code == 0 and f"NOT AUDITED {CLEAN}: the registry could not be reached" in out[0]


def test_pip_audit_results_are_used_and_its_skipped_ones_go_to_the_registry(
        registry: Registry, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """pip-audit without its data source exits 0 with every dependency skipped: those must
    not count as clean, they are checked against the registry instead."""
    canned_output = {"dependencies": [
        {"name": "PyYAML", "version": version("pyyaml"), "vulns": [
            {"id": "GHSA-aaaa", "fix_versions": ["99.1"], "aliases": ["CVE-2099-7"],
             "description": "from pip-audit"}]},
        {"name": "click", "skip_reason": "Dependency not found on PyPI and could not be audited"},
        {"name": "rich", "version": version("rich"), "vulns": []},
    ]}
    fake = tmp_path / "fake_pip_audit.py"
    fake.write_text(f"import json\nprint(json.dumps({canned_output!r}))\n")
    code, out = run(registry, capsys, VULN, CLEAN, OLD,
                    extra=("--pip-audit", f"{sys.executable} {fake}"))
    assert code == 1
    assert registry.asked() == {CLEAN}  # only the skipped one
    assert "pip-audit audited 2 of 3 distributions." in out
    assert any("GHSA-aaaa (CVE-2099-7), fixed in 99.1 [pip-audit]" in line for line in out)
    assert out[-1] == "Summary: 3 distributions: 2 audited clean, 1 findings in 1 distributions, 0 not audited."


def test_a_missing_pip_audit_falls_back_to_the_registry(
        registry: Registry, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out = run(registry, capsys, CLEAN, extra=("--pip-audit", str(tmp_path / "nope")))
    assert code == 0 and registry.asked() == {CLEAN}
    assert out[0].startswith("pip-audit did not run")


def test_direct_dependencies_come_from_pyproject() -> None:
    names = audit.direct_dependencies(ROOT / "pyproject.toml")
    assert {"chainlit", "sqlalchemy", "python-socketio", "pyyaml", "pytest"} <= names
    assert not any("[" in n or ">" in n for n in names)
