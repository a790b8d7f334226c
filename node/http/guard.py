"""Authentication (bearer header or the login cookie) and role/ownership checks.

Every request gets ``request[PRINCIPAL]``: the caller, or None without a token. A
token that is unknown or revoked is refused outright (401 for the API; the pages
send the browser back to the login form).
"""

from collections.abc import Awaitable, Callable, Collection
from uuid import UUID

from aiohttp import web

from node.auth import ADMIN, Principal, is_admin_token
from node.http.context import NODE, RUNNER
from toolkit.web.errors import ApiError, error_response, forbidden, unauthorized

COOKIE = "cw_token"
METRICS_PATH = "/metrics"
PRINCIPAL = web.RequestKey[Principal | None]("principal")


def presented_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE) or None


async def resolve(request: web.Request, token: str) -> Principal | None:
    node = request.app[NODE]
    if is_admin_token(token, node.config.http.admin_token_sha256):
        return ADMIN
    return await request.app[RUNNER](node.coop_node.authenticate, token)


@web.middleware
async def authenticate(
    request: web.Request,
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    if request.path == METRICS_PATH:
        # Its bearer is the scraper's metrics token (toolkit.web.observe), not
        # a member's.
        request[PRINCIPAL] = None
        return await handler(request)
    token = presented_token(request)
    principal = await resolve(request, token) if token else None
    if token and principal is None:
        if request.path.startswith("/api/"):
            error = unauthorized("the token is unknown or has been revoked")
            return error_response(error.status, error.detail)
        if request.path != "/login":
            response = web.HTTPSeeOther("/login?expired=1")
            response.del_cookie(COOKIE)
            raise response
    request[PRINCIPAL] = principal
    return await handler(request)


def principal(request: web.Request) -> Principal:
    # aiohttp types get() by key only for str keys: it gives Any for a RequestKey.
    who: Principal | None = request.get(PRINCIPAL)
    if who is None:
        raise unauthorized()
    return who


def require(request: web.Request, roles: Collection[str], action: str) -> Principal:
    who = principal(request)
    if who.role not in roles:
        raise forbidden(f"a {who.role} may not {action}")
    return who


def require_self_or(
    request: web.Request, member_id: UUID, roles: Collection[str], action: str
) -> Principal:
    """The member themselves, or one of ``roles``."""
    who = principal(request)
    if who.member_id != member_id and who.role not in roles:
        raise forbidden(f"a {who.role} may only {action} their own")
    return who


def bad_request(message: str, field: str) -> ApiError:
    return ApiError(400, "invalid_input", message, field)
