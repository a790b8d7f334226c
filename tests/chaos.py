"""The chaos harness: nodes, the broker and the consortium as real processes,
killed with SIGKILL at random (seeded) moments and restarted. A partitioned
consortium runs one aggregator process per partition, on PostgreSQL, each
killed on its own.

Run a soak: python -m tests.chaos --minutes 10 --seed 7 [--partitions 2]
"""

import argparse
import contextlib
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from federation.broker import NatsServer
from federation.config import ConsortiumConfig
from federation.ingest import ConsortiumViews
from federation.registry import ConsortiumRegistry
from federation.report import build_report
from node.config import NodeConfig, new_secret
from node.service import NodeService
from tests.keys import coop_seed, register_coop_key
from tests.postgres import ENV_VAR, Postgres, named, private_postgres
from tests.truth import (
    care_truth,
    governance_truth,
    membership_truth,
    reported,
    reported_governance,
    reported_membership,
    timebank_truth,
)
from toolkit.config import (
    BrokerConfig,
    HttpConfig,
    StoreConfig,
    load_config,
    write_config,
)

# Every process serves HTTP: on a free port each, never a fixed one.
ANY_PORT = HttpConfig(port=0)

PROFILES = ["uk_multi_stakeholder", "italy_type_a", "quebec_solidarity"]
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Victim:
    """A process the harness runs, kills and restarts."""

    name: str
    command: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self, extra: list[str] | None = None) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [*self.command, *(extra or [])],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                start_new_session=True,
            )
        self.starts += 1

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)


@dataclass
class Chaos:
    workdir: Path
    seed: int
    nodes: int = 3
    partitions: int = 1
    # The consortium's store: a SQLite file in workdir unless given (PostgreSQL,
    # which partitions need).
    store: StoreConfig | None = None
    kills: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.broker = NatsServer(self.workdir / "broker")
        servers = BrokerConfig(servers=[self.broker.url])
        self.consortium_config = ConsortiumConfig(
            store=self.store or StoreConfig(path=str(self.workdir / "consortium.db")),
            registry=StoreConfig(path=str(self.workdir / "registry.db")),
            broker=servers,
            http=ANY_PORT,
            partitions=self.partitions,
        )
        write_config(self.workdir / "consortium.toml", self.consortium_config)
        # The tables made once, before the aggregators start together: two
        # processes creating the same PostgreSQL table at once may collide
        # (in production the second is restarted, Restart=on-failure).
        self._views().factory.close()
        python = sys.executable
        consortium = [python, "-m", "commonweal", "consortium", "run", "--config",
                      str(self.workdir / "consortium.toml")]  # fmt: skip
        self.consortia = [
            Victim("consortium", consortium, self.workdir / "consortium.log")
        ]
        if self.partitions > 1:
            self.consortia = [
                Victim(
                    f"partition-{k}",
                    [*consortium, "--partition", str(k)],
                    self.workdir / f"partition-{k}.log",
                )
                for k in range(self.partitions)
            ]
        self.node_configs: list[Path] = []
        self.workers: list[Victim] = []
        registry = ConsortiumRegistry(self.consortium_config.registry_env())
        for n in range(self.nodes):
            coop_id = f"coop-{n}"
            register_coop_key(registry, coop_id, f"Chaos Co-op {n}")
            path = self.workdir / f"{coop_id}.toml"
            write_config(
                path,
                NodeConfig(
                    coop_id=coop_id,
                    name=f"Chaos Co-op {n}",
                    secret=new_secret(),
                    profile=PROFILES[n % len(PROFILES)],
                    store=StoreConfig(path=str(self.workdir / f"{coop_id}.db")),
                    broker=msgspec.structs.replace(
                        servers, nkey_seed=coop_seed(coop_id)
                    ),
                    http=ANY_PORT,
                    **self.node_options(),
                ),
            )
            self.node_configs.append(path)
            self.workers.append(
                Victim(
                    coop_id,
                    [python, "-m", self.WORKER, str(path)],
                    self.workdir / f"{coop_id}.log",
                )
            )
        registry.close()

    # The module each node's working process runs (its argv: config, seed).
    WORKER = "tests.chaos_worker"

    def node_options(self) -> dict[str, Any]:
        """More of each node's config, for a harness that needs it."""
        return {}

    def run(self, seconds: float) -> None:
        """Everything runs while the harness kills something every so often."""
        self.broker.start()
        for consortium in self.consortia:
            consortium.start()
        for worker in self.workers:
            worker.start([str(self.rng.randrange(1 << 30))])
        # Every kind of victim is struck at least once, however short the run:
        # the first strikes take each in a seeded order, the rest at random.
        kinds = ["broker", *(c.name for c in self.consortia), "node"]
        first = self.rng.sample(kinds, len(kinds))
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(self.rng.uniform(0.3, 1.5))
            self._strike(first.pop(0) if first else self.rng.choice(kinds))
        for worker in self.workers:  # stop writing; from here on only catching up
            worker.kill()

    def _strike(self, target: str) -> None:
        self.kills[target] = self.kills.get(target, 0) + 1
        down_for = self.rng.uniform(0.05, 1.0)
        consortia = {c.name: c for c in self.consortia}
        if target == "broker":
            self.broker.kill()
            time.sleep(down_for)
            self.broker.start()
        elif target in consortia:
            consortia[target].kill()
            time.sleep(down_for)
            consortia[target].start()
        else:
            worker = self.rng.choice(self.workers)
            worker.kill()
            time.sleep(down_for)
            worker.start([str(self.rng.randrange(1 << 30))])

    def settle(self, timeout: float = 120.0) -> None:
        """Run each node's replicator (no more writes) until the consortium has
        everything every node holds."""
        replicators = [
            Victim(
                f"replicator-{n}",
                [sys.executable, "-m", "commonweal", "node", "run", "--config", str(p)],
                self.workdir / f"replicator-{n}.log",
            )
            for n, p in enumerate(self.node_configs)
        ]
        for replicator in replicators:
            replicator.start()
        try:
            deadline = time.monotonic() + timeout
            while lag := self._lag():
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no catching up after chaos: {lag}")
                time.sleep(0.2)
        finally:
            for replicator in replicators:
                replicator.stop()

    def _lag(self) -> list[str]:
        """What is not yet published or applied, per node (empty when caught up)."""
        lag = []
        views = self._views()
        try:
            for path in self.node_configs:
                node = NodeService(load_config(path, NodeConfig))
                last = node.coop_node.recorder.max_notification_id() or 0
                head = node.replication_log.head(node.config.coop_id)
                applied = views.position(node.config.coop_id)
                if head.position < last or applied < head.seq:
                    lag.append(
                        f"{node.config.coop_id}: stored {last}, published "
                        f"{head.position} (seq {head.seq}), applied {applied}"
                    )
                node.coop_node.close()
                node.replication_log.factory.close()
        finally:
            views.factory.close()
        return lag

    def _views(self) -> ConsortiumViews:
        return ConsortiumViews.construct(self.consortium_config.store_env())

    def differences(self) -> list[str]:
        """Where the consortium report differs from each node's own truth."""
        views = self._views()
        today = dt.date.today()
        report = build_report(views, as_of=today)
        views.factory.close()
        found = []
        for path in self.node_configs:
            node = NodeService(load_config(path, NodeConfig))
            coop_id = node.config.coop_id
            for area, truth, shown in (
                (
                    "membership",
                    membership_truth(node.coop_node),
                    reported_membership(report, coop_id),
                ),
                (
                    "governance",
                    governance_truth(node.coop_node),
                    _section(report, coop_id, reported_governance),
                ),
                (
                    "care",
                    care_truth(node.coop_node),
                    _section(report.care, coop_id, reported),
                ),
                (
                    "time bank",
                    timebank_truth(node.coop_node, today),
                    _section(report.timebank, coop_id, reported),
                ),
            ):
                if shown is None and _nothing(truth):
                    continue  # nothing of the area happened: nothing to report
                if truth != shown:
                    found.append(f"{coop_id} {area}: {shown} != truth {truth}")
            node.coop_node.close()
            node.replication_log.factory.close()
        if report.dead_letters:
            found.append(f"{report.dead_letters} dead letters")
        return found

    def shutdown(self) -> None:
        for victim in [*self.workers, *self.consortia]:
            victim.kill()
        self.broker.kill()


def _nothing(truth: object) -> bool:
    """Whether a node's truth of an area holds no activity at all (no ballot
    closed, no visit), which the report shows as no row for the co-op."""
    if isinstance(truth, dict):
        return all(_nothing(v) for v in truth.values())
    if isinstance(truth, list | tuple):
        return all(_nothing(v) for v in truth)
    return not truth


def _section(
    section: object, coop_id: str, read: Callable[[Any, str], object]
) -> object | None:
    """The co-op's figures in a report section, or None where it has none."""
    try:
        return read(section, coop_id)
    except AssertionError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument(
        "--partitions", type=int, default=1, help="aggregator processes (PostgreSQL)"
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cw-chaos-")))
        store = None
        if args.partitions > 1:
            # The server COMMONWEAL_TEST_POSTGRES names, else a private one.
            url = os.environ.get(ENV_VAR)
            server = named(url) if url else stack.enter_context(private_postgres())
            with server.connect() as conn:
                conn.execute(f'CREATE SCHEMA "chaos_{os.getpid()}"')
            stack.callback(_drop_schema, server, f"chaos_{os.getpid()}")
            store = server.store(schema=f"chaos_{os.getpid()}")
        chaos = Chaos(tmp, args.seed, args.nodes, args.partitions, store)
        try:
            chaos.run(args.minutes * 60)
            chaos.settle()
            differences = chaos.differences()
        finally:
            chaos.shutdown()
    print(f"seed {args.seed}: kills {chaos.kills}")
    if differences:
        raise SystemExit("NOT exact:\n" + "\n".join(differences))
    print("reports exact")


def _drop_schema(server: Postgres, schema: str) -> None:
    with server.connect() as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
