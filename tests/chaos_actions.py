"""The random commands chaos nodes perform; each may be refused (DomainError)."""

import datetime as dt
import random
from collections.abc import Callable

from commonweal.sample_activity import MemberGenerator
from node.application import CoopNode

Action = Callable[[CoopNode, random.Random], None]
DAY = dt.date(2026, 6, 1)


def _someone(app: CoopNode, rng: random.Random, status: str) -> object | None:
    candidates = [m for m in app.members() if m.status == status]
    return rng.choice(candidates).id if candidates else None


def join(app: CoopNode, rng: random.Random) -> None:
    person = MemberGenerator(rng.randrange(1 << 30)).person()
    classes = app.coop().profile.class_names
    member_id = app.apply_for_membership(
        member_class=rng.choice(classes), applied_on=DAY, **person
    )
    if rng.random() < 0.9:
        app.admit_member(member_id, DAY)


def change_class(app: CoopNode, rng: random.Random) -> None:
    member_id = _someone(app, rng, "admitted")
    if member_id is not None:
        app.change_member_class(
            member_id, rng.choice(app.coop().profile.class_names), DAY
        )


def withdraw(app: CoopNode, rng: random.Random) -> None:
    member_id = _someone(app, rng, "admitted")
    if member_id is not None and rng.random() < 0.3:
        app.withdraw_member(member_id, DAY)


def buy_shares(app: CoopNode, rng: random.Random) -> None:
    member_id = _someone(app, rng, "admitted")
    if member_id is not None:
        app.buy_shares(member_id, rng.choice([100, 250, 1000]), DAY)


def open_ballot(app: CoopNode, rng: random.Random) -> None:
    if not any(b.status == "open" for b in app.ballots()):
        app.open_ballot(f"Motion {rng.randrange(1000)}", secret=rng.random() < 0.5)


def vote(app: CoopNode, rng: random.Random) -> None:
    ballots = [b for b in app.ballots() if b.status == "open"]
    voter = _someone(app, rng, "admitted")
    if ballots and voter is not None:
        choice = rng.choice(["for", "against", "abstain"])
        app.cast_vote(ballots[0].id, voter, choice)  # type: ignore[arg-type]


def close_ballot(app: CoopNode, rng: random.Random) -> None:
    ballots = [b for b in app.ballots() if b.status == "open"]
    if ballots and rng.random() < 0.3:
        app.close_ballot(ballots[0].id)


def visit(app: CoopNode, rng: random.Random) -> None:
    user, worker = _someone(app, rng, "admitted"), _someone(app, rng, "admitted")
    if user is None or worker is None:
        return
    types = list(app.coop().profile.service_types)
    when = dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)
    visit_id = app.schedule_visit(user, when, [rng.choice(types)])  # type: ignore[arg-type]
    if rng.random() < 0.85:
        app.deliver_visit(visit_id, worker, when, rng.choice([30, 45, 60, 90]))  # type: ignore[arg-type]
    else:
        app.miss_visit(visit_id, "no_access", "", DAY)


def transfer(app: CoopNode, rng: random.Random) -> None:
    payer, payee = _someone(app, rng, "admitted"), _someone(app, rng, "admitted")
    if payer is None or payee is None or payer == payee:
        return
    accounts = {a.owner for a in app.time_accounts()}
    for member in (payer, payee):
        if member not in accounts:
            app.open_time_account(member, opened_on=DAY)  # type: ignore[arg-type]
    app.transfer_time(
        app.time_account_of(payer).id,  # type: ignore[arg-type]
        app.time_account_of(payee).id,  # type: ignore[arg-type]
        rng.choice([30, 60, 120]),
        "volunteering",
        on=DAY,
    )


ACTIONS: list[Action] = [
    visit, visit, transfer, transfer,
    join, join, join, change_class, withdraw, buy_shares,
    open_ballot, vote, vote, vote, close_ballot,
]  # fmt: skip
