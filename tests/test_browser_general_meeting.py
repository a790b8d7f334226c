"""A whole general meeting from phones (390x844), through the pages alone, as the
people involved would run it:

1. the board drafts a motion, adds its paper (a PDF) and opens the vote, closing
   a short while ahead;
2. the board calls a general meeting with the motion's ballot on its agenda;
3. two members read the paper and discuss it from their phones; one votes online;
4. at the meeting the board records who came, enters the room's totals for those
   present who had not voted, and enters a postal vote for a member who stayed
   home;
5. nobody closes the ballot: the node does, at its closing time; a member reads
   the result on the motion's page, counting online, room and postal votes;
6. the board adopts the minutes and a member reads them on the meeting page.

Every page is checked with axe-core (WCAG 2.1 AA) and for content off screen.
"""

import datetime as dt
import time
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.accessibility import phone_page, problems
from tests.browser import chromium, screenshot_path
from tests.node_api import admitted_member, staff_token
from tests.web import LiveNode

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Long enough for the board to run the meeting on a busy machine before the
# ballot closes; the test waits out the rest.
CLOSES_IN = dt.timedelta(seconds=40)
MOTION = "Open a day centre"
MEETING = "Annual general meeting"
# A one-page PDF: the paper's magic bytes are checked, so it must look like one.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


async def checked(page: Page, name: str) -> None:
    assert await problems(page, name) == []
    await page.screenshot(path=screenshot_path(f"agm-{name}"), full_page=True)


async def read_the_paper(page: Page, url: str, paper: Path) -> None:
    await page.goto(url + "/")
    await page.get_by_role("link", name="Motions").click()
    await page.get_by_role("link", name=MOTION).click()
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Costings").click()
    assert (await (await download.value).path()).read_bytes() == paper.read_bytes()


async def comment(page: Page, text: str) -> None:
    await page.get_by_label("Your comment").fill(text)
    await page.get_by_role("button", name="Post my comment").click()
    await expect(page.locator("#done")).to_contain_text("comment is posted")
    await expect(page.locator("#discussion")).to_contain_text(text)


async def test_a_whole_general_meeting_on_phones(
    http_node: LiveNode, tmp_path: Path
) -> None:
    url = http_node.url
    # Ticks every half second, so the ballot closes within a moment of its time
    # (opening the vote wakes the clock, which then keeps this interval).
    http_node.node.closing.interval = 0.5
    _, board = await staff_token(http_node, "board", "Bea Ng")  # a worker
    _, rosa = await admitted_member(http_node, "worker", "Rosa Bianchi")
    await admitted_member(http_node, "worker", "Una Ward")
    _, sam = await admitted_member(http_node, "service_user", "Sam Okafor")
    await admitted_member(http_node, "service_user", "Omar Haddad")
    paper = tmp_path / "costings.pdf"
    paper.write_bytes(PDF)

    async with chromium() as browser:
        # 1. The board drafts the motion, adds its paper and opens the vote.
        page = await phone_page(browser, url, board)
        await page.goto(url + "/")
        await page.get_by_role("link", name="Motions").click()
        await page.get_by_label("Title").fill(MOTION)
        await page.get_by_label("Kind of motion").select_option("ordinary")
        await page.get_by_label("Proposed by").select_option(label="Rosa Bianchi")
        await page.get_by_label("Text of the motion").fill(
            "The co-op opens a day centre in the village hall, as costed."
        )
        await page.get_by_role("button", name="Draft the motion").click()
        await expect(page.locator("#done")).to_contain_text("drafted")
        await page.get_by_label("Name of the paper").fill("Costings")
        await page.get_by_label("File (PDF").set_input_files(str(paper))
        await page.get_by_role("button", name="Add the paper").click()
        await expect(page.locator("#papers")).to_contain_text("Costings")
        await expect(page.locator("#papers")).to_contain_text("PDF")
        await checked(page, "motion-draft")
        closes = dt.datetime.now(dt.UTC).replace(microsecond=0) + CLOSES_IN
        await page.get_by_label("Day", exact=True).fill(closes.date().isoformat())
        await page.get_by_label("Time", exact=True).fill(closes.strftime("%H:%M:%S"))
        await page.get_by_role("button", name="Open the vote").click()
        await expect(page.locator("#done")).to_contain_text("The vote is open")
        motion_url = page.url.split("?")[0]

        # 2. It calls the general meeting, the motion's ballot on its agenda.
        await page.get_by_role("link", name="Meetings").click()
        await page.get_by_label("Name of the meeting").fill(MEETING)
        await page.get_by_label("Day", exact=True).fill(dt.date.today().isoformat())
        await page.get_by_label("Starts at").fill("18:30")
        await page.get_by_label("Place").fill("Village hall")
        await page.get_by_label(MOTION).check()
        await checked(page, "call-meeting")
        await page.get_by_role("button", name="Call the meeting").click()
        await expect(page.locator("#done")).to_have_text("The meeting is called.")
        await expect(page.locator(".agenda")).to_contain_text(MOTION)
        meeting_url = page.url.split("?")[0]
        # The motion's page says where it is voted, for those voting in person.
        await page.goto(motion_url)
        await expect(page.locator("#motion")).to_contain_text(
            f"On the agenda of {MEETING}"
        )

        # 3. Two members read the paper and discuss it; Rosa votes online.
        rosa_phone = await phone_page(browser, url, rosa)
        await read_the_paper(rosa_phone, url, paper)
        await comment(rosa_phone, "The costings look right to me.")
        sam_phone = await phone_page(browser, url, sam)
        await read_the_paper(sam_phone, url, paper)
        await comment(sam_phone, "Will there be transport from the farms?")
        await expect(sam_phone.locator("#discussion")).to_contain_text(
            "The costings look right to me."
        )
        await checked(sam_phone, "motion-discussed")
        await rosa_phone.get_by_role("link", name="Vote on this motion").click()
        await rosa_phone.locator("#my-vote").get_by_label("for", exact=True).check()
        await rosa_phone.get_by_role("button", name="Vote", exact=True).click()
        await expect(rosa_phone.locator("#done")).to_contain_text("recorded")
        await checked(rosa_phone, "voted-online")
        # The ballot leads back to its motion.
        await rosa_phone.get_by_role(
            "link", name="Read the motion, its papers and discussion"
        ).click()
        await expect(rosa_phone.locator("h1")).to_have_text(MOTION)

        # 4. At the meeting: Rosa (voted online), Una and Sam came; Omar posted.
        await page.goto(url + "/")
        await page.get_by_role("link", name="Meetings").click()
        await page.get_by_role("link", name=MEETING).click()
        for name in ("Rosa Bianchi", "Una Ward", "Sam Okafor"):
            await page.get_by_label(f"{name} is present").check()
        await page.get_by_role("button", name="Record attendance").click()
        await expect(page.locator("#done")).to_have_text("Attendance recorded.")
        await expect(page.locator("#meeting")).to_contain_text("3 present")
        # Only Una (worker) and Sam (service user) may vote in the room.
        await page.get_by_label("Worker: for").fill("1")
        await page.get_by_label("Service user: against").fill("1")
        await page.get_by_role("button", name="Record the room's votes").click()
        await expect(page.locator("#done")).to_contain_text("votes are recorded")
        await page.get_by_label("Member", exact=True).select_option(label="Omar Haddad")
        await page.get_by_label("Their vote").select_option(label="for")
        await page.get_by_label("How it came").select_option(label="by post")
        await page.get_by_role("button", name="Enter the vote").click()
        await expect(page.locator("#done")).to_have_text(
            "The vote is recorded for the member."
        )
        trail = page.locator(".agenda-item table")
        await expect(trail).to_contain_text("Omar Haddad")
        await expect(trail).to_contain_text("by post")
        # Still open: the meeting's votes went in before the closing time.
        left = (closes - dt.datetime.now(dt.UTC)).total_seconds()
        assert left > 0, f"the ballot closed {-left:.0f}s before the meeting ended"
        await checked(page, "meeting-votes")

        # 5. Nobody closes the ballot: the node does, at its time.
        await rosa_phone.goto(motion_url)
        deadline = time.monotonic() + left + 30
        while not await rosa_phone.locator("#result").count():
            assert time.monotonic() < deadline, "the node did not close the ballot"
            await rosa_phone.wait_for_timeout(1000)
            await rosa_phone.reload()
        assert dt.datetime.now(dt.UTC) >= closes  # not a moment early
        result = rosa_phone.locator("#result")
        # Quorate (a tenth of the members had to vote), and carried.
        await expect(result).not_to_contain_text("Not quorate")
        await expect(result).to_contain_text("Carried.")
        await expect(result).to_contain_text("4 of 5 members voted.")
        rows = {}
        for row in await result.locator("tr", has=rosa_phone.locator("td")).all():
            cells = await row.locator("td").all_inner_texts()
            rows[cells[0].strip()] = [c.strip() for c in cells[1:]]
        # Worker: Rosa online, Una in the room (Bea stayed away). Service user:
        # Sam against in the room, Omar for by post.
        assert rows == {
            "Worker": ["2 of 3", "2", "0", "0"],
            "Service user": ["2 of 2", "1", "1", "0"],
        }, rows
        await expect(rosa_phone.locator("#comment")).to_have_count(0)
        await checked(rosa_phone, "motion-result")

        # 6. The board adopts the minutes; a member reads them.
        await page.goto(meeting_url)
        await expect(page.locator(".agenda")).to_contain_text(f"{MOTION} (closed)")
        await page.get_by_label("Written by (the secretary)").fill("Ann Lee")
        await page.get_by_label("Minutes", exact=True).fill(
            "The meeting carried the motion to open a day centre, 3 for, 1 against."
        )
        await page.get_by_role("button", name="Adopt", exact=True).click()
        await expect(page.locator("#done")).to_have_text("The minutes are adopted.")
        await checked(page, "minutes-adopted")

        await sam_phone.goto(motion_url)
        await sam_phone.get_by_role("link", name=f"On the agenda of {MEETING}").click()
        await expect(sam_phone.locator("h1")).to_have_text(MEETING)
        minutes = sam_phone.locator("#minutes")
        await expect(minutes).to_contain_text("carried the motion")
        await expect(minutes).to_contain_text("Ann Lee")
        await expect(sam_phone.locator("#attendance")).to_have_count(0)
        await checked(sam_phone, "minutes-member")
