"""Governance over the whole path: secrecy in the node store and on the stream, and
the consortium report equal to each node's results after a broker outage."""

import datetime as dt
import json
from collections.abc import Callable
from uuid import UUID

import msgspec

from federation.broker import NatsServer
from federation.service import ConsortiumService
from node.ballots import BallotBox, Roll
from node.rules import profile_named
from node.service import NodeService
from tests.carried import carried_motion
from tests.streams import stream_envelopes, stream_messages
from tests.truth import governance_truth, reported_governance
from tests.waiting import wait_until_caught_up

DAY = dt.date(2026, 6, 1)
SHARE = ["membership", "governance"]
NodeFactory = Callable[..., NodeService]
ConsortiumFactory = Callable[..., ConsortiumService]


def admit(node: NodeService, member_class: str, n: int) -> list[UUID]:
    ids = []
    for i in range(n):
        m = node.coop_node.apply_for_membership(
            name=f"Voter {member_class} {i}",
            email=f"{member_class}{i}@example.org",
            member_class=member_class,
        )
        node.coop_node.admit_member(m, DAY)
        ids.append(m)
    return ids


async def test_no_stored_record_or_stream_message_ties_a_voter_to_a_choice(
    nats_server: NatsServer, make_node: NodeFactory, make_consortium: ConsortiumFactory
) -> None:
    consortium = make_consortium([nats_server.url])
    node = make_node("alpha", [nats_server.url], share=SHARE)
    app = node.coop_node
    workers = admit(node, "worker", 6)
    users = admit(node, "service_user", 4)
    everyone = workers + users
    ballot = app.open_ballot("Merge", secret=True, opened_on=DAY)
    secrets = {}
    for i, voter in enumerate(everyone[:-1]):
        if voter == workers[1]:
            continue  # votes by proxy below
        secrets[voter] = app.cast_vote(ballot, voter, ["for", "against"][i % 2])
    app.appoint_proxy(ballot, workers[1], workers[2])
    secrets[workers[1]] = app.cast_vote(
        ballot, workers[2], "abstain", for_member=workers[1]
    )
    app.replace_secret_vote(ballot, workers[0], secrets[workers[0]], "against")
    app.close_ballot(ballot, DAY)
    election = app.open_election("Board", {"worker": workers[:4]}, opened_on=DAY)
    for i, voter in enumerate(workers):
        app.cast_vote(election, voter, [workers[i % 4], workers[(i + 1) % 4]])
    app.close_ballot(election, DAY)
    node.replicator.wake()
    await wait_until_caught_up([node], consortium)

    ids = {str(m) for m in everyone} | {m.hex for m in everyone}
    receipts = set(app._box(ballot).ballots) | set(app._box(election).ballots)
    assert len(receipts) == len(everyone) - 1 + len(workers)
    # Every record in the node's store, raw as stored.
    records = app.recorder.select_notifications(start=1, limit=100_000)
    box_topics = {c.TOPIC for c in vars(BallotBox).values() if hasattr(c, "TOPIC")}
    roll_topics = {c.TOPIC for c in vars(Roll).values() if hasattr(c, "TOPIC")}
    tying = []
    day_stamps = set()
    for record in records:
        text = record.state.decode()
        state = json.loads(text)
        # In an election the choice names candidates, who are members too: what
        # must never be there is the member who voted, so look outside it.
        outside_choice = json.dumps({k: v for k, v in state.items() if k != "choice"})
        names_a_member = any(i in outside_choice for i in ids)
        names_a_ballot = any(r in text for r in receipts) or record.topic in box_topics
        if names_a_member and names_a_ballot:
            tying.append(record.topic)
        if record.topic in roll_topics:
            assert '"choice"' not in text or record.topic == Roll.VoteCast.TOPIC
        if record.topic in (Roll.Marked.TOPIC, BallotBox.Deposited.TOPIC):
            day_stamps.add(state["timestamp"]["_data_"])
    assert tying == []
    assert not any(r.topic == Roll.VoteCast.TOPIC for r in records)  # all secret
    # Marks and ballots carry the same day-long timestamp: time cannot pair them.
    assert len(day_stamps) == 1 and next(iter(day_stamps)).endswith("00:00:00+00:00")
    # The closed proposal's tally names no member at all.
    assert not any(i in json.dumps(app.ballot(ballot).result) for i in ids)

    messages = await stream_messages(nats_server.url)
    pseudonyms = {node.policy.pseudonym(m) for m in everyone}
    stream_text = b"\n".join(data for _, data in messages).decode()
    assert [i for i in ids | receipts if i in stream_text] == []
    governance = [
        e
        for e in await stream_envelopes(nats_server.url)
        if e.schema.startswith(("ballot.", "board."))
    ]
    assert {e.schema for e in governance} == {"ballot.closed/1", "board.elected/1"}
    for envelope in governance:
        payload = json.loads(bytes(envelope.payload))
        assert not pseudonyms & set(json.dumps(payload).split('"'))
        assert "choice" not in payload
    assert len(consortium.report().governance.coops) == 1


async def test_consortium_report_equals_node_results_after_a_broker_outage(
    nats_server: NatsServer, make_node: NodeFactory, make_consortium: ConsortiumFactory
) -> None:
    consortium = make_consortium([nats_server.url])
    alpha = make_node("alpha", [nats_server.url], share=SHARE)
    beta = make_node(
        "beta", [nats_server.url], profile="somerset_weighted", share=SHARE
    )
    a_workers = admit(alpha, "worker", 8)
    a_users = admit(alpha, "service_user", 5)
    b_workers = admit(beta, "worker", 5)
    b_users = admit(beta, "service_user", 6)
    b_investors = admit(beta, "investor", 3)
    first = alpha.coop_node.open_ballot("Accounts", opened_on=DAY)
    secret = beta.coop_node.open_ballot(
        "Merge", threshold="three_quarters", secret=True
    )
    election = beta.coop_node.open_election(
        "Board", {"worker": b_workers[:4], "investor": b_investors[:2]}
    )
    for v in a_workers[:4]:
        alpha.coop_node.cast_vote(first, v, "for")
    for v in b_workers[:2]:
        beta.coop_node.cast_vote(secret, v, "for")
    await wait_until_caught_up([alpha, beta], consortium)

    nats_server.kill()  # in the middle of voting: the co-ops carry on
    for v in a_workers[4:] + a_users:
        alpha.coop_node.cast_vote(first, v, "against")
    alpha.coop_node.close_ballot(first, DAY)
    unquorate = alpha.coop_node.open_ballot("Nobody came", opened_on=DAY)
    alpha.coop_node.cast_vote(unquorate, a_users[0], "for")
    alpha.coop_node.close_ballot(unquorate, DAY)
    for v in b_users + b_investors:
        beta.coop_node.cast_vote(secret, v, "for")
    beta.coop_node.close_ballot(secret, DAY)
    for i, v in enumerate(b_workers):
        beta.coop_node.cast_vote(
            election, v, [b_workers[i % 4], b_workers[(i + 2) % 4]]
        )
    beta.coop_node.cast_vote(election, b_investors[0], [b_investors[1]])
    beta.coop_node.close_ballot(election, DAY)
    assert not alpha.caught_up and not beta.caught_up

    nats_server.start()
    await wait_until_caught_up([alpha, beta], consortium, timeout=30)
    report = consortium.report()
    for node in (alpha, beta):
        assert reported_governance(report, node.config.coop_id) == governance_truth(
            node.coop_node
        )
    assert reported_governance(report, "alpha")["turnout_by_class"] == {
        "service_user": (2 * 5, 5 + 1),
        "supporter": (0, 0),
        "volunteer": (0, 0),
        "worker": (2 * 8, 8),
    }
    assert reported_governance(report, "beta")["board_by_class"] == {
        "worker": 3,
        "investor": 1,
    }
    gov = report.governance
    assert (gov.ballots, gov.quorate, gov.quorate_share) == (4, 3, 0.75)
    assert gov.out_of_compliance == []

    # Beta amends its rules to two worker seats: its board of three workers is now
    # out of compliance, and the consortium says so.
    fewer = msgspec.structs.replace(
        profile_named("somerset_weighted"),
        member_classes=tuple(
            msgspec.structs.replace(c, board_seats=2) if c.name == "worker" else c
            for c in profile_named("somerset_weighted").member_classes
        ),
    )
    motion = carried_motion(beta.coop_node, "rules_amendment")
    beta.coop_node.amend_rules(fewer, DAY, motion_id=motion)
    beta.replicator.wake()
    await wait_until_caught_up([alpha, beta], consortium)
    gov = consortium.report().governance
    assert gov.out_of_compliance == ["beta"]
    assert gov.coops[1].breaches == ["worker holds 3 seats; rules give 2"]
