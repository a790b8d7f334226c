"""Relaying hours between co-ops (``schemas.hours``): the consortium's side of
the two-phase exchange.

``federation.hours_exchange`` queues a relay as it applies what co-ops share:
an offer to the payee for new hours sent, an answer to the payer for a payee's
counted answer. This publisher takes the queue in the order it was filled,
gives each message its recipient's next n, signs it with the consortium's
statement key (``federation.statement_key``) in the header a node signs its own
envelopes with, stages it in the outbox (``federation.relay_log``) and only
then publishes it on ``cw.relay.<recipient>.<n>`` in the ``CW_RELAY`` stream,
marking it acknowledged once JetStream has. An offer to a co-op this
consortium does not know (or to the payer itself) is answered here instead,
``unknown_coop``, so the payer refunds its member.

One writer only: the single aggregator's process, or partition 0 of a
partitioned consortium (``federation.service``), as two would give two
messages one n.
"""

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

import msgspec
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from federation.broker import ensure_relay_stream
from federation.hours_exchange import HoursExchangeProjection
from federation.ingest import ConsortiumViews
from federation.relay_log import RelayLog, StagedRelay
from schemas.hours import (
    HoursAnswer,
    HoursOffer,
    RefusalReason,
    Relayed,
    encode_relayed,
    relay_subject,
)
from toolkit.broker_connection import BrokerConnection
from toolkit.signing import SIGNATURE_HEADER, Signer
from toolkit.storage import Cursor

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 5.0
# Relays staged in one transaction: a backlog is worked through in bounded steps.
STAGE_BATCH = 200


class RelayPublisher:
    """Runs beside the consortium's aggregator as an asyncio task."""

    def __init__(
        self,
        views: ConsortiumViews,
        registered: Callable[[str], bool],
        signer: Signer,
        connection: BrokerConnection,
        *,
        replicas: int = 1,
        interval: float = INTERVAL_SECONDS,
        ack_timeout: float = 5.0,
    ) -> None:
        self.views = views
        self.registered = registered
        self.signer = signer
        self.connection = connection
        self.replicas = replicas
        self.interval = interval
        self.ack_timeout = ack_timeout
        self.log = RelayLog(views)
        self.published = 0  # messages acknowledged by this process
        self._wake = asyncio.Event()
        self._queued_seen = 0

    def wake(self) -> None:
        """A batch was applied: relay what it queued, if anything."""
        queued = sum(
            p.queued
            for p in self.views.projections
            if isinstance(p, HoursExchangeProjection)
        )
        if queued != self._queued_seen:
            self._queued_seen = queued
            self._wake.set()

    async def run(self) -> None:
        await self.connection.keep_running(self._relay_forever, "relaying hours", log)

    async def _relay_forever(self, nc: NATS) -> None:
        js = nc.jetstream(timeout=self.ack_timeout)
        await ensure_relay_stream(js, replicas=self.replicas)
        while True:
            await self.publish_once(js)
            self.connection.note_error(None)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)

    async def publish_once(self, js: JetStreamContext) -> int:
        """Publish what a crash left staged, then stage and publish the queue.
        Returns how many messages the broker acknowledged now."""
        self._wake.clear()  # what is queued from here on wakes the next round
        sent = await self._send(js, await asyncio.to_thread(self.log.unacknowledged))
        while await asyncio.to_thread(self.stage) > 0:
            sent += await self._send(
                js, await asyncio.to_thread(self.log.unacknowledged)
            )
        return sent

    async def _send(self, js: JetStreamContext, staged: list[StagedRelay]) -> int:
        for relay in staged:
            await js.publish(
                relay_subject(relay.recipient, relay.n),
                relay.data,
                headers={
                    SIGNATURE_HEADER: relay.signature,
                    "Nats-Msg-Id": f"relay:{relay.recipient}:{relay.n}",
                },
            )
            await asyncio.to_thread(self.log.acknowledge, relay.recipient, relay.n)
            self.published += 1
        return len(staged)

    def stage(self) -> int:
        """Stage up to ``STAGE_BATCH`` queued relays in one transaction, in the
        order queued; how many queue entries it took."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        with self.views.transaction() as cursor:
            queued = cursor.execute(
                "SELECT coop_id, seq, kind, transfer FROM hours_relay_queue "
                "ORDER BY queued_at, coop_id, seq LIMIT ?",
                (STAGE_BATCH,),
            ).fetchall()
            for entry in queued:
                cursor.execute(
                    "DELETE FROM hours_relay_queue WHERE coop_id = ? AND seq = ?",
                    (entry["coop_id"], entry["seq"]),
                )
                self._stage_one(cursor, entry["kind"], entry["transfer"], now)
        return len(queued)

    def _stage_one(
        self, cursor: Cursor, kind: str, transfer: str, now: dt.datetime
    ) -> None:
        row = cursor.execute(
            "SELECT payer, payee, minutes, reference, state, reason, sent_on, "
            "answered_on FROM hours_transfers WHERE transfer = ?",
            (transfer,),
        ).fetchone()
        if row is None:  # only a projection rebuilt under the queue
            return
        message: Relayed
        if kind == "offer" and self._partner(row["payer"], row["payee"]):
            message = _offer(row, transfer, now)
        elif kind == "offer":
            kind = "answer"
            message = _answer(row, transfer, "unknown_coop", now.date(), now)
            cursor.execute(
                "UPDATE hours_transfers SET state = 'answered', "
                "reason = 'unknown_coop', answered_on = ? "
                "WHERE transfer = ? AND state = 'sent'",
                (now.date().isoformat(), transfer),
            )
        else:
            answered_on = dt.date.fromisoformat(row["answered_on"])
            message = _answer(row, transfer, row["reason"], answered_on, now)
        if RelayLog.holds(cursor, kind, transfer):
            return
        n = RelayLog.last_n(cursor, message.recipient) + 1
        message = _numbered(message, n)
        data = encode_relayed(message)
        RelayLog.add(
            cursor,
            StagedRelay(
                message.recipient, n, kind, transfer, data, self.signer.sign(data)
            ),
        )

    def _partner(self, payer: str, payee: str) -> bool:
        """Whether the payee is another co-op of this consortium."""
        return payee != payer and self.registered(payee)


def _offer(row: Any, transfer: str, now: dt.datetime) -> HoursOffer:
    return HoursOffer(
        n=1,
        recipient=row["payee"],
        payer=row["payer"],
        transfer=UUID(transfer),
        minutes=int(row["minutes"]),
        reference=row["reference"],
        sent_on=dt.date.fromisoformat(row["sent_on"]),
        relayed_at=now,
    )


def _answer(
    row: Any,
    transfer: str,
    reason: RefusalReason,
    answered_on: dt.date,
    now: dt.datetime,
) -> HoursAnswer:
    return HoursAnswer(
        n=1,
        recipient=row["payer"],
        payee=row["payee"],
        transfer=UUID(transfer),
        minutes=int(row["minutes"]),
        reason=reason,
        answered_on=answered_on,
        relayed_at=now,
    )


def _numbered(message: Relayed, n: int) -> Relayed:
    return msgspec.structs.replace(message, n=n)
