"""The HTML report in a real browser (Debian chromium via Playwright, headless): every case
is shown with its transcript, and text from suites or models never runs as script.
The screenshot goes to `test-artifacts/eval-report.png` for a human to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import ARGS, CHROMIUM, require_chromium
from click.testing import CliRunner

from sparring.cli.eval import eval_command
from sparring.settings import ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"

require_chromium()

SUITE = """\
kind: persona
name: report
persona: sceptic
cases:
  - id: explores
    coach:
      - What does a good week in the depots look like for you?
      - It sounds like the last programmes cost your technicians a lot.
  - id: pushes
    coach:
      - say: You should set up weekly one-to-ones with everyone.
        expect:
          - {type: resistance, direction: down}
  - id: hostile
    coach:
      - '<script>document.title="pwned"</script><img src=x onerror="document.title=1"> What now?'
"""


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Written by the real command, outside the test's event loop (the command runs its own)."""
    monkeypatch.setenv("SPARRING_DATA_DIR", str(tmp_path / "data"))
    suite = tmp_path / "report.yaml"
    suite.write_text(SUITE, "utf-8")
    html = tmp_path / "report.html"
    result = CliRunner().invoke(eval_command, [str(suite), str(ROOT / "evals" / "debrief.yaml"),
                                               "--model", "fake", "--html", str(html)],
                                catch_exceptions=False)
    assert result.exit_code == 1, result.output  # 'pushes' fails on purpose
    return html


async def test_report_shows_every_case_with_its_transcript(report: Path) -> None:
    from playwright.async_api import async_playwright, expect

    ARTIFACTS.mkdir(exist_ok=True)
    dialogs: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("dialog", lambda d: dialogs.append(d.message))
            await page.goto(report.as_uri())
            await expect(page.get_by_role("heading", name="Sparring eval report")).to_be_visible()
            for case in ("explores", "pushes", "hostile", "pushy-session", "exploring-session", "played-session"):
                section = page.locator("section.case", has=page.locator("h3", has_text=case))
                await expect(section).to_have_count(1)
                await expect(section.locator(".turn").first).to_be_visible()
            explores = page.locator("section.case", has=page.locator("h3", has_text="explores"))
            await expect(explores).to_contain_text("It sounds like the last programmes cost your technicians a lot.")
            await expect(explores).to_contain_text("Graham Whitfield")
            pushes = page.locator("section.case", has=page.locator("h3", has_text="pushes"))
            await expect(pushes.locator(".diff")).to_contain_text("expected: resistance down")
            hostile = page.locator("section.case", has=page.locator("h3", has_text="hostile"))
            await expect(hostile).to_contain_text('<script>document.title="pwned"</script>')
            await page.screenshot(path=str(ARTIFACTS / "eval-report.png"), full_page=True)
            assert await page.title() == "Sparring eval report"
            assert await page.locator("script, img").count() == 0
            assert dialogs == []
        finally:
            await browser.close()
