"""Review and sharing in Debian chromium: a coach rates a reply with a comment and shares
the session, the trainer finds the rating in the review queue and marks it fixed; a coach
shares one of two sessions and the trainer's cohort view holds exactly that one.

Multi-user mode with the fake model; screenshots of each page go to `test-artifacts/`.
Never downloads a browser: skips when /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from browser import ARGS, CHROMIUM, require_chromium
from uiserver import UIServer, running

from sparring.settings import ROOT
from sparring.ui.auth import hash_password

pytestmark = [pytest.mark.browser, pytest.mark.server]

ARTIFACTS = ROOT / "test-artifacts"
COMMENT = "Gave in far too quickly for someone this sceptical."

require_chromium()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIServer]:
    work = tmp_path_factory.mktemp("review-browser")
    users = work / "users.txt"
    users.write_text("".join(f"{name}:{hash_password(name + '-pw')}{role}\n" for name, role in
                             (("alice", ""), ("bob", ""), ("tina", ":trainer"))))
    with running(work, SPARRING_USERS_FILE=str(users), SPARRING_AUTH_SECRET="s" * 48) as srv:
        yield srv


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            await launched.close()


async def logged_in(browser: Any, server: UIServer, name: str) -> Any:
    """A page in a fresh context (its own cookies), logged in as `name`."""
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(server.url)
    await page.fill("#email", name)
    await page.fill("#password", f"{name}-pw")
    await page.click("button[type=submit]")
    await expect(page.locator("#chat-input")).to_be_visible(timeout=20000)
    await expect(page.get_by_role("button", name="End session")).to_be_visible(timeout=20000)
    return page


async def say(page: Any, line: str, replies: int) -> None:
    from playwright.async_api import expect

    await page.fill("#chat-input", line)
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("resistance-meter")).to_have_count(replies, timeout=30000)
    await page.wait_for_timeout(500)  # the reply's final update (feedback buttons enable)


async def share(page: Any, on: bool = True) -> None:
    """Flip the 'Share with trainers' switch in the chat settings and confirm."""
    from playwright.async_api import expect

    await page.click("#chat-settings-open-modal")
    switch = page.locator("#share_with_trainers")
    await expect(switch).to_be_visible()
    if (await switch.get_attribute("aria-checked") == "true") != on:
        await switch.click()
    await page.click("#confirm")
    message = "Shared with trainers" if on else "No longer shared"
    await expect(page.get_by_text(message).last).to_be_visible(timeout=15000)


async def new_chat(page: Any) -> None:
    from playwright.async_api import expect

    await page.locator("#new-chat-button").click()
    confirm = page.locator("#new-chat-dialog #confirm")
    if await confirm.count():
        await confirm.click()
    await expect(page.get_by_test_id("resistance-meter")).to_have_count(0, timeout=15000)
    await expect(page.get_by_role("button", name="End session")).to_be_visible(timeout=20000)


async def test_a_coach_flags_a_reply_and_the_trainer_sees_it_in_the_queue(
        server: UIServer, browser: Any) -> None:
    from playwright.async_api import expect

    coach = await logged_in(browser, server, "alice")
    await say(coach, "What has this year been like for your team?", 1)
    await coach.locator(".negative-feedback-off").last.click()
    await coach.get_by_role("dialog").locator("textarea").fill(COMMENT)
    await coach.click("#submit-feedback")
    await expect(coach.locator(".negative-feedback-on")).to_have_count(1, timeout=10000)
    await share(coach)
    await coach.screenshot(path=str(ARTIFACTS / "review-01-coach-rated-and-shared.png"))

    trainer = await logged_in(browser, server, "tina")
    await trainer.goto(f"{server.url}/trainer/review")
    item = trainer.locator("li.item").filter(has_text=COMMENT)
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text("What has this year been like for your team?")
    await expect(item).to_contain_text("Resistance")
    await expect(item.locator(".rating")).to_have_text("thumbs down")
    await trainer.screenshot(path=str(ARTIFACTS / "review-02-trainer-queue.png"), full_page=True)

    await item.locator("input[name=version]").fill("sceptic v2")
    await item.get_by_role("button", name="Mark fixed").click()
    await expect(trainer.locator("li.item").filter(has_text=COMMENT)).to_have_count(0)  # open only
    await trainer.goto(f"{server.url}/trainer/review?status=fixed")
    fixed = trainer.locator("li.item").filter(has_text=COMMENT)
    await expect(fixed).to_contain_text("fixed in sceptic v2")
    await trainer.screenshot(path=str(ARTIFACTS / "review-03-marked-fixed.png"), full_page=True)


async def test_a_coach_shares_one_of_two_sessions_and_the_trainer_sees_exactly_that_one(
        server: UIServer, browser: Any) -> None:
    from playwright.async_api import expect

    coach = await logged_in(browser, server, "bob")
    await say(coach, "What would make this time useful for you?", 1)  # kept private
    await new_chat(coach)
    await say(coach, "What has been hardest about this quarter?", 1)
    await say(coach, "So the targets changed and nobody asked you.", 2)
    await share(coach)
    await coach.screenshot(path=str(ARTIFACTS / "cohort-01-coach-shared-one.png"))

    trainer = await logged_in(browser, server, "tina")
    await trainer.goto(f"{server.url}/trainer/cohort?coach=bob")
    rows = trainer.locator("#sessions tr[data-thread]")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("bob")
    await expect(rows.first.locator("td").nth(4)).to_have_text("2")  # the shared one had two turns
    await expect(trainer.locator(".js-plotly-plot").first).to_be_visible(timeout=15000)
    await trainer.screenshot(path=str(ARTIFACTS / "cohort-02-trainer-cohort.png"), full_page=True)
    csv = await trainer.evaluate("fetch('/trainer/api/cohort.csv?coach=bob').then(r => r.text())")
    assert len(csv.strip().splitlines()) == 2  # the header and the one shared session

    await share(coach, on=False)  # withdrawn: gone at the next look
    await trainer.reload()
    await expect(trainer.locator("#sessions tr[data-thread]")).to_have_count(0)
    await expect(trainer.get_by_text("No shared sessions")).to_be_visible()
