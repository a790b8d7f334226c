"""The random commands chaos nodes perform; each may be refused (DomainError)."""

import datetime as dt
import random
from collections.abc import Callable

from commonweal.activity import MemberGenerator
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


ACTIONS: list[Action] = [join, join, join, change_class, withdraw, buy_shares]
