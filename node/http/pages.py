"""Server-rendered pages for members and staff: plain HTML forms, no JavaScript
needed, readable on a phone.

Signing in (node.http.sign_in_pages) starts a session (node.sessions): the
browser keeps only the session's secret, in an HttpOnly, SameSite=Strict cookie,
and every form posts the session's CSRF token (node.http.guard checks it). The
API's bearer header works here too.
"""

import datetime as dt
from collections.abc import Collection
from typing import Any

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import ADMIN, BOARD, STAFF, Principal
from node.errors import DomainError
from node.http.ballots import my_ballots
from node.http.context import NODE, TEMPLATES, run, write, written
from node.http.error_words import said
from node.http.errors import translate
from node.http.expenses import claims_of
from node.http.guard import COOKIE, CSRF_FIELD, PRINCIPAL, SESSION, principal
from node.http.language import language_context
from node.http.members import MembershipApplication, member_view
from node.http.my_care import has_care, people_shown
from node.http.timebank import my_time_account
from node.http.visits import my_visits
from node.sessions import csrf_token
from toolkit.web.errors import heading, invalid_input
from toolkit.web.i18n import N_
from toolkit.web.pages import render as render_page

pages = web.RouteTableDef()


def render(
    request: web.Request, name: str, status: int = 200, **context: Any
) -> web.Response:
    return render_page(
        request.app[TEMPLATES],
        name,
        status,
        **{
            # The reader's language, dates and money (node.http.language).
            **language_context(request),
            "coop_name": request.app[NODE].config.name,
            "who": request.get(PRINCIPAL),
            "current": request.path,
            "csrf": csrf_token(secret) if (secret := request.get(SESSION)) else "",
            # Whether the menu offers the carer's rounds (node.http.carer_pages).
            "is_carer": _is_carer(request),
            **context,
        },
    )


def _is_carer(request: web.Request) -> bool:
    who: Principal | None = request.get(PRINCIPAL)
    if who is None or who.member_id is None:
        return False
    return request.app[NODE].coop_node.is_carer(who.member_id)


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    """An HTTP error as a page in the co-op's layout (toolkit.web.errors)."""
    return render(
        request, "error.html", status, heading=heading(status), message=message
    )


# What a page says of a form field that is wrong, when its own page gives no
# hint: whole sentences, translated where they are shown.
FIELD_HINTS = {
    "name": N_("Write the person's name (200 characters at most)."),
    "email": N_("Write an email address, like name@example.org."),
    "member_class": N_("Choose one of the co-op's member classes."),
    "phone": N_("The phone number is too long (40 characters at most)."),
    "address": N_("The address is too long (500 characters at most)."),
    "applied_on": N_("Write a date, like 2026-11-30."),
}


def form_error(
    error: msgspec.ValidationError, hints: dict[str, str] | None = None
) -> str:
    """What is wrong with a form, in one sentence marked for translation: the
    page's hint for the bad field, else the field's usual hint, else a sentence
    that asks to check the form."""
    path = invalid_input(error, "form").detail.field or "form"
    field = path.split("[")[0]  # an item of a list is its list's field
    return (hints or {}).get(field) or FIELD_HINTS.get(field) or CHECK_FORM


CHECK_FORM = N_("Something in the form is not right: check it and try again.")


def status_of(error: DomainError) -> int:
    """The status the API would answer for a refused command (409 by default)."""
    translated = translate(error)
    return translated.status if translated is not None else 409


def signed_in(request: web.Request, roles: Collection[str] | None = None) -> Principal:
    # aiohttp types get() by key only for str keys: it gives Any for a RequestKey.
    who: Principal | None = request.get(PRINCIPAL)
    if who is None:
        raise web.HTTPSeeOther("/login")
    if roles is not None and who.role not in roles:
        raise web.HTTPForbidden(
            text="This page is for co-op staff.", content_type="text/plain"
        )
    return who


@pages.post("/logout")
async def logout(request: web.Request) -> web.Response:
    secret = request.get(SESSION)
    if secret:
        await write(request, request.app[NODE].coop_node.end_session, secret)
    response = web.HTTPSeeOther("/login")
    response.del_cookie(COOKIE, path="/")
    raise response


@pages.get("/")
async def home(request: web.Request) -> web.Response:
    who = signed_in(request)
    if who == ADMIN:
        raise web.HTTPSeeOther("/staff")
    app = request.app[NODE].coop_node
    member_id = who.member_id
    assert member_id is not None

    def read() -> dict[str, Any]:
        return {
            "member": member_view(app.member(member_id)),
            "ballots": my_ballots(app, member_id),
            "timebank": my_time_account(app, member_id, latest=3),
            "claims_waiting": sum(
                c.status in ("claimed", "approved") for c in claims_of(app, member_id)
            ),
            "next_visit": next(
                (
                    v
                    for v in my_visits(app, member_id, dt.date.today())
                    if v.status == "scheduled"
                ),
                None,
            ),
            "notify_by": app.member(member_id).notify_by,
            "has_care": has_care(app, member_id),
            "people_shown": people_shown(app, member_id),
            "data_protection_lead": app.is_lead("data_protection", member_id),
            # The lead may hold only a member's token: their way to the concerns.
            "safeguarding_lead": app.is_lead("safeguarding", member_id),
        }

    return render(request, "home.html", **await run(request, read))


def _staff_context(app: CoopNode) -> dict[str, Any]:
    members = [member_view(m) for m in app.members()]
    return {
        "applicants": [m for m in members if m.status == "applied"],
        "members": [m for m in members if m.status != "applied"],
        "classes": app.coop().profile.class_names,
    }


async def staff_page(
    request: web.Request, status: int = 200, **context: Any
) -> web.Response:
    app = request.app[NODE].coop_node
    data = await run(request, _staff_context, app)
    who = principal(request)
    # Who may open a member's record: the board, and the data protection lead
    # (to erase someone who has left, node.http.erasure).
    data["records"] = who.role in BOARD or app.is_lead("data_protection", who.member_id)
    context.setdefault("error", None)
    context.setdefault("form", {})
    return render(request, "staff.html", status=status, **data, **context)


@pages.get("/staff")
async def staff(request: web.Request) -> web.Response:
    signed_in(request, STAFF)
    return await staff_page(request)


@pages.post("/staff/apply")
async def staff_apply(request: web.Request) -> web.Response:
    signed_in(request, BOARD)
    posted = await request.post()
    form = {k: str(v).strip() for k, v in posted.items() if k != CSRF_FIELD}
    try:
        application = msgspec.convert(
            {k: v for k, v in form.items() if v}, MembershipApplication, strict=False
        )
    except msgspec.ValidationError as error:
        return await staff_page(request, status=400, error=form_error(error), form=form)
    app = request.app[NODE].coop_node
    try:
        await run(
            request,
            lambda: app.apply_for_membership(**msgspec.structs.asdict(application)),
        )
    except DomainError as error:
        return await staff_page(request, status=400, error=said(error), form=form)
    written(request)
    raise web.HTTPSeeOther("/staff")
