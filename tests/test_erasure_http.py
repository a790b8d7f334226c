"""Erasure on the API and the member's record page: the board or the data
protection lead erases someone who has left; nobody else can; pages then show
"erased" where the name was, and say what was destroyed and what is kept."""

from pathlib import Path
from uuid import UUID

import aiohttp

from node.sealing import ERASED
from tests.a_day import a_day_of_records
from tests.erasure_records import found_in_files
from tests.node_api import (
    admitted_member,
    call,
    events,
    post_form,
    schedule,
    staff_token,
)
from tests.page_text import error_beside, visible_text
from tests.waiting import wait_for
from tests.web import LiveNode, bearer


async def a_leaver(http: LiveNode, name: str) -> str:
    member, _ = await admitted_member(http, "service_user", name)
    status, _ = await call(
        http, "POST", f"/api/members/{member}/withdraw", token=http.admin_token, json={}
    )
    assert status == 200
    return member


async def page(http: LiveNode, path: str, token: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(http.url + path, headers=bearer(token)) as response,
    ):
        return response.status, await response.text()


async def test_the_board_erases_a_leaver_and_pages_say_erased(
    http_node: LiveNode,
) -> None:
    _, board = await staff_token(http_node, "board", "Bea Board")
    leaver, _ = await admitted_member(http_node, "service_user", "ZQXLEAVERNAME")
    # A visit booked: the notifier queues a message to them, with their name and
    # address (node.outbox).
    http_node.node.coop_node.choose_notifications(UUID(leaver), "letter")
    service = http_node.node.coop_node.coop().profile.service_types[0]
    await schedule(http_node, leaver, [service], at="2030-05-06T10:30:00+01:00")
    outbox = http_node.node.outbox

    def queued() -> list[str]:
        return [m.name for m in outbox.messages() if str(m.recipient) == leaver]

    await wait_for(lambda: bool(queued()), what="a message to the leaver")
    status, _ = await call(
        http_node, "POST", f"/api/members/{leaver}/withdraw", token=board, json={}
    )
    assert status == 200

    status, body = await call(
        http_node,
        "POST",
        f"/api/members/{leaver}/erase",
        token=board,
        json={"reason": "requested"},
    )

    assert status == 200, body
    # Their visit is a care record: kept 8 years after it (node.retention).
    assert body["destroyed"] == ["personal"]
    assert body["kept_until"] == {"care": "2038-05-06"}
    status, record = await call(http_node, "GET", f"/api/members/{leaver}", token=board)
    assert record["name"] == ERASED
    status, text = await page(http_node, f"/staff/members/{leaver}", board)
    assert status == 200
    shown = visible_text(text)
    assert "ZQXLEAVERNAME" not in text and "erased" in shown
    assert "data was erased on" in shown
    assert "Kept by law until 6 May 2038, then destroyed: care records." in shown
    store = http_node.node.config.store_env()["SQLITE_DBNAME"]
    assert found_in_files(Path(store).parent, ["ZQXLEAVERNAME"]) == {}
    # Its letters are not printed: there is no name or address left to print.
    mine = [m for m in outbox.messages() if str(m.recipient) == leaver]
    assert mine and {m.name for m in mine} == {ERASED}
    assert not [m for m in outbox.letters_to_print() if str(m.recipient) == leaver]
    # Asked again: refused, nothing written.
    before = events(http_node)
    status, body = await call(
        http_node, "POST", f"/api/members/{leaver}/erase", token=board, json={}
    )
    assert (status, body["error"]["code"]) == (409, "already_erased")
    assert events(http_node) == before


async def test_an_admitted_member_is_not_erased(http_node: LiveNode) -> None:
    member, _ = await admitted_member(http_node, "worker", "Ada Admitted")
    before = events(http_node)
    status, body = await call(
        http_node,
        "POST",
        f"/api/members/{member}/erase",
        token=http_node.admin_token,
        json={},
    )
    assert (status, body["error"]["code"]) == (409, "still_a_member")
    assert events(http_node) == before


async def test_nobody_but_the_board_or_the_lead_may_erase(http_node: LiveNode) -> None:
    leaver = await a_leaver(http_node, "Lee Leaver")
    coordinator, coordinator_token = await staff_token(
        http_node, "coordinator", "Cal Coord"
    )
    _, member_token = await admitted_member(http_node, "worker", "Mo Member")
    before = events(http_node)
    for token in (coordinator_token, member_token):
        status, _ = await call(
            http_node, "POST", f"/api/members/{leaver}/erase", token=token, json={}
        )
        assert status == 403
        status, _ = await post_form(
            http_node,
            f"/staff/members/{leaver}/erase",
            token,
            [("reason", "requested"), ("erase_confirm", "yes")],
        )
        assert status == 403
    assert events(http_node) == before
    assert http_node.node.coop_node.member(UUID(leaver)).name == "Lee Leaver"
    # Named data protection lead, the coordinator may.
    http_node.node.coop_node.designate_lead("data_protection", UUID(coordinator))
    status, body = await call(
        http_node,
        "POST",
        f"/api/members/{leaver}/erase",
        token=coordinator_token,
        json={"reason": "no_longer_needed"},
    )
    assert status == 200, body


async def test_the_record_page_asks_to_confirm_then_says_what_was_done(
    http_node: LiveNode,
) -> None:
    _, board = await staff_token(http_node, "board", "Bea Board")
    leaver = await a_leaver(http_node, "Lee Leaver")
    path = f"/staff/members/{leaver}/erase"

    status, text = await post_form(http_node, path, board, [("reason", "requested")])
    assert status == 400
    assert "Tick the box" in error_beside(text, "erase_confirm")
    assert http_node.node.coop_node.member(UUID(leaver)).name == "Lee Leaver"

    status, where = await post_form(
        http_node, path, board, [("reason", "requested"), ("erase_confirm", "yes")]
    )
    assert (status, where) == (303, f"/staff/members/{leaver}?done=erased#done")
    status, text = await page(http_node, where, board)
    shown = visible_text(text)
    assert "data is erased." in shown
    assert "Destroyed on" in shown and "care records" in shown


async def test_no_personal_text_of_a_day_of_records_is_in_the_store_files(
    http_node: LiveNode,
) -> None:
    """Every personal field the node stores is declared (node.personal_fields):
    after a day of records, none of the names, addresses, notes or free text
    typed that day is in any file of the store as it is."""
    await a_day_of_records(http_node)
    http_node.node.notifier.compose_page()
    typed = [
        "Una Ward",
        "Rosa Bianchi",
        "Ada Applicant",
        "ada@example.org",
        "rosa@example.org",
        "Mill Lane",
        "Cook a meal",
        "A fall",
        "I could help on Sundays.",
        "I will speak for service users.",
        "Tea at the hall",  # a circle meeting's notes
    ]
    store = Path(http_node.node.config.store_env()["SQLITE_DBNAME"])
    assert found_in_files(store.parent, typed) == {}
    # What is not personal is stored as typed: the search does find text.
    assert found_in_files(store.parent, ["Open a second day centre"])
