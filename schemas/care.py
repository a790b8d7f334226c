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


Count = Annotated[int, msgspec.Meta(ge=0)]


class CareMonthSummarised(Payload, frozen=True):
    """A co-op's own figures for one calendar month, computed in the node once
    the month is over: continuity (how many different carers each person saw)
    and compliance (carers holding every check and training the co-op's services
    require). Counts only: no pseudonym, so no person can be followed from month
    to month."""

    SCHEMA = "care.month_summarised/1"
    STREAM = "care"
    month: dt.date  # its first day
    # People who had at least one visit delivered that month, and the sum over
    # them of the distinct carers who delivered to each.
    service_users: Count
    carer_links: Count
    # Of those people, how many saw at most two different carers.
    seen_by_few: Count
    # Carers (employed workers and enrolled volunteers) on the month's last day,
    # and how many of them held everything required then.
    carers: Count
    compliant_carers: Count
