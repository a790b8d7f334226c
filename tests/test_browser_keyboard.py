"""Keyboard only: a member signs in, votes and claims an expense with Tab, typing,
Space and Enter, never the mouse, and every control she needs takes the focus
in turn (a visible focus ring included)."""

import pytest
from playwright.async_api import Page, expect

from tests.browser import chromium, screenshot_path
from tests.node_api import admitted_member, call
from tests.web import LiveNode

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}
MOST_TABS = 80


async def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus; fails if
    the keyboard cannot reach it."""
    target = page.locator(selector).first
    for _ in range(MOST_TABS):
        await page.keyboard.press("Tab")
        if await target.evaluate("el => el === document.activeElement"):
            outline = await target.evaluate(
                "el => getComputedStyle(el).outlineStyle + getComputedStyle(el)"
                ".boxShadow"
            )
            assert outline != "nonenone", f"{selector} shows no focus"
            return
    raise AssertionError(f"Tab never reached {selector}")


async def test_sign_in_vote_and_claim_with_the_keyboard_alone(
    http_node: LiveNode,
) -> None:
    _, token = await admitted_member(http_node, "volunteer", "Rosa Bianchi")
    await admitted_member(http_node, "worker", "Wes Tan")
    status, _ = await call(
        http_node,
        "POST",
        "/api/ballots",
        token=http_node.admin_token,
        json={"title": "Open a second day centre"},
    )
    assert status == 201
    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE)
        await page.goto(http_node.url + "/login")
        await tab_to(page, "#code")
        await page.keyboard.type(token)
        await page.keyboard.press("Enter")
        await expect(page.locator("h1")).to_contain_text("Rosa Bianchi")

        ballot = "#ballots .ballot form.vote"
        await tab_to(page, f"{ballot} input[value=for]")
        # Arrow keys move among a radio group's choices; Space picks one.
        await page.keyboard.press("Space")
        await tab_to(page, f"{ballot} button[type=submit]")
        await page.keyboard.press("Enter")
        await expect(page.locator(".my-vote").first).to_contain_text("for")

        await tab_to(page, "nav a[href='/claims']")
        await page.keyboard.press("Enter")
        await expect(page.locator("h1")).to_be_visible()
        await tab_to(page, "#category")
        await page.keyboard.press("ArrowDown")
        await tab_to(page, "#amount")
        await page.keyboard.type("12.50")
        await tab_to(page, "form[action='/claims'] button[type=submit]")
        await page.keyboard.press("Enter")
        await expect(page.locator("[role=status]").first).to_be_visible()
        await page.screenshot(path=screenshot_path("keyboard-claimed"), full_page=True)
    app = http_node.node.coop_node
    (claim,) = app.expense_claims()
    assert claim.amount == 1250
