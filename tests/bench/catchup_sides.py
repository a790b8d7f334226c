"""Each side of catch-up measured alone, in process: CPU instructions and time.

Run (the store and the messages are made once, then each side as often as
wanted, so that a change is measured before and after on the same input):

    python -m tests.bench.catchup_sides prepare --dir /tmp/cw-sides --events 60000
    python -m tests.bench.catchup_sides node --dir /tmp/cw-sides
    python -m tests.bench.catchup_sides consortium --dir /tmp/cw-sides

- node: the replicator's work for the whole store, page by page, as
  ``Replicator._replicate`` does it but with nothing published: read the page,
  build the envelopes, pack and sign the messages, make their headers, record
  the position (on a fresh copy of the store each run);
- consortium: the node's messages, signed, applied by ``ConsortiumViews.apply``
  to a fresh SQLite store, ``--messages`` at a time (a catch-up's fetch takes
  several 250-envelope messages at once).

Wall-clock time on a machine shared with other work is noise; instruction
counts are repeatable under load. Where the CPU has no counter for ``perf stat``
(a virtual machine), count under valgrind, once with ``--setup-only`` (everything
but the measured part) and once without, and divide the difference by the
envelopes:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        python -m tests.bench.catchup_sides consortium --dir D [--setup-only]
"""

import argparse
import datetime as dt
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

from federation.ingest import ConsortiumViews, Message
from node.replicator import build_envelopes, pack
from node.service import NodeService
from tests.bench.catchup import generate_store, node_config
from tests.keys import keyring_for
from toolkit.config import StoreConfig

SETUP_ONLY = False  # everything but the measured part, to subtract its instructions

Wire = list[tuple[str, bytes, str]]  # subject, data, signature


def measure(label: str, envelopes: int, run: Callable[[], None]) -> None:
    if SETUP_ONLY:
        print(f"{label}: setup only, nothing run")
        return
    started, cpu = time.perf_counter(), time.process_time()
    run()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{label}: {envelopes} envelopes, {seconds * 1e6 / envelopes:.2f} us each "
        f"({envelopes / seconds:,.0f}/s), CPU {cpu * 1e6 / envelopes:.2f} us each"
    )


def prepare(folder: Path, events: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    generate_store(folder / "store.db", events)
    wire: Wire = []
    with node_side(folder) as replicate:
        for messages in replicate():
            wire += [(m.subject, m.data, m.signature) for m in messages]
    (folder / "messages.msgpack").write_bytes(msgspec.msgpack.encode(wire))
    print(f"{len(wire)} messages in {folder}")


@contextmanager
def node_side(folder: Path) -> Iterator[Callable[[], Iterator[list]]]:  # type: ignore[type-arg]
    """The replicator's work over a fresh copy of the store, page by page."""
    work = Path(tempfile.mkdtemp(dir=folder))
    shutil.copy(folder / "store.db", work / "node.db")
    node = NodeService(node_config(work / "node.db", ["nats://127.0.0.1:1"]))
    replicator = node.replicator
    assert replicator.signer is not None
    signer = replicator.signer

    def replicate() -> Iterator[list]:  # type: ignore[type-arg]
        while (page := replicator._next_page()) is not None:
            outgoing, head = build_envelopes(
                node.coop_node.coop_id,
                replicator.reader,
                replicator.policy,
                replicator.published,
                *page,
            )
            messages = pack(outgoing, replicator.envelopes_per_message, signer)
            for message in messages:
                message.headers  # noqa: B018 (made for each publish)
            replicator.state.record_published(node.coop_node.coop_id, head)
            replicator.published = head
            replicator.envelopes_published += len(outgoing)
            yield messages

    try:
        yield replicate
    finally:
        node.coop_node.close()
        node.outbox.close()
        node.replication_log.factory.close()
        shutil.rmtree(work)


def run_node(folder: Path) -> None:
    with node_side(folder) as replicate:
        envelopes = _envelopes(folder)

        def run() -> None:
            for _ in replicate():
                pass

        measure("node", envelopes, run)


def run_consortium(folder: Path, per_batch: int) -> None:
    wire = msgspec.msgpack.decode(
        (folder / "messages.msgpack").read_bytes(), type=list[tuple[str, bytes, str]]
    )
    now = dt.datetime.now(dt.UTC)
    messages = [Message(s, d, n + 1, sig, now) for n, (s, d, sig) in enumerate(wire)]
    batches = [
        messages[start : start + per_batch]
        for start in range(0, len(messages), per_batch)
    ]
    work = Path(tempfile.mkdtemp(dir=folder))
    views = ConsortiumViews.construct(StoreConfig(path=str(work / "views.db")).env())
    views.keyring = keyring_for("bench")
    envelopes = _envelopes(folder)
    applied = 0

    def run() -> None:
        nonlocal applied
        for batch in batches:
            outcome = views.apply(batch)
            applied += outcome.applied
            if outcome.dead_letters or outcome.held:
                raise RuntimeError(f"not a clean catch-up: {outcome}")

    try:
        measure("consortium", envelopes, run)
        finished = views.position("bench") == applied == envelopes
        if not SETUP_ONLY and not finished:
            raise RuntimeError(f"applied {applied} of {envelopes}")
    finally:
        views.factory.close()
        shutil.rmtree(work)


def _envelopes(folder: Path) -> int:
    wire = msgspec.msgpack.decode((folder / "messages.msgpack").read_bytes())
    return sum(
        len(body) if isinstance(body, list) else 1
        for body in (msgspec.json.decode(data) for _, data, _ in wire)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("side", choices=["prepare", "node", "consortium"])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--messages", type=int, default=8, help="per applied batch")
    parser.add_argument("--setup-only", action="store_true")
    args = parser.parse_args()
    global SETUP_ONLY
    SETUP_ONLY = args.setup_only
    if args.side == "prepare":
        prepare(args.dir, args.events)
    elif args.side == "node":
        run_node(args.dir)
    else:
        run_consortium(args.dir, args.messages)


if __name__ == "__main__":
    main()
