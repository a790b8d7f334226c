"""Motions: what the members are asked to decide, discussed before and during
the vote, closed and counted at their closing time, and, once carried, the
authority a binding decision (a rules amendment, a spin-off) names.

A motion is drafted by the board for a proposer (a member), with its text, its
kind and its papers (``node.papers`` keeps the files); the board may change it
until it opens the vote, which opens a proposal ballot (``node.governance``) at
the threshold the motion's kind needs under the co-op's rules and a closing
time. ``close_due`` closes and counts every ballot whose time has come (the
node's clock, ``node.closing``, calls it), once: a ballot closed already is
only marked as counted on its motion.

Motions, their papers' names and their discussion are the co-op's own free text:
none of their events is in the sharing allowlist (node.sharing).
"""

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar, get_args
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import RecordConflictError

from node.errors import (
    BallotClosed,
    DiscussionClosed,
    InvalidClosingTime,
    InvalidMotion,
    MotionLocked,
    MotionNotCarried,
    UnknownComment,
    UnknownMotion,
)
from node.governance import GovernanceCommands
from node.records import load
from node.rules import RulesProfile
from toolkit.aggregates import ids_with

MotionKind = Literal[
    "ordinary",
    "special_resolution",
    "rules_amendment",
    "spinoff_approval",
    "board_election",
]
KINDS: tuple[str, ...] = get_args(MotionKind)
MotionStatus = Literal["draft", "voting", "counted"]
# What each binding decision needs carried (node.coop, node.spinoff).
AMENDS_RULES = ("rules_amendment", "special_resolution")
APPROVES_SPINOFF = ("spinoff_approval",)
# A co-op's own profile may name its special threshold "special"; the named
# profiles give two thirds or three quarters, the higher being the special one.
SPECIAL_THRESHOLDS = ("special", "three_quarters", "two_thirds")
RETRIES = 20
# What counts as blank: the same characters in Python and in the API schema's
# patterns (node.http.motions), whose \s differ.
BLANK = " \t\n\r"
T = TypeVar("T")


def threshold_for(profile: RulesProfile, kind: str) -> str | None:
    """The threshold a motion of ``kind`` needs under ``profile``: a rules
    amendment or special resolution the profile's special one where it has one,
    anything else a simple majority; an election has none (it elects)."""
    if kind == "board_election":
        return None
    if kind in AMENDS_RULES:
        for name in SPECIAL_THRESHOLDS:
            if name in profile.thresholds:
                return name
    return "ordinary"


class Motion(Aggregate):
    TOPIC = "commonweal.motion"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.motion.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.motion.created"

    class Drafted(Created):
        TOPIC = "commonweal.motion.drafted"
        title: str
        text: str
        proposer: UUID
        kind: str
        drafted_on: dt.date

    class Edited(Event):
        TOPIC = "commonweal.motion.edited"
        title: str
        text: str
        proposer: UUID
        kind: str

    class PaperAttached(Event):
        """A file the node keeps under its sha256 (``digest``); ``name`` is the
        name it was uploaded under, shown, never used on disk."""

        TOPIC = "commonweal.motion.paper_attached"
        digest: str
        name: str
        content_type: str
        size: int

    class VoteOpened(Event):
        TOPIC = "commonweal.motion.vote_opened"
        ballot_id: UUID
        threshold: str | None
        closes_at: dt.datetime

    class Counted(Event):
        """Its ballot is closed and counted (by the clock, or by hand)."""

        TOPIC = "commonweal.motion.counted"
        counted_at: dt.datetime

    class Enacted(Event):
        """A binding decision was made on its authority: it cannot be used twice."""

        TOPIC = "commonweal.motion.enacted"
        decision: str
        enacted_on: dt.date

    class CommentPosted(Event):
        TOPIC = "commonweal.motion.comment_posted"
        comment_id: str
        author: UUID
        text: str
        posted_at: dt.datetime

    class CommentHidden(Event):
        TOPIC = "commonweal.motion.comment_hidden"
        comment_id: str
        reason: str
        hidden_at: dt.datetime

    @event(Drafted)
    def __init__(
        self, title: str, text: str, proposer: UUID, kind: str, drafted_on: dt.date
    ) -> None:
        self.title = title
        self.text = text
        self.proposer = proposer
        self.kind = kind
        self.drafted_on = drafted_on
        self.papers: dict[str, dict[str, Any]] = {}
        self.ballot_id: UUID | None = None
        self.threshold: str | None = None
        self.closes_at: dt.datetime | None = None
        self.counted = False
        self.enacted = ""
        # comment id -> {"author", "text", "posted_at", "hidden": reason or None}
        self.comments: dict[str, dict[str, Any]] = {}

    @property
    def status(self) -> MotionStatus:
        if self.counted:
            return "counted"
        return "voting" if self.ballot_id is not None else "draft"

    def require_draft(self) -> None:
        if self.ballot_id is not None:
            raise MotionLocked(f"the vote on motion {self.id} has opened")

    @event(Edited)
    def edit(self, title: str, text: str, proposer: UUID, kind: str) -> None:
        self.title, self.text, self.proposer, self.kind = title, text, proposer, kind

    @event(PaperAttached)
    def attach_paper(
        self, digest: str, name: str, content_type: str, size: int
    ) -> None:
        self.papers[digest] = {"name": name, "content_type": content_type, "size": size}

    @event(VoteOpened)
    def vote_opened(
        self, ballot_id: UUID, threshold: str | None, closes_at: dt.datetime
    ) -> None:
        self.ballot_id, self.threshold, self.closes_at = ballot_id, threshold, closes_at

    @event(Counted)
    def mark_counted(self, counted_at: dt.datetime) -> None:
        self.counted = True

    @event(Enacted)
    def enact(self, decision: str, enacted_on: dt.date) -> None:
        self.enacted = decision

    def post(self, author: UUID, text: str, at: dt.datetime) -> str:
        if self.counted:
            raise DiscussionClosed(f"the vote on motion {self.id} has closed")
        comment_id = uuid4().hex
        self._comment_posted(comment_id, author, text, at)
        return comment_id

    @event(CommentPosted)
    def _comment_posted(
        self, comment_id: str, author: UUID, text: str, posted_at: dt.datetime
    ) -> None:
        self.comments[comment_id] = {
            "author": author,
            "text": text,
            "posted_at": posted_at,
            "hidden": None,
        }

    def hide(self, comment_id: str, reason: str, at: dt.datetime) -> None:
        if comment_id not in self.comments:
            raise UnknownComment(f"motion {self.id} has no comment {comment_id}")
        self._comment_hidden(comment_id, reason, at)

    @event(CommentHidden)
    def _comment_hidden(
        self, comment_id: str, reason: str, hidden_at: dt.datetime
    ) -> None:
        self.comments[comment_id]["hidden"] = reason


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MotionCommands(GovernanceCommands):
    def draft_motion(
        self,
        title: str,
        text: str,
        proposer: UUID,
        kind: str,
        drafted_on: dt.date | None = None,
    ) -> UUID:
        self._check_draft(title, proposer, kind)
        motion = Motion(
            title=title.strip(BLANK),
            text=text.strip(BLANK),
            proposer=proposer,
            kind=kind,
            drafted_on=drafted_on or dt.date.today(),
        )
        self.save(motion)
        return motion.id

    def edit_motion(
        self, motion_id: UUID, title: str, text: str, proposer: UUID, kind: str
    ) -> None:
        self._check_draft(title, proposer, kind)

        def attempt() -> None:
            motion = self.motion(motion_id)
            motion.require_draft()
            motion.edit(title.strip(BLANK), text.strip(BLANK), proposer, kind)
            self.save(motion)

        self._again(attempt)

    def attach_paper(
        self, motion_id: UUID, digest: str, name: str, content_type: str, size: int
    ) -> None:
        """Record a paper the caller has kept already (node.papers.keep)."""

        def attempt() -> None:
            motion = self.motion(motion_id)
            motion.require_draft()
            if digest not in motion.papers:
                motion.attach_paper(digest, name, content_type, size)
                self.save(motion)

        self._again(attempt)

    def open_motion_vote(
        self,
        motion_id: UUID,
        closes_at: dt.datetime,
        *,
        secret: bool = False,
        now: dt.datetime | None = None,
    ) -> UUID:
        """Open the proposal ballot on the motion, closing at ``closes_at`` (the
        node closes it then, see ``close_due``): its id."""
        now = now or now_utc()
        motion = self.motion(motion_id)
        motion.require_draft()
        if closes_at.tzinfo is None or closes_at <= now:
            raise InvalidClosingTime(f"closes_at {closes_at} is not after {now}")
        if motion.kind == "board_election":
            raise InvalidMotion("a board election is held as an election ballot")
        threshold = threshold_for(self.coop().profile, motion.kind)

        def opened(ballot_id: UUID) -> list[Motion]:
            motion.vote_opened(ballot_id, threshold, closes_at)
            return [motion]  # saved with the ballot: never one without the other

        return self.open_ballot(
            motion.title,
            threshold=threshold or "ordinary",
            secret=secret,
            opened_on=now.date(),
            closes_on=closes_at.astimezone(dt.UTC).date(),
            linked=opened,
        )

    def post_comment(
        self, motion_id: UUID, author: UUID, text: str, at: dt.datetime | None = None
    ) -> str:
        if not text.strip(BLANK):
            raise InvalidMotion("a comment needs some text")
        if not self.member(author).is_admitted:
            raise InvalidMotion(f"member {author} is not an admitted member")

        def attempt() -> str:
            motion = self.motion(motion_id)
            if self._result(motion) is not None:  # closed by hand before its time
                raise DiscussionClosed(f"the vote on motion {motion_id} has closed")
            comment_id = motion.post(author, text.strip(BLANK), at or now_utc())
            self.save(motion)
            return comment_id

        return self._again(attempt)

    def hide_comment(
        self,
        motion_id: UUID,
        comment_id: str,
        reason: str,
        at: dt.datetime | None = None,
    ) -> None:
        if not reason.strip(BLANK):
            raise InvalidMotion("hiding a comment needs a reason")

        def attempt() -> None:
            motion = self.motion(motion_id)
            motion.hide(comment_id, reason.strip(BLANK), at or now_utc())
            self.save(motion)

        self._again(attempt)

    def close_due(self, now: dt.datetime) -> list[UUID]:
        """Close and count the ballot of every motion whose closing time has
        passed by ``now``, once however often it runs (and however many nodes'
        clocks race: the ballot's own version refuses a second close). The ids of
        the motions counted now."""
        counted = set(ids_with(self, Motion.Counted.TOPIC))
        done = []
        for motion_id in dict.fromkeys(ids_with(self, Motion.VoteOpened.TOPIC)):
            if motion_id in counted:
                continue
            motion = self.motion(motion_id)
            if motion.counted or motion.closes_at is None or motion.closes_at > now:
                continue
            assert motion.ballot_id is not None
            # Closed (or cancelled) by hand, or by another clock: counted already.
            with contextlib.suppress(BallotClosed):
                self.close_ballot(motion.ballot_id, closed_on=now.date())
            motion.mark_counted(now)
            try:
                self.save(motion)
            except RecordConflictError:
                continue  # marked meanwhile
            done.append(motion_id)
        return done

    def carried_motion(self, motion_id: UUID, kinds: Iterable[str]) -> Motion:
        """The motion named for a binding decision, if it is of one of ``kinds``,
        its ballot closed quorate and passed, and no decision made on it yet."""
        motion = self.motion(motion_id)
        kinds = tuple(kinds)
        if motion.kind not in kinds:
            raise MotionNotCarried(
                f"motion {motion_id} is {motion.kind}; this needs one of {kinds}"
            )
        if motion.enacted:
            raise MotionNotCarried(f"motion {motion_id} was acted on already")
        result = self._result(motion)
        if not (result and result.get("quorate") and result.get("passed")):
            raise MotionNotCarried(f"motion {motion_id} has not been carried")
        return motion

    def motion(self, motion_id: UUID) -> Motion:
        return load(self, motion_id, Motion, UnknownMotion, "motion")

    def motions(self) -> list[Motion]:
        return [self.motion(i) for i in ids_with(self, Motion.Drafted.TOPIC)]

    def motion_of_ballot(self, ballot_id: UUID) -> Motion | None:
        for motion_id in ids_with(self, Motion.VoteOpened.TOPIC):
            motion = self.motion(motion_id)
            if motion.ballot_id == ballot_id:
                return motion
        return None

    def _result(self, motion: Motion) -> dict[str, Any] | None:
        if motion.ballot_id is None:
            return None
        return self.ballot(motion.ballot_id).result

    def _check_draft(self, title: str, proposer: UUID, kind: str) -> None:
        if not title.strip(BLANK) or len(title) > 200:
            raise InvalidMotion("a motion needs a title of 200 characters at most")
        if kind not in KINDS:
            raise InvalidMotion(f"kind {kind!r} is not one of {KINDS}")
        if not self.member(proposer).is_admitted:
            raise InvalidMotion(f"proposer {proposer} is not an admitted member")

    def _again(self, attempt: Callable[[], T]) -> T:
        for _ in range(RETRIES):
            try:
                return attempt()
            except RecordConflictError:
                continue  # someone else wrote to the motion first
        raise RuntimeError(f"gave up after {RETRIES} conflicting writes")
