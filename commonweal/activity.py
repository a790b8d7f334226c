"""Realistic generated co-op activity, for the demo, tests and benchmarks.

Everything is drawn from a seeded random generator, so the same seed always gives
the same co-op.
"""

import contextlib
import datetime as dt
import random
from uuid import UUID

from node.application import CoopNode
from node.errors import MembershipCapReached

FIRST_NAMES = [
    "Aisha", "Bernard", "Chiara", "Deepa", "Eileen", "Farid", "Giulia", "Harold",
    "Ines", "Jamal", "Kerry", "Luca", "Maureen", "Nadia", "Owen", "Priya",
    "Rosa", "Sanjay", "Tomasz", "Ursula", "Vera", "Winston", "Yusuf", "Zofia",
]  # fmt: skip
SURNAMES = [
    "Ahmed", "Bianchi", "Campbell", "Dlamini", "Evans", "Ferrari", "Gallagher",
    "Hussain", "Jones", "Kowalski", "Lombardi", "Murphy", "Novak", "Okafor",
    "Patel", "Rossi", "Singh", "Tremblay", "Walsh", "Zhang",
]  # fmt: skip
STREETS = ["Mill Lane", "Church Street", "Via Roma", "Rue Principale", "Station Road"]


class MemberGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serial = 0

    def person(self) -> dict[str, str]:
        self.serial += 1
        first = self.rng.choice(FIRST_NAMES)
        last = self.rng.choice(SURNAMES)
        return {
            "name": f"{first} {last}",
            "email": f"{first}.{last}.{self.serial}@example.org".lower(),
            "phone": f"07{self.rng.randrange(100_000_000, 999_999_999)}",
            "address": f"{self.rng.randrange(1, 200)} {self.rng.choice(STREETS)}",
        }


def generate_membership(
    app: CoopNode,
    *,
    members: int,
    seed: int,
    start: dt.date,
    days: int = 540,
) -> list[UUID]:
    """Members join over ``days`` from ``start``; some buy shares, change class or
    leave. Returns the ids of every applicant, admitted or not."""
    gen = MemberGenerator(seed)
    rng = gen.rng
    classes = app.coop().profile.class_names
    weights = [4, 3, 2, 1, 1, 1][: len(classes)]
    end = start + dt.timedelta(days=days)
    ids = []
    days_in = sorted(rng.randrange(days) for _ in range(members))
    for offset in days_in:
        joined = start + dt.timedelta(days=offset)
        member_id = app.apply_for_membership(
            member_class=rng.choices(classes, weights)[0],
            applied_on=joined,
            **gen.person(),
        )
        ids.append(member_id)
        if rng.random() < 0.05:
            continue  # still applying: the board has not met yet
        admitted = joined + dt.timedelta(days=rng.randrange(1, 21))
        try:
            app.admit_member(member_id, admitted)
        except MembershipCapReached:
            continue  # the class is full under the co-op's rules: left applying

        if rng.random() < 0.7:
            app.buy_shares(member_id, rng.choice([100, 500, 1000, 2500]), admitted)
        if rng.random() < 0.1:
            others = [c for c in classes if c != app.member(member_id).member_class]
            changed = min(admitted + dt.timedelta(days=30), end)
            with contextlib.suppress(MembershipCapReached):
                app.change_member_class(member_id, rng.choice(others), changed)
        if rng.random() < 0.12:
            left = admitted + dt.timedelta(days=rng.randrange(31, 200))
            app.withdraw_member(member_id, min(left, end))
    return ids


PROPOSALS = [
    ("Adopt the annual accounts", "ordinary", False),
    ("Raise the time-bank hour rate for night visits", "ordinary", True),
    ("Amend the rules to add a carers' class", "two_thirds", True),
]


def generate_governance(app: CoopNode, *, seed: int, day: dt.date) -> list[UUID]:
    """A general meeting on ``day``: a few proposal ballots (some secret) and one
    secret board election with every constituency that has members. Turnout and
    choices are drawn per member. Returns the ballot ids, all closed."""
    rng = random.Random(seed)
    profile = app.coop().profile
    members = [m for m in app.members() if m.is_admitted]
    ballots: list[UUID] = []
    if not members:
        return ballots
    for title, threshold, secret in PROPOSALS:
        ballot_id = app.open_ballot(
            title, threshold=threshold, secret=secret, opened_on=day
        )
        support = rng.uniform(0.4, 0.9)
        turnout = rng.uniform(0.05, 0.8)
        for member in members:
            if rng.random() < turnout:
                choice = rng.choices(
                    ["for", "against", "abstain"], [support, 1 - support, 0.1]
                )[0]
                app.cast_vote(ballot_id, member.id, choice)
        app.close_ballot(ballot_id, day)
        ballots.append(ballot_id)
    candidates: dict[str, list[UUID]] = {}
    for name, seats in profile.board_seats.items():
        pool = [m.id for m in members if m.member_class == name]
        if pool:
            candidates[name] = rng.sample(pool, min(len(pool), seats + 2))
    if candidates:
        election = app.open_election("Board election", candidates, opened_on=day)
        for member in members:
            running = candidates.get(member.member_class)
            if running is None or rng.random() < 0.3:
                continue
            seats = profile.board_seats[member.member_class]
            ranked = 1 if seats == 1 else rng.randint(1, min(3, len(running)))
            ranking = rng.sample(running, ranked)
            app.cast_vote(election, member.id, ranking)
        app.close_ballot(election, day)
        ballots.append(election)
    return ballots
