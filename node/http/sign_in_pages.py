"""Signing in by a link, a letter's code or a token, and the member's devices.

Wrong codes, tokens and links are limited per client address.

A sign-in link is opened with GET, which only shows a button: mail scanners and
link previews fetch links, and must not use them up. The button posts the link
back, which uses it and starts the session. No session exists yet, so no CSRF
token either: the secret in the link is the proof, and a post from another
site's page is refused (it could sign a visitor in as someone else).
"""

from typing import Any
from uuid import UUID

from aiohttp import web
from multidict import MultiDictProxy

from node.http.context import NODE, SIGN_IN_LIMIT, run, write
from node.http.guard import SESSION, from_another_site, resolve, set_session_cookie
from node.http.member_details import my_tokens
from node.http.pages import render, signed_in
from node.sessions import secret_hash as session_hash
from node.sessions import session_id
from node.sign_in import Refusal, SignInRefused, looks_like_code
from toolkit.web.i18n import N_

sign_in_pages = web.RouteTableDef()

ASK_AGAIN = N_(
    "Ask for a new one: the co-op office can print you a new sign-in letter or "
    "email you a new link."
)
# Whole sentences, by what was refused and whether a code or a link: each is
# translated as written (toolkit.web.i18n).
REFUSALS: dict[Refusal, dict[str, str]] = {
    "used": {
        "code": N_("This sign-in code has already been used."),
        "link": N_("This sign-in link has already been used."),
    },
    "expired": {
        "code": N_("This sign-in code has expired."),
        "link": N_("This sign-in link has expired."),
    },
    "revoked": {
        "code": N_("This sign-in code was replaced by a newer letter."),
        "link": N_("This sign-in link was replaced by a newer letter."),
    },
    "unknown": {
        "code": N_("This sign-in code is not valid. Check that you have all of it."),
        "link": N_("This sign-in link is not valid. Check that you have all of it."),
    },
    "not_a_member": {
        "code": N_("This sign-in code belongs to someone who is no longer a member."),
        "link": N_("This sign-in link belongs to someone who is no longer a member."),
    },
}
# A browser and a system named in the user agent, first match wins: enough for a
# person to tell their devices apart, without storing the user agent itself.
BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrom", "Chrome"))
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS", "Mac"),
    ("CrOS", "Chromebook"),
    ("Linux", "Linux"),
)


def refusal_message(refused: SignInRefused, what: str) -> tuple[str, str]:
    """Two sentences, each translated on the page (``error|say``)."""
    return (REFUSALS[refused.reason][what], ASK_AGAIN)


def refusal_status(refused: SignInRefused) -> int:
    return 400 if refused.reason == "unknown" else 410


def device_of(user_agent: str) -> str:
    """A short name for the device, such as "Chrome on Android"."""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), None)
    if browser is None and "Safari/" in user_agent:
        browser = "Safari"
    system = next((name for mark, name in SYSTEMS if mark in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or N_("A web browser")


def remembered(form: MultiDictProxy[Any]) -> bool:
    return bool(form.get("remember") == "yes")


async def start(request: web.Request, secret: str, remember: bool) -> web.HTTPSeeOther:
    """The answer that hands the browser its new session: to the member's home."""
    response = web.HTTPSeeOther("/")
    set_session_cookie(request, response, secret, remember)
    return response


async def sign_in_by_code(
    request: web.Request, typed: str, remember: bool
) -> web.HTTPSeeOther:
    """Use a link's secret or a letter's code; raises ``SignInRefused``."""
    app = request.app[NODE].coop_node
    device = device_of(request.headers.get("User-Agent", ""))

    def sign_in() -> str:
        return app.sign_in_with(typed, remember=remember, device=device)

    secret = await write(request, sign_in)
    return await start(request, secret, remember)


def refused_post(
    request: web.Request, template: str, too_many: str, **context: Any
) -> web.Response | None:
    """Every sign-in post comes from this co-op's own pages and within the
    per-address limit: the answer when it does not, else None."""
    if from_another_site(request):
        raise web.HTTPForbidden(
            text=N_("Use this co-op's own page."), content_type="text/plain"
        )
    if request.app[SIGN_IN_LIMIT].blocked(request.remote or "unknown"):
        return render(request, template, 429, error=too_many, **context)
    return None


@sign_in_pages.get("/login")
async def login_form(request: web.Request) -> web.Response:
    expired = "expired" in request.query
    error = N_("You were signed out; sign in again.") if expired else None
    return render(request, "login.html", error=error)


@sign_in_pages.post("/login")
async def login(request: web.Request) -> web.Response:
    """A letter's code, or an access token (scripts may post ``token``)."""
    too_many = N_("Too many wrong codes from here. Wait a few minutes, then try again.")
    if answer := refused_post(request, "login.html", too_many):
        return answer
    address = request.remote or "unknown"
    limit = request.app[SIGN_IN_LIMIT]
    form = await request.post()
    typed = str(form.get("code") or form.get("token") or "").strip()
    remember = remembered(form)
    if looks_like_code(typed):
        try:
            raise await sign_in_by_code(request, typed, remember)
        except SignInRefused as refused:
            limit.failed(address)
            error = refusal_message(refused, "code")
            return render(request, "login.html", refusal_status(refused), error=error)
    who = await resolve(request, typed) if typed else None
    if who is None:
        limit.failed(address)
        return render(
            request,
            "login.html",
            status=401,
            error=N_("That code is not valid. Check it against your letter."),
        )
    node = request.app[NODE]
    device = device_of(request.headers.get("User-Agent", ""))
    secret = await write(
        request, node.coop_node.start_session, who, None, remember, device
    )
    raise await start(request, secret, remember)


# Registered before /signin/{secret}, which would otherwise take this path.
@sign_in_pages.get("/signin/email")
async def link_by_email_form(request: web.Request) -> web.Response:
    return render(request, "signin_email.html", sent=False, error=None)


@sign_in_pages.post("/signin/email")
async def link_by_email(request: web.Request) -> web.Response:
    """Email a sign-in link to the member with this address. The answer is the
    same whether or not the address is a member's, so nobody can find out who
    is; requests count against the same per-address limit as wrong codes."""
    too_many = N_("Too many requests from here. Wait a few minutes, then try again.")
    if answer := refused_post(request, "signin_email.html", too_many, sent=False):
        return answer
    request.app[SIGN_IN_LIMIT].failed(request.remote or "unknown")
    form = await request.post()
    email = str(form.get("email", "")).strip()
    if "@" not in email:
        error = N_("Write the email address the co-op has for you.")
        return render(request, "signin_email.html", 400, sent=False, error=error)
    await write(request, request.app[NODE].coop_node.request_sign_in_link, email)
    return render(request, "signin_email.html", sent=True, error=None)


@sign_in_pages.get("/signin/{secret}")
async def link_page(request: web.Request) -> web.Response:
    secret = request.match_info["secret"]
    try:
        await run(request, request.app[NODE].coop_node.check_sign_in, secret)
    except SignInRefused as refused:
        error = refusal_message(refused, "link")
        return render(request, "signin.html", refusal_status(refused), error=error)
    return render(request, "signin.html", error=None)


@sign_in_pages.post("/signin/{secret}")
async def use_link(request: web.Request) -> web.Response:
    too_many = "Too many wrong sign-ins from here. Wait a few minutes."
    if answer := refused_post(request, "signin.html", too_many):
        return answer
    address = request.remote or "unknown"
    limit = request.app[SIGN_IN_LIMIT]
    form = await request.post()
    try:
        raise await sign_in_by_code(
            request, request.match_info["secret"], remembered(form)
        )
    except SignInRefused as refused:
        limit.failed(address)
        error = refusal_message(refused, "link")
        return render(request, "signin.html", refusal_status(refused), error=error)


@sign_in_pages.get("/devices")
async def devices(request: web.Request) -> web.Response:
    who = signed_in(request)
    app = request.app[NODE].coop_node
    secret = request.get(SESSION)
    this_one = session_id(session_hash(secret)) if secret else None
    sessions = await run(request, app.sessions_of, who)
    tokens = await run(request, my_tokens, app, who.member_id)
    return render(
        request,
        "devices.html",
        devices=[
            {
                "id": s.id,
                "device": s.device or N_("A web browser"),
                # Datetimes: the page writes them in the reader's language.
                "started": s.created_on,
                "last_used": s.last_used,
                "until": s.expires_at if s.remembered else None,
                "this": s.id == this_one,
            }
            for s in sessions
        ],
        ended="ended" in request.query,
        tokens=tokens,
        signed_in_with=who.token_id,
        revoked="revoked" in request.query,
    )


@sign_in_pages.post("/devices/{id}/end")
async def end_device(request: web.Request) -> web.Response:
    who = signed_in(request)
    try:
        device = UUID(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="No such device.") from None
    app = request.app[NODE].coop_node
    await write(request, app.end_device, who, device)
    raise web.HTTPSeeOther("/devices?ended=1")
