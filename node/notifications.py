"""What the co-op tells whom, and when: each event of the node's log that someone
should hear about becomes drafts of messages, one per recipient.

A draft says only what its recipient may see: a claim decision goes to the claimant
alone, a visit change to the service user on the visit, a ballot's opening and
result to its electorate, with no more than the ballot page shows them (never who
voted or how), the reminder of a ballot closing tomorrow to each member of its
electorate yet to vote (about nobody else), hours received to the account's owner
without the giver's name. A motion's ballot speaks of the motion and links to its
page: opened, closing tomorrow (node.reminders), its result.

A draft holds a ``Notice`` (node.outbox): message ids marked ``N_`` and their
parameters, dates kept as dates. It is put in words (``rendered``) when it is
sent or printed, in the recipient's language with the co-op's ways of writing
dates, times and money (toolkit.web.formats).
"""

from collections.abc import Iterator
from typing import NamedTuple
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from node.application import CoopNode
from node.ballots import Ballot, Roll
from node.care_circle import CareConsent
from node.compliance import ComplianceRecord
from node.compliance_notices import reminder_drafts
from node.concern_notices import concern_notice
from node.config import LocaleConfig
from node.expenses import ExpenseClaim
from node.incidents import Incident
from node.labels import LABELS
from node.membership import Member
from node.motions import Motion
from node.outbox import Message, Notice
from node.sign_in import LINK_MINUTES, LinkRequest
from node.timebank import TimeAccount, hours
from node.visits import Visit
from toolkit.web.formats import day_text, money_text, time_text
from toolkit.web.i18n import DEFAULT_LANGUAGE, N_, translations

# Stands in a draft for a sign-in link: the sender makes a fresh single-use link
# when it sends the email (node.notifier), so no secret is ever stored.
SIGN_IN_LINK = "{sign_in_link}"


# How a notice writes a day, and a moment (with "%(day)s at %(time)s").
DAY = "EEEE dd MMMM y"


class Reader(NamedTuple):
    """Whose words and ways a notice is rendered in."""

    language: str
    locale: str
    time_zone: str
    currency: str


def reader(language: str, ways: LocaleConfig) -> Reader:
    """The reader of a member who chose ``language`` ("" is the co-op's)."""
    chosen = language or ways.language
    return Reader(chosen, ways.locale(chosen), ways.time_zone, ways.money)


ENGLISH = reader(DEFAULT_LANGUAGE, LocaleConfig())


def rendered(notice: Notice, to: Reader) -> tuple[str, str]:
    """The subject and body of ``notice`` in ``to``'s language."""
    say = translations(to.language).gettext
    values: dict[str, str] = dict(notice.texts)
    for name, msgid in notice.phrases.items():
        values[name] = say(msgid) % notice.texts
    for name, day in notice.days.items():
        values[name] = day_text(day, to.locale, to.time_zone, DAY)
    for name, moment in notice.moments.items():
        values[name] = say(N_("%(day)s at %(time)s")) % {
            "day": day_text(moment, to.locale, to.time_zone, DAY),
            "time": time_text(moment, to.locale, to.time_zone),
        }
    for name, minor_units in notice.money.items():
        values[name] = money_text(minor_units, to.currency, to.locale)
    subject = say(notice.subject) % values
    body = "\n\n".join(say(paragraph) % values for paragraph in notice.body)
    return subject, body


def message_text(
    message: Message, ways: LocaleConfig, language: str
) -> tuple[str, str]:
    """A queued message's subject and body for a member reading ``language``;
    one queued before notices were kept, as it was written."""
    if message.notice is None:
        return message.subject, message.body
    return rendered(message.notice, reader(language, ways))


class Draft(NamedTuple):
    """A notice for one member; ``subject`` and ``body`` read it in English."""

    recipient: UUID  # a member
    kind: str
    notice: Notice

    @property
    def subject(self) -> str:
        return rendered(self.notice, ENGLISH)[0]

    @property
    def body(self) -> str:
        return rendered(self.notice, ENGLISH)[1]


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
    CareConsent.Granted.TOPIC,
    ComplianceRecord.ReminderSent.TOPIC,
    Incident.Raised.TOPIC,
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
        coop = {"coop": one_line(self.coop_node.coop().name)}
        if isinstance(event, Member.Admitted):
            yield self._welcome(event.originator_id, coop)
        elif isinstance(event, LinkRequest.Made):
            notice = self._link_notice(
                N_("Sign in to %(coop)s"),
                coop,
                after=N_(
                    "If you did not ask for this link, you can ignore this email: "
                    "nobody can use it but you."
                ),
            )
            yield Draft(event.member_id, "sign_in_link", notice)
        elif isinstance(event, Roll.Opened) and (
            motion := self.coop_node.motion_of_ballot(event.ballot_id)
        ):
            yield from self._motion_opened(event, motion, coop)
        elif isinstance(event, Roll.Opened):
            ballot = self.coop_node.ballot(event.ballot_id)
            texts, phrases = self._with_link(
                f"/#ballot-{ballot.id}", coop, title=one_line(ballot.title)
            )
            notice = Notice(
                N_("Ballot open: %(title)s"),
                [
                    N_("A ballot has opened at %(coop)s: %(title)s."),
                    N_("You can vote until it closes%(at)s."),
                ],
                texts,
                phrases,
            )
            for member in event.electorate:
                yield Draft(UUID(member), "ballot_opened", notice)
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
            notice = Notice(
                N_("Visit moved"),
                [N_("Your visit has moved: it is now on %(when)s.")],
                moments={"when": event.scheduled_for},  # this move's, not a later
            )
            yield Draft(visit.service_user, "visit_changed", notice)
        elif isinstance(event, ComplianceRecord.ReminderSent):
            for recipient, kind, notice in reminder_drafts(self.coop_node, event):
                yield Draft(recipient, kind, notice)
        elif isinstance(event, TimeAccount.Credited) and event.kind == "member":
            owner = self.coop_node.time_account(event.originator_id).owner
            if owner is not None:
                notice = Notice(
                    N_("%(amount)s received"),
                    [N_("%(amount)s were credited to your time account on %(on)s.")],
                    texts={"amount": hours(event.minutes)},
                    days={"on": event.entered_on},
                )
                yield Draft(owner, "hours_received", notice)
        elif isinstance(event, CareConsent.Granted):
            yield from self._care_access(event, coop)
        elif isinstance(event, Incident.Raised):
            told, notice = concern_notice(self.coop_node, event, self.site_url)
            for member_id in told:
                yield Draft(member_id, "safeguarding_concern", notice)

    def _link_notice(
        self, subject: str, coop: dict[str, str], before: str = "", after: str = ""
    ) -> Notice:
        """A notice with a fresh sign-in link, between paragraphs ``before`` and
        ``after`` (either may be none)."""
        return Notice(
            subject,
            [
                *([before] if before else []),
                N_(
                    "Sign in with this link (it works once, for %(minutes)s "
                    "minutes):\n%(link)s"
                ),
                N_("For a new link at any time: %(new_link)s"),
                *([after] if after else []),
            ],
            texts={
                **coop,
                "minutes": str(LINK_MINUTES),
                "link": SIGN_IN_LINK,
                "new_link": f"{self.site_url}/signin/email",
            },
        )

    def _welcome(self, member_id: UUID, coop: dict[str, str]) -> Draft:
        first = N_("You are now a member of %(coop)s.")
        if self.site_url:
            notice = self._link_notice(N_("Welcome to %(coop)s"), coop, before=first)
        else:  # no address to link to: the office's letter it is
            notice = Notice(
                N_("Welcome to %(coop)s"),
                [first, N_("Ask the co-op office for your sign-in letter to sign in.")],
                texts=coop,
            )
        return Draft(member_id, "welcome", notice)

    def _with_link(
        self, path: str, coop: dict[str, str], **texts: str
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The texts and phrases of a notice ending "... %(at)s": at the page's
        address if the node has one, else nothing."""
        if not self.site_url:
            return {**coop, **texts, "at": ""}, {}
        link = {**coop, **texts, "link": f"{self.site_url}{path}"}
        # The leading space is part of the phrase: "... vote at https://...".
        return link, {"at": N_(" at %(link)s")}

    def _motion_notice(
        self, motion: Motion, coop: dict[str, str], subject: str, body: str
    ) -> Notice:
        texts, phrases = self._with_link(
            f"/motions/{motion.id}", coop, title=one_line(motion.title)
        )
        if motion.closes_at is None:
            return Notice(subject, [body], {**texts, "closes": ""}, phrases)
        return Notice(
            subject, [body], texts, phrases, moments={"closes": motion.closes_at}
        )

    def _motion_opened(
        self, event: Roll.Opened, motion: Motion, coop: dict[str, str]
    ) -> Iterator[Draft]:
        notice = self._motion_notice(
            motion,
            coop,
            N_("Vote open: %(title)s"),
            N_(
                "The vote on a motion has opened at %(coop)s: %(title)s.\n\n"
                "It closes on %(closes)s. You can read the motion and its papers, "
                "discuss it and vote%(at)s."
            ),
        )
        for member in event.electorate:
            yield Draft(UUID(member), "ballot_opened", notice)

    def _closing(
        self, event: Ballot.ClosingReminded, coop: dict[str, str]
    ) -> Iterator[Draft]:
        ballot = self.coop_node.ballot(event.originator_id)
        if not ballot.is_open or ballot.closes_on is None:
            return  # closed before the reminder was composed: nothing to remind
        motion = self.coop_node.motion_of_ballot(ballot.id)
        if motion is not None:
            notice = self._motion_notice(
                motion,
                coop,
                N_("Vote closing tomorrow: %(title)s"),
                N_(
                    "The vote on a motion at %(coop)s closes tomorrow, on "
                    "%(closes)s: %(title)s.\n\nYou have not voted yet. You can "
                    "vote until it closes%(at)s."
                ),
            )
        else:
            texts, phrases = self._with_link(
                f"/#ballot-{ballot.id}", coop, title=one_line(ballot.title)
            )
            notice = Notice(
                N_("Ballot closing tomorrow: %(title)s"),
                [
                    N_(
                        "The ballot at %(coop)s closes tomorrow, %(closes)s: %(title)s."
                    ),
                    N_("You have not voted yet. You can vote until it closes%(at)s."),
                ],
                texts,
                phrases,
                days={"closes": ballot.closes_on},
            )
        roll = self.coop_node.roll(ballot.id)
        voted = self.coop_node.voters(ballot.id)  # secret votes may still wait
        for member in roll.electorate:
            if member not in voted:  # read now: who voted since is spared
                yield Draft(UUID(member), "ballot_closing", notice)

    def _result(self, event: Ballot.Closed, coop: dict[str, str]) -> Iterator[Draft]:
        ballot = self.coop_node.ballot(event.originator_id)
        result = event.result
        motion = self.coop_node.motion_of_ballot(ballot.id)
        if motion is not None:
            yield from self._motion_result(event, motion, coop)
            return
        if not result["quorate"]:
            outcome = N_("It was not quorate, so nothing was decided.")
        elif event.kind == "proposal":
            outcome = (
                N_("It passed.") if result.get("passed") else N_("It did not pass.")
            )
        else:
            outcome = N_("The board members elected are shown on the ballot page.")
        texts, phrases = self._with_link(
            f"/#ballot-{ballot.id}", coop, title=one_line(ballot.title)
        )
        notice = Notice(
            N_("Ballot result: %(title)s"),
            [
                N_("The ballot at %(coop)s has closed: %(title)s."),
                outcome,
                N_("The full count is on your home page%(at)s."),
            ],
            texts,
            phrases,
        )
        for member in self.coop_node.roll(ballot.id).electorate:
            yield Draft(UUID(member), "ballot_result", notice)

    def _motion_result(
        self, event: Ballot.Closed, motion: Motion, coop: dict[str, str]
    ) -> Iterator[Draft]:
        result = event.result
        if not result["quorate"]:
            outcome = N_("It was not quorate, so nothing was decided.")
        elif result.get("passed"):
            outcome = N_("The motion was carried.")
        else:
            outcome = N_("The motion was not carried.")
        notice = self._motion_notice(
            motion,
            coop,
            N_("Result of the vote: %(title)s"),
            N_(
                "The vote on a motion at %(coop)s has closed: %(title)s.\n\n"
                "%(outcome)s\n\nThe counts by member class are on the "
                "motion's page%(at)s."
            ),
        )
        notice = Notice(
            notice.subject,
            notice.body,
            notice.texts,
            {**notice.phrases, "outcome": outcome},
            moments=notice.moments,
        )
        for member in self.coop_node.roll(event.originator_id).electorate:
            yield Draft(UUID(member), "ballot_result", notice)

    def _claim(self, event: ExpenseClaim.Event) -> Draft:
        claim = self.coop_node.expense_claim(event.originator_id)
        phrases = {"category": _label("category", claim.category)}
        if isinstance(event, ExpenseClaim.Approved):
            subject = N_("Expense claim approved")
            text = N_(
                "Your expense claim of %(amount)s (%(category)s), made on %(on)s, "
                "was approved."
            )
        elif isinstance(event, ExpenseClaim.Rejected):
            phrases["reason"] = _label("reason", event.reason)
            subject = N_("Expense claim rejected")
            text = N_(
                "Your expense claim of %(amount)s (%(category)s), made on %(on)s, "
                "was not approved: %(reason)s."
            )
        else:
            subject = N_("Expense claim paid")
            text = N_(
                "Your expense claim of %(amount)s (%(category)s), made on %(on)s, "
                "has been paid."
            )
        notice = Notice(
            subject,
            [text],
            phrases=phrases,
            days={"on": claim.claimed_on},
            money={"amount": claim.amount},
        )
        return Draft(claim.claimant, "claim_decided", notice)

    def _visit(self, event: Visit.Scheduled | Visit.Cancelled) -> Draft:
        visit = self.coop_node.visit(event.originator_id)
        if isinstance(event, Visit.Scheduled):
            subject, text = N_("Visit booked"), N_("A visit is booked for %(when)s.")
        else:
            subject = N_("Visit cancelled")
            text = N_("The visit on %(when)s is cancelled.")
        notice = Notice(subject, [text], moments={"when": visit.scheduled_for})
        return Draft(visit.service_user, "visit_changed", notice)

    def _care_access(
        self, event: CareConsent.Granted, coop: dict[str, str]
    ) -> Iterator[Draft]:
        """The person is told whenever someone is given access to their care,
        above all when the office recorded it for them; the viewer is told
        where to find it."""
        viewer = one_line(self.coop_node.member(event.viewer).name)
        person = one_line(self.coop_node.member(event.service_user).name)
        what = (
            N_("your care plan and your visits")
            if event.scope == "plan_and_visits"
            else N_("your visits")
        )
        texts, phrases = self._with_link("/my-care", coop, name=viewer)
        body = [N_("From %(on)s, %(name)s can see %(what)s at %(coop)s.")]
        if event.recorded_by != event.service_user:
            body.append(N_("The co-op office recorded your consent for you."))
        body.append(
            N_(
                "You can see who can see your care, and take it back at any "
                "time, on your care page%(at)s."
            )
        )
        notice = Notice(
            N_("%(name)s can now see your care"),
            body,
            texts,
            {**phrases, "what": what},
            days={"on": event.granted_on},
        )
        yield Draft(event.service_user, "care_access_given", notice)
        texts, phrases = self._with_link(
            f"/my-care/{event.service_user}", coop, name=person
        )
        notice = Notice(
            N_("%(name)s lets you see their care"),
            [N_("%(name)s has let you see their care at %(coop)s%(at)s.")],
            texts,
            phrases,
        )
        yield Draft(event.viewer, "care_access_given", notice)


def _label(kind: str, value: str) -> str:
    """An id's label, marked for translation; an id with none reads as words."""
    return LABELS.get(kind, {}).get(value) or value.replace("_", " ")
