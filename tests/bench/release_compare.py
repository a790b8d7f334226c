"""Catch-up of this tree against another checkout (an older release), in one run.

Run: python -m tests.bench.release_compare --other ../old --events 60000 --rounds 3

Each tree runs its own tests/bench/catchup.py (batched design only) with its own
virtual environment (``<tree>/.venv``), as a separate process, alternating tree by
tree each round so that whatever else the machine does weighs on both alike. A
tree's store is generated once, by its own code, and copied for every round.
"""

import argparse
import statistics
import subprocess
import tempfile
from pathlib import Path

ONE_ROUND = """
import asyncio, sys
from pathlib import Path
from tests.bench.catchup import generate_store, replicate
store, work, events = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
if not store.exists():
    generate_store(store, events)
envelopes, seconds = asyncio.run(replicate(store, work, naive=False))
print(envelopes, seconds)
"""


def one_round(tree: Path, store: Path, work: Path, events: int) -> tuple[int, float]:
    python = str(tree / ".venv" / "bin" / "python")
    done = subprocess.run(
        [python, "-c", ONE_ROUND, str(store), str(work), str(events)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    envelopes, seconds = done.stdout.split()[-2:]
    return int(envelopes), float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--other", type=Path, required=True, help="another checkout")
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    trees = {"this tree": Path.cwd(), "other": args.other.resolve()}
    rates: dict[str, list[float]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="cw-compare-") as tmp:
        base = Path(tmp)
        for round_ in range(args.rounds):
            for name, tree in trees.items():
                key = name.replace(" ", "-")
                envelopes, seconds = one_round(
                    tree, base / f"{key}.db", base / f"{key}-{round_}", args.events
                )
                rates[name].append(envelopes / seconds)
                print(f"round {round_ + 1} {name}: {envelopes} envelopes, "
                      f"{seconds:.2f}s, {envelopes / seconds:,.0f}/s")  # fmt: skip
    medians = {name: statistics.median(r) for name, r in rates.items()}
    for name, median in medians.items():
        print(f"{name}: median {median:,.0f} envelopes/s end to end")
    print(f"this tree / other: {medians['this tree'] / medians['other']:.2f}x")


if __name__ == "__main__":
    main()
