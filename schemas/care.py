"""Payloads of the ``care`` stream: care plans, visits, incidents and workforce.

People and records appear only as keyed pseudonyms; no goal text, notes, addresses
or free-text reasons (a reason is shared only as its category), dates to the day.
Workforce payloads carry no id at all: a worker joining or leaving is counted, and
whether they are from a disadvantaged group, but never who they are.
"""

import datetime as dt
from typing import Annotated, Literal

import msgspec

from schemas.membership import ClassName, Pseudonym
from schemas.payloads import Payload

ServiceType = Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{1,40}$")]
Minutes = Annotated[int, msgspec.Meta(gt=0, le=24 * 60)]
ScoreValue = Annotated[int, msgspec.Meta(ge=1, le=10)]
PlanCloseReason = Literal[
    "goals_met", "moved_away", "residential_care", "died", "declined", "other"
]
VisitReason = Literal[
    "service_user_unwell",
    "in_hospital",
    "no_access",
    "declined",
    "staff_unavailable",
    "weather",
    "other",
]
IncidentKind = Literal["incident", "safeguarding"]


class Score(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One goal's scores (COPM style): how well it is done, how satisfied."""

    performance: ScoreValue
    satisfaction: ScoreValue


Scores = Annotated[list[Score], msgspec.Meta(min_length=1, max_length=20)]


class CarePlanOpened(Payload, frozen=True):
    SCHEMA = "care_plan.opened/1"
    STREAM = "care"
    plan: Pseudonym
    scores: Scores
    opened_on: dt.date


class CarePlanReviewed(Payload, frozen=True):
    SCHEMA = "care_plan.reviewed/1"
    STREAM = "care"
    plan: Pseudonym
    scores: Scores
    reviewed_on: dt.date


class CarePlanClosed(Payload, frozen=True):
    SCHEMA = "care_plan.closed/1"
    STREAM = "care"
    plan: Pseudonym
    reason: PlanCloseReason
    closed_on: dt.date


class VisitDelivered(Payload, frozen=True):
    SCHEMA = "visit.delivered/1"
    STREAM = "care"
    visit: Pseudonym
    worker: Pseudonym
    worker_class: ClassName
    minutes_by_service: Annotated[
        dict[ServiceType, Minutes], msgspec.Meta(min_length=1, max_length=20)
    ]
    delivered_on: dt.date


class VisitMissed(Payload, frozen=True):
    SCHEMA = "visit.missed/1"
    STREAM = "care"
    visit: Pseudonym
    reason: VisitReason
    missed_on: dt.date


class VisitCancelled(Payload, frozen=True):
    SCHEMA = "visit.cancelled/1"
    STREAM = "care"
    visit: Pseudonym
    reason: VisitReason
    cancelled_on: dt.date


class IncidentRaised(Payload, frozen=True):
    SCHEMA = "incident.raised/1"
    STREAM = "care"
    incident: Pseudonym
    kind: IncidentKind
    raised_on: dt.date


class IncidentAcknowledged(Payload, frozen=True):
    """The day the safeguarding lead or a coordinator acknowledged it: with the
    day it was raised, how long concerns wait. Nothing of who, nor of any
    referral."""

    SCHEMA = "incident.acknowledged/1"
    STREAM = "care"
    incident: Pseudonym
    kind: IncidentKind
    acknowledged_on: dt.date


class IncidentClosed(Payload, frozen=True):
    SCHEMA = "incident.closed/1"
    STREAM = "care"
    incident: Pseudonym
    kind: IncidentKind
    closed_on: dt.date


class WorkerJoined(Payload, frozen=True):
    SCHEMA = "worker.joined/1"
    STREAM = "care"
    disadvantaged: bool
    type_b: bool
    joined_on: dt.date


class WorkerLeft(Payload, frozen=True):
    SCHEMA = "worker.left/1"
    STREAM = "care"
    disadvantaged: bool
    type_b: bool
    left_on: dt.date
