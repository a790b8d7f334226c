"""Membership: the Member aggregate (lifecycle, share capital, contact details
and choices) and what of it is shared (its commands: node.membership_commands).

Member events may hold personal data (names, contact details); they never leave the
node except through the sharing policy, which drops those fields.
"""

import datetime as dt
from typing import Any, Literal, TypeGuard, get_args
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from node.coop import Coop
from node.errors import (
    InsufficientShares,
    InvalidAmount,
    InvalidChoice,
    InvalidTransition,
    NotAMember,
)
from node.rules import membership_caps
from node.sharing import Rule
from schemas import membership as shared
from toolkit.aggregates import get
from toolkit.web.i18n import LANGUAGES, is_language

# How a member hears from the co-op: by email, by a letter the office prints, or
# not at all (node.notifications).
Channel = Literal["email", "letter", "none"]
CHANNELS: tuple[str, ...] = get_args(Channel)


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

    # A transfer between members is two events, one on each (saved together by
    # node.shares): it moves capital between members, not in or out of the co-op,
    # so neither is shared (the consortium's share capital is unchanged by it).
    class SharesTransferredOut(Event):
        TOPIC = "commonweal.member.shares_transferred_out"
        amount: int
        to_member: UUID
        transferred_on: dt.date

    class SharesTransferredIn(Event):
        TOPIC = "commonweal.member.shares_transferred_in"
        amount: int
        from_member: UUID
        transferred_on: dt.date

    class SharesBought(Event):
        TOPIC = "commonweal.member.shares_bought"
        amount: int
        bought_on: dt.date

    class SharesRedeemed(Event):
        TOPIC = "commonweal.member.shares_redeemed"
        amount: int
        redeemed_on: dt.date

    class NotificationsChosen(Event):
        TOPIC = "commonweal.member.notifications_chosen"
        channel: str

    class LanguageChosen(Event):
        """The language the member reads pages in ("" for the co-op's). Not
        shared: no sharing rule names it."""

        TOPIC = "commonweal.member.language_chosen"
        language: str

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
        self.notify_by: Channel = "email"
        self.language = ""

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

    def transfer_shares_out(
        self, amount: int, to_member: UUID, transferred_on: dt.date
    ) -> None:
        self._require_admitted("transfer shares")
        _require_positive(amount)
        if amount > self.shares:
            raise InsufficientShares(
                f"member {self.id} holds {self.shares}, cannot transfer {amount}"
            )
        self._shares_transferred_out(amount, to_member, transferred_on)

    @event(SharesTransferredOut)
    def _shares_transferred_out(
        self, amount: int, to_member: UUID, transferred_on: dt.date
    ) -> None:
        self.shares -= amount

    def transfer_shares_in(
        self, amount: int, from_member: UUID, transferred_on: dt.date
    ) -> None:
        self._require_admitted("receive shares")
        _require_positive(amount)
        self._shares_transferred_in(amount, from_member, transferred_on)

    @event(SharesTransferredIn)
    def _shares_transferred_in(
        self, amount: int, from_member: UUID, transferred_on: dt.date
    ) -> None:
        self.shares += amount

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

    def choose_notifications(self, channel: str) -> None:
        if not _is_channel(channel):
            raise InvalidTransition(
                f"{channel!r} is not a way to hear from the co-op; choose one of "
                f"{', '.join(CHANNELS)}"
            )
        if channel != self.notify_by:
            self._notifications_chosen(channel)

    @event(NotificationsChosen)
    def _notifications_chosen(self, channel: Channel) -> None:
        self.notify_by = channel

    class ContactDetailsCorrected(Event):
        """Personal data: in no sharing rule, so it never leaves the node. Only
        the fields that changed are given; the others are None."""

        TOPIC = "commonweal.member.contact_details_corrected"
        # 2: the name can be corrected too, and who corrected is kept (None:
        # the admin, or not recorded before version 2).
        class_version = 2
        email: str | None
        phone: str | None
        address: str | None
        corrected_on: dt.date
        name: str | None
        by: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["name"] = None
            state["by"] = None

    def correct_contact_details(
        self,
        email: str,
        phone: str,
        address: str,
        corrected_on: dt.date,
        name: str | None = None,
        by: UUID | None = None,
    ) -> bool:
        """Record the member's name (if given) and contact details as given, by
        ``by``; False if none changed."""
        if self.status == "withdrawn":
            raise InvalidTransition(
                f"member {self.id} has withdrawn; their contact details are closed"
            )
        given = {"email": email, "phone": phone, "address": address}
        if name is not None:
            given["name"] = name
        changed = {
            field: value
            for field, value in given.items()
            if value != getattr(self, field)
        }
        if not changed:
            return False
        self._contact_details_corrected(
            email=changed.get("email"),
            phone=changed.get("phone"),
            address=changed.get("address"),
            corrected_on=corrected_on,
            name=changed.get("name"),
            by=by,
        )
        return True

    @event(ContactDetailsCorrected)
    def _contact_details_corrected(
        self,
        email: str | None,
        phone: str | None,
        address: str | None,
        corrected_on: dt.date,
        name: str | None,
        by: UUID | None,
    ) -> None:
        self.name = self.name if name is None else name
        self.email = self.email if email is None else email
        self.phone = self.phone if phone is None else phone
        self.address = self.address if address is None else address

    def choose_language(self, language: str) -> None:
        if language and not is_language(language):
            raise InvalidChoice(
                f"{language!r} is not a language the pages are in; choose one of "
                f"{', '.join(LANGUAGES)}"
            )
        if language != self.language:
            self._language_chosen(language)

    @event(LanguageChosen)
    def _language_chosen(self, language: str) -> None:
        self.language = language

    def _require_admitted(self, action: str) -> None:
        if not self.is_admitted:
            raise InvalidTransition(
                f"member {self.id} is {self.status}; only admitted members can {action}"
            )


def _is_channel(channel: str) -> TypeGuard[Channel]:
    return channel in CHANNELS


def _require_positive(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidAmount(f"amount must be a positive whole number, got {amount!r}")


def admitted_member(app: Application[UUID], member_id: UUID, role: str) -> Member:
    """The member at ``member_id``, who must be admitted to act as ``role``."""
    member = get(app, member_id, Member)
    if member is None:
        raise NotAMember(f"{member_id} is not a member of this co-op, so not a {role}")
    if not member.is_admitted:
        raise NotAMember(
            f"member {member_id} is {member.status}; "
            f"a {role} must be an admitted member"
        )
    return member


MEMBERSHIP_SHARING: dict[str, Rule] = {
    Coop.Founded.TOPIC: Rule(
        shared.CoopFounded,
        lambda p, e: shared.CoopFounded(
            name=e.name,
            profile=e.profile["name"],
            member_classes=[c["name"] for c in e.profile["member_classes"]],
            founded_on=e.founded_on,
            membership_caps=membership_caps(e.profile),
        ),
    ),
    Member.Admitted.TOPIC: Rule(
        shared.MemberAdmitted,
        lambda p, e: shared.MemberAdmitted(
            member=p.pseudonym(e.originator_id),
            member_class=e.member_class,
            admitted_on=e.admitted_on,
        ),
    ),
    Member.ClassChanged.TOPIC: Rule(
        shared.MemberClassChanged,
        lambda p, e: shared.MemberClassChanged(
            member=p.pseudonym(e.originator_id),
            from_class=e.from_class,
            to_class=e.to_class,
            changed_on=e.changed_on,
        ),
    ),
    Member.Withdrawn.TOPIC: Rule(
        shared.MemberWithdrawn,
        lambda p, e: shared.MemberWithdrawn(
            member=p.pseudonym(e.originator_id),
            member_class=e.member_class,
            withdrawn_on=e.withdrawn_on,
        ),
    ),
    Member.SharesBought.TOPIC: Rule(
        shared.SharesBought,
        lambda p, e: shared.SharesBought(
            member=p.pseudonym(e.originator_id), amount=e.amount, bought_on=e.bought_on
        ),
    ),
    Member.SharesRedeemed.TOPIC: Rule(
        shared.SharesRedeemed,
        lambda p, e: shared.SharesRedeemed(
            member=p.pseudonym(e.originator_id),
            amount=e.amount,
            redeemed_on=e.redeemed_on,
        ),
    ),
}
