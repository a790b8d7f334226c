"""The ballots API over a real server, SQLite store and broker: opening, voting
(open and secret, as oneself and by proxy), live turnout, closing and the result;
every role boundary; bad input names the field and writes nothing."""

from typing import Any

import aiohttp

from tests.node_api import admitted_member, call, events
from tests.web import LiveNode, bearer


async def open_ballot(http: LiveNode, **fields: Any) -> dict[str, Any]:
    status, ballot = await call(
        http,
        "POST",
        "/api/ballots",
        token=http.admin_token,
        json={"title": "Adopt the new rota policy", **fields},
    )
    assert status == 201, ballot
    return ballot


async def vote(
    http: LiveNode, ballot: dict[str, Any], token: str, **body: Any
) -> tuple[int, Any]:
    return await call(
        http, "POST", f"/api/ballots/{ballot['id']}/votes", token=token, json=body
    )


async def test_open_vote_see_turnout_close_and_see_the_result(
    http_node: LiveNode,
) -> None:
    rosa, rosa_token = await admitted_member(http_node, "worker", "Rosa")
    _, omar_token = await admitted_member(http_node, "worker", "Omar")
    _, ada_token = await admitted_member(http_node, "volunteer", "Ada")
    ballot = await open_ballot(http_node)
    assert ballot["status"] == "open" and ballot["electorate"] == 3
    assert ballot["voted"] == 0 and ballot["result"] is None

    status, recorded = await vote(http_node, ballot, rosa_token, choice="for")
    assert status == 201 and recorded == {
        "ballot_id": ballot["id"],
        "member_id": rosa,
        "receipt": None,
    }
    # A member reads the ballot: turnout by class, nothing about who voted how.
    status, seen = await call(
        http_node, "GET", f"/api/ballots/{ballot['id']}", token=ada_token
    )
    assert status == 200
    turnout = {
        t["member_class"]: (t["electorate"], t["voted"]) for t in seen["turnout"]
    }
    assert turnout == {"volunteer": (1, 0), "worker": (2, 1)}
    assert rosa not in str(seen)

    # An open ballot: voting again replaces the vote, turnout is unchanged.
    status, _ = await vote(http_node, ballot, rosa_token, choice="against")
    assert status == 201
    await vote(http_node, ballot, omar_token, choice="against")
    await vote(http_node, ballot, ada_token, choice="for")

    status, closed = await call(
        http_node,
        "POST",
        f"/api/ballots/{ballot['id']}/close",
        token=http_node.admin_token,
    )
    assert status == 200 and closed["status"] == "closed", closed
    result = closed["result"]
    assert result["voted"] == 3 and result["quorate"] is True
    by_class = {c["member_class"]: c["votes"] for c in result["classes"]}
    assert by_class["worker"] == {"for": 0, "against": 2, "abstain": 0}
    assert by_class["volunteer"] == {"for": 1, "against": 0, "abstain": 0}
    assert result["passed"] is False

    status, page = await call(http_node, "GET", "/api/ballots", token=ada_token)
    assert status == 200 and [b["id"] for b in page["items"]] == [ballot["id"]]
    # Closed is closed: no more votes, no second close.
    before = events(http_node)
    status, body = await vote(http_node, ballot, ada_token, choice="abstain")
    assert (status, body["error"]["code"]) == (409, "ballot_closed")
    status, body = await call(
        http_node,
        "POST",
        f"/api/ballots/{ballot['id']}/close",
        token=http_node.admin_token,
    )
    assert (status, body["error"]["code"]) == (409, "ballot_closed")
    assert events(http_node) == before


async def test_a_secret_ballot_gives_a_receipt_once_and_refuses_a_second_vote(
    http_node: LiveNode,
) -> None:
    rosa, rosa_token = await admitted_member(http_node, "worker", "Rosa")
    await admitted_member(http_node, "worker", "Omar")
    ballot = await open_ballot(http_node, secret=True)
    status, recorded = await vote(http_node, ballot, rosa_token, choice="for")
    assert status == 201 and recorded["receipt"]
    before = events(http_node)
    status, body = await vote(http_node, ballot, rosa_token, choice="against")
    assert (status, body["error"]["code"]) == (409, "already_voted")
    assert events(http_node) == before
    # The receipt replaces it; a made-up receipt is refused naming the field.
    status, body = await vote(
        http_node, ballot, rosa_token, choice="against", receipt="not-a-receipt"
    )
    assert (status, body["error"]["field"]) == (400, "receipt")
    assert events(http_node) == before
    status, _ = await vote(
        http_node, ballot, rosa_token, choice="against", receipt=recorded["receipt"]
    )
    assert status == 201
    status, closed = await call(
        http_node,
        "POST",
        f"/api/ballots/{ballot['id']}/close",
        token=http_node.admin_token,
    )
    assert status == 200
    assert closed["result"]["strength_against"] != "0"
    assert closed["result"]["strength_for"] == "0"
    assert rosa not in str(closed)


async def test_proxy_votes_only_with_a_valid_appointment(http_node: LiveNode) -> None:
    rosa, rosa_token = await admitted_member(http_node, "worker", "Rosa")
    omar, omar_token = await admitted_member(http_node, "worker", "Omar")
    ballot = await open_ballot(http_node)
    before = events(http_node)
    status, body = await vote(
        http_node, ballot, omar_token, choice="for", for_member=rosa
    )
    assert (status, body["error"]["code"]) == (403, "proxy_refused")
    assert events(http_node) == before
    status, _ = await call(
        http_node,
        "POST",
        f"/api/ballots/{ballot['id']}/proxies",
        token=rosa_token,
        json={"holder": omar},
    )
    assert status == 200
    status, recorded = await vote(
        http_node, ballot, omar_token, choice="for", for_member=rosa
    )
    assert status == 201 and recorded["member_id"] == rosa
    status, seen = await call(
        http_node, "GET", f"/api/ballots/{ballot['id']}", token=omar_token
    )
    assert seen["voted"] == 1


async def test_role_boundaries_and_bad_input_write_nothing(
    http_node: LiveNode,
) -> None:
    rosa, rosa_token = await admitted_member(http_node, "worker", "Rosa")
    ballot = await open_ballot(http_node)
    before = events(http_node)
    # A member may not open or close ballots; the admin token belongs to nobody.
    status, body = await call(
        http_node, "POST", "/api/ballots", token=rosa_token, json={"title": "Mine"}
    )
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = await call(
        http_node, "POST", f"/api/ballots/{ballot['id']}/close", token=rosa_token
    )
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = await vote(http_node, ballot, http_node.admin_token, choice="for")
    assert (status, body["error"]["code"]) == (403, "forbidden")
    # Bad choices name the field.
    for choice in ("maybe", [rosa], 7):
        status, body = await vote(http_node, ballot, rosa_token, choice=choice)
        assert status == 400 and body["error"]["field"] == "choice", body
    status, body = await call(
        http_node,
        "POST",
        "/api/ballots",
        token=http_node.admin_token,
        json={"title": "x", "threshold": "unanimous"},
    )
    assert (status, body["error"]["code"]) == (400, "invalid_ballot")
    assert "unanimous" in body["error"]["message"]
    status, body = await call(
        http_node,
        "GET",
        "/api/ballots/00000000-0000-0000-0000-000000000000",
        token=rosa_token,
    )
    assert (status, body["error"]["code"]) == (404, "unknown_ballot")
    assert events(http_node) == before
    # A member admitted after the ballot opened is not in its electorate.
    _, late_token = await admitted_member(http_node, "worker", "Late")
    before = events(http_node)
    status, body = await vote(http_node, ballot, late_token, choice="for")
    assert (status, body["error"]["code"]) == (403, "not_in_electorate")
    assert events(http_node) == before


async def test_a_revoked_token_cannot_vote(http_node: LiveNode) -> None:
    rosa, token = await admitted_member(http_node)
    ballot = await open_ballot(http_node)
    _, tokens = await call(http_node, "GET", f"/api/members/{rosa}/tokens", token=token)
    status, _ = await call(
        http_node, "POST", f"/api/tokens/{tokens[0]['id']}/revoke", token=token
    )
    assert status == 200
    before = events(http_node)
    status, body = await vote(http_node, ballot, token, choice="for")
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    assert events(http_node) == before


async def form(
    http: LiveNode, path: str, token: str, data: dict[str, str]
) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            http.url + path, headers=bearer(token), data=data, allow_redirects=False
        ) as response,
    ):
        return response.status, await response.text()


async def get_page(http: LiveNode, path: str, token: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(http.url + path, headers=bearer(token)) as response,
    ):
        return response.status, await response.text()


async def test_the_vote_form_without_javascript(http_node: LiveNode) -> None:
    _, rosa_token = await admitted_member(http_node, "worker", "Rosa")
    ballot = await open_ballot(http_node, secret=True)
    path = f"/ballots/{ballot['id']}/vote"
    before = events(http_node)
    status, page = await form(http_node, path, rosa_token, {"choice": "maybe"})
    assert status == 400 and "Choose for, against or abstain" in page
    status, page = await form(
        http_node, f"/staff/ballots/{ballot['id']}/close", rosa_token, {}
    )
    assert status == 403
    assert events(http_node) == before
    status, page = await form(http_node, path, rosa_token, {"choice": "for"})
    assert status == 200 and 'id="receipt-secret"' in page
    status, page = await form(http_node, path, rosa_token, {"choice": "for"})
    assert status == 409 and "already voted" in page
    # An open ballot's form redirects back to the ballot's page.
    open_one = await open_ballot(http_node)
    status, _ = await form(
        http_node, f"/ballots/{open_one['id']}/vote", rosa_token, {"choice": "against"}
    )
    assert status == 303
    _, seen = await call(
        http_node, "GET", f"/api/ballots/{open_one['id']}", token=rosa_token
    )
    assert seen["voted"] == 1


async def test_revoke_a_proxy_and_check_and_replace_a_receipt_by_api(
    http_node: LiveNode,
) -> None:
    rosa, rosa_token = await admitted_member(http_node, "worker", "Rosa")
    omar, omar_token = await admitted_member(http_node, "worker", "Omar")
    _, ada_token = await admitted_member(http_node, "volunteer", "Ada")
    ballot = await open_ballot(http_node)
    base = f"/api/ballots/{ballot['id']}"
    status, _ = await call(
        http_node, "POST", f"{base}/proxies", token=rosa_token, json={"holder": omar}
    )
    assert status == 200
    status, _ = await vote(http_node, ballot, omar_token, choice="for", for_member=rosa)
    assert status == 201
    status, seen = await call(
        http_node, "POST", f"{base}/proxies/revoke", token=rosa_token
    )
    assert status == 200 and seen["voted"] == 0  # the holder's vote went with it
    status, refused = await vote(
        http_node, ballot, omar_token, choice="for", for_member=rosa
    )
    assert status == 403, refused
    status, refused = await call(
        http_node, "POST", f"{base}/proxies/revoke", token=rosa_token
    )
    assert status == 403 and "no proxy" in str(refused)
    status, _ = await call(
        http_node, "POST", f"{base}/proxies/revoke", token=http_node.admin_token
    )
    assert status == 403

    secret = await open_ballot(http_node, secret=True)
    sbase = f"/api/ballots/{secret['id']}"
    status, first = await vote(http_node, secret, ada_token, choice="against")
    assert status == 201 and first["receipt"]
    status, checked = await call(
        http_node,
        "POST",
        f"{sbase}/receipts/check",
        token=rosa_token,  # whoever holds the receipt may check it
        json={"receipt": first["receipt"]},
    )
    assert status == 200 and (checked["state"], checked["choice"]) == (
        "waiting",
        "against",
    )
    status, second = await vote(
        http_node, secret, ada_token, choice="for", receipt=first["receipt"]
    )
    assert status == 201 and second["receipt"] not in (None, first["receipt"])
    status, checked = await call(
        http_node,
        "POST",
        f"{sbase}/receipts/check",
        token=ada_token,
        json={"receipt": first["receipt"]},
    )
    assert status == 200 and checked["state"] == "replaced"
    status, problem = await call(
        http_node,
        "POST",
        f"{sbase}/receipts/check",
        token=ada_token,
        json={"receipt": "not-a-receipt"},
    )
    assert status == 400 and "receipt" in str(problem)
    status, _ = await call(
        http_node, "POST", f"{sbase}/close", token=http_node.admin_token, json={}
    )
    assert status == 200
    status, checked = await call(
        http_node,
        "POST",
        f"{sbase}/receipts/check",
        token=ada_token,
        json={"receipt": second["receipt"]},
    )
    assert status == 200 and (checked["counted"], checked["choice"]) == (True, "for")


async def test_the_ballot_page_forms(http_node: LiveNode) -> None:
    _, rosa_token = await admitted_member(http_node, "worker", "Rosa")
    omar, omar_token = await admitted_member(http_node, "worker", "Omar Haddad")
    ballot = await open_ballot(http_node, secret=True)
    page_path = f"/ballots/{ballot['id']}"
    status, page = await get_page(http_node, page_path, rosa_token)
    assert status == 200 and "Omar Haddad" in page and 'id="appoint-proxy"' in page
    assert omar not in page.replace(f'value="{omar}"', "")  # ids only as values
    status, page = await form(
        http_node, f"{page_path}/proxy", rosa_token, {"holder": ""}
    )
    assert status == 400 and 'aria-invalid="true"' in page
    status, _ = await form(
        http_node, f"{page_path}/proxy", rosa_token, {"holder": omar}
    )
    assert status == 303
    status, page = await get_page(http_node, page_path, omar_token)
    assert "Vote for Rosa" in page
    status, _ = await form(http_node, f"{page_path}/proxy/revoke", rosa_token, {})
    assert status == 303
    status, page = await form(
        http_node, f"{page_path}/vote", rosa_token, {"choice": "for"}
    )
    receipt = page.split('id="receipt-secret">')[1].split("<")[0]
    status, page = await form(
        http_node, f"{page_path}/receipt", rosa_token, {"check_receipt": receipt}
    )
    assert status == 200 and 'id="receipt-result"' in page
    status, page = await form(
        http_node,
        f"{page_path}/vote",
        rosa_token,
        {"receipt": "wrong", "choice": "against"},
    )
    assert status == 400 and 'id="receipt-error"' in page
    status, page = await form(
        http_node,
        f"{page_path}/vote",
        rosa_token,
        {"receipt": receipt, "choice": "against"},
    )
    assert status == 200 and "Your vote is replaced" in page
