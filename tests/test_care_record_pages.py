"""The coordinator's pages for care plans and incidents (raised on the form
everyone has, tests/test_safeguarding.py), without JavaScript, over a
real server, SQLite store and broker: each write posts and redirects (303) to the
page that shows it, the review notes are read back, bad input is answered next to
its field with what was typed kept and nothing written, and nobody else is let in."""

import re
from typing import Any
from uuid import UUID

import aiohttp

from node.care import PLAN_CLOSE_REASONS
from node.http.care_plan_pages import CLOSE_REASONS
from node.incidents import INCIDENT_KINDS, REFERRAL_BODIES
from node.labels import LABELS
from tests.node_api import (
    NOBODY,
    Form,
    admitted_member,
    events,
    post_form,
    schedule,
    staff_token,
)
from tests.page_text import UUID_TEXT, visible_text
from tests.web import LiveNode, bearer

ONE_GOAL = {"goal-1": "Cook", "performance-1": "1", "satisfaction-1": "1"}
SCORES = ("performance", "satisfaction")


async def get(http: LiveNode, path: str, token: str) -> tuple[int, str]:
    """A page as a browser asks for it."""
    headers = {**bearer(token), "Accept": "text/html"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(http.url + path, headers=headers) as response,
    ):
        return response.status, await response.text()


async def care_setup(http: LiveNode) -> dict[str, Any]:
    user, user_token = await admitted_member(http, "service_user", "Una Ward")
    _, coordinator = await staff_token(http, "coordinator", "Cal Roy")
    _, board = await staff_token(http, "board", "Bea Ng")
    return {
        "user": user,
        "user_token": user_token,
        "coordinator": coordinator,
        "board": board,
    }


def plan_form(user: str, **rows: str) -> Form:
    return [("service_user", user), *rows.items()]


async def test_a_plan_is_opened_reviewed_read_back_and_closed(
    http_node: LiveNode,
) -> None:
    s = await care_setup(http_node)
    app = http_node.node.coop_node
    coordinator = s["coordinator"]
    status, page = await get(http_node, "/staff/care-plans", coordinator)
    assert status == 200
    assert 'data-api="GET /api/care-plans"' in page
    assert 'data-api="POST /api/care-plans"' in page
    assert "Una Ward (service user)" in page

    status, location = await post_form(
        http_node,
        "/staff/care-plans",
        coordinator,
        [
            ("service_user", s["user"]),
            ("goal-1", "Make my own breakfast"),
            ("performance-1", "3"),
            ("satisfaction-1", "2"),
            ("goal-2", "Walk to the shop"),
            ("performance-2", "5"),
            ("satisfaction-2", "4"),
            # Rows left blank are not goals.
            ("goal-3", " "),
            ("performance-3", ""),
        ],
    )
    (plan,) = list(app.care_plans())
    assert (status, location) == (
        303,
        f"/staff/care-plans/{plan.id}?done=opened#done",
    )
    assert plan.goals == ["Make my own breakfast", "Walk to the shop"]
    assert plan.scores == [[(3, 2), (5, 4)]]

    status, page = await get(http_node, location, coordinator)
    assert status == 200
    assert "Care plan opened." in page and "Care plan for Una Ward" in page
    assert 'data-api="POST /api/care-plans/{id}/reviews"' in page
    assert 'data-api="POST /api/care-plans/{id}/close"' in page
    # The review form starts from the latest scores.
    assert 'name="performance-2" type="number"' in page
    assert re.search(r'id="satisfaction-2"[^>]*value="4"', page)

    note = "Made toast alone twice this week; the shop is still too far."
    status, location = await post_form(
        http_node,
        f"/staff/care-plans/{plan.id}/reviews",
        coordinator,
        [
            ("performance-1", "6"),
            ("satisfaction-1", "7"),
            ("performance-2", "5"),
            ("satisfaction-2", "5"),
            ("notes", note),
        ],
    )
    assert (status, location) == (
        303,
        f"/staff/care-plans/{plan.id}?done=reviewed#done",
    )
    assert app.care_plan(plan.id).scores[-1] == [(6, 7), (5, 5)]
    status, page = await get(http_node, location, coordinator)
    assert "Review recorded." in page
    assert note in page  # written, and read again
    assert page.count('class="card round"') == 2

    status, page = await get(http_node, "/staff/care-plans", coordinator)
    assert "Performance 5.5, satisfaction 6.0 (at the start 4.0, 3.0)" in page

    status, location = await post_form(
        http_node,
        f"/staff/care-plans/{plan.id}/close",
        coordinator,
        [("reason", "goals_met"), ("notes", "Wants to carry on with the day centre")],
    )
    assert (status, location) == (303, f"/staff/care-plans/{plan.id}?done=closed#done")
    assert app.care_plan(plan.id).is_closed
    status, page = await get(http_node, location, coordinator)
    assert "Goals met" in page and "goals_met" not in visible_text(page)
    assert "Wants to carry on with the day centre" in page
    assert 'action="/staff/care-plans/' not in page  # no forms for a closed plan

    # A review posted after all (an old tab) is refused in words, writing nothing.
    before = events(http_node)
    status, page = await post_form(
        http_node,
        f"/staff/care-plans/{plan.id}/reviews",
        coordinator,
        [(f"{score}-{n}", "6") for n in (1, 2) for score in SCORES],
    )
    assert status == 409
    assert "This plan is closed" in page
    assert not UUID_TEXT.search(visible_text(page))
    assert events(http_node) == before


async def test_a_plan_form_keeps_what_was_typed_and_says_what_is_wrong(
    http_node: LiveNode,
) -> None:
    s = await care_setup(http_node)
    coordinator = s["coordinator"]
    before = events(http_node)
    status, page = await post_form(
        http_node,
        "/staff/care-plans",
        coordinator,
        [
            ("service_user", ""),
            ("goal-1", "Get dressed <without> help"),
            ("performance-1", "11"),
            ("satisfaction-1", ""),
            ("goal-2", ""),
            ("performance-2", "4"),
        ],
    )
    assert status == 400
    assert events(http_node) == before
    assert "Get dressed &lt;without&gt; help</textarea>" in page
    assert re.search(r'id="performance-1"[^>]*value="11"', page)
    for field in ("service_user", "performance-1", "satisfaction-1", "goal-2"):
        assert re.search(
            rf'id="{field}"[^>]*aria-invalid="true" '
            rf'aria-describedby="{field}-problem"',
            page,
        ), field
        assert f'id="{field}-problem"' in page
    assert "Choose the person the plan is for" in page
    # Row 2 has a score but no goal, nor its other score.
    assert page.count("Write a whole number from 1 to 10.") == 3
    assert "Write the goal in the person&#39;s own words" in page
    assert 'id="goal-1-problem"' not in page
    assert "Expected" not in page and not UUID_TEXT.search(visible_text(page))

    # Nothing filled at all: asked for one goal.
    status, page = await post_form(
        http_node, "/staff/care-plans", coordinator, plan_form(s["user"])
    )
    assert status == 400
    assert "Write at least one goal" in page
    assert re.search(r'<option value="[^"]+" selected>Una Ward', page)

    # Someone who is not a member cannot have a plan.
    status, page = await post_form(
        http_node,
        "/staff/care-plans",
        coordinator,
        plan_form(NOBODY, **ONE_GOAL),
    )
    assert status == 409
    assert "Choose the person the plan is for" in page
    assert events(http_node) == before

    plan = http_node.node.coop_node.open_care_plan(UUID(s["user"]), [("Cook", 2, 2)])
    status, page = await post_form(
        http_node,
        f"/staff/care-plans/{plan}/reviews",
        coordinator,
        [("performance-1", "0"), ("satisfaction-1", ""), ("notes", "Kept note")],
    )
    assert status == 400
    assert ">Kept note</textarea>" in page
    assert re.search(r'id="performance-1"[^>]*value="0"[^>]*aria-invalid="true"', page)
    # Left blank, it stays blank (not refilled with the latest score).
    assert re.search(r'id="satisfaction-1"[^>]*value=""[^>]*aria-invalid="true"', page)
    status, page = await post_form(
        http_node,
        f"/staff/care-plans/{plan}/close",
        coordinator,
        [("reason", "tired_of_it"), ("notes", "Kept closing note")],
    )
    assert status == 400
    assert "Choose why the plan is closing." in page
    assert ">Kept closing note</textarea>" in page
    assert not http_node.node.coop_node.care_plan(plan).is_closed
    assert not http_node.node.coop_node.care_plan(plan).reviews


async def test_an_incident_is_raised_read_and_closed_with_its_outcome(
    http_node: LiveNode,
) -> None:
    s = await care_setup(http_node)
    app = http_node.node.coop_node
    coordinator = s["coordinator"]
    what = "Una had a fall in the kitchen; no injury seen."
    before = events(http_node)
    status, page = await post_form(
        http_node,
        "/concerns/new",
        coordinator,
        [("kind", "fire"), ("description", what)],
    )
    assert status == 400
    assert f">{what}</textarea>" in page
    assert "Choose whether it is a safeguarding concern or an incident." in page
    assert events(http_node) == before

    service = app.coop().profile.service_types[0]
    visit = await schedule(http_node, s["user"], [service])
    status, page = await get(http_node, "/concerns/new", coordinator)
    when = "Una Ward, Mon 02 Mar 2026 09:00"
    assert f'<option value="{visit}">{when}</option>' in page
    before = events(http_node)
    for wrong, answer in ((NOBODY, 409), ("the kitchen", 400)):
        status, page = await post_form(
            http_node,
            "/concerns/new",
            coordinator,
            [("kind", "safeguarding"), ("description", what), ("visit", wrong)],
        )
        assert status == answer
        assert "Choose a visit of yours from the list, or no visit." in page
        assert 'aria-describedby="visit-problem"' in page
        assert 'value="safeguarding" required checked' in page
    assert events(http_node) == before

    status, location = await post_form(
        http_node,
        "/concerns/new",
        coordinator,
        [("kind", "safeguarding"), ("description", what), ("visit", str(visit))],
    )
    (incident,) = list(app.incidents())
    assert (status, location) == (
        303,
        f"/staff/concerns/{incident.id}?done=raised#done",
    )
    assert (incident.kind, incident.description) == ("safeguarding", what)
    assert incident.visit == visit

    status, page = await get(http_node, "/staff/concerns", coordinator)
    assert status == 200
    assert 'data-api="GET /api/incidents"' in page
    assert 'href="/concerns/new"' in page
    assert "Safeguarding concern" in page
    assert what not in page  # free text only on the incident's own page

    status, page = await get(http_node, location, coordinator)
    assert 'data-api="GET /api/incidents/{id}"' in page
    assert 'data-api="POST /api/incidents/{id}/close"' in page
    assert what in page and "Recorded." in page
    assert f"During the visit to {when}." in page

    status, page = await post_form(
        http_node, f"/staff/concerns/{incident.id}/close", coordinator, []
    )
    assert status == 400
    assert "Write the outcome" in page
    assert 'aria-describedby="outcome-problem"' in page

    outcome = "Grab rail fitted; daughter told."
    status, location = await post_form(
        http_node,
        f"/staff/concerns/{incident.id}/close",
        http_node.admin_token,
        [("outcome", outcome)],
    )
    assert (status, location) == (
        303,
        f"/staff/concerns/{incident.id}?done=closed#done",
    )
    assert app.incident(incident.id).outcome == outcome
    status, page = await get(http_node, location, coordinator)
    assert outcome in page and what in page
    assert 'id="close"' not in page

    status, page = await post_form(
        http_node,
        f"/staff/concerns/{incident.id}/close",
        coordinator,
        [("outcome", "again")],
    )
    assert status == 409
    assert "This concern is closed" in page
    assert not UUID_TEXT.search(visible_text(page))


async def test_only_the_coordinator_and_admin_reach_these_pages(
    http_node: LiveNode,
) -> None:
    s = await care_setup(http_node)
    app = http_node.node.coop_node
    plan = app.open_care_plan(UUID(s["user"]), [("Cook", 2, 2)])
    incident = app.raise_incident("incident", "A broken window")
    pages = [
        "/staff/care-plans",
        f"/staff/care-plans/{plan}",
        "/staff/incidents",
        f"/staff/incidents/{incident}",
        "/staff/concerns",
        f"/staff/concerns/{incident}",
    ]
    writes: list[tuple[str, Form]] = [
        ("/staff/care-plans", plan_form(s["user"], **{"goal-1": "x"})),
        (f"/staff/care-plans/{plan}/reviews", [("performance-1", "5")]),
        (f"/staff/care-plans/{plan}/close", [("reason", "other")]),
        (f"/staff/concerns/{incident}/acknowledge", []),
        (f"/staff/concerns/{incident}/refer", [("to", "police")]),
        (f"/staff/concerns/{incident}/close", [("outcome", "x")]),
    ]
    before = events(http_node)
    for token in (s["user_token"], s["board"]):
        for path in pages:
            status, page = await get(http_node, path, token)
            assert status == 403, path
            assert "Not allowed" in page and "Broken window" not in page
            assert "Cook" not in page
        for path, form in writes:
            status, _ = await post_form(http_node, path, token, form)
            assert status == 403, path
        # The menu offers the pages only to those who may use them.
        _, home = await get(http_node, "/staff", token)
        assert "/staff/care-plans" not in home and "/staff/concerns" not in home
    assert events(http_node) == before
    _, staff = await get(http_node, "/staff", s["coordinator"])
    assert 'href="/staff/care-plans"' in staff and 'href="/staff/concerns"' in staff


async def test_unknown_records_are_pages_not_found(http_node: LiveNode) -> None:
    s = await care_setup(http_node)
    for path in (
        f"/staff/care-plans/{NOBODY}",
        "/staff/care-plans/not-an-id",
        f"/staff/concerns/{NOBODY}",
    ):
        status, page = await get(http_node, path, s["coordinator"])
        assert status == 404, path
        assert not UUID_TEXT.search(visible_text(page))
    status, page = await post_form(
        http_node,
        f"/staff/concerns/{NOBODY}/close",
        s["coordinator"],
        [("outcome", "x")],
    )
    assert status == 404
    assert "There is no such incident." in page


def test_every_reason_and_kind_has_a_label() -> None:
    assert tuple(CLOSE_REASONS) == PLAN_CLOSE_REASONS
    assert set(LABELS["concern_kind"]) == set(INCIDENT_KINDS)
    assert set(LABELS["referral"]) == set(REFERRAL_BODIES)
