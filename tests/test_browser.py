"""A real headless Chromium (Debian's package) through the pages: a member votes
and the admin sees turnout; a coordinator logs a visit and approves an expense;
the consortium dashboard shows its charts and growth tree (signing in and
admission: tests/test_browser_sign_in.py). Screenshots are saved in
artifacts/screenshots/."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import pytest
from playwright.async_api import expect

from commonweal.sample_activity import generate_care, generate_membership
from federation.broker import NatsServer
from federation.http import make_consortium_app
from federation.service import ConsortiumService
from node.service import NodeService
from tests.accessibility import PHONE
from tests.browser import chromium, screenshot_path, sign_in
from tests.node_api import admitted_member, call, staff_token
from tests.waiting import wait_until_caught_up
from tests.web import LiveNode, serving

pytestmark = pytest.mark.browser


@pytest.mark.slow
async def test_a_member_votes_and_the_admin_sees_turnout_then_closes(
    http_node: LiveNode,
) -> None:
    _, rosa_token = await admitted_member(http_node, "worker", "Rosa Bianchi")
    await admitted_member(http_node, "volunteer", "Omar Haddad")
    async with chromium() as browser:
        admin = await browser.new_page(viewport=PHONE)
        await sign_in(admin, http_node.url, http_node.admin_token)
        await admin.click("header a[href='/staff/ballots']")
        await admin.fill("#title", "Open a second day centre")
        await admin.click("#open-ballot button[type=submit]")
        card = admin.locator("section.ballot", has_text="Open a second day centre")
        await expect(card.locator(".voted")).to_have_text("0")

        member = await browser.new_page(viewport=PHONE)
        await sign_in(member, http_node.url, rosa_token)
        ballot = member.locator("#ballots .ballot", has_text="second day centre")
        await ballot.locator("input[value=for]").check()
        await ballot.locator("button[type=submit]").click()
        await expect(member.locator(".my-vote")).to_contain_text("for")
        await expect(ballot.locator(".turnout")).to_have_text("1 of 2 have voted")
        await member.screenshot(path=screenshot_path("member-voted"), full_page=True)

        # The staff page updates its turnout by itself.
        await expect(card.locator(".voted")).to_have_text("1", timeout=10_000)
        await expect(card.locator("td[data-class=worker]")).to_have_text("1")
        await admin.screenshot(path=screenshot_path("ballot-turnout"), full_page=True)
        close = "button[aria-label='Close and count Open a second day centre']"
        await admin.click(close)
        await expect(card.locator(".status")).to_have_text("closed")
        await expect(card.locator(".outcome")).to_contain_text("1 of 2 voted")
        await expect(card.locator("form.close")).to_have_count(0)
        await admin.screenshot(path=screenshot_path("ballot-result"), full_page=True)

        await member.reload()
        await expect(member.locator("#my-votes")).to_contain_text("for")
        await expect(member.locator("#ballots form.vote")).to_have_count(0)


async def test_a_coordinator_logs_a_visit_and_approves_an_expense(
    http_node: LiveNode,
) -> None:
    user, _ = await admitted_member(http_node, "service_user", "Una Ward")
    worker, _ = await admitted_member(http_node, "worker", "Wes Tan")
    _, ada_token = await admitted_member(http_node, "volunteer", "Ada Lim")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    service = http_node.node.coop_node.coop().profile.service_types[0]
    status, visit = await call(
        http_node,
        "POST",
        "/api/visits",
        token=coordinator,
        json={
            "service_user": user,
            "scheduled_for": "2026-03-02T09:00:00Z",
            "service_types": [service],
        },
    )
    assert status == 201
    status, bus = await call(
        http_node,
        "POST",
        "/api/expenses",
        token=ada_token,
        json={"category": "travel", "amount": 480},
    )
    assert status == 201
    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE)
        await sign_in(page, http_node.url, coordinator)
        await page.click("header a[href='/staff/visits']")
        card = page.locator(f"#visit-{visit['id']}")
        await expect(card).to_contain_text("Una Ward")
        await card.locator("summary", has_text="Delivered").click()
        who = card.locator("form.deliver select[name=worker]")
        await who.select_option(label="Wes Tan (Worker)")
        await card.locator("input[name=minutes]").fill("50")
        await page.screenshot(path=screenshot_path("visit-form"), full_page=True)
        await card.locator("form.deliver button[type=submit]").click()
        await expect(page.locator("#done")).to_contain_text("Visit recorded")
        row = page.locator(f"#recent-visits tr[data-id='{visit['id']}']")
        await expect(row.locator(".status")).to_have_text("delivered")
        await expect(row).to_contain_text("Wes Tan")
        await page.screenshot(path=screenshot_path("visit-logged"), full_page=True)

        await page.click("header a[href='/staff/expenses']")
        await page.click("button[aria-label='Approve claim by Ada Lim for £4.80']")
        await expect(page.locator("#done")).to_contain_text("Claim updated")
        await expect(page.locator("#approved-claims")).to_contain_text("Ada Lim")
        await page.screenshot(path=screenshot_path("expense-approved"), full_page=True)
    app = http_node.node.coop_node
    done = app.visit(UUID(visit["id"]))
    assert (done.status, done.minutes, done.worker) == ("delivered", 50, UUID(worker))
    assert app.expense_claim(UUID(bus["id"])).status == "approved"


async def test_consortium_dashboard_has_charts_growth_tree_and_csv(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    consortium = make_consortium([nats_server.url])
    share = ["membership", "care"]
    nodes = [
        make_node(c, [nats_server.url], share=share) for c in ("alpha", "beta", "gamma")
    ]
    for seed, node in enumerate(nodes):
        generate_membership(
            node.coop_node, members=25, seed=seed, start=dt.date(2024, 1, 1)
        )
        generate_care(node.coop_node, seed=seed, start=dt.date(2024, 7, 1), days=180)
        node.replicator.wake()
    await wait_until_caught_up(nodes, consortium)
    async with serving(make_consortium_app(consortium)) as url, chromium() as browser:
        page = await browser.new_page(viewport={"width": 1000, "height": 900})
        await page.goto(url + "/")
        members = consortium.report().membership.members
        await expect(page.locator("#total-members")).to_have_text(str(members))
        over_time = page.locator("#members-by-class-over-time svg polyline.series")
        assert await over_time.count() >= 3
        assert await page.locator("#members-by-class svg rect.bar").count() >= 3
        care = page.locator("#care-hours-by-month svg polyline.series")
        assert await care.count() >= 2
        tree = page.locator("#growth-tree svg circle.coop")
        await expect(tree).to_have_count(3)
        async with page.expect_download() as download_info:
            await page.click("#members-by-class figcaption a")
        download = await download_info.value
        text = Path(await download.path()).read_text()
        assert text.startswith("member_class,members")
        await page.screenshot(path=screenshot_path("dashboard"), full_page=True)
