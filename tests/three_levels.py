"""Three levels as real processes: co-ops publish signed envelopes to two
consortia's brokers, each consortium (its own process) shares its published
report upward to the federation's broker, and the federation (a consortium
process whose registry lists the two consortia) sums them.

The co-ops are written by hand (``tests.streams.ChainWriter``, signed with their
test keys): what reaches a consortium is exactly what a node would send, and
the test knows every figure it sent.
"""

import asyncio
import datetime as dt
import hashlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import nats.errors

from federation.broker import NatsServer
from federation.config import ConsortiumConfig, UpwardConfig
from federation.consortium_snapshots import Snapshot, latest_snapshots
from federation.ingest import ConsortiumViews
from federation.registry import ConsortiumRegistry
from federation.report import build_report, published_report
from federation.upward_log import UpwardLog
from federation.upward_snapshot import upward_snapshot
from schemas import encode_payload
from schemas import membership as m
from tests.chaos import Victim
from tests.keys import coop_public_key, coop_seed, register_coop_key
from tests.streams import ChainWriter, publish_signed
from toolkit.config import BrokerConfig, HttpConfig, StoreConfig, write_config

ANY_PORT = HttpConfig(port=0)
DAY = dt.date(2025, 3, 3)


@dataclass
class Level:
    """One consortium: its broker, config, process and the co-ops it hears."""

    member_id: str
    broker: NatsServer
    config: ConsortiumConfig
    process: Victim
    writers: dict[str, ChainWriter] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)  # co-op -> admitted


class ThreeLevels:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.federation_broker = NatsServer(workdir / "federation-broker")
        self.federation_config = ConsortiumConfig(
            name="Federation",
            store=StoreConfig(path=str(workdir / "federation.db")),
            registry=StoreConfig(path=str(workdir / "federation-registry.db")),
            broker=BrokerConfig(servers=[self.federation_broker.url]),
            http=ANY_PORT,
        )
        write_config(workdir / "federation.toml", self.federation_config)
        self.federation = self._process("federation")
        self.levels = [self._level("north"), self._level("south")]
        registry = ConsortiumRegistry(self.federation_config.registry_env())
        for level in self.levels:
            registry.register(
                level.member_id,
                level.config.name,
                public_key=coop_public_key(level.member_id),
                unsigned_until=0,
            )
        registry.close()
        # Every store's tables made once, before the processes start: the test
        # reading a store while its process creates the same tables would race
        # it for eventsourcing's first tracking row (tests.chaos does the same).
        for config in [self.federation_config, *(lv.config for lv in self.levels)]:
            views = ConsortiumViews.construct(config.store_env())
            UpwardLog(views)
            views.factory.close()

    def _level(self, member_id: str) -> Level:
        broker = NatsServer(self.workdir / f"{member_id}-broker")
        config = ConsortiumConfig(
            name=f"Consortium {member_id.title()}",
            store=StoreConfig(path=str(self.workdir / f"{member_id}.db")),
            registry=StoreConfig(path=str(self.workdir / f"{member_id}-registry.db")),
            broker=BrokerConfig(servers=[broker.url]),
            http=ANY_PORT,
            upward=UpwardConfig(
                member_id=member_id,
                broker=BrokerConfig(
                    servers=[self.federation_broker.url],
                    nkey_seed=coop_seed(member_id),
                ),
                debounce_seconds=0.1,
                interval_seconds=1.0,
            ),
        )
        write_config(self.workdir / f"{member_id}.toml", config)
        return Level(member_id, broker, config, self._process(member_id))

    def _process(self, name: str) -> Victim:
        command = [sys.executable, "-m", "commonweal", "--verbose", "consortium", "run",
                   "--config", str(self.workdir / f"{name}.toml")]  # fmt: skip
        return Victim(name, command, self.workdir / f"{name}.log")

    def start(self) -> None:
        self.federation_broker.start()
        self.federation.start()
        for level in self.levels:
            level.broker.start()
            level.process.start()

    def add_coop(
        self, level: Level, coop_id: str, *, parent: str | None = None
    ) -> None:
        registry = ConsortiumRegistry(level.config.registry_env())
        if parent is None:
            register_coop_key(registry, coop_id, f"{coop_id.title()} Care")
        else:
            registry.register(
                coop_id,
                f"{coop_id.title()} Care",
                parent=parent,
                public_key=coop_public_key(coop_id),
                unsigned_until=0,
            )
        registry.close()
        level.writers[coop_id] = ChainWriter(coop_id)
        level.members[coop_id] = 0
        founded = m.CoopFounded(
            name=f"{coop_id.title()} Care",
            profile="uk_multi_stakeholder",
            member_classes=["worker", "service_user"],
            founded_on=DAY,
        )
        self._send(level, coop_id, [founded])

    def admit(self, level: Level, coop_id: str, count: int, member_class: str) -> None:
        start = level.members[coop_id]
        level.members[coop_id] += count
        self._send(
            level,
            coop_id,
            [
                m.MemberAdmitted(
                    member=hashlib.sha256(f"{coop_id} {n}".encode()).hexdigest()[:32],
                    member_class=member_class,
                    admitted_on=DAY,
                )
                for n in range(start, start + count)
            ],
        )

    def _send(self, level: Level, coop_id: str, payloads: list[Any]) -> None:
        """One signed message holding the envelopes, as a node batches them."""
        writer = level.writers[coop_id]
        envelopes = [writer.next(payload) for payload in payloads]
        data = msgspec.json.encode(envelopes if len(envelopes) > 1 else envelopes[0])
        subject = f"cw.coop.{coop_id}.{payloads[0].STREAM}"
        asyncio.run(_publish_retrying(level.broker.url, subject, data))

    def settled(self) -> list[str]:
        """What is not yet through all three levels (empty when all is)."""
        lag = []
        federation = self.federation_snapshots()
        for level in self.levels:
            views = ConsortiumViews.construct(level.config.store_env())
            state = UpwardLog(views)
            try:
                for coop_id, writer in level.writers.items():
                    if views.position(coop_id) < writer.seq:
                        lag.append(f"{coop_id} not applied at {level.member_id}")
                if lag:
                    continue
                current = encode_payload(
                    upward_snapshot(build_report(views, self.lineage(level)), today())
                )
                last = state.last(level.member_id)
                if last is None or last.payload != current or not last.acknowledged:
                    lag.append(f"{level.member_id} has not shared its latest report")
                elif level.member_id not in federation or (
                    federation[level.member_id].seq != last.seq
                ):
                    lag.append(
                        f"federation lacks {level.member_id}'s report {last.seq}"
                    )
            finally:
                views.factory.close()
        return lag

    def settle(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while lag := self.settled():
            if time.monotonic() > deadline:
                raise TimeoutError(f"not settled: {lag}")
            time.sleep(0.2)

    def lineage(self, level: Level) -> Any:
        registry = ConsortiumRegistry(level.config.registry_env())
        try:
            return registry.lineage()
        finally:
            registry.close()

    def published_reports(self) -> dict[str, dict[str, Any]]:
        """Each consortium's published report, as its own API answers it."""
        reports = {}
        for level in self.levels:
            views = ConsortiumViews.construct(level.config.store_env())
            try:
                report = build_report(views, self.lineage(level), today())
                reports[level.member_id] = published_report(report)
            finally:
                views.factory.close()
        return reports

    def federation_snapshots(self) -> dict[str, Snapshot]:
        views = self.federation_views()
        try:
            with views.transaction() as cursor:
                return {s.consortium_id: s for s in latest_snapshots(cursor)}
        finally:
            views.factory.close()

    def federation_views(self) -> ConsortiumViews:
        return ConsortiumViews.construct(self.federation_config.store_env())

    def shutdown(self) -> None:
        for level in self.levels:
            level.process.kill()
            level.broker.kill()
        self.federation.kill()
        self.federation_broker.kill()


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def _publish_retrying(url: str, subject: str, data: bytes) -> None:
    """Publish as the co-op's node would: again until JetStream acknowledges
    (the consortium makes its stream when it starts)."""
    for _ in range(100):
        try:
            await publish_signed(url, subject, data)
            return
        except (nats.errors.Error, TimeoutError):  # no stream yet
            await asyncio.sleep(0.1)
    raise TimeoutError(f"could not publish on {subject}")
