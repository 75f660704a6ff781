"""The app in a real browser: Debian chromium driven by Playwright, headless.

Logs in (multi-user mode), picks a persona, talks, watches the reply stream and the
feedback note appear, ends the session and sees the debrief. Screenshots go to
`test-artifacts/` for a human to look at. Never downloads a browser: it skips when
/usr/bin/chromium is missing (`apt-get install chromium`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from browser import ARGS, CHROMIUM, require_chromium
from uiserver import UIServer, running

from sparring.persona.loader import load_personas
from sparring.settings import ROOT
from sparring.ui.auth import hash_password

pytestmark = [pytest.mark.browser, pytest.mark.server]

ARTIFACTS = ROOT / "test-artifacts"
PERSONA = "firefighter"  # not the default profile, so the test really picks one

require_chromium()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIServer]:
    work = tmp_path_factory.mktemp("browser")
    users = work / "users.txt"
    users.write_text(f"alice:{hash_password('alice-pw')}\n")
    with running(work, SPARRING_USERS_FILE=str(users), SPARRING_AUTH_SECRET="s" * 48,
                 SPARRING_FAKE_TOKEN_DELAY="0.1") as srv:
        yield srv


@pytest.fixture
async def page(server: UIServer) -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield await browser.new_page(viewport={"width": 1280, "height": 900})
        finally:
            await browser.close()


async def test_login_practise_and_debrief(server: UIServer, page: object) -> None:
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    persona = load_personas(ROOT / "personas")[PERSONA]
    await page.goto(server.url)
    await page.fill("#email", "alice")
    await page.fill("#password", "wrong")
    await page.click("button[type=submit]")
    await expect(page.locator("#chat-input")).to_have_count(0)
    await expect(page.get_by_text("Unable to sign in")).to_be_visible()
    await page.fill("#password", "alice-pw")
    await page.click("button[type=submit]")
    await expect(page.locator("#chat-input")).to_be_visible(timeout=15000)
    await page.screenshot(path=str(ARTIFACTS / "01-logged-in.png"))

    # Pick the persona from the chat-profile menu.
    await page.click("#chat-profiles")
    await page.screenshot(path=str(ARTIFACTS / "01b-profiles.png"))
    await page.get_by_text(persona.name, exact=False).last.click()
    confirm = page.get_by_role("button", name="Confirm")
    if await confirm.count():
        await confirm.click()
    await expect(page.get_by_text(persona.opening_line[:40])).to_be_visible(timeout=15000)
    await page.screenshot(path=str(ARTIFACTS / "02-persona-opening.png"))

    await page.fill("#chat-input", "What has this year been like for your team?")
    await page.keyboard.press("Enter")
    # Mid-stream: the note says it is coding and part of the reply is on screen.
    await expect(page.get_by_text("Coding your turn").first).to_be_visible(timeout=15000)
    await page.wait_for_timeout(600)
    await page.screenshot(path=str(ARTIFACTS / "03-streaming.png"))
    await expect(page.get_by_test_id("resistance-meter").first).to_be_visible(timeout=20000)
    await expect(page.get_by_text("Resistance").first).to_be_visible()

    await page.fill("#chat-input", "So it's cost you good people before, and you're wary.")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("resistance-meter")).to_have_count(2, timeout=20000)
    await expect(page.get_by_text("open question").first).to_be_visible()
    await expect(page.get_by_text("reflection").first).to_be_visible()
    await page.screenshot(path=str(ARTIFACTS / "04-two-turns-feedback.png"))

    await page.get_by_role("button", name="End session").last.click()
    await expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30000)
    await expect(page.get_by_text(".md").first).to_be_visible()
    await page.set_viewport_size({"width": 1280, "height": 2600})
    await page.wait_for_timeout(800)
    await page.screenshot(path=str(ARTIFACTS / "05-debrief.png"))


async def test_single_user_mode_opens_without_a_login(tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    with running(tmp_path) as srv:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                page = await browser.new_page(viewport={"width": 1280, "height": 900})
                await page.goto(srv.url)
                await expect(page.locator("#chat-input")).to_be_visible(timeout=20000)
                await expect(page.locator("#email")).to_have_count(0)
                await expect(page.get_by_role("button", name="End session")).to_be_visible()
                await page.screenshot(path=str(ARTIFACTS / "00-single-user.png"))
            finally:
                await browser.close()


async def test_a_persona_hover_card_stays_inside_the_window(server: UIServer, page: object) -> None:
    """The card describing a persona opens beside the profile list and must be readable whole."""
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    await page.goto(server.url)
    await page.fill("#email", "alice")
    await page.fill("#password", "alice-pw")
    await page.click("button[type=submit]")
    await expect(page.locator("#chat-input")).to_be_visible(timeout=15000)
    await page.click("#chat-profiles")
    await page.get_by_role("option").nth(1).hover()
    card = page.locator("[data-radix-popper-content-wrapper] > [data-side]").last
    await expect(card).to_be_visible()
    await page.wait_for_timeout(500)  # the card animates in
    await page.screenshot(path=str(ARTIFACTS / "05-hover-card.png"))
    box = await card.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
    assert box["y"] >= 0 and box["y"] + box["height"] <= 900


async def test_try_a_turn_again_goes_back_and_the_debrief_shows_both_tries(server: UIServer, page: object) -> None:
    """Three turns, back to before turn 2, another line, then the debrief: all in Chromium."""
    from playwright.async_api import Page, expect

    assert isinstance(page, Page)
    lines = ["What has this year been like for your team?",
             "So it has cost you good people before.",
             "You should just get on board with the programme."]
    instead = "What would make these sessions worth your while?"
    await page.goto(server.url)
    await page.fill("#email", "alice")
    await page.fill("#password", "alice-pw")
    await page.click("button[type=submit]")
    await expect(page.locator("#chat-input")).to_be_visible(timeout=15000)
    await expect(page.get_by_role("button", name="End session")).to_be_visible(timeout=15000)
    meters = page.get_by_test_id("resistance-meter")
    for n, line in enumerate(lines, 1):
        await page.fill("#chat-input", line)
        await page.keyboard.press("Enter")
        await expect(meters).to_have_count(n, timeout=20000)
    after_first = await meters.first.get_attribute("aria-label") or await meters.first.inner_text()

    await page.get_by_role("button", name="Try this turn again").nth(1).click()
    await expect(page.get_by_text("Back to before turn 2").first).to_be_visible(timeout=15000)
    await expect(page.get_by_text(lines[1])).to_have_count(0)
    await expect(page.get_by_text(lines[2])).to_have_count(0)
    await expect(meters).to_have_count(1)
    await page.screenshot(path=str(ARTIFACTS / "06-back-to-turn-2.png"))

    await page.fill("#chat-input", instead)
    await page.keyboard.press("Enter")
    await expect(meters).to_have_count(2, timeout=20000)
    second = await meters.nth(1).inner_text()
    start = after_first.split("→")[-1].strip().split()[0]
    assert second.split("→")[0].strip().split()[-1] == start, (after_first, second)

    await page.get_by_role("button", name="End session").last.click()
    await expect(page.get_by_text("Turns you tried again")).to_be_visible(timeout=30000)
    tried = page.get_by_text("you tried").last
    await expect(tried).to_contain_text(lines[1][:20])
    await page.set_viewport_size({"width": 1280, "height": 2600})
    await page.wait_for_timeout(800)
    await page.screenshot(path=str(ARTIFACTS / "07-debrief-both-tries.png"))
