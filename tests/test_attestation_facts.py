"""An attestation's facts read from the consortium's views, on SQLite and
PostgreSQL alike: what a co-op's envelopes put there, and nothing of another
co-op's."""

import datetime as dt
from pathlib import Path

import msgspec

from federation.attestation import coop_facts, issue_attestation, verify
from federation.attestation_claims import ClosedBallot, findings
from federation.config import ConsortiumConfig
from federation.ingest import ConsortiumViews
from federation.registry import ConsortiumRegistry
from federation.rules_facts import HeldMeeting
from federation.statement_key import statement_public_key
from schemas import Payload
from schemas import care as c
from schemas import governance as g
from schemas import membership as m
from tests.keys import signed_message
from tests.streams import ChainWriter
from toolkit.config import StoreConfig

DAY = dt.date(2026, 1, 5)
RULES = g.BoardRules(board_size=3, seats={"worker": 2}, board_max={})


def send(views: ConsortiumViews, coop_id: str, payloads: list[Payload]) -> None:
    writer = ChainWriter(coop_id)
    messages = [
        signed_message(
            f"cw.coop.{coop_id}.{p.STREAM}",
            msgspec.json.encode(writer.next(p)),
            i,
        )
        for i, p in enumerate(payloads, start=1 if coop_id == "alpha" else 100)
    ]
    assert views.apply(messages).applied == len(payloads)


def test_facts_come_from_the_coops_own_envelopes(
    views: ConsortiumViews, tmp_path: Path
) -> None:
    founded = m.CoopFounded(
        name="Alpha Care",
        profile="italy_type_b",
        member_classes=["worker", "volunteer"],
        founded_on=DAY,
        membership_caps={"volunteer": "1/2"},
    )
    send(
        views,
        "alpha",
        [
            founded,
            *(
                m.MemberAdmitted(
                    member=f"{n:032x}", member_class="worker", admitted_on=DAY
                )
                for n in range(6)
            ),
            g.BallotClosed(
                ballot="a" * 32,
                kind="proposal",
                secret=False,
                threshold="ordinary",
                electorate_by_class={"worker": 6},
                voted_by_class={"worker": 4},
                quorate=True,
                passed=True,
                closed_on=DAY,
            ),
            g.BoardElected(
                ballot="b" * 32,
                board_by_class={"worker": 3},
                rules=RULES,
                elected_on=DAY,
            ),
            g.MeetingHeld(
                meeting="c" * 32,
                held_on=DAY,
                attending=2,
                electorate=6,
                quorum="1/10",
                quorate=True,
            ),
            *(
                c.WorkerJoined(disadvantaged=n < 2, type_b=True, joined_on=DAY)
                for n in range(6)
            ),
        ],
    )
    # Beta's node is older: its founding carried no caps (coop.founded/1).
    send(
        views,
        "beta",
        [msgspec.structs.replace(founded, name="Beta Care", membership_caps=None)],
    )
    with views.transaction() as cursor:
        alpha = coop_facts(cursor, "alpha", DAY)
        beta = coop_facts(cursor, "beta", DAY)
    assert alpha.members_by_class == {"worker": 6, "volunteer": 0}
    assert alpha.board_by_class == {"worker": 3}
    assert alpha.board_rules == RULES
    assert alpha.ballots == [ClosedBallot(DAY, True)]
    assert alpha.membership_caps == {"volunteer": "1/2"}
    assert alpha.meetings == [HeldMeeting(DAY, True)]
    assert alpha.workforce is not None
    assert (alpha.workforce.headcount, alpha.workforce.disadvantaged) == (6, 2)
    assert {f.claim.name: f.claim.holds for f in findings(alpha)} == {
        "board_within_rules": "false",
        "membership_caps_respected": "true",
        "general_meeting_quorate": "true",
        "member_classes_represented": "false",
        "type_b_share": "true",
    }
    # Beta shared its founding only: the rest is not shown, not taken as false.
    assert beta.members_by_class == {"worker": 0, "volunteer": 0}
    assert (beta.board_by_class, beta.board_rules, beta.workforce) == (None,) * 3
    assert beta.ballots == [] and beta.meetings == []
    assert beta.membership_caps is None
    assert [f.claim.holds for f in findings(beta)] == [
        "not_shown",
        "not_shown",
        "not_shown",
        "false",
        "not_shown",
    ]

    # Issued, the statement rests on alpha's chain to its 15th envelope.
    registry = ConsortiumRegistry(StoreConfig(path=str(tmp_path / "r.db")).env())
    registry.register("alpha", "Alpha Care Co-op", public_key="", unsigned_until=0)
    config = ConsortiumConfig(base_dir=str(tmp_path))
    try:
        attestation = issue_attestation(config, views, registry, "alpha")
    finally:
        registry.close()
    data = msgspec.json.encode(attestation)
    statement = verify(data, statement_public_key(config), "alpha")
    assert statement.chain_position == views.position("alpha") == 16
    assert statement.coop_name == "Alpha Care Co-op"
