"""The time bank's board: members post offers ("I can do shopping, Tuesdays") and
requests ("a sitter for Mum, 2h on Saturday"), accept one another's, and settle
the exchange in hours.

Accepting an offer or request agrees an exchange between a helper and a
receiver. The hours move (receiver to helper, by the ledger's double-entry
transfer) once both have confirmed it, or once the coordinator has: in the same
save as the confirmation that completes it, so an exchange pays exactly once.
A respite exchange is the receiver spending hours on respite.

None of this leaves the node: descriptions are free text and an exchange names
two members. The ledger entries it makes are shared as every other transfer is.
"""

import datetime as dt
from collections.abc import Iterator
from typing import Any, Literal, NamedTuple, get_args
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from node.circles import circle_of_member
from node.errors import (
    InvalidDuration,
    InvalidTransition,
    NotAParty,
    UnknownExchange,
    UnknownListing,
    UnknownServiceType,
)
from node.membership import admitted_member
from node.records import load
from node.timebank import TimebankCommands, time_account_id
from toolkit.aggregates import ids_with

ListingKind = Literal["offer", "request"]
Side = Literal["helper", "receiver", "coordinator"]
LISTING_KINDS: tuple[str, ...] = get_args(ListingKind)
# Respite is what the time bank is for (Kirklees: "a sort of solidarity
# swap-shop" tied to respite), whatever services the co-op itself offers.
RESPITE = "respite"
MAX_LISTING_MINUTES = 24 * 60
MAX_DESCRIPTION = 500


class Listing(Aggregate):
    """An offer or a request on the board: open until withdrawn or taken."""

    TOPIC = "commonweal.timebank_listing"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.timebank_listing.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.timebank_listing.created"

    class Posted(Created):
        TOPIC = "commonweal.timebank_listing.posted"
        # 2: the circle whose own board it is on, if any (node.circles).
        class_version = 2
        owner: UUID
        kind: str
        category: str
        description: str
        minutes: int
        posted_on: dt.date
        circle: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["circle"] = None  # before circles, every listing was co-op wide

    class Withdrawn(Event):
        TOPIC = "commonweal.timebank_listing.withdrawn"
        withdrawn_on: dt.date

    class Taken(Event):
        TOPIC = "commonweal.timebank_listing.taken"
        exchange: UUID
        taken_on: dt.date

    @event(Posted)
    def __init__(
        self,
        owner: UUID,
        kind: str,
        category: str,
        description: str,
        minutes: int,
        posted_on: dt.date,
        circle: UUID | None,
    ) -> None:
        self.owner = owner
        self.kind = kind
        self.category = category
        self.description = description
        self.minutes = minutes
        self.posted_on = posted_on
        self.circle = circle
        self.status = "open"
        self.exchange: UUID | None = None

    def _require_open(self, action: str) -> None:
        if self.status != "open":
            raise InvalidTransition(
                f"{self.kind} {self.id} is {self.status}: only an open one can be "
                f"{action}"
            )

    def withdraw(self, withdrawn_on: dt.date) -> None:
        self._require_open("withdrawn")
        self._withdrawn(withdrawn_on)

    @event(Withdrawn)
    def _withdrawn(self, withdrawn_on: dt.date) -> None:
        self.status = "withdrawn"

    def take(self, exchange: UUID, taken_on: dt.date) -> None:
        self._require_open("accepted")
        self._taken(exchange, taken_on)

    @event(Taken)
    def _taken(self, exchange: UUID, taken_on: dt.date) -> None:
        self.status = "taken"
        self.exchange = exchange


class Exchange(Aggregate):
    """Hours agreed between a helper and a receiver, settled once confirmed."""

    TOPIC = "commonweal.timebank_exchange"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.timebank_exchange.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.timebank_exchange.created"

    class Agreed(Created):
        TOPIC = "commonweal.timebank_exchange.agreed"
        listing: UUID
        helper: UUID
        receiver: UUID
        category: str
        minutes: int
        agreed_on: dt.date

    class Confirmed(Event):
        TOPIC = "commonweal.timebank_exchange.confirmed"
        side: str
        confirmed_on: dt.date

    class Settled(Event):
        TOPIC = "commonweal.timebank_exchange.settled"
        transfer: UUID
        settled_on: dt.date

    @event(Agreed)
    def __init__(
        self,
        listing: UUID,
        helper: UUID,
        receiver: UUID,
        category: str,
        minutes: int,
        agreed_on: dt.date,
    ) -> None:
        self.listing = listing
        self.helper = helper
        self.receiver = receiver
        self.category = category
        self.minutes = minutes
        self.agreed_on = agreed_on
        self.confirmed: list[str] = []
        self.transfer: UUID | None = None
        self.settled_on: dt.date | None = None

    @property
    def is_settled(self) -> bool:
        return self.transfer is not None

    @property
    def purpose(self) -> str:
        return "respite" if self.category == RESPITE else "volunteering"

    @property
    def is_due(self) -> bool:
        """Confirmed by the coordinator, or by both sides: the hours are owed."""
        sides = set(self.confirmed)
        return "coordinator" in sides or {"helper", "receiver"} <= sides

    def side_of(self, member: UUID | None) -> Side:
        """Which side ``member`` confirms for; None is the coordinator."""
        if member is None:
            return "coordinator"
        if member == self.helper:
            return "helper"
        if member == self.receiver:
            return "receiver"
        raise NotAParty(f"member {member} is not in exchange {self.id}")

    @event(Confirmed)
    def confirm(self, side: str, confirmed_on: dt.date) -> None:
        self.confirmed = [*self.confirmed, side]

    @event(Settled)
    def settle(self, transfer: UUID, settled_on: dt.date) -> None:
        self.transfer = transfer
        self.settled_on = settled_on


def exchange_transfer_id(exchange_id: UUID) -> UUID:
    """The ledger transfer that settles an exchange: one per exchange."""
    return uuid5(NAMESPACE_URL, f"commonweal:exchange_transfer:{exchange_id}")


class Match(NamedTuple):
    """One of my open offers or requests, and the others' open ones it meets."""

    mine: Listing
    matches: list[Listing]


class TimebankBoardCommands(TimebankCommands):
    def listing_categories(self) -> tuple[str, ...]:
        """What an offer or request may be for: the co-op's services, and respite."""
        offered = tuple(self.coop().profile.service_types)
        return offered if RESPITE in offered else (*offered, RESPITE)

    def post_listing(
        self,
        owner: UUID,
        kind: str,
        category: str,
        description: str,
        minutes: int,
        posted_on: dt.date | None = None,
        circle: UUID | None = None,
    ) -> UUID:
        """On the co-op's board, or with ``circle`` on that circle's own, which
        only its members see and take up."""
        admitted_member(self, owner, "time-bank member")
        if circle is not None:
            circle_of_member(self, circle, owner)
        if kind not in LISTING_KINDS:
            raise InvalidTransition(f"{kind!r} is neither an offer nor a request")
        categories = self.listing_categories()
        if category not in categories:
            raise UnknownServiceType(
                f"{category!r} is not one of: {', '.join(categories)}"
            )
        if not isinstance(minutes, int) or not 0 < minutes <= MAX_LISTING_MINUTES:
            raise InvalidDuration(
                f"an offer or request is for 1 to {MAX_LISTING_MINUTES} minutes"
            )
        if len(description) > MAX_DESCRIPTION:
            raise InvalidTransition(
                f"a description is {MAX_DESCRIPTION} characters at most"
            )
        listing = Listing(
            owner=owner,
            kind=kind,
            category=category,
            description=description,
            minutes=minutes,
            posted_on=posted_on or dt.date.today(),
            circle=circle,
        )
        self.save(listing)
        return listing.id

    def withdraw_listing(
        self, listing_id: UUID, by: UUID, on: dt.date | None = None
    ) -> None:
        """``by`` its owner, who alone may take it off the board."""
        listing = self.listing(listing_id)
        if by != listing.owner:
            raise NotAParty(f"member {by} did not post {listing.kind} {listing_id}")
        listing.withdraw(on or dt.date.today())
        self.save(listing)

    def accept_listing(
        self, listing_id: UUID, by: UUID, on: dt.date | None = None
    ) -> UUID:
        """``by`` takes up another member's offer or request: an exchange between
        them is agreed, and the listing leaves the board, in one save (two
        members accepting at once: one wins, the other is refused)."""
        listing = self.listing(listing_id)
        admitted_member(self, by, "time-bank member")
        if listing.circle is not None:
            circle_of_member(self, listing.circle, by)
        if by == listing.owner:
            raise InvalidTransition("a member cannot accept their own offer or request")
        # Both need an account before they agree, so that settling can pay.
        for member in (listing.owner, by):
            self.time_account_of(member)
        helper, receiver = (
            (listing.owner, by) if listing.kind == "offer" else (by, listing.owner)
        )
        day = on or dt.date.today()
        exchange = Exchange(
            listing=listing.id,
            helper=helper,
            receiver=receiver,
            category=listing.category,
            minutes=listing.minutes,
            agreed_on=day,
        )
        listing.take(exchange.id, day)
        self.save(listing, exchange)
        return exchange.id

    def confirm_exchange(
        self, exchange_id: UUID, by: UUID | None, on: dt.date | None = None
    ) -> bool:
        """``by`` (the helper, the receiver, or the coordinator: None) confirms
        the exchange took place; True once it is settled. The confirmation that
        completes it moves the hours in the same save. Confirming again, or
        after it is settled, writes nothing; a limit crossed writes nothing
        either (the confirmation can be given again later)."""
        exchange = self.exchange(exchange_id)
        side = exchange.side_of(by)
        if exchange.is_settled or side in exchange.confirmed:
            return exchange.is_settled
        day = on or dt.date.today()
        exchange.confirm(side, day)
        if not exchange.is_due:
            self.save(exchange)
            return False
        transfer, source, target = self.entered_transfer(
            time_account_id(exchange.receiver),
            time_account_id(exchange.helper),
            exchange.minutes,
            exchange.purpose,
            on=day,
            transfer=exchange_transfer_id(exchange.id),
        )
        exchange.settle(transfer, day)
        self.save(exchange, source, target)
        return True

    def listing(self, listing_id: UUID) -> Listing:
        return load(self, listing_id, Listing, UnknownListing, "offer or request")

    def listings(self) -> Iterator[Listing]:
        for listing_id in ids_with(self, Listing.Posted.TOPIC):
            yield self.listing(listing_id)

    def exchange(self, exchange_id: UUID) -> Exchange:
        return load(self, exchange_id, Exchange, UnknownExchange)

    def exchanges(self) -> Iterator[Exchange]:
        for exchange_id in ids_with(self, Exchange.Agreed.TOPIC):
            yield self.exchange(exchange_id)

    def matches_for(self, member: UUID) -> list[Match]:
        """Each of ``member``'s open listings with the others' open ones of the
        same category and the other kind (an offer meets a request), on the
        same board (the co-op's, or one circle's)."""
        open_ = [listing for listing in self.listings() if listing.status == "open"]
        return [
            Match(
                mine,
                [
                    other
                    for other in open_
                    if other.owner != member
                    and other.category == mine.category
                    and other.kind != mine.kind
                    and other.circle == mine.circle
                ],
            )
            for mine in open_
            if mine.owner == member
        ]
