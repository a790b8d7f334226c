"""Correcting what a record says about a person (node.corrections), over the API
(``POST /api/records/{id}/corrections``) and from the pages that show the text:
a small "Correct" form beside it (``corrections.html``'s macro) posts here and
comes back to the page it was on. Coordinators and the admin correct care
records and claims; a member corrects their own name and contact details on
their details page.
"""

from uuid import UUID

import msgspec
from aiohttp import web

from node.auth import CARE
from node.corrections import MAX_TEXT
from node.errors import DomainError
from node.http.context import NODE, write
from node.http.field_errors import path_id
from node.http.guard import require
from node.http.pages import signed_in
from toolkit.web.i18n import N_
from toolkit.web.routes import Api, path_uuid

api = Api()
# What a page that holds a correction form says after it (``?done=``).
CORRECTION_DONE = {
    "corrected": N_("The correction is saved."),
    "not_corrected": N_("That correction could not be saved: nothing was changed."),
}
correction_pages = web.RouteTableDef()
ID = {"id": UUID}
Field = msgspec.Meta(pattern=r"^[a-z_]+(\.[0-9]{1,3})?$", max_length=64)


class Correction(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    field: str  # "goals.1": the second goal; "description"
    value: str


class Corrected(msgspec.Struct, frozen=True):
    record: UUID
    field: str
    value: str
    changed: bool  # False: the record already said so, nothing was recorded


@api.route(
    "POST",
    "/api/records/{id}/corrections",
    summary="Correct a text a record keeps about a person (a care plan's goal, "
    "review or closing notes; a claim's description); who corrected is kept "
    "(coordinator, admin)",
    tag="corrections",
    body=Correction,
    response=Corrected,
    params=ID,
    roles=CARE,
    errors=(400, 404),
)
async def correct(request: web.Request, body: Correction) -> Corrected:
    who = require(request, CARE, "correct records")
    record_id = path_uuid(request)
    app = request.app[NODE].coop_node
    changed = await write(
        request, app.correct_record, record_id, body.field, body.value, who.member_id
    )
    return Corrected(record_id, body.field, body.value, changed)


@correction_pages.post("/staff/records/{id}/correct")
async def correct_from_page(request: web.Request) -> web.Response:
    """The page's small form: the corrected text, then back to the page it was
    on (only a staff page of this node)."""
    who = signed_in(request, CARE)
    record_id = path_id(request, "No such record.")
    form = await request.post()
    back = str(form.get("back", ""))
    if not back.startswith("/staff/") or "//" in back:
        back = "/staff"
    field, value = str(form.get("field", "")), str(form.get("value", "")).strip()
    app = request.app[NODE].coop_node
    try:
        if len(value) > MAX_TEXT:
            raise ValueError(value)
        await write(request, app.correct_record, record_id, field, value, who.member_id)
    except (DomainError, ValueError):
        raise web.HTTPSeeOther(f"{back}?done=not_corrected#done") from None
    raise web.HTTPSeeOther(f"{back}?done=corrected#done")
