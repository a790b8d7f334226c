"""Every role boundary of the node's API, over a real server: members see and
change only what is theirs; staff roles only what their role allows; a revoked
token, or a withdrawn member's, is refused; no token at all is a 401."""

import aiohttp

from tests.node_api import APPLICANT, admitted_member, call, events, issue_token
from tests.web import LiveNode


async def test_no_token_is_401_and_a_made_up_token_is_401(http_node: LiveNode) -> None:
    for token in (None, "cw_made_up"):
        status, body = await call(http_node, "GET", "/api/members", token=token)
        assert (status, body["error"]["code"]) == (401, "unauthorized")


async def test_a_member_cannot_read_another_member_or_list_or_admit(
    http_node: LiveNode,
) -> None:
    rosa, rosa_token = await admitted_member(http_node, name="Rosa")
    omar, _ = await admitted_member(http_node, name="Omar")
    status, body = await call(
        http_node, "GET", f"/api/members/{omar}", token=rosa_token
    )
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, _ = await call(http_node, "GET", f"/api/members/{rosa}", token=rosa_token)
    assert status == 200
    status, _ = await call(http_node, "GET", "/api/members", token=rosa_token)
    assert status == 403
    status, _ = await call(
        http_node, "GET", f"/api/members/{omar}/tokens", token=rosa_token
    )
    assert status == 403
    before = events(http_node)
    status, applicant = await call(
        http_node, "POST", "/api/members", token=rosa_token, json=APPLICANT
    )
    assert status == 403
    status, applicant = await call(
        http_node, "POST", "/api/members", token=http_node.admin_token, json=APPLICANT
    )
    before = events(http_node)
    for path, payload in (
        (f"/api/members/{applicant['id']}/admit", {}),
        (f"/api/members/{omar}/withdraw", {}),
        (f"/api/members/{omar}/class", {"member_class": "volunteer"}),
        (f"/api/members/{rosa}/class", {"member_class": "volunteer"}),
        (f"/api/members/{rosa}/tokens", {"role": "board"}),
    ):
        status, body = await call(
            http_node, "POST", path, token=rosa_token, json=payload
        )
        assert (status, body["error"]["code"]) == (403, "forbidden"), path
    assert events(http_node) == before


async def test_a_member_cannot_revoke_another_members_token(
    http_node: LiveNode,
) -> None:
    _, rosa_token = await admitted_member(http_node, name="Rosa")
    omar, _ = await admitted_member(http_node, name="Omar")
    status, tokens = await call(
        http_node, "GET", f"/api/members/{omar}/tokens", token=http_node.admin_token
    )
    assert status == 200 and len(tokens) == 1
    status, _ = await call(
        http_node, "POST", f"/api/tokens/{tokens[0]['id']}/revoke", token=rosa_token
    )
    assert status == 403


async def test_a_revoked_token_is_refused(http_node: LiveNode) -> None:
    rosa, token = await admitted_member(http_node)
    status, tokens = await call(
        http_node, "GET", f"/api/members/{rosa}/tokens", token=token
    )
    assert status == 200
    status, revoked = await call(
        http_node, "POST", f"/api/tokens/{tokens[0]['id']}/revoke", token=token
    )
    assert (status, revoked["revoked_on"] is not None) == (200, True)
    status, body = await call(http_node, "GET", "/api/me", token=token)
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    # A fresh token from the admin works again; the old one stays refused.
    fresh = await issue_token(http_node, rosa)
    assert (await call(http_node, "GET", "/api/me", token=fresh["token"]))[0] == 200
    assert (await call(http_node, "GET", "/api/me", token=token))[0] == 401


async def test_a_withdrawn_members_tokens_are_refused(
    http_node: LiveNode,
) -> None:
    rosa, token = await admitted_member(http_node)
    status, view = await call(
        http_node, "POST", f"/api/members/{rosa}/withdraw", token=token
    )
    assert (status, view["status"]) == (200, "withdrawn")
    assert (await call(http_node, "GET", "/api/me", token=token))[0] == 401


async def test_board_admits_but_issues_no_member_tokens_coordinator_reads_only(
    http_node: LiveNode,
) -> None:
    ann, _ = await admitted_member(http_node, name="Ann")
    cal, _ = await admitted_member(http_node, name="Cal")
    tokens = {}
    for member, role in ((ann, "board"), (cal, "coordinator")):
        issued = await issue_token(http_node, member, role)
        assert issued["access"]["role"] == role
        tokens[role] = issued["token"]
    status, applicant = await call(
        http_node, "POST", "/api/members", token=tokens["board"], json=APPLICANT
    )
    assert status == 201
    status, _ = await call(
        http_node,
        "POST",
        f"/api/members/{applicant['id']}/admit",
        token=tokens["coordinator"],
    )
    assert status == 403
    status, page = await call(
        http_node, "GET", "/api/members", token=tokens["coordinator"]
    )
    assert (status, len(page["items"])) == (200, 3)
    status, _ = await call(
        http_node,
        "POST",
        f"/api/members/{applicant['id']}/admit",
        token=tokens["board"],
    )
    assert status == 200
    # The board issues staff access to others (tests/test_board_pages.py), but
    # not a member's own token: that is the sign-in letter's business.
    status, _ = await call(
        http_node,
        "POST",
        f"/api/members/{cal}/tokens",
        token=tokens["board"],
        json={"role": "member"},
    )
    assert status == 403


async def test_pages_need_sign_in_and_staff_pages_need_a_staff_role(
    http_node: LiveNode,
) -> None:
    _, token = await admitted_member(http_node)
    # unsafe: the jar keeps cookies of IP-address hosts such as 127.0.0.1.
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(http_node.url + "/", allow_redirects=False) as r:
            assert (r.status, r.headers["Location"]) == (303, "/login")
        async with session.post(
            http_node.url + "/login", data={"token": "cw_wrong"}
        ) as r:
            assert r.status == 401
        async with session.post(http_node.url + "/login", data={"token": token}) as r:
            assert r.status == 200
            assert "My membership" in await r.text()
        async with session.get(http_node.url + "/staff") as r:
            assert r.status == 403
