"""The per-envelope path of catch-up, made cheaper, gives what it gave before.

- the node's HMACs (pseudonyms, event ids) are HMAC-SHA256 byte for byte, with the
  key set up once, and a member's pseudonym is the same from the cache or not;
- the consortium writes a batch's member rows once, at the end of the batch: the
  rows must be those that one statement per envelope left, whatever the order of
  admissions, class changes and withdrawals within the batch.
"""

import datetime as dt
import hmac
import uuid

import msgspec
import pytest

from federation.ingest import ConsortiumViews
from node import sharing
from node.application import ALLOWLIST
from node.sharing import KeyedHash, SharingPolicy
from schemas import Payload
from schemas import membership as m
from tests.keys import signed_message
from tests.streams import ChainWriter

DAY = dt.date(2026, 1, 5)


@pytest.mark.parametrize("length", [16, 32, 63, 64, 65, 200])
def test_keyed_hash_is_hmac_sha256(length: int) -> None:
    key = bytes(range(256))[:length]
    keyed = KeyedHash(key)
    for message in (b"", b"x", uuid.uuid4().bytes + b"12", b"m" * 1000):
        assert keyed.digest(message) == hmac.digest(key, message, "sha256")


def test_a_pseudonym_is_the_same_from_the_cache_and_after_it_is_cleared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = b"k" * 32
    policy = SharingPolicy(secret, ALLOWLIST)
    monkeypatch.setattr(sharing, "PSEUDONYMS_KEPT", 3)
    members = [uuid.uuid4() for _ in range(7)]
    expected = {
        member: hmac.digest(secret, member.bytes, "sha256").hex()[:32]
        for member in members
    }
    for _ in range(2):  # the second time round, some come from the cache
        for member in members:
            assert policy.pseudonym(member) == expected[member]
    assert len(set(expected.values())) == 7


def member(n: int) -> str:
    return f"{n:032x}"


# One batch's worth of one co-op's membership, every order that matters: admitted
# then moved and withdrawn; withdrawn and admitted again; moved and withdrawn
# without being admitted in the batch (admitted in an earlier one); changes to a
# member the consortium never saw admitted (no row may appear for them).
EARLIER: list[Payload] = [
    m.MemberAdmitted(member=member(3), member_class="worker", admitted_on=DAY),
    m.MemberAdmitted(member=member(4), member_class="user", admitted_on=DAY),
]
BATCH: list[Payload] = [
    m.MemberAdmitted(member=member(1), member_class="worker", admitted_on=DAY),
    m.SharesBought(member=member(1), amount=500, bought_on=DAY),
    m.MemberClassChanged(
        member=member(1), from_class="worker", to_class="user", changed_on=DAY
    ),
    m.MemberWithdrawn(member=member(1), member_class="user", withdrawn_on=DAY),
    m.MemberAdmitted(member=member(2), member_class="user", admitted_on=DAY),
    m.MemberWithdrawn(member=member(2), member_class="user", withdrawn_on=DAY),
    m.MemberAdmitted(member=member(2), member_class="worker", admitted_on=DAY),
    m.MemberClassChanged(
        member=member(3), from_class="worker", to_class="volunteer", changed_on=DAY
    ),
    m.MemberWithdrawn(member=member(4), member_class="user", withdrawn_on=DAY),
    m.SharesBought(member=member(4), amount=100, bought_on=DAY),
    m.MemberClassChanged(
        member=member(5), from_class="worker", to_class="user", changed_on=DAY
    ),
    m.MemberWithdrawn(member=member(6), member_class="user", withdrawn_on=DAY),
    m.MemberClassChanged(
        member=member(4), from_class="user", to_class="worker", changed_on=DAY
    ),
]


def member_rows(views: ConsortiumViews, coop_id: str) -> list[tuple[object, ...]]:
    with views.transaction() as cursor:
        rows = cursor.execute(
            "SELECT member, member_class, status, shares FROM members "
            "WHERE coop_id = ? ORDER BY member",
            (coop_id,),
        ).fetchall()
    return [
        tuple(row[c] for c in ("member", "member_class", "status", "shares"))
        for row in rows
    ]


def test_a_batch_leaves_the_member_rows_that_one_envelope_a_batch_leaves(
    views: ConsortiumViews,
) -> None:
    stream_seq = 0

    def send(coop_id: str, payloads: list[Payload], chain: ChainWriter) -> None:
        nonlocal stream_seq
        stream_seq += 1
        body = msgspec.json.encode([chain.next(p) for p in payloads])
        subject = f"cw.coop.{coop_id}.membership"
        outcome = views.apply([signed_message(subject, body, stream_seq)])
        assert outcome.applied == len(payloads)

    alpha, beta = ChainWriter("alpha"), ChainWriter("beta")
    send("alpha", EARLIER, alpha)
    send("beta", EARLIER, beta)
    for payload in BATCH:  # alpha: each envelope a batch of its own
        send("alpha", [payload], alpha)
    send("beta", BATCH, beta)  # beta: the same envelopes in one batch

    rows = member_rows(views, "beta")
    assert rows == member_rows(views, "alpha")
    assert rows == [
        (member(1), "user", "withdrawn", 500),
        (member(2), "worker", "admitted", 0),
        (member(3), "volunteer", "admitted", 0),
        (member(4), "worker", "withdrawn", 100),
    ]
