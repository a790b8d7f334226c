"""The sign-in routes over HTTP: a remembered session's cookie, sign-in posts
from another site, guessing limited, who may print letters and see them, and
the API still admitting with a token."""

from uuid import UUID

import aiohttp
import pytest

from node.http.guard import COOKIE
from node.sessions import REMEMBERED_DAYS
from node.sign_in import SignInRefused
from tests.node_api import admitted_member, call, staff_token
from tests.web import LiveNode, browser_session, csrf_of


def client(http: LiveNode) -> aiohttp.ClientSession:
    jar = aiohttp.CookieJar(unsafe=True)
    return aiohttp.ClientSession(base_url=http.url, cookie_jar=jar)


async def test_a_remembered_sign_in_gets_a_lasting_cookie(http_node: LiveNode) -> None:
    rosa, _ = await admitted_member(http_node)
    link = http_node.node.coop_node.issue_sign_in_link(UUID(rosa))
    async with (
        client(http_node) as browser,
        browser.post(
            f"/signin/{link}", data={"remember": "yes"}, allow_redirects=False
        ) as response,
    ):
        assert response.status == 303 and response.headers["Location"] == "/"
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith(f"{COOKIE}=cws_")
        assert f"Max-Age={REMEMBERED_DAYS * 24 * 3600}" in cookie


async def test_sign_in_posts_from_another_site_are_refused(http_node: LiveNode) -> None:
    """Login CSRF: another site's page must not sign a visitor in as someone
    else (the attacker's own link or code)."""
    rosa, _ = await admitted_member(http_node)
    app = http_node.node.coop_node
    link = app.issue_sign_in_link(UUID(rosa))
    code = app.issue_sign_in_letter(UUID(rosa)).code
    elsewhere = {"Sec-Fetch-Site": "cross-site"}
    async with client(http_node) as browser:
        for path, data in ((f"/signin/{link}", {}), ("/login", {"code": code})):
            async with browser.post(
                path, data=data, headers=elsewhere, allow_redirects=False
            ) as response:
                assert response.status == 403
        assert not browser.cookie_jar.filter_cookies(http_node.url)
    app.sign_in_with(link)  # neither was used
    app.sign_in_with(code)


async def test_guessing_codes_and_links_is_limited_per_address(
    http_node: LiveNode,
) -> None:
    rosa, _ = await admitted_member(http_node)
    code = http_node.node.coop_node.issue_sign_in_letter(UUID(rosa)).code
    async with client(http_node) as browser:
        for guess in range(5):
            async with browser.post("/login", data={"code": f"ABCDE{guess:05}"}) as r:
                assert r.status == 400 and "not valid" in await r.text()
            async with browser.post(f"/signin/cwl_guess{guess}") as r:
                assert r.status == 400
        async with browser.post("/login", data={"code": code}) as response:
            assert response.status == 429
            assert "Too many wrong codes" in await response.text()


async def test_any_staff_reissue_letters_members_cannot_and_only_the_asker_sees_it(
    http_node: LiveNode,
) -> None:
    rosa, _ = await admitted_member(http_node)
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    _, member = await admitted_member(http_node, name="Omar Haddad")
    app = http_node.node.coop_node
    first = app.issue_sign_in_letter(UUID(rosa))
    new_letter = f"/staff/members/{rosa}/letter"
    async with browser_session(http_node, member) as omar:
        async with omar.get("/") as response:
            csrf = csrf_of(await response.text())
        async with omar.post(new_letter, data={"csrf": csrf}) as response:
            assert response.status == 403
    async with browser_session(http_node, coordinator) as cal:
        async with cal.get("/staff") as response:
            csrf = csrf_of(await response.text())
        async with cal.post(
            new_letter, data={"csrf": csrf}, allow_redirects=False
        ) as response:
            assert response.status == 303
            shown_once = response.headers["Location"]
        # Another member of staff cannot see the letter Cal asked for.
        async with (
            browser_session(http_node, http_node.admin_token) as admin,
            admin.get(shown_once) as response,
        ):
            assert response.status == 410
        async with cal.get(shown_once) as response:
            assert response.status == 200
            page = await response.text()
        assert "Dear Rosa Bianchi" in page and "<svg" in page
        async with cal.get(shown_once) as response:
            assert response.status == 410
    # The new letter replaced the one before.
    with pytest.raises(SignInRefused) as refused:
        app.sign_in_with(first.code)
    assert refused.value.reason == "revoked"


async def test_the_api_still_admits_with_a_token(http_node: LiveNode) -> None:
    _, token = await admitted_member(http_node)
    status, _ = await call(http_node, "GET", "/api/ballots", token=token)
    assert token.startswith("cw_") and status == 200
