"""The coordinator's time-bank, workers and visit-cancelling pages over a real
server, SQLite store and broker: every write redirects to its page (PRG), each
new route refuses members and the board, and a refused form is shown again with
what was typed and a plain message beside the field, naming members by name."""

import datetime as dt
import html
import re
from typing import Any
from uuid import UUID

from node.http.coordinator_forms import minutes_of
from node.http.coordinator_pages import PURPOSE_LABELS
from node.timebank import PURPOSES
from tests.node_api import (
    NOBODY,
    Form,
    admitted_member,
    call,
    events,
    open_account,
    post_form,
    schedule,
    staff_token,
)
from tests.page_text import UUID_TEXT, error_beside
from tests.waiting import wait_for
from tests.web import LiveNode


def alert(page: str) -> str:
    """What a page says is wrong with a form as a whole, naming no id."""
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', page)
    assert found, "no error at the top of the page"
    assert not UUID_TEXT.search(found.group(1)), found.group(1)
    return found.group(1)


def test_hours_as_people_write_them() -> None:
    assert [minutes_of(t) for t in ("1.5", "1,5", "1:30", "2", "0:05", "0.25")] == [
        90,
        90,
        90,
        120,
        5,
        15,
    ]
    assert minutes_of("-10", signed=True) == -600
    for bad in ("", "-1", "1:75", "one", "1.5.5", "1:3"):
        try:
            minutes_of(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was read as hours")
    assert set(PURPOSE_LABELS) == set(PURPOSES)


async def test_the_time_bank_from_the_coordinator_pages(http_node: LiveNode) -> None:
    rosa, _ = await admitted_member(http_node, "volunteer", "Rosa Bianchi")
    omar, _ = await admitted_member(http_node, "volunteer", "Omar Haddad")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    app = http_node.node.coop_node
    status, page = await call(http_node, "GET", "/staff/timebank", token=coordinator)
    assert status == 200 and "Rosa Bianchi" in page and "No account" in page
    assert 'data-api="POST /api/timebank/accounts"' in page
    assert 'data-api="POST /api/timebank/pool"' in page
    assert 'data-api="GET /api/timebank/pool"' in page  # saying it is not open

    for member in (rosa, omar):
        opened = [("member_id", member), ("minimum", "-2"), ("maximum", "100")]
        status, where = await post_form(
            http_node, "/staff/timebank/accounts", coordinator, opened
        )
        assert (status, where) == (303, "/staff/timebank?done=account#done")
    assert app.time_account_of(UUID(rosa)).minimum == -120
    before = events(http_node)
    status, page = await post_form(
        http_node,
        "/staff/timebank/accounts",
        coordinator,
        [("member_id", rosa), ("minimum", "-3"), ("maximum", "50")],
    )
    assert status == 409
    said = error_beside(page, "account-member")
    assert said == "Rosa Bianchi already has an account."
    assert 'value="-3"' in page and 'value="50"' in page  # kept as typed
    assert events(http_node) == before

    transfer = [
        ("from_member", rosa),
        ("to_member", omar),
        ("hours", "1:30"),
        ("purpose", "gift"),
        ("note", "for the shopping"),
        ("on", "2026-02-01"),
    ]
    status, where = await post_form(
        http_node, "/staff/timebank/transfers", coordinator, transfer
    )
    assert (status, where) == (303, "/staff/timebank?done=transfer#done")
    assert app.time_account_of(UUID(omar)).balance == 90
    status, page = await call(http_node, "GET", where, token=coordinator)
    assert "Transfer recorded." in page
    for hours, field, status_wanted, words in (
        ("abc", "transfer-hours", 400, "1.5 or 1:30"),
        ("0", "transfer-hours", 400, "1.5 or 1:30"),
        ("1", "transfer-from_member", 409, "Rosa Bianchi has too few hours"),
    ):
        typed = [(k, hours if k == "hours" else v) for k, v in transfer]
        status, page = await post_form(
            http_node, "/staff/timebank/transfers", coordinator, typed
        )
        assert status == status_wanted, page
        assert words in error_beside(page, field)
        assert f'value="{hours}"' in page and 'value="for the shopping"' in page
        assert f'<option value="{omar}" selected>' in page
    assert events(http_node) == before + 2  # the transfer's two entries

    status, where = await post_form(
        http_node,
        "/staff/timebank/pool",
        coordinator,
        [("minimum", "-1000"), ("maximum", "1000")],
    )
    assert (status, where) == (303, "/staff/timebank?done=pool#done")
    for direction, hours in (("from_pool", "3"), ("to_pool", "0.5")):
        status, where = await post_form(
            http_node,
            "/staff/timebank/pool/transfers",
            coordinator,
            [
                ("member", rosa),
                ("direction", direction),
                ("hours", hours),
                ("purpose", "volunteering"),
            ],
        )
        assert (status, where) == (303, "/staff/timebank?done=pool-transfer#done")
    status, page = await call(http_node, "GET", "/staff/timebank", token=coordinator)
    assert 'id="pool-balance">-2 h 30 min<' in page
    assert 'data-api="GET /api/timebank/pool"' in page
    assert 'data-api="POST /api/timebank/pool/transfers"' in page

    status, page = await call(
        http_node, "GET", f"/staff/timebank/members/{rosa}", token=coordinator
    )
    assert status == 200 and 'data-api="GET /api/timebank/accounts/{id}"' in page
    line = r'<tr><td data-label="Date">([^<]+)</td>\s*<td[^>]*>([^<]+)<'
    rows = re.findall(line, page)
    assert [html.unescape(who) for _, who in rows] == [
        "Omar Haddad",
        "the co-op's pool",
        "the co-op's pool",
    ]
    pool = "/staff/timebank/pool"
    status, page = await call(http_node, "GET", pool, token=coordinator)
    assert status == 200 and page.count("Rosa Bianchi") == 2
    status, _ = await call(
        http_node, "GET", f"/staff/timebank/members/{NOBODY}", token=coordinator
    )
    assert status == 404


async def test_workers_from_the_coordinator_pages(http_node: LiveNode) -> None:
    wes, _ = await admitted_member(http_node, "worker", "Wes Tan")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    app = http_node.node.coop_node
    started = dt.date.today() - dt.timedelta(days=20)
    status, where = await post_form(
        http_node,
        "/staff/workers",
        coordinator,
        [("member", wes), ("joined_on", str(started)), ("disadvantaged", "yes")],
    )
    assert (status, where) == (303, "/staff/workers?done=hired#done")
    [worker] = app.workers()
    assert (worker.joined_on, worker.disadvantaged) == (started, True)
    status, page = await call(http_node, "GET", where, token=coordinator)
    assert "Worker hired." in page and 'data-api="GET /api/workers"' in page
    assert 'data-api="POST /api/workers/{id}/leave"' in page

    before = events(http_node)
    leave = f"/staff/workers/{worker.id}/leave"
    too_early = str(started - dt.timedelta(days=1))
    status, page = await post_form(
        http_node, leave, coordinator, [("left_on", too_early), ("reason", "moving")]
    )
    assert status == 400
    words = error_beside(page, f"left-on-{worker.id}")
    assert words == f"Wes Tan started on {started}: they cannot leave before that."
    assert f'value="{too_early}"' in page and 'value="moving"' in page
    status, page = await post_form(
        http_node, "/staff/workers", coordinator, [("member", wes), ("joined_on", "x")]
    )
    assert status == 400 and "day they started" in error_beside(page, "hire-joined-on")
    assert events(http_node) == before

    status, where = await post_form(
        http_node, leave, coordinator, [("left_on", ""), ("reason", "moving away")]
    )
    assert (status, where) == (303, "/staff/workers?done=left#done")
    status, page = await post_form(http_node, leave, coordinator, [("reason", "again")])
    assert status == 409
    assert alert(page) == f"Wes Tan already left, on {dt.date.today()}."
    status, page = await call(http_node, "GET", "/staff/workers", token=coordinator)
    assert "moving away" in page and "Leaver recorded." not in page


async def test_cancelling_a_visit_tells_the_service_user(http_node: LiveNode) -> None:
    user, user_token = await admitted_member(http_node, "service_user", "Una Ward")
    await call(
        http_node,
        "PUT",
        "/api/me/notifications",
        token=user_token,
        json={"channel": "letter"},
    )
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    app = http_node.node.coop_node
    types = list(app.coop().profile.service_types[:1])
    visit = await schedule(http_node, user, types)
    status, page = await call(http_node, "GET", "/staff/visits", token=coordinator)
    assert 'data-api="POST /api/visits/{id}/cancel"' in page
    before = events(http_node)
    status, page = await post_form(
        http_node,
        f"/staff/visits/{visit}/cancel",
        coordinator,
        [("reason", "no_such_reason"), ("notes", "Una is in hospital")],
    )
    assert status == 400
    assert error_beside(page, f"cancel-reason-{visit}") == (
        "Choose why the visit is cancelled."
    )
    assert "Una is in hospital</textarea>" in page
    assert events(http_node) == before

    cancel = [("reason", "service_user_unwell"), ("notes", "Una is in hospital")]
    status, where = await post_form(
        http_node, f"/staff/visits/{visit}/cancel", coordinator, cancel
    )
    assert (status, where) == (303, f"/staff/visits?done={visit}#done")
    assert (app.visit(visit).status, app.visit(visit).reason) == (
        "cancelled",
        "service_user_unwell",
    )
    outbox = http_node.node.outbox

    def told() -> bool:
        return any(
            m.notice is not None
            and m.notice.subject == "Visit cancelled"
            and m.recipient == UUID(user)
            for m in outbox.messages()
        )

    await wait_for(told, what="the service user to be told")
    status, page = await post_form(
        http_node, f"/staff/visits/{visit}/cancel", coordinator, cancel
    )
    assert status == 409 and "no longer scheduled" in alert(page)

    status, cancelled = await call(
        http_node,
        "POST",
        f"/api/visits/{await schedule(http_node, user, types)}/cancel",
        token=coordinator,
        json={"reason": "in_hospital"},
    )
    assert status == 200 and cancelled["status"] == "cancelled"


async def test_members_and_the_board_reach_none_of_it(http_node: LiveNode) -> None:
    user, member_token = await admitted_member(http_node, "service_user", "Una Ward")
    _, board = await staff_token(http_node, "board", "Bea Ng")
    app = http_node.node.coop_node
    visit = await schedule(http_node, user, list(app.coop().profile.service_types[:1]))
    await open_account(http_node, user)
    worker = app.hire_worker(UUID(user))
    before = events(http_node)
    pages: list[tuple[str, str, Form]] = [
        ("GET", "/staff/timebank", []),
        ("GET", f"/staff/timebank/members/{user}", []),
        ("GET", "/staff/timebank/pool", []),
        ("POST", "/staff/timebank/accounts", [("member_id", user)]),
        ("POST", "/staff/timebank/transfers", [("to_member", user)]),
        ("POST", "/staff/timebank/pool", []),
        ("POST", "/staff/timebank/pool/transfers", [("member", user)]),
        ("GET", "/staff/workers", []),
        ("POST", "/staff/workers", [("member", user)]),
        ("POST", f"/staff/workers/{worker}/leave", []),
        ("POST", f"/staff/visits/{visit}/cancel", [("reason", "other")]),
    ]
    for token in (member_token, board):
        for method, path, form in pages:
            if method == "GET":
                status, _ = await call(http_node, "GET", path, token=token)
            else:
                status, _ = await post_form(http_node, path, token, form)
            assert status == 403, (path, token == board)
        status, refused = await call(
            http_node,
            "POST",
            f"/api/visits/{visit}/cancel",
            token=token,
            json={"reason": "other"},
        )
        assert status == 403, refused
    assert events(http_node) == before
    for path in ("/staff/timebank", "/staff/workers", "/staff/visits"):
        status, _ = await call(http_node, "GET", path, token=http_node.admin_token)
        assert status == 200, path
    status, document = await call(http_node, "GET", "/openapi.json")
    operation: dict[str, Any] = document["paths"]["/api/visits/{id}/cancel"]["post"]
    assert sorted(operation["x-roles"]) == ["admin", "coordinator"]
