"""The time bank in double entry: it always sums to zero, and a transfer that would
cross an account's limits is refused and writes nothing."""

import datetime as dt
from collections.abc import Iterator
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.application import CoopNode
from node.errors import (
    BalanceLimitExceeded,
    DomainError,
    InvalidAmount,
    InvalidTransition,
    NotAMember,
    UnknownAccount,
    UnknownReason,
)
from node.rules import profile_named
from toolkit.config import StoreConfig

DAY = dt.date(2026, 3, 2)
LIMITS = [(-120, 240), (-60, 60), (0, 300), (-300, 0)]  # minutes: min, max


def new_app(env: dict[str, str]) -> CoopNode:
    app = CoopNode("alpha", env)
    app.found_coop("Alpha Care", profile_named("uk_multi_stakeholder"), DAY)
    return app


def open_accounts(app: CoopNode) -> list[UUID]:
    accounts = []
    for minimum, maximum in LIMITS:
        member_id = app.apply_for_membership(
            name="Vera Novak", email="vera@example.org", member_class="volunteer"
        )
        app.admit_member(member_id, DAY)
        accounts.append(app.open_time_account(member_id, minimum, maximum, DAY))
    accounts.append(app.open_pool_account(-600, 600, DAY))
    return accounts


def stored_events(app: CoopNode) -> int:
    return app.recorder.max_notification_id() or 0


transfers = st.lists(
    st.tuples(
        st.integers(0, len(LIMITS)),
        st.integers(0, len(LIMITS)),
        st.integers(1, 400),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transfers)
def test_the_bank_sums_to_zero_after_any_sequence_of_transfers(
    moves: list[tuple[int, int, int]],
) -> None:
    app = new_app(
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}
    )
    try:
        accounts = open_accounts(app)
        expected = dict.fromkeys(accounts, 0)
        for source, target, minutes in moves:
            a, b = accounts[source], accounts[target]
            before = stored_events(app)
            src, dst = app.time_account(a), app.time_account(b)
            crosses = a != b and (
                src.balance - minutes < src.minimum
                or dst.balance + minutes > dst.maximum
            )
            try:
                app.transfer_time(a, b, minutes, "respite", on=DAY)
            except BalanceLimitExceeded as refused:
                assert crosses
                assert "minimum" in str(refused) or "maximum" in str(refused)
                assert stored_events(app) == before  # refused: nothing written
            except InvalidTransition:
                assert a == b
                assert stored_events(app) == before
            else:
                assert not crosses and a != b
                expected[a] -= minutes
                expected[b] += minutes
            balances = {acc.id: acc.balance for acc in app.time_accounts()}
            assert sum(balances.values()) == 0
            assert balances == expected
            for acc in app.time_accounts():
                assert acc.minimum <= acc.balance <= acc.maximum
        # Every statement's entries add up to its balance; all entries sum to zero.
        statements = {acc: app.statement(acc) for acc in accounts}
        assert all(
            sum(line.minutes for line in lines) == expected[account]
            for account, lines in statements.items()
        )
        assert sum(line.minutes for s in statements.values() for line in s) == 0
    finally:
        app.close()


@pytest.fixture
def app(store: StoreConfig) -> Iterator[CoopNode]:
    app = new_app(store.env())
    yield app
    app.close()


def test_a_transfer_moves_hours_and_statements_show_them(app: CoopNode) -> None:
    *_, pool = accounts = open_accounts(app)
    a, b = accounts[:2]
    app.transfer_time(a, b, 45, "respite", "Saturday sitting", DAY)
    app.transfer_time(pool, a, 60, "volunteering", "", DAY + dt.timedelta(days=1))
    statement = app.statement(a)
    assert [(line.minutes, line.balance, line.purpose) for line in statement] == [
        (-45, -45, "respite"),
        (60, 15, "volunteering"),
    ]
    assert statement[0].counterparty == b
    assert app.time_account(b).balance == 45
    assert app.time_account(pool).balance == -60
    assert sum(acc.balance for acc in app.time_accounts()) == 0


def test_a_transfer_crossing_a_limit_is_refused_and_writes_nothing(
    app: CoopNode,
) -> None:
    a, b, c = open_accounts(app)[:3]  # b: -60..60, c: 0..300
    app.transfer_time(a, b, 60, "respite", on=DAY)
    before = stored_events(app)
    with pytest.raises(BalanceLimitExceeded, match="go above its maximum") as over:
        app.transfer_time(a, b, 1, "respite", on=DAY)
    with pytest.raises(BalanceLimitExceeded, match="go below its minimum") as under:
        app.transfer_time(c, a, 1, "respite", on=DAY)
    # The payer learns the rule, never the other account's balance or limits.
    for refused in (over, under):
        assert "1h00" not in str(refused.value) and "0h00" not in str(refused.value)
    assert stored_events(app) == before
    assert app.time_account(a).balance == -60
    assert app.time_account(b).balance == 60


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("zero minutes", InvalidAmount),
        ("negative minutes", InvalidAmount),
        ("to itself", InvalidTransition),
        ("unknown account", UnknownAccount),
        ("unknown purpose", UnknownReason),
        ("account for a stranger", NotAMember),
        ("account opened twice", InvalidTransition),
    ],
)
def test_bad_transfers_are_refused_and_write_nothing(
    app: CoopNode, case: str, error: type[DomainError]
) -> None:
    a, b, *_ = open_accounts(app)
    owner = app.time_account(a).owner
    before = stored_events(app)
    commands = {
        "zero minutes": lambda: app.transfer_time(a, b, 0, "gift"),
        "negative minutes": lambda: app.transfer_time(a, b, -30, "gift"),
        "to itself": lambda: app.transfer_time(a, a, 30, "gift"),
        "unknown account": lambda: app.transfer_time(a, uuid4(), 30, "gift"),
        "unknown purpose": lambda: app.transfer_time(a, b, 30, "bribe"),
        "account for a stranger": lambda: app.open_time_account(uuid4()),
        "account opened twice": lambda: app.open_time_account(owner),
    }
    with pytest.raises(error) as raised:
        commands[case]()
    assert str(raised.value)
    assert stored_events(app) == before
