"""The report on hours between co-ops, on a small network whose ledgers are
written here as three nodes would share them: per pair the hours confirmed and
the transfers confirmed, refunded and in flight; and the network's check that
its clearing and transit accounts sum to the hours still held for other
co-ops (every expected figure counted here from the entries the test wrote,
not from the consortium). Shown on the API, the dashboard and the text report."""

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest

from federation.broker import NatsServer
from federation.config import ConsortiumConfig
from federation.hours_between_coops import CLEARING_AND_TRANSIT, hours_between_coops
from federation.http.app import make_consortium_app
from federation.ingest import ConsortiumViews
from federation.report import render_table
from federation.service import ConsortiumService
from schemas import Payload
from schemas import hours as h
from schemas import timebank as t
from tests.hours_wire import DAY, answered, sent, settled
from tests.keys import keyring_for, signed_message
from tests.page_text import visible_text
from tests.streams import ChainWriter
from tests.web import serving
from toolkit.config import BrokerConfig, StoreConfig

COOPS = ("alpha", "beta", "gamma")


def pseudonym(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()[:32]


class Network:
    """Three co-ops' time banks as their nodes share them, with every ledger
    entry kept here to count the expected figures from."""

    def __init__(self, service: ConsortiumService) -> None:
        self.service = service
        self.chains = {c: ChainWriter(c) for c in COOPS}
        self.entries: list[tuple[str, t.LedgerEntry]] = []
        self.stream_seq = 0

    def share(self, coop_id: str, *payloads: Payload) -> None:
        messages = []
        for payload in payloads:
            self.stream_seq += 1
            envelope = self.chains[coop_id].next(payload)
            messages.append(
                signed_message(
                    f"cw.coop.{coop_id}.timebank",
                    msgspec.json.encode(envelope),
                    self.stream_seq,
                )
            )
            if isinstance(payload, t.LedgerEntry):
                self.entries.append((coop_id, payload))
        outcome = self.service.views.apply(messages)
        assert outcome.applied == len(payloads), outcome.reasons

    def move(
        self,
        coop_id: str,
        minutes: int,
        debit: tuple[str, str],
        credit: tuple[str, str],
    ) -> None:
        """``minutes`` from one account (kind, name) to another, double entry."""
        transfer = uuid.uuid4().hex
        self.share(
            coop_id,
            *(
                t.LedgerEntry(
                    account=pseudonym(coop_id, name),
                    kind=kind,  # type: ignore[arg-type]
                    transfer=transfer,
                    minutes=sign * minutes,
                    purpose="respite",
                    entered_on=DAY,
                )
                for (kind, name), sign in ((debit, -1), (credit, 1))
            ),
        )

    def send(self, payer: str, payee: str, minutes: int) -> h.HoursSent:
        hours = sent(payee, minutes)
        self.move(payer, minutes, ("member", "m1"), ("transit", "transit"))
        self.share(payer, hours)
        return hours

    def answer(
        self, hours: h.HoursSent, payer: str, reason: h.RefusalReason = ""
    ) -> None:
        if not reason:
            clearing = ("clearing", f"clearing-{payer}")
            self.move(hours.payee, hours.minutes, clearing, ("member", "m2"))
        self.share(hours.payee, answered(hours, payer, reason))

    def settle(self, hours: h.HoursSent, payer: str, outcome: h.Outcome) -> None:
        back = ("clearing", f"clearing-{hours.payee}")
        if outcome == "refunded":
            back = ("member", "m1")
        self.move(payer, hours.minutes, ("transit", "transit"), back)
        self.share(payer, settled(hours, outcome))

    def expected_clearing_and_transit(self) -> int:
        return sum(
            e.minutes for _, e in self.entries if e.kind in ("clearing", "transit")
        )

    def ledger_sums(self) -> dict[str, int]:
        sums = dict.fromkeys(COOPS, 0)
        for coop_id, entry in self.entries:
            sums[coop_id] += entry.minutes
        return sums


@pytest.fixture
def network(
    tmp_path: Path, nats_server: NatsServer, store: StoreConfig
) -> Iterator[Network]:
    service = ConsortiumService(
        ConsortiumConfig(
            store=store,
            registry=StoreConfig(path=str(tmp_path / "registry.db")),
            broker=BrokerConfig(servers=[nats_server.url]),
        )
    )
    service.views.keyring = keyring_for(*COOPS)
    yield Network(service)
    service.views.factory.close()
    service.registry.close()


def report(network: Network) -> Any:
    with network.service.views.transaction() as cursor:
        return hours_between_coops(cursor)


async def test_hours_between_coops_and_the_network_check(network: Network) -> None:
    # alpha pays beta 60 minutes: taken and confirmed.
    first = network.send("alpha", "beta", 60)
    network.answer(first, "alpha")
    network.settle(first, "alpha", "confirmed")
    # alpha pays gamma 30: refused and refunded.
    second = network.send("alpha", "gamma", 30)
    network.answer(second, "alpha", "not_taken")
    network.settle(second, "alpha", "refunded")
    # beta pays alpha 45, taken, not yet confirmed; and 15, refused, not yet
    # refunded. gamma pays beta 20, not yet answered.
    third = network.send("beta", "alpha", 45)
    network.answer(third, "beta")
    fifth = network.send("beta", "alpha", 15)
    network.answer(fifth, "beta", "over_limit")
    fourth = network.send("gamma", "beta", 20)

    # Counted from what was shared: the hours held for other co-ops are those
    # not yet answered and those refused and not yet refunded.
    held = fourth.minutes + fifth.minutes
    assert network.expected_clearing_and_transit() == held == 35
    assert network.ledger_sums() == dict.fromkeys(COOPS, 0)
    between = report(network)
    assert [msgspec.to_builtins(p) for p in between.pairs] == [
        {"payer": "alpha", "payee": "beta", "confirmed_minutes": 60, "confirmed": 1,
         "refunded": 0, "in_flight": 0, "in_flight_minutes": 0},
        {"payer": "alpha", "payee": "gamma", "confirmed_minutes": 0, "confirmed": 0,
         "refunded": 1, "in_flight": 0, "in_flight_minutes": 0},
        {"payer": "beta", "payee": "alpha", "confirmed_minutes": 0, "confirmed": 0,
         "refunded": 0, "in_flight": 2, "in_flight_minutes": 60},
        {"payer": "gamma", "payee": "beta", "confirmed_minutes": 0, "confirmed": 0,
         "refunded": 0, "in_flight": 1, "in_flight_minutes": 20},
    ]  # fmt: skip
    assert (between.confirmed_minutes, between.confirmed, between.refunded) == (
        60,
        1,
        1,
    )
    assert (between.in_flight, between.in_flight_minutes) == (3, 80)
    assert (between.held_minutes, between.clearing_and_transit) == (held, held)
    assert between.agree

    # Shown on the API, the dashboard and the text report.
    async with (
        serving(make_consortium_app(network.service)) as url,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(url + "/api/hours-between-coops") as response:
            assert response.status == 200
            assert await response.json() == msgspec.to_builtins(between)
        async with session.get(url + "/api/report") as response:
            body = await response.json()
            assert body["hours_between_coops"] == msgspec.to_builtins(between)
        async with session.get(url + "/") as response:
            text = visible_text(await response.text())
        async with session.get(url + "/figures/hours-between-coops.csv") as response:
            csv_text = await response.text()
    assert "Hours between co-ops" in text
    words = " ".join(text.split())
    assert "Hours held for other co-ops 0.6 h" in words
    assert "Network check They agree" in words
    assert "payer,payee,hours_confirmed" in csv_text
    assert "alpha,beta,1.0 h,1,0,0,0.0 h" in csv_text
    table = render_table(network.service.report())
    assert "alpha -> beta" in table and "they agree" in table

    # Everything answered and settled: nothing in flight, and the network's
    # clearing and transit accounts sum to zero.
    network.answer(fourth, "gamma")
    network.settle(fourth, "gamma", "confirmed")
    network.settle(third, "beta", "confirmed")
    network.settle(fifth, "beta", "refunded")
    assert network.expected_clearing_and_transit() == 0
    between = report(network)
    assert (between.in_flight, between.held_minutes) == (0, 0)
    assert between.clearing_and_transit == 0 and between.agree
    assert between.confirmed_minutes == 60 + 45 + 20
    assert (between.confirmed, between.refunded) == (3, 2)
    assert network.ledger_sums() == dict.fromkeys(COOPS, 0)
    balances = {
        c.coop_id: c.balance_sum for c in network.service.report().timebank.coops
    }
    assert balances == dict.fromkeys(COOPS, 0)


def test_a_difference_between_ledgers_and_transfers_shows(network: Network) -> None:
    """Hours held by a payer that never said it sent them (a broken node):
    the check says so rather than agreeing."""
    network.move("alpha", 25, ("member", "m1"), ("transit", "transit"))
    between = report(network)
    assert (between.held_minutes, between.clearing_and_transit) == (0, 25)
    assert not between.agree
    assert "THEY DIFFER" in render_table(network.service.report())


def test_the_network_check_reads_only_clearing_and_transit_accounts(
    tmp_path: Path,
) -> None:
    """A report page reads the check at every request: it must not scan every
    member's account in the network (48,000 at 1,000 co-ops)."""
    views = ConsortiumViews.construct(StoreConfig(path=str(tmp_path / "v.db")).env())
    with views.transaction() as cursor:
        plan = cursor.execute(f"EXPLAIN QUERY PLAN {CLEARING_AND_TRANSIT}").fetchall()
    views.factory.close()
    assert [row["detail"] for row in plan] == [
        "SEARCH timebank_accounts USING INDEX timebank_accounts_between_coops (kind=?)"
    ]
