"""The person at the centre, on pages: ``/my-care`` shows a member their own care
(node.http.my_care) and who they let see it, with a form to invite a family
member or advocate and a button to take each permission back;
``/my-care/people`` lists the people who let the member see their care, and
``/my-care/{id}`` shows one of them as the person sees it, under a banner saying
why. The coordinator records a consent on the person's behalf, and revokes one,
from the care plan's page (node.http.care_plan_pages shows the section).

The forms run the API's own commands (node.http.care_circle), so a page and the
API cannot disagree about who may do what.
"""

import datetime as dt
from functools import partial
from typing import Any
from uuid import UUID

from aiohttp import web

from node.access_audit import Reading
from node.application import CoopNode
from node.auth import CARE
from node.errors import DomainError, UnknownCarePlan
from node.http import care_circle
from node.http.audit import audited_all
from node.http.care_circle import CIRCLE, Invite, InviteOnBehalf, access_context, invite
from node.http.care_plan_pages import NOT_FOUND, plan_page
from node.http.context import NODE, run, write
from node.http.error_words import said
from node.http.field_errors import checked, filled, form_page, path_id
from node.http.member_pages import member_id_of
from node.http.my_care import care_readings, care_view, people_shown, shown_care
from node.http.pages import render, signed_in, status_of
from toolkit.web.errors import ApiError
from toolkit.web.i18n import N_

my_care_pages = web.RouteTableDef()
DONE = {
    "invited": N_("They can now see your care. You can take it back at any time."),
    "revoked": N_("They can no longer see your care."),
}
HINTS = {
    "viewer": N_("Choose the member who may see your care."),
    "scope": N_("Choose what they may see."),
}
STAFF_HINTS = {
    "viewer": N_("Choose the member who may see this person's care."),
    "scope": N_("Choose what they may see."),
    "how_given": N_(
        "Say how the person gave their consent (500 characters at most), for "
        "example: in person, witnessed by a named worker."
    ),
}
NOT_INVITED = N_("This person has not let you see their care.")


def _own_context(app: CoopNode, member_id: UUID) -> dict[str, Any]:
    return {
        "care": care_view(app, member_id, dt.date.today()),
        "people": people_shown(app, member_id),
        "form": {"scope": "plan_and_visits"},
        **access_context(app, member_id),
    }


own_page = partial(form_page, "my_care.html", _own_context, DONE)


def _own_readings(app: CoopNode, member_id: UUID) -> list[Reading]:
    care = care_view(app, member_id, dt.date.today())
    return [*care_readings(care), Reading(member_id, CIRCLE)]


@my_care_pages.get("/my-care")
async def my_care(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    page = await own_page(request, member_id)
    await audited_all(request, partial(_own_readings, member_id=member_id))
    return page


@my_care_pages.post("/my-care/access")
async def grant(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    form = filled(await request.post(), ("viewer", "scope"))
    body, errors = checked(Invite, form, HINTS)
    if body is None:
        return await own_page(request, member_id, status=400, errors=errors, form=form)
    app = request.app[NODE].coop_node
    try:
        await write(request, invite, app, member_id, body)
    except DomainError as error:
        problem = {"viewer": HINTS["viewer"], "form": said(error)}
        return await own_page(
            request, member_id, status=status_of(error), errors=problem, form=form
        )
    raise web.HTTPSeeOther("/my-care?done=invited#done")


@my_care_pages.post("/my-care/access/{id}/revoke")
async def revoke(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    consent_id = path_id(request, NOT_INVITED)
    app = request.app[NODE].coop_node
    try:
        await write(request, care_circle.revoke, app, consent_id, member_id, False)
    except ApiError:  # not theirs, or not there: the same to them
        raise web.HTTPForbidden(text="This is not yours to revoke.") from None
    except DomainError as error:  # revoked already, in another tab
        errors = {"form": said(error)}
        return await own_page(
            request, member_id, status=status_of(error), errors=errors
        )
    raise web.HTTPSeeOther("/my-care?done=revoked#done")


@my_care_pages.get("/my-care/people")
async def people(request: web.Request) -> web.Response:
    member_id = member_id_of(request)
    app = request.app[NODE].coop_node
    shown = await run(request, people_shown, app, member_id)
    return render(request, "my_care_people.html", people=shown)


@my_care_pages.get("/my-care/{id}")
async def their_care(request: web.Request) -> web.Response:
    viewer = member_id_of(request)
    service_user = path_id(request, NOT_INVITED)
    if service_user == viewer:
        raise web.HTTPSeeOther("/my-care")
    app = request.app[NODE].coop_node
    care = await run(request, shown_care, app, viewer, service_user, dt.date.today())
    if care is None:  # the same refusal whether or not the person exists
        raise web.HTTPForbidden(text=NOT_INVITED)
    await audited_all(request, care_readings(care))
    return render(request, "my_care.html", care=care, errors={}, form={}, done=None)


# On the person's behalf, from their care plan's page.


async def _plan_person(request: web.Request) -> tuple[UUID, UUID]:
    plan_id = path_id(request, NOT_FOUND)
    app = request.app[NODE].coop_node
    try:
        plan = await run(request, app.care_plan, plan_id)
    except UnknownCarePlan:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
    return plan_id, plan.service_user


@my_care_pages.post("/staff/care-plans/{id}/access")
async def grant_on_behalf(request: web.Request) -> web.Response:
    who = signed_in(request, CARE)
    plan_id, person = await _plan_person(request)
    values = filled(await request.post(), ("viewer", "scope", "how_given"))
    form = {f"access-{k}": v for k, v in values.items()}
    body, errors = checked(InviteOnBehalf, values, STAFF_HINTS)
    if body is None:
        wrong = {f"access-{k}": hint for k, hint in errors.items()}
        return await plan_page(request, plan_id, status=400, errors=wrong, form=form)
    app = request.app[NODE].coop_node
    try:
        await write(
            request, care_circle.invite_on_behalf, app, person, who.member_id, body
        )
    except DomainError as error:
        wrong = {"access-viewer": STAFF_HINTS["viewer"], "access": said(error)}
        return await plan_page(
            request, plan_id, status=status_of(error), errors=wrong, form=form
        )
    raise web.HTTPSeeOther(f"/staff/care-plans/{plan_id}?done=access_given#access")


@my_care_pages.post("/staff/care-plans/{id}/access/{consent}/revoke")
async def revoke_on_behalf(request: web.Request) -> web.Response:
    who = signed_in(request, CARE)
    plan_id, person = await _plan_person(request)
    consent_id = path_id_named(request, "consent")
    app = request.app[NODE].coop_node
    consent = await run(request, app.care_consent, consent_id)
    if consent.service_user != person:
        raise web.HTTPNotFound(text=NOT_FOUND)
    try:
        await write(request, care_circle.revoke, app, consent_id, who.member_id, True)
    except DomainError as error:
        errors = {"access": said(error)}
        return await plan_page(request, plan_id, status=status_of(error), errors=errors)
    raise web.HTTPSeeOther(f"/staff/care-plans/{plan_id}?done=access_revoked#access")


def path_id_named(request: web.Request, name: str) -> UUID:
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise web.HTTPNotFound(text=NOT_FOUND) from None
