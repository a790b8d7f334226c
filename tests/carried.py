"""A motion carried by every member voting for it: what a binding decision (a
rules amendment, a spin-off approval) must name."""

import datetime as dt
from uuid import UUID

from node.application import CoopNode


def carried_motion(app: CoopNode, kind: str, title: str = "Carried") -> UUID:
    now = dt.datetime.now(dt.UTC)
    proposer = next(m.id for m in app.members() if m.is_admitted)
    motion = app.draft_motion(title, "As the board proposes.", proposer, kind)
    ballot = app.open_motion_vote(motion, now + dt.timedelta(minutes=1), now=now)
    for member in app.roll(ballot).electorate:
        app.cast_vote(ballot, UUID(member), "for")
    assert app.close_due(now + dt.timedelta(minutes=2)) == [motion]
    return motion
