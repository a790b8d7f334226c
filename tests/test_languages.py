"""Pages in the reader's language: the co-op's (node.toml ``[locale]``), the
member's own choice, or a visitor's browser; dates, money and hours the local
way; member classes and service types by their labels, never their ids."""

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID

import aiohttp
import msgspec
import pytest

from federation.broker import NatsServer
from node.config import LocaleConfig
from node.membership import Member
from node.rules import PROFILES
from tests.configs import node_config
from tests.node_api import call
from tests.web import LiveNode, bearer, browser_session, csrf_of, live_node
from toolkit.config import StoreConfig

BOLOGNA = LocaleConfig("it", "IT", time_zone="Europe/Rome")
QUEBEC = LocaleConfig("fr", "CA", time_zone="America/Toronto")


def text(page: str) -> str:
    """The page with CLDR's (narrow) no-break spaces as plain spaces."""
    return page.replace("\u202f", " ").replace("\xa0", " ")


def lang_of(page: str) -> str:
    found = re.search(r'<html lang="([^"]+)">', page)
    assert found, "the page has no <html lang>"
    return found.group(1)


async def coop(
    tmp_path: Path, nats: NatsServer, profile: str, locale: LocaleConfig
) -> AsyncIterator[LiveNode]:
    store = StoreConfig(path=str(tmp_path / f"{profile}.db"))
    config = msgspec.structs.replace(
        node_config("alpha", store, [nats.url], profile=profile), locale=locale
    )
    async with live_node(config) as live:
        yield live


@pytest.fixture
async def bologna(tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[LiveNode]:
    async for live in coop(tmp_path, nats_server, "italy_type_b", BOLOGNA):
        yield live


@pytest.fixture
async def quebec(tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[LiveNode]:
    async for live in coop(tmp_path, nats_server, "quebec_solidarity", QUEBEC):
        yield live


async def member_since(
    http: LiveNode, member_class: str, name: str, day: str = "2026-03-02"
) -> tuple[UUID, str]:
    """A member admitted on ``day`` holding 12.50 in shares: (id, token)."""
    status, member = await call(
        http,
        "POST",
        "/api/members",
        token=http.admin_token,
        json={"name": name, "email": "m@example.org", "member_class": member_class},
    )
    assert status == 201, member
    status, admission = await call(
        http,
        "POST",
        f"/api/members/{member['id']}/admit",
        token=http.admin_token,
        json={"on": day},
    )
    assert status == 200, admission
    member_id = UUID(member["id"])
    http.node.coop_node.buy_shares(member_id, 1250, dt.date(2026, 3, 2))
    return member_id, admission["token"]["token"]


async def page(
    http: LiveNode, path: str, token: str | None = None, languages: str = ""
) -> tuple[int, str]:
    headers = bearer(token) if token else {}
    if languages:
        headers["Accept-Language"] = languages
    async with (
        aiohttp.ClientSession() as session,
        session.get(http.url + path, headers=headers) as response,
    ):
        return response.status, text(await response.text())


async def test_an_italian_coop_shows_italian_dates_euros_and_labels(
    bologna: LiveNode,
) -> None:
    _, token = await member_since(bologna, "worker", "Giulia Rossi")
    status, home = await page(bologna, "/", token)
    assert status == 200
    assert lang_of(home) == "it"
    assert "Ciao, Giulia Rossi" in home and "La mia adesione" in home
    assert "<td>2 mar 2026</td>" in home
    assert "<td>12,50 €</td>" in home
    assert '<td id="my-class">Socio lavoratore</td>' in home
    # Nothing left in English: the menu and the headings are translated.
    for english in ("My home", "My membership", "Member since", "Sign out"):
        assert english not in home


async def test_a_member_reads_in_their_own_language_and_can_go_back(
    bologna: LiveNode,
) -> None:
    member_id, token = await member_since(bologna, "service_user", "Amélie Roy")
    status, chosen = await call(
        bologna, "PUT", "/api/me/language", token=token, json={"language": "fr"}
    )
    assert (status, chosen) == (200, {"language": "fr"})
    assert await call(bologna, "GET", "/api/me/language", token=token) == (
        200,
        {"language": "fr"},
    )
    _, home = await page(bologna, "/", token)
    assert lang_of(home) == "fr"
    assert "Bonjour, Amélie Roy" in home
    # French words, the co-op's money and the French way of writing it.
    assert "<td>2 mars 2026</td>" in home and "<td>12,50 €</td>" in home
    assert '<td id="my-class">Membre usager</td>' in home
    # The choice is an event on the member, read back from the store.
    assert bologna.node.coop_node.member(member_id).language == "fr"

    await call(bologna, "PUT", "/api/me/language", token=token, json={"language": ""})
    _, home = await page(bologna, "/", token)
    assert lang_of(home) == "it"

    status, refused = await call(
        bologna, "PUT", "/api/me/language", token=token, json={"language": "de"}
    )
    assert status == 400 and refused["error"]["field"] == "language"
    # The administrator is no member: nobody's language to choose (x-roles).
    status, refused = await call(
        bologna, "PUT", "/api/me/language", token=bologna.admin_token, json=chosen
    )
    assert status == 403


async def test_the_home_page_form_saves_the_language(bologna: LiveNode) -> None:
    _, token = await member_since(bologna, "worker", "Marco Neri")
    async with browser_session(bologna, token) as browser:
        async with browser.get("/") as response:
            home = await response.text()
        assert 'data-api="PUT /api/me/language"' in home
        async with browser.post(
            "/language",
            data={"csrf": csrf_of(home), "language": "en"},
            allow_redirects=False,
        ) as response:
            assert response.status == 303
            assert response.headers["Location"].startswith("/?done=language")
        async with browser.get(response.headers["Location"]) as response:
            home = text(await response.text())
    assert lang_of(home) == "en"
    assert 'id="language-saved"' in home and "Your language is saved." in home
    # English words, in euros (written as English is in Italy where CLDR
    # knows how: "12,50 €" from its 46th version on, "€12.50" before).
    assert re.search(r"<td>(2 Mar 2026|Mar 2, 2026)</td>", home)
    assert re.search(r"<td>(12,50 €|€12\.50)</td>", home)
    assert '<td id="my-class">Worker</td>' in home


async def test_a_quebec_coop_is_in_french_with_canadian_dollars(
    quebec: LiveNode,
) -> None:
    _, token = await member_since(quebec, "user", "Louis Tremblay")
    _, home = await page(quebec, "/", token)
    assert lang_of(home) == "fr"
    assert "<td>12,50 $</td>" in home
    assert "<td>2 mars 2026</td>" in home
    assert '<td id="my-class">Membre utilisateur</td>' in home
    assert "Banque de temps" in home and "Mon adhésion" in home


async def test_a_visitor_gets_the_browsers_language_on_the_sign_in_pages(
    http_node: LiveNode, bologna: LiveNode
) -> None:
    _, login = await page(http_node, "/login", languages="it-IT,it;q=0.9,en;q=0.8")
    assert lang_of(login) == "it" and "Il codice della tua lettera di accesso" in login
    _, login = await page(http_node, "/login", languages="de-DE, fr;q=0.5")
    assert lang_of(login) == "fr" and "Se connecter" in login
    # A language the node lacks: the co-op's own.
    _, login = await page(http_node, "/login", languages="de-DE")
    assert lang_of(login) == "en" and "The code on your sign-in letter" in login
    _, login = await page(bologna, "/login")
    assert lang_of(login) == "it"
    # Refusals are translated too.
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            http_node.url + "/login",
            data={"code": "not a code"},
            headers={"Accept-Language": "it"},
        ) as response,
    ):
        refused = text(await response.text())
    assert response.status == 401
    assert "Il codice non è valido. Confrontalo con la tua lettera." in refused


async def test_error_pages_speak_the_readers_language(bologna: LiveNode) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            bologna.url + "/no/such/page", headers={"Accept": "text/html"}
        ) as response,
    ):
        missing = await response.text()
    assert response.status == 404
    assert lang_of(missing) == "it" and "<h1>Pagina non trovata</h1>" in missing


async def test_the_time_bank_writes_hours_the_local_way(bologna: LiveNode) -> None:
    member_id, token = await member_since(bologna, "worker", "Sara Conti")
    app = bologna.node.coop_node
    mine = app.open_time_account(member_id, -600, 6000, dt.date(2026, 3, 2))
    pool = app.open_pool_account(opened_on=dt.date(2026, 3, 2))
    app.transfer_time(pool, mine, 90, "volunteering", "", dt.date(2026, 3, 3))
    _, home = await page(bologna, "/", token)
    assert '<strong id="timebank-balance">1 h 30 min</strong>' in home
    assert "3 mar 2026: 1 h 30 min con il fondo comune della cooperativa" in home


def class_ids_shown(page_text: str, ids: set[str]) -> set[str]:
    """Ids that a page shows as text (a cell's or an option's whole text)."""
    shown = set(re.findall(r">\s*([a-z_]+)\s*<", page_text))
    return shown & ids


@pytest.mark.parametrize("profile", sorted(PROFILES))
async def test_member_classes_and_services_never_show_as_ids(
    tmp_path: Path, nats_server: NatsServer, profile: str
) -> None:
    async for live in coop(tmp_path, nats_server, profile, LocaleConfig()):
        rules = PROFILES[profile]
        ids = set(rules.class_names) | set(rules.service_types)
        members = [
            (await member_since(live, member_class, f"Member {n}"))[0]
            for n, member_class in enumerate(rules.class_names)
        ]
        # A visit offering every service and a ballot with turnout by class.
        live.node.coop_node.schedule_visit(
            members[0], dt.datetime(2026, 3, 2, 14, tzinfo=dt.UTC), rules.service_types
        )
        status, _ = await call(
            live, "POST", "/api/ballots", token=live.admin_token, json={"title": "Q"}
        )
        assert status == 201
        for path in ("/staff", "/staff/ballots", "/staff/visits"):
            status, shown = await page(live, path, live.admin_token)
            assert status == 200, path
            assert not class_ids_shown(shown, ids), (path, class_ids_shown(shown, ids))


def test_a_chosen_language_is_personal_and_never_shared() -> None:
    from node.application import ALLOWLIST

    assert Member.LanguageChosen.TOPIC not in ALLOWLIST


def test_the_federation_dashboard_says_it_is_in_english() -> None:
    from toolkit.web.pages import environment, render

    env = environment("federation.http")
    response = render(
        env,
        "error.html",
        404,
        name="Consortium",
        current="/",
        heading="Page not found",
        message="There is no page at this address.",
    )
    assert response.text is not None and lang_of(response.text) == "en"
    assert "<h1>Page not found</h1>" in response.text


@pytest.mark.browser
@pytest.mark.slow
async def test_italian_pages_in_a_browser_pass_axe_and_fit_a_phone(
    bologna: LiveNode,
) -> None:
    from playwright.async_api import expect

    from tests.accessibility import (
        DESKTOP,
        PHONE,
        axe_violations,
        off_screen,
        small_targets,
    )
    from tests.browser import chromium, screenshot_path

    url = bologna.url
    user, _ = await member_since(bologna, "service_user", "Una Ward")
    await member_since(bologna, "worker", "Wes Tan")
    _, token = await member_since(bologna, "worker", "Giulia Rossi")
    bologna.node.coop_node.schedule_visit(
        user, dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), ["personal_care"]
    )
    status, _ = await call(
        bologna,
        "POST",
        "/api/ballots",
        token=bologna.admin_token,
        json={"title": "Aprire un secondo centro diurno", "closes_on": "2099-03-02"},
    )
    assert status == 201
    found: list[str] = []
    async with chromium() as browser:
        for who, paths in [
            (None, ["/login", "/signin/email"]),
            (token, ["/", "/devices"]),
            (bologna.admin_token, ["/staff", "/staff/ballots", "/staff/visits"]),
        ]:
            # An Italian browser: a visitor's pages follow its Accept-Language.
            context = await browser.new_context(
                bypass_csp=True, viewport=PHONE, locale="it-IT"
            )
            page = await context.new_page()
            if who is not None:
                await page.goto(url + "/login")
                await page.fill("#code", who)
                await page.click("button[type=submit]")
            for path in paths:
                for size in (PHONE, DESKTOP):
                    await page.set_viewport_size(size)
                    await page.goto(url + path)
                    assert await page.get_attribute("html", "lang") == "it", path
                    where = f"{path} at {size['width']}px"
                    found += [f"{where}: {v}" for v in await axe_violations(page)]
                    if size == PHONE:
                        found += [f"{where}: off: {o}" for o in await off_screen(page)]
                        found += [
                            f"{where}: small: {s}" for s in await small_targets(page)
                        ]
            if who == token:
                await page.goto(url + "/")
                await page.screenshot(path=screenshot_path("home-it"), full_page=True)
                # The member switches to French with the form on their home page.
                await page.check("input[name=language][value=fr]")
                await page.click("#language button[type=submit]")
                await expect(page.locator("#language-saved")).to_be_visible()
                assert await page.get_attribute("html", "lang") == "fr"
                await expect(page.locator("h1")).to_have_text("Bonjour, Giulia Rossi")
    assert found == [], "\n".join(found)


async def test_a_refused_command_is_a_plain_translated_sentence_on_a_page(
    bologna: LiveNode,
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            bologna.url + "/staff/apply",
            headers=bearer(bologna.admin_token),
            data={"name": "Ada", "email": "ada@example.org", "member_class": "pilot"},
        ) as response,
    ):
        shown = text(await response.text())
    assert response.status == 400
    assert "Non è una delle categorie di soci di questa cooperativa." in shown
    assert 'value="Ada"' in shown  # the form keeps what was typed


async def test_error_pages_name_no_ids_in_any_language() -> None:
    """The middleware shows a domain error by its code's plain sentence, not
    the API's message (which names ids)."""
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from node.errors import AlreadyVoted
    from node.http.error_words import PLAIN_ERRORS
    from node.http.errors import translate
    from toolkit.web.errors import error_middleware

    secret = "member 5f1c0d3e-0000-4000-8000-000000000001 has voted in ballot 7"

    async def vote(request: web.Request) -> web.Response:
        raise AlreadyVoted(secret)

    def page(request: web.Request, status: int, message: str) -> web.Response:
        return web.Response(status=status, text=message)

    app = web.Application(middlewares=[error_middleware(translate, page, PLAIN_ERRORS)])
    app.router.add_post("/vote", vote)
    app.router.add_post("/api/vote", vote)
    async with TestClient(TestServer(app)) as client:
        shown = await client.post("/vote", headers={"Accept": "text/html"})
        assert (shown.status, await shown.text()) == (
            409,
            "You have already voted in this ballot.",
        )
        api = await client.post("/api/vote")
        assert (await api.json())["error"]["message"] == secret
