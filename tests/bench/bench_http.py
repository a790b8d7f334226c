"""Benchmark: node write throughput through HTTP against the raw Application, in
one run, on a real SQLite store with the replicator publishing to a real broker.

Two workloads. An admission is what a board does for a new member: record the
application, then admit (which issues the member's first token): POST
/api/members then POST /api/members/{id}/admit. A visit is what a coordinator
logs: schedule a visit to a service user, then record it delivered by a worker:
POST /api/visits then POST /api/visits/{id}/deliver. Raw: the same two commands
called directly on the node's Application. HTTP: from one client over keep-alive
(sequential) and from 8 concurrent clients; with the store commands on a 4-thread
pool and on the event loop itself. Target: HTTP at least 40% of raw.

Run: python -m tests.bench.bench_http [count] [admissions|visits]
"""

import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import nats

from federation.broker import NatsServer, ensure_federation_stream
from tests.configs import node_config
from tests.web import LiveNode, bearer, live_node
from toolkit.config import StoreConfig

APPLICANT = {"name": "Bench Member", "email": "bench@example.org"}


class Result:
    def __init__(self, label: str, latencies: list[float], elapsed: float) -> None:
        self.label = label
        self.rate = len(latencies) / elapsed
        ordered = sorted(latencies)
        self.p50 = statistics.median(ordered) * 1000
        self.p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000

    def row(self, raw: "Result") -> str:
        return (
            f"| {self.label} | {self.rate:,.0f} | {self.p50:.2f} | {self.p99:.2f} "
            f"| {self.rate / raw.rate:.0%} |"
        )


class Workload:
    """One unit of work, done by the raw Application or through HTTP."""

    name = ""
    unit = ""

    def prepare(self, live: LiveNode) -> None:
        """Set-up that is not timed."""

    def raw(self, live: LiveNode) -> None:
        raise NotImplementedError

    async def http(self, session: aiohttp.ClientSession, url: str) -> None:
        raise NotImplementedError


class Admissions(Workload):
    """Record an application, then admit (issuing the member's first token)."""

    name, unit = "admissions", "apply + admit with token"

    def raw(self, live: LiveNode) -> None:
        app = live.node.coop_node
        member_id = app.apply_for_membership(member_class="worker", **APPLICANT)
        live.node.replicator.wake()
        app.admit_with_token(member_id)
        live.node.replicator.wake()

    async def http(self, session: aiohttp.ClientSession, url: str) -> None:
        body = {**APPLICANT, "member_class": "worker"}
        async with session.post(url + "/api/members", json=body) as response:
            assert response.status == 201, await response.text()
            member = await response.json()
        async with session.post(f"{url}/api/members/{member['id']}/admit") as response:
            assert response.status == 200, await response.text()
            await response.read()


class Visits(Workload):
    """Schedule a visit to a service user, then record it delivered by a worker
    (the members are admitted beforehand, untimed)."""

    name, unit = "visits", "schedule + deliver"
    WHEN = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)

    def prepare(self, live: LiveNode) -> None:
        app = live.node.coop_node
        self.user, self.worker = (
            app.apply_for_membership(member_class=c, **APPLICANT)
            for c in ("service_user", "worker")
        )
        app.admit_member(self.user)
        app.admit_member(self.worker)
        self.types = list(app.coop().profile.service_types[:2])

    def raw(self, live: LiveNode) -> None:
        app = live.node.coop_node
        visit = app.schedule_visit(self.user, self.WHEN, self.types, "", "")
        live.node.replicator.wake()
        app.deliver_visit(visit, self.worker, self.WHEN, 45, None, "")
        live.node.replicator.wake()

    async def http(self, session: aiohttp.ClientSession, url: str) -> None:
        when = self.WHEN.isoformat()
        new = {
            "service_user": str(self.user),
            "scheduled_for": when,
            "service_types": self.types,
        }
        async with session.post(url + "/api/visits", json=new) as response:
            assert response.status == 201, await response.text()
            visit = await response.json()
        done = {"worker": str(self.worker), "started_at": when, "minutes": 45}
        async with session.post(
            f"{url}/api/visits/{visit['id']}/deliver", json=done
        ) as response:
            assert response.status == 200, await response.text()
            await response.read()


async def raw_run(live: LiveNode, work: Workload, n: int) -> Result:
    work.prepare(live)
    latencies = []
    started = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        work.raw(live)
        latencies.append(time.perf_counter() - t)
        # Let the replicator publish between commands, as it does beside HTTP.
        await asyncio.sleep(0)
    return Result("raw Application", latencies, time.perf_counter() - started)


async def http_run(
    live: LiveNode, work: Workload, n: int, clients: int, label: str
) -> Result:
    work.prepare(live)
    latencies: list[float] = []
    headers = bearer(live.admin_token)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def client(count: int) -> None:
            for _ in range(count):
                t = time.perf_counter()
                await work.http(session, live.url)
                latencies.append(time.perf_counter() - t)

        started = time.perf_counter()
        share, extra = divmod(n, clients)
        await asyncio.gather(
            *(client(share + (1 if c < extra else 0)) for c in range(clients))
        )
        return Result(label, latencies, time.perf_counter() - started)


async def measure(
    base: Path,
    name: str,
    workers: int,
    run: Callable[[LiveNode], Awaitable[Result]],
) -> Result:
    with NatsServer(base / f"broker-{name}") as broker:
        nc = await nats.connect(broker.url)
        await ensure_federation_stream(nc.jetstream())
        await nc.close()
        store = StoreConfig(path=str(base / f"{name}.db"))
        config = node_config("bench", store, [broker.url])
        async with live_node(config, workers=workers) as live:
            return await run(live)


RUNS = [
    ("HTTP, 1 client, 4 threads", 4, 1),
    ("HTTP, 8 clients, 4 threads", 4, 8),
    ("HTTP, 1 client, on the loop", 0, 1),
    ("HTTP, 8 clients, on the loop", 0, 8),
]


async def bench(base: Path, work: Workload, n: int) -> list[str]:
    async def raw_of(live: LiveNode) -> Result:
        return await raw_run(live, work, n)

    raw = await measure(base, f"{work.name}-raw", 0, raw_of)
    lines = [
        f"{n} {work.name} each ({work.unit}), SQLite, broker running",
        f"| path | {work.name}/s | p50 ms | p99 ms | of raw |",
        "| --- | --- | --- | --- | --- |",
        raw.row(raw),
    ]
    for label, workers, clients in RUNS:
        name = work.name + "-" + label.replace(" ", "").replace(",", "-")

        async def run(live: LiveNode, c: int = clients, lb: str = label) -> Result:
            return await http_run(live, work, n, c, lb)

        lines.append((await measure(base, name, workers, run)).row(raw))
    return lines


async def main(n: int, only: str | None) -> None:
    workloads = [w for w in (Admissions(), Visits()) if only in (None, w.name)]
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        for work in workloads:
            print("\n".join(await bench(Path(tmp), work, n)), end="\n\n", flush=True)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    asyncio.run(main(count, sys.argv[2] if len(sys.argv) > 2 else None))
