"""Compliance on the API (node.compliance): each carer's checks, induction and
trainings, recorded by the coordinator; what each service type requires; and a
carer's own record (``GET /api/me/compliance``), which nobody else but the
coordinator and admin may read.

Certificate references are personal: they are answered only to the carer and
the coordinator or admin, and never leave the node.
"""

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from aiohttp import web

from node.application import CoopNode
from node.auth import CARE, MEMBERS
from node.compliance import CheckKind, Held, Item, Training
from node.http.audit import audited
from node.http.context import NODE, run, write
from node.http.guard import require
from toolkit.web.errors import ApiError
from toolkit.web.routes import Api, path_uuid

api = Api()
ID = {"id": UUID}
# An item expiring within this many days is highlighted (and reminded:
# node.compliance_reminders).
EXPIRING_DAYS = 30
Text = Annotated[str, msgspec.Meta(max_length=200)]
State = Literal["valid", "expiring", "expired", "not_yet"]


class CheckRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: CheckKind
    done_on: dt.date
    certificate: Text = ""  # the certificate's reference number
    expires_on: dt.date | None = None  # never, when left out


class TrainingRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Training
    done_on: dt.date
    expires_on: dt.date | None = None  # never, when left out


class Induction(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    done_on: dt.date


class Removal(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    item: Item
    kind: Annotated[str, msgspec.Meta(max_length=40)] = ""  # "" for the induction
    reason: Text = ""


class Needs(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    checks: list[CheckKind] = []
    trainings: list[Training] = []


class RequirementView(msgspec.Struct, frozen=True):
    service_type: str
    checks: list[str]
    trainings: list[str]


class HeldView(msgspec.Struct, frozen=True):
    kind: str
    done_on: dt.date
    expires_on: dt.date | None
    certificate: str  # a check's reference; "" for a training
    state: State


class ComplianceView(msgspec.Struct, frozen=True):
    member: UUID
    carer: bool  # an employed worker or an enrolled volunteer now
    inducted_on: dt.date | None
    checks: list[HeldView]
    trainings: list[HeldView]
    # What the co-op's service types require that the carer lacks today.
    missing: list[str]
    fully_compliant: bool


def state(held: Held, today: dt.date) -> State:
    if held.done_on > today:
        return "not_yet"
    if held.expires_on is None:
        return "valid"
    if held.expires_on < today:
        return "expired"
    soon = held.expires_on - today <= dt.timedelta(EXPIRING_DAYS)
    return "expiring" if soon else "valid"


def compliance_view(app: CoopNode, member_id: UUID, today: dt.date) -> ComplianceView:
    app.member(member_id)  # an unknown member is a 404
    record = app.compliance_record(member_id)
    checks = record.checks if record else {}
    trainings = record.trainings if record else {}
    return ComplianceView(
        member_id,
        app.is_carer(member_id),
        record.inducted_on if record else None,
        [
            HeldView(k, h.done_on, h.expires_on, h.certificate, state(h, today))
            for k, h in sorted(checks.items())
        ],
        [
            HeldView(k, h.done_on, h.expires_on, "", state(h, today))
            for k, h in sorted(trainings.items())
        ],
        app.compliance_gaps(member_id, app.coop().profile.service_types, today),
        app.is_fully_compliant(member_id, today),
    )


def carers_view(app: CoopNode, today: dt.date) -> list[ComplianceView]:
    return [compliance_view(app, m, today) for m in app.carers()]


def requirements_view(app: CoopNode) -> list[RequirementView]:
    return [
        RequirementView(t, list(r.checks), list(r.trainings))
        for t, r in app.requirements().items()
    ]


# The commands, shared by the API and the coordinator's pages.


def record_check(app: CoopNode, member_id: UUID, body: CheckRecord) -> ComplianceView:
    app.record_check(
        member_id, body.kind, body.done_on, body.certificate, body.expires_on
    )
    return compliance_view(app, member_id, dt.date.today())


def record_training(
    app: CoopNode, member_id: UUID, body: TrainingRecord
) -> ComplianceView:
    app.record_training(member_id, body.name, body.done_on, body.expires_on)
    return compliance_view(app, member_id, dt.date.today())


def record_induction(app: CoopNode, member_id: UUID, body: Induction) -> ComplianceView:
    app.record_induction(member_id, body.done_on)
    return compliance_view(app, member_id, dt.date.today())


def remove(app: CoopNode, member_id: UUID, body: Removal) -> ComplianceView:
    app.remove_compliance_item(member_id, body.item, body.kind, body.reason)
    return compliance_view(app, member_id, dt.date.today())


def set_needs(app: CoopNode, service_type: str, body: Needs) -> list[RequirementView]:
    if service_type not in app.coop().profile.service_types:
        raise ApiError(404, "not_found", f"no service type {service_type!r} here")
    app.set_requirements(service_type, body.checks, body.trainings)
    return requirements_view(app)


@api.route(
    "GET",
    "/api/compliance",
    summary="Every current carer's checks, induction and trainings, and what they "
    "lack today (coordinator, admin)",
    tag="compliance",
    response=list[ComplianceView],
    roles=CARE,
)
async def list_compliance(request: web.Request) -> list[ComplianceView]:
    require(request, CARE, "see carers' compliance")
    app = request.app[NODE].coop_node
    return await run(request, carers_view, app, dt.date.today())


@api.route(
    "GET",
    "/api/compliance/{id}",
    summary="A member's checks, induction and trainings (coordinator, admin)",
    tag="compliance",
    response=ComplianceView,
    params=ID,
    roles=CARE,
    errors=(404,),
)
async def show_compliance(request: web.Request) -> ComplianceView:
    require(request, CARE, "see a carer's compliance")
    member_id = path_uuid(request)
    app = request.app[NODE].coop_node
    view = await run(request, compliance_view, app, member_id, dt.date.today())
    await audited(request, member_id, "compliance")
    return view


@api.route(
    "GET",
    "/api/me/compliance",
    summary="The calling member's own checks, induction and trainings",
    tag="compliance",
    response=ComplianceView,
    roles=MEMBERS,
)
async def my_compliance(request: web.Request) -> ComplianceView:
    who = require(request, MEMBERS, "have a compliance record of their own")
    assert who.member_id is not None  # every role in MEMBERS is a member's
    app = request.app[NODE].coop_node
    return await run(request, compliance_view, app, who.member_id, dt.date.today())


@api.route(
    "POST",
    "/api/compliance/{id}/checks",
    summary="Record (or correct) a member's background check (coordinator, admin)",
    tag="compliance",
    body=CheckRecord,
    response=ComplianceView,
    params=ID,
    roles=CARE,
    errors=(404, 409),
)
async def post_check(request: web.Request, body: CheckRecord) -> ComplianceView:
    require(request, CARE, "record carers' checks")
    app = request.app[NODE].coop_node
    return await write(request, record_check, app, path_uuid(request), body)


@api.route(
    "POST",
    "/api/compliance/{id}/trainings",
    summary="Record (or correct) a training a member did (coordinator, admin)",
    tag="compliance",
    body=TrainingRecord,
    response=ComplianceView,
    params=ID,
    roles=CARE,
    errors=(404, 409),
)
async def post_training(request: web.Request, body: TrainingRecord) -> ComplianceView:
    require(request, CARE, "record carers' trainings")
    app = request.app[NODE].coop_node
    return await write(request, record_training, app, path_uuid(request), body)


@api.route(
    "POST",
    "/api/compliance/{id}/induction",
    summary="Record the day a member was inducted (coordinator, admin)",
    tag="compliance",
    body=Induction,
    response=ComplianceView,
    params=ID,
    roles=CARE,
    errors=(404, 409),
)
async def post_induction(request: web.Request, body: Induction) -> ComplianceView:
    require(request, CARE, "record carers' induction")
    app = request.app[NODE].coop_node
    return await write(request, record_induction, app, path_uuid(request), body)


@api.route(
    "POST",
    "/api/compliance/{id}/removals",
    summary="Take a check, training or induction recorded by mistake off a "
    "member's record (coordinator, admin)",
    tag="compliance",
    body=Removal,
    response=ComplianceView,
    params=ID,
    roles=CARE,
    errors=(404, 409),
)
async def post_removal(request: web.Request, body: Removal) -> ComplianceView:
    require(request, CARE, "correct carers' records")
    app = request.app[NODE].coop_node
    return await write(request, remove, app, path_uuid(request), body)


@api.route(
    "GET",
    "/api/compliance-requirements",
    summary="What each of the co-op's service types requires of the carer who goes "
    "(coordinator, admin)",
    tag="compliance",
    response=list[RequirementView],
    roles=CARE,
)
async def list_requirements(request: web.Request) -> list[RequirementView]:
    require(request, CARE, "see what services require")
    return await run(request, requirements_view, request.app[NODE].coop_node)


@api.route(
    "PUT",
    "/api/compliance-requirements/{service_type}",
    summary="Set the checks and trainings a service type requires (coordinator, admin)",
    tag="compliance",
    body=Needs,
    response=list[RequirementView],
    params={"service_type": str},
    roles=CARE,
    errors=(400, 404),
)
async def put_requirements(request: web.Request, body: Needs) -> list[RequirementView]:
    require(request, CARE, "set what services require")
    service_type = request.match_info["service_type"]
    app = request.app[NODE].coop_node
    return await write(request, set_needs, app, service_type, body)
