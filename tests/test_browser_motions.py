"""The cycle from a phone (390x844): the board drafts a motion, adds a paper and
opens the vote a few seconds ahead; a member reads the paper, discusses and
votes; the node closes the ballot on time by itself; the member reads the
result. axe-core finds no WCAG 2.1 AA violation on any page."""

import datetime as dt
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.accessibility import phone_page, problems
from tests.browser import chromium, screenshot_path
from tests.node_api import admitted_member, staff_token
from tests.web import LiveNode

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def checked(page: Page, name: str) -> None:
    assert await problems(page, name) == []
    await page.screenshot(path=screenshot_path(name), full_page=True)


async def test_a_motion_from_draft_to_result_on_a_phone(
    http_node: LiveNode, tmp_path: Path
) -> None:
    url = http_node.url
    http_node.node.closing.interval = 0.5
    _, board = await staff_token(http_node, "board", "Bea Board")
    _, member = await admitted_member(http_node, "worker", "Rosa Bianchi")
    paper = tmp_path / "budget.txt"
    paper.write_text("Income 100, spending 90.\n")
    async with chromium() as browser:
        page = await phone_page(browser, url, board)
        await page.goto(url + "/")
        await page.get_by_role("link", name="Motions").click()
        await checked(page, "motions-board")
        await page.get_by_label("Title").fill("Adopt the budget")
        await page.get_by_label("Kind of motion").select_option("ordinary")
        await page.get_by_label("Proposed by").select_option(label="Rosa Bianchi")
        await page.get_by_label("Text of the motion").fill(
            "The co-op adopts the budget in the paper."
        )
        await page.get_by_role("button", name="Draft the motion").click()
        await expect(page.locator("h1")).to_have_text("Adopt the budget")
        await expect(page.locator("#done")).to_contain_text("drafted")

        await page.get_by_label("Name of the paper").fill("The budget")
        await page.get_by_label("File (PDF").set_input_files(str(paper))
        await page.get_by_role("button", name="Add the paper").click()
        await expect(page.locator("#papers")).to_contain_text("The budget")
        await checked(page, "motion-draft")

        # A closing time already past is refused beside its fields.
        await page.get_by_label("Day").fill("2020-01-01")
        await page.get_by_label("Time").fill("10:00:00")
        await page.get_by_role("button", name="Open the vote").click()
        await expect(page.locator("#closes-problem")).to_be_visible()
        await checked(page, "motion-open-refused")
        closes = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)
        await page.get_by_label("Day").fill(closes.date().isoformat())
        await page.get_by_label("Time").fill(closes.strftime("%H:%M:%S"))
        await page.get_by_role("button", name="Open the vote").click()
        await expect(page.locator("#done")).to_contain_text("The vote is open")
        await expect(page.locator("#add-paper")).to_have_count(0)

        phone = await phone_page(browser, url, member)
        await phone.goto(url + "/motions")
        await phone.get_by_role("link", name="Adopt the budget").click()
        async with phone.expect_download() as download:
            await phone.get_by_role("link", name="The budget").click()
        assert (await (await download.value).path()).read_text() == paper.read_text()
        await phone.get_by_label("Your comment").fill("Spending looks right.")
        await phone.get_by_role("button", name="Post my comment").click()
        await expect(phone.locator("#done")).to_contain_text("comment is posted")
        await checked(phone, "motion-discussed")
        await phone.get_by_role("link", name="Vote on this motion").click()
        await phone.locator("#my-vote").get_by_label("for", exact=True).check()
        await phone.get_by_role("button", name="Vote", exact=True).click()
        await expect(phone.locator("#done")).to_contain_text("recorded")

        # The board hides a comment; it stays, marked, for the board.
        await page.reload()
        await page.get_by_label("Why hide it").fill("Posted twice")
        await page.get_by_role("button", name="Hide this comment").click()
        await expect(page.locator("#discussion")).to_contain_text(
            "Hidden by the board: Posted twice"
        )

        # Nobody closes it: the node does, at its time.
        await phone.goto(url + "/motions")
        await phone.get_by_role("link", name="Adopt the budget").click()
        for _ in range(80):
            await phone.reload()
            if await phone.locator("#result").count():
                break
            await phone.wait_for_timeout(500)
        await expect(phone.locator("#result")).to_contain_text("Carried.")
        await expect(phone.locator("#discussion")).to_contain_text(
            "This comment was hidden by the board."
        )
        await expect(phone.locator("#discussion")).not_to_contain_text(
            "Spending looks right."
        )
        await checked(phone, "motion-result")
        await phone.goto(url + "/motions")
        await expect(phone.locator("#motions")).to_contain_text("Carried")
        await checked(phone, "motions-member")
