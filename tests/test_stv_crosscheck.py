"""Our Scottish STV count against an independent one, stvpoll's STV poll (a
published PyPI package, unrelated to this code), on 1,300 seeded random
elections.

stvpoll keeps its own ballots, values, vote totals, exclusion choice, history
tie-break and results; its Scottish STV is set here to the letter of SSI 2007/42
where its defaults differ (each difference named with its rule):

- rule 48(3): a transfer value is value x surplus / total, truncated to five
  places (stvpoll rounds the ratio half-even);
- "next available preference" (rule 45) skips candidates deemed elected, so a
  surplus goes to continuing candidates only (stvpoll's serial transfer also
  feeds candidates elected in the same round);
- rules 47 and 49: each surplus transfer is a stage of its own, largest surplus
  first, after which whoever reached the quota is deemed elected;
- so that a ballot passed over an elected candidate is not counted for them
  again, each ballot remembers who holds it.

Elections where either count settled a tie are left out of the comparison (the
statute draws lots; we use nomination order, stvpoll its own random order): about
one in five; at least 1,000 are compared. The elections are built to be
hard: several candidates over quota at once, truncated ballots and near-ties.
"""

import random
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import Any

from stvpoll.abcs import PreferenceBallot, STVPollBase
from stvpoll.exceptions import IncompleteResult
from stvpoll.quotas import droop_quota
from stvpoll.types import SelectionMethod

from node.stv import stv

ELECTIONS = 1300


def _truncate(value: Fraction) -> Decimal:
    return Decimal(value.numerator * 10**5 // value.denominator) / Decimal(10**5)


def _to_continuing(
    ballots: Any,
    vote_count: dict[str, Decimal],
    transfers: tuple[str, ...],
    standing: tuple[str, ...],
    quota: int,
    decrease_value: bool,
) -> tuple[Counter[tuple[str, str]], Decimal, dict[str, Decimal]]:
    log: Counter[tuple[str, str]] = Counter()
    exhausted = Decimal(0)
    votes = dict(vote_count)
    (source,) = transfers
    total = Fraction(votes[source])
    for ballot in ballots:
        # stvpoll finds a ballot's holder from who is standing; once surpluses
        # skip elected candidates that is ambiguous, so each ballot here also
        # remembers who holds it.
        if ballot.holder != source:
            continue
        if decrease_value:
            ballot.multiplier = _truncate(
                Fraction(ballot.multiplier) * (total - quota) / total
            )
        target = ballot.get_next_preference(standing)
        ballot.holder = target
        if target is None:
            exhausted += ballot.value
        else:
            log[(source, target)] += ballot.value
            votes[target] = votes.get(target, Decimal(0)) + ballot.value
    votes[source] = Decimal(quota) if decrease_value else Decimal(0)
    return log, exhausted, votes


class StatuteScottishSTV(STVPollBase):
    def __init__(self, seats: int, candidates: list[str]) -> None:
        super().__init__(seats, candidates, droop_quota, random_in_tiebreaks=False)
        self.pending: list[str] = []
        self.transfer_strategy = _to_continuing

    def calculate(self) -> Any:
        self.initial_votes()
        try:
            self._deem_elected()
            self.do_rounds()
        except IncompleteResult:
            return None
        return self.result

    def calculate_round(self) -> None:
        standing = self.standing_candidates
        if len(standing) <= self.seats_to_fill:
            self.elect(standing, SelectionMethod.NoCompetition)
            return
        if self.pending:
            surplus = {c: self.get_current_votes(c) for c in self.pending}
            best = max(surplus.values())
            tied = tuple(c for c in self.pending if surplus[c] == best)
            if len(tied) > 1:
                raise IncompleteResult("equal surpluses")
            self.pending.remove(tied[0])
            self.transfer_votes(tied[0], decrease_value=True)
        else:
            loser, _ = self.get_candidate(most_votes=False)
            self.exclude(loser, SelectionMethod.Direct)
            self.transfer_votes(loser)
        self._deem_elected()

    def _deem_elected(self) -> None:
        reached = sorted(
            (
                c
                for c in self.standing_candidates
                if self.current_votes[c] >= self.quota
            ),
            key=lambda c: self.current_votes[c],
            reverse=True,
        )
        if len(reached) > self.seats_to_fill:
            cut = self.current_votes[reached[self.seats_to_fill]]
            if cut == self.current_votes[reached[self.seats_to_fill - 1]]:
                raise IncompleteResult("tie at the last seat")
            reached = reached[: self.seats_to_fill]
        if reached:
            self.elect(tuple(reached), SelectionMethod.Direct)
            self.pending += [c for c in reached if self.current_votes[c] > self.quota]


def reference(candidates: list[str], ballots: list[list[str]], seats: int) -> Any:
    poll = StatuteScottishSTV(seats, candidates)
    for ranking, n in Counter(tuple(b) for b in ballots).items():
        ballot = PreferenceBallot(ranking, n, poll.round)
        ballot.holder = ranking[0]  # type: ignore[attr-defined]
        poll.ballots.append(ballot)
    result = poll.calculate()
    if result is None or any(
        r.selection_method != SelectionMethod.Direct
        and r.selection_method != SelectionMethod.NoCompetition
        for r in result.rounds
    ):
        return None
    return set(result)


def random_election(rng: random.Random) -> tuple[list[str], list[list[str]], int]:
    n = rng.randint(3, 8)
    candidates = [f"c{i}" for i in range(n)]
    seats = rng.randint(2, n - 1)
    ballots: list[list[str]] = []
    # Blocs that put several candidates over quota at once, then noise.
    for _ in range(rng.randint(1, 4)):
        order = rng.sample(candidates, n)
        ballots += [order[: rng.randint(1, n)]] * rng.randint(3, 20)
    for _ in range(rng.randint(0, 30)):
        ballots.append(rng.sample(candidates, rng.randint(1, n)))  # truncated
    if rng.random() < 0.3:
        # A near-tie: two candidates' first preferences a ballot apart.
        a, b = rng.sample(candidates, 2)
        k = rng.randint(1, 6)
        ballots += [[a]] * k + [[b]] * (k + rng.choice((0, 1)))
    rng.shuffle(ballots)
    return candidates, ballots, seats


def test_scottish_stv_agrees_with_stvpoll_on_random_elections() -> None:
    rng = random.Random(20070042)
    compared = multi_winner_stages = skipped = 0
    for _ in range(ELECTIONS):
        candidates, ballots, seats = random_election(rng)
        ours = stv(candidates, ballots, seats)
        theirs = reference(candidates, ballots, seats)
        if ours.tie_broken or theirs is None:
            skipped += 1
            continue
        compared += 1
        multi_winner_stages += any(len(r.elected) > 1 for r in ours.rounds)
        assert set(ours.elected) == theirs, (candidates, ballots, seats)
        # And nominating in reverse elects the same people.
        assert set(stv(candidates[::-1], ballots, seats).elected) == theirs
    assert compared >= 1000, (compared, skipped)
    assert multi_winner_stages >= 100
