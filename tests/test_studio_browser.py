"""The persona studio in Debian chromium: a trainer edits a persona, sees an error, fixes it,
tries the draft in the chat, saves, sees the diff and restores the earlier version; the
saved file on disk follows every step. Screenshots of each page go to `test-artifacts/`."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator

import pytest
from browser import ARGS, CHROMIUM, require_chromium
from uiserver import UIServer, running

from sparring.settings import ROOT
from sparring.ui.auth import hash_password

pytestmark = [pytest.mark.browser, pytest.mark.server]
ARTIFACTS = ROOT / "test-artifacts"
PERSONA = "sceptic"
OLD_NAME, NEW_NAME = "Graham Whitfield", "Graham Whitworth"

require_chromium()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIServer]:
    work = tmp_path_factory.mktemp("studio-browser")
    shutil.copytree(ROOT / "personas", work / "personas")
    users = work / "users.txt"
    users.write_text(f"tina:{hash_password('tina-pw')}:trainer\n")
    with running(work, SPARRING_USERS_FILE=str(users), SPARRING_AUTH_SECRET="s" * 48,
                 SPARRING_PERSONAS_DIR=str(work / "personas")) as srv:
        yield srv


@pytest.fixture
async def context(server: UIServer) -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield await browser.new_context(viewport={"width": 1400, "height": 1000})
        finally:
            await browser.close()


async def test_edit_error_fix_try_save_diff_restore(server: UIServer, context: object) -> None:
    from playwright.async_api import BrowserContext, expect

    assert isinstance(context, BrowserContext)
    saved_file = server.workdir / "personas" / f"{PERSONA}.yaml"
    original = saved_file.read_text()
    page = await context.new_page()
    await page.goto(server.url)
    await page.fill("#email", "tina")
    await page.fill("#password", "tina-pw")
    await page.click("button[type=submit]")
    await expect(page.locator("#chat-input")).to_be_visible(timeout=15000)

    await page.goto(server.url + "/trainer")
    await page.screenshot(path=str(ARTIFACTS / "studio-01-trainer-home.png"))
    await page.get_by_role("link", name="Personas").first.click()
    await expect(page.get_by_role("cell", name=OLD_NAME)).to_be_visible()
    await page.screenshot(path=str(ARTIFACTS / "studio-02-personas.png"))
    await page.get_by_role("link", name=PERSONA, exact=True).click()
    status = page.locator("#status")
    await expect(status).to_have_text("Valid · saved", timeout=15000)
    await expect(page.locator("#dynamics.js-plotly-plot")).to_be_visible()
    await page.screenshot(path=str(ARTIFACTS / "studio-03-editor.png"), full_page=True)

    # An error as the trainer types: the CLI's message, with line and field.
    await page.fill("#yaml", original.replace("opening_line:", "opening_lin:"))
    problem = page.locator("#problems li").first
    await expect(problem).to_contain_text("field 'opening_lin': unknown key — did you mean 'opening_line'?")
    await expect(problem).to_contain_text(f"personas/{PERSONA}.yaml:")
    await expect(status).to_contain_text("problem(s) — not saved")
    await page.get_by_role("button", name="Save").click()
    await expect(status).to_have_text("Not saved: fix the problems first")
    assert saved_file.read_text() == original
    await page.screenshot(path=str(ARTIFACTS / "studio-04-error.png"), full_page=True)

    # Fix it, and rename the manager through the form: the YAML follows.
    await page.fill("#yaml", original)
    await expect(status).to_have_text("Valid · saved")
    await page.fill("input[data-field=name]", NEW_NAME)
    await page.locator("input[data-field=name]").blur()
    await expect(page.locator("#yaml")).to_have_value(original.replace(
        f"name: {OLD_NAME}", f'name: "{NEW_NAME}"'))
    await page.fill("input[data-field='starting_resistance.realistic']", "5")
    await page.locator("input[data-field='starting_resistance.realistic']").blur()
    await expect(page.locator("#yaml")).to_have_value(original.replace(
        f"name: {OLD_NAME}", f'name: "{NEW_NAME}"').replace("  realistic: 7\n", "  realistic: 5\n"))
    await expect(status).to_have_text("Valid · not saved yet")

    # Try the unsaved draft in the chat: a new tab practises with it; the file is unchanged.
    async with context.expect_page() as opened:
        await page.get_by_role("button", name="Try it in the chat").click()
    chat = await opened.value
    await expect(chat.get_by_text(f"Trying an unsaved draft of {NEW_NAME}")).to_be_visible(timeout=20000)
    await expect(chat.locator("#chat-input")).to_be_visible()
    await chat.screenshot(path=str(ARTIFACTS / "studio-05-try-draft-in-chat.png"))
    await chat.close()
    assert saved_file.read_text() == original

    # Simulate: the draft's curves start lower than the saved version's (5 against 7).
    await page.get_by_role("button", name="Simulate").click()
    await expect(page.locator("#simulation.js-plotly-plot")).to_be_visible(timeout=60000)
    starts = await page.evaluate("""() => Object.fromEntries(document.getElementById('simulation')
        .data.filter(t => t.xaxis === 'x').map(t => [t.name, t.y[0]]))""")
    assert starts == {"draft": 5, "saved": 7}

    await page.get_by_role("button", name="Save").click()
    await expect(status).to_have_text("Saved as version 2")
    assert f'name: "{NEW_NAME}"' in saved_file.read_text()
    await expect(page.locator("#history tbody tr")).to_have_count(2)
    await page.screenshot(path=str(ARTIFACTS / "studio-06-saved-and-simulated.png"), full_page=True)

    first = page.locator("#history tbody tr[data-version='1']")
    await first.get_by_role("button", name="Diff").click()
    await expect(page.locator("#diff .del")).to_have_text([f"-name: {OLD_NAME}", "-  realistic: 7"])
    await expect(page.locator("#diff .add")).to_have_text([f'+name: "{NEW_NAME}"', "+  realistic: 5"])
    await page.screenshot(path=str(ARTIFACTS / "studio-07-diff.png"), full_page=True)

    await first.get_by_role("button", name="Restore").click()
    await expect(status).to_have_text("Restored version 1 as version 3")
    assert saved_file.read_text() == original
    await expect(page.locator("#history tbody tr")).to_have_count(3)
    await expect(page.locator("input[data-field=name]")).to_have_value(OLD_NAME)
    await page.screenshot(path=str(ARTIFACTS / "studio-08-restored.png"), full_page=True)

    await page.goto(server.url + "/trainer/prompts")
    await expect(page.get_by_role("link", name="manager_system.md")).to_be_visible()
    await page.screenshot(path=str(ARTIFACTS / "studio-09-prompts.png"), full_page=True)
    await page.get_by_role("link", name="manager_system.md").click()
    await expect(page.locator("#preview")).to_contain_text(OLD_NAME, timeout=15000)
    await page.screenshot(path=str(ARTIFACTS / "studio-10-prompt-editor.png"), full_page=True)
