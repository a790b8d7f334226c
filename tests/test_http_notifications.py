"""Choosing how to hear from the co-op (API and home page), and the office's
letters to print."""

from pathlib import Path

from node.config import NodeConfig
from tests.configs import node_config
from tests.node_api import admitted_member, call
from tests.waiting import wait_for
from tests.web import browser_session, csrf_of, live_node
from toolkit.config import StoreConfig

NO_BROKER = ["nats://127.0.0.1:9"]


def config(tmp_path: Path) -> NodeConfig:
    return node_config("alpha", StoreConfig(path=str(tmp_path / "n.db")), NO_BROKER)


async def test_a_member_chooses_by_the_api(tmp_path: Path) -> None:
    async with live_node(config(tmp_path)) as http:
        _, token = await admitted_member(http)
        path = "/api/me/notifications"
        assert await call(http, "GET", path, token=token) == (200, {"channel": "email"})
        status, _ = await call(
            http, "PUT", path, token=token, json={"channel": "letter"}
        )
        assert status == 200
        assert await call(http, "GET", path, token=token) == (
            200,
            {"channel": "letter"},
        )
        status, _ = await call(http, "PUT", path, token=token, json={"channel": "owl"})
        assert status == 400
        status, _ = await call(
            http, "PUT", path, token=http.admin_token, json={"channel": "none"}
        )
        assert status == 403
        status, document = await call(http, "GET", "/openapi.json")
        assert path in document["paths"]


async def test_a_member_chooses_on_their_home_page(tmp_path: Path) -> None:
    async with live_node(config(tmp_path)) as http:
        _, token = await admitted_member(http)
        async with browser_session(http, token) as browser:
            async with browser.get("/") as response:
                page = await response.text()
            assert "How we contact you" in page
            form = {"channel": "none"}
            async with browser.post("/notifications", data=form) as response:
                assert response.status == 403  # no CSRF token
            form["csrf"] = csrf_of(page)
            async with browser.post(
                "/notifications", data=form, allow_redirects=False
            ) as response:
                assert response.status == 303
            async with browser.get("/") as response:
                assert 'value="none" checked' in await response.text()


async def test_the_office_prints_letters(tmp_path: Path) -> None:
    async with live_node(config(tmp_path)) as http:
        _, token = await admitted_member(http, name="Rosa Bianchi")
        path = "/api/me/notifications"
        await call(http, "PUT", path, token=token, json={"channel": "letter"})
        http.node.coop_node.open_ballot("Spring meeting")
        http.node.notifier.wake()
        outbox = http.node.outbox
        await wait_for(lambda: len(outbox.letters_to_print()) == 1, what="a letter")
        async with browser_session(http, http.admin_token) as browser:
            async with browser.get("/staff/print-queue") as response:
                page = await response.text()
            assert "Ballot open: Spring meeting" in page and "Rosa Bianchi" in page
            letter = outbox.letters_to_print()[0]
            async with browser.post(
                f"/staff/print-queue/{letter.id}/printed",
                data={"csrf": csrf_of(page)},
                allow_redirects=False,
            ) as response:
                assert response.status == 303
            async with browser.get("/staff/print-queue") as response:
                assert "No letters to print" in await response.text()
        assert outbox.letters_to_print() == []
        async with (
            browser_session(http, token) as member,
            member.get("/staff/print-queue") as response,
        ):
            assert response.status == 403
