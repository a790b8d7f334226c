"""Report p95 at many co-ops: the whole report against one page of co-ops.

Run: python -m tests.bench.report_pages --coops 1000 --other /tmp/cw-main

Generating 1,000 real node stores takes about 45 minutes on two cores (see
tests/bench/scale.py), so this benchmark builds a consortium of ``--coops``
co-ops from ``--seed-coops`` real ones: their stores are generated once into
``--stores`` (scale.py's stores, reused), replicated through a real nats-server
and ingested by a real aggregator into a SQLite consortium; then every row of
every table keyed by co-op is copied under new co-op ids into a fresh SQLite
store and a fresh PostgreSQL schema, so each table holds as many rows a co-op
as a real consortium of that size (the report reads only these tables).

On each store, alternating in turn so that load on the machine falls on both:
``build_report`` of ``--other`` (a checkout of the tree before the change, run
with its own code in a subprocess) and of this tree, whole and by page of 50
co-ops (the first page and a middle one), and the health check's read.
"""

import argparse
import asyncio
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import psycopg

from federation.broker import NatsServer
from federation.ingest import ConsortiumViews
from tests.bench.scale import (
    POSTGRES,
    coop_id_of,
    ensure_stores,
    replicate,
    timed_ingest,
)
from toolkit.config import StoreConfig
from toolkit.storage import run_fill

TREE = Path(__file__).resolve().parents[2]
# Timed in a subprocess of the tree being measured, with that tree's code.
TIMER = """
import json, statistics, sys, time
from federation.ingest import ConsortiumViews
from federation import report

env, runs, how = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
views = ConsortiumViews.construct(env)
def whole():
    report.build_report(views)
def first_page():
    report.report_page(views, limit=50)
def middle_page():
    report.report_page(views, after=sys.argv[4], limit=50)
def health():
    views.position("")
work = {"whole": whole, "first_page": first_page, "middle_page": middle_page,
        "health": health}[how]
work()
timings = []
for _ in range(runs):
    started = time.perf_counter()
    work()
    timings.append(time.perf_counter() - started)
views.factory.close()
print(json.dumps({"p95": statistics.quantiles(timings, n=20)[18] * 1000,
                  "median": statistics.median(timings) * 1000}))
"""


def seed_consortium(work: Path, stores: Path, seed_coops: int) -> Path:
    """A SQLite consortium holding ``seed_coops`` real co-ops' shared history."""
    run = work / "seed"
    run.mkdir()
    coop_ids = [coop_id_of(n) for n in range(seed_coops)]
    for coop_id in coop_ids:
        for suffix in (".db", ".toml"):
            shutil.copy(stores / f"{coop_id}{suffix}", run / f"{coop_id}{suffix}")
    path = run / "consortium.db"
    with NatsServer(run / "broker") as server:
        published = asyncio.run(replicate(run, server.url, coop_ids))
        last_seq = {c: seq for c, (_, seq) in published.items()}
        asyncio.run(timed_ingest(server.url, StoreConfig(path=str(path)), last_seq))
    return path


def keyed_tables(seed: Path) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every table with a ``coop_id`` column: its columns and rows."""
    db = sqlite3.connect(seed)
    tables = {}
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        columns = [row[1] for row in db.execute(f"PRAGMA table_info({name})")]
        if "coop_id" in columns:
            rows = db.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall()
            tables[name] = (columns, rows)
    db.close()
    return tables


def cloned(
    tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]],
    seed_coops: int,
    coops: int,
) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """The seed's rows under ``coops`` co-op ids: copy k of seed co-op n is co-op
    ``k * seed_coops + n``."""
    out = {}
    for name, (columns, rows) in tables.items():
        at = columns.index("coop_id")
        copies = []
        for k in range(coops // seed_coops):
            for row in rows:
                n = int(row[at][1:])
                copy = list(row)
                copy[at] = coop_id_of(k * seed_coops + n)
                copies.append(tuple(copy))
        out[name] = (columns, copies)
    return out


def fill(store: StoreConfig, tables: dict[str, Any]) -> None:
    """Fill ``store`` with the rows of ``tables``, and the network's running
    totals (the tables no co-op keys) from them, as ``FILLS`` does when new."""
    views = ConsortiumViews.construct(store.env())
    with views.transaction() as cursor:
        for name, (columns, rows) in tables.items():
            marks = ", ".join("?" * len(columns))
            cursor.executemany(
                f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows
            )
        for name, statement in views.FILLS:
            if name not in tables:
                cursor.execute(f"DELETE FROM {name}")
                run_fill(cursor, statement)
    views.factory.close()
    if store.kind == "postgres":
        # Rows bulk-loaded a moment ago have no planner statistics yet; a server
        # analyzes a table once a tenth of it has changed (autovacuum), so a
        # running consortium's tables always have them.
        with psycopg.connect(**POSTGRES, autocommit=True) as conn:  # type: ignore[arg-type]
            conn.execute(f'SET search_path TO "{store.schema}"')
            conn.execute("ANALYZE")


def pg_store() -> StoreConfig:
    """A fresh schema, named so that no other benchmark's clean-up (scale.py
    drops every ``bench_`` schema) takes it away mid-run."""
    schema = f"reports_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(**POSTGRES, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return StoreConfig(kind="postgres", dbname="test", user="postgres", schema=schema)


def drop_schema(store: StoreConfig) -> None:
    """Drop this run's schema only: other benchmarks may share the server."""
    with psycopg.connect(**POSTGRES, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(f'DROP SCHEMA IF EXISTS "{store.schema}" CASCADE')


def timed(tree: Path, store: StoreConfig, how: str, runs: int, middle: str) -> float:
    """p95 in ms of ``how`` on ``store``, measured with ``tree``'s code."""
    python = tree / ".venv" / "bin" / "python"
    out = subprocess.run(
        [
            str(python if python.exists() else sys.executable),
            "-c",
            TIMER,
            json.dumps(store.env()),
            str(runs),
            how,
            middle,
        ],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(f"{how} on {tree} failed:\n{out.stderr[-3000:]}")
    p95: float = json.loads(out.stdout)["p95"]
    return p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--coops", type=int, default=1000)
    parser.add_argument("--seed-coops", type=int, default=10)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--other", type=Path, help="a checkout of the tree before")
    parser.add_argument(
        "--stores", type=Path, default=Path(tempfile.gettempdir()) / "cw-stores"
    )
    args = parser.parse_args()
    ensure_stores(args.stores, args.seed_coops, 100)
    with tempfile.TemporaryDirectory(prefix="cw-report-pages-") as tmp:
        work = Path(tmp)
        seed = seed_consortium(work, args.stores, args.seed_coops)
        tables = cloned(keyed_tables(seed), args.seed_coops, args.coops)
        rows = sum(len(r) for _, r in tables.values())
        print(f"{args.coops} co-ops, {rows:,} rows in tables keyed by co-op")
        stores = {
            "SQLite": StoreConfig(path=str(work / "big.db")),
            "PostgreSQL": pg_store(),
        }
        for store in stores.values():
            fill(store, tables)
        middle = coop_id_of(args.coops // 2 - 1)
        trees = {"this tree": TREE}
        if args.other:
            trees = {"before": args.other, **trees}
        ways = [
            (name, tree, how)
            for name, tree in trees.items()
            for how in ("whole", "first_page", "middle_page", "health")
            if name == "this tree" or how in ("whole", "health")
        ]
        try:
            for backend, store in stores.items():
                results: dict[str, list[float]] = {}
                for _ in range(args.rounds):  # alternating: load falls on every way
                    for name, tree, how in ways:
                        p95 = timed(tree, store, how, args.runs, middle)
                        results.setdefault(f"{name}, {how}", []).append(p95)
                for way, p95s in results.items():
                    shown = ", ".join(f"{p:.1f}" for p in p95s)
                    print(
                        f"| {backend} | {way} | {statistics.median(p95s):.2f} "
                        f"| {shown} |",
                        flush=True,
                    )
        finally:
            drop_schema(stores["PostgreSQL"])


if __name__ == "__main__":
    main()
