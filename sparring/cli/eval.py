"""`sparring eval`: run eval suites and exit 0 (all thresholds hold), 1 (a failure) or 2
(invalid suite, model configuration, or any case that errored)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sparring.cli.chat import user_errors
from sparring.suites.results import RunResult, SuiteResult

if TYPE_CHECKING:
    from sparring.suites.plan import Prepared
    from sparring.suites.runner import Runner

STYLES = {"pass": "green", "fail": "red", "error": "yellow", "skip": "dim"}


def _specs(runner_specs: set[str]) -> list[str]:
    return sorted(s for s in runner_specs if s not in ("learned", "rules", "transcript"))  # not models


def _cases_cell(suite: SuiteResult) -> str:
    if suite.thresholds:
        ok = sum(t.status == "pass" for t in suite.thresholds)
        return f"{ok}/{len(suite.thresholds)} thresholds"
    ok = sum(c.status == "pass" for c in suite.cases)
    runs = sum(c.runs for c in suite.cases)
    passed = sum(c.passed for c in suite.cases)
    rate = f", {passed}/{runs} runs" if runs != len(suite.cases) else ""
    return f"{ok}/{len(suite.cases)} cases{rate}"


def print_results(result: RunResult) -> None:
    from rich.console import Console
    from rich.table import Table

    from sparring.suites.reports import diff_lines

    console = Console(highlight=False, soft_wrap=True)
    table = Table(title="sparring eval")
    for column in ("suite", "kind", "model", "result", "status", "seconds"):
        table.add_column(column)
    for s in result.suites:
        seconds = sum(r.seconds for r in s.runs)
        table.add_row(s.name, s.kind, ", ".join(s.models), _cases_cell(s),
                      f"[{STYLES[s.status]}]{s.status}[/]", f"{seconds:.1f}")
    console.print(table)
    for s in result.suites:
        for t in s.thresholds:
            if t.status == "fail":
                console.print(f"[red]FAIL[/] {s.name} › threshold {t.name}")
                console.print(f"  [green]- expected: ≥ {t.expected:g}[/]\n  [red]+ got:      {t.got:.3f}[/]")
        for run in s.runs:
            label = f"{s.name} › {run.case} [{run.model}" + (f", run {run.repeat + 1}]" if result.repeat > 1 else "]")
            if run.status == "error":
                console.print(f"[yellow]ERROR[/] {label}: {run.error}", markup=True)
            elif run.status == "fail" and s.cases:  # annotation items are scored by thresholds
                console.print(f"[red]FAIL[/] {label}")
                for check in run.failures:
                    head, expected, got = diff_lines(check)
                    console.print(f"  {head}", markup=False)
                    console.print(f"    {expected.strip()}", style="green", markup=False)
                    console.print(f"    {got.strip()}", style="red", markup=False)
        for case in s.cases:
            if result.repeat > 1:
                console.print(f"{s.name} › {case.case}: pass rate {case.pass_rate:.0%} ({case.passed}/{case.runs})")
        for note in s.notes:
            console.print(f"[dim]{s.name}: {note}[/]")
    counts = result.counts
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "nothing ran"
    errored = [f"{s.name}/{r.case}" for s in result.suites for r in s.runs if r.status == "error"]
    console.print(f"\n{summary} in {result.seconds:.1f}s (exit {result.exit_code})")
    if errored:
        console.print(f"[yellow]{len(errored)} case run(s) errored[/] (not failed): {', '.join(errored[:10])}"
                      + (" …" if len(errored) > 10 else ""))


async def _run(runner: Runner, prepared: list[Prepared], total: int) -> RunResult:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("eval"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.description}"), console=Console(stderr=True), transient=True)
    task = progress.add_task("", total=total)
    runner.on_done = lambda run: progress.update(task, advance=1, description=f"{run.suite}/{run.case}")
    with progress:
        return await runner.run(prepared)


@click.command("eval")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--model", default=None, help="Run every suite on this model: local, fake or openai:<model>.")
@click.option("--judge-model", default=None, help="Model that grades llm-rubric checks (and judge coders).")
@click.option("--concurrency", type=click.IntRange(1, 256), default=4, show_default=True,
              help="Cases run at the same time.")
@click.option("--repeat", type=click.IntRange(1, 100), default=1, show_default=True,
              help="Run each case K times and report pass rates.")
@click.option("--filter", "pattern", default=None, help="Only cases whose 'suite/case' matches (glob or substring).")
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False), help="Write results as JSON.")
@click.option("--junit", "junit_path", type=click.Path(path_type=Path, dir_okay=False), help="Write JUnit XML.")
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), help="Write an HTML report.")
@click.option("--no-cache", is_flag=True, help="Call the model even when a reply is cached.")
def eval_command(paths: tuple[Path, ...], model: str | None, judge_model: str | None, concurrency: int,
                 repeat: int, pattern: str | None, json_path: Path | None, junit_path: Path | None,
                 html_path: Path | None, no_cache: bool) -> None:
    """Run eval suites (default: the shipped evals/ folder).

    Exit code 0 when every case and threshold holds, 1 when any fails, 2 on a
    configuration error or when any case errored (e.g. an unreachable model).
    See docs/EVALS.md.
    """
    from sparring.providers import check_model
    from sparring.settings import ROOT, load_settings
    from sparring.suites.html import write_html
    from sparring.suites.kinds import prepare
    from sparring.suites.loader import load_suites
    from sparring.suites.reports import write_json, write_junit
    from sparring.suites.runner import Runner, RunOptions, uses_judge

    with user_errors():
        settings = load_settings().with_model(model)
        if judge_model:
            settings = settings.model_copy(update={"judge_model": judge_model})
        prepared = prepare(load_suites(list(paths) or [ROOT / "evals"]), settings)
        options = RunOptions(model=model, judge_model=judge_model, concurrency=concurrency, repeat=repeat,
                             pattern=pattern, cache=not no_cache)
        runner = Runner(settings, options)
        jobs = runner.jobs(prepared)
        if not jobs:
            raise click.UsageError(f"no cases match --filter {pattern!r}" if pattern else "the suites have no cases")
        judges = {runner.judge_spec(j.prep) for j in jobs if uses_judge(j.prep)}
        for spec in _specs({j.model for j in jobs} | judges):
            check_model(spec, settings)
        result = asyncio.run(_run(runner, prepared, len(jobs)))
    print_results(result)
    for path, write in ((json_path, write_json), (junit_path, write_junit), (html_path, write_html)):
        if path is not None:
            write(result, path)
            click.echo(f"wrote {path}", err=True)
    click.get_current_context().exit(result.exit_code)
