"""The co-op's membership commands: applying, admitting, class changes,
withdrawals, shares and each member's own choices, over ``node.membership``'s
Member aggregate."""

import datetime as dt
from collections.abc import Iterator
from uuid import UUID

from node.coop import CoopBase
from node.errors import MembershipCapReached, UnknownMember
from node.membership import Member
from node.records import load
from node.rules import membership_cap_breach
from toolkit.aggregates import ids_with


class MembershipCommands(CoopBase):
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
        self.save(self._admit(member_id, admitted_on))

    def _admit(self, member_id: UUID, admitted_on: dt.date | None) -> Member:
        """The member, admitted under the co-op's rules but not yet saved."""
        member = self.member(member_id)
        if member.status == "applied":
            self._require_room_in_class(member.member_class)
        member.admit(admitted_on or dt.date.today())
        return member

    def change_member_class(
        self,
        member_id: UUID,
        to_class: str,
        changed_on: dt.date | None = None,
    ) -> None:
        self._require_class(to_class)
        member = self.member(member_id)
        if member.is_admitted and to_class != member.member_class:
            self._require_room_in_class(to_class, leaving=member.member_class)
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

    def choose_notifications(self, member_id: UUID, channel: str) -> None:
        """How ``member_id`` hears from the co-op: email, letter or none."""
        member = self.member(member_id)
        member.choose_notifications(channel)
        self.save(member)

    def correct_contact_details(
        self,
        member_id: UUID,
        *,
        email: str,
        phone: str,
        address: str,
        corrected_on: dt.date | None = None,
        name: str | None = None,
        by: UUID | None = None,
    ) -> bool:
        """Correct a member's email, phone and postal address, and their name if
        given, as corrected by ``by`` (None: the admin); False if all were
        already so (nothing is recorded)."""
        member = self.member(member_id)
        changed = member.correct_contact_details(
            email, phone, address, corrected_on or dt.date.today(), name, by
        )
        if changed:
            self.save(member)
        return changed

    def choose_language(self, member_id: UUID, language: str) -> None:
        """The language ``member_id`` reads pages in; "" for the co-op's."""
        member = self.member(member_id)
        member.choose_language(language)
        self.save(member)

    def _require_room_in_class(self, joining: str, leaving: str | None = None) -> None:
        """Refuse a member joining ``joining`` where a membership cap forbids it."""
        profile = self.coop().profile
        if not any(c.membership_cap for c in profile.member_classes):
            return
        counts: dict[str, int] = {}
        for member in self.members():
            if member.is_admitted:
                counts[member.member_class] = counts.get(member.member_class, 0) + 1
        breach = membership_cap_breach(profile, counts, joining, leaving)
        if breach is not None:
            raise MembershipCapReached(f"cannot admit one more {joining}: {breach}")

    def member(self, member_id: UUID) -> Member:
        return load(self, member_id, Member, UnknownMember)

    def members(self) -> Iterator[Member]:
        """Every member who ever applied, oldest first."""
        for member_id in ids_with(self, Member.Applied.TOPIC):
            yield self.member(member_id)
