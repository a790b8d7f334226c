"""The record page of someone who has left, with its erasure form and after the
erasure: no WCAG 2.1 AA violation, nothing past the edge at 390 px, 44 px
controls, and "erased" where the name was (the crawl of every page checks one
member record only, usually an admitted member's)."""

import pytest

from tests.accessibility import phone_page, problems
from tests.browser import chromium
from tests.node_api import admitted_member, call, staff_token
from tests.web import LiveNode

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_the_erasure_form_and_the_erased_record_are_accessible(
    http_node: LiveNode,
) -> None:
    _, board = await staff_token(http_node, "board", "Bea Board")
    leaver, _ = await admitted_member(http_node, "service_user", "Lee Leaver")
    status, _ = await call(
        http_node, "POST", f"/api/members/{leaver}/withdraw", token=board, json={}
    )
    assert status == 200
    url = f"{http_node.url}/staff/members/{leaver}"
    async with chromium() as browser:
        page = await phone_page(browser, http_node.url, board)
        response = await page.goto(url)
        assert response is not None and response.status == 200
        assert await page.locator("form#erase").count() == 1
        found = await problems(page, url)
        await page.select_option("#reason", "consent_withdrawn")
        await page.check("#erase_confirm")
        await page.click("form#erase button[type=submit]")
        await page.wait_for_url(f"{url}?done=erased#done")
        found += await problems(page, page.url)
        heading = await page.locator("h1").inner_text()
        await page.context.close()
    assert found == [], "\n".join(found)
    assert heading == "erased"
