"""Dependency audit that still says something when OSV is out of reach.

`pip-audit` is tried first. Where it cannot reach its vulnerability source it "succeeds" with
every dependency skipped, so its JSON is read per dependency and only the ones it really
audited are taken from it. The rest are checked against the package registry's project JSON
(`<index>/<name>/json`): its `vulnerabilities` list describes the *latest* release only, so an
installed version that is not the latest is reported as not audited rather than as clean.
Exit status 1 means at least one finding.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

DEFAULT_INDEX = "https://pypi.org/pypi"
ROOT = Path(__file__).resolve().parent.parent
#: The project itself is installed editable from this tree; no registry describes it.
PROJECT = "sparring"


def normalize(name: str) -> str:
    """PEP 503 name, so `PyYAML`, `pyyaml` and `py_yaml` are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Report:
    """What is known about each distribution, by name; printed and turned into the exit code."""

    clean: dict[str, str] = field(default_factory=dict)
    findings: dict[str, list[str]] = field(default_factory=dict)
    not_audited: dict[str, str] = field(default_factory=dict)

    def finding(self, name: str, text: str) -> None:
        self.findings.setdefault(name, []).append(text)

    def lines(self) -> list[str]:
        out: list[str] = []
        for name in sorted(self.findings):
            out += [f"FINDING {name}: {text}" for text in self.findings[name]]
        out += [f"NOT AUDITED {name}: {why}" for name, why in sorted(self.not_audited.items())]
        total = len(self.clean) + len(self.findings) + len(self.not_audited)
        count = sum(len(v) for v in self.findings.values())
        out.append(
            f"Summary: {total} distributions: {len(self.clean)} audited clean, "
            f"{count} findings in {len(self.findings)} distributions, "
            f"{len(self.not_audited)} not audited."
        )
        return out


def installed(only: set[str] | None = None) -> dict[str, str]:
    """Installed distributions of the running interpreter (the venv `./dev` uses)."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = normalize(dist.metadata["Name"] or "")
        if name and name != PROJECT and (only is None or name in only):
            found[name] = dist.version
    return found


def direct_dependencies(pyproject: Path) -> set[str]:
    """Names the project asks for itself (runtime and extras), without version specifiers."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    specs = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    return {normalize(re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0]) for spec in specs}


def run_pip_audit(command: Sequence[str], report: Report, versions: dict[str, str],
                  everything: bool) -> set[str]:
    """Take what pip-audit really audited; return the names left for the registry check.

    A selection is handed over as pinned requirements so pip-audit asks about those alone.
    """
    args = [*command, "--progress-spinner", "off", "-f", "json"]
    with tempfile.TemporaryDirectory() as tmp:
        if everything:
            args.append("--skip-editable")
        else:
            pins = Path(tmp) / "requirements.txt"
            pins.write_text("".join(f"{n}=={v}\n" for n, v in sorted(versions.items())))
            args += ["--no-deps", "--disable-pip", "-r", str(pins)]
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
            output = done.stdout
        except (OSError, subprocess.TimeoutExpired):
            output = ""
    try:
        deps = json.loads(output)["dependencies"]
    except (ValueError, KeyError, TypeError):
        print("pip-audit did not run or gave no readable result; using the registry only.")
        return set(versions)
    left = set(versions)
    audited = 0
    for dep in deps:
        name = normalize(str(dep.get("name", "")))
        if name not in versions or "skip_reason" in dep:
            continue
        audited += 1
        left.discard(name)
        vulns = dep.get("vulns") or []
        for vuln in vulns:
            report.finding(name, _describe(versions[name], vuln, "pip-audit"))
        if not vulns:
            report.clean[name] = "pip-audit"
    print(f"pip-audit audited {audited} of {len(versions)} distributions.")
    return left


def _describe(version: str, vuln: dict[str, Any], source: str) -> str:
    aliases = ", ".join(vuln.get("aliases") or [])
    fixed = ", ".join(vuln.get("fixed_in") or vuln.get("fix_versions") or []) or "no fix listed"
    details = " ".join(str(vuln.get("details") or vuln.get("summary") or "").split())
    if len(details) > 160:
        details = details[:157] + "..."
    alias_text = f" ({aliases})" if aliases else ""
    return f"{version} has {vuln.get('id')}{alias_text}, fixed in {fixed} [{source}]: {details}"


def fetch(index: str, name: str, timeout: float) -> dict[str, Any] | str:
    """The project JSON, or why it could not be read (a 404 means the registry lacks it)."""
    request = urllib.request.Request(
        f"{index.rstrip('/')}/{name}/json", headers={"User-Agent": "sparring-audit"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return "not found on the package registry (a private or local package?)"
        return f"the registry answered HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return f"the registry could not be reached ({exc})"
    except ValueError:
        return "the registry answered with something that is not JSON"
    if not isinstance(data, dict) or not isinstance(data.get("info"), dict):
        return "the registry's answer has no project info"
    return data


def check_registry(name: str, version: str, data: dict[str, Any], report: Report) -> None:
    """Judge one installed version against its project JSON."""
    latest = str(data["info"].get("version") or "")
    try:
        mine, newest = Version(version), Version(latest)
    except InvalidVersion:
        report.not_audited[name] = f"version {version!r} or latest {latest!r} cannot be compared"
        return
    if mine == newest:
        live = _distinct([v for v in data.get("vulnerabilities") or [] if not v.get("withdrawn")])
        for vuln in live:
            report.finding(name, _describe(version, vuln, "registry"))
        if not live:
            report.clean[name] = "registry"
        return
    if mine > newest:
        report.not_audited[name] = f"{version} is newer than the registry's latest {latest}"
        return
    releases: dict[str, list[dict[str, Any]]] = data.get("releases") or {}
    files = next((f for v, f in releases.items() if _same(v, mine)), None)
    if files is None:
        report.not_audited[name] = f"{version} is not a release on the registry"
        return
    if files and all(f.get("yanked") for f in files):
        reason = next((f.get("yanked_reason") for f in files if f.get("yanked_reason")), None)
        report.finding(name, f"{version} was yanked from the registry: {reason or 'no reason given'}"
                       f"; upgrade to {latest}")
        return
    known = [v for v in data.get("vulnerabilities") or [] if not v.get("withdrawn")]
    note = f" (the latest itself lists {len(known)} vulnerabilities)" if known else ""
    report.not_audited[name] = (
        f"{version} is older than latest {latest}: not audited by this source, "
        f"upgrade to {latest} or audit elsewhere{note}"
    )


def _distinct(vulns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per vulnerability: the registry lists a GHSA and its PYSEC twin separately."""
    seen: set[str] = set()
    out = []
    for vuln in vulns:
        names = {str(vuln.get("id")), *map(str, vuln.get("aliases") or [])}
        if names & seen:
            continue
        seen |= names
        out.append(vuln)
    return out


def _same(text: str, version: Version) -> bool:
    try:
        return Version(text) == version
    except InvalidVersion:
        return False


def audit(versions: dict[str, str], index: str, pip_audit: Sequence[str] | None,
          timeout: float, everything: bool = True) -> Report:
    report = Report()
    left: Iterable[str] = (
        run_pip_audit(pip_audit, report, versions, everything) if pip_audit else versions
    )
    for name in sorted(left):
        data = fetch(index, name, timeout)
        if isinstance(data, str):
            report.not_audited[name] = data
        else:
            check_registry(name, versions[name], data, report)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--index", default=os.environ.get("SPARRING_AUDIT_INDEX", DEFAULT_INDEX),
                        help="registry JSON API base (default: %(default)s)")
    parser.add_argument("--no-pip-audit", action="store_true", help="use the registry only")
    parser.add_argument("--pip-audit", default=f"{sys.executable} -m pip_audit",
                        help="command that runs pip-audit (default: %(default)s)")
    parser.add_argument("--direct", action="store_true",
                        help="only the dependencies pyproject.toml names, not transitive ones")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="audit just this installed distribution (repeatable)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per registry request")
    args = parser.parse_args(argv)
    only = direct_dependencies(ROOT / "pyproject.toml") if args.direct else None
    if args.only:
        only = {normalize(name) for name in args.only}
    versions = installed(only)
    command = None if args.no_pip_audit else shlex.split(args.pip_audit)
    report = audit(versions, args.index, command, args.timeout, everything=only is None)
    for line in report.lines():
        print(line)
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
