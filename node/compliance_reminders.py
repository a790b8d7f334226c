"""Reminders before a check or training expires: 30 days before and 7 days
before, the carer and the coordinators are told (node.compliance_notices).

The node's clock calls ``remind_compliance_expiring`` now and then
(node.notifier). Each reminder is a ``ComplianceRecord.ReminderSent`` event on
the carer's record, kept with the expiry it is about, so it is sent once however
often the clock runs, and a renewed item (a new expiry) is reminded afresh.
"""

import datetime as dt
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from node.compliance import ComplianceCommands

# Days before an expiry that a reminder goes, the nearest last.
REMINDER_DAYS = (30, 7)


class ComplianceReminderCommands(ComplianceCommands):
    def remind_compliance_expiring(self, today: dt.date) -> list[tuple[UUID, str, str]]:
        """Record the reminders due ``today`` for every current carer; (member,
        item, kind) of each reminded now."""
        reminded = []
        for member_id in self.carers():
            record = self.compliance_record(member_id)
            if record is None:
                continue
            held = [("check", k, h) for k, h in record.checks.items()]
            held += [("training", k, h) for k, h in record.trainings.items()]
            due = []
            for item, kind, h in held:
                if h.expires_on is None or h.expires_on < today:
                    continue  # expired already: the compliance page says so
                reached = [
                    d for d in REMINDER_DAYS if today >= h.expires_on - dt.timedelta(d)
                ]
                # Only the nearest reminder reached is sent: one recorded late
                # (or a clock that was off for weeks) does not send two at once.
                key = (item, kind, h.expires_on, min(reached)) if reached else None
                if key is not None and key not in record.reminded:
                    record.remind(*key, sent_on=today)
                    due.append((member_id, item, kind))
            if not due:
                continue
            try:
                self.save(record)
            except RecordConflictError:
                continue  # changed meanwhile: the next run reminds
            reminded += due
        return reminded
