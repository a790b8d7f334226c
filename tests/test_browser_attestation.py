"""The attestation pages at phone size: axe-core finds no WCAG 2.1 AA violation,
nothing is hidden past the right edge, and an unknown co-op is a 404 page with a
way back."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.async_api import expect

from commonweal.sample_activity import generate_membership
from federation.broker import NatsServer
from federation.http import make_consortium_app
from federation.service import ConsortiumService
from node.service import NodeService
from tests.accessibility import phone_page, problems
from tests.browser import chromium
from tests.waiting import wait_until_caught_up
from tests.web import serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_the_attestation_pages_are_accessible_on_a_phone(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
    tmp_path: Path,
) -> None:
    consortium = make_consortium([nats_server.url], base_dir=str(tmp_path))
    node = make_node("alpha", [nats_server.url], share=["membership", "governance"])
    generate_membership(node.coop_node, members=25, seed=1, start=dt.date(2024, 1, 1))
    node.replicator.wake()
    await wait_until_caught_up([node], consortium)
    async with serving(make_consortium_app(consortium)) as url, chromium() as browser:
        page = await phone_page(browser, url)
        found = []
        for path, status in (
            ("/attestations", 200),
            ("/coops/alpha/attestation", 200),
            ("/coops/nobody/attestation", 404),
        ):
            response = await page.goto(url + path)
            assert response is not None and response.status == status, path
            if status == 200:
                await expect(page.locator("h1")).to_contain_text("Attestation")
            found += await problems(page, url + path)
        await expect(page.locator("#way-back")).to_be_visible()
    assert found == [], "\n".join(found)
