"""The node closes a motion's ballot at its closing time by itself, once, also
when the time passed while it was down (real SQLite stores, a real broker)."""

import asyncio
import datetime as dt
import threading
from pathlib import Path
from uuid import UUID

import pytest

from federation.broker import NatsServer
from node.application import CoopNode
from node.ballots import Ballot
from node.closing import ClosingClock
from node.errors import BallotClosed
from node.service import NodeService
from tests.configs import node_config
from tests.waiting import wait_for
from toolkit.aggregates import ids_with
from toolkit.config import StoreConfig


def a_motion_voting(app: CoopNode, closes_at: dt.datetime) -> tuple[UUID, UUID]:
    voters = []
    for i in range(3):
        member = app.apply_for_membership(
            name=f"Voter {i}", email=f"v{i}@example.org", member_class="worker"
        )
        app.admit_member(member)
        voters.append(member)
    motion = app.draft_motion("Budget", "Adopt the budget.", voters[0], "ordinary")
    ballot = app.open_motion_vote(motion, closes_at)
    for voter, choice in zip(voters, ["for", "for", "against"], strict=True):
        app.cast_vote(ballot, voter, choice)
    return motion, ballot


def closings(app: CoopNode) -> int:
    return len(list(ids_with(app, Ballot.Closed.TOPIC)))


async def test_a_closing_time_passed_while_down_is_closed_at_start(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    config = node_config(
        "alpha", StoreConfig(path=str(tmp_path / "alpha.db")), [nats_server.url]
    )
    first = NodeService(config)
    first.found_if_new()
    closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    motion, ballot = a_motion_voting(first.coop_node, closes_at)
    await first.stop()  # down before its closing time

    await asyncio.sleep((closes_at - dt.datetime.now(dt.UTC)).total_seconds() + 0.2)
    second = NodeService(config)
    assert second.coop_node.ballot(ballot).is_open
    second.start()
    try:
        await wait_for(lambda: second.coop_node.motion(motion).counted, timeout=10)
        closed = second.coop_node.ballot(ballot)
        assert closed.status == "closed"
        assert closed.result is not None and closed.result["passed"]
        # Ticks go on: nothing closes twice.
        assert second.closing.tick() == []
        with pytest.raises(BallotClosed):
            second.coop_node.close_ballot(ballot)
        assert closings(second.coop_node) == 1
    finally:
        await second.stop()


async def test_a_running_node_closes_on_time(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    config = node_config(
        "alpha", StoreConfig(path=str(tmp_path / "alpha.db")), [nats_server.url]
    )
    service = NodeService(config)
    service.found_if_new()
    service.closing.interval = 0.2
    service.start()
    try:
        closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        motion, ballot = a_motion_voting(service.coop_node, closes_at)
        assert service.coop_node.ballot(ballot).is_open
        await wait_for(lambda: service.coop_node.motion(motion).counted, timeout=10)
        assert dt.datetime.now(dt.UTC) >= closes_at
        assert service.coop_node.ballot(ballot).status == "closed"
    finally:
        await service.stop()


def test_two_clocks_racing_close_a_ballot_once(tmp_path: Path) -> None:
    """Two processes' clocks on one store (a restart overlapping the old one)."""
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "alpha.db"),
        "SQLITE_LOCK_TIMEOUT": "10",
    }
    from node.rules import profile_named

    one = CoopNode("alpha", env)
    one.found_coop("Alpha", profile_named("uk_multi_stakeholder"))
    closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    motion, _ = a_motion_voting(one, closes_at)
    other = CoopNode("alpha", env)
    after = closes_at + dt.timedelta(seconds=1)
    assert (
        ClosingClock(one, clock=lambda: closes_at - dt.timedelta(seconds=1)).tick()
        == []
    )
    counted: list[list[UUID]] = []
    threads = [
        threading.Thread(
            target=lambda app=app: counted.append(
                ClosingClock(app, clock=lambda: after).tick()
            )
        )
        for app in (one, other)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(c) for c in counted) == [0, 1]
    assert closings(one) == 1
    assert one.motion(motion).counted
    one.close()
    other.close()
