"""Consortia of consortia: co-ops -> two consortia -> a federation, each
consortium and the federation a process of its own, on three real brokers.

The federation's report must equal the sum of the two consortia's published
reports (counted here from those reports as their API answers them), and stay
equal after SIGKILLs of a consortium while it publishes and of the federation's
aggregator; a forged upward envelope is dead-lettered and a replay changes
nothing.
"""

import asyncio
import random
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import nats
import pytest
from nats.js.errors import NotFoundError

from federation.broker import FEDERATION_STREAM
from federation.federation_report import build_federation_report
from federation.ingest import ConsortiumViews
from schemas import Envelope, chain_hash
from schemas.consortium import UPWARD_STREAM
from tests.keys import coop_seed
from tests.streams import stream_messages
from tests.three_levels import ThreeLevels
from toolkit.signing import SIGNATURE_HEADER, Signer

SUPPRESSED = "<5"


@pytest.fixture
def levels(tmp_path: Path) -> Iterator[ThreeLevels]:
    three = ThreeLevels(tmp_path)
    try:
        yield three
    finally:
        three.shutdown()


def summed(values: Iterable[Any]) -> dict[str, int]:
    parts = list(values)
    return {
        "known": sum(v for v in parts if v != SUPPRESSED),
        "suppressed_parts": sum(1 for v in parts if v == SUPPRESSED),
    }


def expected_totals(reports: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The sum, figure by figure, of published consortium reports."""
    shown = list(reports)
    membership = [r["membership"] for r in shown]
    care = [r["care"] for r in shown]
    timebank = [r["timebank"] for r in shown]
    workforce = [r["workforce"] for r in shown]
    classes = sorted({c for ms in membership for c in ms["members_by_class"]})
    profiles = sorted({p for ms in membership for p in ms["share_capital_by_profile"]})
    services = sorted({s for c in care for s in c["minutes_by_service"]})
    return {
        "coop_count": sum(ms["coop_count"] or len(ms["coops"]) for ms in membership),
        "members": summed(ms["members"] for ms in membership),
        "members_by_class": {
            c: summed(
                ms["members_by_class"][c]
                for ms in membership
                if c in ms["members_by_class"]
            )
            for c in classes
        },
        "share_capital_by_profile": {
            p: sum(ms["share_capital_by_profile"].get(p, 0) for ms in membership)
            for p in profiles
        },
        "care_minutes": sum(c["minutes"] for c in care),
        "care_minutes_by_service": {
            s: sum(c["minutes_by_service"].get(s, 0) for c in care) for s in services
        },
        "visits_delivered": sum(c["delivered"] for c in care),
        "visits_missed": sum(c["missed"] for c in care),
        "volunteer_minutes": sum(c["volunteer_minutes"] for c in care),
        "active_volunteers": summed(c["active_volunteers"] for c in care),
        "ballots": sum(r["governance"]["ballots"] for r in shown),
        "quorate": sum(r["governance"]["quorate"] for r in shown),
        "timebank_accounts": summed(t["accounts"] for t in timebank),
        "timebank_earned": sum(t["earned"] for t in timebank),
        "timebank_spent": sum(t["spent"] for t in timebank),
        "workforce_headcount": summed(w["headcount"] for w in workforce),
        "workforce_leavers_12m": summed(w["leavers_12m"] for w in workforce),
    }


def federation_totals(levels: ThreeLevels) -> dict[str, Any]:
    views = levels.federation_views()
    try:
        report = build_federation_report(views)
    finally:
        views.factory.close()
    totals: dict[str, Any] = msgspec.to_builtins(report.totals)
    return totals


def dead_letters(levels: ThreeLevels) -> list[dict[str, object]]:
    views = levels.federation_views()
    try:
        return views.dead_letters()
    finally:
        views.factory.close()


def assert_exact(levels: ThreeLevels) -> dict[str, Any]:
    levels.settle()
    reports = levels.published_reports()
    totals = federation_totals(levels)
    assert totals == expected_totals(reports.values())
    return totals


def test_a_federation_sums_its_consortia_exactly_through_kills(
    levels: ThreeLevels,
) -> None:
    north, south = levels.levels
    levels.start()
    levels.add_coop(north, "n-alpha")
    levels.admit(north, "n-alpha", 7, "worker")
    levels.admit(north, "n-alpha", 2, "service_user")
    levels.add_coop(north, "n-beta")
    levels.admit(north, "n-beta", 3, "worker")
    levels.add_coop(north, "n-gamma", parent="n-alpha")
    levels.admit(north, "n-gamma", 6, "worker")
    levels.add_coop(south, "s-alpha")
    levels.admit(south, "s-alpha", 12, "worker")
    levels.admit(south, "s-alpha", 1, "service_user")
    levels.add_coop(south, "s-beta")
    levels.admit(south, "s-beta", 2, "worker")

    totals = assert_exact(levels)
    # The figures the test chose, to show "sum" is what it says.
    assert totals["members"] == {"known": 18 + 15, "suppressed_parts": 0}
    assert totals["members_by_class"]["worker"] == {
        "known": 16 + 14,
        "suppressed_parts": 0,
    }
    # Each consortium suppressed its service users: the federation says so.
    assert totals["members_by_class"]["service_user"] == {
        "known": 0,
        "suppressed_parts": 2,
    }
    views = levels.federation_views()
    report = build_federation_report(views)
    views.factory.close()
    tree = [(c.consortium_id, c.coop_id, c.depth) for c in report.growth]
    assert ("north", "n-gamma", 1) in tree
    assert {c for _, c, _ in tree} == {
        "n-alpha",
        "n-beta",
        "n-gamma",
        "s-alpha",
        "s-beta",
    }

    # A consortium killed while it applies and shares new data, again and again.
    rng = random.Random(7)
    for _ in range(3):
        levels.admit(north, "n-beta", 2, "worker")
        time.sleep(rng.uniform(0.05, 0.4))
        north.process.kill()
        levels.admit(north, "n-alpha", 1, "service_user")
        north.process.start()
    # The federation's aggregator killed while the consortia go on sharing.
    levels.federation.kill()
    levels.admit(south, "s-beta", 4, "worker")
    time.sleep(1.5)  # south shares this into the stream with nobody applying it
    levels.federation.start()
    totals = assert_exact(levels)
    assert totals["members"] == {"known": 18 + 6 + 3 + 15 + 4, "suppressed_parts": 0}
    assert dead_letters(levels) == []
    # North's chain at the federation: every seq from 1 to its last, and a seq
    # sent twice (killed before the ack was recorded) sent as the same bytes.
    sent: dict[int, set[bytes]] = {}
    for subject, data in asyncio.run(stream_messages(levels.federation_broker.url)):
        if subject == f"cw.coop.north.{UPWARD_STREAM}":
            envelope = msgspec.json.decode(data, type=Envelope)
            sent.setdefault(envelope.seq, set()).add(data)
    assert sorted(sent) == list(
        range(1, levels.federation_snapshots()["north"].seq + 1)
    )
    assert all(len(versions) == 1 for versions in sent.values())

    # A forger without north's key extends north's chain at the federation.
    snapshots = levels.federation_snapshots()
    asyncio.run(forge(levels.federation_broker.url, snapshots["north"].seq))
    deadline = time.monotonic() + 15
    while not dead_letters(levels):
        assert time.monotonic() < deadline, "the forgery was not dead-lettered"
        time.sleep(0.2)
    [letter] = dead_letters(levels)
    assert "signature" in str(letter["reason"])
    assert federation_totals(levels) == totals

    # Everything on the federation's stream, sent again (signatures and all).
    replayed = asyncio.run(replay(levels.federation_broker.url))
    assert replayed > 2
    asyncio.run(drained(levels.federation_broker.url))
    assert federation_totals(levels) == totals
    assert len(dead_letters(levels)) == 2  # the forgery's replay, and no more
    assert {k: s.seq for k, s in levels.federation_snapshots().items()} == {
        k: s.seq for k, s in snapshots.items()
    }


async def forge(url: str, after_seq: int) -> None:
    """North's next envelope, inflated, signed with a key that is not north's."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        last = await js.get_last_msg(
            FEDERATION_STREAM, f"cw.coop.north.{UPWARD_STREAM}"
        )
        envelope = msgspec.json.decode(last.data or b"", type=Envelope)
        assert envelope.seq == after_seq
        payload = msgspec.json.decode(bytes(envelope.payload))
        payload["members"] = 100_000
        raw = msgspec.json.encode(payload)
        forged = msgspec.structs.replace(
            envelope,
            seq=after_seq + 1,
            prev_seq=after_seq,
            event_id="forged",
            payload=msgspec.Raw(raw),
            prev_hash=envelope.hash,
            hash=chain_hash(envelope.hash, raw),
        )
        data = msgspec.json.encode(forged)
        signature = Signer(coop_seed("mallory")).sign(data)
        await js.publish(
            f"cw.coop.north.{UPWARD_STREAM}",
            data,
            headers={SIGNATURE_HEADER: signature},
        )
    finally:
        await nc.close()


async def replay(url: str) -> int:
    """Publish every stored message again, as it was (headers included)."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(FEDERATION_STREAM)
        count = 0
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                msg = await js.get_msg(FEDERATION_STREAM, seq)
            except NotFoundError:
                continue
            headers = {
                k: v for k, v in (msg.headers or {}).items() if k != "Nats-Msg-Id"
            }
            await js.publish(msg.subject or "", msg.data or b"", headers=headers)
            count += 1
        return count
    finally:
        await nc.close()


async def drained(url: str, timeout: float = 15.0) -> None:
    """Until the federation's aggregator has applied (and acknowledged) all."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        deadline = time.monotonic() + timeout
        while True:
            info = await js.consumer_info(FEDERATION_STREAM, "consortium")
            if info.num_pending == 0 and info.num_ack_pending == 0:
                return
            assert time.monotonic() < deadline, f"not drained: {info}"
            await asyncio.sleep(0.2)
    finally:
        await nc.close()


def test_views_of_a_consortium_of_coops_hold_no_snapshots(
    views: ConsortiumViews,
) -> None:
    report = build_federation_report(views)
    assert report.consortia == []
    assert report.totals.members.known == 0
