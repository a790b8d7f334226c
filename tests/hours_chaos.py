"""Chaos for hours that travel: two co-ops send each other's members time-bank
hours through the consortium while the broker, the consortium and each node are
SIGKILLed at random and restarted (tests.chaos's harness).

Each node is a payer and a payee. At the end nothing may be in flight, and:
every co-op's ledger sums to zero; each co-op's clearing account of the other
is the other's negated; each transfer is confirmed at its payer and credited at
its payee, or refunded at its payer and not credited at its payee.

Run a soak: python -m tests.hours_chaos --minutes 5 --seed 7
"""

import argparse
import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec

from commonweal.sample_activity import MemberGenerator
from federation.config import ConsortiumConfig
from federation.report import build_report
from federation.statement_key import statement_public_key
from node.application import CoopNode
from node.config import NodeConfig
from node.service import NodeService
from tests.chaos import Chaos
from tests.chaos_actions import DAY
from toolkit.config import load_config

# Where each node's setup writes its members' reference codes, for the other
# node's worker to send hours to.
CODES = "{coop_id}.codes.json"
MEMBERS = 6


@dataclass
class HoursChaos(Chaos):
    nodes: int = 2
    WORKER = "tests.hours_worker"

    def node_options(self) -> dict[str, Any]:
        """Nodes read what the consortium relays them, signed with its key,
        often: the run is short."""
        config = load_config(self.workdir / "consortium.toml", ConsortiumConfig)
        return {"consortium_key": statement_public_key(config), "relay_every": 0.3}

    def __post_init__(self) -> None:
        super().__post_init__()
        for path in self.node_configs:
            self._set_up(path)

    def _set_up(self, path: Path) -> None:
        """Found the co-op with members who hold time accounts, and list their
        reference codes where the other co-op's worker reads them."""
        with _node(path) as node:
            node.found_if_new()
            app = node.coop_node
            app.open_pool_account()
            codes = []
            classes = app.coop().profile.class_names
            people = MemberGenerator(len(node.config.coop_id))
            for n in range(MEMBERS):
                member_id = app.apply_for_membership(
                    member_class=classes[n % len(classes)],
                    applied_on=DAY,
                    **people.person(),
                )
                app.admit_member(member_id, DAY)
                app.open_time_account(member_id)
                codes.append(app.reference_of(member_id))
        codes_file = self.workdir / CODES.format(coop_id=node.config.coop_id)
        codes_file.write_bytes(msgspec.json.encode(codes))

    def _lag(self) -> list[str]:
        lag = super()._lag()
        for path in self.node_configs:
            with _node(path) as node:
                held = transit_minutes(node.coop_node)
                if held:
                    lag.append(f"{node.config.coop_id}: {held} minutes in transit")
        return lag

    def hours_differences(self) -> list[str]:
        """Where the network's hours do not add up (empty when they do)."""
        found: list[str] = []
        outgoing, incoming, clearing = {}, {}, {}
        for path in self.node_configs:
            with _node(path) as node:
                app, coop_id = node.coop_node, node.config.coop_id
                accounts = list(app.time_accounts())
                if total := sum(a.balance for a in accounts):
                    found.append(f"{coop_id}: its ledger sums to {total}, not 0")
                if held := transit_minutes(app):
                    found.append(f"{coop_id}: {held} minutes still in transit")
                for account in accounts:
                    if account.kind == "clearing":
                        clearing[coop_id, account.partner] = account.balance
                for out in app.hours_out():
                    outgoing[out.id] = (coop_id, out)
                for into in app.hours_in():
                    incoming[into.transfer] = (coop_id, into)
        for (coop_id, partner), minutes in clearing.items():
            if minutes + clearing.get((partner, coop_id), 0):
                found.append(
                    f"{coop_id} holds {minutes} for {partner}, which holds "
                    f"{clearing.get((partner, coop_id))} for it"
                )
        for transfer, (payer, out) in outgoing.items():
            payee, into = incoming.get(transfer, (None, None))
            taken = into is not None and into.accepted
            if out.state not in ("confirmed", "refunded"):
                found.append(f"{transfer} from {payer} is {out.state}")
            elif (out.state == "confirmed") != taken:
                found.append(f"{transfer}: {out.state} at {payer}, taken: {taken}")
            elif into is not None and (into.minutes, payee) != (out.minutes, out.payee):
                found.append(f"{transfer}: {out} sent, {into} received")
        for transfer, (payee, _into) in incoming.items():
            if transfer not in outgoing:
                found.append(f"{transfer} received by {payee} was never sent")
        return found + self._reported_differences(clearing, outgoing)

    def _reported_differences(
        self,
        clearing: dict[tuple[str, str | None], int],
        outgoing: dict[UUID, tuple[str, Any]],
    ) -> list[str]:
        """Where the consortium's report of hours between co-ops differs from
        the nodes': hours confirmed per pair, transfers each way, none in
        flight, and its own check of the network's accounts."""
        views = self._views()
        try:
            reported = build_report(views).hours_between_coops
        finally:
            views.factory.close()
        found = []
        if reported.in_flight or not reported.agree or reported.held_minutes:
            found.append(f"the consortium reports {reported}")
        # A clearing account nets both ways: what was confirmed to the partner
        # less what the partner had confirmed to this co-op.
        confirmed = {(p.payer, p.payee): p.confirmed_minutes for p in reported.pairs}
        for (coop_id, partner), balance in clearing.items():
            net = confirmed.get((coop_id, partner), 0) - confirmed.get(
                (partner, coop_id), 0
            )
            if balance != net:
                found.append(
                    f"{coop_id} holds {balance} for {partner}; the consortium's "
                    f"confirmed hours net to {net}"
                )
        states = [(payer, out.payee, out.state) for payer, out in outgoing.values()]
        for state in ("confirmed", "refunded"):
            told = sum(getattr(p, state) for p in reported.pairs)
            if told != sum(1 for s in states if s[2] == state):
                found.append(f"{told} transfers reported {state}, nodes: {states}")
        return found

    def exchanges(self) -> dict[str, int]:
        """How many transfers ended each way, over the network."""
        ended: dict[str, int] = {}
        for path in self.node_configs:
            with _node(path) as node:
                for out in node.coop_node.hours_out():
                    ended[out.state] = ended.get(out.state, 0) + 1
        return ended


def transit_minutes(app: CoopNode) -> int:
    return sum(a.balance for a in app.time_accounts() if a.kind == "transit")


@contextlib.contextmanager
def _node(path: Path) -> Iterator[NodeService]:
    node = NodeService(load_config(path, NodeConfig))
    try:
        yield node
    finally:
        node.coop_node.close()
        node.outbox.close()
        node.replication_log.factory.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cw-hours-chaos-") as tmp:
        chaos = HoursChaos(Path(tmp), args.seed)
        try:
            chaos.run(args.minutes * 60)
            chaos.settle()
            differences = [*chaos.differences(), *chaos.hours_differences()]
            ended = chaos.exchanges()
        finally:
            chaos.shutdown()
    print(f"seed {args.seed}: kills {chaos.kills}, exchanges {ended}")
    if differences:
        raise SystemExit("NOT exact:\n" + "\n".join(differences))
    print("hours add up")


if __name__ == "__main__":
    main()
