"""A carer's visit on a phone (390 x 844), from the pages alone: Ann opens her
rounds, reads the access notes and the note the carer before her wrote, starts
the visit, ends it with her own note; the next carer, Ben, reads Ann's note on
his visit to the same person; the coordinator's "today" page shows a visit
not started 15 minutes after its time. Each page passes axe-core (WCAG 2.1 AA)
at phone and desktop size, with nothing off screen and no small tap target."""

import datetime as dt
from uuid import UUID

import pytest
from playwright.async_api import expect

from tests.accessibility import phone_page, problems
from tests.browser import chromium, screenshot_path
from tests.node_api import admitted_member, staff_token
from tests.web import LiveNode

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_a_carer_does_a_visit_from_her_phone(http_node: LiveNode) -> None:
    url = http_node.url
    app = http_node.node.coop_node
    una, _ = await admitted_member(http_node, "service_user", "Una Ward")
    ann, ann_token = await admitted_member(http_node, "worker", "Ann Carer")
    ben, ben_token = await admitted_member(http_node, "worker", "Ben Carer")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    app.correct_contact_details(
        UUID(una), email="una@example.org", phone="07700 900456", address=""
    )
    for carer in (ann, ben):
        app.hire_worker(UUID(carer))
    now = dt.datetime.now(dt.UTC)
    # Yesterday's visit, by Ben, with his note; Ann's today; Ben's tomorrow.
    before = app.schedule_visit(
        UUID(una), now - dt.timedelta(days=1), ["personal_care"], worker=UUID(ben)
    )
    app.start_visit(before, UUID(ben), now - dt.timedelta(days=1))
    app.end_visit(
        before, UUID(ben), now - dt.timedelta(days=1, minutes=-40), "Knee sore."
    )
    today = app.schedule_visit(
        UUID(una),
        now + dt.timedelta(minutes=5),
        ["personal_care", "meals_shopping"],
        "3 Elm Row, blue door",
        "Key safe by the door: 4711",
        worker=UUID(ann),
    )
    tomorrow = app.schedule_visit(
        UUID(una), now + dt.timedelta(days=1), ["befriending"], worker=UUID(ben)
    )
    found: list[str] = []
    async with chromium() as browser:
        page = await phone_page(browser, url, ann_token)
        await page.click("nav a[href='/my-visits']")
        await expect(page.locator("#next-visit")).to_contain_text("Una Ward")
        found += await problems(page, "/my-visits")
        await page.screenshot(path=screenshot_path("carer-rounds"), full_page=True)

        await page.click("#next-visit a.big")
        await expect(page.locator("#access-notes")).to_contain_text("4711")
        await expect(page.locator("#phone")).to_contain_text("07700 900456")
        await expect(page.locator("#earlier-notes")).to_contain_text("Knee sore.")
        found += await problems(page, "/my-visits/{id} before the start")
        await page.click("button:has-text('Start the visit')")
        await expect(page.locator("#done")).to_contain_text("The visit is started")
        await page.fill("#end-notes", "Made lunch; knee better.")
        found += await problems(page, "/my-visits/{id} started")
        await page.screenshot(path=screenshot_path("carer-visit"), full_page=True)
        await page.click("button:has-text('End the visit')")
        await expect(page.locator("#done")).to_contain_text("delivered")
        await expect(page.locator("#own-note")).to_have_text("Made lunch; knee better.")
        assert app.visit(today).worker == UUID(ann)
        await page.context.close()

        # Ben, on tomorrow's visit, reads what Ann wrote.
        page = await phone_page(browser, url, ben_token)
        await page.goto(f"{url}/my-visits/{tomorrow}")
        notes = page.locator("#earlier-notes .earlier-note")
        await expect(notes.first).to_contain_text("Made lunch; knee better.")
        await expect(notes.first).to_contain_text("Ann Carer")
        await page.screenshot(path=screenshot_path("carer-next-visit"), full_page=True)
        await page.context.close()

        # The coordinator sees a visit not started 20 minutes after its time.
        if dt.time(0, 30) < now.time() < dt.time(23, 30):
            app.schedule_visit(
                UUID(una),
                now - dt.timedelta(minutes=20),
                ["cleaning"],
                worker=UUID(ben),
            )
            page = await phone_page(browser, url, coordinator)
            await page.click("nav a[href='/staff/today']")
            await expect(page.locator("#late")).to_contain_text("Ben Carer")
            found += await problems(page, "/staff/today")
            await page.screenshot(path=screenshot_path("staff-today"), full_page=True)
            await page.context.close()
    assert found == []
