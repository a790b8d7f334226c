"""Raising a safeguarding concern or an incident: anyone in the co-op may.

Any admitted member, not only the workers and volunteers: a service user or a
family member may be the one who sees harm, and a concern nobody may raise is
one nobody hears of. A member may name a visit of their own (one they receive,
are to make or made) and the person it is about (a member, or someone who is not
one, in words). The raiser then follows what they raised on ``GET
/api/concerns``: where it stands (open, acknowledged, referred, closed) and
nothing more, neither the outcome nor anyone else's concerns. Handling them is
``node.http.incidents``.
"""

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import CARE, EVERYONE, MEMBERS, Principal
from node.errors import UnknownMember, UnknownVisit
from node.http.context import NODE, run, write
from node.http.guard import require
from node.incidents import ConcernStatus, Incident
from node.visits import Visit
from schemas.care import IncidentKind
from toolkit.web.errors import ApiError, forbidden
from toolkit.web.paging import Page
from toolkit.web.routes import Api

api = Api()
Description = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class NewConcern(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    description: Description
    kind: IncidentKind = "safeguarding"
    # The visit it happened on, if any: for a member, a visit of their own.
    visit: UUID | None = None
    # Whom it is about: a member, or someone who is not one, in words.
    person: UUID | None = None
    someone: Annotated[str, msgspec.Meta(max_length=200)] = ""
    # A day before today: only the coordinator or the admin, recording it late.
    raised_on: dt.date | None = None


class ConcernView(msgspec.Struct, frozen=True):
    """A concern as its raiser follows it: never its outcome."""

    id: UUID
    kind: str
    raised_on: dt.date
    status: ConcernStatus


class NotTheirVisit(Exception):
    """A member named a visit they are not on."""


def concern_view(incident: Incident) -> ConcernView:
    return ConcernView(incident.id, incident.kind, incident.raised_on, incident.status)


def is_on_visit(visit: Visit, member_id: UUID | None) -> bool:
    return member_id is not None and member_id in (
        visit.service_user,
        visit.assigned_to,
        visit.worker,
    )


def raise_concern(app: CoopNode, who: Principal, body: NewConcern) -> UUID:
    """Record ``body`` as raised by ``who``; a member may name only a visit of
    their own (else ``NotTheirVisit``, and nothing is written)."""
    if (
        body.visit is not None
        and who.role not in CARE
        and not is_on_visit(app.visit(body.visit), who.member_id)
    ):
        raise NotTheirVisit(str(body.visit))
    return app.raise_incident(
        body.kind,
        body.description,
        body.raised_on,
        body.visit,
        raised_by=who.member_id,
        person=body.person,
        someone=body.someone.strip(),
    )


def my_concerns(app: CoopNode, member_id: UUID) -> Page[ConcernView]:
    views = [concern_view(i) for i in app.incidents_raised_by(member_id)]
    return Page(views, None)


@api.route(
    "POST",
    "/api/concerns",
    summary="Raise a safeguarding concern or an incident (any member, admin)",
    tag="incidents",
    body=NewConcern,
    response=ConcernView,
    status=201,
    roles=EVERYONE,
    errors=(403, 409),
)
async def post_concern(request: web.Request, body: NewConcern) -> ConcernView:
    who = require(request, EVERYONE, "raise concerns")
    if body.raised_on is not None and who.role not in CARE:
        raise forbidden(
            "a concern is raised on the day it is raised; only a coordinator or "
            "the admin records one raised on another day"
        )
    app = request.app[NODE].coop_node

    def command() -> ConcernView:
        try:
            incident_id = raise_concern(app, who, body)
        except NotTheirVisit:
            raise forbidden("a member may name only a visit of their own") from None
        except UnknownVisit as error:
            # Named in the body, not the path: a conflict with what exists.
            raise ApiError(409, error.code, str(error), "visit") from None
        except UnknownMember as error:
            raise ApiError(409, error.code, str(error), "person") from None
        return concern_view(app.incident(incident_id))

    return await write(request, command)


@api.route(
    "GET",
    "/api/concerns",
    summary="The concerns and incidents I raised, and where each stands",
    tag="incidents",
    response=Page[ConcernView],
    roles=MEMBERS,
)
async def list_my_concerns(request: web.Request) -> Page[ConcernView]:
    who = require(request, MEMBERS, "follow concerns of their own")
    assert who.member_id is not None  # every member role has one
    return await run(request, my_concerns, request.app[NODE].coop_node, who.member_id)
