"""Share capital between members: transfers, and the register of members.

Buying and redeeming shares are the member's own commands (node.membership). A
transfer moves capital from one member to another: an event on each, saved in one
write, so either both happen or neither does. A transfer changes no one's stake
in the co-op as a whole: the co-op's share capital (node.report, and the
consortium's, which sums what is bought and redeemed) stays as it was, and
neither transfer event leaves the node.

The register is the statutory register of members: everyone ever admitted, with
their member number, class, the days they were admitted and ceased, the shares
they hold and the dated history of every purchase, redemption and transfer. A
member's number is their place in the order of admission (1, 2, 3 ...): it never
changes, and it is what the registrar's copy (the CSV export) names a member by,
beside their name, rather than the node's internal ids.

Amounts are in minor units (pence, cents); pages write them for people with
the templates' ``money`` filter (toolkit.web.formats).
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Literal, NamedTuple
from uuid import UUID

from node.errors import InvalidTransition
from node.membership import Member
from node.membership_commands import MembershipCommands
from toolkit.aggregates import ids_with

Kind = Literal["purchase", "redemption", "transfer_in", "transfer_out"]


class Movement(NamedTuple):
    """One dated change to a member's holding."""

    on: dt.date
    kind: Kind
    amount: int
    other: UUID | None  # the other member of a transfer
    holding: int  # what the member holds after it


class Entry(NamedTuple):
    """One member's line in the register."""

    number: int
    member_id: UUID
    name: str
    member_class: str
    admitted_on: dt.date
    ceased_on: dt.date | None
    shares: int
    history: list[Movement]


def transfer_shares(
    app: MembershipCommands,
    from_member: UUID,
    to_member: UUID,
    amount: int,
    transferred_on: dt.date | None = None,
) -> tuple[Member, Member]:
    """Move ``amount`` of share capital from one admitted member to another, both
    events in one write; refused beyond what the holder has."""
    if from_member == to_member:
        raise InvalidTransition("a member cannot transfer shares to themselves")
    on = transferred_on or dt.date.today()
    giver = app.member(from_member)
    taker = app.member(to_member)
    giver.transfer_shares_out(amount, to_member, on)
    taker.transfer_shares_in(amount, from_member, on)
    app.save(giver, taker)
    return giver, taker


def history(events: Iterable[object]) -> list[Movement]:
    """A member's share movements, from their events, oldest first."""
    moves: list[Movement] = []
    holding = 0
    for e in events:
        if isinstance(e, Member.SharesBought):
            holding += e.amount
            moves.append(Movement(e.bought_on, "purchase", e.amount, None, holding))
        elif isinstance(e, Member.SharesRedeemed):
            holding -= e.amount
            moves.append(Movement(e.redeemed_on, "redemption", e.amount, None, holding))
        elif isinstance(e, Member.SharesTransferredIn):
            holding += e.amount
            moves.append(
                Movement(
                    e.transferred_on, "transfer_in", e.amount, e.from_member, holding
                )
            )
        elif isinstance(e, Member.SharesTransferredOut):
            holding -= e.amount
            moves.append(
                Movement(
                    e.transferred_on, "transfer_out", e.amount, e.to_member, holding
                )
            )
    return moves


def register(app: MembershipCommands) -> Iterator[Entry]:
    """The register of members, by member number."""
    admitted = dict.fromkeys(ids_with(app, Member.Admitted.TOPIC))
    for number, member_id in enumerate(admitted, start=1):
        member = app.member(member_id)
        assert member.admitted_on is not None  # it has an Admitted event
        yield Entry(
            number=number,
            member_id=member_id,
            name=member.name,
            member_class=member.member_class,
            admitted_on=member.admitted_on,
            ceased_on=member.withdrawn_on,
            shares=member.shares,
            history=history(app.repository.event_store.get(member_id)),
        )
