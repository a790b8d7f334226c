"""The consortium's JSON API and metrics. Everything here is already pseudonymous
and aggregated: it is what the co-ops chose to share. The API answers the published
view (``federation.suppression``): counts of people below 5 read "<5", and its
OpenAPI types are the published twins of the report's, so they say so."""

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import msgspec
import nats
from aiohttp import web
from eventsourcing.persistence import PersistenceError
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from federation.activity import last_applied
from federation.broker import FEDERATION_STREAM
from federation.growth import CoopGrowth
from federation.hours_between_coops import HoursBetweenCoops, hours_between_coops
from federation.membership import CoopMembership
from federation.registry import ConsortiumRegistry, Lineage
from federation.relay_log import relay_status
from federation.report import ConsortiumReport, report_page
from federation.service import ConsortiumService
from federation.suppression import publish, published_type
from toolkit.broker_connection import BrokerConnection
from toolkit.retry import describe
from toolkit.web.health import Health, health
from toolkit.web.paging import MAX_LIMIT
from toolkit.web.routes import Api

log = logging.getLogger(__name__)

api = Api()
SERVICE = web.AppKey("consortium", ConsortiumService)


class Coop(msgspec.Struct, frozen=True):
    membership: CoopMembership
    growth: CoopGrowth | None


async def _published(
    request: web.Request, part: Callable[[ConsortiumReport], object]
) -> Any:
    """``part`` of the report as it may be published, built off the event loop."""
    service = request.app[SERVICE]
    return await asyncio.to_thread(lambda: publish(part(service.report())))


class ReportQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A page of co-ops, as on the node's lists (toolkit.web.paging): ``cursor``
    is the ``next_cursor`` of the page before, empty for the first."""

    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_LIMIT)] = 50
    cursor: Annotated[str, msgspec.Meta(max_length=200)] = ""


class RegistryLineage:
    """The registry's lineage, read again only when the registry has changed:
    reading it loads every registered co-op (a few hundred ms at 1,000 co-ops),
    while its last event's id is one indexed read."""

    def __init__(self, registry: ConsortiumRegistry) -> None:
        self.registry = registry
        self._read: tuple[int, list[Lineage]] | None = None

    def __call__(self) -> list[Lineage]:
        version = self.registry.recorder.max_notification_id() or 0
        if self._read is None or self._read[0] != version:
            self._read = (version, self.registry.lineage())
        return self._read[1]


LINEAGE = web.AppKey("lineage", RegistryLineage)


def page_of_report(
    service: ConsortiumService, lineage: RegistryLineage, query: ReportQuery
) -> ConsortiumReport:
    """The report listing one page of co-ops, with the network's figures over
    every co-op."""
    return report_page(service.views, lineage(), after=query.cursor, limit=query.limit)


@api.route(
    "GET",
    "/api/report",
    summary="The consortium report: the network's figures and a page of co-ops",
    tag="reports",
    query=ReportQuery,
    response=published_type(ConsortiumReport),
    auth=False,
)
async def report(request: web.Request, query: ReportQuery) -> Any:
    service, lineage = request.app[SERVICE], request.app[LINEAGE]
    return await asyncio.to_thread(
        lambda: publish(page_of_report(service, lineage, query))
    )


@api.route(
    "GET",
    "/api/coops",
    summary="Member co-ops: membership and place in the growth tree",
    tag="coops",
    response=published_type(list[Coop]),
    auth=False,
)
async def coops(request: web.Request) -> Any:
    return await _published(request, _coops)


def _coops(report: ConsortiumReport) -> list[Coop]:
    growth = {g.coop_id: g for g in report.growth.coops}
    return [Coop(c, growth.get(c.coop_id)) for c in report.membership.coops]


@api.route(
    "GET",
    "/api/lineage",
    summary="The growth tree, depth first: each co-op with its parent",
    tag="coops",
    response=published_type(list[CoopGrowth]),
    auth=False,
)
async def lineage(request: web.Request) -> Any:
    return await _published(request, lambda report: report.growth.coops)


@api.route(
    "GET",
    "/api/hours-between-coops",
    summary="Time-bank hours co-ops paid each other through the consortium, by "
    "pair, and the check that the network's clearing and transit accounts sum "
    "to the hours still held",
    tag="reports",
    response=published_type(HoursBetweenCoops),
    auth=False,
)
async def hours_between(request: web.Request) -> Any:
    service = request.app[SERVICE]

    def read() -> HoursBetweenCoops:
        with service.views.transaction() as cursor:
            return hours_between_coops(cursor)

    return publish(await asyncio.to_thread(read))


@api.route(
    "GET",
    "/healthz",
    summary="ok when the views answer and the broker can be reached; else 503",
    tag="operations",
    response=Health,
    auth=False,
    errors=(503,),
)
async def healthz(request: web.Request) -> Health:
    service = request.app[SERVICE]
    try:
        service.views.position("")  # one indexed read: the store answers
    except PersistenceError:
        return health(False)
    return health(service.aggregator.broker.connected)


class ConsumerLag:
    """Polls the durable consumer's pending count: a metric must not wait on NATS
    at scrape time, so the last answer is kept."""

    def __init__(self, service: ConsortiumService, interval: float = 2.0) -> None:
        self.service = service
        self.interval = interval
        self.pending: int | None = None
        self.ack_pending: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, app: web.Application) -> None:
        self._task = asyncio.create_task(self._poll(), name="consumer-lag")

    async def stop(self, app: web.Application) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _poll(self) -> None:
        config = self.service.config
        broker = BrokerConnection(
            config.broker.servers,
            f"commonweal-consortium-{config.consumer}-lag",
            config.broker.connect_options(),
        )
        try:
            while True:
                await self._ask(broker)
                await asyncio.sleep(self.interval)
        finally:
            await broker.close()

    async def _ask(self, broker: BrokerConnection) -> None:
        """Ask the broker for the consumer's counts; an outage is said once, in a
        line, when it starts and when it ends."""
        try:
            nc = await broker.connect()
            info = await nc.jetstream().consumer_info(
                FEDERATION_STREAM, self.service.config.consumer
            )
        except (nats.errors.Error, OSError, TimeoutError) as error:
            if broker.last_error is None:
                log.info("consumer lag unknown: %s", describe(error))
            broker.note_error(error)
            self.pending = self.ack_pending = None
            return
        if broker.last_error is not None:
            log.info("consumer lag known again")
            broker.note_error(None)
        self.pending, self.ack_pending = info.num_pending, info.num_ack_pending


class ConsortiumCollector:
    def __init__(self, service: ConsortiumService, lag: ConsumerLag) -> None:
        self.service = service
        self.lag = lag

    def collect(self) -> Iterator[Metric]:
        totals = self.service.aggregator.totals
        applied = CounterMetricFamily(
            "commonweal_consortium_envelopes",
            "envelopes seen by the aggregator since start, by outcome",
            labels=["outcome"],
        )
        for outcome in ("applied", "duplicates", "dead_letters"):
            applied.add_metric([outcome], getattr(totals, outcome))
        yield applied
        with self.service.views.transaction() as cursor:
            dead = cursor.execute("SELECT COUNT(*) AS n FROM dead_letters").fetchone()
            coops = cursor.execute("SELECT coop_id FROM coops").fetchall()
        yield GaugeMetricFamily(
            "commonweal_consortium_dead_letters",
            "dead-letter records kept",
            value=int(dead["n"]),
        )
        position = GaugeMetricFamily(
            "commonweal_consortium_applied_seq",
            "the last applied seq of each co-op's chain",
            labels=["coop_id"],
        )
        for row in coops:
            coop_id = row["coop_id"]
            position.add_metric([coop_id], self.service.views.position(coop_id))
        yield position
        silence = GaugeMetricFamily(
            "commonweal_consortium_seconds_since_applied",
            "seconds since each co-op's last envelope was applied",
            labels=["coop_id"],
        )
        with self.service.views.transaction() as cursor:
            last = last_applied(cursor)
        now = dt.datetime.now(dt.UTC)
        for coop_id, at in sorted(last.items()):
            silence.add_metric([coop_id], (now - at).total_seconds())
        yield silence
        with self.service.views.transaction() as cursor:
            relays = relay_status(cursor, recent=0)
        yield GaugeMetricFamily(
            "commonweal_consortium_hours_relays_waiting",
            "hours offers and answers queued or staged, not yet acknowledged",
            value=relays.waiting,
        )
        yield GaugeMetricFamily(
            "commonweal_consortium_hours_ignored",
            "hours messages not counted (an attack or a bug)",
            value=relays.ignored,
        )
        yield GaugeMetricFamily(
            "commonweal_consortium_silent_coops",
            "registered co-ops with nothing applied for silent_after_seconds",
            value=len(self.service.silent_coops()),
        )
        if self.lag.pending is not None:
            yield GaugeMetricFamily(
                "commonweal_consortium_consumer_lag",
                "messages in the stream not yet delivered to the aggregator",
                value=self.lag.pending,
            )
            yield GaugeMetricFamily(
                "commonweal_consortium_consumer_ack_pending",
                "messages delivered but not yet acknowledged",
                value=self.lag.ack_pending or 0,
            )
