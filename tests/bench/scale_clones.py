"""The consortium at 10, 100, 1,000 and 10,000 co-ops: ingest per envelope, report
p95 and the aggregator's memory at each size, in one run.

Run: python -m tests.bench.scale_clones --coops 10 100 1000 10000 --prefix-from 1000

Generating 10,000 real node stores would take about seven hours on two cores
(tests/bench/scale.py writes each through the node's own commands), so, as in
tests/bench/ingest_clones.py, the stream of ``N`` co-ops is the stream of ten
real ones (scale.py's stores, generated once into ``--stores``) published again
under each copy's id and signed with the copy's key. From ``--prefix-from``
co-ops on, each copy publishes only the first ``--prefix`` envelopes of its
co-op's chain (a chain's prefix is a valid chain: founding, the first members,
the first care): a smaller history per co-op, so that 10,000 co-ops fit in a
session. The size given first with a prefix is also run with the full history,
so the two rows at that size show what the prefix changes.

At each size and backend, in a subprocess with this tree's code:
- ingest: the real ``Aggregator`` applies the whole stream to a fresh store,
  timed from its consumer being ready to the last envelope applied; its peak
  RSS (the aggregator process's, ``ru_maxrss``) is read when it has caught up;
- report: p95 of ``report_page`` (the first page of 50 co-ops, what the API and
  the dashboard answer) and of the whole report, on the store just filled.
PostgreSQL runs up to ``--postgres-up-to`` co-ops.
"""

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import msgspec

from federation.broker import NatsServer
from schemas.envelope import WireBody
from tests.bench.ingest_clones import SEED_COOPS, publish_copies
from tests.bench.report_pages import TREE, drop_schema, pg_store
from tests.bench.scale import coop_id_of, ensure_stores, replicate
from tests.streams import stream_messages
from toolkit.config import StoreConfig

# Run in a subprocess of this tree, so each size starts with a fresh heap.
MEASURE = """
import asyncio, json, resource, statistics, sys, time
from federation.ingest import ConsortiumViews
from federation import report
from tests.bench.scale import timed_ingest
from toolkit.config import StoreConfig
url, store = sys.argv[1], json.loads(sys.argv[2])
last_seq = json.loads(open(sys.argv[3]).read())  # too long for an argument
store = StoreConfig(**store)
seconds, applied = asyncio.run(timed_ingest(url, store, last_seq))
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
views = ConsortiumViews.construct(store.env())
def p95(work, runs):
    work()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.quantiles(timings, n=20)[18] * 1000
page = p95(lambda: report.report_page(views, limit=50), 40)
whole = p95(lambda: report.build_report(views), int(sys.argv[4]))
views.factory.close()
print(json.dumps({"seconds": seconds, "applied": applied, "rss": rss,
                  "page": page, "whole": whole}))
"""


def prefix_of(seed: list[tuple[str, bytes]], envelopes: int) -> list[tuple[str, bytes]]:
    """The seed's messages cut to each co-op's first ``envelopes`` envelopes."""
    out = []
    for subject, data in seed:
        body = msgspec.json.decode(data, type=WireBody)
        kept = [
            e
            for e in (body if isinstance(body, list) else [body])
            if e.seq <= envelopes
        ]
        if kept:
            out.append((subject, msgspec.json.encode(kept)))
    return out


def measure(
    url: str, store: StoreConfig, last_seq: dict[str, int], whole_runs: int
) -> dict[str, float]:
    positions = Path(tempfile.mkdtemp()) / "last_seq.json"
    positions.write_text(json.dumps(last_seq))
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            MEASURE,
            url,
            json.dumps(msgspec.to_builtins(store)),
            str(positions),
            str(whole_runs),
        ],
        cwd=TREE,
        env={"PYTHONPATH": str(TREE), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(f"measuring failed:\n{out.stderr[-3000:]}")
    result: dict[str, float] = json.loads(out.stdout.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--coops", type=int, nargs="+", default=[10, 100, 1000, 10000])
    parser.add_argument("--prefix-from", type=int, default=1000)
    parser.add_argument("--prefix", type=int, default=250)
    parser.add_argument("--postgres-up-to", type=int, default=10000)
    parser.add_argument(
        "--stores", type=Path, default=Path(tempfile.gettempdir()) / "cw-stores"
    )
    args = parser.parse_args()
    ensure_stores(args.stores, SEED_COOPS, 100)
    runs = [(size, None) for size in args.coops if size <= args.prefix_from]
    runs += [(size, args.prefix) for size in args.coops if size >= args.prefix_from]
    with tempfile.TemporaryDirectory(prefix="cw-scale-clones-") as tmp:
        work = Path(tmp)
        seed_ids = [coop_id_of(n) for n in range(SEED_COOPS)]
        for coop_id in seed_ids:
            for suffix in (".db", ".toml"):
                shutil.copy(
                    args.stores / f"{coop_id}{suffix}", work / f"{coop_id}{suffix}"
                )
        with NatsServer(work / "seed-broker") as server:
            asyncio.run(replicate(work, server.url, seed_ids))
            seed = asyncio.run(stream_messages(server.url))
        print(
            "| co-ops | history a co-op | envelopes | backend | ingest us/envelope "
            "| aggregator peak RSS MB | page of 50 p95 ms | whole report p95 ms |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for size, prefix in runs:
            messages = seed if prefix is None else prefix_of(seed, prefix)
            with NatsServer(work / f"broker{size}-{prefix}") as server:
                last_seq, envelopes = asyncio.run(
                    publish_copies(server.url, messages, size)
                )
                stores = {
                    "SQLite": StoreConfig(
                        path=str(work / f"consortium{uuid.uuid4().hex[:8]}.db")
                    )
                }
                if size <= args.postgres_up_to:
                    stores["PostgreSQL"] = pg_store()
                for backend, store in stores.items():
                    try:
                        result = measure(
                            server.url, store, last_seq, 10 if size < 10000 else 5
                        )
                    finally:
                        if store.kind == "postgres":
                            drop_schema(store)
                    if result["applied"] != envelopes:
                        raise RuntimeError(
                            f"applied {result['applied']} of {envelopes} envelopes"
                        )
                    history = "whole" if prefix is None else f"first {prefix}"
                    print(
                        f"| {size:,} | {history} | {envelopes:,} | {backend} "
                        f"| {result['seconds'] * 1e6 / envelopes:.1f} "
                        f"| {result['rss']:.0f} | {result['page']:.1f} "
                        f"| {result['whole']:.1f} |",
                        flush=True,
                    )
            shutil.rmtree(work / f"broker{size}-{prefix}", ignore_errors=True)


if __name__ == "__main__":
    main()
