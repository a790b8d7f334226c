"""The time bank, in double entry: every transfer debits one account and credits
another by the same minutes, so the whole bank always sums to zero.

Volunteers and family carers earn time by helping and spend it on respite. Each
account has a minimum and a maximum balance; a transfer that would cross either is
refused before anything is written. Hours are kept as whole minutes.
"""

import datetime as dt
from collections.abc import Iterator
from typing import Any, NamedTuple, TypeGuard, get_args
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from node.coop import CoopBase
from node.errors import (
    BalanceLimitExceeded,
    InvalidAmount,
    InvalidTransition,
    UnknownAccount,
    UnknownMember,
    UnknownReason,
)
from node.membership import Member, admitted_member
from node.records import load
from node.sharing import Rule, SharingPolicy
from schemas import Payload
from schemas import timebank as shared
from toolkit.aggregates import ids_with

PURPOSES: tuple[str, ...] = get_args(shared.Purpose)
KINDS: tuple[str, ...] = get_args(shared.AccountKind)
# Ten hours of overdraft lets a newcomer receive help before giving any.
DEFAULT_MINIMUM = -10 * 60
DEFAULT_MAXIMUM = 100 * 60


def hours(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h}h{m:02d}"


class TimeAccount(Aggregate):
    TOPIC = "commonweal.time_account"
    # Snapshots taken before accounts had a kind (see Opened) are upcast too.
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["kind"] = "pool" if state["owner"] is None else "member"
        state["partner"] = None

    class Event(Aggregate.Event):
        TOPIC = "commonweal.time_account.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.time_account.created"

    class Opened(Created):
        TOPIC = "commonweal.time_account.opened"
        class_version = 2
        owner: UUID | None  # the member; None for the co-op's own accounts
        minimum: int
        maximum: int
        opened_on: dt.date
        kind: str  # shared.AccountKind
        partner: str | None  # the partner co-op of a clearing account

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Before hours travelled, an account was a member's or the pool.
            state["kind"] = "pool" if state["owner"] is None else "member"
            state["partner"] = None

    class Debited(Event):
        TOPIC = "commonweal.time_account.debited"
        kind: shared.AccountKind
        transfer: UUID
        counterparty: UUID
        minutes: int
        purpose: shared.Purpose
        note: str
        entered_on: dt.date

    class Credited(Event):
        TOPIC = "commonweal.time_account.credited"
        kind: shared.AccountKind
        transfer: UUID
        counterparty: UUID
        minutes: int
        purpose: shared.Purpose
        note: str
        entered_on: dt.date

    @staticmethod
    def create_id(
        owner: UUID | None, kind: str, partner: str | None, **_: object
    ) -> UUID:
        return account_id_of(kind, owner, partner)

    @event(Opened)
    def __init__(
        self,
        owner: UUID | None,
        minimum: int,
        maximum: int,
        opened_on: dt.date,
        kind: str,
        partner: str | None,
    ) -> None:
        self.owner = owner
        self.minimum = minimum
        self.maximum = maximum
        self.opened_on = opened_on
        self.kind: shared.AccountKind = as_kind(kind)
        self.partner = partner
        self.balance = 0

    def check(self, minutes: int) -> None:
        """Refuse a change of ``minutes`` that would cross this account's limits."""
        # The refusal may reach another member (the one paying this account):
        # it names the rule broken, never the balance or the limits.
        after = self.balance + minutes
        if after < self.minimum:
            raise BalanceLimitExceeded(
                f"account {self.id} cannot be debited {hours(-minutes)}: it would "
                "go below its minimum"
            )
        if after > self.maximum:
            raise BalanceLimitExceeded(
                f"account {self.id} cannot be credited {hours(minutes)}: it would "
                "go above its maximum"
            )

    @event(Debited)
    def debit(
        self,
        kind: shared.AccountKind,
        transfer: UUID,
        counterparty: UUID,
        minutes: int,
        purpose: shared.Purpose,
        note: str,
        entered_on: dt.date,
    ) -> None:
        self.balance -= minutes

    @event(Credited)
    def credit(
        self,
        kind: shared.AccountKind,
        transfer: UUID,
        counterparty: UUID,
        minutes: int,
        purpose: shared.Purpose,
        note: str,
        entered_on: dt.date,
    ) -> None:
        self.balance += minutes


def is_purpose(purpose: str) -> TypeGuard[shared.Purpose]:
    return purpose in PURPOSES


def as_kind(kind: str) -> shared.AccountKind:
    if kind not in KINDS:
        raise ValueError(f"{kind!r} is not a kind of time account")
    return kind  # type: ignore[return-value]


def time_account_id(owner: UUID | None) -> UUID:
    """A member has one account; the co-op's pool (owner None) has one too."""
    key = str(owner) if owner is not None else "pool"
    return uuid5(NAMESPACE_URL, f"commonweal:time_account:{key}")


def clearing_account_id(partner: str) -> UUID:
    """The one account of what partner co-op ``partner`` and this one owe each
    other in hours."""
    return uuid5(NAMESPACE_URL, f"commonweal:time_account:clearing:{partner}")


TRANSIT_ACCOUNT = uuid5(NAMESPACE_URL, "commonweal:time_account:transit")


def account_id_of(kind: str, owner: UUID | None, partner: str | None) -> UUID:
    if kind == "clearing":
        assert partner is not None
        return clearing_account_id(partner)
    if kind == "transit":
        return TRANSIT_ACCOUNT
    return time_account_id(owner)


class StatementLine(NamedTuple):
    entered_on: dt.date
    transfer: UUID
    counterparty: UUID
    minutes: int  # negative for a debit
    purpose: str
    note: str
    balance: int
    # The other account's owner by name; None for the co-op's own accounts.
    other_party: str | None
    # The other co-op the entry was with (hours sent to or received from it);
    # None for an entry within this co-op.
    other_coop: str | None = None


class TimebankCommands(CoopBase):
    # The pool account takes part in many transfers: a snapshot every so often
    # keeps loading it from replaying its whole history.
    snapshotting_intervals = {TimeAccount: 50}

    def open_time_account(
        self,
        member_id: UUID,
        minimum: int = DEFAULT_MINIMUM,
        maximum: int = DEFAULT_MAXIMUM,
        opened_on: dt.date | None = None,
    ) -> UUID:
        admitted_member(self, member_id, "time-bank account holder")
        return self._open_account(member_id, minimum, maximum, opened_on)

    def open_pool_account(
        self,
        minimum: int = -1_000 * 60,
        maximum: int = 1_000 * 60,
        opened_on: dt.date | None = None,
    ) -> UUID:
        """The co-op's own account, which pays members for volunteering for it."""
        return self._open_account(None, minimum, maximum, opened_on)

    def _open_account(
        self,
        owner: UUID | None,
        minimum: int,
        maximum: int,
        opened_on: dt.date | None,
    ) -> UUID:
        if not minimum <= 0 <= maximum:
            raise InvalidAmount(
                f"limits must allow a zero balance: minimum {minimum}, "
                f"maximum {maximum}"
            )
        account_id = time_account_id(owner)
        if self.recorder.select_events(account_id, limit=1):
            raise InvalidTransition(f"time account {account_id} is already open")
        account = TimeAccount(
            owner=owner,
            minimum=minimum,
            maximum=maximum,
            opened_on=opened_on or dt.date.today(),
            kind="pool" if owner is None else "member",
            partner=None,
        )
        self.save(account)
        return account.id

    def transfer_time(
        self,
        from_account: UUID,
        to_account: UUID,
        minutes: int,
        purpose: str,
        note: str = "",
        on: dt.date | None = None,
    ) -> UUID:
        """Move ``minutes`` from one account to another: both sides or neither."""
        transfer, source, target = self.entered_transfer(
            from_account, to_account, minutes, purpose, note, on
        )
        self.save(source, target)
        return transfer

    def entered_transfer(
        self,
        from_account: UUID,
        to_account: UUID,
        minutes: int,
        purpose: str,
        note: str = "",
        on: dt.date | None = None,
        transfer: UUID | None = None,
        loaded: dict[UUID, TimeAccount] | None = None,
        limits: bool = True,
    ) -> tuple[UUID, TimeAccount, TimeAccount]:
        """A transfer entered on both accounts but not yet saved, so that a
        command can save it together with what it pays for (an exchange settled,
        a visit delivered): all of it or none. ``transfer`` names it when the
        caller needs a known id (one per visit, say); a new one otherwise.
        Accounts in ``loaded`` (by id) are entered on as they are, and those
        loaded here are added to it: two transfers on one account in one save.
        Without ``limits`` neither account's limits are checked: for giving
        back hours held from a member, which are theirs whatever their balance
        has become since."""
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
            raise InvalidAmount(f"minutes must be a positive whole number: {minutes!r}")
        if not is_purpose(purpose):
            raise UnknownReason(
                f"{purpose!r} is not a purpose; purposes are: {', '.join(PURPOSES)}"
            )
        if from_account == to_account:
            raise InvalidTransition("a transfer needs two different accounts")
        accounts = {} if loaded is None else loaded
        source = accounts.get(from_account) or self.time_account(from_account)
        target = accounts.get(to_account) or self.time_account(to_account)
        if limits:
            source.check(-minutes)
            target.check(minutes)
        transfer, day = transfer or uuid4(), on or dt.date.today()
        source.debit(source.kind, transfer, target.id, minutes, purpose, note, day)
        target.credit(target.kind, transfer, source.id, minutes, purpose, note, day)
        accounts.update({source.id: source, target.id: target})
        return transfer, source, target

    def time_account(self, account_id: UUID) -> TimeAccount:
        return load(self, account_id, TimeAccount, UnknownAccount)

    def time_account_of(self, member_id: UUID) -> TimeAccount:
        return self.time_account(time_account_id(member_id))

    def time_accounts(self) -> Iterator[TimeAccount]:
        for account_id in ids_with(self, TimeAccount.Opened.TOPIC):
            yield self.time_account(account_id)

    def statement(self, account_id: UUID) -> list[StatementLine]:
        """Every entry on an account in date order (entries of one day in the
        order recorded), with the running balance in that order: an entry
        backdated to last week sits among last week's, not at the end."""
        self.time_account(account_id)
        entries = [
            e
            for e in self.events.get(account_id)
            if isinstance(e, TimeAccount.Debited | TimeAccount.Credited)
        ]
        entries.sort(key=lambda e: e.entered_on)  # stable: same-day order kept
        names: dict[UUID, str | None] = {}
        coops: dict[UUID, str | None] = {}
        lines, balance = [], 0
        for e in entries:
            signed = -e.minutes if isinstance(e, TimeAccount.Debited) else e.minutes
            balance += signed
            if e.counterparty not in names:
                names[e.counterparty] = self._owner_name(e.counterparty)
            # The transit account holds hours for many co-ops: by transfer.
            if e.counterparty == TRANSIT_ACCOUNT or e.counterparty not in coops:
                coops[e.counterparty] = self.other_coop(e.counterparty, e.transfer)
            lines.append(
                StatementLine(
                    e.entered_on,
                    e.transfer,
                    e.counterparty,
                    signed,
                    e.purpose,
                    e.note,
                    balance,
                    names[e.counterparty],
                    coops[e.counterparty],
                )
            )
        return lines

    def other_coop(self, account_id: UUID, transfer: UUID) -> str | None:
        """The other co-op of an entry with ``account_id`` (node.hours_exchange
        knows which co-op hours in transit are for)."""
        return None

    def _owner_name(self, account_id: UUID) -> str | None:
        """The name of the member who holds an account; None for the pool."""
        owner = self.time_account(account_id).owner
        if owner is None:
            return None
        return load(self, owner, Member, UnknownMember).name


def _entry(p: SharingPolicy, e: TimeAccount.Debited | TimeAccount.Credited) -> Payload:
    return shared.LedgerEntry(
        account=p.pseudonym(e.originator_id),
        kind=e.kind,
        transfer=p.pseudonym(e.transfer),
        # By topic, not class: the replicator may hand a Rule the fields it reads
        # rather than the domain event (node.shared_fields).
        minutes=-e.minutes if e.TOPIC == TimeAccount.Debited.TOPIC else e.minutes,
        purpose=e.purpose,
        entered_on=e.entered_on,
    )


TIMEBANK_SHARING: dict[str, Rule] = {
    TimeAccount.Opened.TOPIC: Rule(
        shared.AccountOpened,
        lambda p, e: shared.AccountOpened(
            account=p.pseudonym(e.originator_id),
            kind=e.kind,
            opened_on=e.opened_on,
        ),
    ),
    TimeAccount.Debited.TOPIC: Rule(shared.LedgerEntry, _entry),
    TimeAccount.Credited.TOPIC: Rule(shared.LedgerEntry, _entry),
}
