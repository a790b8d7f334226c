"""Notes that are read: what carers wrote at a person's earlier visits, and the
latest review notes of the person's care plan, for the next carer to read.

Only a carer with a visit to that person in their rounds (today or the coming
week: ``CarerDayCommands.rounds``) reads them, and the coordinator (on the
coordinator's pages); nobody else. Notes are care records: they never leave
the node.

Where care notes and personal data are shown (each a read to record):
- GET /api/me/rounds and /my-visits: the carer's visits with each person's
  name, phone, address and access notes;
- GET /api/me/rounds/{id} and /my-visits/{id}: one visit's address, access
  notes, phone and own note, the person's earlier visit notes and latest plan
  review notes (``notes_for_carer``);
- GET /api/visits/{id}/notes and the visits page's "Recorded lately" (the
  coordinator): a visit's address, access notes and delivery or missed note;
- GET /api/visits/today and /staff/today (the coordinator): names and the
  carer's phone, no notes.
"""

import datetime as dt
from typing import NamedTuple
from uuid import UUID

from node.care import CareCommands
from node.carer_day import CarerDayCommands
from node.errors import NotYourVisit

# The notes of this many earlier visits are shown: enough to know how the person
# has been, few enough to read on a doorstep.
EARLIER_VISITS = 3


class EarlierNote(NamedTuple):
    visit_id: UUID
    scheduled_for: dt.datetime
    status: str  # delivered or missed
    worker: UUID | None  # who delivered it (None when missed)
    reason: str | None  # why it was missed
    notes: str


class ReviewNote(NamedTuple):
    plan_id: UUID
    reviewed_on: dt.date
    notes: str


# Care before visits, as in node.application.CoopNode.
class VisitNoteQueries(CareCommands, CarerDayCommands):
    def may_read_notes(
        self, reader: UUID, service_user: UUID, today: dt.date, zone: dt.tzinfo
    ) -> bool:
        """Whether ``reader`` is a carer with a visit to ``service_user`` in
        their rounds."""
        if not self.is_carer(reader):
            return False
        return any(
            v.service_user == service_user for v in self.rounds(reader, today, zone)
        )

    def notes_for_carer(
        self, reader: UUID, service_user: UUID, today: dt.date, zone: dt.tzinfo
    ) -> tuple[list[EarlierNote], ReviewNote | None]:
        """The person's earlier visit notes and latest plan review notes, for a
        carer on their visits; refused to anyone else."""
        if not self.may_read_notes(reader, service_user, today, zone):
            raise NotYourVisit(
                f"member {reader} has no visit to member {service_user} in their "
                "rounds, so may not read their notes"
            )
        return self.earlier_notes(service_user), self.latest_review_note(service_user)

    def earlier_notes(
        self, service_user: UUID, limit: int = EARLIER_VISITS
    ) -> list[EarlierNote]:
        """The notes of ``service_user``'s latest delivered or missed visits that
        have any, latest first."""
        ended = [
            v
            for v in self.visits()
            if v.service_user == service_user
            and v.status in ("delivered", "missed")
            and v.outcome_notes.strip()
        ]
        ended.sort(key=lambda v: v.scheduled_for.astimezone(dt.UTC), reverse=True)
        return [
            EarlierNote(
                v.id, v.scheduled_for, v.status, v.worker, v.reason, v.outcome_notes
            )
            for v in ended[:limit]
        ]

    def latest_review_note(self, service_user: UUID) -> ReviewNote | None:
        """The notes of the latest review (with notes) of the person's open care
        plans."""
        found: list[ReviewNote] = []
        for plan in self.care_plans():
            if plan.service_user != service_user or plan.is_closed:
                continue
            found += [
                ReviewNote(plan.id, on, notes)
                for on, notes in zip(plan.reviews, plan.review_notes, strict=True)
                if notes.strip()
            ]
        return max(found, key=lambda n: n.reviewed_on, default=None)
