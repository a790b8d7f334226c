"""Operations: the local report, health, and the node's Prometheus metrics."""

from collections.abc import Iterator

from aiohttp import web
from eventsourcing.persistence import PersistenceError
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from node.auth import EVERYONE
from node.http.context import NODE, run
from node.http.guard import principal
from node.report import LocalReport, local_report
from node.service import NodeService
from toolkit.web.health import Health, health
from toolkit.web.routes import Api

api = Api()


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
        yield from (events, published, lag)
