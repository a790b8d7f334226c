"""Every answer of the node and the consortium carries the security headers; the
pages hold no inline script or style, so a CSP without 'unsafe-inline' holds."""

import re
from collections.abc import Callable

import aiohttp

from federation.broker import NatsServer
from federation.http import make_consortium_app
from federation.service import ConsortiumService
from tests.web import LiveNode, bearer, serving

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
