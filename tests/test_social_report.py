"""The board's social report over a real server, store and broker: a year of a
co-op's life recorded through its commands, whose every figure the test knows
by hand; the report drafted, written, printed as a page and a PDF (read back),
adopted with its figures frozen, refused once adopted, and closed to anyone but
the board. Then each demo co-op's report in its own language."""

import datetime as dt
import io
import re
from collections.abc import AsyncIterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import aiohttp
import msgspec
import pytest
from babel.numbers import format_decimal
from pypdf import PdfReader

from commonweal.demo import DEMO_COOPS, DEMO_LOCALES
from commonweal.sample_activity import (
    generate_care,
    generate_governance,
    generate_membership,
)
from federation.broker import NatsServer
from node.application import CoopNode
from node.labels import LABELS
from node.social_report import SocialReportFigures, adopt
from node.social_report_pdf import social_report_pdf
from node.social_report_tables import report_sections
from tests.accessibility import phone_page, problems
from tests.browser import chromium
from tests.carried import carried_motion
from tests.configs import node_config
from tests.node_api import admitted_member, call, events, staff_token
from tests.web import LiveNode, bearer, live_node
from toolkit.config import StoreConfig
from toolkit.web.i18n import translations

YEAR = 2025
D = dt.date


def day(month: int, date: int, year: int = YEAR) -> dt.date:
    return dt.date(year, month, date)


def at(when: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(when, dt.time(hour), tzinfo=dt.UTC)


def member(app: CoopNode, name: str, member_class: str, admitted: dt.date) -> UUID:
    member_id = app.apply_for_membership(
        name=name,
        email=f"{name.split()[0].lower()}@example.org",
        member_class=member_class,
        applied_on=admitted,
    )
    app.admit_member(member_id, admitted)
    return member_id


# What the year below comes to, counted by hand.
EXPECTED: dict[str, Any] = {
    "membership": {
        "members_at_start": {
            "service_user": 1,
            "worker": 2,
            "volunteer": 0,
            "supporter": 0,
        },
        "members_at_end": {
            "service_user": 1,
            "worker": 3,
            "volunteer": 0,
            "supporter": 1,
        },
        "admitted": 3,
        "left": 1,
    },
    "democracy": {
        "general_meetings": 2,
        "quorate_meetings": 1,
        "ballots": 2,
        "quorate_ballots": 1,
        "electors": 10,
        "votes_cast": 3,
        "turnout_percent": 30,
    },
    "services": {
        "visits_delivered": 3,
        "minutes_delivered": 195,
        "visits_missed": 1,
        "people_supported": 2,
        "care_plans": 2,
        "plans_reviewed": 2,
        "plans_improved": 1,
        "score_change": "1.5",
    },
    "workforce": {
        "workers_at_start": 2,
        "workers_at_end": 2,
        "starters": 1,
        "leavers": 1,
        "turnover_percent": 50,
        "trainings": 2,
    },
    "volunteering": {
        "enrolled_volunteers": 1,
        "volunteers_credited": 1,
        "volunteer_minutes": 90,
        "timebank_exchanges": 3,
        "timebank_minutes": 270,
    },
    "growth": {
        "spinoffs_proposed": 1,
        "spinoffs_founded": 1,
        "founded": [
            {
                "name": "Riverside Care",
                "coop_id": "riverside-care",
                "founded_on": "2025-05-01",
            }
        ],
        "founded_ever": 1,
    },
}


def a_year(app: CoopNode) -> None:
    """2025 at a small co-op, with a little of 2024 before it (which the 2025
    report must leave out), all through the node's commands."""
    ada = member(app, "Ada Worker", "worker", D(2024, 5, 2))
    ben = member(app, "Ben Worker", "worker", D(2024, 6, 1))
    cleo = member(app, "Cleo User", "service_user", D(2024, 7, 1))
    dev = member(app, "Dev Helper", "volunteer", day(2, 1))
    eve = member(app, "Eve User", "service_user", day(3, 1))
    fay = member(app, "Fay Worker", "worker", day(4, 1))
    gil = member(app, "Gil Supporter", "supporter", D(2024, 9, 1))
    app.withdraw_member(gil, D(2024, 12, 31))  # gone before the year began
    app.apply_for_membership(
        name="Hal Applicant", email="hal@example.org", member_class="supporter"
    )
    app.change_member_class(dev, "supporter", day(8, 1))

    app.hire_worker(ada, D(2024, 5, 3))
    ben_job = app.hire_worker(ben, D(2024, 6, 1))
    app.worker_leaves(ben_job, "moved on", day(3, 31))
    app.hire_worker(fay, day(4, 2))
    app.record_training(ada, "first_aid", D(2024, 11, 5))
    app.record_training(ada, "medication", day(2, 10))
    app.record_training(fay, "first_aid", day(4, 20))
    app.enrol_volunteer(dev, day(2, 1))

    pool = app.open_pool_account(opened_on=D(2024, 12, 1))
    dev_account = app.open_time_account(dev, opened_on=D(2024, 12, 1))
    cleo_account = app.open_time_account(cleo, opened_on=D(2024, 12, 1))
    app.transfer_time(pool, dev_account, 30, "volunteering", "", D(2024, 12, 15))
    app.transfer_time(pool, cleo_account, 120, "gift", "", day(3, 1))
    app.transfer_time(cleo_account, dev_account, 60, "family_care", "", day(4, 1))

    service = next(s for s in app.coop().profile.service_types if s != "respite")
    for user, when, carer, minutes in (
        (cleo, D(2024, 12, 20), ada, 30),
        (cleo, day(1, 15), ada, 60),
        (cleo, day(2, 15), dev, 90),  # a volunteer: the pool pays Dev 90 min
        (eve, day(3, 10), ada, 45),
    ):
        visit = app.schedule_visit(user, at(when), [service], "1 Mill Lane")
        app.deliver_visit(visit, carer, at(when), minutes)
    missed = app.schedule_visit(cleo, at(day(5, 1)), [service])
    app.miss_visit(missed, "no_access")
    cancelled = app.schedule_visit(cleo, at(day(6, 1)), [service])
    app.cancel_visit(cancelled, "in_hospital", "", day(5, 30))

    old_plan = app.open_care_plan(cleo, [("Walk to the shop", 2, 2)], D(2024, 2, 1))
    app.close_care_plan(old_plan, "goals_met", "", D(2024, 10, 1))
    plan = app.open_care_plan(cleo, [("Cook a meal", 3, 4)], D(2024, 8, 1))
    app.review_care_plan(plan, [(4, 4)], "", D(2024, 11, 1))
    app.review_care_plan(plan, [(6, 5)], "", day(3, 1))
    app.review_care_plan(plan, [(7, 7)], "", day(9, 1))  # from 4 to 7: +3
    eves = app.open_care_plan(eve, [("Garden", 2, 2), ("Bath", 4, 4)], day(3, 1))
    app.review_care_plan(eves, [(2, 3), (3, 4)], "", day(6, 1))  # 3 to 3: 0
    app.close_care_plan(eves, "moved_away", "", day(9, 30))
    app.withdraw_member(eve, day(10, 1))

    # Ballots of the five members left: 3 voted on one, nobody on the other.
    accounts = app.open_ballot("Adopt the accounts", opened_on=day(6, 10))
    for voter in (ada, ben, cleo):
        app.cast_vote(accounts, voter, "for")
    app.close_ballot(accounts, day(6, 20))
    empty = app.open_ballot("Paint the office", opened_on=day(11, 1))
    app.close_ballot(empty, day(11, 15))
    last_year = app.open_ballot("Last year's", opened_on=D(2024, 11, 1))
    app.cast_vote(last_year, ada, "for")
    app.close_ballot(last_year, D(2024, 12, 1))
    # Six members on 20 June (Eve had not left): three attend, a quorum of a
    # tenth; the December meeting records nobody.
    agm = app.call_meeting(
        "AGM", day(6, 20), "18:30", "The hall", [accounts], "board", day(6, 1)
    )
    app.record_attendance(agm, [ada, ben], [cleo], "board")
    app.call_meeting(
        "Winter", day(12, 10), "18:30", "The hall", [], "board", day(12, 1)
    )
    app.call_meeting(
        "Old", D(2024, 6, 1), "18:30", "The hall", [], "board", D(2024, 5, 1)
    )

    app.propose_spinoff("Hillside Care", D(2024, 10, 1))
    riverside = app.propose_spinoff("Riverside Care", day(3, 1))
    app.name_runner(riverside, ada)
    app.record_runner_consent(riverside, ada, day(3, 5))
    motion = carried_motion(app, "spinoff_approval")  # its ballot closes today
    app.approve_spinoff(riverside, motion_id=motion, on=day(4, 1))
    app.record_spinoff_provisioned(riverside, "riverside-care", day(5, 1))


@pytest.fixture
async def alpha(tmp_path: Path, nats_server: NatsServer) -> AsyncIterator[LiveNode]:
    store = StoreConfig(path=str(tmp_path / "alpha.db"))
    async with live_node(node_config("alpha", store, [nats_server.url])) as live:
        yield live


async def fetch(http: LiveNode, path: str, token: str) -> tuple[int, str, bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(http.url + path, headers=bearer(token)) as response,
    ):
        return response.status, response.content_type, await response.read()


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[\s\xa0\u202f]+", " ", text)


def plain(page: str) -> str:
    return re.sub(r"[\s\xa0\u202f]+", " ", page)


async def test_every_figure_is_the_years_records_and_adoption_freezes_them(
    alpha: LiveNode,
) -> None:
    app = alpha.node.coop_node
    a_year(app)
    # Staff after the year's ballots, so that they are no electors of them.
    bea, board = await staff_token(alpha, "board", "Bea Board")
    _, coordinator = await staff_token(alpha, "coordinator", "Cal Coordinator")
    _, member_token = await admitted_member(alpha, "worker", "Mo Member")

    status, drafted = await call(
        alpha, "POST", "/api/social-reports", token=board, json={"year": YEAR}
    )
    assert status == 201, drafted
    assert drafted["status"] == "draft" and drafted["adopted_on"] is None
    figures = drafted["figures"]
    assert (figures["first_day"], figures["last_day"]) == ("2025-01-01", "2025-12-31")
    for section, expected in EXPECTED.items():
        assert figures[section] == expected, section

    # Drafted once; a year not begun has none; an address that is no year, none.
    before = events(alpha)
    for year in (YEAR, dt.date.today().year + 1):
        status, refused = await call(
            alpha, "POST", "/api/social-reports", token=board, json={"year": year}
        )
        assert status == 409, refused
    status, refused = await call(
        alpha, "POST", "/api/social-reports", token=board, json={"year": "2025"}
    )
    assert status == 400 and refused["error"]["field"] == "year"
    for path in ("/api/social-reports/20x5", "/api/social-reports/1999"):
        assert (await call(alpha, "GET", path, token=board))[0] == 404
    assert events(alpha) == before

    intro = "Our year — a “good” one: €5 a head for the café. 合作社"
    status, edited = await call(
        alpha,
        "PUT",
        f"/api/social-reports/{YEAR}/narrative",
        token=board,
        json={"section": "introduction", "text": intro},
    )
    assert status == 200, edited
    assert edited["narrative"] == {"introduction": intro}
    assert edited["edits"] == 1 and edited["last_edited_on"] == str(dt.date.today())
    report = app.social_report(YEAR)
    assert report.edits == [("introduction", str(bea), dt.date.today())]
    status, refused = await call(
        alpha,
        "PUT",
        f"/api/social-reports/{YEAR}/narrative",
        token=board,
        json={"section": "gossip", "text": "x"},
    )
    assert status == 400 and refused["error"]["field"] == "section"

    # The printable page: English (the co-op's), every figure, tables captioned.
    status, kind, body = await fetch(alpha, f"/board/social-report/{YEAR}", board)
    page = plain(body.decode())
    assert status == 200 and kind == "text/html"
    assert '<html lang="en">' in page
    assert page.count("<caption>") == page.count("<table") >= 7
    for row, figure in (
        ("Hours of care delivered", "3.3"),
        ("Staff turnover", "50%"),
        ("Turnout", "30%"),
        ("Average change of goal scores (1 to 10)", "+1.5"),
        ("Hours exchanged in the time bank", "4.5"),
        ("Hours of volunteering", "1.5"),
        ("General meetings that were quorate", "1"),
        ("Riverside Care", "1 May 2025"),
    ):
        assert f'{row}</th> <td class="num">{figure}</td>' in page, row
    assert "Ada Worker" not in page and "Cleo" not in page  # no person named
    assert 'data-api="PUT /api/social-reports/{year}/narrative"' in page

    # The PDF: parsed back, the same figures, the narrative in Latin-1.
    status, kind, body = await fetch(alpha, f"/board/social-report/{YEAR}.pdf", board)
    assert status == 200 and kind == "application/pdf"
    text = pdf_text(body)
    assert "Social report 2025" in text and "Draft: not yet adopted" in text
    assert 'Our year - a "good" one: EUR5 a head for the café.' in text
    for line in (
        "Visits delivered 3",
        "Hours of care delivered 3.3",
        "Staff turnover 50%",
        "Turnout 30%",
        "Average change of goal scores (1 to 10) +1.5",
        "Riverside Care 1 May 2025",
        "Worker 2 3",
    ):
        assert line in text, line
    assert (await fetch(alpha, f"/api/social-reports/{YEAR}.pdf", board))[2][:5] == (
        b"%PDF-"
    )

    # Adopted: the figures are frozen; a visit recorded late changes the
    # records, not the report.
    status, adopted = await call(
        alpha, "POST", f"/api/social-reports/{YEAR}/adopt", token=board
    )
    assert status == 200 and adopted["status"] == "adopted", adopted
    service = app.coop().profile.service_types[0]
    cleo = next(m.id for m in app.members() if m.name == "Cleo User")
    ada = next(m.id for m in app.members() if m.name == "Ada Worker")
    late = app.schedule_visit(cleo, at(day(7, 7)), [service])
    app.deliver_visit(late, ada, at(day(7, 7)), 60)
    status, read = await call(alpha, "GET", f"/api/social-reports/{YEAR}", token=board)
    assert status == 200 and read["figures"] == adopted["figures"]
    assert read["figures"]["services"]["visits_delivered"] == 3

    before = events(alpha)
    for method, path, payload in (
        ("PUT", f"/api/social-reports/{YEAR}/narrative",
         {"section": "outlook", "text": "More"}),
        ("POST", f"/api/social-reports/{YEAR}/adopt", None),
    ):  # fmt: skip
        status, refused = await call(alpha, method, path, token=board, json=payload)
        assert status == 409, (path, refused)
    assert events(alpha) == before
    status, kind, body = await fetch(alpha, f"/board/social-report/{YEAR}", board)
    page = body.decode()
    assert 'data-api="PUT /api/social-reports/{year}/narrative"' not in page
    assert 'id="adopt-report"' not in page

    # Nobody but the board: the API refuses, the pages refuse, nothing written.
    refusals: tuple[tuple[str, str, dict[str, Any] | None], ...] = (
        ("GET", "/api/social-reports", None),
        ("POST", "/api/social-reports", {"year": 2024}),
        ("GET", f"/api/social-reports/{YEAR}", None),
        ("GET", f"/api/social-reports/{YEAR}.pdf", None),
        ("PUT", f"/api/social-reports/{YEAR}/narrative",
         {"section": "outlook", "text": "Ours now"}),
        ("POST", f"/api/social-reports/{YEAR}/adopt", None),
    )  # fmt: skip
    for token in (member_token, coordinator):
        for method, path, payload in refusals:
            status, _ = await call(alpha, method, path, token=token, json=payload)
            assert status == 403, (method, path)
        for path in ("/board/social-report", f"/board/social-report/{YEAR}.pdf"):
            assert (await fetch(alpha, path, token))[0] == 403, path
    assert events(alpha) == before
    assert app.social_report(YEAR).narrative == {"introduction": intro}


async def test_the_forms_draft_write_and_adopt_and_refuse_an_adopted_report(
    alpha: LiveNode,
) -> None:
    _, board = await staff_token(alpha, "board", "Bea Board")
    _, member_token = await admitted_member(alpha, "worker", "Mo Member")
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=alpha.url, cookie_jar=jar) as browser:
        async with browser.post(
            "/login", data={"token": board}, allow_redirects=False
        ) as response:
            assert response.status == 303

        async def form(path: str, **fields: str) -> tuple[int, str]:
            async with browser.get("/board/social-report") as response:
                csrf = re.search(
                    r'name="csrf" value="([0-9a-f]+)"', await response.text()
                )
            assert csrf
            async with browser.post(
                path, data={"csrf": csrf.group(1), **fields}, allow_redirects=False
            ) as response:
                return response.status, response.headers.get(
                    "Location", ""
                ) or await response.text()

        assert await form("/board/social-report", year="2024") == (
            303,
            "/board/social-report/2024",
        )
        status, page = await form("/board/social-report", year="24")
        assert status == 400 and 'id="year-problem"' in page
        status, page = await form("/board/social-report", year="2024")
        assert status == 409 and 'id="year-problem"' in page
        status, where = await form(
            "/board/social-report/2024/narrative",
            section="outlook",
            text="Line one\r\n\r\nLine two",
        )
        assert status == 303 and where.startswith("/board/social-report/2024?done=")
        async with browser.get("/board/social-report/2024") as response:
            page = await response.text()
        assert "<p>Line one</p><p>Line two</p>" in page
        assert 'id="edit-outlook"' in page
        assert (await form("/board/social-report/2024/adopt"))[0] == 303
        status, page = await form(
            "/board/social-report/2024/narrative", section="outlook", text="Later"
        )
        assert status == 409 and 'id="text-outlook-problem"' in page
    assert alpha.node.coop_node.social_report(2024).narrative == {
        "outlook": "Line one\n\nLine two"
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{alpha.url}/board/social-report/2024/narrative",
            headers=bearer(member_token),
            data={"section": "outlook", "text": "Mine"},
            allow_redirects=False,
        ) as response,
    ):
        assert response.status == 403


@pytest.mark.parametrize(("coop_id", "name", "profile"), DEMO_COOPS)
async def test_each_demo_coops_report_is_in_its_language_with_its_own_figures(
    tmp_path: Path, nats_server: NatsServer, coop_id: str, name: str, profile: str
) -> None:
    locale = DEMO_LOCALES[coop_id]
    store = StoreConfig(path=str(tmp_path / f"{coop_id}.db"))
    config = msgspec.structs.replace(
        node_config(coop_id, store, [nats_server.url], profile=profile),
        name=name,
        locale=locale,
    )
    async with live_node(config) as live:
        app = live.node.coop_node
        generate_membership(app, members=40, seed=7, start=D(2024, 3, 1), days=500)
        generate_care(app, seed=7, start=D(2024, 7, 1), days=365)
        generate_governance(app, seed=7, day=D(2025, 5, 20))
        token = live.admin_token
        status, drafted = await call(
            live, "POST", "/api/social-reports", token=token, json={"year": YEAR}
        )
        assert status == 201, drafted
        figures = drafted["figures"]

        # The same figures counted here from the records, another way.
        first, last = day(1, 1), day(12, 31)
        delivered = [
            v
            for v in app.visits()
            if v.status == "delivered"
            and v.started_at
            and first <= v.started_at.date() <= last
        ]
        members = [
            m
            for m in app.members()
            if m.admitted_on
            and m.admitted_on <= last
            and (m.withdrawn_on is None or m.withdrawn_on > last)
        ]
        closed = [
            b
            for b in app.ballots()
            if b.result is not None and b.opened_on.year == YEAR
        ]
        assert delivered and members and closed
        services, democracy = figures["services"], figures["democracy"]
        assert services["visits_delivered"] == len(delivered)
        assert services["minutes_delivered"] == sum(v.minutes for v in delivered)
        assert services["people_supported"] == len({v.service_user for v in delivered})
        assert sum(figures["membership"]["members_at_end"].values()) == len(members)
        assert democracy["ballots"] == len(closed)
        votes = sum(b.result["voted"] for b in closed if b.result is not None)
        assert democracy["votes_cast"] == votes

        status, kind, body = await fetch(live, f"/board/social-report/{YEAR}", token)
        page = plain(body.decode())
        assert status == 200
        assert f'<html lang="{locale.language}">' in page
        cldr = locale.locale(locale.language)
        exact = Decimal(services["minutes_delivered"]) / 60
        hours = format_decimal(
            exact.quantize(Decimal("0.1"), ROUND_HALF_UP), format="#,##0.0", locale=cldr
        )
        assert f'<td class="num">{plain(hours)}</td>' in page
        assert f'<td class="num">{len(delivered)}</td>' in page

        status, kind, body = await fetch(
            live, f"/board/social-report/{YEAR}.pdf", token
        )
        assert status == 200 and kind == "application/pdf"
        text = pdf_text(body)
        assert name in text
        assert plain(hours) in text


@pytest.mark.browser
async def test_the_report_pages_pass_axe_at_phone_and_desktop_size(
    alpha: LiveNode,
) -> None:
    a_year(alpha.node.coop_node)
    _, board = await staff_token(alpha, "board", "Bea Board")
    app = alpha.node.coop_node
    app.draft_social_report(YEAR, "admin")
    app.edit_social_report(YEAR, "introduction", "A good year.\n\nAnd busy.", "admin")
    app.draft_social_report(2024, "admin")
    adopt(app, 2024, "admin")
    found: list[str] = []
    async with chromium() as browser:
        page = await phone_page(browser, alpha.url, board)
        for path in (
            "/board/social-report",
            f"/board/social-report/{YEAR}",
            "/board/social-report/2024",
        ):
            response = await page.goto(alpha.url + path)
            assert response is not None and response.status == 200, path
            found += await problems(page, alpha.url + path)
        await page.context.close()
    assert found == [], "\n".join(found)


def test_the_pdf_writes_any_text_the_board_types_in_the_fonts_characters() -> None:
    """Helvetica holds Latin-1 only: other scripts, emoji, controls, a word
    longer than a line and a section at its longest are written, not refused."""
    figures = msgspec.convert(
        {
            "year": YEAR,
            "first_day": "2025-01-01",
            "last_day": "2025-12-31",
            **{k: v for k, v in EXPECTED.items() if k != "growth"},
            "growth": {
                **EXPECTED["growth"],
                "founded": [
                    {"name": "Коопера́тив “Ёлка”", "coop_id": "elka",
                     "founded_on": "2025-05-01"}
                ],
            },
        },
        SocialReportFigures,
    )  # fmt: skip
    narrative = {
        "introduction": "Ça va — “très” bien: 5 € \u202f🙂\x07\ttab ŒUVRE 合作社",
        "outlook": "x" * 20_000,
        "growth": "word " * 3_000,
    }
    pdf = social_report_pdf(
        coop_name="Coopérative de solidarité Québec",
        title="Rapport social 2025",
        status="Brouillon",
        sections=report_sections(figures, "fr_CA"),
        narrative=narrative,
        network=None,
        catalog=translations("fr"),
        labels=LABELS["class"],
    )
    text = pdf_text(pdf)
    assert 'Ça va - "très" bien: 5 EUR ? tab OEUVRE ???' in text
    assert "Coopérative de solidarité Québec Rapport social 2025" in text
    assert '? "????" 1 mai 2025' in text
    assert "x" * 50 in text and text.count("word") == 3_000
