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

from commonweal.activity import generate_membership
from commonweal.demo import wait_until_caught_up
from federation.broker import NatsServer
from federation.http import make_consortium_app
from federation.service import ConsortiumService
from node.service import NodeService
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
        generate_membership(node.app, members=30, seed=seed, start=START)
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
        assert report["membership"]["members_by_class"] == expected.members_by_class
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
        assert {r[0]: int(r[1]) for r in rows[1:]} == expected.members_by_class
        # The running sum of the last month is today's membership, class by class.
        status, text = await get("/figures/members-by-class-over-time.csv")
        rows = list(csv.reader(io.StringIO(text)))
        last = dict(zip(rows[0][1:], map(int, rows[-1][1:]), strict=True))
        assert last == {
            c: n for c, n in expected.members_by_class.items() if n or c in last
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
        assert status == 200 and '"coops":2' in health
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
        generate_membership(node.app, members=20, seed=seed, start=START)
        ballot = node.app.open_ballot("Accounts")
        voters = [m.id for m in node.app.members() if m.is_admitted]
        for voter in voters[: len(voters) // (seed + 2)]:
            node.app.cast_vote(ballot, voter, "for")
        node.app.close_ballot(ballot)
        node.replicator.wake()
    await wait_until_caught_up(nodes, consortium)
    # The truth, from each node's own rolls.
    electorate: dict[str, int] = {}
    voted: dict[str, int] = {}
    for node in nodes:
        for ballot in node.app.ballots():
            roll = node.app.roll(ballot.id)
            for member, (member_class, _) in roll.electorate.items():
                electorate[member_class] = electorate.get(member_class, 0) + 1
                voted[member_class] = voted.get(member_class, 0) + (
                    member in roll.voted
                )
    expected = [
        [c, str(electorate[c]), str(voted[c]), str(round(100 * voted[c] / n))]
        for c, n in sorted(electorate.items())
    ]
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
    assert any(int(r[2]) > 0 for r in rows[1:])
