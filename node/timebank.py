"""The time bank, in double entry: every transfer debits one account and credits
another by the same minutes, so the whole bank always sums to zero.

Volunteers and family carers earn time by helping and spend it on respite. Each
account has a minimum and a maximum balance; a transfer that would cross either is
refused before anything is written. Hours are kept as whole minutes.
"""

import datetime as dt
from collections.abc import Iterator
from typing import NamedTuple, TypeGuard, get_args
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
# Ten hours of overdraft lets a newcomer receive help before giving any.
DEFAULT_MINIMUM = -10 * 60
DEFAULT_MAXIMUM = 100 * 60


def hours(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    h, m = divmod(abs(minutes), 60)
    return f"{sign}{h}h{m:02d}"


class TimeAccount(Aggregate):
    TOPIC = "commonweal.time_account"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.time_account.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.time_account.created"

    class Opened(Created):
        TOPIC = "commonweal.time_account.opened"
        owner: UUID | None  # the member; None for the co-op's pool
        minimum: int
        maximum: int
        opened_on: dt.date

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
    def create_id(owner: UUID | None, **_: object) -> UUID:
        return time_account_id(owner)

    @event(Opened)
    def __init__(
        self, owner: UUID | None, minimum: int, maximum: int, opened_on: dt.date
    ) -> None:
        self.owner = owner
        self.minimum = minimum
        self.maximum = maximum
        self.opened_on = opened_on
        self.balance = 0

    @property
    def kind(self) -> shared.AccountKind:
        return "pool" if self.owner is None else "member"

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


def time_account_id(owner: UUID | None) -> UUID:
    """A member has one account; the co-op's pool (owner None) has one too."""
    key = str(owner) if owner is not None else "pool"
    return uuid5(NAMESPACE_URL, f"commonweal:time_account:{key}")


class StatementLine(NamedTuple):
    entered_on: dt.date
    transfer: UUID
    counterparty: UUID
    minutes: int  # negative for a debit
    purpose: str
    note: str
    balance: int
    # The other account's owner by name; None for the co-op's pool.
    other_party: str | None


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
    ) -> tuple[UUID, TimeAccount, TimeAccount]:
        """A transfer entered on both accounts but not yet saved, so that a
        command can save it together with what it pays for (an exchange settled,
        a visit delivered): all of it or none. ``transfer`` names it when the
        caller needs a known id (one per visit, say); a new one otherwise.
        Accounts in ``loaded`` (by id) are entered on as they are, and those
        loaded here are added to it: two transfers on one account in one save."""
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
        lines, balance = [], 0
        for e in entries:
            signed = -e.minutes if isinstance(e, TimeAccount.Debited) else e.minutes
            balance += signed
            if e.counterparty not in names:
                names[e.counterparty] = self._owner_name(e.counterparty)
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
                )
            )
        return lines

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
        minutes=-e.minutes if isinstance(e, TimeAccount.Debited) else e.minutes,
        purpose=e.purpose,
        entered_on=e.entered_on,
    )


TIMEBANK_SHARING: dict[str, Rule] = {
    TimeAccount.Opened.TOPIC: Rule(
        shared.AccountOpened,
        lambda p, e: shared.AccountOpened(
            account=p.pseudonym(e.originator_id),
            kind="pool" if e.owner is None else "member",
            opened_on=e.opened_on,
        ),
    ),
    TimeAccount.Debited.TOPIC: Rule(shared.LedgerEntry, _entry),
    TimeAccount.Credited.TOPIC: Rule(shared.LedgerEntry, _entry),
}
