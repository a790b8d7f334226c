"""Pages for hours between co-ops: the member's form to send hours to another
co-op (on their time-bank page, node.http.member_pages), and the page where
coordinators and the board follow the clearing accounts, the transfers both
ways and the relay.

The form runs the command of ``POST /api/timebank/hours-out``, checked by that
operation's body, so the page and the API refuse alike.
"""

import msgspec
from aiohttp import web

from node.auth import STAFF
from node.errors import BalanceLimitExceeded, DomainError, UnknownAccount
from node.http.context import NODE, run, write
from node.http.field_errors import trimmed
from node.http.hours import (
    OUT_WORDS,
    REASON_WORDS,
    REFUSED_WORDS,
    HoursOutRequest,
    between_coops,
    relay_error,
    sent,
)
from node.http.member_pages import Errors, member_id_of, timebank_page
from node.http.pages import render, signed_in
from toolkit.web.errors import ApiError
from toolkit.web.i18n import N_

hours_pages = web.RouteTableDef()
FIELD_WORDS = {
    "payee": N_(
        "Write the other co-op's id as the consortium lists it: small letters, "
        "digits and dashes, not this co-op's."
    ),
    "send_hours": N_(
        "Write whole hours and minutes (0 to 59), from one minute to 50 hours."
    ),
    "reference": N_(
        "Write the reference as the other co-op gave it, like K7Q2-MX4P, or "
        "leave it blank."
    ),
}


def read_send_minutes(form: dict[str, str], errors: Errors) -> int:
    try:
        total = int(form["send_hours"] or 0) * 60 + int(form["send_minutes"] or 0)
        if not 0 <= int(form["send_minutes"] or 0) < 60:
            total = 0
    except ValueError:
        total = 0
    if total <= 0:
        errors["send_hours"] = FIELD_WORDS["send_hours"]
    return total


@hours_pages.post("/timebank/hours-out")
async def send_hours(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    names = ("payee", "send_hours", "send_minutes", "reference")
    form = trimmed(await request.post(), names)
    form["payee"] = form["payee"].lower()
    form["reference"] = form["reference"].upper()
    errors: Errors = {}
    minutes = read_send_minutes(form, errors)
    body: HoursOutRequest | None = None
    if not errors:
        fields = {
            "payee": form["payee"],
            "minutes": minutes,
            "reference": form["reference"],
        }
        try:
            body = msgspec.convert(fields, HoursOutRequest)
        except msgspec.ValidationError as error:
            field = _field_of(str(error))
            errors[field] = FIELD_WORDS[field]
    status = 400
    if request.app[NODE].relay is None:
        errors["form"] = N_(
            "This co-op cannot send hours to other co-ops yet: it has no key "
            "to read the consortium's answers. Ask the coordinator."
        )
        body, status = None, 409
    if body is not None:
        app = request.app[NODE].coop_node
        try:
            await write(request, sent, app, member_id, body)
        except BalanceLimitExceeded:
            errors["send_hours"] = N_(
                "You do not have that many hours to send: it would take you below "
                "your limit."
            )
            status = 409
        except (ApiError, UnknownAccount):
            errors["form"] = N_(
                "You have no time-bank account yet; ask the coordinator to open one."
            )
            status = 409
        except DomainError as error:
            field = getattr(error, "field", None) or _field_of(error.code)
            errors[field] = FIELD_WORDS.get(field, FIELD_WORDS["payee"])
        else:
            fetcher = request.app[NODE].relay
            if fetcher is not None:
                fetcher.wake()
            raise web.HTTPSeeOther("/timebank?done=sent#hours-out")
    if "form" not in errors:
        errors["form"] = N_("The hours are not sent: please check what is marked.")
    return await timebank_page(
        request, member_id, status=status, form=form, errors=errors
    )


def _field_of(text: str) -> str:
    """The form field a refusal is about, from the body's field or the code."""
    if "minutes" in text or "hours" in text:
        return "send_hours"
    if "reference" in text:
        return "reference"
    return "payee"


@hours_pages.get("/staff/hours")
async def hours_between_coops(request: web.Request) -> web.Response:
    signed_in(request, STAFF)
    app = request.app[NODE].coop_node
    view = await run(request, between_coops, app, relay_error(request))
    return render(
        request,
        "hours_between_coops.html",
        view=view,
        out_words=OUT_WORDS,
        reason_words=REASON_WORDS,
        refused_words=REFUSED_WORDS,
    )
