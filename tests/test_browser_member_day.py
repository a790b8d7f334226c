"""A member's day on a phone (390 x 844), from the pages alone: she claims an
expense and, once the coordinator approves it, sees it approved; gives hours
to another member chosen by name; corrects her phone number; sees her visits;
revokes a token she lost. Each of her pages passes axe-core (WCAG 2.1 AA) at
phone and desktop size, with nothing off screen and no small tap target."""

import datetime as dt

import pytest
from playwright.async_api import expect

from tests.accessibility import phone_page, problems
from tests.browser import chromium, screenshot_path
from tests.node_api import (
    admitted_member,
    call,
    issue_token,
    open_account,
    schedule,
    staff_token,
)
from tests.web import LiveNode

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PAGES = ("/", "/claims", "/timebank", "/visits", "/details", "/devices")


async def test_a_member_does_her_day_from_her_phone(http_node: LiveNode) -> None:
    url = http_node.url
    una, una_token = await admitted_member(http_node, "service_user", "Una Ward")
    omar, _ = await admitted_member(http_node, "volunteer", "Omar Haddad")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    for member in (una, omar):
        await open_account(http_node, member)
    tomorrow = dt.datetime.now(dt.UTC).replace(hour=9, minute=30) + dt.timedelta(1)
    types = ["personal_care", "befriending"]
    await schedule(http_node, una, types, at=tomorrow.isoformat(), token=coordinator)
    # A token on a phone she has since lost.
    lost = await issue_token(http_node, una)
    found: list[str] = []
    async with chromium() as browser:
        page = await phone_page(browser, url, una_token)
        await expect(page.locator("h1")).to_have_text("Hello, Una Ward")

        # Claims an expense: a mistake first, shown beside the amount.
        await page.click("nav a[href='/claims']")
        await page.select_option("#category", label="travel")
        await page.fill("#amount", "twelve")
        await page.fill("#description", "Bus to the day centre")
        await page.click("button:has-text('Send my claim')")
        await expect(page.locator("#amount")).to_have_attribute("aria-invalid", "true")
        await expect(page.locator("#description")).to_have_value(
            "Bus to the day centre"
        )
        found += await problems(page, "/claims with a mistake")
        await page.fill("#amount", "12.50")
        await page.click("button:has-text('Send my claim')")
        await expect(page.locator("#done")).to_contain_text("Your claim is sent")
        await expect(page.locator("#claims tr.claim")).to_contain_text("£12.50")

        # The coordinator approves it; she sees it approved.
        status, claims = await call(
            http_node, "GET", "/api/expenses", token=coordinator
        )
        (claim,) = claims["items"]
        status, _ = await call(
            http_node, "POST", f"/api/expenses/{claim['id']}/approve", token=coordinator
        )
        assert status == 200
        await page.reload()
        await expect(page.locator("#claims .status")).to_contain_text("approved")
        await page.screenshot(path=screenshot_path("member-claims"), full_page=True)

        # Gives hours, to a member chosen by name.
        await page.click("nav a[href='/timebank']")
        await page.select_option("#to_member", label="Omar Haddad")
        await page.fill("#hours", "1")
        await page.fill("#minutes", "30")
        await page.select_option("#purpose", label="respite")
        await page.fill("#note", "Saturday sitting")
        await page.click("button:has-text('Give hours')")
        await expect(page.locator("#done")).to_have_text("The hours are given.")
        await expect(page.locator("#balance")).to_have_text("-1 h 30 min")
        await expect(page.locator("#statement .other")).to_have_text("Omar Haddad")
        await page.screenshot(path=screenshot_path("member-timebank"), full_page=True)

        # Corrects her phone number.
        await page.click("nav a[href='/details']")
        await page.fill("#phone", "07700 900123")
        await page.click("button:has-text('Save my details')")
        await expect(page.locator("#done")).to_have_text("Your details are saved.")
        await expect(page.locator("#phone")).to_have_value("07700 900123")
        await page.screenshot(path=screenshot_path("member-details"), full_page=True)

        # Sees her visit tomorrow.
        await page.click("nav a[href='/visits']")
        row = page.locator("#visits tr.visit")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text("Personal care, Befriending")
        await expect(row).to_contain_text("scheduled")
        await page.screenshot(path=screenshot_path("member-visits"), full_page=True)

        # Revokes the lost token (not the one this phone signed in with).
        await page.click("nav a[href='/devices']")
        lost_row = page.locator("#token-list tr.token").filter(
            has_not_text="this device signed in with it"
        )
        await lost_row.get_by_role("button", name="Revoke").click()
        await expect(page.locator("#done")).to_contain_text("The token is revoked")
        await expect(page.locator("#token-list")).to_contain_text("Revoked on")
        await page.screenshot(path=screenshot_path("member-devices"), full_page=True)

        # Every one of her pages, now that each has something in it.
        for path in PAGES:
            response = await page.goto(url + path)
            assert response is not None and response.status == 200, path
            found += await problems(page, path)
        await page.goto(url + "/")
        await page.screenshot(path=screenshot_path("member-home"), full_page=True)
        await page.context.close()
    assert found == []
    status, _ = await call(http_node, "GET", "/api/me", token=lost["token"])
    assert status == 401
    status, _ = await call(http_node, "GET", "/api/me", token=una_token)
    assert status == 200
