"""Serving an aiohttp app for real on a free loopback port, for tests and benchmarks."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import msgspec
from aiohttp import web

from node.auth import new_token, token_hash
from node.config import NodeConfig
from node.http import make_app
from node.service import NodeService


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 at a free port; yields its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


class LiveNode:
    """A started node served over HTTP, with its admin token."""

    def __init__(self, node: NodeService, url: str, admin_token: str) -> None:
        self.node = node
        self.url = url
        self.admin_token = admin_token

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.admin_token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def live_node(
    config: NodeConfig, *, workers: int | None = None
) -> AsyncIterator[LiveNode]:
    """A node from ``config`` with a fresh admin token, founded, started, served."""
    admin_token = new_token()
    http = msgspec.structs.replace(
        config.http, admin_token_sha256=token_hash(admin_token)
    )
    node = NodeService(msgspec.structs.replace(config, http=http))
    node.found_if_new()
    node.start()
    try:
        async with serving(make_app(node, workers=workers)) as url:
            yield LiveNode(node, url, admin_token)
    finally:
        await node.stop()


@asynccontextmanager
async def browser_session(
    http: LiveNode, token: str
) -> AsyncIterator[aiohttp.ClientSession]:
    """A client that signed in through the login form, as a browser does: it
    holds the session cookie, never the token."""
    # unsafe: aiohttp keeps no cookies from an IP-address host otherwise.
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=http.url, cookie_jar=jar) as session:
        async with session.post(
            "/login", data={"token": token}, allow_redirects=False
        ) as response:
            assert response.status == 303, await response.text()
        yield session


def csrf_of(page: str) -> str:
    """The CSRF token a page's forms post back."""
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)
