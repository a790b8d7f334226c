"""A board election on phones (390x844), from the pages: the board calls it,
two members stand with statements, a member ranks the candidates with the
keyboard alone (Tab and the arrow keys), the admin closes the ballot from the
staff ballots page, members read who was elected and every stage of the count,
and /board lists the new board. axe-core finds nothing on any of these pages."""

import datetime as dt

import pytest
from playwright.async_api import Browser, Page, expect

from tests.accessibility import phone_page, problems
from tests.browser import chromium
from tests.node_api import admitted_member, call, staff_token
from tests.web import LiveNode

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def clean(page: Page, name: str) -> None:
    assert await problems(page, name, screenshot=name) == []


async def stand(browser: Browser, url: str, token: str, statement: str) -> None:
    page = await phone_page(browser, url, token)
    await page.goto(url + "/board")
    await page.get_by_role("link", name="Board election 2026").click()
    await page.get_by_label("My statement to members").fill(statement)
    await page.get_by_role("button", name="Stand", exact=True).click()
    await expect(page.locator("#done")).to_contain_text("You are standing")
    await page.context.close()


async def tab_to(page: Page, element_id: str, text: str = "") -> None:
    """Press Tab until the element with ``element_id`` (or, with ``text``, the
    one that reads ``text``) has the focus."""
    for _ in range(60):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            "[document.activeElement.id, document.activeElement.textContent.trim()]"
        )
        if focused == [element_id, text or focused[1]]:
            return
    raise AssertionError(f"Tab never reached #{element_id} {text}")


async def test_an_election_on_phones_from_nominations_to_the_board(
    http_node: LiveNode,
) -> None:
    url = http_node.url
    _, board = await staff_token(http_node, "board", "Bo Ard")
    ann, ann_token = await admitted_member(http_node, "worker", "Ann Ode")
    cai, cai_token = await admitted_member(http_node, "worker", "Cai Moss")
    _, dev_token = await admitted_member(http_node, "worker", "Dev Roy")
    eve, eve_token = await admitted_member(http_node, "worker", "Eve Sand")
    fay, fay_token = await admitted_member(http_node, "worker", "Fay Lund")
    today = dt.date.today().isoformat()

    async with chromium() as browser:
        # The board calls the election, nominations open and closing today.
        page = await phone_page(browser, url, board)
        await page.goto(url + "/")
        await page.get_by_role("link", name="Board", exact=True).click()
        await page.get_by_role("link", name="All elections").click()
        await clean(page, "elections-list")
        await page.get_by_label("Election", exact=True).fill("Board election 2026")
        await page.get_by_label("Worker").check()
        await page.get_by_label("Nominations open on").fill(today)
        await page.get_by_label("Nominations close on").fill(today)
        await page.get_by_role("button", name="Call the election").click()
        await expect(page.locator("#done")).to_contain_text("The election is called")
        await clean(page, "election-nominating")

        await stand(browser, url, ann_token, "Ann will fix the night rota.")
        await stand(browser, url, cai_token, "Cai will bring in training.")

        election_path = page.url.split("?")[0].removeprefix(url)
        for token in (eve_token, fay_token):  # two more stand through the API
            status, body = await call(
                http_node,
                "POST",
                f"/api{election_path}/nominations",
                token=token,
                json={"statement": "Me too."},
            )
            assert status == 201, body

        await page.reload()
        await expect(page.locator("#candidates")).to_contain_text("Ann Ode")
        await page.get_by_role(
            "button", name="Close nominations and open voting"
        ).click()
        await expect(page.locator("#done")).to_contain_text("voting is open")
        status, view = await call(http_node, "GET", f"/api{election_path}", token=board)
        assert status == 200 and view["status"] == "voting", view
        ballot = view["ballot_id"]

        # Dev ranks Cai first and Ann second with the keyboard alone.
        dev = await phone_page(browser, url, dev_token)
        await dev.goto(url + election_path)
        await expect(dev.locator("#ballot-paper legend")).to_contain_text("Worker")
        await dev.locator("#ballot-paper").get_by_text("Statement by Ann Ode").click()
        await expect(dev.locator("#ballot-paper")).to_contain_text("night rota")
        await clean(dev, "election-ballot-paper")
        await dev.locator("h1").click()
        await tab_to(dev, f"rank-{cai}")
        await dev.keyboard.press("ArrowDown")
        await tab_to(dev, f"rank-{ann}")
        await dev.keyboard.press("ArrowDown")
        await dev.keyboard.press("ArrowDown")
        assert await dev.locator(f"#rank-{cai}").input_value() == "1"
        assert await dev.locator(f"#rank-{ann}").input_value() == "2"
        await tab_to(dev, "", "Cast my vote")  # past the statements
        await dev.keyboard.press("Enter")
        await expect(dev.locator("#receipt-secret")).to_be_visible()

        # Four more vote through the API: Cai is elected at once, Fay (last
        # nominated of three tied) is excluded and her vote passes to Ann.
        for token, ranking in (
            (ann_token, [ann, cai]),
            (cai_token, [cai]),
            (eve_token, [eve, ann]),
            (fay_token, [fay, ann]),
        ):
            status, body = await call(
                http_node,
                "POST",
                f"/api/ballots/{ballot}/votes",
                token=token,
                json={"choice": ranking},
            )
            assert status == 201, body

        # The admin closes it from the staff ballots page.
        admin = await phone_page(browser, url, http_node.admin_token)
        await admin.goto(url + "/staff/ballots")
        await admin.get_by_role(
            "button", name="Close and count Board election 2026"
        ).click()
        await admin.context.close()

        # Members read the result, the stages of the count and the board.
        await dev.goto(url + election_path)
        elected = dev.locator("#results .elected")
        await expect(elected).to_contain_text("Cai Moss")
        await expect(elected).to_contain_text("Ann Ode")
        rounds = dev.locator("table.rounds")
        await expect(rounds).to_contain_text("First preferences")
        await expect(rounds).to_contain_text("Votes of Fay Lund transferred")
        await expect(elected).to_contain_text("Eve Sand")
        await clean(dev, "election-results")
        await dev.get_by_role("link", name="Board", exact=True).click()
        seats = dev.locator("#board tbody tr")
        await expect(seats).to_have_count(3)
        await expect(dev.locator("#board")).to_contain_text("Cai Moss")
        await expect(dev.locator("#board")).to_contain_text("Worker")
        await clean(dev, "board-list")
