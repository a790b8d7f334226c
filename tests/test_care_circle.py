"""The person at the centre (node.care_circle, node.http.my_care): a service user
sees her own plan in her own words, her scores over time, the review notes and
who is coming; she lets a family member or advocate see the same, by a consent
she can take back at once; the coordinator records one for her, saying how it
was given. Nobody else sees any of it, and none of it leaves the node."""

import datetime as dt
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from node.application import ALLOWLIST, CoopNode
from node.care_circle import CareConsent
from node.errors import InvalidCareConsent, InvalidTransition, NotAMember
from node.notifications import Composer
from node.rules import profile_named
from node.sharing import SharingPolicy
from tests.node_api import (
    admitted_member,
    call,
    events,
    open_account,
    post_form,
    staff_token,
)
from tests.page_text import UUID_TEXT, visible_text
from tests.web import LiveNode

DAY = dt.date(2026, 3, 2)
GOALS = [("Walk to the shop on my own", 3, 4), ("Cook my own tea", 5, 2)]
NOTE = "Una walked to the corner shop twice this month."


def new_app(path: Path) -> CoopNode:
    app = CoopNode(
        "alpha",
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)},
    )
    app.found_coop("Alpha Care", profile_named("uk_multi_stakeholder"), DAY)
    return app


def admit(app: CoopNode, name: str, member_class: str = "service_user") -> UUID:
    member_id = app.apply_for_membership(
        name=name,
        email=f"{name.split()[0].lower()}@example.org",
        address="12 Mill Lane",
        member_class=member_class,
        applied_on=DAY,
    )
    app.admit_member(member_id, admitted_on=DAY)
    return member_id


def stored(app: CoopNode) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_consent_is_granted_then_revoked_and_refusals_write_nothing(
    tmp_path: Path,
) -> None:
    app = new_app(tmp_path / "store.db")
    una, fay = admit(app, "Una Ward"), admit(app, "Fay Ward", "supporter")
    ada = app.apply_for_membership(
        name="Ada Applicant",
        email="ada@example.org",
        address="",
        member_class="supporter",
        applied_on=DAY,
    )
    consent_id = app.grant_care_consent(una, fay, "visits", recorded_by=una)
    consent = app.care_consent_between(una, fay)
    assert consent is not None and consent.id == consent_id
    assert (consent.scope, consent.on_behalf, consent.how_given) == (
        "visits",
        False,
        "",
    )
    assert [c.service_user for c in app.cared_for_by_consent(fay)] == [una]
    assert app.care_consent_between(fay, una) is None  # not the other way round

    before = stored(app)
    refused: list[tuple[type[Exception], dict[str, Any]]] = [
        (InvalidCareConsent, {"viewer": una}),  # herself
        (InvalidCareConsent, {"viewer": fay}),  # already sees it
        (NotAMember, {"viewer": ada}),  # not admitted
        (InvalidCareConsent, {"viewer": fay, "recorded_by": None}),  # how?
        (InvalidCareConsent, {"viewer": fay, "scope": "everything"}),
    ]
    for error, asked in refused:
        with pytest.raises(error):
            app.grant_care_consent(una, **{"recorded_by": una, **asked})
    assert stored(app) == before

    app.revoke_care_consent(consent_id, una, DAY)
    assert app.care_consent_between(una, fay) is None
    assert app.cared_for_by_consent(fay) == []
    with pytest.raises(InvalidTransition):
        app.revoke_care_consent(consent_id, una)
    # Granted again, on her behalf this time, with how she gave it.
    again = app.grant_care_consent(una, fay, recorded_by=None, how_given=" by phone ")
    assert app.care_consent(again).how_given == "by phone"
    assert app.care_consent(again).on_behalf
    assert [c.is_active for c in app.care_circle(una)] == [False, True]
    # A viewer who leaves the co-op sees nothing more.
    app.withdraw_member(fay, DAY)
    assert app.care_consent_between(una, fay) is None
    app.close()


def test_no_consent_leaves_the_node_and_the_person_is_told(tmp_path: Path) -> None:
    app = new_app(tmp_path / "store.db")
    una, fay = admit(app, "Una Ward"), admit(app, "Fay Ward", "supporter")
    consent_id = app.grant_care_consent(
        una, fay, recorded_by=None, how_given="in person, witnessed by Cal Roy"
    )
    app.revoke_care_consent(consent_id, None)
    policy = SharingPolicy(b"s" * 32, ALLOWLIST)
    consent_events = [
        app.mapper.to_domain_event(n)
        for n in app.recorder.select_notifications(start=1, limit=10_000)
        if n.topic.startswith("commonweal.care_consent")
    ]
    assert len(consent_events) == 2
    for event in consent_events:
        assert type(event).TOPIC not in ALLOWLIST
        assert policy.share(event) is None

    granted = consent_events[0]
    assert isinstance(granted, CareConsent.Granted)
    drafts = list(Composer(app, "https://alpha.example").drafts(granted))
    assert [d.recipient for d in drafts] == [una, fay]
    told, invited = drafts
    assert told.subject == "Fay Ward can now see your care"
    assert "Fay Ward can see your care plan and your visits" in told.body
    assert "The co-op office recorded your consent for you." in told.body
    assert "https://alpha.example/my-care" in told.body
    assert "witnessed" not in told.body  # the office's note stays on the page
    assert invited.subject == "Una Ward lets you see their care"
    assert f"https://alpha.example/my-care/{una}" in invited.body
    app.close()


# Over HTTP


async def una_with_care(http: LiveNode) -> dict[str, Any]:
    """Una, a service user with a reviewed plan and two visits tomorrow (one
    with Will, a worker, one not yet arranged); Fay, her daughter, a member."""
    app = http.node.coop_node
    una, una_token = await admitted_member(http, "service_user", "Una Ward")
    fay, fay_token = await admitted_member(http, "supporter", "Fay Ward")
    will, _ = await admitted_member(http, "worker", "Will Carer")
    app.hire_worker(UUID(will))
    plan = app.open_care_plan(UUID(una), GOALS, DAY)
    app.review_care_plan(plan, [(5, 6), (6, 5)], NOTE, DAY + dt.timedelta(30))
    tomorrow = dt.datetime.now(dt.UTC).replace(hour=9, minute=0) + dt.timedelta(1)
    service = app.coop().profile.service_types[0]
    app.schedule_visit(
        UUID(una), tomorrow, [service], "1 Mill Lane", "Key under the pot", UUID(will)
    )
    app.schedule_visit(UUID(una), tomorrow + dt.timedelta(hours=8), [service])
    return {
        "una": una,
        "una_token": una_token,
        "fay": fay,
        "fay_token": fay_token,
        "plan": plan,
    }


def assert_her_care(care: dict[str, Any], una: str) -> None:
    assert care["service_user"] == una and care["name"] == "Una Ward"
    (plan,) = care["plans"]
    walk, cook = plan["goals"]
    assert walk["goal"] == "Walk to the shop on my own"
    assert [(s["performance"], s["satisfaction"]) for s in walk["scores"]] == [
        (3, 4),
        (5, 6),
    ]
    assert [s["review"] for s in cook["scores"]] == [False, True]
    assert plan["reviews"] == [{"on": "2026-04-01", "notes": NOTE}]
    coming = [(v["worker_name"], v["status"]) for v in care["visits"]]
    assert coming == [("Will Carer", "scheduled"), (None, "scheduled")]


async def test_a_service_user_sees_her_plan_scores_and_who_is_coming(
    http_node: LiveNode,
) -> None:
    una = await una_with_care(http_node)
    status, care = await call(http_node, "GET", "/api/me/care", token=una["una_token"])
    assert status == 200, care
    assert_her_care(care, una["una"])
    assert care["invitation"] is None

    status, page = await call(http_node, "GET", "/my-care", token=una["una_token"])
    assert status == 200
    text = visible_text(page)
    for shown in ("Walk to the shop on my own", NOTE, "Will Carer", "Not yet arranged"):
        assert shown in text
    assert "<svg" in page and 'role="img"' in page
    assert "Performance 3 at the start and 5 now" in page  # the chart's words
    assert "Key under the pot" not in text  # the worker's instructions are not hers
    assert not UUID_TEXT.search(text)
    # Her visits page says who is coming too, from the same rows.
    status, page = await call(http_node, "GET", "/visits", token=una["una_token"])
    assert "Will Carer" in page and "Not yet arranged" in page
    status, visits = await call(
        http_node, "GET", "/api/me/visits", token=una["una_token"]
    )
    assert [v["worker_name"] for v in visits] == ["Will Carer", None]
    # Her home page leads to it; Fay's (no plan, no visits) does not.
    status, home = await call(http_node, "GET", "/", token=una["una_token"])
    assert 'href="/my-care"' in home.split('id="summary"')[1].split("</section>")[0]
    status, home = await call(http_node, "GET", "/", token=una["fay_token"])
    assert 'id="summary-care"' not in home


async def test_she_lets_her_daughter_see_it_until_she_takes_it_back(
    http_node: LiveNode,
) -> None:
    una = await una_with_care(http_node)
    fay_token = una["fay_token"]
    status, page = await call(http_node, "GET", "/my-care", token=una["una_token"])
    assert 'data-api="POST /api/me/care/access"' in page and "Fay Ward" in page
    status, consent = await call(
        http_node,
        "POST",
        "/api/me/care/access",
        token=una["una_token"],
        json={"viewer": una["fay"]},
    )
    assert status == 201, consent
    assert (consent["viewer_name"], consent["on_behalf"]) == ("Fay Ward", False)
    status, circle = await call(
        http_node, "GET", "/api/me/care/access", token=una["una_token"]
    )
    assert [c["viewer"] for c in circle] == [una["fay"]]

    # Fay sees what Una sees, and why.
    status, people = await call(
        http_node, "GET", "/api/me/care/people", token=fay_token
    )
    assert [p["name"] for p in people] == ["Una Ward"]
    status, care = await call(
        http_node, "GET", f"/api/people/{una['una']}/care", token=fay_token
    )
    assert status == 200, care
    assert_her_care(care, una["una"])
    assert care["invitation"]["consent"] == consent["id"]
    status, page = await call(http_node, "GET", "/my-care/people", token=fay_token)
    assert f'href="/my-care/{una["una"]}"' in page
    status, page = await call(
        http_node, "GET", f"/my-care/{una['una']}", token=fay_token
    )
    assert status == 200
    assert "You see this because Una Ward invited you on" in visible_text(page)
    assert "Walk to the shop on my own" in page and NOTE in page
    assert 'action="/my-care/access' not in page  # no managing her circle
    status, home = await call(http_node, "GET", "/", token=fay_token)
    assert 'href="/my-care/people"' in home

    # Una takes it back from her page: refused to Fay at the next request.
    status, where = await post_form(
        http_node,
        f"/my-care/access/{consent['id']}/revoke",
        una["una_token"],
        [],
    )
    assert (status, where) == (303, "/my-care?done=revoked#done")
    status, body = await call(
        http_node, "GET", f"/api/people/{una['una']}/care", token=fay_token
    )
    assert status == 403 and "Una" not in str(body)
    status, _ = await call(http_node, "GET", f"/my-care/{una['una']}", token=fay_token)
    assert status == 403
    status, people = await call(
        http_node, "GET", "/api/me/care/people", token=fay_token
    )
    assert people == []


async def test_a_visits_only_consent_shows_no_plan(http_node: LiveNode) -> None:
    una = await una_with_care(http_node)
    status, _ = await call(
        http_node,
        "POST",
        "/api/me/care/access",
        token=una["una_token"],
        json={"viewer": una["fay"], "scope": "visits"},
    )
    assert status == 201
    status, care = await call(
        http_node, "GET", f"/api/people/{una['una']}/care", token=una["fay_token"]
    )
    assert care["plans"] == [] and len(care["visits"]) == 2
    status, page = await call(
        http_node, "GET", f"/my-care/{una['una']}", token=una["fay_token"]
    )
    assert "Will Carer" in page
    assert "Walk to the shop" not in page and NOTE not in page


async def test_nobody_uninvited_reads_her_care(http_node: LiveNode) -> None:
    una = await una_with_care(http_node)
    _, sam_token = await admitted_member(http_node, "worker", "Sam Stranger")
    _, board_token = await staff_token(http_node, "board", "Bea Board")
    nobody = "00000000-0000-4000-8000-000000000009"
    refusals = []
    for token in (sam_token, board_token):
        for person in (una["una"], nobody, "not-an-id"):
            status, body = await call(
                http_node, "GET", f"/api/people/{person}/care", token=token
            )
            assert status == 403
            refusals.append(body)
            status, page = await call(
                http_node, "GET", f"/my-care/{person}", token=token
            )
            assert status in (403, 404)
            assert "Una" not in page and "Walk to the shop" not in page
    # The same refusal whether or not the person exists: it says nothing of her.
    assert all(r == refusals[0] for r in refusals)
    assert "Una" not in str(refusals[0])
    # Nor do the care-plan or circle routes answer a member.
    for path in (
        f"/api/members/{una['una']}/care-access",
        "/api/care-plans",
        f"/api/members/{una['una']}",
    ):
        status, body = await call(http_node, "GET", path, token=sam_token)
        assert status == 403, path
        assert "Walk to the shop" not in str(body)
    status, circle = await call(
        http_node, "GET", "/api/me/care/access", token=sam_token
    )
    assert circle == []  # his own circle: nobody


async def test_a_viewer_can_neither_invite_nor_revoke_nor_see_more(
    http_node: LiveNode,
) -> None:
    una = await una_with_care(http_node)
    fay_token = una["fay_token"]
    sam, sam_token = await admitted_member(http_node, "worker", "Sam Stranger")
    await open_account(http_node, una["una"])
    status, consent = await call(
        http_node,
        "POST",
        "/api/me/care/access",
        token=una["una_token"],
        json={"viewer": una["fay"]},
    )
    assert status == 201
    before = events(http_node)
    # She cannot let Sam in on Una's behalf, nor take Una's consent back.
    status, _ = await call(
        http_node,
        "POST",
        f"/api/members/{una['una']}/care-access",
        token=fay_token,
        json={"viewer": sam, "how_given": "she said so"},
    )
    assert status == 403
    for token in (fay_token, sam_token):
        status, _ = await call(
            http_node, "POST", f"/api/care-access/{consent['id']}/revoke", token=token
        )
        assert status == 403
        status, _ = await post_form(
            http_node, f"/my-care/access/{consent['id']}/revoke", token, []
        )
        assert status == 403
    status, _ = await post_form(
        http_node,
        f"/staff/care-plans/{una['plan']}/access",
        fay_token,
        [("viewer", sam), ("how_given", "she said so")],
    )
    assert status == 403
    assert events(http_node) == before
    status, care = await call(
        http_node, "GET", f"/api/people/{una['una']}/care", token=fay_token
    )
    assert (status, care["name"]) == (200, "Una Ward")  # still hers to see
    # Seeing Una's care is not seeing her contact details, time bank or votes.
    for path in (
        f"/api/members/{una['una']}",
        f"/api/timebank/accounts/{una['una']}",
    ):
        status, _ = await call(http_node, "GET", path, token=fay_token)
        assert status in (403, 404), path
    status, page = await call(
        http_node, "GET", f"/my-care/{una['una']}", token=fay_token
    )
    for private in ("una@example.org", "Key under the pot", "1 Mill Lane", "rosa@"):
        assert private not in page


async def test_the_coordinator_records_consent_on_her_behalf(
    http_node: LiveNode,
) -> None:
    una = await una_with_care(http_node)
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    plan_page = f"/staff/care-plans/{una['plan']}"
    status, page = await call(http_node, "GET", plan_page, token=coordinator)
    assert 'data-api="POST /api/members/{id}/care-access"' in page
    # Without a word on how consent was given, nothing is recorded.
    before = events(http_node)
    status, page = await post_form(
        http_node, plan_page + "/access", coordinator, [("viewer", una["fay"])]
    )
    assert status == 400
    assert 'id="access-how_given"' in page and 'aria-invalid="true"' in page
    assert "Say how the person gave their consent" in page
    assert events(http_node) == before
    status, where = await post_form(
        http_node,
        plan_page + "/access",
        coordinator,
        [("viewer", una["fay"]), ("how_given", "in person, witnessed by Cal Roy")],
    )
    assert (status, where) == (303, plan_page + "?done=access_given#access")
    status, circle = await call(
        http_node, "GET", f"/api/members/{una['una']}/care-access", token=coordinator
    )
    (consent,) = circle
    assert consent["on_behalf"] and consent["how_given"].startswith("in person")
    status, page = await call(http_node, "GET", "/my-care", token=una["una_token"])
    assert "recorded for you by the co-op office" in page
    status, _ = await call(
        http_node, "GET", f"/api/people/{una['una']}/care", token=una["fay_token"]
    )
    assert status == 200
    # Granting her twice is refused beside the form, and she may not be her own.
    status, page = await post_form(
        http_node,
        plan_page + "/access",
        coordinator,
        [("viewer", una["fay"]), ("how_given", "again")],
    )
    assert status == 409 and "That permission cannot be recorded" in page
    status, body = await call(
        http_node,
        "POST",
        f"/api/members/{una['una']}/care-access",
        token=coordinator,
        json={"viewer": una["una"], "how_given": "by letter"},
    )
    assert (status, body["error"]["code"]) == (409, "invalid_care_consent")
    # She asks the office to take it back.
    status, where = await post_form(
        http_node,
        f"{plan_page}/access/{consent['id']}/revoke",
        coordinator,
        [],
    )
    assert (status, where) == (303, plan_page + "?done=access_revoked#access")
    status, _ = await call(
        http_node, "GET", f"/api/people/{una['una']}/care", token=una["fay_token"]
    )
    assert status == 403
    assert http_node.node.coop_node.care_consent(UUID(consent["id"])).revoked_on


async def test_every_read_of_her_care_is_in_her_access_log(http_node: LiveNode) -> None:
    una = await una_with_care(http_node)
    app = http_node.node.coop_node
    person, fay = UUID(una["una"]), UUID(una["fay"])
    _, sam_token = await admitted_member(http_node, "worker", "Sam Stranger")
    status, _ = await call(
        http_node,
        "POST",
        "/api/me/care/access",
        token=una["una_token"],
        json={"viewer": una["fay"]},
    )
    assert status == 201
    before = len(app.access_reads(person))
    for path, token in [
        ("/api/me/care", una["una_token"]),
        (f"/api/people/{person}/care", una["fay_token"]),
        (f"/my-care/{person}", una["fay_token"]),
        ("/api/me/care/access", una["una_token"]),
    ]:
        status, _ = await call(http_node, "GET", path, token=token)
        assert status == 200, path
    reads = app.access_reads(person)[: len(app.access_reads(person)) - before]
    by_fay = {(r.what, r.record_id) for r in reads if r.reader == fay}
    assert by_fay == {("care_plan", una["plan"]), ("visit", None)}
    by_her = {r.what for r in reads if r.reader == person}
    assert by_her == {"care_plan", "visit", "care_circle"}
    # A refused read is no read.
    count = len(app.access_reads(person))
    status, _ = await call(
        http_node, "GET", f"/api/people/{person}/care", token=sam_token
    )
    assert status == 403 and len(app.access_reads(person)) == count
