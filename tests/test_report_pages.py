"""The report by page of co-ops: each page lists its co-ops exactly as the whole
report does, every page carries the network's figures of the whole report, the
pages together list every co-op once; on SQLite and PostgreSQL, and through
``/api/report?limit=&cursor=``."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import aiohttp
import msgspec
import pytest

from commonweal.sample_activity import (
    SERVICE_USER_CLASSES,
    generate_care,
    generate_governance,
    generate_membership,
)
from federation.http import make_consortium_app
from federation.report import ConsortiumReport, build_report, report_page
from federation.service import ConsortiumService
from node.config import DEFAULT_SHARED_STREAMS
from node.service import NodeService
from tests.postgres import Postgres
from tests.running_totals import assert_running_totals_hold
from tests.waiting import wait_until_caught_up
from tests.web import serving

AS_OF = dt.date(2025, 12, 31)
FUNDED_FROM = dt.date(2025, 7, 1)
FUNDERS = ("council_commission", "direct_payment", "self_funded")
COOPS = [
    ("bologna", "italy_type_b"),
    ("kirklees", "uk_multi_stakeholder"),
    ("leeds", "uk_multi_stakeholder"),
    ("quebec", "quebec_solidarity"),
    ("torino", "italy_type_b"),
]
SECTIONS = (
    "membership",
    "governance",
    "care",
    "care_quality",
    "funding",
    "workforce",
    "timebank",
)


def network(report: ConsortiumReport) -> dict[str, Any]:
    """Every figure of the report but its lists of co-ops and its time."""
    built = msgspec.to_builtins(report)
    for section in (*SECTIONS, "growth"):
        del built[section]["coops"]
    del built["generated_at"], built["next_cursor"]
    return built


def listed(report: ConsortiumReport, section: str) -> list[Any]:
    coops: list[Any] = getattr(report, section).coops
    return coops


def assert_pages_are_the_whole(
    whole: ConsortiumReport, pages: list[ConsortiumReport]
) -> None:
    for page in pages:
        assert network(page) == network(whole)
    for section in (*SECTIONS, "growth"):
        expected = listed(whole, section)
        if section == "growth":  # the tree's order, not the ids'
            expected = sorted(expected, key=lambda c: c.coop_id)
        assert [c for p in pages for c in listed(p, section)] == expected


def all_pages(
    consortium: ConsortiumService, limit: int, as_of: dt.date
) -> list[ConsortiumReport]:
    pages = [report_page(consortium.views, as_of=as_of, limit=limit)]
    while pages[-1].next_cursor is not None:
        after = pages[-1].next_cursor
        pages.append(
            report_page(consortium.views, as_of=as_of, after=after, limit=limit)
        )
    return pages


@pytest.mark.slow
@pytest.mark.postgres
async def test_every_page_has_the_network_and_the_pages_are_the_whole_report(
    nats_server: Any,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
    postgres: Postgres,
    pg_schema_factory: Callable[[], str],
) -> None:
    on_sqlite = make_consortium([nats_server.url])
    on_postgres = make_consortium(
        [nats_server.url],
        store=postgres.store(schema=pg_schema_factory()),
        durable="postgres",
    )
    nodes = []
    for seed, (coop_id, profile) in enumerate(COOPS):
        node = make_node(
            coop_id, [nats_server.url], profile=profile, share=DEFAULT_SHARED_STREAMS
        )
        generate_membership(
            node.coop_node, members=40, seed=seed, start=dt.date(2025, 1, 1), days=120
        )
        generate_care(node.coop_node, seed=seed, start=dt.date(2025, 6, 1), days=150)
        generate_governance(node.coop_node, seed=seed, day=dt.date(2025, 9, 1))
        users = [
            m
            for m in node.coop_node.members()
            if m.is_admitted and m.member_class in SERVICE_USER_CLASSES
        ]
        for n, user in enumerate(users[:6]):
            funder = FUNDERS[(n + seed) % len(FUNDERS)]
            node.coop_node.arrange_funding(user.id, funder, 60 * (n + 1), FUNDED_FROM)
        node.coop_node.summarise_care_months(AS_OF + dt.timedelta(8))
        node.replicator.wake()
        nodes.append(node)
    await wait_until_caught_up(nodes, on_sqlite, timeout=60)
    await wait_until_caught_up(nodes, on_postgres, timeout=60)

    for consortium in (on_sqlite, on_postgres):
        assert_running_totals_hold(consortium.views)
        whole = build_report(consortium.views, as_of=AS_OF)
        assert [c.coop_id for c in whole.membership.coops] == [c for c, _ in COOPS]
        # Figures that would be 0 or empty prove nothing about their sums.
        assert whole.care.delivered and whole.care.active_volunteers
        assert whole.governance.ballots and whole.workforce.headcount
        assert whole.timebank.earned and whole.funding.funders
        assert whole.care.outcomes.plans_reviewed
        assert whole.care_quality.continuity
        for limit in (1, 2, 5, 50):
            pages = all_pages(consortium, limit, AS_OF)
            assert len(pages) == -(-len(COOPS) // limit)
            assert_pages_are_the_whole(whole, pages)
    sqlite_whole = build_report(on_sqlite.views, as_of=AS_OF)
    postgres_whole = build_report(on_postgres.views, as_of=AS_OF)
    assert network(sqlite_whole) == network(postgres_whole)

    # The API pages the same way, with its cursor, and refuses a bad limit.
    async with (
        serving(make_consortium_app(on_sqlite)) as url,
        aiohttp.ClientSession() as session,
    ):
        shown: list[str] = []
        cursor = ""
        while True:
            async with session.get(
                f"{url}/api/report", params={"limit": "2", "cursor": cursor}
            ) as response:
                assert response.status == 200
                page = await response.json()
            shown += [c["coop_id"] for c in page["membership"]["coops"]]
            assert len(page["membership"]["coops"]) <= 2
            assert page["care"]["delivered"] == sqlite_whole.care.delivered
            if page["next_cursor"] is None:
                break
            cursor = page["next_cursor"]
        assert shown == [c for c, _ in COOPS]
        for bad in ("0", "501", "many"):
            async with session.get(
                f"{url}/api/report", params={"limit": bad}
            ) as response:
                assert response.status == 400

        # The dashboard too: two co-ops a page, the network's totals on each.
        members = f'id="total-members">{sqlite_whole.membership.members}<'
        names = {c.coop_id: c.name for c in sqlite_whole.membership.coops}
        seen: list[str] = []
        link = "/?limit=2"
        while link:
            async with session.get(url + link.replace("&amp;", "&")) as response:
                assert response.status == 200
                html = await response.text()
            assert members in html
            seen += [c for c, name in names.items() if f">{name}</td>" in html]
            found = re.search(r'href="(/\?limit=2&amp;cursor=[^"]+)">Next co-ops', html)
            link = found.group(1) if found else ""
            assert ("First co-ops" in html) == (len(seen) > 2)
        assert seen == [c for c, _ in COOPS]
        async with session.get(f"{url}/", params={"limit": "0"}) as response:
            assert response.status == 400
