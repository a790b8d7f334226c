"""A person's records with marker strings planted in every personal field, for
the erasure tests: who they are, and what an erasure must leave unreadable."""

import datetime as dt
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID

from node.application import ALLOWLIST, CoopNode
from node.care import PLAN_CLOSE_REASONS
from node.sharing import SharingPolicy
from tests.truth import care_truth, membership_truth, timebank_truth

# Long ago enough that care records could have ended, recent enough that the
# default retention (8 years of care, 10 of incidents) still keeps them.
CARE_DAY = dt.date(2020, 3, 2)
CONCERN_DAY = dt.date(2021, 6, 1)


class Planted(NamedTuple):
    member: UUID
    markers: list[str]
    plan: UUID
    visit: UUID
    incident: UUID


def plant(app: CoopNode, marker: str, worker: UUID) -> Planted:
    """A service user whose name, contact details, care plan, visit, incident,
    time-bank note, expense claim, comment and circle meeting's notes each hold
    a marker starting with ``marker``; all in the past, care ended."""
    markers = [f"{marker}{part}" for part in ("NAME", "MAIL", "PHONE", "ADDRESS")]
    member = app.apply_for_membership(
        name=markers[0],
        email=f"{markers[1]}@example.org",
        phone=markers[2],
        address=markers[3],
        member_class="service_user",
        applied_on=CARE_DAY,
    )
    app.admit_member(member, CARE_DAY)
    corrected = f"{marker}CORRECTED"
    app.correct_contact_details(
        member, email=f"{markers[1]}@example.org", phone=corrected, address=markers[3]
    )
    markers.append(corrected)
    goal, review, closing = (f"{marker}{p}" for p in ("GOAL", "REVIEW", "CLOSING"))
    plan = app.open_care_plan(member, [(goal, 3, 4)], CARE_DAY)
    app.review_care_plan(plan, [(5, 6)], review, CARE_DAY)
    app.close_care_plan(plan, PLAN_CLOSE_REASONS[0], closing, CARE_DAY)
    markers += [goal, review, closing]
    where, booked, delivered = (f"{marker}{p}" for p in ("VISITAT", "BOOKED", "SEEN"))
    service = app.coop().profile.service_types[0]
    start = dt.datetime.combine(CARE_DAY, dt.time(9), dt.UTC)
    visit = app.schedule_visit(member, start, [service], where, booked)
    app.deliver_visit(visit, worker, start, 45, notes=delivered)
    markers += [where, booked, delivered]
    fell, outcome = f"{marker}FELL", f"{marker}OUTCOME"
    incident = app.raise_incident("incident", fell, CARE_DAY, visit)
    app.close_incident(incident, outcome, CARE_DAY)
    markers += [fell, outcome]
    # A concern about them directly, a year later, naming someone else too.
    concern, someone = f"{marker}CONCERN", f"{marker}SOMEONE"
    raised = app.raise_incident(
        "incident", concern, CONCERN_DAY, person=member, someone=someone
    )
    app.close_incident(raised, "", CONCERN_DAY)
    markers += [concern, someone]
    note, claim, said = f"{marker}NOTE", f"{marker}CLAIM", f"{marker}SAID"
    account = app.open_time_account(member)
    worker_account = app.time_account_of(worker).id
    app.transfer_time(worker_account, account, 30, "volunteering", note, CARE_DAY)
    app.claim_expense(member, "travel", 480, claim, CARE_DAY)
    motion = app.draft_motion("Sundays", "The centre opens.", member, "ordinary")
    app.post_comment(motion, member, said)
    met = f"{marker}MET"
    circle = app.form_circle("Mill Lane", "Northside", member, CARE_DAY)
    app.record_circle_meeting(circle, member, CARE_DAY, met)
    markers += [note, claim, said, met]
    return Planted(member, markers, plan, visit, incident)


def a_carer(app: CoopNode) -> UUID:
    worker = app.apply_for_membership(
        name="Wren Carer", email="wren@example.org", member_class="worker"
    )
    app.admit_member(worker, CARE_DAY)
    app.hire_worker(worker, CARE_DAY)
    app.open_time_account(worker)
    return worker


def found_in_files(folder: Path, markers: list[str]) -> dict[str, list[str]]:
    """Each marker found in the raw bytes of any file under ``folder`` (as text
    or as the JSON escape of it), with the files it is in."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for marker in markers:
            if marker.encode() in data or marker.encode("utf-16-le") in data:
                found.setdefault(marker, []).append(path.name)
    return found


def what_is_counted(app: CoopNode) -> dict[str, Any]:
    """What the node counts and shares: the projections' truths, and every
    payload the sharing policy would send the consortium."""
    policy = SharingPolicy(b"s" * 32, ALLOWLIST)
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    shared = [policy.share(app.mapper.to_domain_event(n)) for n in notifications]
    return {
        "membership": membership_truth(app),
        "care": care_truth(app),
        "timebank": timebank_truth(app, dt.date.today()),
        "shared": [s for s in shared if s is not None],
    }
