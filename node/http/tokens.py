"""Tokens API: a member's tokens, issuing staff access, the staff tokens in force,
and revoking.

The admin issues a member any member role. A board member issues only board or
coordinator access, to another admitted member: never to themselves (no one
raises their own access) and never the admin's role, which no member holds; the
token records who issued it. The admin revokes any token, a member their own,
the board any staff token.
"""

from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import BOARD, EVERYONE, AccessToken, MemberRole, Principal
from node.http.context import NODE, run, write
from node.http.guard import principal, require, require_self_or
from node.http.members import NewToken, TokenView, token_view
from toolkit.aggregates import events_with
from toolkit.web.errors import forbidden
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}


class TokenRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    role: MemberRole = "member"


@api.route(
    "GET",
    "/api/members/{id}/tokens",
    summary="A member's tokens, without their secrets (board, or the member)",
    tag="tokens",
    response=list[TokenView],
    params=ID,
    roles=EVERYONE,
)
async def list_tokens(request: web.Request) -> list[TokenView]:
    member_id = path_uuid(request)
    require_self_or(request, member_id, BOARD, "list tokens")
    app = request.app[NODE].coop_node

    def query() -> list[TokenView]:
        app.member(member_id)  # 404 for an unknown member rather than []
        return [token_view(t) for t in app.tokens_of(member_id)]

    return await run(request, query)


# What the board may hand out: never "admin" (which is no member's), nor
# "member" (the sign-in letter's business).
BOARD_ISSUES = frozenset({"board", "coordinator"})


def may_issue(who: Principal, member_id: UUID, role: str) -> None:
    """Refuse a token the caller may not issue: the admin issues any member role;
    a board member only staff roles, and never to themselves (no one raises
    their own access)."""
    if who.role == "admin":
        return
    if role not in BOARD_ISSUES:
        raise forbidden("the board issues only board and coordinator access")
    if who.member_id == member_id:
        raise forbidden("no one may issue access to themselves")


@api.route(
    "POST",
    "/api/members/{id}/tokens",
    summary="Issue a member a token with a role; shown once (board: board or "
    "coordinator access, to another member)",
    tag="tokens",
    body=TokenRequest,
    response=NewToken,
    status=201,
    params=ID,
    roles=BOARD,
)
async def issue_token(request: web.Request, body: TokenRequest) -> NewToken:
    who = require(request, BOARD, "issue tokens")
    member_id = path_uuid(request)
    may_issue(who, member_id, body.role)
    app = request.app[NODE].coop_node
    issued = await write(request, app.issue_token, member_id, body.role, who.member_id)
    return NewToken(issued.token, token_view(issued.access))


def staff_tokens(app: CoopNode) -> list[TokenView]:
    """Every board and coordinator token still in force (not revoked, its member
    still admitted), oldest first."""
    ids = [
        issued.originator_id
        for issued in events_with(app, AccessToken.Issued.TOPIC)
        if isinstance(issued, AccessToken.Issued) and issued.role in BOARD_ISSUES
    ]
    return [token_view(app.access_token(i)) for i in ids if app.token_still_valid(i)]


@api.route(
    "GET",
    "/api/tokens",
    summary="Board and coordinator tokens in force, without their secrets (board)",
    tag="tokens",
    response=list[TokenView],
    roles=BOARD,
)
async def list_staff_tokens(request: web.Request) -> list[TokenView]:
    require(request, BOARD, "list staff tokens")
    return await run(request, staff_tokens, request.app[NODE].coop_node)


def may_revoke(who: Principal, access: AccessToken) -> None:
    """The admin revokes any token, a member their own, the board staff access."""
    if who.role == "admin" or who.member_id == access.member_id:
        return
    if who.role == "board" and access.role in BOARD_ISSUES:
        return
    raise forbidden("a member may only revoke their own tokens")


@api.route(
    "POST",
    "/api/tokens/{id}/revoke",
    summary="Revoke a token (admin; the member it was issued to; the board, for "
    "board and coordinator tokens)",
    tag="tokens",
    response=TokenView,
    params=ID,
    roles=EVERYONE,
)
async def revoke_token(request: web.Request) -> TokenView:
    access_id = path_uuid(request)
    who = principal(request)
    app = request.app[NODE].coop_node

    def command() -> TokenView:
        may_revoke(who, app.access_token(access_id))
        return token_view(app.revoke_token(access_id))

    return await write(request, command)
