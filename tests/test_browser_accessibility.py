"""Every page, for each role that sees it, at phone and desktop size: axe-core
finds no WCAG 2.1 AA violation, and at 390 px nothing is hidden past the right
edge. Error pages (403, 404) are in the layout with a way back."""

import datetime as dt
from collections.abc import Callable
from uuid import UUID

import pytest
from playwright.async_api import Page, expect

from commonweal.sample_activity import generate_membership
from federation.broker import NatsServer
from federation.http import make_consortium_app
from federation.service import ConsortiumService
from node.service import NodeService
from tests.accessibility import phone_page, problems
from tests.browser import chromium
from tests.node_api import admitted_member, call, staff_token
from tests.waiting import wait_until_caught_up
from tests.web import LiveNode, serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def problems_at(page: Page, url: str, status: int = 200) -> list[str]:
    """What the checks find on the page at ``url``, which answers ``status``."""
    response = await page.goto(url)
    assert response is not None and response.status == status, url
    return await problems(page, url)


async def test_every_node_page_for_every_role(http_node: LiveNode) -> None:
    url = http_node.url
    user, _ = await admitted_member(http_node, "service_user", "Una Ward")
    await admitted_member(http_node, "worker", "Wes Tan")
    rosa, rosa_token = await admitted_member(http_node, "volunteer", "Rosa Bianchi")
    _, board = await staff_token(http_node, "board", "Bea Ng")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    admin = http_node.admin_token
    service = http_node.node.coop_node.coop().profile.service_types[0]
    for method, path, token, body in [
        ("POST", "/api/ballots", admin, {"title": "Open a second day centre"}),
        ("POST", "/api/expenses", rosa_token, {"category": "travel", "amount": 480}),
        (
            "POST",
            "/api/visits",
            coordinator,
            {
                "service_user": user,
                "scheduled_for": "2026-03-02T09:00:00Z",
                "service_types": [service],
            },
        ),
    ]:
        status, answer = await call(http_node, method, path, token=token, json=body)
        assert status == 201, answer
    link = http_node.node.coop_node.issue_sign_in_link(UUID(rosa))
    found: list[str] = []
    async with chromium() as browser:
        visitor = await phone_page(browser, url)
        for path in ("/login", "/signin/email", f"/signin/{link}"):
            found += await problems_at(visitor, url + path)
        member = await phone_page(browser, url, rosa_token)
        for path in ("/", "/devices"):
            found += await problems_at(member, url + path)
        # The skip link comes first; the menu marks the page shown.
        await member.keyboard.press("Tab")
        await expect(member.locator(":focus")).to_have_text("Skip to content")
        await member.keyboard.press("Enter")
        await expect(member.locator("main")).to_be_focused()
        current = member.locator("nav[aria-label=Menu] a[aria-current=page]")
        await expect(current).to_have_attribute("href", "/devices")
        found += await problems_at(member, url + "/staff", status=403)
        await expect(member.locator("#way-back")).to_have_attribute("href", "/")
        found += await problems_at(member, url + "/no/such/page", status=404)
        await expect(member.locator("h1")).to_have_text("Page not found")
        staff_pages = {
            board: ("/staff", "/staff/ballots", "/staff/print-queue"),
            coordinator: ("/staff", "/staff/visits", "/staff/expenses"),
            admin: ("/staff", "/staff/ballots", "/staff/visits", "/staff/expenses"),
        }
        for token, paths in staff_pages.items():
            page = await phone_page(browser, url, token)
            for path in paths:
                found += await problems_at(page, url + path)
        # The letter page answers the post that makes the letter.
        await page.goto(url + "/staff")
        await page.click("button[aria-label='New sign-in letter for Rosa Bianchi']")
        await expect(page.locator("#letter")).to_contain_text("Dear Rosa Bianchi")
        found += await problems(page, "letter")
    assert found == [], "\n".join(found)


async def test_the_consortium_dashboard_and_its_404(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    consortium = make_consortium([nats_server.url])
    node = make_node("alpha", [nats_server.url], share=["membership", "care"])
    generate_membership(node.coop_node, members=25, seed=1, start=dt.date(2024, 1, 1))
    node.replicator.wake()
    await wait_until_caught_up([node], consortium)
    async with serving(make_consortium_app(consortium)) as url, chromium() as browser:
        page = await phone_page(browser, url)
        found = await problems_at(page, url + "/")
        found += await problems_at(page, url + "/operations")
        found += await problems_at(page, url + "/federation")
        found += await problems_at(page, url + "/figures/nothing.csv", status=404)
        await expect(page.locator("#way-back")).to_be_visible()
    assert found == [], "\n".join(found)
