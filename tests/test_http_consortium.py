"""The consortium over HTTP, fed by real nodes through a real broker: the report
API, co-ops and lineage, the dashboard's charts and growth tree, CSV downloads that
hold the same numbers, metrics."""

import asyncio
import csv
import datetime as dt
import io
import time
from collections.abc import Callable

import aiohttp

from commonweal.sample_activity import generate_membership
from federation.broker import NatsServer
from federation.http import make_consortium_app
from federation.service import ConsortiumService
from federation.suppression import suppress
from node.service import NodeService
from tests.waiting import wait_until_caught_up
from tests.web import serving

START = dt.date(2024, 1, 1)


async def test_report_coops_lineage_dashboard_csv_and_metrics(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    consortium = make_consortium([nats_server.url])
    nodes = [make_node(c, [nats_server.url]) for c in ("alpha", "beta")]
    for seed, node in enumerate(nodes):
        generate_membership(node.coop_node, members=30, seed=seed, start=START)
        node.replicator.wake()
    await wait_until_caught_up(nodes, consortium)
    expected = consortium.report().membership
    async with (
        serving(make_consortium_app(consortium)) as url,
        aiohttp.ClientSession() as session,
    ):

        async def get(path: str) -> tuple[int, str]:
            async with session.get(url + path) as response:
                return response.status, await response.text()

        async with session.get(url + "/api/report") as response:
            report = await response.json()
        assert report["membership"]["members_by_class"] == {
            c: suppress(n) for c, n in expected.members_by_class.items()
        }
        async with session.get(url + "/api/coops") as response:
            coops = await response.json()
        assert [c["membership"]["coop_id"] for c in coops] == ["alpha", "beta"]
        assert all(c["growth"]["founded_on"] for c in coops)
        async with session.get(url + "/api/lineage") as response:
            lineage = await response.json()
        assert {c["coop_id"] for c in lineage} == {"alpha", "beta"}

        status, page = await get("/")
        assert status == 200
        for figure in (
            "members-by-class",
            "members-by-class-over-time",
            "turnout-by-class",
            "growth-tree",
        ):
            assert f'<figure id="{figure}">' in page
            assert f'href="/figures/{figure}.csv"' in page
        assert page.count("<svg") == 4
        assert page.count('class="coop"') == 2

        status, text = await get("/figures/members-by-class.csv")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["member_class", "members"]
        assert {r[0]: r[1] for r in rows[1:]} == {
            c: str(suppress(n)) for c, n in expected.members_by_class.items()
        }
        # The running sum of the last month is today's membership, class by class.
        status, text = await get("/figures/members-by-class-over-time.csv")
        rows = list(csv.reader(io.StringIO(text)))
        last = dict(zip(rows[0][1:], rows[-1][1:], strict=True))
        assert last == {
            c: str(suppress(n))
            for c, n in expected.members_by_class.items()
            if n or c in last
        }
        status, _ = await get("/figures/nothing.csv")
        assert status == 404

        async def lag_known() -> bool:
            return "commonweal_consortium_consumer_lag " in (await get("/metrics"))[1]

        await wait_for_async(lag_known)
        status, metrics = await get("/metrics")
        assert "commonweal_consortium_consumer_lag 0.0" in metrics
        assert "commonweal_consortium_dead_letters 0.0" in metrics
        assert 'commonweal_consortium_applied_seq{coop_id="alpha"}' in metrics
        status, health = await get("/healthz")
        assert (status, health) == (200, '{"status":"ok"}')
        status, document = await get("/openapi.json")
        for path in ("/api/report", "/api/coops", "/api/lineage"):
            assert f'"{path}"' in document


async def wait_for_async(condition: Callable[[], object], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():  # type: ignore[misc]
            return
        await asyncio.sleep(0.2)
    raise AssertionError("timed out")


async def test_turnout_by_class_figure_and_csv_match_the_nodes_rolls(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    consortium = make_consortium([nats_server.url])
    share = ["membership", "governance"]
    nodes = [make_node(c, [nats_server.url], share=share) for c in ("alpha", "beta")]
    for seed, node in enumerate(nodes):
        generate_membership(node.coop_node, members=20, seed=seed, start=START)
        ballot = node.coop_node.open_ballot("Accounts")
        voters = [m.id for m in node.coop_node.members() if m.is_admitted]
        for voter in voters[: len(voters) // (seed + 2)]:
            node.coop_node.cast_vote(ballot, voter, "for")
        node.coop_node.close_ballot(ballot)
        node.replicator.wake()
    await wait_until_caught_up(nodes, consortium)
    # The truth, from each node's own rolls.
    electorate: dict[str, int] = {}
    voted: dict[str, int] = {}
    for node in nodes:
        for ballot in node.coop_node.ballots():
            roll = node.coop_node.roll(ballot.id)
            for member, (member_class, _) in roll.electorate.items():
                electorate[member_class] = electorate.get(member_class, 0) + 1
                voted[member_class] = voted.get(member_class, 0) + (
                    member in roll.voted
                )
    # Published: sums of people below 5 read "<5", and the turnout is withheld
    # (an empty cell) where either is, since with the other it would tell.
    expected = [
        [
            c,
            str(suppress(n)),
            str(suppress(voted[c])),
            "" if min(n, voted[c]) < 5 else str(round(100 * voted[c] / n)),
        ]
        for c, n in sorted(electorate.items())
    ]
    assert any(r[1] == "<5" for r in expected) and any(r[3] for r in expected)
    async with (
        serving(make_consortium_app(consortium)) as url,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(url + "/") as response:
            page = await response.text()
        assert '<figure id="turnout-by-class">' in page
        async with session.get(url + "/figures/turnout-by-class.csv") as response:
            rows = list(csv.reader(io.StringIO(await response.text())))
    assert rows[0] == ["member_class", "electorate", "voted", "turnout_percent"]
    assert rows[1:] == expected


# (day, service types, minutes) of each co-op's visits: split evenly over the
# types, the remainder to the first; February has none.
VISITS = {
    "alpha": [
        (dt.date(2025, 1, 10), ["personal_care"], 60),
        (dt.date(2025, 1, 20), ["personal_care", "cleaning"], 91),
        (dt.date(2025, 3, 5), ["cleaning"], 30),
    ],
    "beta": [
        (dt.date(2025, 1, 15), ["personal_care"], 30),
        (dt.date(2025, 3, 1), ["transport"], 120),
    ],
}


async def test_care_hours_by_month_and_service_type_chart_and_csv(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    consortium = make_consortium([nats_server.url])
    nodes = []
    for coop_id, visits in VISITS.items():
        node = make_node(coop_id, [nats_server.url], share=["membership", "care"])
        app = node.coop_node
        people = {}
        for name, member_class in (("Una", "service_user"), ("Wes", "worker")):
            people[name] = app.apply_for_membership(
                name=name, email=f"{name}@example.org", member_class=member_class
            )
            app.admit_member(people[name], START)
        for day, types, minutes in visits:
            when = dt.datetime.combine(day, dt.time(9), dt.UTC)
            visit = app.schedule_visit(people["Una"], when, types)
            app.deliver_visit(visit, people["Wes"], when, minutes)
        missed = app.schedule_visit(people["Una"], when, types)
        app.miss_visit(missed, "no_access")
        node.replicator.wake()
        nodes.append(node)
    await wait_until_caught_up(nodes, consortium)
    # The truth, from the nodes' own visits.
    expected: dict[tuple[str, str], int] = {}
    for node in nodes:
        for visit in node.coop_node.visits():
            if visit.started_at is None:
                continue
            for service, part in visit.minutes_by_service.items():
                key = (visit.started_at.strftime("%Y-%m"), service)
                expected[key] = expected.get(key, 0) + part
    assert expected[("2025-01", "personal_care")] == 60 + 46 + 30
    assert expected[("2025-01", "cleaning")] == 45

    async with (
        serving(make_consortium_app(consortium)) as url,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(url + "/") as response:
            page = await response.text()
        async with session.get(url + "/figures/care-hours-by-month.csv") as response:
            assert response.status == 200
            rows = list(csv.reader(io.StringIO(await response.text())))
    start = page.index('<figure id="care-hours-by-month">')
    figure = page[start : page.index("</figure>", start)]
    assert 'href="/figures/care-hours-by-month.csv"' in figure
    assert figure.count("<svg") == 1
    # Drawn by id, shown by name.
    services = {"cleaning": "Cleaning", "personal_care": "Personal care"}
    services["transport"] = "Transport"
    assert figure.count('<polyline class="series"') == len(services)
    for service, name in services.items():
        assert f'data-series="{service}"' in figure
        assert f">{name}</text>" in figure
    # One point per month, the empty February included.
    points = figure.split('data-series="transport"')[1].split('points="')[1]
    assert len(points.split('"')[0].split()) == 3

    assert rows[0] == ["month", "service_type", "minutes", "hours"]
    got = {(m, s): int(n) for m, s, n, _ in rows[1:]}
    assert got == expected
    hours = {(m, s): float(h) for m, s, _, h in rows[1:]}
    assert hours[("2025-03", "transport")] == 2.0
