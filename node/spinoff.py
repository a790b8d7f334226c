"""Spin-offs ("strawberry patch"): the parent co-op proposes a new co-op nearby,
names the runners (its members who go to found it), records each runner's consent,
and approves it; ``commonweal spinoff`` then provisions the new node
(commonweal.provisioning), whose first start admits the runners as its founders.

Nothing here is shared with the consortium: the lineage is recorded by the
consortium itself when it provisions the new co-op, and a runner who leaves the
parent leaves through the ordinary membership withdrawal, which is shared as such.
"""

import datetime as dt
from collections.abc import Sequence
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate, event

from node.errors import (
    InvalidTransition,
    RunnerNotMember,
    SpinOffNotReady,
    UnknownSpinOff,
)
from node.membership import Member
from node.membership_commands import MembershipCommands
from node.records import load
from node.rules import RulesProfile


class SpinOff(Aggregate):
    TOPIC = "commonweal.spinoff"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.spinoff.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.spinoff.created"

    class Proposed(Created):
        TOPIC = "commonweal.spinoff.proposed"
        name: str
        proposed_on: dt.date

    class RunnerNamed(Event):
        TOPIC = "commonweal.spinoff.runner_named"
        member_id: UUID

    class RunnerConsented(Event):
        TOPIC = "commonweal.spinoff.runner_consented"
        member_id: UUID
        consented_on: dt.date

    class Approved(Event):
        TOPIC = "commonweal.spinoff.approved"
        approved_on: dt.date
        # The ballot of the motion that carried it ("" in approvals stored before
        # approvals needed one).
        ballot_id: str

    class Provisioned(Event):
        TOPIC = "commonweal.spinoff.provisioned"
        coop_id: str
        provisioned_on: dt.date

    class RunnerDeparted(Event):
        TOPIC = "commonweal.spinoff.runner_departed"
        member_id: UUID
        departed_on: dt.date

    @event(Proposed)
    def __init__(self, name: str, proposed_on: dt.date) -> None:
        self.name = name
        self.proposed_on = proposed_on
        self.status = "proposed"
        self.runners: list[UUID] = []
        self.consented: set[UUID] = set()
        self.departed: set[UUID] = set()
        self.ballot_id = ""
        self.coop_id = ""  # the new co-op's id, once provisioned

    def name_runner(self, member_id: UUID) -> None:
        self._require_status("name a runner", "proposed")
        if member_id in self.runners:
            raise InvalidTransition(f"member {member_id} is a runner already")
        self._runner_named(member_id)

    @event(RunnerNamed)
    def _runner_named(self, member_id: UUID) -> None:
        self.runners.append(member_id)

    def record_consent(self, member_id: UUID, on: dt.date) -> None:
        self._require_status("record consent", "proposed", "approved")
        self._require_runner(member_id)
        if member_id in self.consented:
            raise InvalidTransition(f"runner {member_id} has consented already")
        self._consented(member_id, on)

    @event(RunnerConsented)
    def _consented(self, member_id: UUID, consented_on: dt.date) -> None:
        self.consented.add(member_id)

    def approve(self, on: dt.date, ballot_id: str) -> None:
        self._require_status("approve", "proposed")
        if not self.runners:
            raise SpinOffNotReady(f"spin-off {self.id} names no runner yet")
        self._approved(on, ballot_id)

    @event(Approved)
    def _approved(self, approved_on: dt.date, ballot_id: str) -> None:
        self.status = "approved"
        self.ballot_id = ballot_id

    def check_ready(self) -> None:
        """Approved, not provisioned yet, and every runner has consented."""
        if self.status != "approved":
            raise SpinOffNotReady(
                f"spin-off {self.id} ({self.name}) is {self.status}, not approved"
            )
        missing = [str(r) for r in self.runners if r not in self.consented]
        if missing:
            raise SpinOffNotReady(
                f"spin-off {self.id}: runner(s) {', '.join(missing)} have not "
                "consented to go"
            )

    def provisioned(self, coop_id: str, on: dt.date) -> None:
        self.check_ready()
        self._provisioned(coop_id, on)

    @event(Provisioned)
    def _provisioned(self, coop_id: str, provisioned_on: dt.date) -> None:
        self.status = "provisioned"
        self.coop_id = coop_id

    def depart(self, member_id: UUID, on: dt.date) -> None:
        self._require_status("record a departure", "approved", "provisioned")
        self._require_runner(member_id)
        if member_id in self.departed:
            raise InvalidTransition(f"runner {member_id} has departed already")
        self._departed(member_id, on)

    @event(RunnerDeparted)
    def _departed(self, member_id: UUID, departed_on: dt.date) -> None:
        self.departed.add(member_id)

    def _require_status(self, action: str, *statuses: str) -> None:
        if self.status not in statuses:
            raise InvalidTransition(
                f"spin-off {self.id} is {self.status}; cannot {action}"
            )

    def _require_runner(self, member_id: UUID) -> None:
        if member_id not in self.runners:
            raise InvalidTransition(f"member {member_id} is not a runner of {self.id}")


class FoundingMember(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A runner's details, carried by the operator's command into the new node only."""

    name: str
    email: str
    phone: str
    address: str
    member_class: str


class SpinOffCommands(MembershipCommands):
    def propose_spinoff(self, name: str, proposed_on: dt.date | None = None) -> UUID:
        if not name.strip():
            raise InvalidTransition("a spin-off needs a name")
        self.coop()  # only a founded co-op can spin one off
        spinoff = SpinOff(name=name.strip(), proposed_on=proposed_on or dt.date.today())
        self.save(spinoff)
        return spinoff.id

    def name_runner(self, spinoff_id: UUID, member_id: UUID) -> None:
        spinoff = self.spinoff(spinoff_id)
        self._require_member(member_id)
        spinoff.name_runner(member_id)
        self.save(spinoff)

    def record_runner_consent(
        self, spinoff_id: UUID, member_id: UUID, on: dt.date | None = None
    ) -> None:
        spinoff = self.spinoff(spinoff_id)
        spinoff.record_consent(member_id, on or dt.date.today())
        self.save(spinoff)

    def approve_spinoff(
        self, spinoff_id: UUID, *, motion_id: UUID, on: dt.date | None = None
    ) -> None:
        """Approve on the authority of ``motion_id``, a spin-off approval the
        members carried and not acted on yet; its ballot is recorded."""
        spinoff = self.spinoff(spinoff_id)
        motion = self.carried_motion(motion_id, ("spinoff_approval",))
        day = on or dt.date.today()
        spinoff.approve(day, str(motion.ballot_id))
        motion.enact(f"spinoff_approved:{spinoff_id}", day)
        self.save(spinoff, motion)

    def record_runner_departure(
        self, spinoff_id: UUID, member_id: UUID, on: dt.date | None = None
    ) -> None:
        """The runner leaves the parent: withdrawn as a member, noted on the spin-off,
        both in one save."""
        on = on or dt.date.today()
        spinoff = self.spinoff(spinoff_id)
        spinoff.depart(member_id, on)
        member = self.member(member_id)
        member.withdraw(on)
        self.save(spinoff, member)

    def founders(self, spinoff_id: UUID) -> list[FoundingMember]:
        """The runners' details, for the new node; refused unless the spin-off is
        approved, every runner consented, and each is a member (or left for it)."""
        spinoff = self.spinoff(spinoff_id)
        spinoff.check_ready()
        founders = []
        for runner in spinoff.runners:
            member = self.member(runner)
            if not (member.is_admitted or runner in spinoff.departed):
                raise RunnerNotMember(
                    f"runner {runner} is {member.status}, not an admitted member"
                )
            founders.append(
                FoundingMember(
                    name=member.name,
                    email=member.email,
                    phone=member.phone,
                    address=member.address,
                    member_class=member.member_class,
                )
            )
        return founders

    def record_spinoff_provisioned(
        self, spinoff_id: UUID, coop_id: str, on: dt.date | None = None
    ) -> None:
        spinoff = self.spinoff(spinoff_id)
        spinoff.provisioned(coop_id, on or dt.date.today())
        self.save(spinoff)

    def found_with_founders(
        self,
        name: str,
        profile: RulesProfile,
        founders: Sequence[FoundingMember],
        founded_on: dt.date | None = None,
    ) -> None:
        """Found the co-op with the runners admitted as its founding members, all in
        one save: a crash leaves either all of it or none."""
        founded_on = founded_on or dt.date.today()
        for founder in founders:
            if founder.member_class not in profile.class_names:
                raise SpinOffNotReady(
                    f"founder class {founder.member_class!r} is not in the rules "
                    f"profile {profile.name}"
                )
        coop = self._new_coop(name, profile, founded_on)
        members = []
        for founder in founders:
            member = Member(applied_on=founded_on, **msgspec.structs.asdict(founder))
            member.admit(founded_on)
            members.append(member)
        self.save(coop, *members)

    def spinoff(self, spinoff_id: UUID) -> SpinOff:
        return load(self, spinoff_id, SpinOff, UnknownSpinOff, "spin-off")

    def _require_member(self, member_id: UUID) -> None:
        member = self.member(member_id)
        if not member.is_admitted:
            raise RunnerNotMember(
                f"member {member_id} is {member.status}; only admitted members can "
                "be runners"
            )
