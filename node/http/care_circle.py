"""The care circle's API (node.care_circle): a service user lets a family member
or advocate (an admitted member) see their care, sees who can, and takes it back;
the coordinator records a consent on the person's behalf, saying how it was
given, and sees and revokes the person's consents from the care plan.

Only the person may invite for themselves or revoke (besides the coordinator
and admin): a viewer can do neither, and is refused like anyone else.
"""

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import CARE, EVERYONE, MEMBERS
from node.care_circle import MAX_HOW_GIVEN, SCOPES, CareConsent, Scope
from node.errors import UnknownCareConsent
from node.http.audit import audited
from node.http.context import NODE, run, write
from node.http.guard import require
from node.http.my_care import member_of
from toolkit.web.errors import forbidden
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
NOT_YOURS = "only the person whose care it is may revoke this"
# In the access log: who a person lets see their care (node.access_audit).
CIRCLE = "care_circle"


class Invite(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    viewer: UUID  # an admitted member: a family member, a friend, an advocate
    scope: Scope = "plan_and_visits"


class InviteOnBehalf(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    viewer: UUID
    # How the person gave consent, e.g. "in person, witnessed by Cal Roy".
    how_given: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_HOW_GIVEN)]
    scope: Scope = "plan_and_visits"


class ConsentView(msgspec.Struct, frozen=True):
    id: UUID
    service_user: UUID
    viewer: UUID
    viewer_name: str
    scope: str
    granted_on: dt.date
    on_behalf: bool  # recorded by the coordinator for the person
    how_given: str
    revoked_on: dt.date | None


def consent_view(app: CoopNode, consent: CareConsent) -> ConsentView:
    return ConsentView(
        consent.id,
        consent.service_user,
        consent.viewer,
        app.member(consent.viewer).name,
        consent.scope,
        consent.granted_on,
        consent.on_behalf,
        consent.how_given,
        consent.revoked_on,
    )


def circle_of(app: CoopNode, service_user: UUID) -> list[ConsentView]:
    """Who ``service_user`` lets or has let see their care: those who still
    can first, newest first."""
    consents = app.care_circle(service_user)
    consents.sort(key=lambda c: (not c.is_active, -c.granted_on.toordinal()))
    return [consent_view(app, c) for c in consents]


def candidates(
    app: CoopNode, service_user: UUID, circle: list[ConsentView]
) -> list[tuple[str, UUID]]:
    """Admitted members who could be invited: not the person, not anyone who
    sees their care already; by name."""
    seeing = {c.viewer for c in circle if c.revoked_on is None}
    found = [
        (m.name, m.id)
        for m in app.members()
        if m.is_admitted and m.id != service_user and m.id not in seeing
    ]
    return sorted(found, key=lambda c: c[0].casefold())


def access_context(app: CoopNode, service_user: UUID) -> dict[str, Any]:
    """Who sees a person's care, and who could: for their page and the
    coordinator's."""
    circle = circle_of(app, service_user)
    return {
        "circle": circle,
        "candidates": candidates(app, service_user, circle),
        "scopes": SCOPES,
    }


# The commands, shared by the API and the pages (node.http.my_care_pages).


def invite(app: CoopNode, service_user: UUID, body: Invite) -> ConsentView:
    """The person themselves lets ``body.viewer`` see their care."""
    consent_id = app.grant_care_consent(
        service_user, body.viewer, body.scope, recorded_by=service_user
    )
    return consent_view(app, app.care_consent(consent_id))


def invite_on_behalf(
    app: CoopNode, service_user: UUID, by: UUID | None, body: InviteOnBehalf
) -> ConsentView:
    consent_id = app.grant_care_consent(
        service_user, body.viewer, body.scope, by, body.how_given
    )
    return consent_view(app, app.care_consent(consent_id))


def revoke(
    app: CoopNode, consent_id: UUID, by: UUID | None, staff: bool
) -> ConsentView:
    """Take a consent back: the person's own, or any for the coordinator and
    admin (``staff``). Anyone else is refused as if it were not there."""
    try:
        consent = app.care_consent(consent_id)
    except UnknownCareConsent:
        if staff:
            raise
        consent = None
    if not staff and (consent is None or consent.service_user != by):
        raise forbidden(NOT_YOURS)
    app.revoke_care_consent(consent_id, by)
    return consent_view(app, app.care_consent(consent_id))


@api.route(
    "GET",
    "/api/me/care/access",
    summary="Who the calling member lets (or has let) see their care",
    tag="my care",
    response=list[ConsentView],
    roles=MEMBERS,
)
async def my_circle(request: web.Request) -> list[ConsentView]:
    member_id = member_of(request, "have care of their own")
    circle = await run(request, circle_of, request.app[NODE].coop_node, member_id)
    await audited(request, member_id, CIRCLE)
    return circle


@api.route(
    "POST",
    "/api/me/care/access",
    summary="Let a family member or advocate (an admitted member) see the "
    "calling member's care",
    tag="my care",
    body=Invite,
    response=ConsentView,
    status=201,
    roles=MEMBERS,
    errors=(409,),
)
async def grant_access(request: web.Request, body: Invite) -> ConsentView:
    member_id = member_of(request, "invite others to see their care")
    return await write(request, invite, request.app[NODE].coop_node, member_id, body)


@api.route(
    "POST",
    "/api/care-access/{id}/revoke",
    summary="Take back a permission to see someone's care, at once (the person "
    "themselves; coordinator, admin)",
    tag="my care",
    response=ConsentView,
    params=ID,
    roles=EVERYONE,
    errors=(403, 404, 409),
)
async def revoke_access(request: web.Request) -> ConsentView:
    who = require(request, EVERYONE, "revoke access to care")
    consent_id = path_uuid(request)
    app = request.app[NODE].coop_node
    staff = who.role in CARE
    return await write(request, revoke, app, consent_id, who.member_id, staff)


@api.route(
    "GET",
    "/api/members/{id}/care-access",
    summary="Who a person lets (or has let) see their care (coordinator, admin)",
    tag="my care",
    response=list[ConsentView],
    params=ID,
    roles=CARE,
)
async def person_circle(request: web.Request) -> list[ConsentView]:
    require(request, CARE, "see who sees a person's care")
    app = request.app[NODE].coop_node
    person = path_uuid(request)
    circle = await run(request, circle_of, app, person)
    await audited(request, person, CIRCLE)
    return circle


@api.route(
    "POST",
    "/api/members/{id}/care-access",
    summary="Record a person's consent for a family member or advocate to see "
    "their care, on their behalf, with how it was given; the person is told "
    "(coordinator, admin)",
    tag="my care",
    body=InviteOnBehalf,
    response=ConsentView,
    status=201,
    params=ID,
    roles=CARE,
    errors=(409,),
)
async def grant_access_on_behalf(
    request: web.Request, body: InviteOnBehalf
) -> ConsentView:
    who = require(request, CARE, "record consent on a person's behalf")
    app = request.app[NODE].coop_node
    person = path_uuid(request)
    return await write(request, invite_on_behalf, app, person, who.member_id, body)
