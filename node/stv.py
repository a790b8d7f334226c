"""Counting an election in one constituency: single transferable vote for several
seats, plurality for one.

STV rules, exact with fractions:
- Quota (Droop): floor(valid ballots / (seats + 1)) + 1; a ballot is valid when it
  ranks at least one candidate.
- Each round counts every ballot's current value for its highest-ranked continuing
  candidate. If the continuing candidates are no more than the seats left, all are
  elected. Otherwise every candidate at or above the quota is elected; the transfer
  value of each is (their votes - quota) / their votes, taken at the start of the
  round. Their surpluses are passed on one candidate at a time in nomination order:
  every ballot they hold goes on to its next continuing preference at its current
  value times the transfer value (weighted inclusive Gregory). A ballot that moves to
  another candidate elected in the same round moves on again with that candidate's
  surplus, at their transfer value.
- If nobody reaches the quota, the candidate with fewest votes is excluded and all
  their ballots move on at full current value. A tie for fewest is broken by the
  votes of the tied candidates at the most recent earlier round where they differed;
  still tied, the one nominated last is excluded (recorded as ``tie_broken``).
- Ballots with no continuing preference left are exhausted.

Plurality (one seat): most first preferences wins; a tie goes to the candidate
nominated first, and is recorded as ``tie_broken``.
"""

from collections.abc import Sequence
from fractions import Fraction

import msgspec


class Round(msgspec.Struct, frozen=True):
    votes: dict[str, str]  # continuing candidates' votes at the start of the round
    elected: list[str]
    excluded: list[str]
    exhausted: str
    tie_broken: bool = False


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
                tie_broken=len(leaders) > 1,
            )
        ],
    )


def stv(
    candidates: Sequence[str], ballots: Sequence[Sequence[str]], seats: int
) -> Count:
    order = {c: i for i, c in enumerate(candidates)}
    papers = [list(r) for r in ballots if r]
    valid = len(papers)
    quota = valid // (seats + 1) + 1
    # Each ballot: where it sits (index into its ranking, None when exhausted) and
    # its current value.
    position: list[int | None] = [0] * valid
    value = [Fraction(1)] * valid
    continuing = list(candidates)
    elected: list[str] = []
    rounds: list[Round] = []
    history: list[dict[str, Fraction]] = []
    exhausted = Fraction(0)

    def move_on(i: int) -> None:
        nonlocal exhausted
        ranking, p = papers[i], position[i]
        assert p is not None
        for q in range(p + 1, len(ranking)):
            if ranking[q] in continuing:
                position[i] = q
                return
        position[i] = None
        exhausted += value[i]

    while len(elected) < seats and continuing:
        votes = dict.fromkeys(continuing, Fraction(0))
        for i, p in enumerate(position):
            if p is not None:
                votes[papers[i][p]] += value[i]
        history.append(votes)
        tie_broken = False
        excluded: list[str] = []
        if len(continuing) <= seats - len(elected):
            winners = list(continuing)
            factors = dict.fromkeys(winners, Fraction(0))
        else:
            winners = [c for c in continuing if votes[c] >= quota]
            factors = {c: (votes[c] - quota) / votes[c] for c in winners}
        if winners:
            winners.sort(key=order.__getitem__)
            for c in winners:
                continuing.remove(c)
                elected.append(c)
                for i, p in enumerate(position):
                    if p is not None and papers[i][p] == c:
                        value[i] *= factors[c]
                        move_on(i)
        else:
            loser, tie_broken = _lowest(continuing, history, order)
            excluded = [loser]
            continuing.remove(loser)
            for i, p in enumerate(position):
                if p is not None and papers[i][p] == loser:
                    move_on(i)
        rounds.append(
            Round(
                votes={c: str(v) for c, v in votes.items()},
                elected=winners,
                excluded=excluded,
                exhausted=str(exhausted),
                tie_broken=tie_broken,
            )
        )
    return Count(
        method="stv",
        seats=seats,
        candidates=list(candidates),
        valid=valid,
        quota=quota,
        elected=elected,
        rounds=rounds,
    )


def _lowest(
    continuing: list[str], history: list[dict[str, Fraction]], order: dict[str, int]
) -> tuple[str, bool]:
    low = min(history[-1][c] for c in continuing)
    tied = [c for c in continuing if history[-1][c] == low]
    if len(tied) == 1:
        return tied[0], False
    for earlier in reversed(history[:-1]):
        low = min(earlier.get(c, Fraction(0)) for c in tied)
        tied = [c for c in tied if earlier.get(c, Fraction(0)) == low]
        if len(tied) == 1:
            return tied[0], True
    return max(tied, key=order.__getitem__), True
