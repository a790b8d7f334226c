"""A coordinator on a phone (390x844) keeps care records through the pages alone:
opens a care plan, reviews it and reads the review note back, raises an incident
and closes it with its outcome. Every page on the way, and a form answered with
errors, has no WCAG 2.1 AA violation (axe-core) at phone and desktop size, nothing
past the right edge and no small tap target on the phone."""

import pytest
from playwright.async_api import expect

from tests.accessibility import phone_page, problems
from tests.browser import chromium
from tests.node_api import admitted_member, schedule, staff_token
from tests.web import LiveNode

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_a_coordinator_keeps_care_records_on_a_phone(
    http_node: LiveNode,
) -> None:
    user, _ = await admitted_member(http_node, "service_user", "Una Ward")
    service = http_node.node.coop_node.coop().profile.service_types[0]
    await schedule(http_node, user, [service])
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    found: list[str] = []
    async with chromium() as browser:
        page = await phone_page(browser, http_node.url, coordinator)

        await page.click("nav >> text=Care plans")
        await expect(page.locator("h1")).to_have_text("Care plans")
        found += await problems(page, "plans-empty", screenshot="care-plans-empty")

        # A bad score (past the browser's own checks) is answered next to it,
        # with what was typed kept.
        await page.select_option("#service_user", label="Una Ward (service user)")
        await page.fill("#goal-1", "Make my own breakfast")
        await page.fill("#performance-1", "11")
        await page.fill("#satisfaction-1", "2")
        await page.eval_on_selector("#open-plan", "form => form.noValidate = true")
        await page.click("text=Open care plan >> nth=-1")
        await expect(page.locator("#performance-1-problem")).to_have_text(
            "Write a whole number from 1 to 10."
        )
        await expect(page.locator("#goal-1")).to_have_value("Make my own breakfast")
        await expect(page.locator("#performance-1")).to_have_attribute(
            "aria-invalid", "true"
        )
        found += await problems(page, "plans-error", screenshot="care-plans-error")

        await page.fill("#performance-1", "3")
        await page.fill("#goal-2", "Walk to the shop")
        await page.fill("#performance-2", "5")
        await page.fill("#satisfaction-2", "4")
        await page.click("button:has-text('Open care plan')")
        await expect(page.locator("#done")).to_have_text("Care plan opened.")
        await expect(page.locator("h1")).to_have_text("Care plan for Una Ward")
        found += await problems(page, "plan-opened", screenshot="care-plan-opened")

        note = "Made toast alone twice this week."
        await page.fill("#performance-1", "6")
        await page.fill("#satisfaction-1", "7")
        await page.fill("#notes", note)
        await page.click("button:has-text('Record review')")
        await expect(page.locator("#done")).to_have_text("Review recorded.")
        review = page.locator("article.round").nth(1)
        await expect(review.locator("h3")).to_contain_text("Review")
        await expect(review.locator(".notes")).to_have_text(note)
        await expect(review.locator("td").nth(1)).to_have_text("6")
        found += await problems(page, "plan-reviewed", screenshot="care-plan-reviewed")

        await page.click("text=All care plans")
        await expect(page.locator("#plans")).to_contain_text("Una Ward")
        await expect(page.locator("#plans")).to_contain_text(
            "Performance 5.5, satisfaction 5.5 (at the start 4.0, 3.0)"
        )
        found += await problems(page, "plans", screenshot="care-plans")

        await page.click("nav >> text=Safeguarding and incidents")
        await expect(page.locator("h1")).to_have_text(
            "Safeguarding concerns and incidents"
        )
        found += await problems(
            page, "incidents-empty", screenshot="care-incidents-empty"
        )
        await page.click("text=Raise a concern or record an incident")
        what = "Una had a fall in the kitchen; no injury seen."
        await page.check("input[value=incident]")
        await page.fill("#description", what)
        await page.select_option("#visit", label="Una Ward, Mon 02 Mar 2026 09:00")
        await page.click("button:has-text('Send it to the safeguarding lead')")
        await expect(page.locator("#done")).to_have_text("Recorded.")
        await expect(page.locator(".description")).to_have_text(what)
        await expect(page.locator(".visit")).to_contain_text("Una Ward")
        found += await problems(
            page, "incident-raised", screenshot="care-incident-raised"
        )

        await page.click("button:has-text('I am handling it')")
        await expect(page.locator("#done")).to_have_text(
            "Acknowledged: you are handling it."
        )
        outcome = "Grab rail fitted; daughter told."
        await page.fill("#outcome", outcome)
        await page.click("button:has-text('Close with this outcome')")
        await expect(page.locator("#done")).to_have_text("Closed, with its outcome.")
        await expect(page.locator(".outcome")).to_have_text(outcome)
        await expect(page.locator("#close")).to_have_count(0)
        found += await problems(
            page, "incident-closed", screenshot="care-incident-closed"
        )

        await page.click("text=All concerns and incidents")
        await expect(page.locator("#incidents .status")).to_contain_text("Closed")
        await expect(page.locator("#incidents")).not_to_contain_text(what)
        found += await problems(page, "incidents", screenshot="care-incidents")
        await page.context.close()
    assert found == [], "\n".join(found)
