"""What the node and the consortium tell someone who has not signed in: /healthz
only ok or not ok (not ok while the broker cannot be reached), /metrics nothing
unless a metrics token is configured and presented, or the scraper is on loopback."""

import asyncio
import hashlib
from collections.abc import Callable
from pathlib import Path

import aiohttp
from aiohttp.test_utils import make_mocked_request
from prometheus_client import CollectorRegistry

from federation.broker import NatsServer
from federation.http import make_consortium_app
from federation.service import ConsortiumService
from node.config import NodeConfig, new_secret
from tests.keys import coop_seed
from tests.web import live_node, serving
from toolkit.config import BrokerConfig, HttpConfig, StoreConfig
from toolkit.web.observe import HttpMetrics

METRICS_TOKEN = "scrape-me-9f2c"


async def get(url: str, token: str | None = None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, headers=headers, allow_redirects=False) as response,
    ):
        return response.status, await response.text()


async def until_status(url: str, status: int, timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.1)):
        if (await get(url))[0] == status:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered {status}")


async def test_node_health_follows_the_broker_and_metrics_need_the_token(
    tmp_path: Path,
) -> None:
    broker = NatsServer(tmp_path / "broker").start()
    config = NodeConfig(
        coop_id="alpha",
        name="Alpha Care",
        secret=new_secret(),
        store=StoreConfig(path=str(tmp_path / "alpha.db")),
        broker=BrokerConfig(servers=[broker.url], nkey_seed=coop_seed("alpha")),
        http=HttpConfig(
            metrics_token_sha256=hashlib.sha256(METRICS_TOKEN.encode()).hexdigest()
        ),
    )
    try:
        async with live_node(config) as http:
            await until_status(f"{http.url}/healthz", 200)
            assert await get(f"{http.url}/healthz") == (200, '{"status":"ok"}')
            broker.kill()
            await until_status(f"{http.url}/healthz", 503)
            status, body = await get(f"{http.url}/healthz")
            assert "alpha" not in body and "lag" not in body
            broker.start()
            await until_status(f"{http.url}/healthz", 200)

            for token in (None, "wrong", http.admin_token):
                status, body = await get(f"{http.url}/metrics", token)
                # 403, or for a token the node does not know, back to sign-in
                assert status in (303, 403) and "commonweal_node" not in body, token
            status, body = await get(f"{http.url}/metrics", METRICS_TOKEN)
            assert status == 200 and "commonweal_node_events_stored" in body
    finally:
        broker.kill()


async def test_consortium_health_follows_the_broker(
    nats_server: NatsServer, make_consortium: Callable[..., ConsortiumService]
) -> None:
    service = make_consortium([nats_server.url])
    async with serving(make_consortium_app(service)) as url:
        await until_status(f"{url}/healthz", 200)
        nats_server.kill()
        await until_status(f"{url}/healthz", 503)
        nats_server.start()
        await until_status(f"{url}/healthz", 200)
        # No token configured: loopback may scrape (this test is on loopback).
        status, body = await get(f"{url}/metrics")
        assert status == 200 and "commonweal_consortium" in body


class Peer(asyncio.Transport):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def get_extra_info(self, name: str, default: object = None) -> object:
        return (self.address, 40000) if name == "peername" else default


def test_without_a_token_only_loopback_may_scrape() -> None:
    metrics = HttpMetrics(CollectorRegistry())
    for address, allowed in (
        ("127.0.0.1", True),
        ("::1", True),
        ("10.0.0.7", False),
        ("192.168.1.20", False),
        ("203.0.113.9", False),
    ):
        request = make_mocked_request("GET", "/metrics", transport=Peer(address))
        assert metrics.may_scrape(request) is allowed, address
