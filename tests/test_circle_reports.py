"""Circles end to end with real parts: two nodes' circles, counted once their
month is over, replicate through nats-server to the consortium, whose report
counts them, suppresses a small circle's members, and never holds a circle's
name, neighbourhood or notes."""

import csv
import datetime as dt
import io
from collections.abc import Callable
from uuid import UUID

import aiohttp

from federation.broker import NatsServer
from federation.http import make_consortium_app
from federation.report import published_report, render_table, report_page
from federation.service import ConsortiumService
from node.application import CoopNode
from node.service import NodeService
from tests.streams import stream_messages
from tests.test_timebank_board import DAY, with_account
from tests.waiting import wait_until_caught_up
from tests.web import serving

MARCH = "2026-03"
SUMMARISED_ON = dt.date(2026, 4, 8)
SECRETS = ("Mill Lane", "Northside", "Station Road", "Southside", "Soup rota")


def a_circle(app: CoopNode, name: str, place: str, people: int) -> list[UUID]:
    members = [with_account(app, f"Neighbour{n} Smith") for n in range(people)]
    circle = app.form_circle(name, place, members[0], DAY)
    for member in members[1:]:
        app.join_circle(circle, member, DAY)
    app.record_circle_meeting(circle, members[0], dt.date(2026, 3, 9), "Soup rota")
    offer = app.post_listing(members[0], "offer", "cleaning", "", 60, circle=circle)
    exchange = app.accept_listing(offer, members[1])
    app.confirm_exchange(exchange, None, dt.date(2026, 3, 12))
    return members


async def test_two_nodes_circles_reach_the_report_suppressed(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    consortium = make_consortium([nats_server.url])
    alpha = make_node("alpha", [nats_server.url], share=["membership", "timebank"])
    beta = make_node("beta", [nats_server.url], share=["membership", "timebank"])
    a_circle(alpha.coop_node, "Mill Lane", "Northside", 6)
    a_circle(alpha.coop_node, "Station Road", "Northside", 7)
    a_circle(beta.coop_node, "Station Road", "Southside", 3)
    for node in (alpha, beta):
        assert node.coop_node.summarise_circle_months(SUMMARISED_ON)[0] == dt.date(
            2026, 3, 1
        )
        node.replicator.wake()
    await wait_until_caught_up([alpha, beta], consortium, timeout=30)

    report = consortium.report(dt.date(2026, 4, 30))
    by_coop = {c.coop_id: c.months for c in report.circles.coops}
    [alpha_march] = [m for m in by_coop["alpha"] if m.month == MARCH]
    [beta_march] = [m for m in by_coop["beta"] if m.month == MARCH]
    assert (alpha_march.circles, alpha_march.members, alpha_march.largest) == (2, 13, 7)
    assert (alpha_march.meetings, alpha_march.exchanges_settled) == (2, 2)
    assert alpha_march.mean_members == 6.5
    assert (beta_march.circles, beta_march.members) == (1, 3)
    [network] = [m for m in report.circles.months if m.month == MARCH]
    assert (network.circles, network.members, network.meetings) == (3, 16, 3)
    assert report.dead_letters == 0

    view = published_report(report)
    published = {c["coop_id"]: c["months"] for c in view["circles"]["coops"]}
    alpha_view = next(m for m in published["alpha"] if m["month"] == MARCH)
    beta_view = next(m for m in published["beta"] if m["month"] == MARCH)
    assert (alpha_view["members"], alpha_view["mean_members"]) == (13, 6.5)
    assert (beta_view["members"], beta_view["largest"]) == ("<5", "<5")
    assert beta_view["mean_members"] is None
    assert beta_view["circles"] == 1  # circles are not people
    table = render_table(report)
    assert "Neighbourhood circles" in table and "<5" in table

    # A page of co-ops carries its co-ops' months; the network's are every co-op's.
    first = report_page(consortium.views, limit=1)
    assert [c.coop_id for c in first.circles.coops] == ["alpha"]
    assert first.circles.months == report.circles.months

    # The dashboard's section, and its table as CSV, suppressed alike.
    async with (
        serving(make_consortium_app(consortium)) as url,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(url + "/") as response:
            assert response.status == 200
            dashboard = await response.text()
        async with session.get(url + "/figures/circles-by-coop.csv") as response:
            assert response.status == 200
            rows = list(csv.reader(io.StringIO(await response.text())))
    assert 'data-section="circles"' in dashboard
    assert rows[0][:4] == ["coop", "month", "circles", "circle_members"]
    members = {row[3] for row in rows[1:]}
    assert members == {"13", "<5"}

    # Names, places and notes stayed in the nodes.
    stream_text = "\n".join(
        data.decode() for _, data in await stream_messages(nats_server.url)
    )
    assert "circle.month_summarised/1" in stream_text
    assert [s for s in SECRETS if s in stream_text] == []
