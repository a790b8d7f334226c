"""What the co-op tells whom, and when: each event of the node's log that someone
should hear about becomes drafts of messages, one per recipient.

A draft says only what its recipient may see: a claim decision goes to the claimant
alone, a visit change to the service user on the visit, a ballot's opening and
result to its electorate, with no more than the ballot page shows them (never who
voted or how), the reminder of a ballot closing tomorrow to each member of its
electorate yet to vote (about nobody else), hours received to the account's owner
without the giver's name. A motion's ballot speaks of the motion and links to its
page: opened, closing tomorrow (node.reminders), its result.

Messages are in English today (no member's language reaches the composer yet);
the motions' texts are marked ``N_`` with named parameters, ready for a catalog.
"""

import datetime as dt
from collections.abc import Iterator
from typing import NamedTuple
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from node.application import CoopNode
from node.ballots import Ballot, Roll
from node.expenses import ExpenseClaim
from node.membership import Member
from node.motions import Motion
from node.sign_in import LINK_MINUTES, LinkRequest
from node.timebank import TimeAccount, hours
from node.visits import Visit
from toolkit.web.i18n import N_

# Stands in a draft for a sign-in link: the sender makes a fresh single-use link
# when it sends the email (node.notifier), so no secret is ever stored.
SIGN_IN_LINK = "{sign_in_link}"


class Draft(NamedTuple):
    recipient: UUID  # a member
    kind: str
    subject: str
    body: str


TOPICS = (
    Member.Admitted.TOPIC,
    LinkRequest.Made.TOPIC,
    Roll.Opened.TOPIC,
    Ballot.ClosingReminded.TOPIC,
    Ballot.Closed.TOPIC,
    ExpenseClaim.Approved.TOPIC,
    ExpenseClaim.Rejected.TOPIC,
    ExpenseClaim.Paid.TOPIC,
    Visit.Scheduled.TOPIC,
    Visit.Rescheduled.TOPIC,
    Visit.Cancelled.TOPIC,
    TimeAccount.Credited.TOPIC,
)


def one_line(text: str) -> str:
    """Text fit for a header: user-written titles and names may hold line breaks,
    which must never become mail headers of their own."""
    return " ".join(text.split())


class Composer:
    """Turns events into drafts, reading what it needs from the node."""

    def __init__(
        self,
        coop_node: CoopNode,
        site_url: str = "",
    ) -> None:
        self.coop_node = coop_node
        self.site_url = site_url.rstrip("/")

    def drafts(self, event: DomainEventProtocol[UUID]) -> Iterator[Draft]:
        coop = one_line(self.coop_node.coop().name)
        if isinstance(event, Member.Admitted):
            yield self._welcome(event.originator_id, coop)
        elif isinstance(event, LinkRequest.Made):
            yield Draft(
                event.member_id,
                "sign_in_link",
                f"Sign in to {coop}",
                f"{self._link_lines()}\n\nIf you did not ask for this link, you can "
                "ignore this email: nobody can use it but you.",
            )
        elif isinstance(event, Roll.Opened) and (
            motion := self.coop_node.motion_of_ballot(event.ballot_id)
        ):
            yield from self._motion_opened(event, motion, coop)
        elif isinstance(event, Roll.Opened):
            ballot = self.coop_node.ballot(event.ballot_id)
            title = one_line(ballot.title)
            body = (
                f"A ballot has opened at {coop}: {title}.\n\n"
                f"You can vote until it closes{self._at(f'/#ballot-{ballot.id}')}."
            )
            for member in event.electorate:
                yield Draft(
                    UUID(member), "ballot_opened", f"Ballot open: {title}", body
                )
        elif isinstance(event, Ballot.ClosingReminded):
            yield from self._closing(event, coop)
        elif isinstance(event, Ballot.Closed):
            yield from self._result(event, coop)
        elif isinstance(event, ExpenseClaim.Event):
            yield self._claim(event)
        elif isinstance(event, Visit.Scheduled | Visit.Cancelled):
            yield self._visit(event)
        elif isinstance(event, Visit.Rescheduled):
            visit = self.coop_node.visit(event.originator_id)
            when = _when(event.scheduled_for)  # this move's time, not a later one
            text = f"Your visit has moved: it is now on {when}."
            yield Draft(visit.service_user, "visit_changed", "Visit moved", text)
        elif isinstance(event, TimeAccount.Credited) and event.kind == "member":
            owner = self.coop_node.time_account(event.originator_id).owner
            if owner is not None:
                yield Draft(
                    owner,
                    "hours_received",
                    f"{hours(event.minutes)} received",
                    f"{hours(event.minutes)} were credited to your time account "
                    f"on {event.entered_on:%d %B %Y}.",
                )

    def _link_lines(self) -> str:
        return (
            f"Sign in with this link (it works once, for {LINK_MINUTES} minutes):\n"
            f"{SIGN_IN_LINK}\n\nFor a new link at any time: "
            f"{self.site_url}/signin/email"
        )

    def _welcome(self, member_id: UUID, coop: str) -> Draft:
        if self.site_url:
            how = self._link_lines()
        else:  # no address to link to: the office's letter it is
            how = "Ask the co-op office for your sign-in letter to sign in."
        return Draft(
            member_id,
            "welcome",
            f"Welcome to {coop}",
            f"You are now a member of {coop}.\n\n{how}",
        )

    def _motion_opened(
        self, event: Roll.Opened, motion: Motion, coop: str
    ) -> Iterator[Draft]:
        values = self._motion_values(motion, coop)
        subject = N_("Vote open: %(title)s") % values
        body = (
            N_(
                "The vote on a motion has opened at %(coop)s: %(title)s.\n\n"
                "It closes on %(closes)s. You can read the motion and its papers, "
                "discuss it and vote%(at)s."
            )
            % values
        )
        for member in event.electorate:
            yield Draft(UUID(member), "ballot_opened", subject, body)

    def _motion_values(self, motion: Motion, coop: str) -> dict[str, str]:
        closes = (
            f"{motion.closes_at:%A %d %B %Y at %H:%M} UTC" if motion.closes_at else ""
        )
        return {
            "coop": coop,
            "title": one_line(motion.title),
            "closes": closes,
            "at": self._at(f"/motions/{motion.id}"),
        }

    def _closing(self, event: Ballot.ClosingReminded, coop: str) -> Iterator[Draft]:
        ballot = self.coop_node.ballot(event.originator_id)
        if not ballot.is_open or ballot.closes_on is None:
            return  # closed before the reminder was composed: nothing to remind
        title = one_line(ballot.title)
        motion = self.coop_node.motion_of_ballot(ballot.id)
        if motion is not None:
            values = self._motion_values(motion, coop)
            subject = N_("Vote closing tomorrow: %(title)s") % values
            body = (
                N_(
                    "The vote on a motion at %(coop)s closes tomorrow, on "
                    "%(closes)s: %(title)s.\n\nYou have not voted yet. You can "
                    "vote until it closes%(at)s."
                )
                % values
            )
        else:
            subject = f"Ballot closing tomorrow: {title}"
            body = (
                f"The ballot at {coop} closes tomorrow, "
                f"{ballot.closes_on:%A %d %B %Y}: {title}.\n\n"
                "You have not voted yet. You can vote until it closes"
                f"{self._at(f'/#ballot-{ballot.id}')}."
            )
        roll = self.coop_node.roll(ballot.id)
        voted = self.coop_node.voters(ballot.id)  # secret votes may still wait
        for member in roll.electorate:
            if member not in voted:  # read now: who voted since is spared
                yield Draft(UUID(member), "ballot_closing", subject, body)

    def _result(self, event: Ballot.Closed, coop: str) -> Iterator[Draft]:
        ballot = self.coop_node.ballot(event.originator_id)
        title = one_line(ballot.title)
        result = event.result
        motion = self.coop_node.motion_of_ballot(ballot.id)
        if motion is not None:
            yield from self._motion_result(event, motion, coop)
            return
        if not result["quorate"]:
            outcome = "It was not quorate, so nothing was decided."
        elif event.kind == "proposal":
            outcome = "It passed." if result.get("passed") else "It did not pass."
        else:
            outcome = "The board members elected are shown on the ballot page."
        body = (
            f"The ballot at {coop} has closed: {title}.\n\n{outcome}\n\n"
            f"The full count is on your home page{self._at(f'/#ballot-{ballot.id}')}."
        )
        roll = self.coop_node.roll(ballot.id)
        for member in roll.electorate:
            yield Draft(UUID(member), "ballot_result", f"Ballot result: {title}", body)

    def _motion_result(
        self, event: Ballot.Closed, motion: Motion, coop: str
    ) -> Iterator[Draft]:
        result = event.result
        if not result["quorate"]:
            outcome = N_("It was not quorate, so nothing was decided.")
        elif result.get("passed"):
            outcome = N_("The motion was carried.")
        else:
            outcome = N_("The motion was not carried.")
        values = {**self._motion_values(motion, coop), "outcome": outcome}
        subject = N_("Result of the vote: %(title)s") % values
        body = (
            N_(
                "The vote on a motion at %(coop)s has closed: %(title)s.\n\n"
                "%(outcome)s\n\nThe counts by member class are on the "
                "motion's page%(at)s."
            )
            % values
        )
        for member in self.coop_node.roll(event.originator_id).electorate:
            yield Draft(UUID(member), "ballot_result", subject, body)

    def _claim(self, event: ExpenseClaim.Event) -> Draft:
        claim = self.coop_node.expense_claim(event.originator_id)
        what = f"Your expense claim of {_money(claim.amount)} ({claim.category})"
        claimed = f"made on {claim.claimed_on:%d %B %Y}"
        if isinstance(event, ExpenseClaim.Approved):
            decision, text = "approved", f"{what}, {claimed}, was approved."
        elif isinstance(event, ExpenseClaim.Rejected):
            reason = event.reason.replace("_", " ")
            decision = "rejected"
            text = f"{what}, {claimed}, was not approved: {reason}."
        else:
            decision, text = "paid", f"{what}, {claimed}, has been paid."
        return Draft(claim.claimant, "claim_decided", f"Expense claim {decision}", text)

    def _visit(self, event: Visit.Scheduled | Visit.Cancelled) -> Draft:
        visit = self.coop_node.visit(event.originator_id)
        when = _when(visit.scheduled_for)
        if isinstance(event, Visit.Scheduled):
            subject, text = "Visit booked", f"A visit is booked for {when}."
        else:
            subject, text = "Visit cancelled", f"The visit on {when} is cancelled."
        return Draft(visit.service_user, "visit_changed", subject, text)

    def _at(self, path: str) -> str:
        return f" at {self.site_url}{path}" if self.site_url else ""


def _money(minor_units: int) -> str:
    return f"{minor_units // 100}.{minor_units % 100:02d}"


def _when(moment: dt.datetime) -> str:
    return f"{moment:%A %d %B %Y at %H:%M}"
