"""A board member's day on a phone, from the pages alone: change a member's class,
withdraw a member, record a share purchase and export the share register, and
give another member coordinator access. Every board page passes axe (WCAG 2.1
AA) at phone and desktop size, with nothing off screen and no small targets."""

import csv
import io
from pathlib import Path
from uuid import UUID

import pytest
from playwright.async_api import expect

from tests.accessibility import phone_page, problems
from tests.browser import chromium, screenshot_path
from tests.node_api import admitted_member, call, staff_token
from tests.web import LiveNode

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_a_board_members_day_on_a_phone(http_node: LiveNode) -> None:
    url = http_node.url
    rosa, _ = await admitted_member(http_node, "worker", "Rosa Bianchi")
    wes, _ = await admitted_member(http_node, "worker", "Wes Tan")
    cal, _ = await admitted_member(http_node, "volunteer", "Cal Roy")
    _, board = await staff_token(http_node, "board", "Bea Ng")
    app = http_node.node.coop_node
    found: list[str] = []
    async with chromium() as browser:
        page = await phone_page(browser, url, board)
        menu = page.locator("nav[aria-label=Menu]")

        # Rosa moves from worker to volunteer.
        await menu.get_by_role("link", name="Staff", exact=True).click()
        await page.get_by_role("link", name="Rosa Bianchi").click()
        await expect(page.locator("h1")).to_have_text("Rosa Bianchi")
        found += await problems(page, "member record")
        await page.select_option("#member_class", label="Volunteer")
        await page.get_by_role("button", name="Change class").click()
        await expect(page.locator("#done")).to_be_visible()
        await expect(page.locator("#member-class")).to_have_text("Volunteer")
        await page.screenshot(path=screenshot_path("board-member"), full_page=True)
        assert app.member(UUID(rosa)).member_class == "volunteer"

        # Wes leaves; the form asks for a confirmation first.
        await menu.get_by_role("link", name="Staff", exact=True).click()
        await page.get_by_role("link", name="Wes Tan").click()
        await page.get_by_role("button", name="Withdraw the membership").click()
        await expect(page.locator("#confirm-error")).to_be_visible()
        found += await problems(page, "withdrawal refused")
        await page.check("#confirm")
        await page.get_by_role("button", name="Withdraw the membership").click()
        await expect(page.locator("#member-status")).to_have_text("withdrawn")
        assert app.member(UUID(wes)).status == "withdrawn"

        # Rosa buys £25 of shares; the register goes to the registrar as CSV.
        await menu.get_by_role("link", name="Share register").click()
        found += await problems(page, "share register")
        await page.select_option("#purchase-member", label="Rosa Bianchi (no. 1)")
        await page.fill("#purchase-amount", "25")
        await page.get_by_role("button", name="Record the purchase").click()
        await expect(page.locator("#done")).to_have_text("The purchase is recorded.")
        await expect(page.locator("#entry-1")).to_contain_text("Holds £25.00.")
        assert app.member(UUID(rosa)).shares == 2500
        found += await problems(page, "share register with a purchase")
        await page.screenshot(path=screenshot_path("board-shares"), full_page=True)
        async with page.expect_download() as download_info:
            await page.click("#export")
        download = await download_info.value
        assert download.suggested_filename.startswith("share-register-")
        exported = Path(await download.path()).read_text()
        rows = list(csv.DictReader(io.StringIO(exported)))
        bought = [r for r in rows if r["Movement"] == "purchase"]
        assert [(r["Member number"], r["Name"], r["Amount (GBP)"]) for r in bought] == [
            ("1", "Rosa Bianchi", "25.00")
        ]

        # Printed, the register is the register alone: no menu, no forms.
        await page.emulate_media(media="print")
        await expect(page.locator("#register")).to_be_visible()
        for hidden in ("header", "#purchase", "#transfer", "#export"):
            await expect(page.locator(hidden)).to_be_hidden()
        await page.screenshot(
            path=screenshot_path("board-shares-print"), full_page=True
        )
        await page.emulate_media(media="screen")

        # Cal becomes a coordinator; the code is shown once, to Bea.
        await menu.get_by_role("link", name="Staff access").click()
        found += await problems(page, "staff access")
        await page.select_option("#member", label="Cal Roy")
        await page.select_option("#role", label="coordinator")
        await page.get_by_role("button", name="Issue access").click()
        code = page.locator("#new-token")
        await expect(code).to_be_visible()
        token = (await code.text_content() or "").strip()
        assert token not in page.url
        found += await problems(page, "new access")
        await page.screenshot(path=screenshot_path("board-access-new"), full_page=True)
        status, me = await call(http_node, "GET", "/api/me", token=token)
        assert (status, me["role"], me["member"]["id"]) == (200, "coordinator", cal)
        await page.get_by_role("link", name="Back to Staff access").click()
        await expect(
            page.get_by_role("button", name="Revoke Coordinator access of Cal Roy")
        ).to_be_visible()
        found += await problems(page, "staff access with a token")
        await page.screenshot(path=screenshot_path("board-access"), full_page=True)
    assert found == [], "\n".join(found)
