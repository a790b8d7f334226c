"""The network's mirror delivered over real brokers: each co-op reads only its
own (the hub refuses another co-op's credentials), a node keeps what the
consortium signed once and refuses the rest, and the board's page shows it."""

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import msgspec
import nats
import pytest
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from commonweal.cli import main
from federation.broker import NatsServer, ensure_mirror_stream
from federation.config import ConsortiumConfig
from federation.credentials import new_user_seed
from federation.mirror import build_mirrors
from federation.mirror_publisher import publish
from federation.registry import ConsortiumRegistry
from federation.service import ConsortiumService
from federation.statement_key import statement_public_key, statement_signer
from node.config import NodeConfig
from node.mirror_fetch import last_message, recent_periods
from node.network_mirror import MirrorMonth, Receipt
from schemas.mirror import NetworkMirror, mirror_subject
from tests.configs import node_config
from tests.node_api import call, staff_token
from tests.page_text import visible_text
from tests.secured import SecuredHub
from tests.waiting import wait_for
from tests.web import LiveNode, browser_session, live_node
from toolkit.aggregates import events_with
from toolkit.config import BrokerConfig, StoreConfig, load_config, write_config
from toolkit.signing import Signer, is_signed_by, verify_key

ISSUED = dt.datetime.now(dt.UTC).replace(microsecond=0)
MONTH_BEFORE, LAST_MONTH, THIS_MONTH = recent_periods(ISSUED.date())
# Five co-ops have a missed-visit rate: alpha's 4% is the middle one. Four have
# a turnover figure: too few to compare.
FIGURES = {
    "missed_visit_rate": {
        "alpha": 0.04,
        "beta": 0.02,
        "gamma": 0.06,
        "delta": 0.01,
        "epsilon": 0.08,
    },
    "turnover": {"alpha": 0.2, "beta": 0.3, "gamma": 0.1, "delta": 0.25},
}


def with_key(config: ConsortiumConfig, tmp_path: Path) -> ConsortiumConfig:
    return msgspec.structs.replace(
        config, statement_key_file=str(tmp_path / "statement.seed")
    )


def alpha_config(
    tmp_path: Path, broker: BrokerConfig, consortium: ConsortiumConfig
) -> NodeConfig:
    store = StoreConfig(path=str(tmp_path / "alpha.db"))
    config = node_config("alpha", store, broker.servers)
    return msgspec.structs.replace(
        config, broker=broker, consortium_key=statement_public_key(consortium)
    )


async def publish_as_consortium(
    config: ConsortiumConfig, subject: str, data: bytes, signer: Signer
) -> None:
    nc = await nats.connect(config.broker.servers, **config.broker.connect_options())
    try:
        js = nc.jetstream(timeout=5)
        await ensure_mirror_stream(js)
        await js.publish(
            subject, data, headers={"Commonweal-Signature": signer.sign(data)}
        )
    finally:
        await nc.close()


def stored_mirrors(live: LiveNode) -> int:
    app = live.node.coop_node
    return len(list(events_with(app, MirrorMonth.Received.TOPIC)))


async def board_page(live: LiveNode) -> str:
    _, board = await staff_token(live, "board", "Bea Board")
    async with (
        browser_session(live, board) as session,
        session.get("/staff/network") as response,
    ):
        assert response.status == 200
        return visible_text(await response.text())


def received(live: LiveNode, receipt: Receipt) -> Callable[[], bool]:
    fetcher = live.node.mirrors
    assert fetcher is not None
    return lambda: fetcher.received[receipt] >= 1


@pytest.mark.slow
async def test_each_coop_reads_only_its_own_mirror_and_the_board_sees_it(
    secured_hub: SecuredHub, tmp_path: Path
) -> None:
    consortium = with_key(secured_hub.consortium, tmp_path)
    alpha_broker = secured_hub.register("alpha")
    beta_broker = secured_hub.register("beta")
    # Published before alpha's node runs: it reads it when it starts.
    nc = await nats.connect(
        consortium.broker.servers,
        **consortium.broker.connect_options(),
    )
    try:
        js = nc.jetstream(timeout=5)
        await ensure_mirror_stream(js)
        mirrors = build_mirrors(["alpha", "beta"], FIGURES, THIS_MONTH, ISSUED)
        assert await publish(js, mirrors, statement_signer(consortium)) == 2
    finally:
        await nc.close()

    async with live_node(alpha_config(tmp_path, alpha_broker, consortium)) as alpha:
        await wait_for(received(alpha, "stored"), what="alpha's mirror")
        text = await board_page(alpha)
        assert "Your co-op: 4%" in text
        assert "Middle half of co-ops: 2% to 6%; the co-op in the middle: 4%." in text
        assert "About 50 in every 100 co-ops have a lower figure than yours." in text
        # Turnover: four co-ops, withheld; alpha still sees its own.
        assert "Your co-op: 20%" in text
        assert "fewer than 5 co-ops have this figure" in text
        for other in ("beta", "gamma", "delta", "epsilon"):
            assert other not in text.lower()

        # The API: staff see it, a member does not.
        _, coordinator = await staff_token(alpha, "coordinator", "Cora Coordinator")
        status, history = await call(
            alpha, "GET", "/api/network-mirror", token=coordinator
        )
        assert status == 200
        assert [m["mirror"]["coop_id"] for m in history["mirrors"]] == ["alpha"]
        _, member = await staff_token(alpha, "member", "Mo Member")
        status, _ = await call(alpha, "GET", "/api/network-mirror", token=member)
        assert status == 403

        # Asked again, the same mirror is stored once.
        assert alpha.node.mirrors is not None
        alpha.node.mirrors.wake()
        await wait_for(received(alpha, "repeat"), what="the repeat")
        assert stored_mirrors(alpha) == 1

        # Signed with another key, on alpha's own subject: refused, not stored.
        forged = build_mirrors(["alpha"], FIGURES, LAST_MONTH, ISSUED)[0]
        await publish_as_consortium(
            consortium,
            mirror_subject("alpha", LAST_MONTH),
            msgspec.json.encode(forged),
            Signer(new_user_seed()),
        )
        # Signed by the consortium but beta's, on alpha's subject: refused too.
        beta_mirror = build_mirrors(["beta"], FIGURES, MONTH_BEFORE, ISSUED)[0]
        await publish_as_consortium(
            consortium,
            mirror_subject("alpha", MONTH_BEFORE),
            msgspec.json.encode(beta_mirror),
            statement_signer(consortium),
        )
        alpha.node.mirrors.wake()
        await wait_for(received(alpha, "forged"), what="the forged mirror")
        await wait_for(received(alpha, "not_ours"), what="beta's mirror")
        assert stored_mirrors(alpha) == 1
        assert [r.mirror.period for r in alpha.node.coop_node.mirrors_received()] == [
            THIS_MONTH
        ]

    # Beta's credentials: its own mirror, never alpha's.
    errors: list[str] = []

    async def on_error(error: Exception) -> None:
        errors.append(str(error))

    nc = await nats.connect(
        beta_broker.servers,
        error_cb=on_error,
        allow_reconnect=False,
        **beta_broker.connect_options(),
    )
    try:
        own = await last_message(nc, mirror_subject("beta", THIS_MONTH), timeout=2)
        assert own is not None and b'"coop_id":"beta"' in own[0]
        assert await last_message(nc, mirror_subject("alpha", THIS_MONTH), 1) is None
        alpha_subject = mirror_subject("alpha", THIS_MONTH)
        for request in (
            f"cw.own-mirror.{alpha_subject}",
            f"$JS.API.DIRECT.GET.CW_MIRROR.{alpha_subject}",
        ):
            with pytest.raises((NoRespondersError, NatsTimeout)):
                await nc.request(request, b"", timeout=1)
        with pytest.raises((NoRespondersError, NatsTimeout)):
            await nc.jetstream(timeout=1).get_last_msg("CW_MIRROR", alpha_subject)
        await nc.subscribe("cw.mirror.>")
        await nc.flush()
    finally:
        await nc.close()
    # The broker itself refused each of them.
    assert any(f'publish to "cw.own-mirror.{alpha_subject}"' in e for e in errors)
    assert any('subscription to "cw.mirror.>"' in e for e in errors)


@pytest.mark.slow
async def test_the_running_consortium_publishes_and_withholds_under_five(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    config = ConsortiumConfig(
        store=StoreConfig(path=str(tmp_path / "consortium.db")),
        registry=StoreConfig(path=str(tmp_path / "registry.db")),
        broker=BrokerConfig(servers=[nats_server.url]),
        statement_key_file=str(tmp_path / "statement.seed"),
    )
    consortium = ConsortiumService(config)
    consortium.registry.register(
        "alpha", "Alpha Care", public_key=Signer(new_user_seed()).public_key
    )
    consortium.start()
    try:
        await wait_for(lambda: consortium.mirrors.published >= 1, what="publishing")
        broker = BrokerConfig(servers=[nats_server.url])
        async with live_node(alpha_config(tmp_path, broker, config)) as alpha:
            await wait_for(received(alpha, "stored"), what="alpha's mirror")
            text = await board_page(alpha)
            # One co-op in the network: every comparison withheld.
            assert text.count("fewer than 5 co-ops have this figure") == 7
            assert "Your co-op has no figure for this yet." in text
            assert re.search(r"Month by month", text)
    finally:
        await consortium.stop()


def test_the_publish_mirrors_command_publishes_each_registered_coops_mirror(
    tmp_path: Path, nats_server: NatsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config_path = tmp_path / "consortium.toml"
    write_config(
        config_path,
        ConsortiumConfig(
            store=StoreConfig(path="consortium.db"),
            registry=StoreConfig(path="registry.db"),
            broker=BrokerConfig(servers=[nats_server.url]),
        ),
    )
    config = load_config(config_path, ConsortiumConfig)
    registry = ConsortiumRegistry(config.registry_env())
    for coop_id in ("alpha", "beta"):
        registry.register(
            coop_id, coop_id.title(), public_key=Signer(new_user_seed()).public_key
        )
    registry.close()

    assert main(["consortium", "publish-mirrors", "--config", str(config_path)]) == 0
    assert "published 2 network mirrors" in capsys.readouterr().out
    assert main(["consortium", "statement-key", "--config", str(config_path)]) == 0
    key = capsys.readouterr().out.strip()
    assert key == statement_public_key(config)

    async def read(coop_id: str) -> tuple[bytes, str] | None:
        nc = await nats.connect(nats_server.url)
        try:
            return await last_message(nc, mirror_subject(coop_id, THIS_MONTH))
        finally:
            await nc.close()

    found = asyncio.run(read("beta"))
    assert found is not None
    data, signature = found
    assert is_signed_by(verify_key(key), data, signature)
    mirror = msgspec.json.decode(data, type=NetworkMirror)
    assert mirror.coop_id == "beta" and mirror.period == THIS_MONTH
    # Two co-ops: every comparison withheld.
    assert {c.withheld for c in mirror.comparisons} == {"few_coops"}
