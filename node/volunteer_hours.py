"""A delivered volunteer visit earns its volunteer the visit's time from the
co-op's pool, at once: a volunteer is whoever delivers a visit without being
employed by the co-op on its day (node.workforce).

The credit is one ledger transfer whose id derives from the visit, saved with
the delivery itself (``CoopBase.delivery_records``): a visit is delivered once,
so it pays once. ``earn_for_visit`` does the same for a visit delivered by
another path, and writes nothing for a visit already paid.

A record of care is never refused for the time bank's sake: where the volunteer
or the pool has no account, or a limit would be crossed, the visit earns
nothing now; ``earn_for_visit`` pays it once that is put right.
"""

import datetime as dt
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from node.errors import BalanceLimitExceeded, UnknownAccount
from node.timebank import TimeAccount, TimebankCommands, time_account_id
from node.visits import Visit, VisitCommands
from node.workforce import WorkforceCommands

POOL = time_account_id(None)


def visit_hours_transfer(visit_id: UUID) -> UUID:
    """The ledger transfer that pays for a visit: one per visit."""
    return uuid5(NAMESPACE_URL, f"commonweal:visit_hours:{visit_id}")


class VolunteerHoursCommands(VisitCommands, WorkforceCommands, TimebankCommands):
    def delivery_records(self, visit: Visit) -> list[Aggregate]:
        return [*super().delivery_records(visit), *self.volunteer_credit(visit)]

    def is_employed_on(self, member: UUID, day: dt.date) -> bool:
        return any(
            w.member == member
            and w.joined_on <= day
            and (w.left_on is None or day < w.left_on)
            for w in self.workers()
        )

    def volunteer_credit(self, visit: Visit) -> list[TimeAccount]:
        """The pool's payment to the visit's volunteer, entered but not saved;
        none if the visit is not a volunteer's delivered one, or cannot pay."""
        if visit.status != "delivered" or visit.worker is None:
            return []
        assert visit.started_at is not None  # delivered
        day = visit.started_at.date()
        if self.is_employed_on(visit.worker, day):
            return []
        try:
            _, pool, volunteer = self.entered_transfer(
                POOL,
                time_account_id(visit.worker),
                visit.minutes,
                "volunteering",
                on=day,
                transfer=visit_hours_transfer(visit.id),
            )
        except (UnknownAccount, BalanceLimitExceeded):
            return []
        return [pool, volunteer]

    def earn_for_visit(self, visit_id: UUID) -> bool:
        """Pay a delivered volunteer visit's hours if not paid yet; True if
        this call paid them."""
        visit = self.visit(visit_id)
        if visit.worker is None or self._paid(visit):
            return False
        credit = self.volunteer_credit(visit)
        if credit:
            self.save(*credit)
        return bool(credit)

    def _paid(self, visit: Visit) -> bool:
        try:
            account = self.time_account_of(visit.worker) if visit.worker else None
        except UnknownAccount:
            return False
        transfer = visit_hours_transfer(visit.id)
        return account is not None and any(
            isinstance(e, TimeAccount.Credited) and e.transfer == transfer
            for e in self.events.get(account.id)
        )
