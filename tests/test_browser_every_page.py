"""Every page a role can reach from its home, after a day of records, checked at
phone and desktop size: axe-core finds no WCAG 2.1 AA violation, nothing ends
past the right edge at 390 px, every control is 44 px high, and no member class,
service type or profile id is shown where its label belongs.

Pages of one shape (each member's record, each care plan) are checked once per
role: the first found."""

import pytest
from playwright.async_api import Page

from tests.a_day import a_day_of_records, crawl, everyone_appoints_a_proxy
from tests.accessibility import phone_page, problems
from tests.browser import chromium
from tests.page_text import UUID_TEXT
from tests.web import LiveNode, browser_session

# Every page of every role twice, with axe: minutes, and more under load.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(1200)]


def one_of_each_shape(paths: list[str]) -> list[str]:
    shapes: dict[str, str] = {}
    for path in paths:
        shapes.setdefault(UUID_TEXT.sub("{id}", path), path)
    return list(shapes.values())


async def problems_on(page: Page, url: str, ids: list[str]) -> list[str]:
    response = await page.goto(url)
    assert response is not None and response.status == 200, url
    found = await problems(page, url)
    text = await page.locator("main").inner_text()
    return found + [f"{url}: shows the id {i!r}" for i in ids if i in text]


async def test_every_page_of_every_role_at_phone_and_desktop_size(
    http_node: LiveNode,
) -> None:
    tokens, holders = await a_day_of_records(http_node)
    await everyone_appoints_a_proxy(http_node, tokens, holders)
    profile = http_node.node.coop_node.coop().profile
    # Ids that read as words are looked for as whole words with underscores.
    ids = [i for i in (*profile.class_names, *profile.service_types) if "_" in i]
    found: list[str] = []
    checked = 0
    async with chromium() as browser:
        for role, token in tokens.items():
            async with browser_session(http_node, token) as session:
                pages = one_of_each_shape((await crawl(session)).pages)
            page = await phone_page(browser, http_node.url, token)
            for path in pages:
                found += [
                    f"{role}: {p}"
                    for p in await problems_on(page, http_node.url + path, ids)
                ]
                checked += 1
            await page.context.close()
    assert checked >= 40, f"only {checked} pages were reached"
    assert found == [], "\n".join(found)
