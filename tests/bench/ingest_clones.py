"""Consortium ingest per envelope at 10 and 1,000 co-ops, this tree against another.

Run: python -m tests.bench.ingest_clones --coops 10 1000 --other /tmp/cw-main

Generating 1,000 real node stores takes about 45 minutes on two cores (see
tests/bench/scale.py), so the stream of ``--coops`` co-ops is made from the
stream of ten real ones (scale.py's stores, generated once into ``--stores``):
their replicators publish to a real nats-server, and every message is published
again for each copy of its co-op, under the copy's id and signed with the copy's
key. A chain's hashes cover only the payloads, so each copy's chain is as valid as
its original's. Copies are published a hundred co-ops at a time, interleaved
message by message, as a hundred replicators publishing at once would.

Each tree's aggregator (``tests.bench.scale.timed_ingest``, in a subprocess with
that tree's code) then applies the whole stream to a fresh SQLite store and a
fresh PostgreSQL schema, trees alternating, and the time per envelope is printed.
"""

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import msgspec
import nats

from federation.broker import NatsServer, ensure_federation_stream
from schemas.envelope import WireBody
from tests.bench.report_pages import TREE, drop_schema, pg_store
from tests.bench.scale import coop_id_of, ensure_stores, replicate
from tests.keys import coop_seed
from tests.streams import stream_messages
from toolkit.config import StoreConfig
from toolkit.signing import SIGNATURE_HEADER, Signer

SEED_COOPS = 10
AT_ONCE = 100  # co-ops publishing at the same time
TIMER = """
import asyncio, json, sys
from tests.bench.scale import timed_ingest
from toolkit.config import StoreConfig
url, store, last_seq = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
seconds, applied = asyncio.run(
    timed_ingest(url, StoreConfig(**store), last_seq)
)
print(json.dumps({"seconds": seconds, "applied": applied}))
"""


async def publish_copies(
    url: str, seed: list[tuple[str, bytes]], coops: int
) -> tuple[dict[str, int], int]:
    """The seed's messages again for every co-op ``k * 10 + n`` (seed co-op n);
    returns each co-op's last seq and the number of envelopes."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    await ensure_federation_stream(js)
    decoded = []
    for subject, data in seed:
        body = msgspec.json.decode(data, type=WireBody)
        decoded.append((subject, body if isinstance(body, list) else [body]))
    last_seq: dict[str, int] = {}
    envelopes = 0
    copies = coops // SEED_COOPS
    for first in range(0, copies, AT_ONCE // SEED_COOPS):
        group = range(first, min(copies, first + AT_ONCE // SEED_COOPS))
        signers = {
            coop_id_of(k * SEED_COOPS + n): Signer(
                coop_seed(coop_id_of(k * SEED_COOPS + n))
            )
            for k in group
            for n in range(SEED_COOPS)
        }
        pending = []
        for subject, body in decoded:
            seed_id = subject.split(".")[2]
            for k in group:
                coop_id = coop_id_of(k * SEED_COOPS + int(seed_id[1:]))
                copy = [msgspec.structs.replace(e, coop_id=coop_id) for e in body]
                data = msgspec.json.encode(copy if len(copy) > 1 else copy[0])
                pending.append(
                    await js.publish(
                        subject.replace(f".{seed_id}.", f".{coop_id}."),
                        data,
                        headers={SIGNATURE_HEADER: signers[coop_id].sign(data)},
                    )
                )
                last_seq[coop_id] = copy[-1].seq
                envelopes += len(copy)
    await nc.close()
    return last_seq, envelopes


def timed(tree: Path, url: str, store: StoreConfig, last_seq: dict[str, int]) -> float:
    """Seconds for ``tree``'s aggregator to apply the stream to ``store``."""
    python = tree / ".venv" / "bin" / "python"
    out = subprocess.run(
        [
            str(python if python.exists() else sys.executable),
            "-c",
            TIMER,
            url,
            json.dumps(msgspec.to_builtins(store)),
            json.dumps(last_seq),
        ],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(f"ingest by {tree} failed:\n{out.stderr[-3000:]}")
    seconds: float = json.loads(out.stdout)["seconds"]
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--coops", type=int, nargs="+", default=[10, 1000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", nargs="+", default=["SQLite", "PostgreSQL"])
    parser.add_argument("--other", type=Path, help="a checkout of the tree before")
    parser.add_argument(
        "--stores", type=Path, default=Path(tempfile.gettempdir()) / "cw-stores"
    )
    args = parser.parse_args()
    ensure_stores(args.stores, SEED_COOPS, 100)
    trees = {"this tree": TREE}
    if args.other:
        trees = {"before": args.other, **trees}
    with tempfile.TemporaryDirectory(prefix="cw-ingest-clones-") as tmp:
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
        print("| co-ops | envelopes | backend | tree | us per envelope (runs) |")
        print("| --- | --- | --- | --- | --- |")
        for size in args.coops:
            with NatsServer(work / f"broker{size}") as server:
                last_seq, envelopes = asyncio.run(
                    publish_copies(server.url, seed, size)
                )
                makers = {
                    "SQLite": lambda: StoreConfig(
                        path=str(work / f"consortium{uuid.uuid4().hex[:8]}.db")
                    ),
                    "PostgreSQL": pg_store,
                }
                for backend, make in makers.items():
                    if backend not in args.backends:
                        continue
                    runs: dict[str, list[float]] = {name: [] for name in trees}
                    rounds = args.rounds if envelopes < 100_000 else 1
                    for _ in range(rounds):  # trees alternating
                        for name, tree in trees.items():
                            store = make()
                            try:
                                seconds = timed(tree, server.url, store, last_seq)
                            finally:
                                if store.kind == "postgres":
                                    drop_schema(store)
                            runs[name].append(seconds * 1e6 / envelopes)
                    for name, costs in runs.items():
                        shown = ", ".join(f"{c:.1f}" for c in costs)
                        print(
                            f"| {size:,} | {envelopes:,} | {backend} | {name} "
                            f"| {statistics.median(costs):.1f} ({shown}) |",
                            flush=True,
                        )


if __name__ == "__main__":
    main()
