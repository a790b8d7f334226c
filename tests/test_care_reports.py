"""Care and time-bank reports with real parts: three co-ops with a generated year of
activity (thousands of visits) replicate through nats-server into the consortium,
whose reports equal what each node's own store says, also when rebuilt from the
stream into a fresh PostgreSQL store; and nothing personal reaches the stream or any
consortium table."""

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from commonweal.sample_activity import generate_care, generate_membership
from federation.broker import NatsServer
from federation.report import ConsortiumReport, published_report
from federation.service import ConsortiumService
from node.config import DEFAULT_SHARED_STREAMS
from node.service import NodeService
from tests.postgres import Postgres
from tests.streams import stream_envelopes, stream_messages
from tests.truth import (
    care_truth,
    membership_truth,
    quality_truth,
    reported,
    reported_membership,
    reported_quality,
    timebank_truth,
    workforce_truth,
)
from tests.waiting import wait_until_caught_up

CARE_START = dt.date(2025, 1, 1)
AS_OF = dt.date(2025, 12, 31)
COOPS = [
    ("kirklees", "uk_multi_stakeholder"),
    ("bologna", "italy_type_b"),
    ("quebec", "quebec_solidarity"),
]


def without_time(report: ConsortiumReport) -> ConsortiumReport:
    return msgspec.structs.replace(report, generated_at=dt.datetime.min)


def assert_report_is_the_truth(
    report: ConsortiumReport, nodes: list[NodeService]
) -> None:
    for node in nodes:
        coop_id, app = node.config.coop_id, node.coop_node
        assert reported(report.care, coop_id) == care_truth(app)
        assert reported(report.workforce, coop_id) == workforce_truth(app, AS_OF)
        assert reported(report.timebank, coop_id) == timebank_truth(app, AS_OF)
        assert reported_membership(report, coop_id) == membership_truth(app)
        assert reported_quality(report, coop_id) == quality_truth(app)
    care = [care_truth(n.coop_node) for n in nodes]
    assert report.care.delivered == sum(c["delivered"] for c in care)
    assert report.care.minutes == sum(c["minutes"] for c in care)
    assert report.care.minutes == sum(report.care.minutes_by_service.values())
    assert report.timebank.earned == sum(
        timebank_truth(n.coop_node, AS_OF)["earned"] for n in nodes
    )
    assert all(coop.balance_sum == 0 for coop in report.timebank.coops)
    assert report.dead_letters == 0


def sensitive_values(nodes: list[NodeService]) -> set[str]:
    """Every name, contact detail, goal text, note, address and description held."""
    values: set[str] = set()
    for node in nodes:
        app = node.coop_node
        for m in app.members():
            values |= {m.name, m.email, m.phone, m.address, str(m.id)}
        for plan in app.care_plans():
            values |= set(plan.goals)
        for visit in app.visits():
            values |= {visit.address, visit.notes}
        values |= {i.description for i in app.incidents()}
        values |= {c.description for c in app.expense_claims()}
    return {v for v in values if v}


def sqlite_cells(path: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return [
            str(cell)
            for table in tables
            for row in conn.execute(f'SELECT * FROM "{table}"')
            for cell in row
        ]


def postgres_cells(postgres: Postgres, schema: str) -> list[str]:
    with postgres.connect() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s",
                (schema,),
            )
        ]
        return [
            str(cell)
            for table in tables
            for row in conn.execute(f'SELECT * FROM "{schema}"."{table}"')
            for cell in row
        ]


@pytest.mark.slow
@pytest.mark.postgres
async def test_a_year_of_care_in_three_coops_reaches_the_reports_exactly(
    tmp_path: Path,
    nats_server: NatsServer,
    make_node: Callable[..., NodeService],
    make_consortium: Callable[..., ConsortiumService],
    postgres: Postgres,
    pg_schema_factory: Callable[[], str],
) -> None:
    consortium = make_consortium([nats_server.url])
    nodes = []
    for seed, (coop_id, profile) in enumerate(COOPS):
        node = make_node(
            coop_id, [nats_server.url], profile=profile, share=DEFAULT_SHARED_STREAMS
        )
        generate_membership(
            node.coop_node, members=60, seed=seed, start=dt.date(2024, 6, 1), days=180
        )
        generate_care(node.coop_node, seed=seed, start=CARE_START)
        # The node's clock a week into the new year: the whole year is summarised.
        summarised = node.coop_node.summarise_care_months(AS_OF + dt.timedelta(8))
        assert summarised[-1] == dt.date(2025, 12, 1)
        node.replicator.wake()
        nodes.append(node)
    visits = sum(1 for n in nodes for _ in n.coop_node.visits())
    assert visits > 2500
    await wait_until_caught_up(nodes, consortium, timeout=60)

    report = consortium.report(AS_OF)
    assert_report_is_the_truth(report, nodes)
    assert {c.type_b for c in report.workforce.coops} == {True, False}
    assert report.care.outcomes.plans_reviewed > 20
    assert report.care_quality.closures.closed > 0
    assert len(report.care_quality.continuity) == 12

    # Rebuilt from the stream: a fresh PostgreSQL store, a new durable consumer
    # reading from the start, the same report.
    schema = pg_schema_factory()
    rebuilt = make_consortium(
        [nats_server.url], store=postgres.store(schema=schema), durable="rebuild"
    )
    await wait_until_caught_up(nodes, rebuilt, timeout=60)
    again = rebuilt.report(AS_OF)
    assert without_time(again) == without_time(report)
    assert_report_is_the_truth(again, nodes)

    # Nothing personal on the stream, nor in any consortium table on either backend.
    secrets = sensitive_values(nodes)
    assert len(secrets) > 500
    messages = await stream_messages(nats_server.url)
    assert len(await stream_envelopes(nats_server.url)) > 4000
    stream_text = "\n".join(data.decode() for _, data in messages)
    assert [s for s in secrets if s in stream_text] == []
    for cells in (
        sqlite_cells(str(tmp_path / "consortium.db")),
        postgres_cells(postgres, schema),
    ):
        assert len(cells) > 1000
        table_text = "\n".join(cells)
        assert [s for s in secrets if s in table_text] == []
    # And the published view of it suppresses small person counts.
    view = published_report(report)
    for coop, published in zip(report.care.coops, view["care"]["coops"], strict=True):
        expected = coop.active_volunteers if coop.active_volunteers >= 5 else "<5"
        assert published["active_volunteers"] == expected
