"""Browser sessions: the cookie holds a session, never the token; every write a
cookie authenticates proves it came from the node's own pages; sessions end with
sign-out, expiry, a revoked token or a member who left; wrong tokens are limited
per address. The attack from the issue runs in a real browser: a form served on
another port of the same host (same site, other origin) posts to the node."""

import datetime as dt
from pathlib import Path
from uuid import UUID

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from node.auth import ADMIN
from node.config import NodeConfig, new_secret
from node.http.guard import COOKIE
from node.sessions import SESSION_HOURS
from tests.browser import chromium, sign_in
from tests.web import LiveNode, bearer, browser_session, csrf_of, live_node, serving
from toolkit.config import BrokerConfig, HttpConfig, StoreConfig
from toolkit.web.rate_limit import FailureLimit


async def applicant(http: LiveNode, name: str = "Una Applicant") -> str:
    async with (
        aiohttp.ClientSession(headers=bearer(http.admin_token)) as client,
        client.post(
            f"{http.url}/api/members",
            json={
                "name": name,
                "email": "una@example.org",
                "member_class": "volunteer",
            },
        ) as response,
    ):
        assert response.status == 201, await response.text()
        return str((await response.json())["id"])


def status_of_member(http: LiveNode, member_id: str) -> str:
    return http.node.coop_node.member(UUID(member_id)).status


async def test_the_cookie_holds_a_session_and_forms_need_its_csrf_token(
    http_node: LiveNode,
) -> None:
    someone = await applicant(http_node)
    async with browser_session(http_node, http_node.admin_token) as browser:
        cookie = browser.cookie_jar.filter_cookies(URL(http_node.url))[COOKIE].value
        assert cookie.startswith("cws_") and http_node.admin_token not in cookie
        admit = f"/staff/members/{someone}/admit"
        for data in ({}, {"csrf": "0" * 32}):
            async with browser.post(admit, data=data) as response:
                assert response.status == 403
        assert status_of_member(http_node, someone) == "applied"
        async with browser.get("/staff") as response:
            csrf = csrf_of(await response.text())
        async with browser.post(admit, data={"csrf": csrf}) as response:
            assert response.status == 200
        assert status_of_member(http_node, someone) == "admitted"


async def test_cookie_api_writes_must_come_from_the_nodes_own_origin(
    http_node: LiveNode,
) -> None:
    someone = await applicant(http_node)
    admit = f"/api/members/{someone}/admit"
    async with browser_session(http_node, http_node.admin_token) as browser:
        for headers in ({}, {"Origin": "http://127.0.0.1:1"}):
            async with browser.post(admit, headers=headers, json={}) as response:
                assert response.status == 403
        assert status_of_member(http_node, someone) == "applied"
        # A read needs no proof; a write from the node's own origin is fine.
        async with browser.get(f"/api/members/{someone}") as response:
            assert response.status == 200
        headers = {"Origin": http_node.url}
        async with browser.post(admit, headers=headers, json={}) as response:
            assert response.status == 200, await response.text()
    assert status_of_member(http_node, someone) == "admitted"


async def test_a_session_ends_with_sign_out_a_revoked_token_or_a_member_who_left(
    http_node: LiveNode,
) -> None:
    app = http_node.node.coop_node

    async def member_token(name: str) -> tuple[str, str]:
        member_id = await applicant(http_node, name)
        async with (
            aiohttp.ClientSession(headers=bearer(http_node.admin_token)) as client,
            client.post(
                f"{http_node.url}/api/members/{member_id}/admit", json={}
            ) as response,
        ):
            return member_id, (await response.json())["token"]["token"]

    async def signed_in(browser: aiohttp.ClientSession) -> bool:
        async with browser.get("/", allow_redirects=False) as response:
            return response.status == 200

    _, token = await member_token("Ann Out")
    async with browser_session(http_node, token) as browser:
        assert await signed_in(browser)
        async with browser.get("/") as response:
            csrf = csrf_of(await response.text())
        async with browser.post("/logout", data={"csrf": csrf}):
            pass
        assert not await signed_in(browser)

    _, token = await member_token("Rev Oked")
    async with browser_session(http_node, token) as browser:
        assert await signed_in(browser)
        principal = app.authenticate(token)
        assert principal is not None and principal.token_id is not None
        app.revoke_token(principal.token_id)
        assert not await signed_in(browser)

    member_id, token = await member_token("Lee Ving")
    async with browser_session(http_node, token) as browser:
        assert await signed_in(browser)
        app.withdraw_member(UUID(member_id))
        assert not await signed_in(browser)


async def test_a_session_expires(http_node: LiveNode) -> None:
    app = http_node.node.coop_node
    started = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    secret = app.start_session(ADMIN, started)
    assert app.session_principal(secret, started) == ADMIN
    almost = started + dt.timedelta(hours=SESSION_HOURS, seconds=-1)
    assert app.session_principal(secret, almost) == ADMIN
    later = started + dt.timedelta(hours=SESSION_HOURS)
    assert app.session_principal(secret, later) is None


async def test_wrong_tokens_are_limited_per_address(http_node: LiveNode) -> None:
    async with aiohttp.ClientSession(base_url=http_node.url) as client:
        for _ in range(10):
            async with client.post("/login", data={"token": "cw_guess"}) as response:
                assert response.status == 401
        # Now even the right token waits: the guesser cannot tell which is right.
        async with client.post(
            "/login", data={"token": http_node.admin_token}, allow_redirects=False
        ) as response:
            assert response.status == 429
            assert "Too many wrong codes" in await response.text()


def test_the_failure_limit_forgets_after_its_window() -> None:
    now = [0.0]
    limit = FailureLimit(failures=3, window_seconds=60, clock=lambda: now[0])
    for _ in range(3):
        assert not limit.blocked("198.51.100.7")
        limit.failed("198.51.100.7")
    assert limit.blocked("198.51.100.7") and not limit.blocked("198.51.100.8")
    now[0] = 61.0
    assert not limit.blocked("198.51.100.7")


async def test_the_secure_cookie_option(tmp_path: Path) -> None:
    config = NodeConfig(
        coop_id="alpha",
        name="Alpha Care",
        secret=new_secret(),
        store=StoreConfig(path=str(tmp_path / "alpha.db")),
        broker=BrokerConfig(servers=["nats://127.0.0.1:1"]),  # no broker needed
        http=HttpConfig(secure_cookies=True),
    )
    async with (
        live_node(config) as http,
        aiohttp.ClientSession(base_url=http.url) as client,
        client.post(
            "/login", data={"token": http.admin_token}, allow_redirects=False
        ) as response,
    ):
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        # Not remembered: a browser-session cookie, gone when the browser closes.
        assert "Max-Age" not in cookie and "expires" not in cookie.lower()


ATTACK_PAGE = """<!doctype html><html><body>
<form id="attack" method="post" action="{target}">
<input name="csrf" value="not-the-token"></form>
<script>document.getElementById("attack").submit();</script>
</body></html>"""


@pytest.mark.browser
async def test_a_same_site_page_of_another_origin_cannot_write(
    http_node: LiveNode,
) -> None:
    """The issue's attack in Chromium: signed in as the admin on the node, the
    browser opens a page on another port of the same host that posts the admit
    form. The browser sends the cookie (same site); the write is refused."""
    someone = await applicant(http_node)
    target = f"{http_node.url}/staff/members/{someone}/admit"
    attacker = web.Application()

    async def page(request: web.Request) -> web.Response:
        return web.Response(
            text=ATTACK_PAGE.format(target=target), content_type="text/html"
        )

    attacker.router.add_get("/", page)
    async with serving(attacker) as evil_url, chromium() as browser:
        tab = await browser.new_page()
        await sign_in(tab, http_node.url, http_node.admin_token)
        await tab.wait_for_url(http_node.url + "/staff")
        async with tab.expect_response(target) as answer:
            await tab.goto(evil_url)
        assert (await answer.value).status == 403
    assert status_of_member(http_node, someone) == "applied"
