"""What release 0.1.0 left on disk is read unchanged by this release.

tests/fixtures/release-0.1.0 holds what `commonweal demo` wrote at that release
(tests/fixtures/make_release_0_1_0.py): three node stores, the broker's JetStream
store, the consortium's store and registry, and the report it gave. Modules have
moved since; stored events and envelopes carry explicit topics and schema tags,
so none of that may matter.

Release 0.1.0's nodes signed nothing. The upgrade README describes ("Upgrading
from release 0.1.0") registers each co-op with the key now in its node.toml,
recording as its signed-from horizon the last seq its node published unsigned:
the old unsigned envelopes up to there still apply, a node carries on signing,
and an unsigned envelope after the horizon is a dead letter.
"""

import asyncio
import datetime as dt
import shutil
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

from commonweal.provisioning import register_existing
from federation.broker import NatsServer
from federation.config import ConsortiumConfig
from federation.registry import ConsortiumRegistry
from federation.service import ConsortiumService
from node.config import NodeConfig
from node.service import NodeService
from toolkit.config import BrokerConfig, StoreConfig, load_config

RELEASE = Path(__file__).parent / "fixtures" / "release-0.1.0"
COOPS = ("kirklees-care", "cura-bologna", "solidarite-quebec")


class Expected(msgspec.Struct):
    as_of: dt.date
    report: dict[str, Any]


@pytest.fixture
def release(tmp_path: Path) -> Path:
    """A private copy: opening a store may add tables or move a WAL."""
    copy = tmp_path / "release"
    shutil.copytree(RELEASE, copy)
    return copy


def expected() -> Expected:
    return msgspec.json.decode((RELEASE / "report.json").read_bytes(), type=Expected)


# Fields the report gained after the release: the old store must give them too,
# and every field the release had must be unchanged.
ADDED_SINCE = {
    ("workforce", "leavers_12m"),
    # The network's figures a report by page of co-ops carries (issue 18).
    ("membership", "coop_count"),
    ("membership", "share_capital_by_profile"),
    ("governance", "turnout_by_class"),
    ("care", "services"),
}
# Sections the report gained after the release: present, checked elsewhere.
SECTIONS_ADDED_SINCE = ("care_quality", "funding", "circles", "hours_between_coops")


def report_of(consortium: ConsortiumService, as_of: dt.date) -> dict[str, Any]:
    report: dict[str, Any] = msgspec.to_builtins(consortium.report(as_of))
    del report["generated_at"]
    assert report.pop("next_cursor") is None  # every co-op: no page after
    for section, field in ADDED_SINCE:
        assert field in report[section], f"{section}.{field} is missing"
        del report[section][field]
    for section in SECTIONS_ADDED_SINCE:
        assert section in report, f"{section} is missing"
        del report[section]
    return report


def without_generated_at(report: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in report.items() if key != "generated_at"}


def consortium_config(
    release: Path, store: str, broker: str, durable: str = "consortium"
) -> ConsortiumConfig:
    return ConsortiumConfig(
        durable=durable,
        store=StoreConfig(path=str(release / store)),
        registry=StoreConfig(path=str(release / "registry.db")),
        broker=BrokerConfig(servers=[broker]),
    )


def node_config(release: Path, coop_id: str, broker: str) -> NodeConfig:
    old = load_config(release / f"{coop_id}.toml", NodeConfig)
    return msgspec.structs.replace(
        old,
        store=StoreConfig(path=str(release / f"{coop_id}.db")),
        broker=msgspec.structs.replace(old.broker, servers=[broker]),
    )


def upgrade(release: Path, broker: str) -> dict[str, int]:
    """README's upgrade: `commonweal consortium register --node-config` for each
    co-op (as the command does it, on this copy's paths). Returns the horizons."""
    config = consortium_config(release, "consortium.db", broker)
    for coop_id in COOPS:
        path = release / f"{coop_id}.toml"
        register_existing(config, path, node_config(release, coop_id, broker))
    registry = ConsortiumRegistry(config.registry_env())
    try:
        keys = registry.signing_keys()
    finally:
        registry.close()
    return {coop_id: keys[coop_id].unsigned_until for coop_id in COOPS}


def old_broker(release: Path) -> NatsServer:
    """The release's nats-server store, served again on a free port."""
    return NatsServer(release / "broker").start()


async def until(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_the_old_consortium_store_gives_the_same_report(release: Path) -> None:
    want = expected()
    config = consortium_config(release, "consortium.db", "nats://127.0.0.1:1")
    consortium = ConsortiumService(config)
    try:
        assert report_of(consortium, want.as_of) == without_generated_at(want.report)
        # Plans closed before reasons were kept count as closed, reason unknown.
        closures = consortium.report(want.as_of).care_quality.closures
        assert closures.closed == 3
        assert [(r.reason, r.plans) for r in closures.by_reason] == [
            ("not_recorded", 3)
        ]
    finally:
        await consortium.stop()


async def test_the_old_stream_replayed_gives_the_same_report(release: Path) -> None:
    want = expected()
    broker = old_broker(release)
    try:
        horizons = upgrade(release, broker.url)
        config = consortium_config(release, "rebuilt.db", broker.url, "rebuilt")
        consortium = ConsortiumService(config)
        consortium.start()
        old = ConsortiumService(consortium_config(release, "consortium.db", broker.url))
        positions = {coop: old.views.position(coop) for coop in COOPS}
        await old.stop()
        assert all(positions.values())
        # Each horizon is where its node stopped publishing: the old stream's end.
        assert horizons == positions
        await until(
            lambda: all(
                consortium.views.position(coop) >= seq
                for coop, seq in positions.items()
            )
        )
        assert report_of(consortium, want.as_of) == without_generated_at(want.report)
        await consortium.stop()
    finally:
        broker.kill()


async def test_old_node_stores_carry_on_into_the_old_stream(release: Path) -> None:
    """Every aggregate of an old node store loads; a node carries on from where its
    replicator stopped, extending its chain on the old stream, and the consortium
    applies the new envelopes after the old ones with no dead letter."""
    broker = old_broker(release)
    horizons = upgrade(release, broker.url)
    nodes: list[NodeService] = []
    months: dict[str, int] = {}
    consortium = ConsortiumService(
        consortium_config(release, "consortium.db", broker.url)
    )
    try:
        consortium.start()
        for coop_id in COOPS:
            node = NodeService(node_config(release, coop_id, broker.url))
            node.found_if_new()  # founded already: a no-op
            app = node.coop_node
            loaded = [
                *app.members(),
                *app.ballots(),
                *app.care_plans(),
                *app.visits(),
                *app.incidents(),
                *app.expense_claims(),
            ]
            assert loaded, coop_id
            before = node.replicator.published.seq
            # The node now also shares each month's care figures once the month
            # is over: the months since the release's care began, once.
            months[coop_id] = len(app.summarise_care_months(dt.date.today()))
            assert months[coop_id] > 0
            applicant = app.apply_for_membership(
                name="Ada Newcomer",
                email="ada@example.org",
                member_class=app.coop().profile.class_names[0],
            )
            app.admit_member(applicant)
            node.start()
            nodes.append(node)
            want = before + 1 + months[coop_id]
            await until(lambda n=node, w=want: n.replicator.published.seq >= w)
        await until(
            lambda: all(
                consortium.views.position(n.config.coop_id)
                >= n.replicator.published.seq
                for n in nodes
            )
        )
        report = consortium.report()
        assert report.dead_letters == 0
        for node in nodes:  # signed from the horizon on, numbered densely:
            assert node.replicator.signer is not None
            coop_id = node.config.coop_id
            # two events stored (the application is not shared), one envelope,
            # and a shared summary of each month
            extra = months[coop_id]
            assert node.replicator.published.seq == horizons[coop_id] + 1 + extra
            assert node.replicator.published.position == horizons[coop_id] + 2 + extra
        sizes = {row.coop_id: row.members for row in report.membership.coops}
        for node in nodes:
            admitted = sum(
                1 for m in node.coop_node.members() if m.status == "admitted"
            )
            assert sizes[node.config.coop_id] == admitted
    finally:
        for node in nodes:
            await node.stop()
        await consortium.stop()
        broker.kill()
