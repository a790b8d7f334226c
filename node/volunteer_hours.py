"""The hours a delivered visit moves in the time bank, at once: its volunteer
earns the visit's time from the co-op's pool, and the time of a respite visit
is spent by the person who had it (into the pool).

A volunteer is whoever delivers a visit without being employed by the co-op on
its day (node.workforce); a respite visit is one with the respite service.
Each payment is one ledger transfer whose id derives from the visit, saved with
the delivery itself (``CoopBase.delivery_records``): a visit is delivered once,
so it pays once. ``earn_for_visit`` does the same for a visit delivered by
another path, and writes nothing for what is already paid.

A record of care is never refused for the time bank's sake: where an account is
missing or a limit would be crossed, that payment is not made now;
``earn_for_visit`` makes it once that is put right.
"""

import datetime as dt
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from node.errors import BalanceLimitExceeded, UnknownAccount
from node.timebank import TimeAccount, TimebankCommands, time_account_id
from node.timebank_board import RESPITE
from node.visits import Visit, VisitCommands
from node.workforce import WorkforceCommands

POOL = time_account_id(None)


def visit_hours_transfer(visit_id: UUID) -> UUID:
    """The ledger transfer that pays a volunteer for a visit: one per visit."""
    return uuid5(NAMESPACE_URL, f"commonweal:visit_hours:{visit_id}")


def visit_respite_transfer(visit_id: UUID) -> UUID:
    """The ledger transfer that spends a respite visit's hours: one per visit."""
    return uuid5(NAMESPACE_URL, f"commonweal:visit_respite:{visit_id}")


class VolunteerHoursCommands(VisitCommands, WorkforceCommands, TimebankCommands):
    def delivery_records(self, visit: Visit) -> list[Aggregate]:
        return [*super().delivery_records(visit), *self.visit_hours(visit)]

    def is_employed_on(self, member: UUID, day: dt.date) -> bool:
        return any(
            w.member == member
            and w.joined_on <= day
            and (w.left_on is None or day < w.left_on)
            for w in self.workers()
        )

    def visit_hours(self, visit: Visit) -> list[TimeAccount]:
        """The accounts a delivered visit's payments are entered on, not yet
        saved; none for a visit not delivered, or that pays nothing (more)."""
        if visit.status != "delivered" or visit.worker is None:
            return []
        assert visit.started_at is not None  # delivered
        day = visit.started_at.date()
        accounts: dict[UUID, TimeAccount] = {}
        if not self.is_employed_on(visit.worker, day):
            volunteer = time_account_id(visit.worker)
            transfer = visit_hours_transfer(visit.id)
            self._pay(
                accounts, POOL, volunteer, visit.minutes, "volunteering", day, transfer
            )
        respite = visit.minutes_by_service.get(RESPITE, 0)
        if respite:
            receiver = time_account_id(visit.service_user)
            transfer = visit_respite_transfer(visit.id)
            self._pay(accounts, receiver, POOL, respite, "respite", day, transfer)
        return list(accounts.values())

    def _pay(
        self,
        accounts: dict[UUID, TimeAccount],
        source: UUID,
        target: UUID,
        minutes: int,
        purpose: str,
        day: dt.date,
        transfer: UUID,
    ) -> None:
        """Enter one of a visit's payments on ``accounts``, unless it is paid
        already or cannot be paid now."""
        try:
            member = target if source == POOL else source
            if self._paid(member, transfer):
                return
            self.entered_transfer(
                source, target, minutes, purpose, "", day, transfer, accounts
            )
        except (UnknownAccount, BalanceLimitExceeded):
            return

    def earn_for_visit(self, visit_id: UUID) -> bool:
        """Make a delivered visit's payments not made yet; True if this call
        made any."""
        entered = self.visit_hours(self.visit(visit_id))
        if entered:
            self.save(*entered)
        return bool(entered)

    def _paid(self, account_id: UUID, transfer: UUID) -> bool:
        """Whether ``transfer`` is on the account already (a member's: the
        pool's history is long)."""
        return any(
            isinstance(e, TimeAccount.Credited | TimeAccount.Debited)
            and e.transfer == transfer
            for e in self.events.get(account_id)
        )
