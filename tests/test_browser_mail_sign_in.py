"""Signing in by an emailed link, read from a real SMTP server process, in
Debian's Chromium at phone size: the welcome a new member gets, and a fresh link
asked for on the sign-in page. The link's secret is made when the email is sent,
so the outbox never holds it."""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import msgspec
import pytest
from playwright.async_api import Page, expect

from federation.broker import NatsServer
from node.config import MailConfig
from tests.browser import chromium, screenshot_path
from tests.configs import node_config
from tests.smtp import SmtpServer
from tests.waiting import wait_for
from tests.web import LiveNode, bearer, live_node
from toolkit.config import StoreConfig

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
LINK = re.compile(r"https?://\S+(/signin/cwl_\S+)")


@pytest.fixture
async def mailing_node(
    tmp_path: Path, nats_server: NatsServer, smtp: SmtpServer
) -> AsyncIterator[LiveNode]:
    config = node_config(
        "alpha", StoreConfig(path=str(tmp_path / "alpha.db")), [nats_server.url]
    )
    mail = MailConfig(
        host="127.0.0.1",
        port=smtp.port,
        from_address="office@alpha.example",
        site_url="https://alpha.example",
        timeout=5,
    )
    async with live_node(msgspec.structs.replace(config, mail=mail)) as http:
        yield http


async def link_in_mail(smtp: SmtpServer, address: str, subject: str) -> str:
    """The path of the sign-in link in the newest email to ``address`` whose
    subject starts with ``subject``, once the server has it."""

    def found() -> str | None:
        for message in reversed(smtp.received()):
            if address in str(message["To"]) and str(message["Subject"]).startswith(
                subject
            ):
                part = message.get_body()
                assert part is not None
                match = LINK.search(str(part.get_content()))
                assert match, "the email has no sign-in link"
                return match.group(1)
        return None

    await wait_for(lambda: found() is not None, 20)
    path = found()
    assert path is not None
    return path


async def admit(http: LiveNode, name: str, email: str) -> None:
    async with aiohttp.ClientSession(headers=bearer(http.admin_token)) as client:
        body = {"name": name, "email": email, "member_class": "volunteer"}
        async with client.post(f"{http.url}/api/members", json=body) as response:
            member = await response.json()
        async with client.post(
            f"{http.url}/api/members/{member['id']}/admit", json={}
        ) as response:
            assert response.status == 200, await response.text()


async def use_link(page: Page, url: str) -> None:
    response = await page.goto(url)
    assert response is not None and response.status == 200
    await page.click("#use-link button[type=submit]")


async def test_a_new_member_signs_in_from_the_welcome_email(
    mailing_node: LiveNode, smtp: SmtpServer
) -> None:
    await admit(mailing_node, "Rosa Bianchi", "rosa@example.org")
    path = await link_in_mail(smtp, "rosa@example.org", "Welcome to")
    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE)
        await use_link(page, mailing_node.url + path)
        await expect(page.locator("h1")).to_have_text("Hello, Rosa Bianchi")
        await page.screenshot(path=screenshot_path("mail-welcome"), full_page=True)
        # The link worked once.
        response = await page.goto(mailing_node.url + path)
        assert response is not None and response.status == 410
    # Only the link's hash was stored: the secret is nowhere in the node's store.
    secret = path.removeprefix("/signin/")
    store = Path(mailing_node.node.config.store.path).read_bytes()
    assert secret.encode() not in store


async def test_a_member_asks_for_a_link_on_the_sign_in_page(
    mailing_node: LiveNode, smtp: SmtpServer
) -> None:
    await admit(mailing_node, "Omar Haddad", "omar@example.org")
    await link_in_mail(smtp, "omar@example.org", "Welcome to")
    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE)
        await page.goto(mailing_node.url + "/login")
        await page.click("text=No letter? Get a sign-in link by email")
        await page.fill("#email", "Omar@Example.org ")
        await page.click("button[type=submit]")
        await expect(page.locator("#sent")).to_contain_text("a sign-in link is on")
        # Someone else's address gets the same answer, and no email.
        await page.goto(mailing_node.url + "/signin/email")
        await page.fill("#email", "stranger@example.org")
        await page.click("button[type=submit]")
        await expect(page.locator("#sent")).to_contain_text("a sign-in link is on")

        path = await link_in_mail(smtp, "omar@example.org", "Sign in to")
        await use_link(page, mailing_node.url + path)
        await expect(page.locator("h1")).to_have_text("Hello, Omar Haddad")
    assert not [m for m in smtp.received() if "stranger" in str(m["To"])]
