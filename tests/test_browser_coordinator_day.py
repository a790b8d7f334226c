"""A coordinator's day on a phone (390x844), from the pages alone: open time-bank
accounts, record a transfer, open the pool and pay from it, hire a worker and
record a leaver, cancel a visit. Each page (and a refused form) has no WCAG 2.1 AA
violation at phone and desktop size, nothing past the right edge and no small
tap target."""

from uuid import UUID

import pytest
from playwright.async_api import expect

from tests.accessibility import phone_page, problems
from tests.browser import chromium, screenshot_path
from tests.node_api import admitted_member, schedule, staff_token
from tests.web import LiveNode

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_a_coordinators_day_on_a_phone(http_node: LiveNode) -> None:
    app = http_node.node.coop_node
    una, _ = await admitted_member(http_node, "service_user", "Una Ward")
    await admitted_member(http_node, "volunteer", "Rosa Bianchi")
    await admitted_member(http_node, "volunteer", "Omar Haddad")
    await admitted_member(http_node, "worker", "Wes Tan")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    visit = await schedule(http_node, una, list(app.coop().profile.service_types[:1]))
    found: list[str] = []
    async with chromium() as browser:
        page = await phone_page(browser, http_node.url, coordinator)
        menu = page.get_by_role("navigation", name="Menu")

        # The time bank: two accounts, a transfer between them.
        await menu.get_by_role("link", name="Time bank accounts").click()
        await expect(page.locator("h1")).to_have_text("Time bank")
        found += await problems(page, "time bank, nothing open")
        for name in ("Rosa Bianchi", "Omar Haddad"):
            await page.get_by_label("Member", exact=True).select_option(label=name)
            await page.get_by_role("button", name="Open account").click()
            await expect(page.locator("#done")).to_have_text("Account opened.")
        giver, taker = (
            page.locator("#transfer-from_member"),
            page.locator("#transfer-to_member"),
        )
        await giver.select_option(label="Rosa Bianchi (balance 0 min)")
        await taker.select_option(label="Omar Haddad (balance 0 min)")
        await page.locator("#transfer-hours").fill("one and a half")
        await page.locator("#transfer-purpose").select_option(label="gift")
        await page.get_by_role("button", name="Record transfer").click()
        hours = page.locator("#transfer-hours")
        await expect(hours).to_have_attribute("aria-invalid", "true")
        await expect(hours).to_have_value("one and a half")
        await expect(page.locator("#transfer-hours-error")).to_contain_text("1:30")
        found += await problems(page, "a refused transfer")
        await hours.fill("1:30")
        await page.get_by_role("button", name="Record transfer").click()
        await expect(page.locator("#done")).to_have_text("Transfer recorded.")
        omar = page.locator("#balances tr", has_text="Omar Haddad")
        await expect(omar.locator(".balance")).to_have_text("1 h 30 min")

        # The pool: opened, then paying Rosa for volunteering.
        await page.get_by_role("button", name="Open the pool").click()
        await expect(page.locator("#pool-balance")).to_have_text("0 min")
        await page.locator("#pool-member").select_option(
            label="Rosa Bianchi (balance -1 h 30 min)"
        )
        await page.get_by_label("From the pool to the member").check()
        await page.locator("#pool-hours").fill("2.5")
        await page.get_by_role("button", name="Move hours").click()
        await expect(page.locator("#done")).to_have_text("Pool transfer recorded.")
        await expect(page.locator("#pool-balance")).to_have_text("-2 h 30 min")
        found += await problems(page, "time bank")
        await page.screenshot(
            path=screenshot_path("coordinator-timebank"), full_page=True
        )
        await page.get_by_role("link", name="Rosa Bianchi's statement").click()
        lines = page.locator("#statement-lines tr")
        await expect(lines.nth(1)).to_contain_text("Omar Haddad")
        await expect(lines.nth(2)).to_contain_text("the co-op's pool")
        await expect(page.locator("#balance")).to_have_text("1 h")
        found += await problems(page, "a member's statement")
        await page.screenshot(path=screenshot_path("coordinator-statement"))
        await page.get_by_role("link", name="Back to the time bank").click()
        await page.get_by_role("link", name="The pool's statement").click()
        await expect(page.locator("#statement-lines")).to_contain_text("Rosa Bianchi")
        found += await problems(page, "the pool's statement")

        # Workers: Wes hired, then leaving.
        await menu.get_by_role("link", name="Workers", exact=True).click()
        hire = page.get_by_role("form", name="Hire a member")
        member = hire.get_by_label("Member", exact=True)
        await member.select_option(label="Wes Tan (worker)")
        await page.get_by_label("From a disadvantaged group").check()
        await page.get_by_role("button", name="Hire").click()
        await expect(page.locator("#done")).to_have_text("Worker hired.")
        [worker] = app.workers()
        card = page.locator(f"#worker-{worker.id}")
        await card.get_by_text("Record leaving").click()
        await card.get_by_label("Why they left").fill("moved to Leeds")
        found += await problems(page, "workers")
        await card.get_by_role("button", name="Record Wes Tan leaving").click()
        await expect(page.locator("#done")).to_have_text("Leaver recorded.")
        await expect(page.locator("#leavers")).to_contain_text("moved to Leeds")
        found += await problems(page, "workers, one left")
        await page.screenshot(
            path=screenshot_path("coordinator-workers"), full_page=True
        )
        assert not app.worker(worker.id).is_employed

        # Visits: Una's cancelled, and she is told.
        await menu.get_by_role("link", name="Visits", exact=True).click()
        card = page.locator(f"#visit-{visit}")
        await card.get_by_text("Cancel", exact=True).click()
        await card.locator(f"#cancel-reason-{visit}").select_option("in_hospital")
        await card.locator(f"#cancel-notes-{visit}").fill("Una is in hospital")
        found += await problems(page, "visits")
        await page.screenshot(
            path=screenshot_path("coordinator-visits"), full_page=True
        )
        await card.get_by_role("button", name="Cancel visit").click()
        await expect(page.locator("#done")).to_be_visible()
        recent = page.locator(f"#recent-visits tr[data-id='{visit}']")
        await expect(recent.locator(".status")).to_have_text("cancelled")
        found += await problems(page, "visits, one cancelled")
        assert app.visit(UUID(str(visit))).status == "cancelled"
    assert found == [], "\n".join(found)
