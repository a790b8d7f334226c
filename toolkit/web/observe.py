"""Operations: request latency histograms, one access-log record per request,
and the ``/metrics`` handler, open to a token or to loopback only.

Each app owns its own ``CollectorRegistry`` so two apps in one process (tests, the
demo) never share or clash on metrics.
"""

import hashlib
import hmac
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram
from prometheus_client.exposition import generate_latest

from toolkit.logs import FIELDS

access_log = logging.getLogger("toolkit.web.access")


class HttpMetrics:
    """``token_sha256``: the sha256 of the token a scraper must present as a
    bearer; empty, /metrics answers only clients on this machine's loopback."""

    def __init__(self, registry: CollectorRegistry, token_sha256: str = "") -> None:
        self.registry = registry
        self.token_sha256 = token_sha256
        self.latency = Histogram(
            "commonweal_http_request_duration_seconds",
            "HTTP request latency by route, method and status",
            ["method", "route", "status"],
            registry=registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )

    def middleware(self) -> Callable[..., Awaitable[web.StreamResponse]]:
        @web.middleware
        async def observe(
            request: web.Request,
            handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        ) -> web.StreamResponse:
            started = time.perf_counter()
            status = 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except web.HTTPException as error:
                status = error.status
                raise
            finally:
                elapsed = time.perf_counter() - started
                route = _route_name(request)
                self.latency.labels(request.method, route, str(status)).observe(elapsed)
                if access_log.isEnabledFor(logging.INFO):
                    fields = {
                        "event": "http_request",
                        "method": request.method,
                        "route": route,
                        "path": request.path,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                        "remote": request.remote,
                    }
                    access_log.info(
                        "%s %s %s",
                        request.method,
                        request.path,
                        status,
                        extra={FIELDS: fields},
                    )

        return observe

    async def handler(self, request: web.Request) -> web.Response:
        if not self.may_scrape(request):
            raise web.HTTPForbidden(text="metrics need the metrics token")
        return web.Response(
            body=generate_latest(self.registry),
            headers={"Content-Type": CONTENT_TYPE_LATEST},
        )

    def may_scrape(self, request: web.Request) -> bool:
        if self.token_sha256:
            header = request.headers.get("Authorization", "")
            token = header[7:].strip() if header.lower().startswith("bearer ") else ""
            presented = hashlib.sha256(token.encode()).hexdigest()
            return bool(token) and hmac.compare_digest(presented, self.token_sha256)
        return is_loopback(request.remote)


def is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:  # a unix socket's peer, say: not an address we can place
        return False


def _route_name(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"
