"""The workforce: workers joining and leaving, for turnover, and whether each is
from a disadvantaged group, for the Italian type B target (at least 30%).

What is shared names nobody, not even by pseudonym: only that a worker joined or
left, on which day, and whether they count towards the type B share.
"""

import datetime as dt
from collections.abc import Iterator
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from node.coop import CoopBase
from node.errors import InvalidTransition, UnknownWorker
from node.membership import admitted_member
from node.records import load
from node.sharing import Rule
from schemas import care as shared
from toolkit.aggregates import ids_with


class Worker(Aggregate):
    """One spell of employment of a member."""

    TOPIC = "commonweal.worker"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.worker.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.worker.created"

    class Joined(Created):
        TOPIC = "commonweal.worker.joined"
        member: UUID
        disadvantaged: bool
        type_b: bool
        joined_on: dt.date

    class Left(Event):
        TOPIC = "commonweal.worker.left"
        disadvantaged: bool
        type_b: bool
        reason: str
        left_on: dt.date

    @event(Joined)
    def __init__(
        self, member: UUID, disadvantaged: bool, type_b: bool, joined_on: dt.date
    ) -> None:
        self.member = member
        self.disadvantaged = disadvantaged
        self.type_b = type_b
        self.joined_on = joined_on
        self.left_on: dt.date | None = None
        self.left_reason = ""

    @property
    def is_employed(self) -> bool:
        return self.left_on is None

    def leave(self, reason: str, left_on: dt.date, type_b: bool) -> None:
        if self.left_on is not None:
            raise InvalidTransition(f"worker {self.id} already left on {self.left_on}")
        if left_on < self.joined_on:
            raise InvalidTransition(
                f"worker {self.id} joined on {self.joined_on}, cannot leave before"
            )
        self._left(self.disadvantaged, type_b, reason, left_on)

    @event(Left)
    def _left(
        self, disadvantaged: bool, type_b: bool, reason: str, left_on: dt.date
    ) -> None:
        self.left_on = left_on
        self.left_reason = reason


class WorkforceCommands(CoopBase):
    def hire_worker(
        self,
        member_id: UUID,
        joined_on: dt.date | None = None,
        disadvantaged: bool = False,
    ) -> UUID:
        admitted_member(self, member_id, "worker")
        if any(w.member == member_id and w.is_employed for w in self.workers()):
            raise InvalidTransition(f"member {member_id} is already employed")
        worker = Worker(
            member=member_id,
            disadvantaged=disadvantaged,
            type_b=self.coop().profile.type_b,
            joined_on=joined_on or dt.date.today(),
        )
        self.save(worker)
        return worker.id

    def worker_leaves(
        self, worker_id: UUID, reason: str = "", left_on: dt.date | None = None
    ) -> None:
        worker = self.worker(worker_id)
        worker.leave(reason, left_on or dt.date.today(), self.coop().profile.type_b)
        self.save(worker)

    def is_carer(self, member_id: UUID) -> bool:
        # Other kinds of carer (enrolled volunteers) are asked along the MRO.
        employed = any(w.member == member_id and w.is_employed for w in self.workers())
        return employed or super().is_carer(member_id)

    def carers_on(self, day: dt.date) -> set[UUID]:
        employed = {
            w.member
            for w in self.workers()
            if w.joined_on <= day and (w.left_on is None or day < w.left_on)
        }
        return employed | super().carers_on(day)

    def worker(self, worker_id: UUID) -> Worker:
        return load(self, worker_id, Worker, UnknownWorker)

    def workers(self) -> Iterator[Worker]:
        for worker_id in ids_with(self, Worker.Joined.TOPIC):
            yield self.worker(worker_id)


WORKFORCE_SHARING: dict[str, Rule] = {
    Worker.Joined.TOPIC: Rule(
        shared.WorkerJoined,
        lambda p, e: shared.WorkerJoined(
            disadvantaged=e.disadvantaged, type_b=e.type_b, joined_on=e.joined_on
        ),
    ),
    Worker.Left.TOPIC: Rule(
        shared.WorkerLeft,
        lambda p, e: shared.WorkerLeft(
            disadvantaged=e.disadvantaged, type_b=e.type_b, left_on=e.left_on
        ),
    ),
}
