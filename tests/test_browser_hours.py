"""The pages of hours between co-ops in Chromium, full of transfers both ways:
the member's time-bank page and the staff page, at phone and desktop size,
with no WCAG 2.1 AA violation, nothing past the edge and targets 44 px high."""

import datetime as dt
from uuid import UUID, uuid4

import pytest

from schemas.hours import HoursAnswer, HoursOffer
from tests.accessibility import phone_page, problems
from tests.browser import chromium
from tests.node_api import admitted_member, open_account, staff_token
from tests.web import LiveNode

pytestmark = [pytest.mark.browser]
NOW = dt.datetime.now(dt.UTC)


def exchanges(http: LiveNode, member: UUID) -> None:
    """Hours held, taken and given back, and hours taken and refused here."""
    app = http.node.coop_node
    app.open_pool_account()
    held = app.send_hours(member, "beta", 30)
    taken = app.send_hours(member, "gamma-care", 90)
    back = app.send_hours(member, "delta", 15, "ABCD-EFGH")
    for n, (transfer, payee, minutes, reason) in enumerate(
        [(taken, "gamma-care", 90, ""), (back, "delta", 15, "unknown_reference")],
        start=1,
    ):
        app.apply_relayed(
            HoursAnswer(
                n=n,
                recipient="alpha",
                payee=payee,
                transfer=transfer,
                minutes=minutes,
                reason=reason,  # type: ignore[arg-type]
                answered_on=NOW.date(),
                relayed_at=NOW,
            )
        )
    for n, reference in ((3, ""), (4, "ABCD-EFGH")):
        app.apply_relayed(
            HoursOffer(
                n=n,
                recipient="alpha",
                payer="beta",
                transfer=uuid4(),
                minutes=60,
                reference=reference,
                sent_on=NOW.date(),
                relayed_at=NOW,
            )
        )
    assert held and app.relay_position() == 4


async def test_the_pages_of_hours_between_coops_are_accessible(
    http_node: LiveNode,
) -> None:
    vera, token = await admitted_member(http_node, "volunteer", "Vera Novak")
    await open_account(http_node, vera, minimum=-600)
    _, coordinator = await staff_token(http_node, "coordinator", "Cora Ordinator")
    exchanges(http_node, UUID(vera))
    found: list[str] = []
    async with chromium() as browser:
        for who, path in ((token, "/timebank"), (coordinator, "/staff/hours")):
            page = await phone_page(browser, http_node.url, who)
            response = await page.goto(http_node.url + path)
            assert response is not None and response.status == 200, path
            found += await problems(page, path)
            await page.context.close()
    assert not found, "\n".join(found)
