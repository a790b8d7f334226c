"""A member on a phone (390x844): appoints a proxy by name and revokes it, votes
in a secret ballot, checks the receipt and replaces the vote, all from the pages;
axe-core finds no WCAG 2.1 AA violation on any of them."""

import pytest
from playwright.async_api import Page, expect

from tests.accessibility import phone_page, problems
from tests.browser import chromium, screenshot_path
from tests.node_api import admitted_member, call
from tests.web import LiveNode

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def checked(page: Page, name: str) -> None:
    assert await problems(page, name) == []
    await page.screenshot(path=screenshot_path(name), full_page=True)


async def test_proxy_secret_vote_receipt_and_replacement_on_a_phone(
    http_node: LiveNode,
) -> None:
    url = http_node.url
    _, rosa_token = await admitted_member(http_node, "worker", "Rosa Bianchi")
    await admitted_member(http_node, "worker", "Omar Haddad")
    status, _ = await call(
        http_node,
        "POST",
        "/api/ballots",
        token=http_node.admin_token,
        json={"title": "Open a second day centre", "secret": True},
    )
    assert status == 201
    async with chromium() as browser:
        page = await phone_page(browser, url, rosa_token)
        await page.goto(url + "/")
        await page.get_by_role(
            "link", name="Proxy, receipt and details: Open a second day centre"
        ).click()
        await expect(page.locator("h1")).to_have_text("Open a second day centre")
        await checked(page, "ballot-page")

        # Appoint a proxy, chosen by name, then take it back.
        await page.get_by_label("Member to vote for me").select_option(
            label="Omar Haddad"
        )
        await page.get_by_role("button", name="Appoint my proxy").click()
        await expect(page.locator("#done")).to_have_text("Your proxy is appointed.")
        await expect(page.locator(".proxy-holder")).to_contain_text("Omar Haddad")
        await checked(page, "ballot-proxy-appointed")
        await page.get_by_role("button", name="Revoke my proxy").click()
        await expect(page.locator("#done")).to_have_text("Your proxy is revoked.")
        await expect(page.locator("#appoint-proxy")).to_be_visible()

        # Vote in secret: the receipt is shown once.
        await page.locator("#my-vote").get_by_label("for", exact=True).check()
        await page.get_by_role("button", name="Vote", exact=True).click()
        receipt = (await page.locator("#receipt-secret").inner_text()).strip()
        assert len(receipt) > 20
        await checked(page, "ballot-receipt")

        # Check it on the ballot's page.
        await page.get_by_role("link", name="Back to the ballot").click()
        await page.get_by_label("Receipt", exact=True).fill(receipt)
        await page.get_by_role("button", name="Check my vote").click()
        await expect(page.locator("#receipt-result")).to_contain_text("for")
        await checked(page, "ballot-receipt-checked")

        # A wrong receipt is named next to its field.
        await page.get_by_label("My receipt").fill("not my receipt")
        await page.locator("#replace-vote").get_by_label("against").check()
        await page.get_by_role("button", name="Replace my vote").click()
        await expect(page.locator("#receipt-error")).to_be_visible()
        await expect(page.get_by_label("My receipt")).to_have_attribute(
            "aria-invalid", "true"
        )
        await checked(page, "ballot-replace-refused")

        # Replace it with the real receipt: a new receipt, the old one void.
        await page.get_by_label("My receipt").fill(receipt)
        await page.locator("#replace-vote").get_by_label("against").check()
        await page.get_by_role("button", name="Replace my vote").click()
        await expect(page.locator("h1")).to_have_text("Your vote is replaced")
        new = (await page.locator("#receipt-secret").inner_text()).strip()
        assert new != receipt
        await page.get_by_role("link", name="Back to the ballot").click()
        await page.get_by_label("Receipt", exact=True).fill(receipt)
        await page.get_by_role("button", name="Check my vote").click()
        await expect(page.locator("#receipt-result")).to_contain_text("replaced")
        await page.get_by_label("Receipt", exact=True).fill(new)
        await page.get_by_role("button", name="Check my vote").click()
        await expect(page.locator("#receipt-result")).to_contain_text("against")
        await checked(page, "ballot-replaced")
