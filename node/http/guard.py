"""Authentication (a bearer token, or the session cookie) and role/ownership checks.

Every request gets ``request[PRINCIPAL]``: the caller, or None when signed out.
API clients present their token as a bearer. Browsers sign in once and then hold
a session cookie (node.sessions), never the token itself. A token or session that
is unknown, expired or revoked is refused outright (401 for the API; the pages
send the browser back to the login form).

A cookie is sent by the browser whoever made the page that posts, so every write
that a cookie authenticates must prove it came from our own pages: forms carry
the session's CSRF token, and API calls must come from our own origin. A bearer
token is never sent on its own, so it needs neither.
"""

from collections.abc import Awaitable, Callable, Collection
from uuid import UUID

from aiohttp import web

from node.auth import ADMIN, Principal, is_admin_token
from node.http.context import NODE, RUNNER
from node.sessions import REMEMBERED_DAYS, is_csrf_token
from toolkit.web.errors import ApiError, error_response, forbidden, unauthorized

COOKIE = "cw_session"
CSRF_FIELD = "csrf"
METRICS_PATH = "/metrics"
SIGN_IN_PATH = "/login"
LINK_PREFIX = "/signin/"  # a sign-in link: /signin/<secret>
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PRINCIPAL = web.RequestKey[Principal | None]("principal")
SESSION = web.RequestKey[str | None]("session")  # the cookie's secret, if any


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


async def resolve(request: web.Request, token: str) -> Principal | None:
    """The principal a token (the admin's or a member's) stands for."""
    node = request.app[NODE]
    if is_admin_token(token, node.config.http.admin_token_sha256):
        return ADMIN
    return await request.app[RUNNER](node.coop_node.authenticate, token)


async def session_principal(request: web.Request, secret: str) -> Principal | None:
    node = request.app[NODE]
    return await request.app[RUNNER](node.coop_node.session_principal, secret)


@web.middleware
async def authenticate(
    request: web.Request,
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> web.StreamResponse:
    request[PRINCIPAL] = None
    request[SESSION] = None
    if request.path == METRICS_PATH:
        # Its bearer is the scraper's metrics token (toolkit.web.observe), not
        # a member's.
        return await handler(request)
    is_api = request.path.startswith("/api/")
    token = bearer_token(request)
    if token is not None:
        principal = await resolve(request, token)
        if principal is None:
            return _refused(is_api, "the token is unknown or has been revoked")
        request[PRINCIPAL] = principal
        return await handler(request)
    secret = request.cookies.get(COOKIE)
    # Signing in needs no session; an old cookie must not get in its way.
    if not secret or signing_in(request):
        return await handler(request)
    principal = await session_principal(request, secret)
    if principal is None:
        return _refused(is_api, "the session has expired or been ended")
    if request.method not in SAFE_METHODS:
        await _require_same_origin_write(request, secret, is_api)
    request[PRINCIPAL] = principal
    request[SESSION] = secret
    return await handler(request)


def signing_in(request: web.Request) -> bool:
    return request.path == SIGN_IN_PATH or request.path.startswith(LINK_PREFIX)


def from_another_site(request: web.Request) -> bool:
    """Whether a sign-in form was posted by a page of another origin: such a
    page could sign a visitor in as someone else (login CSRF). Browsers say so
    in Sec-Fetch-Site; older ones in Origin (which is "null" under our
    no-referrer policy, so only another named origin counts). A script sending
    neither gains nothing: it signs only itself in."""
    fetched_from = request.headers.get("Sec-Fetch-Site")
    if fetched_from is not None:
        return fetched_from not in ("same-origin", "none")
    origin = request.headers.get("Origin", "null")
    return origin != "null" and origin != f"{request.scheme}://{request.host}"


def set_session_cookie(
    request: web.Request, response: web.StreamResponse, secret: str, remember: bool
) -> None:
    """The session's cookie: kept across browser restarts only if remembered
    (the session itself lasts as long, node.sessions)."""
    response.set_cookie(
        COOKIE,
        secret,
        httponly=True,
        samesite="Strict",
        secure=request.app[NODE].config.http.secure_cookies or request.secure,
        path="/",
        max_age=REMEMBERED_DAYS * 24 * 3600 if remember else None,
    )


def _refused(is_api: bool, reason: str) -> web.StreamResponse:
    if is_api:
        error = unauthorized(reason)
        return error_response(error.status, error.detail)
    response = web.HTTPSeeOther(f"{SIGN_IN_PATH}?expired=1")
    response.del_cookie(COOKIE, path="/")
    raise response


async def _require_same_origin_write(
    request: web.Request, secret: str, is_api: bool
) -> None:
    if is_api:
        origin = request.headers.get("Origin")
        if origin != f"{request.scheme}://{request.host}":
            raise forbidden(
                "a write with the session cookie must come from this node's own "
                "pages; API clients send their token as a bearer"
            )
        return
    form = await request.post()  # aiohttp keeps it for the handler
    if not is_csrf_token(secret, str(form.get(CSRF_FIELD, ""))):
        raise web.HTTPForbidden(
            text="This form has expired or came from another site. Go back, "
            "reload the page and try again.",
            content_type="text/plain",
        )


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
