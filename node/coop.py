"""The co-op itself: its name and rules profile, and the application base every
area of the node builds on.

Every event class has an explicit TOPIC so stored events survive module moves and
renames.
"""

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import JSONTranscoder

from node.errors import (
    CoopAlreadyFounded,
    CoopNotFounded,
    MotionNotCarried,
    RulesAmendmentRefused,
    UnknownMemberClass,
)
from node.rules import RulesProfile
from node.sealing import SealedPersonalData
from node.terms import term_end, term_years
from toolkit.aggregates import get
from toolkit.transcodings import DateAsISO

if TYPE_CHECKING:
    from node.visits import Visit


def coop_aggregate_id(coop_id: str) -> UUID:
    """One Coop aggregate per node, at an id derived from the co-op id."""
    return uuid5(NAMESPACE_URL, f"commonweal:coop:{coop_id}")


class Coop(Aggregate):
    TOPIC = "commonweal.coop"

    class Event(Aggregate.Event):
        TOPIC = "commonweal.coop.event"

    class Created(Event, Aggregate.Created):
        TOPIC = "commonweal.coop.created"

    class Founded(Created):
        TOPIC = "commonweal.coop.founded"
        coop_id: str
        name: str
        profile: dict[str, Any]
        founded_on: dt.date

    @staticmethod
    def create_id(coop_id: str, **_: Any) -> UUID:
        return coop_aggregate_id(coop_id)

    @event(Founded)
    def __init__(
        self, coop_id: str, name: str, profile: dict[str, Any], founded_on: dt.date
    ) -> None:
        self.coop_id = coop_id
        self.name = name
        self.profile = msgspec.convert(profile, RulesProfile)
        self.founded_on = founded_on
        # Board seats held, by constituency (member class): member ids as text.
        self.board: dict[str, list[str]] = {}
        # Each board member's term of office (first day, last day), by member id.
        self.terms: dict[str, tuple[dt.date, dt.date]] = {}

    class RulesAmended(Event):
        TOPIC = "commonweal.coop.rules_amended"
        profile: dict[str, Any]
        amended_on: dt.date

    @event(RulesAmended)
    def amend_rules(self, profile: dict[str, Any], amended_on: dt.date) -> None:
        self.profile = msgspec.convert(profile, RulesProfile)

    class BoardElected(Event):
        TOPIC = "commonweal.coop.board_elected"
        ballot_id: str
        # The whole board after the election, and the board rules it was checked
        # against (see node.board.board_rules).
        board: dict[str, list[str]]
        board_rules: dict[str, Any]
        elected_on: dt.date

    # Saved with BoardElected: the seats won in that election and their term.
    # Its own event so that stored BoardElected events stay readable, and never
    # shared (the consortium learns seat counts only).
    class TermsBegun(Event):
        TOPIC = "commonweal.coop.terms_begun"
        members: list[str]
        starts_on: dt.date
        ends_on: dt.date

    def board_elected(
        self,
        ballot_id: str,
        board: dict[str, list[str]],
        board_rules: dict[str, Any],
        elected_on: dt.date,
        elected: dict[str, list[str]] | None = None,
    ) -> None:
        """Record the board after an election; those ``elected`` in it (by
        default the whole board) begin a term of office on ``elected_on``."""
        self._board_elected(ballot_id, board, board_rules, elected_on)
        seats = board if elected is None else elected
        members = [m for held in seats.values() for m in held]
        if members:
            ends_on = term_end(elected_on, term_years(self.profile))
            self._terms_begun(members, elected_on, ends_on)

    @event(BoardElected)
    def _board_elected(
        self,
        ballot_id: str,
        board: dict[str, list[str]],
        board_rules: dict[str, Any],
        elected_on: dt.date,
    ) -> None:
        self.board = board

    @event(TermsBegun)
    def _terms_begun(
        self, members: list[str], starts_on: dt.date, ends_on: dt.date
    ) -> None:
        for member in members:
            self.terms[member] = (starts_on, ends_on)


class CoopBase(SealedPersonalData):
    """What every area of the node needs: the store, and the co-op and its rules.

    Each area (membership, governance, care, ...) adds its commands as a subclass of
    this; ``node.application.CoopNode`` puts them together.
    """

    def __init__(self, coop_id: str, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self.coop_id = coop_id

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def found_coop(
        self,
        name: str,
        profile: RulesProfile,
        founded_on: dt.date | None = None,
    ) -> None:
        self.save(self._new_coop(name, profile, founded_on))

    def _new_coop(
        self, name: str, profile: RulesProfile, founded_on: dt.date | None
    ) -> Coop:
        """The Coop aggregate, not yet saved (a spin-off saves it with its founders)."""
        if self._find_coop() is not None:
            raise CoopAlreadyFounded(f"co-op {self.coop_id} is already founded here")
        return Coop(
            coop_id=self.coop_id,
            name=name,
            profile=msgspec.to_builtins(profile),
            founded_on=founded_on or dt.date.today(),
        )

    def amend_rules(
        self,
        profile: RulesProfile,
        amended_on: dt.date | None = None,
        *,
        motion_id: UUID,
    ) -> None:
        """Adopt amended rules on the authority of ``motion_id``: a rules
        amendment or special resolution the members carried, not acted on yet
        (the founding profile needs none: founding is not an amendment)."""
        coop = self.coop()
        missing = set(coop.profile.class_names) - set(profile.class_names)
        in_use = missing & {c for c, seats in coop.board.items() if seats}
        if in_use:
            raise RulesAmendmentRefused(
                f"classes {sorted(in_use)} hold board seats; elect their seats "
                "away before removing them from the rules"
            )
        motion = self.carried_motion(
            motion_id, ("rules_amendment", "special_resolution")
        )
        day = amended_on or dt.date.today()
        coop.amend_rules(msgspec.to_builtins(profile), day)
        motion.enact("rules_amended", day)
        self.save(coop, motion)

    def carried_motion(self, motion_id: UUID, kinds: Iterable[str]) -> Any:
        """The motion a binding decision names, carried and of one of ``kinds``
        (node.motions keeps motions; a node without them carries none)."""
        raise MotionNotCarried(f"motion {motion_id} is not a carried motion here")

    def is_carer(self, member_id: UUID) -> bool:
        """Whether the member cares for this co-op's service users: an employed
        worker (node.workforce) or an enrolled volunteer."""
        return False

    def require_compliant(
        self, member_id: UUID, service_types: Iterable[str], day: dt.date
    ) -> None:
        """Refuse a carer who lacks on ``day`` a check or training that
        ``service_types`` require (node.compliance); a node without compliance
        records requires nothing."""

    def rota_clash(self, worker: UUID, visit: "Visit") -> None:
        """Refuse ``worker`` for ``visit`` if the rota has them elsewhere, off or
        on leave then (node.rota); a node without a rota refuses nothing."""

    def carers_on(self, day: dt.date) -> set[UUID]:
        """The members caring for this co-op's service users on ``day``."""
        return set()

    def is_fully_compliant(self, member_id: UUID, day: dt.date) -> bool:
        """Whether the carer held on ``day`` every check and training the co-op's
        services require: with no requirements recorded, they did."""
        return True

    def delivery_records(self, visit: Any) -> list[Aggregate]:
        """What else a visit's delivery writes, saved with it (node.visits):
        areas that pay for a delivered visit add theirs (node.volunteer_hours),
        calling ``super()`` so that every area's records are kept."""
        return []

    @property
    def is_founded(self) -> bool:
        return self._find_coop() is not None

    def coop(self) -> Coop:
        coop = self._find_coop()
        if coop is None:
            raise CoopNotFounded(f"co-op {self.coop_id} is not founded on this node")
        return coop

    def _find_coop(self) -> Coop | None:
        return get(self, coop_aggregate_id(self.coop_id), Coop)

    def _require_class(self, member_class: str) -> None:
        classes = self.coop().profile.class_names
        if member_class not in classes:
            raise UnknownMemberClass(
                f"member class {member_class!r} is not in this co-op's rules; "
                f"classes are: {', '.join(classes)}"
            )
