"""The person at the centre on a phone (390 x 844): Una finds her care from her
home page, reads her goals in her own words, her scores over time and who is
coming, and lets her daughter see it; her daughter sees the same page under a
banner saying why. Each page passes axe-core (WCAG 2.1 AA) at phone and desktop
size, with nothing off screen, no small tap target and no small chart text."""

import pytest
from playwright.async_api import expect

from tests.accessibility import phone_page, problems
from tests.browser import chromium, screenshot_path
from tests.test_care_circle import NOTE, una_with_care
from tests.web import LiveNode

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_una_reads_her_care_and_lets_her_daughter_see_it(
    http_node: LiveNode,
) -> None:
    una = await una_with_care(http_node)
    url = http_node.url
    found: list[str] = []
    async with chromium() as browser:
        page = await phone_page(browser, url, una["una_token"])
        await page.click("#summary-care a")
        await expect(page.locator("h1")).to_have_text("My care")
        await expect(page.locator("#goal-1-1 .goal-text")).to_have_text(
            "Walk to the shop on my own"
        )
        chart = page.locator("#chart-1-1")
        await expect(chart).to_have_attribute("role", "img")
        await expect(chart).to_have_attribute(
            "aria-label",
            "Performance 3 at the start and 5 now; satisfaction 4 at the start "
            "and 6 now, out of 10.",
        )
        await expect(page.locator(".review-notes")).to_have_text(NOTE)
        carers = page.locator("#visits tr.visit .carer")
        await expect(carers).to_have_text(["Will Carer", "Not yet arranged"])
        found += await problems(page, "/my-care")
        await page.screenshot(path=screenshot_path("my-care"), full_page=True)

        # She lets Fay, her daughter, see it.
        await page.select_option("#viewer", label="Fay Ward")
        await page.click("button:has-text('Let them see my care')")
        await expect(page.locator("#done")).to_contain_text("They can now see")
        await expect(page.locator("#access .viewer .name")).to_have_text("Fay Ward")
        found += await problems(page, "/my-care with Fay")
        await page.context.close()

        fay = await phone_page(browser, url, una["fay_token"])
        await fay.click("#summary-people a")
        await fay.click("text=Una Ward")
        await expect(fay.locator("#invited-by")).to_contain_text(
            "You see this because Una Ward invited you on"
        )
        await expect(fay.locator("#visits tr.visit .carer").first).to_have_text(
            "Will Carer"
        )
        found += await problems(fay, "/my-care/{una} for Fay")
        await fay.screenshot(path=screenshot_path("my-care-family"), full_page=True)
        await fay.context.close()
    assert found == []
