"""Hours that travel (schemas.hours): a member spends time-bank hours on a
service from another co-op, cleared through the consortium in two phases.

At the payer, ``send_hours`` holds the hours (the member's account to the
transit account) and records the transfer out; the answer relayed back confirms
it (transit to the clearing account of the payee) or refunds the member. At the
payee, ``receive_offer`` credits the account the reference names, or the pool
(from the clearing account of the payer), or refuses. Each step is one save:
the entries and what they answer are written together or not at all, and a
message relayed twice finds its transfer already answered or settled and
writes nothing. Every co-op's ledger still sums to zero, and the clearing and
transit accounts of the whole network sum to the minutes not yet answered.
"""

import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Iterator
from typing import Literal, TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from node.errors import (
    BalanceLimitExceeded,
    InvalidCoopId,
    InvalidHours,
    InvalidReference,
    InvalidTransition,
    UnknownMember,
)
from node.hours_transfers import (
    RELAY_INBOX,
    HoursIn,
    HoursOut,
    RelayInbox,
    hours_in_id,
    reference_code,
    settlement_id,
)
from node.membership import Member, admitted_member
from node.records import load
from node.sharing import Rule
from node.timebank import (
    TRANSIT_ACCOUNT,
    TimeAccount,
    TimebankCommands,
    account_id_of,
    time_account_id,
)
from schemas import hours as wire
from schemas.envelope import COOP_ID_PATTERN
from toolkit.aggregates import events_with, get, ids_with

log = logging.getLogger(__name__)
A = TypeVar("A", bound=Aggregate)

Applied = Literal["applied", "repeat", "ignored", "out_of_order"]
# A clearing account may go far either way: it is what two co-ops owe each
# other, settled between them, not a member's balance to protect.
CLEARING_LIMIT = 10_000_000
POOL = time_account_id(None)


class HoursExchangeCommands(TimebankCommands):
    snapshotting_intervals = {
        **TimebankCommands.snapshotting_intervals,
        RelayInbox: 100,
    }
    # The key of members' reference codes: the node secret (node.service).
    hours_secret: bytes = b""
    # Answers that matched no transfer of ours (forged or misrouted), by why.
    answers_ignored: Counter[str]

    # The payer

    def send_hours(
        self,
        member_id: UUID,
        payee: str,
        minutes: int,
        reference: str = "",
        on: dt.date | None = None,
    ) -> UUID:
        """Hold ``minutes`` of the member's hours for co-op ``payee``; the id of
        the transfer, the same at both co-ops and the consortium."""
        if not isinstance(payee, str) or not re.fullmatch(COOP_ID_PATTERN, payee):
            raise InvalidCoopId(f"{payee!r} is not a co-op id")
        if payee == self.coop_id:
            raise InvalidCoopId("hours to a member of this co-op are a transfer")
        if not isinstance(reference, str) or not re.fullmatch(
            wire.REFERENCE_PATTERN, reference
        ):
            raise InvalidReference(
                f"{reference!r} is not a reference: it is like K7Q2-MX4P, or empty"
            )
        if (
            not isinstance(minutes, int)
            or isinstance(minutes, bool)
            or not 1 <= minutes <= wire.MAX_MINUTES
        ):
            raise InvalidHours(
                f"hours to another co-op are 1 to {wire.MAX_MINUTES} minutes: "
                f"{minutes!r}"
            )
        admitted_member(self, member_id, "sender of hours")
        day = on or dt.date.today()
        transfer = uuid4()
        loaded = {TRANSIT_ACCOUNT: self._own_account("transit", None, day)}
        _, source, transit = self.entered_transfer(
            time_account_id(member_id),
            TRANSIT_ACCOUNT,
            minutes,
            "respite",
            on=day,
            transfer=transfer,
            loaded=loaded,
        )
        out = HoursOut(
            transfer=transfer,
            member=member_id,
            payee=payee,
            minutes=minutes,
            reference=reference,
            sent_on=day,
        )
        self.save(source, transit, out)
        return transfer

    def receive_answer(self, answer: wire.HoursAnswer) -> Applied:
        """Confirm or refund a transfer out, once; an answer that does not match
        one (forged, misrouted) writes nothing."""
        return self._save_applied(self._answer_effect(answer))

    def _answer_effect(
        self, answer: wire.HoursAnswer
    ) -> tuple[Applied, list[Aggregate]]:
        out = get(self, answer.transfer, HoursOut)
        problem = (
            "unknown transfer"
            if out is None
            else "wrong payee"
            if out.payee != answer.payee
            else "wrong minutes"
            if out.minutes != answer.minutes
            else ""
        )
        if out is None or problem:
            self._ignore(problem, answer.transfer)
            return "ignored", []
        if out.state != "held":
            return "repeat", []
        day = dt.date.today()
        target = (
            self._own_account("clearing", answer.payee, day)
            if answer.accepted
            else self.time_account(time_account_id(out.member))
        )
        _, transit, target = self.entered_transfer(
            TRANSIT_ACCOUNT,
            target.id,
            out.minutes,
            "respite",
            on=day,
            transfer=settlement_id(out.id),
            loaded={target.id: target},
            # A refund must go through: a member above their maximum by now
            # would otherwise stop every relayed message after this one.
            limits=answer.accepted,
        )
        outcome = "confirmed" if answer.accepted else "refunded"
        out.settle(out.payee, out.minutes, outcome, answer.reason, day)
        return "applied", [transit, target, out]

    def _ignore(self, problem: str, transfer: UUID) -> None:
        if not hasattr(self, "answers_ignored"):
            self.answers_ignored = Counter()
        self.answers_ignored[problem] += 1
        log.warning("ignored an answer for hours (%s): transfer %s", problem, transfer)

    # The payee

    def receive_offer(self, offer: wire.HoursOffer) -> Applied:
        """Credit hours another co-op sent, or refuse them; once per transfer."""
        return self._save_applied(self._offer_effect(offer))

    def _offer_effect(self, offer: wire.HoursOffer) -> tuple[Applied, list[Aggregate]]:
        if offer.payer == self.coop_id:
            self._ignore("offer from ourselves", offer.transfer)
            return "ignored", []
        if get(self, hours_in_id(offer.payer, offer.transfer), HoursIn) is not None:
            return "repeat", []
        day = dt.date.today()
        reason, target = self._hours_target(offer.reference)
        changed: list[Aggregate] = []
        if target is not None:
            clearing = self._own_account("clearing", offer.payer, day)
            try:
                _, clearing, credited = self.entered_transfer(
                    clearing.id,
                    target,
                    offer.minutes,
                    "respite",
                    on=day,
                    transfer=hours_in_id(offer.payer, offer.transfer),
                    loaded={clearing.id: clearing},
                )
            except BalanceLimitExceeded:
                reason, target = "over_limit", None
            else:
                changed = [clearing, credited]
        answered = HoursIn(
            payer=offer.payer,
            transfer=offer.transfer,
            minutes=offer.minutes,
            reference=offer.reference,
            account=target,
            reason=reason,
            sent_on=offer.sent_on,
            answered_on=day,
        )
        return "applied", [*changed, answered]

    def _hours_target(self, reference: str) -> tuple[wire.RefusalReason, UUID | None]:
        """The account hours with ``reference`` go to, or why there is none."""
        if not reference:
            if get(self, POOL, TimeAccount) is None:
                return "not_taken", None
            return "", POOL
        account = self.account_with_reference(reference)
        if account is None:
            return "unknown_reference", None
        return "", account

    def account_with_reference(self, reference: str) -> UUID | None:
        """The account of the admitted member whose code is ``reference``."""
        key = self._reference_key()
        for account_id in ids_with(self, TimeAccount.Opened.TOPIC):
            if reference_code(key, account_id) != reference:
                continue  # only the one that matches is loaded
            account = self.time_account(account_id)
            if account.kind != "member" or account.owner is None:
                return None
            member = load(self, account.owner, Member, UnknownMember)
            return account.id if member.is_admitted else None
        return None

    def reference_of(self, member_id: UUID) -> str:
        """The member's reference code (their account need not be open yet)."""
        return reference_code(self._reference_key(), time_account_id(member_id))

    def _reference_key(self) -> bytes:
        if not self.hours_secret:
            raise InvalidTransition("this node has no secret to make references with")
        return self.hours_secret

    # Both

    def apply_relayed(self, message: wire.Relayed) -> Applied:
        """Apply the next relayed message and advance the relay position in the
        same save: a node stopped anywhere applies each message once. One that
        is not the next (``n``) is not applied."""
        inbox = get(self, RELAY_INBOX, RelayInbox) or RelayInbox()
        if message.n != inbox.position + 1:
            return "out_of_order"
        if message.recipient != self.coop_id:
            return "ignored"  # checked by the fetcher before; never advanced on
        applied, changed = (
            self._offer_effect(message)
            if isinstance(message, wire.HoursOffer)
            else self._answer_effect(message)
        )
        inbox.read(message.n)
        self.save(*changed, inbox)
        return applied

    def relay_position(self) -> int:
        inbox = get(self, RELAY_INBOX, RelayInbox)
        return 0 if inbox is None else inbox.position

    def _save_applied(self, effect: tuple[Applied, list[Aggregate]]) -> Applied:
        applied, changed = effect
        if changed:
            self.save(*changed)
        return applied

    def _own_account(
        self, kind: Literal["clearing", "transit"], partner: str | None, day: dt.date
    ) -> TimeAccount:
        """This co-op's clearing account of ``partner``, or its transit account:
        opened (not saved) on first use."""
        account = get(self, account_id_of(kind, None, partner), TimeAccount)
        if account is not None:
            return account
        # Hours in transit are never fewer than none: a debit beyond what was
        # held would be a fault, refused rather than entered.
        low = 0 if kind == "transit" else -CLEARING_LIMIT
        return TimeAccount(
            owner=None,
            minimum=low,
            maximum=CLEARING_LIMIT,
            opened_on=day,
            kind=kind,
            partner=partner,
        )

    # Reading

    def other_coop(self, account_id: UUID, transfer: UUID) -> str | None:
        if account_id == TRANSIT_ACCOUNT:
            out = get(self, transfer, HoursOut)
            if out is not None:
                return out.payee
            return self._settled_payee(transfer)
        if account_id == POOL:
            return None
        account = self.time_account(account_id)
        return account.partner if account.kind == "clearing" else None

    def _settled_payee(self, settlement: UUID) -> str | None:
        for settled in events_with(self, HoursOut.Settled.TOPIC):
            if settlement_id(settled.originator_id) == settlement:
                out = get(self, settled.originator_id, HoursOut)
                return None if out is None else out.payee
        return None

    def hours_out(self, member_id: UUID | None = None) -> list[HoursOut]:
        """Transfers out (of ``member_id`` only, if given), oldest first."""
        return [
            out
            for out in self._all(HoursOut.Sent.TOPIC, HoursOut)
            if member_id is None or out.member == member_id
        ]

    def hours_in(self) -> list[HoursIn]:
        return list(self._all(HoursIn.Answered.TOPIC, HoursIn))

    def clearing_accounts(self) -> list[TimeAccount]:
        return sorted(
            (a for a in self.time_accounts() if a.kind == "clearing"),
            key=lambda a: a.partner or "",
        )

    def transit_balance(self) -> int:
        transit = get(self, TRANSIT_ACCOUNT, TimeAccount)
        return 0 if transit is None else transit.balance

    def _all(self, topic: str, kind: type[A]) -> Iterator[A]:
        for aggregate_id in ids_with(self, topic):
            aggregate = get(self, aggregate_id, kind)
            if aggregate is not None:
                yield aggregate


def _sent(_: object, e: HoursOut.Sent) -> wire.HoursSent:
    return wire.HoursSent(
        transfer=e.originator_id,
        payee=e.payee,
        minutes=e.minutes,
        reference=e.reference,
        sent_on=e.sent_on,
    )


def _answered(_: object, e: HoursIn.Answered) -> wire.HoursAnswered:
    return wire.HoursAnswered(
        transfer=e.transfer,
        payer=e.payer,
        minutes=e.minutes,
        reason=e.reason,  # type: ignore[arg-type]
        answered_on=e.answered_on,
    )


def _settled(_: object, e: HoursOut.Settled) -> wire.HoursSettled:
    return wire.HoursSettled(
        transfer=e.originator_id,
        payee=e.payee,
        minutes=e.minutes,
        outcome=e.outcome,  # type: ignore[arg-type]
        settled_on=e.settled_on,
    )


# Only the node's first consortium carries hours (node.consortia).
HOURS_SHARING: dict[str, Rule] = {
    HoursOut.Sent.TOPIC: Rule(wire.HoursSent, _sent),
    HoursIn.Answered.TOPIC: Rule(wire.HoursAnswered, _answered),
    HoursOut.Settled.TOPIC: Rule(wire.HoursSettled, _settled),
}
