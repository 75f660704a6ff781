"""HTML and script typed by a coach, or written by a model, is shown as text in the real
browser (Debian chromium via Playwright): no script runs, no element is created, in the
chat, the feedback note or the debrief."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import ARGS, CHROMIUM, require_chromium
from uiserver import running

from sparring.settings import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.server]

ARTIFACTS = ROOT / "test-artifacts"

require_chromium()

COACH = ('<img src=x onerror="document.title=\'pwned-coach\'">'
         '<script>document.title="pwned-script"</script> You should just do it.')
MANAGER = ('Fine, <img src=y onerror="document.title=\'pwned-manager\'"> '
           '<b onmouseover="alert(1)">whatever</b> you say.')


async def test_html_from_coach_and_model_is_text_not_markup(tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    script = tmp_path / "replies.txt"
    script.write_text(MANAGER + "\n", "utf-8")
    with running(tmp_path, SPARRING_FAKE_SCRIPT=str(script)) as srv:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                page = await browser.new_page(viewport={"width": 1280, "height": 1600})
                dialogs: list[str] = []
                page.on("dialog", lambda d: dialogs.append(d.message))
                await page.goto(srv.url)
                await expect(page.locator("#chat-input")).to_be_visible(timeout=20000)
                # The opening's End-session button is the last thing a new chat sends.
                await expect(page.get_by_role("button", name="End session")).to_be_visible(timeout=20000)
                title = await page.title()
                await page.fill("#chat-input", COACH)
                await page.keyboard.press("Enter")
                await expect(page.get_by_test_id("resistance-meter").first).to_be_visible(timeout=20000)
                await expect(page.get_by_text("whatever", exact=False).first).to_be_visible()
                # The coach's markup is on screen as the characters typed.
                await expect(page.get_by_text("<img src=x", exact=False).first).to_be_visible()
                await page.get_by_role("button", name="End session").last.click()
                await expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30000)
                await page.wait_for_timeout(500)
                await page.screenshot(path=str(ARTIFACTS / "hardening-html-as-text.png"))

                assert await page.title() == title and "pwned" not in await page.title()
                assert dialogs == []
                assert await page.locator("img[src='x'], img[src='y']").count() == 0
                assert await page.locator("b[onmouseover]").count() == 0
                assert await page.locator("main script, #root script").count() == 0
            finally:
                await browser.close()
