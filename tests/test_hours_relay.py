"""The consortium's side of hours that travel (schemas.hours), on a real broker
and SQLite: each offer relayed to the payee and each answer to the payer under
dense n, signed with the consortium's statement key; an unknown payee answered
for; answers and settlements from the wrong co-op, for the wrong minutes, for
no transfer or a second time never relayed; a replay changing nothing; and a
relay staged but never acknowledged sent again byte for byte."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import msgspec
import nats
import pytest
from nats.aio.client import Client as NATS

from federation.broker import NatsServer, ensure_relay_stream
from federation.config import ConsortiumConfig
from federation.hours_exchange import ignored_hours
from federation.http.app import make_consortium_app
from federation.ingest import ConsortiumViews
from federation.relay import RelayPublisher
from federation.relay_log import RelayLog
from federation.service import ConsortiumService
from federation.statement_key import statement_public_key, statement_signer
from schemas import hours as h
from tests.hours_wire import CoopWire, all_relayed, answered, relayed, sent, settled
from tests.keys import keyring_for, register_coop_key, signed_message
from tests.page_text import visible_text
from tests.streams import ChainWriter
from tests.waiting import wait_for
from tests.web import serving
from toolkit.broker_connection import BrokerConnection
from toolkit.config import BrokerConfig, StoreConfig
from toolkit.signing import is_signed_by, verify_key


def consortium_config(tmp_path: Path, url: str) -> ConsortiumConfig:
    return ConsortiumConfig(
        store=StoreConfig(path=str(tmp_path / "consortium.db")),
        registry=StoreConfig(path=str(tmp_path / "registry.db")),
        broker=BrokerConfig(servers=[url]),
        statement_key_file=str(tmp_path / "statement.seed"),
    )


@pytest.fixture
async def consortium(
    tmp_path: Path, nats_server: NatsServer
) -> AsyncIterator[ConsortiumService]:
    service = ConsortiumService(consortium_config(tmp_path, nats_server.url))
    for coop_id in ("alpha", "beta", "gamma"):
        register_coop_key(service.registry, coop_id, f"{coop_id.title()} Care")
    service.start()
    await wait_for(lambda: service.aggregator.ready, what="the federation stream")
    yield service
    await service.stop()


@pytest.fixture
async def reader(nats_server: NatsServer) -> AsyncIterator[NATS]:
    nc = await nats.connect(nats_server.url)
    yield nc
    await nc.close()


def transfers(service: ConsortiumService) -> dict[str, tuple[str, str]]:
    """transfer -> (state, reason)"""
    with service.views.transaction() as cursor:
        rows = cursor.execute(
            "SELECT transfer, state, reason FROM hours_transfers"
        ).fetchall()
    return {r["transfer"]: (r["state"], r["reason"]) for r in rows}


def ignored(service: ConsortiumService) -> list[tuple[str, str]]:
    with service.views.transaction() as cursor:
        return [(str(i["coop_id"]), str(i["reason"])) for i in ignored_hours(cursor)]


async def relayed_count(nc: NATS, recipient: str, count: int) -> list[h.Relayed]:
    """Wait until ``count`` messages are relayed to ``recipient``; all of them."""
    found: list[h.Relayed] = []

    async def enough() -> bool:
        found[:] = await all_relayed(nc, recipient)
        return len(found) >= count

    for _ in range(200):
        if await enough():
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{recipient} has {len(found)} relays, not {count}")


@pytest.mark.slow
async def test_offers_and_answers_are_relayed_once_and_forgeries_never(
    consortium: ConsortiumService, reader: NATS, nats_server: NatsServer
) -> None:
    alpha = CoopWire("alpha", nats_server.url)
    beta = CoopWire("beta", nats_server.url)
    gamma = CoopWire("gamma", nats_server.url)
    taken, refused = sent("beta", 60, "K7Q2-MX4P"), sent("beta", 90)
    nowhere = sent("zeta", 30)
    await alpha.share(taken, refused, nowhere)

    offers = await relayed_count(reader, "beta", 2)
    assert [(o.n, o.transfer, o.minutes) for o in offers] == [
        (1, taken.transfer, 60),
        (2, refused.transfer, 90),
    ]
    assert all(isinstance(o, h.HoursOffer) and o.payer == "alpha" for o in offers)
    assert offers[0].reference == "K7Q2-MX4P"
    # The consortium answers for a co-op it does not know.
    (unknown,) = await relayed_count(reader, "alpha", 1)
    assert isinstance(unknown, h.HoursAnswer)
    assert (unknown.n, unknown.transfer, unknown.reason) == (
        1,
        nowhere.transfer,
        "unknown_coop",
    )
    # Each relay is signed with the consortium's statement key.
    key = verify_key(statement_public_key(consortium.config))
    found = await relayed(reader, "beta", 1)
    assert found is not None and is_signed_by(key, *found)

    # Forged answers: by a co-op that is not the payee, for other minutes, for
    # another payer, for no transfer.
    await gamma.share(answered(taken, "alpha"))
    await beta.share(
        answered(taken, "alpha", minutes=600),
        answered(taken, "gamma"),
        answered(sent("beta", 5), "alpha"),
    )
    # The genuine answers, then a second answer to one of them.
    await beta.share(
        answered(taken, "alpha"),
        answered(refused, "alpha", "over_limit"),
        answered(taken, "alpha", "not_taken"),
    )
    answers = await relayed_count(reader, "alpha", 3)
    assert [(a.n, a.transfer, a.reason) for a in answers[1:]] == [
        (2, taken.transfer, ""),
        (3, refused.transfer, "over_limit"),
    ]
    assert all(isinstance(a, h.HoursAnswer) and a.payee == "beta" for a in answers[1:])

    # Settlements: the payer's count, once, and only the one that fits the answer.
    await beta.share(settled(taken, "confirmed"))  # not the payer
    await alpha.share(
        settled(refused, "confirmed"),  # refused hours cannot be confirmed
        settled(taken, "refunded"),  # taken hours cannot be refunded
        settled(taken, "confirmed"),
        settled(refused, "refunded"),
        settled(nowhere, "refunded"),
        settled(taken, "confirmed"),  # again
    )
    await wait_for(
        lambda: (
            transfers(consortium).get(str(nowhere.transfer))
            == ("refunded", "unknown_coop")
        ),
        what="the last settlement",
    )
    await wait_for(lambda: len(ignored(consortium)) >= 9, what="the forgeries")
    assert transfers(consortium) == {
        str(taken.transfer): ("confirmed", ""),
        str(refused.transfer): ("refunded", "over_limit"),
        str(nowhere.transfer): ("refunded", "unknown_coop"),
    }
    assert ignored(consortium) == [
        ("alpha", "confirmed but the answer was refused (over_limit)"),
        ("alpha", "refunded but the answer was accepted"),
        ("alpha", "already settled"),
        ("beta", "answers 600 minutes, not 60"),
        ("beta", "names payer gamma, not alpha"),
        ("beta", "unknown transfer"),
        ("beta", "already answered"),
        ("beta", "settled by beta, not the payer"),
        ("gamma", "answered by gamma, not the payee"),
    ]
    # The envelopes were valid: nothing is a dead letter, every chain moved on.
    assert consortium.views.dead_letter_count() == 0
    assert consortium.views.position("beta") == 7

    # Replayed, the same envelopes change nothing and relay nothing more.
    duplicates = consortium.aggregator.totals.duplicates
    for wire in (alpha, beta, gamma):
        await wire.replay()
    total = len(alpha.sent) + len(beta.sent) + len(gamma.sent)
    await wait_for(
        lambda: consortium.aggregator.totals.duplicates >= duplicates + total,
        what="the replay",
    )
    assert consortium.relay is not None
    await consortium.relay.publish_once(reader.jetstream())
    assert len(await all_relayed(reader, "alpha")) == 3
    assert len(await all_relayed(reader, "beta")) == 2
    assert len(ignored(consortium)) == 9

    # The operator sees the relays and what was not counted, and why.
    async with (
        serving(make_consortium_app(consortium)) as url,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(url + "/operations") as response:
            assert response.status == 200
            text = " ".join(visible_text(await response.text()).split())
        async with session.get(url + "/metrics") as response:
            metrics = await response.text()
    assert "commonweal_consortium_hours_ignored 9.0" in metrics
    assert "commonweal_consortium_hours_relays_waiting 0.0" in metrics
    assert "Offers and answers relayed to co-ops 5" in text
    assert "Waiting to be relayed 0" in text
    assert "Hours messages not counted (an attack or a bug) 9" in text
    assert "gamma 1 hours.answered/1 answered by gamma, not the payee" in text


async def test_a_relay_staged_but_not_acknowledged_is_sent_again_byte_for_byte(
    tmp_path: Path, nats_server: NatsServer, reader: NATS, store: StoreConfig
) -> None:
    config = consortium_config(tmp_path, nats_server.url)
    views = ConsortiumViews.construct(store.env())
    views.keyring = keyring_for("alpha", "beta")
    alpha = ChainWriter("alpha")
    first, second = sent("beta", 45), sent("beta", 15)
    views.apply(
        [
            signed_message(
                "cw.coop.alpha.timebank", msgspec.json.encode(alpha.next(p)), i
            )
            for i, p in enumerate((first, second), start=1)
        ]
    )

    def publisher() -> RelayPublisher:
        return RelayPublisher(
            views,
            lambda coop_id: coop_id in {"alpha", "beta"},
            statement_signer(config),
            BrokerConnection([nats_server.url], "relay-test"),
        )

    # Staged, then the process is gone before it published.
    assert publisher().stage() == 2
    staged = RelayLog(views).relayed("beta")
    assert [(s.n, s.transfer, s.acknowledged) for s in staged] == [
        (1, str(first.transfer), False),
        (2, str(second.transfer), False),
    ]
    # The next process sends exactly what was staged, under the same n.
    js = reader.jetstream()
    await ensure_relay_stream(js)
    assert await publisher().publish_once(js) == 2
    for relay in staged:
        found = await relayed(reader, "beta", relay.n)
        assert found == (relay.data, relay.signature)
    assert all(s.acknowledged for s in RelayLog(views).relayed("beta"))

    # Published, then killed before the acknowledgement was recorded: the same
    # bytes again, and still one message under each n.
    with views.transaction() as cursor:
        cursor.execute("UPDATE relay_outbox SET acknowledged = 0")
    assert await publisher().publish_once(js) == 2
    assert [await relayed(reader, "beta", s.n) for s in staged] == [
        (s.data, s.signature) for s in staged
    ]
    assert await relayed(reader, "beta", 3) is None
    info = await js.stream_info(h.RELAY_STREAM)
    assert info.state.messages == 2
    # A queue filled again (a projection rebuilt) relays nothing twice.
    with views.transaction() as cursor:
        cursor.execute(
            "INSERT INTO hours_relay_queue (coop_id, seq, kind, transfer, "
            "queued_at) VALUES ('alpha', 99, 'offer', ?, '2026-12-01')",
            (str(first.transfer),),
        )
    assert await publisher().publish_once(js) == 0
    assert len(RelayLog(views).relayed("beta")) == 2
    views.factory.close()


async def test_a_consortium_that_cannot_sign_relays_nothing(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    """Built in code with no folder for its statement key, it runs no relay
    publisher (and so never relays unsigned hours); with one, it does."""
    unsigned = msgspec.structs.replace(
        consortium_config(tmp_path, nats_server.url),
        statement_key_file="statement.seed",
    )
    service = ConsortiumService(unsigned)
    try:
        assert service.relay is None
    finally:
        await service.stop()
    service = ConsortiumService(consortium_config(tmp_path, nats_server.url))
    service.start()
    try:
        assert service.relay is not None
        await wait_for(
            lambda: service.relay is not None and service.relay.connection.connected
        )
    finally:
        await service.stop()
    assert service.relay.connection.client is not None
    assert service.relay.connection.client.is_closed
