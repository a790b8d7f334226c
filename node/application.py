"""The co-op node's application service: the commands a co-op runs on its own data."""

import datetime as dt
from collections.abc import Iterator
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import Transcoder, Transcoding

from node.domain import Coop, Member, coop_aggregate_id
from node.errors import (
    CoopAlreadyFounded,
    CoopNotFounded,
    UnknownMember,
    UnknownMemberClass,
)
from node.rules import RulesProfile


class DateAsISO(Transcoding):
    type = dt.date
    name = "date_iso"

    def encode(self, obj: dt.date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> dt.date:
        return dt.date.fromisoformat(data)


class CoopNode(Application[UUID]):
    """One co-op's event-sourced application. SQLite by default, PostgreSQL by env."""

    name = "CoopNode"

    def __init__(self, coop_id: str, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self.coop_id = coop_id

    def register_transcodings(self, transcoder: Transcoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # The co-op itself.

    def found_coop(
        self,
        name: str,
        profile: RulesProfile,
        founded_on: dt.date | None = None,
    ) -> None:
        if self._find_coop() is not None:
            raise CoopAlreadyFounded(f"co-op {self.coop_id} is already founded here")
        coop = Coop(
            coop_id=self.coop_id,
            name=name,
            profile=msgspec.to_builtins(profile),
            founded_on=founded_on or dt.date.today(),
        )
        self.save(coop)

    @property
    def is_founded(self) -> bool:
        return self._find_coop() is not None

    def coop(self) -> Coop:
        coop = self._find_coop()
        if coop is None:
            raise CoopNotFounded(f"co-op {self.coop_id} is not founded on this node")
        return coop

    def _find_coop(self) -> Coop | None:
        try:
            return self.repository.get(coop_aggregate_id(self.coop_id))
        except AggregateNotFoundError:
            return None

    # Membership.

    def apply_for_membership(
        self,
        *,
        name: str,
        email: str,
        phone: str = "",
        address: str = "",
        member_class: str,
        applied_on: dt.date | None = None,
    ) -> UUID:
        self._require_class(member_class)
        member = Member(
            name=name,
            email=email,
            phone=phone,
            address=address,
            member_class=member_class,
            applied_on=applied_on or dt.date.today(),
        )
        self.save(member)
        return member.id

    def admit_member(self, member_id: UUID, admitted_on: dt.date | None = None) -> None:
        member = self.member(member_id)
        member.admit(admitted_on or dt.date.today())
        self.save(member)

    def change_member_class(
        self,
        member_id: UUID,
        to_class: str,
        changed_on: dt.date | None = None,
    ) -> None:
        self._require_class(to_class)
        member = self.member(member_id)
        member.change_class(to_class, changed_on or dt.date.today())
        self.save(member)

    def withdraw_member(
        self, member_id: UUID, withdrawn_on: dt.date | None = None
    ) -> None:
        member = self.member(member_id)
        member.withdraw(withdrawn_on or dt.date.today())
        self.save(member)

    def buy_shares(
        self, member_id: UUID, amount: int, bought_on: dt.date | None = None
    ) -> None:
        member = self.member(member_id)
        member.buy_shares(amount, bought_on or dt.date.today())
        self.save(member)

    def redeem_shares(
        self, member_id: UUID, amount: int, redeemed_on: dt.date | None = None
    ) -> None:
        member = self.member(member_id)
        member.redeem_shares(amount, redeemed_on or dt.date.today())
        self.save(member)

    def member(self, member_id: UUID) -> Member:
        try:
            member = self.repository.get(member_id)
        except AggregateNotFoundError:
            raise UnknownMember(f"no member {member_id} in this co-op") from None
        if not isinstance(member, Member):
            raise UnknownMember(f"{member_id} is not a member")
        return member

    def members(self) -> Iterator[Member]:
        """Every member who ever applied, oldest first."""
        start = 1
        while True:
            page = self.recorder.select_notifications(
                start=start, limit=500, topics=[Member.Applied.TOPIC]
            )
            for notification in page:
                yield self.member(notification.originator_id)
            if len(page) < 500:
                return
            start = page[-1].id + 1

    def _require_class(self, member_class: str) -> None:
        classes = self.coop().profile.class_names
        if member_class not in classes:
            raise UnknownMemberClass(
                f"member class {member_class!r} is not in this co-op's rules; "
                f"classes are: {', '.join(classes)}"
            )
