"""Signing in as people do, in Debian's Chromium on a phone-sized screen: a board
member admits an applicant and prints the letter (a reload posts nothing); the
new member types the letter's code; a member opens an emailed link (a used or
expired one is refused in plain words); a remembered device survives a browser
restart until its member signs it out from another device.

The emailed link is taken from ``CoopNode.issue_sign_in_link``, which makes it:
the mail outbox is to send it (issue 13, notifications)."""

import datetime as dt
from uuid import UUID

import pytest
from playwright.async_api import Browser, BrowserContext, Page, StorageState, expect

from node.sign_in import LINK_MINUTES
from tests.browser import chromium, screenshot_path
from tests.node_api import admitted_member, call, events, staff_token
from tests.web import LiveNode

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


async def sign_in_with_code(page: Page, url: str, code: str, remember: bool) -> None:
    await page.goto(url + "/login")
    await page.fill("#code", code)
    if remember:
        await page.check("#remember")
    await page.click("button[type=submit]")


async def restarted(browser: Browser, before: BrowserContext) -> BrowserContext:
    """The browser closed and opened again: what it keeps on disk comes back,
    and cookies without an expiry (browser-session cookies) do not."""
    state = await before.storage_state()
    await before.close()
    kept = [c for c in state["cookies"] if c["expires"] != -1]
    return await browser.new_context(
        viewport=PHONE, storage_state=StorageState(cookies=kept, origins=[])
    )


async def test_a_board_member_admits_prints_the_letter_and_a_reload_posts_nothing(
    http_node: LiveNode,
) -> None:
    bea, _ = await staff_token(http_node, "board", "Bea Board")
    status, applicant = await call(
        http_node,
        "POST",
        "/api/members",
        token=http_node.admin_token,
        json={"name": "Rosa Bianchi", "email": "rosa@example.org"}
        | {"member_class": "volunteer"},
    )
    assert status == 201
    app = http_node.node.coop_node
    async with chromium() as browser:
        staff = await browser.new_page(viewport=PHONE)
        # Her link signs her in as board: she holds a board token.
        await staff.goto(f"{http_node.url}/signin/{app.issue_sign_in_link(UUID(bea))}")
        await staff.click("#use-link button[type=submit]")
        await staff.click("header a[href='/staff']")
        await staff.click("button[aria-label='Admit Rosa Bianchi']")
        letter = staff.locator("#letter")
        await expect(letter).to_contain_text("Dear Rosa Bianchi")
        await expect(letter.locator("svg.qr")).to_be_visible()
        code = await staff.locator("#letter-code").inner_text()
        await staff.screenshot(path=screenshot_path("sign-in-letter"), full_page=True)
        # Printed: the letter alone, without the header or the staff's notes.
        await staff.emulate_media(media="print")
        await expect(staff.locator("header")).to_be_hidden()
        await expect(staff.locator("#print-now")).to_be_hidden()
        await expect(letter).to_be_visible()
        await staff.emulate_media(media="screen")

        stored = events(http_node)
        response = await staff.reload()
        assert response is not None and response.status == 410
        await expect(staff.locator("#letter-gone")).to_contain_text("shown only once")
        await expect(staff.locator("#letter")).to_have_count(0)
        assert events(http_node) == stored  # nothing re-posted, nothing written
        assert app.member(UUID(applicant["id"])).is_admitted

        # The new member types the code: small letters, no dash.
        member = await browser.new_page(viewport=PHONE)
        typed = code.replace("-", "").lower()
        await sign_in_with_code(member, http_node.url, typed, remember=False)
        await expect(member.locator("h1")).to_have_text("Hello, Rosa Bianchi")
        await expect(member.locator("#my-class")).to_have_text("Volunteer")
        await member.screenshot(path=screenshot_path("member-home"), full_page=True)
        response = await member.goto(http_node.url + "/staff")
        assert response is not None and response.status == 403

        # The code was used: typing it again is refused, in plain words.
        other = await browser.new_page(viewport=PHONE)
        await sign_in_with_code(other, http_node.url, code, remember=False)
        await expect(other.locator(".error")).to_contain_text("already been used")


async def test_sign_in_by_an_emailed_link_used_once_and_expiring(
    http_node: LiveNode,
) -> None:
    omar, _ = await admitted_member(http_node, "worker", "Omar Haddad")
    app = http_node.node.coop_node
    link = app.issue_sign_in_link(UUID(omar))
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=LINK_MINUTES + 1)
    expired = app.issue_sign_in_link(UUID(omar), long_ago)
    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE)
        # A mail scanner fetching the link first uses nothing up.
        for _ in range(2):
            response = await page.goto(f"{http_node.url}/signin/{link}")
            assert response is not None and response.status == 200
        await page.screenshot(path=screenshot_path("sign-in-link"), full_page=True)
        await page.click("#use-link button[type=submit]")
        await expect(page.locator("h1")).to_have_text("Hello, Omar Haddad")

        again = await browser.new_page(viewport=PHONE)
        response = await again.goto(f"{http_node.url}/signin/{link}")
        assert response is not None and response.status == 410
        refused = again.locator("#refused")
        await expect(refused).to_contain_text("This sign-in link has already been used")
        await expect(refused).to_contain_text("Ask for a new one")
        await again.screenshot(path=screenshot_path("sign-in-used"), full_page=True)
        response = await again.goto(f"{http_node.url}/signin/{expired}")
        assert response is not None and response.status == 410
        await expect(refused).to_contain_text("This sign-in link has expired")
        await expect(again.locator("#use-link")).to_have_count(0)


async def test_a_remembered_device_survives_a_restart_until_signed_out_elsewhere(
    http_node: LiveNode,
) -> None:
    ada, _ = await admitted_member(http_node, "volunteer", "Ada Lim")
    app = http_node.node.coop_node
    home = http_node.url + "/"
    async with chromium() as browser:
        phone = await browser.new_context(viewport=PHONE)
        page = await phone.new_page()
        await page.goto(f"{http_node.url}/signin/{app.issue_sign_in_link(UUID(ada))}")
        await page.check("#remember")
        await page.click("#use-link button[type=submit]")
        await expect(page.locator("h1")).to_have_text("Hello, Ada Lim")

        laptop = await browser.new_context(viewport=PHONE)
        page = await laptop.new_page()
        letter = app.issue_sign_in_letter(UUID(ada))
        await sign_in_with_code(page, http_node.url, letter.code, remember=False)
        await expect(page.locator("h1")).to_have_text("Hello, Ada Lim")
        cookies = await laptop.cookies()
        assert [c["expires"] for c in cookies] == [-1]  # gone with the browser

        # Both browsers restart: the remembered phone is still signed in, the
        # laptop is not.
        phone = await restarted(browser, phone)
        page = await phone.new_page()
        await page.goto(home)
        await expect(page.locator("h1")).to_have_text("Hello, Ada Lim")
        laptop = await restarted(browser, laptop)
        page = await laptop.new_page()
        await page.goto(home)
        await expect(page).to_have_url(http_node.url + "/login")

        # Signed in again on the laptop, Ada signs the phone out from there.
        await page.goto(f"{http_node.url}/signin/{app.issue_sign_in_link(UUID(ada))}")
        await page.click("#use-link button[type=submit]")
        await page.click("header a[href='/devices']")
        devices = page.locator("section.device")
        await expect(devices).to_have_count(3)  # the first laptop session too
        await expect(page.locator(".this")).to_have_count(1)
        await page.screenshot(path=screenshot_path("my-devices"), full_page=True)
        remembered = devices.filter(has_text="Remembered until")
        await expect(remembered).to_have_count(1)
        await remembered.locator("button[type=submit]").click()
        await expect(page.locator("[role=status]")).to_contain_text("signed out")
        await expect(page.locator("section.device")).to_have_count(2)

        page = await phone.new_page()
        await page.goto(home)
        await expect(page).to_have_url(http_node.url + "/login?expired=1")
