"""Members by class over time does not depend on how envelopes were batched: a
month is listed iff some class's network-wide count changed in it."""

import datetime as dt
from pathlib import Path

import msgspec

from federation.http.figures import figures
from federation.ingest import ConsortiumViews
from federation.members_over_time import members_by_class_over_time
from federation.report import build_report
from federation.suppression import publish
from schemas import Envelope, Payload
from schemas import membership as m
from tests.keys import keyring_for, signed_message
from tests.streams import ChainWriter
from toolkit.config import StoreConfig

JAN, FEB, MAR = dt.date(2026, 1, 10), dt.date(2026, 2, 10), dt.date(2026, 3, 10)


def envelopes() -> list[Envelope]:
    """Six workers in January; in February one more comes and one leaves (the
    month's changes cancel out); five service users in March."""
    chain = ChainWriter("alpha")
    payloads: list[Payload] = [
        m.CoopFounded(
            name="Alpha Care",
            profile="uk_multi_stakeholder",
            member_classes=["worker", "service_user"],
            founded_on=JAN,
        )
    ]
    payloads += [m.MemberAdmitted(f"{n:032x}", "worker", JAN) for n in range(6)]
    payloads += [
        m.MemberAdmitted(f"{6:032x}", "worker", FEB),
        m.MemberWithdrawn(f"{0:032x}", "worker", FEB),
    ]
    payloads += [m.MemberAdmitted(f"{n:032x}", "service_user", MAR) for n in (7, 8)]
    payloads += [m.MemberAdmitted(f"{n:032x}", "service_user", MAR) for n in (9, 10)]
    payloads += [m.MemberAdmitted(f"{11:032x}", "service_user", MAR)]
    return [chain.next(payload) for payload in payloads]


def over_time_csv(tmp_path: Path, name: str, batches: list[list[Envelope]]) -> str:
    """The dashboard's CSV after the views applied ``batches``, one per call."""
    store = StoreConfig(path=str(tmp_path / f"{name}.db"))
    views = ConsortiumViews.construct(store.env())
    views.keyring = keyring_for("alpha")
    try:
        seq = 0
        for batch in batches:
            messages = []
            for envelope in batch:
                seq += 1
                body = msgspec.json.encode(envelope)
                messages.append(signed_message("cw.coop.alpha.membership", body, seq))
            views.apply(messages)
        report = build_report(views)
        with views.transaction() as cursor:
            trend = members_by_class_over_time(cursor)
        (figure,) = [
            f
            for f in figures(report, publish(report), trend)
            if f.name == "members-by-class-over-time"
        ]
        return figure.csv()
    finally:
        views.factory.close()


def test_a_month_whose_changes_cancel_out_is_left_out_however_batched(
    tmp_path: Path,
) -> None:
    stream = envelopes()
    one_batch = over_time_csv(tmp_path, "one", [stream])
    one_by_one = over_time_csv(tmp_path, "each", [[e] for e in stream])
    # Split between February's admission and its withdrawal: each batch alone
    # changes February, only together do they cancel out.
    split = 8  # the founding, January's six, February's admission
    two_batches = over_time_csv(tmp_path, "two", [stream[:split], stream[split:]])

    assert one_batch == one_by_one == two_batches
    assert one_batch.splitlines() == [
        "month,service_user,worker",
        "2026-01,<5,6",
        "2026-03,5,6",
    ]
