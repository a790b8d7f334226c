"""Benchmark: what sealing personal fields (node.sealing, issue #17) costs the
node's command rate, in one run: the workloads of tests/bench/bench_http.py
(admissions and visits; the raw Application and 8 HTTP clients on the event
loop) with the sealing mapper and with eventsourcing's plain one, alternating
rounds so that load on the machine falls on both alike. Target: sealing costs
less than 30% of the command rate.

Run: python -m tests.bench.sealing_cost [count] [rounds]
"""

import asyncio
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Mapper

from node.personal_keys import KeyTable, keys_path
from node.sealing import SealedPersonalData
from tests.bench.bench_http import (
    Admissions,
    Result,
    Visits,
    Workload,
    http_run,
    measure,
    raw_run,
)


@contextmanager
def sealing(on: bool) -> Iterator[None]:
    """Nodes made inside store their events sealed (the node as it is) or plain
    (as before erasure existed): only the mapper differs."""
    if on:
        yield
        return
    sealed = SealedPersonalData.construct_mapper

    def plain(self: Any) -> Mapper[Any]:
        self.keys = KeyTable.at(keys_path(self.env))
        return Mapper(self.construct_transcoder())

    SealedPersonalData.construct_mapper = plain  # type: ignore[method-assign]
    try:
        yield
    finally:
        SealedPersonalData.construct_mapper = sealed  # type: ignore[method-assign]


async def one_round(
    base: Path, work: Workload, n: int, on: bool, k: int
) -> tuple[float, float]:
    tag = f"{work.name}-{'sealed' if on else 'plain'}-{k}"

    async def raw_of(live: Any) -> Result:
        return await raw_run(live, work, n)

    async def http_of(live: Any) -> Result:
        return await http_run(live, work, n, 8, "HTTP, 8 clients, on the loop")

    with sealing(on):
        raw = await measure(base, tag + "-raw", 0, raw_of)
        http = await measure(base, tag + "-http", 0, http_of)
    return raw.rate, http.rate


async def main(n: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-sealing-") as tmp:
        for work in (Admissions(), Visits()):
            rates: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
            for k in range(rounds):
                for on in (False, True) if k % 2 == 0 else (True, False):
                    rates[on].append(await one_round(Path(tmp), work, n, on, k))
            print(f"{n} {work.name} per round, {rounds} rounds, median of rounds")
            print(f"| path | plain {work.name}/s | sealed {work.name}/s | cost |")
            print("| --- | --- | --- | --- |")
            for i, path in enumerate(("raw Application", "HTTP, 8 clients, loop")):
                plain = statistics.median(r[i] for r in rates[False])
                sealed = statistics.median(r[i] for r in rates[True])
                cost = 1 - sealed / plain
                print(f"| {path} | {plain:.0f} | {sealed:.0f} | {cost:.0%} |")
            print(flush=True)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    asyncio.run(main(count, int(sys.argv[2]) if len(sys.argv) > 2 else 3))
