"""The chaos harness: nodes, the broker and the consortium as real processes,
killed with SIGKILL at random (seeded) moments and restarted.

Run a soak: python -m tests.chaos --minutes 10 --seed 7
"""

import argparse
import datetime as dt
import os
import random
import signal
import subprocess
import sys
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
    kills: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.broker = NatsServer(self.workdir / "broker")
        servers = BrokerConfig(servers=[self.broker.url])
        self.consortium_config = ConsortiumConfig(
            store=StoreConfig(path=str(self.workdir / "consortium.db")),
            registry=StoreConfig(path=str(self.workdir / "registry.db")),
            broker=servers,
            http=ANY_PORT,
        )
        write_config(self.workdir / "consortium.toml", self.consortium_config)
        python = sys.executable
        self.consortium = Victim(
            "consortium",
            [python, "-m", "commonweal", "consortium", "run", "--config",
             str(self.workdir / "consortium.toml")],
            self.workdir / "consortium.log",
        )  # fmt: skip
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
                ),
            )
            self.node_configs.append(path)
            self.workers.append(
                Victim(
                    coop_id,
                    [python, "-m", "tests.chaos_worker", str(path)],
                    self.workdir / f"{coop_id}.log",
                )
            )
        registry.close()

    def run(self, seconds: float) -> None:
        """Everything runs while the harness kills something every so often."""
        self.broker.start()
        self.consortium.start()
        for worker in self.workers:
            worker.start([str(self.rng.randrange(1 << 30))])
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(self.rng.uniform(0.3, 1.5))
            self._strike()
        for worker in self.workers:  # stop writing; from here on only catching up
            worker.kill()

    def _strike(self) -> None:
        target = self.rng.choice(["broker", "consortium", "node"])
        self.kills[target] = self.kills.get(target, 0) + 1
        down_for = self.rng.uniform(0.05, 1.0)
        if target == "broker":
            self.broker.kill()
            time.sleep(down_for)
            self.broker.start()
        elif target == "consortium":
            self.consortium.kill()
            time.sleep(down_for)
            self.consortium.start()
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
                if shown is None and area == "governance" and not truth["ballots"]:
                    continue  # no ballot closed yet: nothing to report
                if truth != shown:
                    found.append(f"{coop_id} {area}: {shown} != truth {truth}")
            node.coop_node.close()
            node.replication_log.factory.close()
        if report.dead_letters:
            found.append(f"{report.dead_letters} dead letters")
        return found

    def shutdown(self) -> None:
        for victim in [*self.workers, self.consortium]:
            victim.kill()
        self.broker.kill()


def _section(
    section: object, coop_id: str, read: Callable[[Any, str], object]
) -> object | None:
    """The co-op's figures in a report section, or None where it has none."""
    try:
        return read(section, coop_id)
    except AssertionError:
        return None


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--nodes", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cw-chaos-") as tmp:
        chaos = Chaos(Path(tmp), args.seed, args.nodes)
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


if __name__ == "__main__":
    main()
