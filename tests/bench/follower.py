"""What a user would pick instead of the broker: eventsourcing's own way of
following one application from another, reading the node's store directly.

An eventsourcing ``Projection`` of the node's membership events into a
materialised view (an ``SQLiteTrackingRecorder`` with the members of each class
and the shares bought, written with the tracking record in one transaction per
event, as eventsourcing's projections do), fed the node's notifications in order
through the node's own mapper. eventsourcing's ``ProjectionRunner`` feeds a
projection by subscribing to the application's recorder, which its SQLite recorder
cannot do (its PostgreSQL recorder can, with LISTEN/NOTIFY); so here the loop reads
the node's notifications a page at a time, as that subscription does, and turns
each into a domain event with the application's mapper, as ``ApplicationSubscription``
does. No broker, no signatures, no chain: one machine, one database file shared.
"""

import time
from functools import singledispatchmethod
from pathlib import Path
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, Tracking
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteTrackingRecorder

from node.application import CoopNode
from node.membership import Member
from toolkit.config import StoreConfig


class MembershipCounts(SQLiteTrackingRecorder):
    """Members by class and shares bought, beside the position followed."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS member_counts ("
            "member_class TEXT PRIMARY KEY, members INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS shares_bought ("
            "one INTEGER PRIMARY KEY CHECK (one = 1), total INTEGER NOT NULL)",
        ]

    def count(self, changes: dict[str, int], tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            for member_class, change in changes.items():
                cursor.execute(
                    "INSERT INTO member_counts VALUES (?, ?) ON CONFLICT "
                    "(member_class) DO UPDATE SET members = members + excluded.members",
                    (member_class, change),
                )
            self._insert_tracking(cursor, tracking)

    def add_shares(self, amount: int, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                "INSERT INTO shares_bought VALUES (1, ?) ON CONFLICT (one) "
                "DO UPDATE SET total = total + excluded.total",
                (amount,),
            )
            self._insert_tracking(cursor, tracking)

    def members(self) -> dict[str, int]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT member_class, members FROM member_counts")
            return {row["member_class"]: row["members"] for row in cursor.fetchall()}


class MembershipProjection(Projection[MembershipCounts]):
    topics = (
        Member.Admitted.TOPIC,
        Member.ClassChanged.TOPIC,
        Member.Withdrawn.TOPIC,
        Member.SharesBought.TOPIC,
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        raise TypeError(f"not followed: {type(domain_event)}")

    @process_event.register
    def _(self, domain_event: Member.Admitted, tracking: Tracking) -> None:
        self.view.count({domain_event.member_class: 1}, tracking)

    @process_event.register
    def _(self, domain_event: Member.ClassChanged, tracking: Tracking) -> None:
        changes = {domain_event.from_class: -1, domain_event.to_class: 1}
        self.view.count(changes, tracking)

    @process_event.register
    def _(self, domain_event: Member.Withdrawn, tracking: Tracking) -> None:
        self.view.count({domain_event.member_class: -1}, tracking)

    @process_event.register
    def _(self, domain_event: Member.SharesBought, tracking: Tracking) -> None:
        self.view.add_shares(domain_event.amount, tracking)


def follow(node_db: Path, view_db: Path, page: int = 2000) -> tuple[int, float]:
    """Project the node's store into a fresh view: (events, seconds)."""
    node = CoopNode("bench", StoreConfig(path=str(node_db)).env())
    view = InfrastructureFactory.construct(
        env=StoreConfig(path=str(view_db)).env()
    ).tracking_recorder(MembershipCounts)
    projection = MembershipProjection(view=view)
    assert isinstance(view, MembershipCounts)
    events = 0
    started = time.perf_counter()
    position = view.max_tracking_id(node.name) or 0
    while notifications := node.recorder.select_notifications(
        start=position + 1, limit=page, topics=projection.topics
    ):
        for notification in notifications:
            domain_event = node.mapper.to_domain_event(notification)
            projection.process_event(domain_event, Tracking(node.name, notification.id))
        events += len(notifications)
        position = notifications[-1].id
    elapsed = time.perf_counter() - started
    assert sum(view.members().values()) > 0
    node.close()
    return events, elapsed
