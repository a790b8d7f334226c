"""Realistic generated co-op activity, for the demo, tests and benchmarks.

Everything is drawn from a seeded random generator, so the same seed always gives
the same co-op.
"""

import contextlib
import datetime as dt
import random
from uuid import UUID

from node.application import CoopNode
from node.errors import BalanceLimitExceeded, MembershipCapReached
from node.membership import Member

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


GOALS = [
    "I want to walk to the corner shop on my own again",
    "Get back to my allotment by the spring",
    "Cook a proper Sunday dinner for my grandchildren",
    "Go to the Thursday lunch club without worrying",
    "Manage my own tablets without mix-ups",
    "Have a bath when I want to, not when I can",
    "Sort out my benefits so the bills stop frightening me",
    "Feel less lonely in the evenings",
]
NOTES = ["all well", "tired today", "asked about her son", "kitchen needs a look"]
SERVICE_USER_CLASSES = ("service_user", "user")
DELIVERER_CLASSES = ("worker", "volunteer")


def generate_care(
    app: CoopNode, *, seed: int, start: dt.date, days: int = 365
) -> dict[str, int]:
    """A year of care from ``start`` among the co-op's admitted members: workforce,
    care plans with reviews, about weekly visits for each service user, incidents,
    time-bank transfers and volunteer expenses. Returns counts of what was made."""
    rng = random.Random(seed)
    end = start + dt.timedelta(days=days - 1)
    members = [m for m in app.members() if m.is_admitted]
    users = [m for m in members if m.member_class in SERVICE_USER_CLASSES]
    staff = [m for m in members if m.member_class in DELIVERER_CLASSES]
    if not users or not staff:
        return {}
    made = dict.fromkeys(("workers", "plans", "visits", "transfers", "claims"), 0)
    type_b = app.coop().profile.type_b
    for member in staff:
        if member.member_class != "worker":
            continue
        joined = max(start, member.admitted_on or start)
        disadvantaged = rng.random() < (0.4 if type_b else 0.1)
        worker_id = app.hire_worker(member.id, joined, disadvantaged)
        made["workers"] += 1
        if rng.random() < 0.2 and joined <= end:
            left = joined + dt.timedelta(days=rng.randrange(30, 300))
            app.worker_leaves(worker_id, "moved on", min(left, end))
    types = app.coop().profile.service_types
    for user in users:
        first = max(start, user.admitted_on or start)
        if first > end:
            continue
        goals = [
            (
                f"{rng.choice(GOALS)} ({user.address})",
                rng.randint(1, 6),
                rng.randint(1, 6),
            )
            for _ in range(rng.randint(1, 3))
        ]
        plan = app.open_care_plan(user.id, goals, first)
        made["plans"] += 1
        review = first + dt.timedelta(days=90)
        while review <= end:
            scores = [
                (_score(p + rng.randint(-1, 3)), _score(s + rng.randint(-1, 3)))
                for _, p, s in goals
            ]
            app.review_care_plan(plan, scores, f"reviewed with {user.name}", review)
            review += dt.timedelta(days=90)
        if rng.random() < 0.15:
            app.close_care_plan(plan, rng.choice(["goals_met", "moved_away"]), "", end)
        user_types = rng.sample(types, rng.randint(1, 3))
        day = first + dt.timedelta(days=rng.randrange(7))
        while day <= end:
            made["visits"] += 1
            when = dt.datetime.combine(day, dt.time(rng.randrange(8, 18)))
            visit = app.schedule_visit(
                user.id, when, user_types, user.address, f"for {user.name}"
            )
            roll = rng.random()
            if roll < 0.05:
                app.miss_visit(visit, rng.choice(["no_access", "staff_unavailable"]))
            elif roll < 0.1:
                app.cancel_visit(visit, "in_hospital", "", day)
            else:
                by = rng.choice(staff)
                note = f"{rng.choice(NOTES)}; {user.name} at {user.address}"
                minutes = rng.choice([30, 45, 60, 90, 120])
                app.deliver_visit(visit, by.id, when, minutes, notes=note)
                if rng.random() < 0.005:
                    kind = rng.choice(["incident", "safeguarding"])
                    incident = app.raise_incident(
                        kind, f"{user.name}: {rng.choice(NOTES)}", day, visit
                    )
                    if rng.random() < 0.7:
                        app.close_incident(incident, "resolved", day)
            day += dt.timedelta(days=7)
    made["transfers"], made["claims"] = _timebank(app, rng, users, staff, start, end)
    return made


def _score(value: int) -> int:
    return max(1, min(10, value))


def _timebank(
    app: CoopNode,
    rng: random.Random,
    users: list[Member],
    staff: list[Member],
    start: dt.date,
    end: dt.date,
) -> tuple[int, int]:
    """Volunteers earn time helping families and the co-op; families spend it on
    respite; volunteers claim their expenses."""
    volunteers = [m for m in staff if m.member_class == "volunteer"] or staff[:3]
    pool = app.open_pool_account(opened_on=start)
    accounts = {
        m.id: app.open_time_account(m.id, opened_on=start) for m in volunteers + users
    }
    transfers = claims = 0
    for _ in range(len(accounts) * 8):
        day = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
        giver = rng.choice(volunteers)
        if rng.random() < 0.6:
            payer, purpose = accounts[rng.choice(users).id], "respite"
        else:
            payer, purpose = pool, "volunteering"
        try:
            app.transfer_time(
                payer, accounts[giver.id], rng.choice([60, 90, 120, 180]), purpose,
                f"thanks from {giver.name}", day,
            )  # fmt: skip
            transfers += 1
        except BalanceLimitExceeded:
            pass  # refused, and nothing written: the bank's limits at work
    for volunteer in volunteers:
        for _ in range(rng.randint(1, 4)):
            day = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
            category = rng.choice(["travel", "childcare", "meals", "uniform"])
            amount = rng.randrange(300, 4000)
            claim = app.claim_expense(
                volunteer.id, category, amount, f"{category} for {volunteer.name}", day
            )
            claims += 1
            roll = rng.random()
            if roll < 0.1:
                app.reject_expense(claim, "no_receipt", "", min(day, end))
            elif roll < 0.85:
                decided = min(day + dt.timedelta(days=rng.randrange(1, 14)), end)
                app.approve_expense(claim, decided)
                if rng.random() < 0.8:
                    app.pay_expense(claim, decided)
    return transfers, claims
