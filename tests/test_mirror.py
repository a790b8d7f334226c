"""The network's mirror as the consortium computes it (federation.mirror): the
network's quartiles and the co-op's rank, withheld under 5 co-ops, nothing of
another co-op tied to it."""

import datetime as dt
from pathlib import Path

import msgspec
import pytest

from federation import broker
from federation.ingest import ConsortiumViews, Message
from federation.mirror import (
    build_mirror,
    network_mirrors,
    percentile_rank,
    quartiles,
    window,
)
from node import mirror_fetch
from schemas import Payload
from schemas import care as c
from schemas.mirror import METRICS, MIN_COOPS, Comparison, NetworkMirror
from tests.keys import keyring_for, signed_message
from tests.streams import ChainWriter
from toolkit.config import StoreConfig

ISSUED = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
# Missed-visit rates of six co-ops; only four have a turnover figure.
FIGURES = {
    "missed_visit_rate": {
        "alpha": 0.04,
        "beta": 0.02,
        "gamma": 0.06,
        "delta": 0.01,
        "epsilon": 0.08,
        "zeta": 0.03,
    },
    "turnover": {"alpha": 0.2, "beta": 0.3, "gamma": 0.1, "delta": 0.25},
}


def comparison(mirror: NetworkMirror, metric: str) -> Comparison:
    return next(c for c in mirror.comparisons if c.metric == metric)


def test_quartiles_interpolate_and_the_rank_counts_ties_half() -> None:
    assert quartiles([1.0, 2.0, 3.0, 4.0, 5.0]) == (2.0, 3.0, 4.0)
    assert quartiles([0.04, 0.02, 0.06, 0.01, 0.08, 0.03]) == (0.0225, 0.035, 0.055)
    assert percentile_rank([1.0, 2.0, 3.0, 4.0, 5.0], 3.0) == 50.0
    assert percentile_rank([1.0, 2.0, 2.0, 4.0], 2.0) == 50.0
    assert percentile_rank([1.0, 2.0, 3.0, 4.0, 5.0], 1.0) == 10.0


def test_a_coop_sees_its_own_figure_against_the_networks_quartiles() -> None:
    mirror = build_mirror("alpha", FIGURES, "2026-11", ISSUED)
    missed = comparison(mirror, "missed_visit_rate")
    assert missed.own == 0.04
    assert (missed.p25, missed.p50, missed.p75) == (0.0225, 0.035, 0.055)
    # 0.01, 0.02 and 0.03 are lower, and alpha's own counts half: 3.5 of 6.
    assert missed.rank == 58.3
    assert missed.coops == 6
    assert missed.withheld == ""
    assert [c.metric for c in mirror.comparisons] == list(METRICS)


def test_a_comparison_of_fewer_than_5_coops_is_withheld_with_no_count() -> None:
    assert len(FIGURES["turnover"]) < MIN_COOPS
    mirror = build_mirror("alpha", FIGURES, "2026-11", ISSUED)
    turnover = comparison(mirror, "turnover")
    assert turnover.withheld == "few_coops"
    assert turnover.own == 0.2  # its own is its own
    assert turnover.p25 is turnover.p50 is turnover.p75 is None
    assert turnover.rank is None and turnover.coops is None
    # With no figure anywhere, withheld too.
    assert comparison(mirror, "turnout").withheld == "few_coops"


def test_a_mirror_names_no_other_coop_nor_carries_their_figures_by_name() -> None:
    for coop_id in FIGURES["missed_visit_rate"]:
        mirror = build_mirror(coop_id, FIGURES, "2026-11", ISSUED)
        text = msgspec.json.encode(mirror).decode()
        others = set(FIGURES["missed_visit_rate"]) - {coop_id}
        assert not any(f'"{other}"' in text for other in others), text
        # A withheld comparison holds nothing of the others: only its own figure.
        turnover = comparison(mirror, "turnover")
        assert msgspec.structs.asdict(turnover) == {
            "metric": "turnover",
            "own": FIGURES["turnover"].get(coop_id),
            "p25": None,
            "p50": None,
            "p75": None,
            "rank": None,
            "coops": None,
            "withheld": "few_coops",
        }


def test_a_coop_without_a_figure_still_sees_the_network() -> None:
    mirror = build_mirror("eta", FIGURES, "2026-11", ISSUED)
    missed = comparison(mirror, "missed_visit_rate")
    assert missed.own is None and missed.rank is None
    assert missed.p50 == 0.035


def test_the_window_is_the_twelve_months_to_the_period() -> None:
    months = window("2026-03")
    assert len(months) == 12
    assert min(months) == "2025-04" and max(months) == "2026-03"


def test_the_mirror_schema_refuses_what_it_must_not_carry() -> None:
    mirror = build_mirror("alpha", FIGURES, "2026-11", ISSUED)
    data = msgspec.json.encode(mirror)
    assert msgspec.json.decode(data, type=NetworkMirror) == mirror
    with pytest.raises(msgspec.ValidationError):
        # A count of co-ops under 5 is never a valid mirror.
        msgspec.json.decode(
            data.replace(b'"coops":6', b'"coops":3'), type=NetworkMirror
        )
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(
            data.replace(b'"coop_id":"alpha"', b'"coop_id":"alpha","name":"Alpha"'),
            type=NetworkMirror,
        )


def test_the_node_and_the_consortium_name_the_mirror_stream_alike() -> None:
    assert mirror_fetch.MIRROR_STREAM == broker.MIRROR_STREAM
    assert mirror_fetch.OWN_MIRROR_PREFIX == broker.OWN_MIRROR_PREFIX


def test_figures_come_from_the_consortiums_views(tmp_path: Path) -> None:
    """Five co-ops' visits on the stream, as the aggregator applies them: each
    co-op's missed-visit rate over the 12 months to the period, against the five;
    three co-ops' staff turnover, withheld."""
    coops = [f"coop-{n}" for n in range(1, 6)]
    views = ConsortiumViews.construct(
        StoreConfig(path=str(tmp_path / "consortium.db")).env()
    )
    views.keyring = keyring_for(*coops)
    messages: list[Message] = []
    for n, coop_id in enumerate(coops, start=1):
        chain = ChainWriter(coop_id)
        payloads: list[Payload] = [
            *(delivered(i) for i in range(10 - n)),
            *(missed(i, dt.date(2026, 10, 2)) for i in range(n)),
            # Two years ago: outside the window.
            *(missed(100 + i, dt.date(2024, 10, 2)) for i in range(5)),
        ]
        if n <= 3:
            payloads += [
                c.WorkerJoined(disadvantaged=False, type_b=False, joined_on=JOINED),
                c.WorkerJoined(disadvantaged=False, type_b=False, joined_on=JOINED),
                c.WorkerLeft(disadvantaged=False, type_b=False, left_on=LEFT),
            ]
        for payload in payloads:
            data = msgspec.json.encode(chain.next(payload))
            messages.append(
                signed_message(f"cw.coop.{coop_id}.care", data, len(messages) + 1)
            )
    try:
        assert views.apply(messages).dead_letters == 0
        with views.transaction() as cursor:
            mirrors = network_mirrors(cursor, ["coop-3", "coop-1"], ISSUED)
    finally:
        views.factory.close()
    assert [m.coop_id for m in mirrors] == ["coop-1", "coop-3"]
    third = comparison(mirrors[1], "missed_visit_rate")
    assert third.own == 0.3
    assert (third.p25, third.p50, third.p75) == (0.2, 0.3, 0.4)
    assert third.rank == 50.0 and third.coops == 5
    turnover = comparison(mirrors[0], "turnover")
    assert turnover.withheld == "few_coops" and turnover.own is not None
    assert mirrors[0].period == "2026-11"


JOINED = dt.date(2026, 1, 5)
LEFT = dt.date(2026, 6, 1)


def delivered(n: int) -> c.VisitDelivered:
    return c.VisitDelivered(
        visit=f"{n:032x}",
        worker=f"{999:032x}",
        worker_class="worker",
        minutes_by_service={"personal_care": 60},
        delivered_on=dt.date(2026, 9, 1 + n),
    )


def missed(n: int, day: dt.date) -> c.VisitMissed:
    return c.VisitMissed(visit=f"{n + 50:032x}", reason="weather", missed_on=day)
