"""Machine-readable reports: JSON (the whole `RunResult`) and JUnit XML for CI.

JUnit maps each persona or debrief case to a `<testcase>` (repeats folded
into its pass rate) and each annotation threshold to one; mismatching
annotation items are not test failures (see `aggregate`), so they are not cases.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sparring.suites.results import CaseRun, Check, RunResult, SuiteResult


def write_json(result: RunResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.model_dump_json(indent=2) + "\n", "utf-8")


def diff_lines(check: Check) -> list[str]:
    """Expected vs got for one failed check, as the terminal and JUnit show it."""
    where = f"turn {check.turn}" if check.turn is not None else "end"
    return [f"{check.name} ({where})", f"  - expected: {check.expected}", f"  + got:      {check.got}"]


def run_diff(run: CaseRun) -> str:
    if run.status == "error":
        return f"error: {run.error}"
    return "\n".join(line for c in run.failures for line in diff_lines(c))


def _suite_element(suite: SuiteResult) -> ET.Element:
    element = ET.Element("testsuite", name=suite.name, file=suite.path)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    seconds = sum(r.seconds for r in suite.runs)
    for case in suite.cases:
        counts["tests"] += 1
        runs = [r for r in suite.runs if r.case == case.case and r.model == case.model]
        tc = ET.SubElement(element, "testcase", classname=suite.name, name=f"{case.case} [{case.model}]",
                           time=f"{sum(r.seconds for r in runs):.3f}")
        rate = f"passed {case.passed}/{case.runs} runs (pass rate {case.pass_rate:.0%})"
        if case.status == "error":
            counts["errors"] += 1
            first = next((r.error for r in runs if r.error), "")
            ET.SubElement(tc, "error", message=first or "error").text = rate
        elif case.status == "fail":
            counts["failures"] += 1
            detail = "\n\n".join(f"run {r.repeat + 1}:\n{run_diff(r)}" for r in runs if r.status == "fail")
            ET.SubElement(tc, "failure", message=rate).text = detail
        elif case.status == "skip":
            counts["skipped"] += 1
            ET.SubElement(tc, "skipped", message="every check was skipped")
        ET.SubElement(tc, "system-out").text = rate
    for t in suite.thresholds:
        counts["tests"] += 1
        tc = ET.SubElement(element, "testcase", classname=suite.name, name=f"threshold {t.name}", time="0")
        if t.status == "fail":
            counts["failures"] += 1
            ET.SubElement(tc, "failure", message=f"{t.name}: expected ≥ {t.expected:g}, got {t.got:.3f}")
    if suite.status == "error" and not any(c.status == "error" for c in suite.cases):
        counts["tests"] += 1
        counts["errors"] += 1
        tc = ET.SubElement(element, "testcase", classname=suite.name, name="run")
        ET.SubElement(tc, "error", message="; ".join(suite.notes) or "error")
    for key, value in counts.items():
        element.set(key, str(value))
    element.set("time", f"{seconds:.3f}")
    return element


def junit_xml(result: RunResult) -> str:
    root = ET.Element("testsuites", name="sparring eval", time=f"{result.seconds:.3f}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in result.suites:
        element = _suite_element(suite)
        for key in totals:
            totals[key] += int(element.get(key, "0"))
        root.append(element)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(result: RunResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(result), "utf-8")
