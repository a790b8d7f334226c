"""Benchmark: node write throughput through HTTP against the raw Application, in
one run, on a real SQLite store with the replicator publishing to a real broker.

An admission is what a board does for a new member: record the application, then
admit (which issues the member's first token). Raw: the same two commands called
directly on the node's Application. HTTP: POST /api/members then POST
/api/members/{id}/admit, from one client over keep-alive (sequential) and from 8
concurrent clients; with the store commands on a 4-thread pool and on the event
loop itself. Target: HTTP at least 40% of raw.

Run: python -m tests.bench.bench_http [admissions]
"""

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import nats

from commonweal.config import StoreConfig
from federation.broker import NatsServer, ensure_federation_stream
from tests.conftest import node_config
from tests.web import LiveNode, bearer, live_node

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


async def raw_admissions(live: LiveNode, n: int) -> Result:
    app = live.node.app
    latencies = []
    started = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        member_id = app.apply_for_membership(member_class="worker", **APPLICANT)
        live.node.replicator.wake()
        app.admit_with_token(member_id)
        live.node.replicator.wake()
        latencies.append(time.perf_counter() - t)
        # Let the replicator publish between commands, as it does beside HTTP.
        await asyncio.sleep(0)
    return Result("raw Application", latencies, time.perf_counter() - started)


async def http_admissions(live: LiveNode, n: int, clients: int, label: str) -> Result:
    latencies: list[float] = []
    headers = bearer(live.admin_token)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def one() -> None:
            t = time.perf_counter()
            async with session.post(
                live.url + "/api/members", json={**APPLICANT, "member_class": "worker"}
            ) as response:
                assert response.status == 201, await response.text()
                member = await response.json()
            async with session.post(
                f"{live.url}/api/members/{member['id']}/admit"
            ) as response:
                assert response.status == 200, await response.text()
                await response.read()
            latencies.append(time.perf_counter() - t)

        async def client(count: int) -> None:
            for _ in range(count):
                await one()

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


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        base = Path(tmp)
        raw = await measure(base, "raw", 0, lambda live: raw_admissions(live, n))
        runs = [
            ("HTTP, 1 client, 4 threads", 4, 1),
            ("HTTP, 8 clients, 4 threads", 4, 8),
            ("HTTP, 1 client, on the loop", 0, 1),
            ("HTTP, 8 clients, on the loop", 0, 8),
        ]
        results = []
        for label, workers, clients in runs:
            name = label.replace(" ", "").replace(",", "-")

            async def run(live: LiveNode, c: int = clients, lb: str = label) -> Result:
                return await http_admissions(live, n, c, lb)

            results.append(await measure(base, name, workers, run))
    print(f"{n} admissions each (apply + admit with token), SQLite, broker running")
    print("| path | admissions/s | p50 ms | p99 ms | of raw |")
    print("| --- | --- | --- | --- | --- |")
    print(raw.row(raw))
    for result in results:
        print(result.row(raw))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
