"""Hostile and broken input at the consortium: each lands as a dead letter with its
reason (or, for a gap, is held until the missing envelope arrives); none crashes
the aggregator or changes a report.

The inputs here are signed with alpha's key, as a co-op with a broken (or hostile)
node would send them: the checks behind the signature must hold on their own.
What is unsigned or signed by someone else is tests/test_signatures.py's."""

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation.ingest import ConsortiumViews, Message
from federation.report import build_report
from schemas import membership as m
from tests.keys import keyring_for, signed_message
from tests.streams import DAY, FOUNDED, ChainWriter, admitted
from toolkit.config import StoreConfig


class Feed:
    """Feeds messages to the views as the aggregator would, numbering them."""

    def __init__(self, views: ConsortiumViews) -> None:
        self.views = views
        self.stream_seq = 0

    def send(self, data: bytes | object, subject: str = "cw.coop.alpha.membership"):
        self.stream_seq += 1
        body = data if isinstance(data, bytes) else msgspec.json.encode(data)
        return self.views.apply([signed_message(subject, body, self.stream_seq)])

    def redeliver(self, stream_seq: int, data: object) -> object:
        """The broker delivering an already-seen message again."""
        body = msgspec.json.encode(data)
        message = signed_message("cw.coop.alpha.membership", body, stream_seq)
        return self.views.apply([message])


def members(views: ConsortiumViews) -> int:
    return build_report(views).membership.members


def reasons(views: ConsortiumViews) -> list[str]:
    return [str(letter["reason"]) for letter in views.dead_letters()]


@pytest.fixture
def feed(views: ConsortiumViews) -> Feed:
    feed = Feed(views)
    chain = ChainWriter("alpha")
    feed.send(chain.next(FOUNDED))
    feed.chain = chain  # type: ignore[attr-defined]
    return feed


def chain_of(feed: Feed) -> ChainWriter:
    return feed.chain  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not json at all", "malformed message"),
        (b'{"coop_id": "alpha", "seq": ', "malformed message"),
        (b"[1, 2, 3]", "malformed message"),
        (b'{"coop_id": "alpha"}', "malformed message"),
        (b"\xff\xfe\x00binary", "malformed message"),
    ],
)
def test_bad_json_is_a_dead_letter(feed: Feed, data: bytes, reason: str) -> None:
    feed.send(data)
    assert reasons(feed.views) == [reasons(feed.views)[0]]
    assert reasons(feed.views)[0].startswith(reason)
    feed.send(chain_of(feed).next(admitted(1)))
    assert members(feed.views) == 1


def test_unknown_schema_version_is_recorded_and_the_chain_goes_on(feed: Feed) -> None:
    chain = chain_of(feed)
    future = b'{"member":"' + b"a" * 32 + b'","grade":"B","admitted_on":"2026-01-05"}'
    feed.send(chain.next(future, schema="member.admitted/7"))
    feed.send(chain.next(admitted(2)))
    assert reasons(feed.views) == ["unknown schema member.admitted/7"]
    assert members(feed.views) == 1
    assert feed.views.position("alpha") == 3


def test_a_wrong_hash_is_a_dead_letter(feed: Feed) -> None:
    chain = chain_of(feed)
    good = chain.next(admitted(1))
    forged = msgspec.structs.replace(good, hash="0" * 63 + "1")
    feed.send(forged)
    assert reasons(feed.views) == ["hash does not match prev_hash and payload"]
    assert members(feed.views) == 0
    feed.send(good)  # the genuine one still applies
    assert members(feed.views) == 1


def test_a_replayed_old_sequence_changes_nothing(feed: Feed) -> None:
    chain = chain_of(feed)
    first = chain.next(admitted(1))
    feed.send(first)
    feed.send(
        chain.next(
            m.MemberWithdrawn(
                member=f"{1:032x}", member_class="worker", withdrawn_on=DAY
            )
        )
    )
    before = build_report(feed.views).membership
    assert feed.redeliver(2, first).duplicates == 1  # type: ignore[attr-defined]
    # The same envelope published again later, by the node or by anyone: counted
    # as a duplicate, never applied twice.
    assert feed.send(first).duplicates == 1  # type: ignore[attr-defined]
    assert build_report(feed.views).membership == before
    assert reasons(feed.views) == []


def test_a_gap_is_held_until_the_missing_envelope_arrives(feed: Feed) -> None:
    chain = chain_of(feed)
    second, third, fourth = (chain.next(admitted(n)) for n in (1, 2, 3))
    outcome = feed.send(fourth)
    assert outcome.held == 1  # type: ignore[attr-defined]
    feed.send(third)
    assert members(feed.views) == 0
    assert reasons(feed.views) == []
    feed.send(second)  # fills the gap: all three apply, in order
    assert members(feed.views) == 3
    assert feed.views.position("alpha") == 4
    feed.send(fourth)  # and the held ones are not applied twice
    assert members(feed.views) == 3


def test_an_oversize_payload_is_a_dead_letter(feed: Feed) -> None:
    chain = chain_of(feed)
    huge = b'{"member":"' + b"a" * 32 + b'","member_class":"' + b"w" * 40_000 + b'"}'
    feed.send(chain.next(huge, schema="member.admitted/1"))
    assert reasons(feed.views)[0].startswith("oversize payload")
    assert members(feed.views) == 0


def test_an_envelope_on_another_coops_subject_is_refused(feed: Feed) -> None:
    beta = ChainWriter("beta")
    feed.send(beta.next(FOUNDED), subject="cw.coop.alpha.membership")
    assert reasons(feed.views) == [
        "subject cw.coop.alpha.membership does not belong to co-op beta"
    ]
    assert [c.coop_id for c in build_report(feed.views).membership.coops] == ["alpha"]


def test_a_batch_with_one_bad_envelope_keeps_the_good_ones(feed: Feed) -> None:
    chain = chain_of(feed)
    good = chain.next(admitted(1))
    bad = msgspec.structs.replace(chain.next(admitted(2)), hash="f" * 64)
    feed.send([good, bad])
    assert members(feed.views) == 1
    assert reasons(feed.views) == ["hash does not match prev_hash and payload"]


@pytest.mark.slow
@settings(
    max_examples=5_200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.binary(max_size=600))
def test_fuzz_random_bytes_never_crash_the_views(tmp_path: Path, data: bytes) -> None:
    """Signed with alpha's key, so they reach the decoder."""
    views = _fuzz_views(tmp_path)
    message = signed_message("cw.coop.alpha.membership", data, _next_seq())
    outcome = views.apply([message])
    assert outcome.applied == 0
    assert outcome.dead_letters + outcome.duplicates + outcome.held >= 1


@pytest.mark.slow
@settings(
    max_examples=5_200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    position=st.integers(min_value=0, max_value=400),
    replacement=st.binary(min_size=1, max_size=4),
)
def test_fuzz_mutated_envelopes_never_crash_or_count(
    tmp_path: Path, position: int, replacement: bytes
) -> None:
    views = _fuzz_views(tmp_path)
    chain = ChainWriter("alpha")
    chain.next(FOUNDED)
    valid = msgspec.json.encode(chain.next(admitted(9)))
    cut = position % len(valid)
    mutated = valid[:cut] + replacement + valid[cut + len(replacement) :]
    if mutated == valid:
        return
    before = build_report(views).membership.members
    subject = "cw.coop.alpha.membership"
    # Changed on the way, under the genuine signature: it does not verify.
    genuine = signed_message(subject, valid, 0).signature
    outcome = views.apply([Message(subject, mutated, _next_seq(), genuine)])
    assert outcome.dead_letters == 1
    # Signed as it is (by alpha's own node gone wrong): a mutated envelope never
    # applies all the same, for its hash, chain or shape no longer fits.
    views.apply([signed_message(subject, mutated, _next_seq())])
    assert build_report(views).membership.members == before


_FUZZ: dict[str, object] = {}


def _fuzz_views(tmp_path: Path) -> ConsortiumViews:
    """One views store for all fuzz examples (a fresh store per example is slow)."""
    if "views" not in _FUZZ:
        store = StoreConfig(path=str(tmp_path / "fuzz.db"))
        views = ConsortiumViews.construct(store.env())
        views.keyring = keyring_for("alpha")
        _FUZZ["views"] = views
    return _FUZZ["views"]  # type: ignore[return-value]


def _next_seq() -> int:
    """Also counts the fuzz inputs run, which the module checks at the end."""
    _FUZZ["seq"] = int(_FUZZ.get("seq", 0)) + 1  # type: ignore[arg-type]
    return int(_FUZZ["seq"])  # type: ignore[arg-type]


@pytest.fixture(scope="module", autouse=True)
def fuzzing_ran_its_inputs(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    names = {item.originalname for item in request.session.items}
    if {
        "test_fuzz_random_bytes_never_crash_the_views",
        "test_fuzz_mutated_envelopes_never_crash_or_count",
    } <= names:
        assert int(_FUZZ.get("seq", 0)) >= 10_000, "the fuzzers ran too few inputs"
