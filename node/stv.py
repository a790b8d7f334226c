"""Counting an election in one constituency: single transferable vote for several
seats, plurality for one.

STV follows the Scottish STV count, the Scottish Local Government Elections Order
2007 (SSI 2007/42), schedule 1, rules 45 to 52, a weighted inclusive Gregory
method (WIGM):

- Rule 45, first stage: each valid ballot (one ranking at least one candidate)
  counts one vote for its first preference.
- Rule 46, quota (Droop): floor(valid ballots / (seats + 1)) + 1. A candidate whose
  votes equal or exceed the quota at the end of any stage is deemed elected
  (several at once: in order of votes, ties as for surpluses below).
- Rule 48, surplus: every ballot the elected candidate holds (inclusive) passes to
  its next available preference, the next *continuing* candidate on it (one
  neither deemed elected nor excluded), at a transfer value of
  value x surplus / the candidate's total votes, "calculated to five decimal
  places (any remainder being ignored)". Ballots with no continuing preference
  left are non-transferable (``exhausted``); what truncation drops is recorded as
  ``lost``. Each transfer is a stage of its own.
- Rule 49, several surpluses: the largest is transferred first; equal surpluses
  go by the votes at the most recent preceding stage at which the candidates had
  unequal votes, and if equal at every stage, by lot.
- Rule 50, exclusion: when no surplus is left to transfer, the continuing
  candidate with fewest votes is excluded and every ballot they hold passes on at
  the value it had when they received it. A tie for fewest is broken as for
  surpluses (the one with fewer votes at the most recent stage where they
  differed is excluded), and if equal at every stage, by lot.
- Rules 51 and 52, last vacancies: when the continuing candidates are no more
  than the seats left, they are all deemed elected and nothing more is
  transferred; a surplus still pending when every seat is filled is not
  transferred.

Arithmetic is exact: votes are ``Fraction``s whose only rounding is the
statute's five-decimal truncation of each transfer value, so any two correct
implementations of these rules agree to the last digit.

"By lot" needs a draw nobody can steer: the node has no returning officer, so
the lot is the nomination order (the earliest nominated is elected or has their
surplus moved first; the latest nominated is excluded), fixed before any vote
is cast. Such a stage is recorded with ``tie_broken="lot"`` (a tie settled by an
earlier stage says ``"history"``), so the published count shows where the
nomination order decided anything.

Plurality (one seat): most first preferences wins; a tie goes to the candidate
nominated first, and is recorded as ``tie_broken="lot"``.

Every stage is recorded, values as exact decimals (votes at its end, what moved
where, who was elected or excluded, non-transferable and lost value) so the count
can be published and checked by hand.
"""

from collections.abc import Sequence
from fractions import Fraction

import msgspec

PLACES = 10**5  # rule 48(3): transfer values to five decimal places


class Round(msgspec.Struct, frozen=True):
    """One stage of the count; values are exact decimals written as strings."""

    votes: dict[str, str]  # every candidate's votes at the end of the stage
    elected: list[str]
    excluded: list[str]
    exhausted: str  # non-transferable value so far
    # "history" or "lot" when this stage's choice was a tie, else "".
    tie_broken: str = ""
    # "first", "surplus", "exclusion" or "last vacancies"
    action: str = "first"
    source: str | None = None  # whose votes were transferred in this stage
    transfers: dict[str, str] = {}  # candidate -> value received in this stage
    lost: str = "0"  # value dropped by truncation so far


class Count(msgspec.Struct, frozen=True):
    method: str
    seats: int
    candidates: list[str]
    valid: int
    quota: int
    elected: list[str]
    rounds: list[Round]

    @property
    def tie_broken(self) -> bool:
        return any(r.tie_broken for r in self.rounds)

    @property
    def lot_drawn(self) -> bool:
        """Whether the nomination order decided anything (a tie at every stage)."""
        return any(r.tie_broken == "lot" for r in self.rounds)


def count(
    candidates: Sequence[str], ballots: Sequence[Sequence[str]], seats: int
) -> Count:
    if seats == 1:
        return plurality(candidates, ballots)
    return stv(candidates, ballots, seats)


def plurality(candidates: Sequence[str], ballots: Sequence[Sequence[str]]) -> Count:
    tally = dict.fromkeys(candidates, 0)
    for ranking in ballots:
        if ranking:
            tally[ranking[0]] += 1
    best = max(tally.values(), default=0)
    leaders = [c for c in candidates if tally[c] == best]
    valid = sum(tally.values())
    return Count(
        method="plurality",
        seats=1,
        candidates=list(candidates),
        valid=valid,
        quota=valid // 2 + 1,
        elected=leaders[:1],
        rounds=[
            Round(
                votes={c: str(v) for c, v in tally.items()},
                elected=leaders[:1],
                excluded=[],
                exhausted="0",
                tie_broken="lot" if len(leaders) > 1 else "",
            )
        ],
    )


def decimal(value: Fraction) -> str:
    """An exact count as people write it: every value here is a whole number of
    hundred-thousandths, so five decimal places are exact."""
    if value.denominator == 1:
        return str(value.numerator)
    if PLACES % value.denominator:
        return str(value)  # not reached by the rules; never round silently
    scaled = value.numerator * (PLACES // value.denominator)
    sign = "-" if scaled < 0 else ""
    whole, part = divmod(abs(scaled), PLACES)
    return f"{sign}{whole}.{part:05d}".rstrip("0")


def truncate(value: Fraction) -> Fraction:
    """``value`` to five decimal places, any remainder ignored (rule 48(3))."""
    return Fraction(value.numerator * PLACES // value.denominator, PLACES)


class _Paper:
    __slots__ = ("at", "ranking", "value")

    def __init__(self, ranking: list[str]) -> None:
        self.ranking = ranking
        self.at = 0  # index of the candidate holding it
        self.value = Fraction(1)

    @property
    def holder(self) -> str:
        return self.ranking[self.at]

    def move_on(self, continuing: set[str]) -> str | None:
        """Pass to the next available preference; None when non-transferable."""
        for q in range(self.at + 1, len(self.ranking)):
            if self.ranking[q] in continuing:
                self.at = q
                return self.ranking[q]
        return None


class _Stv:
    def __init__(
        self, candidates: Sequence[str], ballots: Sequence[Sequence[str]], seats: int
    ) -> None:
        self.candidates = list(candidates)
        self.order = {c: i for i, c in enumerate(candidates)}
        self.seats = seats
        self.papers = [_Paper(list(r)) for r in ballots if r]
        self.quota = len(self.papers) // (seats + 1) + 1
        self.votes = dict.fromkeys(candidates, Fraction(0))
        self.held: dict[str, list[_Paper]] = {c: [] for c in candidates}
        for paper in self.papers:
            self.votes[paper.holder] += paper.value
            self.held[paper.holder].append(paper)
        self.continuing = set(candidates)
        self.elected: list[str] = []
        self.pending: list[str] = []  # elected, surplus not yet transferred
        self.history: list[dict[str, Fraction]] = []
        self.rounds: list[Round] = []
        self.exhausted = Fraction(0)
        self.lost = Fraction(0)

    def run(self) -> Count:
        self._stage("first", None, {}, [], "")
        while len(self.elected) < self.seats and self.continuing:
            left = self.seats - len(self.elected)
            if len(self.continuing) <= left:  # rules 51-52
                last = sorted(self.continuing, key=self.order.__getitem__)
                self.continuing.clear()
                self.elected += last
                self._record("last vacancies", None, {}, last, [], "")
                break
            if self.pending:
                self._transfer_surplus()
            else:
                self._exclude()
        return Count(
            method="stv",
            seats=self.seats,
            candidates=self.candidates,
            valid=len(self.papers),
            quota=self.quota,
            elected=self.elected,
            rounds=self.rounds,
        )

    def _transfer_surplus(self) -> None:
        surplus = {c: self.votes[c] - self.quota for c in self.pending}
        source, how = self._pick(self.pending, surplus, highest=True)
        self.pending.remove(source)
        total = self.votes[source]
        received: dict[str, Fraction] = {}
        moved = Fraction(0)
        for paper in self.held[source]:
            value = truncate(paper.value * surplus[source] / total)
            target = paper.move_on(self.continuing)
            moved += value
            if target is None:
                self.exhausted += value
                continue
            paper.value = value
            self.held[target].append(paper)
            received[target] = received.get(target, Fraction(0)) + value
        self.held[source] = []
        self.lost += surplus[source] - moved
        self.votes[source] = Fraction(self.quota)
        for c, v in received.items():
            self.votes[c] += v
        self._stage("surplus", source, received, [], how)

    def _exclude(self) -> None:
        loser, how = self._pick(sorted(self.continuing), self.votes, highest=False)
        self.continuing.discard(loser)
        received: dict[str, Fraction] = {}
        for paper in self.held[loser]:
            target = paper.move_on(self.continuing)
            if target is None:
                self.exhausted += paper.value
                continue
            self.held[target].append(paper)
            received[target] = received.get(target, Fraction(0)) + paper.value
        self.held[loser] = []
        self.votes[loser] = Fraction(0)
        for c, v in received.items():
            self.votes[c] += v
        self._stage("exclusion", loser, received, [loser], how)

    def _stage(
        self,
        action: str,
        source: str | None,
        received: dict[str, Fraction],
        excluded: list[str],
        how: str,
    ) -> None:
        """End a stage: deem elected whoever reached the quota, and record it."""
        reached = [c for c in self.continuing if self.votes[c] >= self.quota]
        newly: list[str] = []
        while reached and len(self.elected) + len(newly) < self.seats:
            best, tie = self._pick(reached, self.votes, highest=True)
            how = how or tie
            reached.remove(best)
            newly.append(best)
        for c in newly:
            self.continuing.discard(c)
            if self.votes[c] > self.quota:
                self.pending.append(c)
        self.elected += newly
        self._record(action, source, received, newly, excluded, how)

    def _record(
        self,
        action: str,
        source: str | None,
        received: dict[str, Fraction],
        elected: list[str],
        excluded: list[str],
        how: str,
    ) -> None:
        self.history.append(dict(self.votes))
        self.rounds.append(
            Round(
                votes={c: decimal(self.votes[c]) for c in self.candidates},
                elected=elected,
                excluded=excluded,
                exhausted=decimal(self.exhausted),
                tie_broken=how,
                action=action,
                source=source,
                transfers={c: decimal(v) for c, v in sorted(received.items())},
                lost=decimal(self.lost),
            )
        )

    def _pick(
        self,
        among: Sequence[str],
        measure: dict[str, Fraction],
        *,
        highest: bool,
    ) -> tuple[str, str]:
        """The candidate with the most (or fewest) of ``measure``; a tie goes by
        the most recent earlier stage where the tied differed (rules 49, 50),
        then by lot (nomination order)."""
        sign = 1 if highest else -1
        best = max(sign * measure[c] for c in among)
        tied = [c for c in among if sign * measure[c] == best]
        if len(tied) == 1:
            return tied[0], ""
        for earlier in reversed(self.history):
            best = max(sign * earlier[c] for c in tied)
            narrowed = [c for c in tied if sign * earlier[c] == best]
            if len(narrowed) == 1:
                return narrowed[0], "history"
            tied = narrowed
        by_lot = min if highest else max
        return by_lot(tied, key=self.order.__getitem__), "lot"


def stv(
    candidates: Sequence[str], ballots: Sequence[Sequence[str]], seats: int
) -> Count:
    return _Stv(candidates, ballots, seats).run()
