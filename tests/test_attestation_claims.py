"""Each claim of an attestation, true, false and not shown, from facts alone; and
what a signed statement survives (reformatting) and what it does not (a changed
claim, figure or co-op, another consortium's key, a cut-off file)."""

import datetime as dt
import json

import msgspec
import pytest

from federation.attestation import (
    AttestationInvalid,
    attestation_file,
    sign,
    verify,
)
from federation.attestation_claims import (
    ClosedBallot,
    CoopFacts,
    board_claim,
    build_statement,
    classes_claim,
    meeting_claim,
    membership_caps_claim,
    months_before,
    type_b_claim,
)
from federation.credentials import new_user_seed
from federation.rules_facts import HeldMeeting
from federation.workforce import CoopWorkforce
from schemas.attestation import Attestation
from schemas.governance import BoardRules
from toolkit.signing import Signer

AS_OF = dt.date(2026, 11, 30)
RULES = BoardRules(
    board_size=7,
    seats={"worker": 3, "service_user": 2, "supporter": 1, "investor": 1},
    board_max={"investor": 1},
)


def facts(**changes: object) -> CoopFacts:
    base = CoopFacts(
        as_of=AS_OF,
        members_by_class={"worker": 8, "service_user": 6, "supporter": 5},
        board_by_class={"worker": 3, "service_user": 2, "investor": 1},
        board_rules=RULES,
        ballots=[ClosedBallot(dt.date(2026, 5, 1), True)],
        workforce=None,
        membership_caps={"supporter": "1/2"},
        meetings=[HeldMeeting(dt.date(2026, 5, 1), True)],
    )
    return msgspec.structs.replace(base, **changes)


def workforce(type_b: bool, headcount: int, disadvantaged: int) -> CoopWorkforce:
    share = round(disadvantaged / headcount, 4) if headcount else None
    return CoopWorkforce(
        coop_id="alpha",
        type_b=type_b,
        headcount=headcount,
        disadvantaged=disadvantaged,
        disadvantaged_share=share,
        meets_type_b_target=(share is not None and share >= 0.3) if type_b else None,
        joiners_12m=headcount,
        leavers_12m=0,
        turnover_annualised=None,
    )


def test_a_board_within_its_rules_holds_and_one_beyond_them_does_not() -> None:
    good = board_claim(facts()).claim
    assert good.holds == "true"
    assert "Worker: 3 seats held; the rules give 3 seats" in good.figures
    assert "Investor: 1 seat held; the rules give 1 seat, at most 1" in good.figures
    bad = board_claim(facts(board_by_class={"worker": 4, "investor": 2})).claim
    assert bad.holds == "false"
    assert "out of its rules: worker holds 4 seats; rules give 3" in bad.figures
    assert "out of its rules: investor holds 2 seats; at most 1" in bad.figures
    unshared = board_claim(facts(board_by_class=None, board_rules=None))
    assert unshared.claim.holds == "not_shown"
    assert "no board election" in unshared.scope


def test_membership_caps_hold_until_a_class_is_above_its_cap() -> None:
    within = membership_caps_claim(facts()).claim
    assert within.holds == "true"
    assert within.figures == ["Supporter: 5 of 19 members; the cap is 1/2"]
    # Exactly at the cap is within it; one more member is not.
    at_cap = facts(members_by_class={"worker": 3, "supporter": 3})
    assert membership_caps_claim(at_cap).claim.holds == "true"
    above = membership_caps_claim(
        facts(members_by_class={"worker": 3, "supporter": 4})
    ).claim
    assert above.holds == "false"
    # Counts below 5 leave the consortium as "<5", the verdict does not change.
    assert above.figures == ["Supporter: <5 of 7 members; the cap is 1/2: above it"]
    none = membership_caps_claim(facts(membership_caps={})).claim
    assert none.holds == "not_applicable"
    old_node = membership_caps_claim(facts(membership_caps=None))
    assert old_node.claim.holds == "not_shown"
    assert "before caps were part of them" in old_node.scope
    silent = membership_caps_claim(facts(members_by_class=None))
    assert silent.claim.holds == "not_shown"


def test_a_quorate_meeting_within_fifteen_months_holds_and_an_older_one_not() -> None:
    assert months_before(AS_OF, 15) == dt.date(2025, 8, 30)
    assert months_before(dt.date(2026, 5, 31), 15) == dt.date(2025, 2, 28)
    recent = meeting_claim(facts()).claim
    assert recent.holds == "true"
    assert "last quorate general meeting held on 2026-05-01" in recent.figures
    old = [HeldMeeting(dt.date(2025, 8, 30), True), HeldMeeting(AS_OF, False)]
    stale = meeting_claim(facts(meetings=old)).claim
    assert stale.holds == "false"
    assert stale.figures == [
        "general meetings held from 2025-08-31 to 2026-11-30: 1, of which quorate: 0",
        "members' ballots closed from 2025-08-31 to 2026-11-30: 1, of which quorate: 1",
    ]
    # A quorate ballot is not a general meeting.
    assert meeting_claim(facts(meetings=[])).claim.holds == "false"
    # A node that predates shared meetings (and caps) may hold them unrecorded.
    silent = meeting_claim(facts(meetings=[], membership_caps=None))
    assert silent.claim.holds == "not_shown"


def test_every_class_with_members_holds_and_an_empty_class_does_not() -> None:
    every = classes_claim(facts()).claim
    assert every.holds == "true"
    # Small counts are suppressed: the statement leaves the consortium.
    empty = classes_claim(
        facts(members_by_class={"worker": 8, "supporter": 0, "investor": 3})
    ).claim
    assert empty.holds == "false"
    assert empty.figures == [
        "Investor: <5 members",
        "Supporter: <5 members",
        "Worker: 8 members",
    ]
    assert classes_claim(facts(members_by_class=None)).claim.holds == "not_shown"


def test_the_type_b_share_holds_fails_or_does_not_apply() -> None:
    met = type_b_claim(facts(workforce=workforce(True, 20, 7))).claim
    assert met.holds == "true"
    assert "share: 35%; the target is 30%" in met.figures
    short = type_b_claim(facts(workforce=workforce(True, 20, 5))).claim
    assert short.holds == "false"
    few = type_b_claim(facts(workforce=workforce(True, 6, 2))).claim
    assert few.holds == "true"
    assert "from disadvantaged groups: <5" in few.figures
    assert not any(f.startswith("share:") for f in few.figures)
    other = type_b_claim(facts(workforce=workforce(False, 20, 0))).claim
    assert other.holds == "not_applicable"
    assert type_b_claim(facts()).claim.holds == "not_shown"


def statement_file(signer: Signer, coop_id: str = "alpha") -> bytes:
    statement = build_statement(
        consortium="Northern Consortium",
        consortium_key=signer.public_key,
        coop_id=coop_id,
        coop_name=f"{coop_id.title()} Care Co-op",
        issued_at=dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
        chain_position=42,
        unsigned_until=3,
        facts=facts(),
    )
    return attestation_file(sign(statement, signer))


def test_a_signed_statement_checks_and_says_what_it_does_not_cover() -> None:
    signer = Signer(new_user_seed())
    data = statement_file(signer)
    statement = verify(data, signer.public_key, coop_id="alpha")
    assert statement.coop_name == "Alpha Care Co-op"
    assert [c.holds for c in statement.claims] == [
        "true",
        "true",
        "true",
        "true",
        "not_shown",
    ]
    uncovered = " ".join(statement.does_not_cover)
    assert "Membership caps" not in uncovered and "Type B share" in uncovered
    assert "envelopes 1 to 3" in uncovered
    assert "chain of 42 envelopes" in statement.covers[0]
    # Laid out anew (an editor's indent, keys in another order), it still checks.
    relaid = json.dumps(json.loads(data), indent=4, sort_keys=True).encode()
    assert verify(relaid, signer.public_key) == statement


def altered(data: bytes, change: object) -> bytes:
    document = json.loads(data)
    change(document["statement"])  # type: ignore[operator]
    return json.dumps(document, indent=2).encode()


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s["claims"][0].update(holds="false"),  # a claim
        lambda s: s["claims"][0]["figures"].__setitem__(0, "board of 5 seats"),
        lambda s: s.update(coop_id="beta"),  # the co-op it is about
        lambda s: s.update(as_of="2027-01-01"),
        lambda s: s["does_not_cover"].pop(),
    ],
    ids=["claim", "figure", "coop", "date", "coverage"],
)
def test_an_altered_statement_fails_its_signature(change: object) -> None:
    signer = Signer(new_user_seed())
    tampered = altered(statement_file(signer), change)
    with pytest.raises(AttestationInvalid, match=r"bad signature: .* altered"):
        verify(tampered, signer.public_key)


def test_another_consortiums_key_is_refused_by_name() -> None:
    ours, theirs = Signer(new_user_seed()), Signer(new_user_seed())
    data = statement_file(ours)
    with pytest.raises(AttestationInvalid, match="wrong key") as refused:
        verify(data, theirs.public_key)
    assert theirs.public_key in str(refused.value)
    # Naming the other key in the file does not help: the signature is not its.
    swapped = altered(data, lambda s: s.update(consortium_key=theirs.public_key))
    with pytest.raises(AttestationInvalid, match="bad signature"):
        verify(swapped, theirs.public_key)
    with pytest.raises(AttestationInvalid, match="the key to check with"):
        verify(data, "not a key")


def test_a_valid_attestation_of_another_coop_is_refused_for_this_one() -> None:
    signer = Signer(new_user_seed())
    with pytest.raises(AttestationInvalid, match=r"about co-op 'beta'.*not 'alpha'"):
        verify(statement_file(signer, "beta"), signer.public_key, coop_id="alpha")


def test_a_truncated_or_malformed_file_is_refused_naming_the_problem() -> None:
    signer = Signer(new_user_seed())
    data = statement_file(signer)
    with pytest.raises(AttestationInvalid, match=r"malformed file: .*truncated"):
        verify(data[: len(data) // 2], signer.public_key)
    wrong_holds = altered(data, lambda s: s["claims"][0].update(holds="maybe"))
    with pytest.raises(AttestationInvalid, match=r"statement\.claims\[0\]\.holds"):
        verify(wrong_holds, signer.public_key)
    unsigned = json.dumps({"statement": json.loads(data)["statement"]}).encode()
    with pytest.raises(AttestationInvalid, match="signature"):
        verify(unsigned, signer.public_key)
    assert msgspec.json.decode(data, type=Attestation).statement.chain_position == 42
