"""The co-op's event-sourced aggregates for membership.

Every event class has an explicit TOPIC so stored events survive module moves and
renames. Member events may hold personal data (names, contact details); they never
leave the node except through the sharing policy, which drops those fields.
"""

import datetime as dt
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from node.errors import InsufficientShares, InvalidAmount, InvalidTransition
from node.rules import RulesProfile


def coop_aggregate_id(coop_id: str) -> UUID:
    """One Coop aggregate per node, at an id derived from the co-op id."""
    return uuid5(NAMESPACE_URL, f"commonweal:coop:{coop_id}")


class Coop(Aggregate):
    TOPIC = "commonweal.coop"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.coop.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.coop.created"

    class Founded(Created):
        TOPIC = "commonweal.coop.founded"
        coop_id: str
        name: str
        profile: dict[str, Any]
        founded_on: dt.date

    @staticmethod
    def create_id(coop_id: str, **_: Any) -> UUID:
        return coop_aggregate_id(coop_id)

    @event(Founded)
    def __init__(
        self, coop_id: str, name: str, profile: dict[str, Any], founded_on: dt.date
    ) -> None:
        self.coop_id = coop_id
        self.name = name
        self.profile = msgspec.convert(profile, RulesProfile)
        self.founded_on = founded_on


class Member(Aggregate):
    TOPIC = "commonweal.member"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.member.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.member.created"

    class Applied(Created):
        TOPIC = "commonweal.member.applied"
        name: str
        email: str
        phone: str
        address: str
        member_class: str
        applied_on: dt.date

    class Admitted(Event):
        TOPIC = "commonweal.member.admitted"
        member_class: str
        admitted_on: dt.date

    class ClassChanged(Event):
        TOPIC = "commonweal.member.class_changed"
        from_class: str
        to_class: str
        changed_on: dt.date

    class Withdrawn(Event):
        TOPIC = "commonweal.member.withdrawn"
        member_class: str
        withdrawn_on: dt.date

    class SharesBought(Event):
        TOPIC = "commonweal.member.shares_bought"
        amount: int
        bought_on: dt.date

    class SharesRedeemed(Event):
        TOPIC = "commonweal.member.shares_redeemed"
        amount: int
        redeemed_on: dt.date

    @event(Applied)
    def __init__(
        self,
        name: str,
        email: str,
        phone: str,
        address: str,
        member_class: str,
        applied_on: dt.date,
    ) -> None:
        self.name = name
        self.email = email
        self.phone = phone
        self.address = address
        self.member_class = member_class
        self.applied_on = applied_on
        self.status = "applied"
        self.admitted_on: dt.date | None = None
        self.withdrawn_on: dt.date | None = None
        self.shares = 0

    @property
    def is_admitted(self) -> bool:
        return self.status == "admitted"

    def admit(self, admitted_on: dt.date) -> None:
        if self.status != "applied":
            raise InvalidTransition(f"member {self.id} is {self.status}, not applying")
        self._admitted(member_class=self.member_class, admitted_on=admitted_on)

    @event(Admitted)
    def _admitted(self, member_class: str, admitted_on: dt.date) -> None:
        self.status = "admitted"
        self.admitted_on = admitted_on

    def change_class(self, to_class: str, changed_on: dt.date) -> None:
        self._require_admitted("change class")
        if to_class == self.member_class:
            raise InvalidTransition(f"member {self.id} is already a {to_class}")
        self._class_changed(self.member_class, to_class, changed_on)

    @event(ClassChanged)
    def _class_changed(
        self, from_class: str, to_class: str, changed_on: dt.date
    ) -> None:
        self.member_class = to_class

    def withdraw(self, withdrawn_on: dt.date) -> None:
        self._require_admitted("withdraw")
        if self.shares:
            # Withdrawal returns the member's share capital first, as co-op rules do.
            self._shares_redeemed(self.shares, withdrawn_on)
        self._withdrawn(self.member_class, withdrawn_on)

    @event(Withdrawn)
    def _withdrawn(self, member_class: str, withdrawn_on: dt.date) -> None:
        self.status = "withdrawn"
        self.withdrawn_on = withdrawn_on

    def buy_shares(self, amount: int, bought_on: dt.date) -> None:
        self._require_admitted("buy shares")
        _require_positive(amount)
        self._shares_bought(amount, bought_on)

    @event(SharesBought)
    def _shares_bought(self, amount: int, bought_on: dt.date) -> None:
        self.shares += amount

    def redeem_shares(self, amount: int, redeemed_on: dt.date) -> None:
        self._require_admitted("redeem shares")
        _require_positive(amount)
        if amount > self.shares:
            raise InsufficientShares(
                f"member {self.id} holds {self.shares}, cannot redeem {amount}"
            )
        self._shares_redeemed(amount, redeemed_on)

    @event(SharesRedeemed)
    def _shares_redeemed(self, amount: int, redeemed_on: dt.date) -> None:
        self.shares -= amount

    def _require_admitted(self, action: str) -> None:
        if not self.is_admitted:
            raise InvalidTransition(
                f"member {self.id} is {self.status}; only admitted members can {action}"
            )


def _require_positive(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidAmount(f"amount must be a positive whole number, got {amount!r}")
