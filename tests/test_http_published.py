"""The consortium's HTTP interface publishes only what may be published: fed by
real nodes through a real broker, the API, the dashboard and every CSV show a count
of people below 5 as "<5" (5 as 5), withhold figures derived from such a count, and
every API answer conforms to the OpenAPI document, which says so."""

import asyncio
import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import aiohttp
import schemathesis

from federation.broker import NatsServer
from federation.http import make_consortium_app
from federation.service import ConsortiumService
from node.service import NodeService
from tests.waiting import wait_until_caught_up
from tests.web import serving

# Members of each class, admitted a month apart from January 2025, so that the
# class trend has several months: alpha has 3 service users, beta exactly 5
# supporters (the edge: shown as 5).
MEMBERS = {
    "alpha": {"service_user": 3, "worker": 7},
    "beta": {"supporter": 5},
}


def admit(node: NodeService, member_class: str, count: int) -> list[Any]:
    ids = []
    for i in range(count):
        name = f"{member_class}-{i}"
        member = node.coop_node.apply_for_membership(
            name=name, email=f"{name}@example.org", member_class=member_class
        )
        node.coop_node.admit_member(member, dt.date(2025, 1 + i, 3))
        ids.append(member)
    return ids


def alpha_activity(node: NodeService) -> None:
    """3 service users and 7 workers; 2 reviewed care plans (too few for an
    average change); 6 employed, 2 disadvantaged (too few for a share); a ballot
    in which every worker and one service user vote."""
    users = admit(node, "service_user", 3)
    workers = admit(node, "worker", 7)
    for user in users[:2]:
        plan = node.coop_node.open_care_plan(user, [("walk to the shop", 3, 4)])
        node.coop_node.review_care_plan(plan, [(6, 7)])
    for i, worker in enumerate(workers[:6]):
        node.coop_node.hire_worker(worker, dt.date(2025, 2, 1), disadvantaged=i < 2)
    ballot = node.coop_node.open_ballot("Accounts")
    for voter in [*workers, users[0]]:
        node.coop_node.cast_vote(ballot, voter, "for")
    node.coop_node.close_ballot(ballot)


def beta_activity(node: NodeService) -> None:
    """Exactly 5 supporters; 2 of them vote."""
    supporters = admit(node, "supporter", 5)
    ballot = node.coop_node.open_ballot("Accounts")
    for voter in supporters[:2]:
        node.coop_node.cast_vote(ballot, voter, "for")
    node.coop_node.close_ballot(ballot)


PERSON_COUNT = {
    "description": "a count of people: '<5' when below 5",
    "anyOf": [{"type": "integer", "minimum": 5}, {"enum": ["<5"]}],
}


async def test_api_dashboard_and_csv_publish_no_count_of_people_below_five(
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    consortium = make_consortium([nats_server.url])
    share = ["membership", "governance", "care"]
    alpha = make_node("alpha", [nats_server.url], share=share)
    beta = make_node("beta", [nats_server.url], share=share)
    alpha_activity(alpha)
    beta_activity(beta)
    for node in (alpha, beta):
        node.replicator.wake()
    await wait_until_caught_up([alpha, beta], consortium)
    # The exact figures are there inside: this is what must not get out.
    exact = consortium.report()
    by_id = {c.coop_id: c for c in exact.membership.coops}
    assert by_id["alpha"].members_by_class["service_user"] == 3
    assert exact.care.coops[0].outcomes.performance_change == 3.0
    assert exact.workforce.coops[0].disadvantaged_share == round(2 / 6, 4)

    async with (
        serving(make_consortium_app(consortium)) as url,
        aiohttp.ClientSession() as session,
    ):

        async def get(path: str) -> str:
            async with session.get(url + path) as response:
                assert response.status == 200, path
                return await response.text()

        async def get_json(path: str) -> Any:
            async with session.get(url + path) as response:
                return await response.json()

        report = await get_json("/api/report")
        coops = await get_json("/api/coops")
        lineage = await get_json("/api/lineage")
        document = await get_json("/openapi.json")
        page = await get("/")
        csvs = {
            name: list(csv.reader(io.StringIO(await get(f"/figures/{name}.csv"))))
            for name in (
                "members-by-class",
                "members-by-class-over-time",
                "coops",
                "turnout-by-class",
                "growth-tree",
            )
        }
        # Every answer of the consortium's API conforms to its own document.
        schema = schemathesis.openapi.from_dict(document)
        for path in ("/api/report", "/api/coops", "/api/lineage"):
            case = schema[path]["GET"].Case()
            await asyncio.to_thread(case.call_and_validate, base_url=url)

    # The API: "<5" below five, the count itself from five; derived figures null.
    membership = {c["coop_id"]: c for c in report["membership"]["coops"]}
    assert membership["alpha"]["members_by_class"]["service_user"] == "<5"
    assert membership["alpha"]["members_by_class"]["worker"] == 7
    assert membership["alpha"]["members"] == 10
    assert membership["beta"]["members_by_class"]["supporter"] == 5
    assert membership["beta"]["members_by_class"]["worker"] == "<5"  # none at all
    assert report["membership"]["members_by_class"]["service_user"] == "<5"
    outcomes = report["care"]["coops"][0]["outcomes"]
    assert outcomes["plans_reviewed"] == "<5"
    assert outcomes["performance_change"] is None
    assert outcomes["satisfaction_change"] is None
    turnout = {
        c["coop_id"]: c["turnout_by_class"] for c in report["governance"]["coops"]
    }
    assert turnout["alpha"]["service_user"]["electorate"] == "<5"
    assert components_of(document)["Turnout"]["properties"]["voted"] == PERSON_COUNT
    workforce = report["workforce"]["coops"][0]
    assert (workforce["headcount"], workforce["disadvantaged"]) == (6, "<5")
    assert workforce["disadvantaged_share"] is None
    by_coop = {c["membership"]["coop_id"]: c for c in coops}
    assert by_coop["alpha"]["membership"]["members_by_class"]["service_user"] == "<5"
    assert by_coop["beta"]["growth"]["members"] == 5
    assert {c["coop_id"]: c["members"] for c in lineage} == {"alpha": 10, "beta": 5}
    # The document says what a person count is, and the answers kept to it.
    components = components_of(document)
    assert components["CoopMembership"]["properties"]["members"] == PERSON_COUNT
    assert components["CoopGrowth"]["properties"]["members"] == PERSON_COUNT
    assert components["Outcomes"]["properties"]["performance_change"][
        "description"
    ] == ("null when plans_reviewed is below 5")

    # The dashboard: the network's 3 service users read "<5", drawn to no scale.
    assert '<th scope="row">Service user</th><td class="num">&lt;5</td>' in page
    assert '<th scope="row">Supporter</th><td class="num">5</td>' in page
    start = page.index('<figure id="members-by-class">')
    figure = page[start : page.index("</figure>", start)]
    assert "<title>Service user: &lt;5</title>" in figure
    assert 'class="bar suppressed" data-label="service_user"' in figure
    assert "Service user: 3" not in figure
    assert "fewer than 5 people are not published" in figure
    start = page.index('<figure id="turnout-by-class">')
    figure = page[start : page.index("</figure>", start)]
    assert 'class="withheld" data-label="service_user"' in figure
    assert "<title>Worker: 100</title>" in figure

    # The CSVs: the same cells.
    rows = csvs["members-by-class"]
    assert dict(rows[1:]) == {
        "service_user": "<5",
        "supporter": "5",
        "volunteer": "<5",
        "worker": "7",
    }
    trend = csvs["members-by-class-over-time"]
    column = trend[0].index("service_user")
    assert {row[column] for row in trend[1:]} == {"<5"}
    assert trend[-1][trend[0].index("worker")] == "7"
    assert [r[:4] for r in csvs["turnout-by-class"]] == [
        ["member_class", "electorate", "voted", "turnout_percent"],
        ["service_user", "<5", "<5", ""],  # 1 of 3 voted
        ["supporter", "5", "<5", ""],  # 2 of 5: the share would tell
        ["volunteer", "<5", "<5", ""],  # none
        ["worker", "7", "7", "100"],
    ]
    assert {r[0]: r[3] for r in csvs["coops"][1:]} == {"alpha": "10", "beta": "5"}
    assert {r[0]: r[5] for r in csvs["growth-tree"][1:]} == {"alpha": "10", "beta": "5"}
    # Nowhere a small count of people: every people cell is "<5" or at least 5.
    people_columns = {
        "members-by-class": [1],
        "members-by-class-over-time": range(1, len(trend[0])),
        "coops": [3],
        "turnout-by-class": [1, 2],
        "growth-tree": [5],
    }
    for name, columns in people_columns.items():
        for row in csvs[name][1:]:
            for i in columns:
                assert row[i] == "<5" or int(row[i]) >= 5, (name, row)


def components_of(document: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas
