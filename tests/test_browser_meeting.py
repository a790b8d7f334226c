"""A general meeting on a phone (390x844), through the pages: the board calls it
with a ballot on its agenda, records who came, enters the room's votes and a
postal vote; the admin closes the ballot and the result counts the online, room
and postal votes; the board adopts the minutes and a member reads them. axe-core
finds no WCAG 2.1 AA violation on any page."""

import datetime as dt

import pytest
from playwright.async_api import Page, expect

from tests.accessibility import phone_page, problems
from tests.browser import chromium, screenshot_path
from tests.node_api import admitted_member, call, staff_token
from tests.web import LiveNode

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def checked(page: Page, name: str) -> None:
    assert await problems(page, name) == []
    await page.screenshot(path=screenshot_path(name), full_page=True)


async def test_a_general_meeting_from_call_to_minutes_on_a_phone(
    http_node: LiveNode,
) -> None:
    url = http_node.url
    rosa, rosa_token = await admitted_member(http_node, "worker", "Rosa Bianchi")
    await admitted_member(http_node, "worker", "Omar Haddad")
    await admitted_member(http_node, "worker", "Una Ward")
    _, board = await staff_token(http_node, "board", "Bea Ng")
    status, ballot = await call(
        http_node,
        "POST",
        "/api/ballots",
        token=http_node.admin_token,
        json={"title": "Adopt the budget"},
    )
    assert status == 201
    status, _ = await call(
        http_node,
        "POST",
        f"/api/ballots/{ballot['id']}/votes",
        token=rosa_token,
        json={"choice": "for"},
    )
    assert status == 201
    day = dt.date.today() + dt.timedelta(days=7)
    async with chromium() as browser:
        page = await phone_page(browser, url, board)
        await page.goto(url + "/")
        await page.get_by_role("link", name="Meetings").click()
        await expect(page.locator("h1")).to_have_text("General meetings")
        await checked(page, "meetings")
        await page.get_by_label("Name of the meeting").fill("Annual general meeting")
        await page.get_by_label("Day").fill(day.isoformat())
        await page.get_by_label("Starts at").fill("18:30")
        await page.get_by_label("Place").fill("Village hall")
        await page.get_by_label("Adopt the budget").check()
        await page.get_by_role("button", name="Call the meeting").click()
        await expect(page.locator("#done")).to_have_text("The meeting is called.")
        await checked(page, "meeting-called")

        # Una came; Rosa voted online and came too (not counted twice).
        await page.get_by_label("Una Ward is present").check()
        await page.get_by_label("Rosa Bianchi is present").check()
        await page.get_by_role("button", name="Record attendance").click()
        await expect(page.locator("#done")).to_have_text("Attendance recorded.")

        # Two against in the room: more than the one who came and had not voted.
        await page.get_by_label("Worker: against").fill("2")
        await page.get_by_role("button", name="Record the room's votes").click()
        problem = page.locator(".in-room .error")
        await expect(problem).to_contain_text("present who have not voted")
        await checked(page, "meeting-in-room-refused")
        await page.get_by_label("Worker: against").fill("1")
        await page.get_by_role("button", name="Record the room's votes").click()
        await expect(page.locator("#done")).to_contain_text("votes are recorded")

        # Omar's vote came by post.
        await page.get_by_label("Member", exact=True).select_option(label="Omar Haddad")
        await page.get_by_label("Their vote").select_option(label="against")
        await page.get_by_role("button", name="Enter the vote").click()
        await expect(page.locator("#done")).to_have_text(
            "The vote is recorded for the member."
        )
        trail = page.locator(".agenda-item table")
        await expect(trail).to_contain_text("Omar Haddad")
        await expect(trail).to_contain_text("by post")
        await expect(trail).to_contain_text("Bea Ng")
        await checked(page, "meeting-postal-vote")
        meeting_url = page.url.split("?")[0]

        # The admin closes the ballot: online, room and post counted together.
        admin = await phone_page(browser, url, http_node.admin_token)
        await admin.goto(url + "/staff/ballots")
        await admin.get_by_role(
            "button", name="Close and count Adopt the budget"
        ).click()
        result = admin.locator(f"#ballot-{ballot['id']} .result")
        await expect(result).to_contain_text("Not passed")
        await expect(result).to_contain_text("3 of 4 voted")
        counts = (
            await result.locator("tr", has_text="Worker")
            .locator("td")
            .all_inner_texts()
        )
        assert counts[1:] == ["1", "2", "0"], counts

        # Minutes adopted by the board, read by a member.
        await page.goto(meeting_url)
        await page.get_by_label("Written by (the secretary)").fill("Ann Lee")
        await page.get_by_label("Minutes", exact=True).fill(
            "The budget was put to the meeting and not adopted."
        )
        await page.get_by_role("button", name="Adopt", exact=True).click()
        await expect(page.locator("#done")).to_have_text("The minutes are adopted.")

        member = await phone_page(browser, url, rosa_token)
        await member.goto(url + "/")
        await member.get_by_role("link", name="Meetings").click()
        await member.get_by_role("link", name="Annual general meeting").click()
        await expect(member.locator("#minutes")).to_contain_text("not adopted")
        await expect(member.locator("#minutes")).to_contain_text("Ann Lee")
        await expect(member.locator("#attendance")).to_have_count(0)
        await checked(member, "meeting-minutes-member")
    assert rosa
