"""Who pays and how soon safeguarding concerns are acknowledged, at the
consortium: the funding arrangements in force on the report's day,
by co-op and funder, with a later arrangement replacing an earlier one from its
first day; people counted, so fewer than 5 read "<5"."""

import datetime as dt
from collections.abc import Callable

from federation.broker import NatsServer
from federation.report import published_report
from federation.service import ConsortiumService
from node.config import DEFAULT_SHARED_STREAMS
from node.service import NodeService
from tests.test_care import member
from tests.waiting import wait_until_caught_up

JAN, APRIL = dt.date(2026, 1, 5), dt.date(2026, 4, 6)


async def test_the_report_counts_the_arrangements_in_force(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    consortium = make_consortium([nats_server.url])
    node = make_node("alpha", [nats_server.url], share=DEFAULT_SHARED_STREAMS)
    app = node.coop_node
    people = [member(app, "service_user") for _ in range(7)]
    for person in people[:5]:
        app.arrange_funding(person, "council_commission", 300, JAN, "Kirklees")
    app.arrange_funding(people[5], "direct_payment", 600, JAN)
    app.arrange_funding(people[6], "self_funded", 120, JAN)
    # From April one person moves from the council to a direct payment.
    app.arrange_funding(people[0], "direct_payment", 420, APRIL)
    node.replicator.wake()
    await wait_until_caught_up([node], consortium)

    march = consortium.report(dt.date(2026, 3, 31)).funding
    (alpha,) = march.coops
    by_funder = {f.funder: (f.people, f.weekly_minutes) for f in alpha.funders}
    assert by_funder == {
        "council_commission": (5, 1500),
        "direct_payment": (1, 600),
        "self_funded": (1, 120),
    }
    assert (march.people, march.weekly_minutes) == (7, 2220)

    may = consortium.report(dt.date(2026, 5, 1))
    by_funder = {f.funder: (f.people, f.weekly_minutes) for f in may.funding.funders}
    assert by_funder["council_commission"] == (4, 1200)
    assert by_funder["direct_payment"] == (2, 1020)
    shown = published_report(may)["funding"]["coops"][0]["funders"]
    assert [f["people"] for f in shown] == ["<5", "<5", "<5"]
    # Nothing names the funder, the person or a reference.
    with consortium.views.transaction() as cursor:
        rows = cursor.execute("SELECT * FROM care_funding").fetchall()
    cells = [str(c) for r in rows for c in tuple(r)]
    assert "Kirklees" not in cells and not any(str(p) in cells for p in people)


async def test_the_report_says_how_soon_concerns_are_acknowledged(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    consortium = make_consortium([nats_server.url])
    node = make_node("alpha", [nats_server.url], share=DEFAULT_SHARED_STREAMS)
    app = node.coop_node
    raised = [app.raise_incident("safeguarding", f"Bruise {n}", JAN) for n in range(3)]
    app.acknowledge_incident(raised[0], None, JAN)
    app.acknowledge_incident(raised[1], None, JAN + dt.timedelta(days=3))
    incident = app.raise_incident("incident", "Fall", JAN)  # not a concern
    app.acknowledge_incident(incident, None, JAN + dt.timedelta(days=9))
    node.replicator.wake()
    await wait_until_caught_up([node], consortium)

    quality = consortium.report(APRIL).care_quality
    (alpha,) = quality.coops
    assert (alpha.safeguarding.acknowledged, alpha.safeguarding.mean_days) == (2, 1.5)
    assert quality.safeguarding == alpha.safeguarding
