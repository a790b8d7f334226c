"""Operations: the local report, health, each consortium's replication, and the
node's Prometheus metrics."""

from collections.abc import Iterator

from aiohttp import web
from eventsourcing.persistence import PersistenceError
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from node.auth import BOARD, EVERYONE
from node.consortia import ConsortiaStatus
from node.http.context import NODE, run
from node.http.guard import principal, require
from node.http.pages import render, signed_in
from node.report import LocalReport, local_report
from node.service import NodeService
from toolkit.web.health import Health, health
from toolkit.web.routes import Api

api = Api()
ops_pages = web.RouteTableDef()


@api.route(
    "GET",
    "/api/report",
    summary="The co-op's own report (any signed-in member)",
    tag="reports",
    response=LocalReport,
    roles=EVERYONE,
)
async def report(request: web.Request) -> LocalReport:
    principal(request)
    return await run(request, local_report, request.app[NODE].coop_node)


@api.route(
    "GET",
    "/healthz",
    summary="ok when the store answers and the broker can be reached; else 503",
    tag="operations",
    response=Health,
    auth=False,
    errors=(503,),
)
async def healthz(request: web.Request) -> Health:
    node = request.app[NODE]
    try:
        await run(request, _events_stored, node)
    except PersistenceError:
        return health(False)
    return health(node.replicator.broker.connected)


@api.route(
    "GET",
    "/api/consortia",
    summary="Each consortium the co-op shares with: the streams it receives and "
    "how far behind it is (board)",
    tag="operations",
    response=ConsortiaStatus,
    roles=BOARD,
)
async def consortia(request: web.Request) -> ConsortiaStatus:
    require(request, BOARD, "see the co-op's consortia")
    return await run(request, request.app[NODE].consortia_status)


@ops_pages.get("/staff/consortia")
async def consortia_page(request: web.Request) -> web.Response:
    signed_in(request, BOARD)
    status = await run(request, request.app[NODE].consortia_status)
    return render(request, "consortia.html", replication=status)


def _events_stored(node: NodeService) -> int:
    return node.coop_node.recorder.max_notification_id() or 0


def _lag(node: NodeService, stored: int) -> int:
    return max(0, stored - node.replicator.published.position)


class NodeCollector:
    """Read at scrape time from the store and the replicator's own counters."""

    def __init__(self, node: NodeService) -> None:
        self.node = node

    def collect(self) -> Iterator[Metric]:
        coop = [self.node.config.coop_id]
        stored = _events_stored(self.node)
        events = GaugeMetricFamily(
            "commonweal_node_events_stored",
            "events in the node's store (the notification log's last id)",
            labels=["coop_id"],
        )
        events.add_metric(coop, stored)
        published = CounterMetricFamily(
            "commonweal_node_envelopes_published",
            "envelopes published to JetStream and acknowledged, since start",
            labels=["coop_id"],
        )
        published.add_metric(coop, self.node.replicator.envelopes_published)
        lag = GaugeMetricFamily(
            "commonweal_node_replication_lag_events",
            "events stored but not yet passed through the replicator",
            labels=["coop_id"],
        )
        lag.add_metric(coop, _lag(self.node, stored))
        # The series above are the first consortium's, as before a node could
        # belong to two; this one has every consortium's.
        behind = GaugeMetricFamily(
            "commonweal_node_consortium_lag_events",
            "events stored but not yet passed through a consortium's replicator",
            labels=["coop_id", "consortium"],
        )
        for replication in self.node.replications:
            position = replication.replicator.published.position
            behind.add_metric([*coop, replication.link.name], max(0, stored - position))
        yield from (events, published, lag, behind)
