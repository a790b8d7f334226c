"""The access log (node.access_audit): every read of a care record or personal
data, through the API or a page, is one record naming who read, whose and what;
the person sees the reads of their own records, the data protection lead sees
and exports everyone's; nobody else sees anyone else's; the log is in the store
and survives a restart."""

import csv
import datetime as dt
import io
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import aiohttp

from node.access_audit import AccessRead, Reading
from node.application import CoopNode
from node.auth import ADMIN, Principal
from node.config import StoreConfig
from node.rules import profile_named
from tests.node_api import (
    admitted_member,
    call,
    events,
    open_account,
    schedule,
    staff_token,
)
from tests.page_text import visible_text
from tests.web import LiveNode, bearer


def reads(http: LiveNode) -> list[AccessRead]:
    return http.node.coop_node.access_reads(everyone=True)


async def one_read(http: LiveNode, read: Callable[[], Awaitable[Any]]) -> AccessRead:
    """The one record that ``read`` (a request answered 200) wrote."""
    before = len(reads(http))
    status, body = await read()
    assert status == 200, body
    after = reads(http)
    assert len(after) == before + 1, after[: len(after) - before]
    return after[0]


async def care_records(http: LiveNode) -> dict[str, Any]:
    """A service user with a reviewed plan and an incident on her visit; a
    coordinator and a board member to read them."""
    una, una_token = await admitted_member(http, "service_user", "Una Ward")
    cal, coordinator = await staff_token(http, "coordinator", "Cal Roy")
    bea, board = await staff_token(http, "board", "Bea Ng")
    app = http.node.coop_node
    plan = app.open_care_plan(UUID(una), [("Cook a meal", 3, 4)])
    app.review_care_plan(plan, [(5, 6)], "Cooked soup with help.")
    service = app.coop().profile.service_types[0]
    visit = await schedule(http, una, [service])
    incident = app.raise_incident("safeguarding", "A bruise", None, visit)
    return {
        "una": una,
        "una_token": una_token,
        "cal": cal,
        "coordinator": coordinator,
        "bea": bea,
        "board": board,
        "plan": plan,
        "incident": incident,
    }


def get(http: LiveNode, path: str, token: str) -> Callable[[], Awaitable[Any]]:
    return lambda: call(http, "GET", path, token=token)


async def test_each_read_of_a_care_record_or_contact_details_is_one_record(
    http_node: LiveNode,
) -> None:
    r = await care_records(http_node)
    una, cal, bea = UUID(r["una"]), UUID(r["cal"]), UUID(r["bea"])
    coordinator, board = r["coordinator"], r["board"]
    plan, incident = r["plan"], r["incident"]
    expected = [
        ("/api/care-plans", coordinator, cal, "care_plan", plan),
        (f"/staff/care-plans/{plan}", coordinator, cal, "care_plan", plan),
        (f"/api/incidents/{incident}", coordinator, cal, "incident", incident),
        (f"/staff/incidents/{incident}", coordinator, cal, "incident", incident),
        (f"/api/members/{una}", coordinator, cal, "contact_details", None),
        (f"/staff/members/{una}", board, bea, "member_record", None),
    ]
    for path, token, reader, what, record_id in expected:
        read = await one_read(http_node, get(http_node, path, token))
        assert (read.reader, read.subject, read.what, read.record_id) == (
            reader,
            una,
            what,
            record_id,
        ), path
        assert read.reader_role in ("coordinator", "board")
    # Time-bank statements and expense claims name what a person did and spent.
    await open_account(http_node, r["una"])
    for path in (f"/api/timebank/accounts/{una}", f"/staff/timebank/members/{una}"):
        read = await one_read(http_node, get(http_node, path, coordinator))
        assert (read.subject, read.what) == (una, "timebank_statement"), path
    status, _ = await call(
        http_node,
        "POST",
        "/api/expenses",
        token=r["una_token"],
        json={"category": "travel", "amount": 480},
    )
    assert status == 201
    for path in ("/api/expenses", "/staff/expenses"):
        read = await one_read(http_node, get(http_node, path, coordinator))
        assert (read.subject, read.what) == (una, "expenses"), path
    # The person reading her own details is recorded too.
    read = await one_read(http_node, get(http_node, "/details", r["una_token"]))
    assert (read.reader, read.subject, read.what) == (una, una, "contact_details")
    # The admin token is "admin", with no member.
    read = await one_read(
        http_node, get(http_node, f"/api/incidents/{incident}", http_node.admin_token)
    )
    assert (read.reader_role, read.reader, read.subject) == ("admin", None, una)


async def test_a_list_records_a_read_of_each_person_it_shows(
    http_node: LiveNode,
) -> None:
    r = await care_records(http_node)
    other, _ = await admitted_member(http_node, "service_user", "Olga Other")
    app = http_node.node.coop_node
    app.open_care_plan(UUID(other), [("Walk to the shop", 2, 3)])
    before = len(reads(http_node))
    status, _ = await call(
        http_node, "GET", "/staff/care-plans", token=r["coordinator"]
    )
    assert status == 200
    new = reads(http_node)[: len(reads(http_node)) - before]
    assert sorted((str(n.subject), n.what) for n in new) == sorted(
        [(r["una"], "care_plan"), (other, "care_plan")]
    )


async def test_the_person_sees_who_read_their_records(http_node: LiveNode) -> None:
    r = await care_records(http_node)
    status, _ = await call(
        http_node, "GET", f"/api/incidents/{r['incident']}", token=r["coordinator"]
    )
    assert status == 200
    status, log = await call(
        http_node, "GET", "/api/me/access-log", token=r["una_token"]
    )
    assert status == 200, log
    [cal_read] = [e for e in log if e["reader"]["name"] == "Cal Roy"]
    assert cal_read["reader"]["role"] == "coordinator"
    assert cal_read["what"] == "incident"
    assert cal_read["subject"]["name"] == "Una Ward"
    # Looking at the log is itself a read, shown to her as her own.
    status, page = await call(http_node, "GET", "/details/access", token=r["una_token"])
    assert status == 200
    text = visible_text(page)
    assert "Cal Roy (coordinator)" in text and "incident" in text
    assert "You" in text and "who read their records" in text
    assert r["cal"] not in page  # people by name, never by id
    # The page is reachable from her details.
    status, details = await call(http_node, "GET", "/details", token=r["una_token"])
    assert 'href="/details/access"' in details


async def test_the_data_protection_lead_sees_and_exports_every_read(
    http_node: LiveNode,
) -> None:
    r = await care_records(http_node)
    dora, dora_token = await admitted_member(http_node, "worker", "Dora Pike")
    app = http_node.node.coop_node
    app.designate_lead("data_protection", UUID(dora))
    for path in (f"/api/incidents/{r['incident']}", f"/api/members/{r['bea']}"):
        status, _ = await call(http_node, "GET", path, token=r["coordinator"])
        assert status == 200

    status, log = await call(http_node, "GET", "/api/access-log", token=dora_token)
    assert status == 200, log
    whose = {(e["subject"]["name"], e["what"]) for e in log if e["subject"]}
    assert {("Una Ward", "incident"), ("Bea Ng", "contact_details")} <= whose
    # Looking was recorded: a read of the log of each person shown.
    looked = [e for e in reads(http_node) if e.reader == UUID(dora)]
    assert {(str(e.subject), e.what) for e in looked} >= {
        (r["una"], "access_log"),
        (r["bea"], "access_log"),
    }

    # By person, and by days.
    query = f"/api/access-log?subject={r['una']}"
    status, una_log = await call(http_node, "GET", query, token=dora_token)
    assert status == 200
    assert una_log and {e["subject"]["name"] for e in una_log} == {"Una Ward"}
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    status, none = await call(
        http_node, "GET", f"/api/access-log?from={tomorrow}", token=dora_token
    )
    assert (status, none) == (200, [])

    # As CSV: names and member numbers, never ids.
    csv_query = query.replace("/api/access-log", "/api/access-log.csv")
    status, text = await call(http_node, "GET", csv_query, token=dora_token)
    assert status == 200
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["When", "Reader"]
    assert [
        "Cal Roy",
        "coordinator",
        "Una Ward",
        "incident or safeguarding concern",
    ] in [[row[1], row[3], row[4], row[6]] for row in rows]
    numbers = {row[1]: row[2] for row in rows[1:]}
    assert numbers["Cal Roy"].isdigit()
    assert r["una"] not in text and r["cal"] not in text
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            http_node.url + "/api/access-log.csv", headers=bearer(dora_token)
        ) as response,
    ):
        assert response.status == 200
        assert response.content_type == "text/csv"

    # The page, reachable from her home.
    status, home = await call(http_node, "GET", "/", token=dora_token)
    assert 'href="/staff/access-log"' in home
    status, page = await call(
        http_node, "GET", f"/staff/access-log?subject={r['una']}", token=dora_token
    )
    assert status == 200
    assert "Una Ward" in visible_text(page) and "Cal Roy" in visible_text(page)


async def test_nobody_else_sees_anyone_elses_reads(http_node: LiveNode) -> None:
    r = await care_records(http_node)
    rosa, rosa_token = await admitted_member(http_node, "worker", "Rosa Bianchi")
    status, _ = await call(
        http_node, "GET", f"/api/incidents/{r['incident']}", token=r["coordinator"]
    )
    assert status == 200
    before = events(http_node)
    for token in (rosa_token, r["coordinator"], r["board"]):
        for path in (f"/api/access-log?subject={r['una']}", "/api/access-log"):
            status, body = await call(http_node, "GET", path, token=token)
            assert status == 403, (path, body)
            assert "Una Ward" not in str(body) and "Cal Roy" not in str(body)
        status, page = await call(http_node, "GET", "/staff/access-log", token=token)
        assert status == 403
        assert "Una Ward" not in page
    assert events(http_node) == before  # nothing read, nothing recorded

    # Her own log she may read there too.
    status, own = await call(
        http_node, "GET", f"/api/access-log?subject={rosa}", token=rosa_token
    )
    assert status == 200
    assert all(e["subject"]["name"] == "Rosa Bianchi" for e in own)


async def test_a_name_like_a_formula_stays_text_in_the_csv(
    http_node: LiveNode,
) -> None:
    _, coordinator = await staff_token(
        http_node, "coordinator", '=HYPERLINK("http://evil.example","x")'
    )
    una, _ = await admitted_member(http_node, "service_user", "@SUM(A1)")
    status, _ = await call(http_node, "GET", f"/api/members/{una}", token=coordinator)
    assert status == 200
    status, text = await call(
        http_node, "GET", "/api/access-log.csv", token=http_node.admin_token
    )
    assert status == 200
    rows = list(csv.reader(io.StringIO(text)))
    assert ['\'=HYPERLINK("http://evil.example","x")', "'@SUM(A1)"] in [
        [row[1], row[4]] for row in rows
    ]
    assert not any(
        cell.startswith(("=", "@", "+", "-")) for row in rows for cell in row
    )


def founded(path: Path) -> CoopNode:
    app = CoopNode("alpha", StoreConfig(path=str(path)).env())
    if not app.is_founded:
        app.found_coop("Alpha Care", profile_named("uk_multi_stakeholder"))
    return app


def test_the_log_survives_a_restart_and_keeps_months_apart(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    app = founded(store)
    una, other = uuid4(), uuid4()
    reader = Principal("coordinator", uuid4())
    march = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
    april = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
    app.record_read(reader, una, "care_plan", uuid4(), march)
    app.record_read(reader, una, "visit_notes", None, april)
    app.record_reads(
        ADMIN, [Reading(other, "incident"), Reading(una, "incident")], april
    )
    app.close()

    app = founded(store)
    try:
        mine = app.access_reads(una)  # latest first
        assert {(r.what, r.at) for r in mine[:2]} == {
            ("visit_notes", april),
            ("incident", april),
        }
        assert (mine[2].what, mine[2].at, len(mine)) == ("care_plan", march, 3)
        assert len(app.access_reads(everyone=True)) == 4
        # By days, in the node's own time.
        april_day = april.astimezone().date()
        only = app.access_reads(una, since=april_day, until=april_day)
        assert {r.what for r in only} == {"visit_notes", "incident"}
        # The calendar's ends are days one may ask from and to (the fuzzer asked
        # from the year 1: a 500).
        whole = app.access_reads(una, since=dt.date.min, until=dt.date.max)
        assert len(whole) == 3
    finally:
        app.close()


def test_reads_at_the_same_moment_are_all_kept(tmp_path: Path) -> None:
    """Readers of one person at once collide on the log's next version: each
    tries again, and none is lost."""
    app = founded(tmp_path / "store.db")
    una = uuid4()
    readers = [Principal("coordinator", uuid4()) for _ in range(4)]
    try:

        def read_many(reader: Principal) -> None:
            for _ in range(25):
                app.record_read(reader, una, "care_plan")

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(read_many, readers))
        assert len(app.access_reads(una)) == 100
    finally:
        app.close()


def test_a_thousand_reads_cost_little(tmp_path: Path) -> None:
    """Not a timing test: says what 1,000 reads cost on SQLite (see the report)."""
    app = founded(tmp_path / "store.db")
    una, reader = uuid4(), Principal("coordinator", uuid4())
    try:
        began = time.perf_counter()
        for _ in range(1000):
            app.record_read(reader, una, "care_plan")
        took = time.perf_counter() - began
        print(f"1000 reads: {took:.2f} s")
        assert len(app.access_reads(una)) == 1000
    finally:
        app.close()
