"""The upward publisher across crashes, on a real broker and a real store: an
envelope made but never sent, or sent but never recorded as acknowledged, goes
again byte for byte after a restart, so the federation's chain neither forks
nor misses a report."""

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import msgspec
import nats
import pytest
from nats.js.api import StreamInfo

from federation.broker import FEDERATION_STREAM, NatsServer, ensure_federation_stream
from federation.config import ConsortiumConfig, UpwardConfig
from federation.consortium_snapshots import latest_snapshots
from federation.ingest import ConsortiumViews, Message
from federation.upward import UpwardPublisher, publish_upward_once
from federation.upward_log import UpwardLog
from schemas.consortium import ConsortiumReportPublished
from tests.keys import coop_seed, keyring_for, signed_message
from tests.streams import FOUNDED, ChainWriter, admitted, stream_messages
from toolkit.config import BrokerConfig, StoreConfig
from toolkit.signing import SIGNATURE_HEADER, Signer, message_id


@pytest.fixture
async def federation_broker(nats_server: NatsServer) -> AsyncIterator[NatsServer]:
    nc = await nats.connect(nats_server.url)
    await ensure_federation_stream(nc.jetstream())
    await nc.close()
    yield nats_server


def publisher_of(
    views: ConsortiumViews, store: StoreConfig, url: str
) -> UpwardPublisher:
    """What a (re)started consortium builds: its state read from its store."""
    config = UpwardConfig(
        member_id="north",
        broker=BrokerConfig(servers=[url], nkey_seed=coop_seed("north")),
    )
    return UpwardPublisher(views, list, UpwardLog(views), config)


def admit(views: ConsortiumViews, writer: ChainWriter, first: int, count: int) -> None:
    envelopes = [writer.next(admitted(n)) for n in range(first, first + count)]
    data = msgspec.json.encode(envelopes)
    views.apply([signed_message("cw.coop.alpha.membership", data, writer.seq)])


async def stream_count(url: str) -> int:
    nc = await nats.connect(url)
    try:
        info: StreamInfo = await nc.jetstream().stream_info(FEDERATION_STREAM)
        return int(info.state.messages)
    finally:
        await nc.close()


async def test_a_report_staged_or_unrecorded_goes_again_byte_for_byte(
    views: ConsortiumViews, store: StoreConfig, federation_broker: NatsServer
) -> None:
    url = federation_broker.url
    writer = ChainWriter("alpha")
    founded = writer.next(FOUNDED)
    views.apply(
        [signed_message("cw.coop.alpha.membership", msgspec.json.encode(founded), 1)]
    )
    admit(views, writer, 0, 6)

    # Killed after writing its envelope, before sending it.
    crashed = publisher_of(views, store, url)
    staged = await asyncio.to_thread(crashed._stage_snapshot)
    assert staged is not None and not staged.acknowledged
    # Figures and the co-ops' lineage, never a member's pseudonym.
    pseudonyms = [f'"{admitted(n).member}"'.encode() for n in range(6)]
    assert not any(pseudonym in staged.data for pseudonym in pseudonyms)
    restarted = publisher_of(views, store, url)
    assert await publish_upward_once(restarted) == 1
    [(_, data)] = await stream_messages(url)
    assert data == staged.data  # the very envelope, not a second one numbered 1
    # Nothing new: nothing sent.
    assert await publish_upward_once(restarted) is None
    assert await stream_count(url) == 1

    # Killed after the broker stored envelope 2, before recording its ack.
    admit(views, writer, 6, 3)
    second = await asyncio.to_thread(restarted._stage_snapshot)
    assert second is not None and second.seq == 2
    nc = await nats.connect(url)
    await nc.jetstream().publish(
        second.subject,
        second.data,
        headers={
            "Nats-Msg-Id": message_id("north", second.data, second.signature),
            SIGNATURE_HEADER: second.signature,
        },
    )
    await nc.close()
    again = publisher_of(views, store, url)
    assert await publish_upward_once(again) == 2
    assert await stream_count(url) == 2  # the resend was the same message
    last = again.state.last("north")
    assert last is not None and last.acknowledged and last.seq == 2

    # The federation applies both, in order, with no dead letter; the latest
    # wins. (The same views serve as the federation's: one aggregator's code.)
    views.keyring = keyring_for("alpha", "north")
    signer = Signer(coop_seed("north"))
    messages = [
        Message(subject, data, 100 + n, signature=signer.sign(data))
        for n, (subject, data) in enumerate(await stream_messages(url))
    ]
    outcome = views.apply(messages)
    assert (outcome.applied, outcome.dead_letters) == (2, 0)
    with views.transaction() as cursor:
        [snapshot] = latest_snapshots(cursor)
    assert snapshot.seq == 2
    assert isinstance(snapshot.figures, ConsortiumReportPublished)
    assert snapshot.figures.members == 9
    assert snapshot.figures.coops[0].coop_id == "alpha"


def test_a_snapshot_with_a_count_under_five_is_refused_not_summed(
    views: ConsortiumViews,
) -> None:
    """A consortium that sends an unsuppressed small count (a bug, or a leak) has
    its report dead-lettered: the federation never holds nor sums it."""
    views.keyring = keyring_for("north")
    good = msgspec.json.decode(
        msgspec.json.encode(_empty_snapshot()), type=dict[str, object]
    )
    leaky = {**good, "members": 3}
    writer = ChainWriter("north")
    envelope = writer.next(msgspec.json.encode(leaky), "consortium.report_published/1")
    outcome = views.apply(
        [signed_message("cw.coop.north.consortium", msgspec.json.encode(envelope), 1)]
    )
    assert (outcome.applied, outcome.dead_letters) == (0, 1)
    assert "invalid payload" in outcome.reasons[0]
    assert "members" in outcome.reasons[0]
    with views.transaction() as cursor:
        assert latest_snapshots(cursor) == []


def _empty_snapshot() -> ConsortiumReportPublished:
    return ConsortiumReportPublished(
        as_of=dt.date(2026, 1, 1),
        coop_count=0,
        members="<5",
        members_by_class={},
        share_capital_by_profile={},
        care_minutes=0,
        care_minutes_by_service={},
        visits_delivered=0,
        visits_missed=0,
        volunteer_minutes=0,
        active_volunteers="<5",
        ballots=0,
        quorate=0,
        timebank_accounts="<5",
        timebank_earned=0,
        timebank_spent=0,
        workforce_headcount="<5",
        workforce_leavers_12m="<5",
        coops=[],
    )


def test_sharing_upward_to_the_consortiums_own_broker_is_refused() -> None:
    """Its own stream would take in its reports as a co-op's messages."""
    with pytest.raises(ValueError, match="the federation's broker"):
        ConsortiumConfig(
            broker=BrokerConfig(servers=["nats://hub:4222"]),
            upward=UpwardConfig(
                member_id="north",
                broker=BrokerConfig(
                    servers=["nats://hub:4222"], nkey_seed=coop_seed("north")
                ),
            ),
        )
