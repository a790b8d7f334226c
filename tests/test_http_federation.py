"""A federation over HTTP: its report as JSON (conforming to the OpenAPI
document's published type) and as a page, fed by a consortium that shared its
report upward through a real broker. A consortium's "<5" stays suppressed."""

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import msgspec
import nats.errors

from federation.broker import NatsServer
from federation.config import UpwardConfig
from federation.http import make_consortium_app
from federation.ingest import ConsortiumViews
from federation.service import ConsortiumService
from federation.upward import UpwardPublisher, publish_upward_once
from federation.upward_log import UpwardLog
from tests.keys import KeyBook, coop_seed, keyring_for, signed_message
from tests.streams import FOUNDED, ChainWriter, admitted
from tests.web import serving
from toolkit.config import BrokerConfig, StoreConfig


async def test_the_federation_report_as_json_and_page(
    tmp_path: Path,
    nats_server: NatsServer,
    key_book: KeyBook,
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    key_book.add_coop("north", "Consortium North")
    federation = make_consortium([nats_server.url])
    # North, a consortium of one co-op with 3 members: it publishes "<5".
    store = StoreConfig(path=str(tmp_path / "north.db"))
    north = ConsortiumViews.construct(store.env())
    north.keyring = keyring_for("alpha")
    writer = ChainWriter("alpha")
    envelopes = [writer.next(FOUNDED), *(writer.next(admitted(n)) for n in range(3))]
    north.apply(
        [signed_message("cw.coop.alpha.membership", msgspec.json.encode(envelopes), 1)]
    )
    config = UpwardConfig(
        member_id="north",
        broker=BrokerConfig(servers=[nats_server.url], nkey_seed=coop_seed("north")),
    )
    state = UpwardLog(north)
    publisher = UpwardPublisher(north, list, state, config)
    sent = None
    for _ in range(50):  # the federation makes its stream as it starts
        try:
            sent = await publish_upward_once(publisher)
            break
        except (nats.errors.Error, TimeoutError):
            await asyncio.sleep(0.1)
    assert sent == 1
    deadline = time.monotonic() + 10
    async with (
        serving(make_consortium_app(federation)) as url,
        aiohttp.ClientSession() as session,
    ):
        while True:
            async with session.get(url + "/api/federation-report") as response:
                assert response.status == 200
                report = await response.json()
            if report["consortia"] or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        assert [c["consortium_id"] for c in report["consortia"]] == ["north"]
        assert report["consortia"][0]["name"] == "Consortium North"
        assert report["consortia"][0]["members"] == "<5"
        # Never un-suppressed: nothing known, one part under 5.
        assert report["totals"]["members"] == {"known": "<5", "suppressed_parts": 1}
        assert [g["coop_id"] for g in report["growth"]] == ["alpha"]
        async with session.get(url + "/openapi.json") as response:
            document = await response.json()
        assert "/api/federation-report" in document["paths"]
        async with session.get(url + "/federation") as response:
            assert response.status == 200
            page = await response.text()
        assert "<caption>" in page and 'data-consortium="north"' in page
        assert "fewer than 5 (1 consortium)" in page
        assert 'data-api="GET /api/federation-report"' in page
    north.factory.close()


async def test_the_operations_page_shows_what_is_shared_upward(
    tmp_path: Path,
    nats_server: NatsServer,
    key_book: KeyBook,
    make_consortium: Callable[..., ConsortiumService],
) -> None:
    """A running consortium with an [upward] section shares its report at once
    and says on its operations page whether the federation's broker has it."""
    key_book.add_coop("north", "Consortium North")
    make_consortium([nats_server.url])  # the federation, which makes its stream
    with NatsServer(tmp_path / "north-broker") as north_broker:
        north = make_consortium(
            [north_broker.url],
            store=StoreConfig(path=str(tmp_path / "north.db")),
            durable="north",
            upward=UpwardConfig(
                member_id="north",
                broker=BrokerConfig(
                    servers=[nats_server.url], nkey_seed=coop_seed("north")
                ),
                debounce_seconds=0.1,
            ),
        )
        assert north.upward is not None
        deadline = time.monotonic() + 15
        while not north.upward.status().acknowledged:
            assert time.monotonic() < deadline, north.upward.status()
            await asyncio.sleep(0.1)
        async with (
            serving(make_consortium_app(north)) as url,
            aiohttp.ClientSession() as session,
            session.get(url + "/operations") as response,
        ):
            assert response.status == 200
            page = await response.text()
        assert 'id="upward-seq">1<' in page
        assert 'id="upward-acknowledged">yes<' in page
        assert "as member north" in page
