"""Reminders that need a clock, not just events: a ballot closing tomorrow.

The node calls ``remind_ballots_closing`` now and then (node.notifier); it records
a ``Ballot.ClosingReminded`` event on each open ballot whose closing date is
tomorrow, once however often it runs, and the composer turns that event into
messages to the members yet to vote (node.notifications). Nothing here closes
a ballot: the admin does, or for a motion's ballot the node's clock
(node.closing) at its closing time.
"""

import datetime as dt
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from node.ballots import Ballot
from node.coop import CoopBase
from node.errors import UnknownBallot
from node.records import load
from toolkit.aggregates import ids_with


class ReminderCommands(CoopBase):
    def remind_ballots_closing(self, today: dt.date) -> list[UUID]:
        """Record the reminder of each open ballot closing the day after ``today``
        not yet reminded; the ids of those reminded now."""
        tomorrow = today + dt.timedelta(days=1)
        # Only ballots given a closing date, and not already done with, are loaded.
        done = set(
            ids_with(
                self,
                Ballot.ClosingReminded.TOPIC,
                Ballot.Closed.TOPIC,
                Ballot.Cancelled.TOPIC,
            )
        )
        reminded = []
        for ballot_id in ids_with(self, Ballot.ClosingDateSet.TOPIC):
            if ballot_id in done:
                continue
            ballot = load(self, ballot_id, Ballot, UnknownBallot)
            if ballot.closes_on != tomorrow or not ballot.is_open or ballot.reminded:
                continue
            ballot.remind_closing(today)
            try:
                self.save(ballot)
            except RecordConflictError:
                continue  # closed or reminded meanwhile: nothing to remind
            reminded.append(ballot_id)
        return reminded
