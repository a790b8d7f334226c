"""The carer's day: a worker starts and ends the visits given to them (the minutes
counted from the start), or records one missed, and nobody else can; the
coordinator sees the visits not started 15 minutes after their time; the next
carer on a person's visits reads what the carers before wrote, and no other
carer or member does."""

import datetime as dt
import json
from uuid import UUID

import aiohttp
import msgspec
import pytest

from node.application import ALLOWLIST, CoopNode
from node.errors import NotYourVisit, VisitAlreadyStarted, VisitNotStarted, VisitOver
from node.http.carer_visits import today_visits
from node.sharing import SharingPolicy
from node.visits import Visit
from tests.node_api import admitted_member, call, events, post_form, staff_token
from tests.page_text import visible_text
from tests.web import LiveNode, bearer

UTC = dt.UTC
NINE = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def member(app: CoopNode, member_class: str, name: str, phone: str = "") -> UUID:
    member_id = app.apply_for_membership(
        name=name,
        email=f"{name.split()[0].lower()}@example.org",
        phone=phone,
        address="12 Mill Lane",
        member_class=member_class,
        applied_on=NINE.date(),
    )
    app.admit_member(member_id, NINE.date())
    return member_id


def carer(app: CoopNode, name: str) -> UUID:
    worker = member(app, "worker", name)
    app.hire_worker(worker, NINE.date())
    return worker


def visit(app: CoopNode, user: UUID, worker: UUID, at: dt.datetime = NINE) -> UUID:
    return app.schedule_visit(
        user, at, ["personal_care"], "3 Elm Row", "Key safe 4711", worker=worker
    )


def stored(app: CoopNode) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_carer_starts_and_ends_a_visit_and_it_is_delivered(app: CoopNode) -> None:
    user = member(app, "service_user", "Una Ward")
    ann = carer(app, "Ann Carer")
    visit_id = visit(app, user, ann)
    started = NINE + dt.timedelta(minutes=2)
    app.start_visit(visit_id, ann, started)
    assert app.visit(visit_id).status == "scheduled"
    assert app.visit(visit_id).started_by == ann
    # 45 minutes 40 seconds: 46 whole minutes.
    minutes = app.end_visit(
        visit_id, ann, started + dt.timedelta(minutes=45, seconds=40), "Ate well."
    )
    done = app.visit(visit_id)
    assert minutes == 46 and done.minutes == 46
    assert (done.status, done.worker, done.started_at) == ("delivered", ann, started)
    assert done.minutes_by_service == {"personal_care": 46}
    assert done.outcome_notes == "Ate well."
    topics = [e.topic for e in app.recorder.select_notifications(1, 100)]
    assert Visit.Started.TOPIC in topics and Visit.Delivered.TOPIC in topics


def test_a_visit_ended_at_once_counts_one_minute(app: CoopNode) -> None:
    user = member(app, "service_user", "Una Ward")
    ann = carer(app, "Ann Carer")
    visit_id = visit(app, user, ann)
    app.start_visit(visit_id, ann, NINE)
    assert app.end_visit(visit_id, ann, NINE + dt.timedelta(seconds=10)) == 1


def test_ending_before_starting_or_twice_is_refused(app: CoopNode) -> None:
    user = member(app, "service_user", "Una Ward")
    ann = carer(app, "Ann Carer")
    visit_id = visit(app, user, ann)
    before = stored(app)
    with pytest.raises(VisitNotStarted):
        app.end_visit(visit_id, ann, NINE)
    assert stored(app) == before
    app.start_visit(visit_id, ann, NINE)
    with pytest.raises(VisitAlreadyStarted):
        app.start_visit(visit_id, ann, NINE)
    app.end_visit(visit_id, ann, NINE + dt.timedelta(minutes=30))
    before = stored(app)
    with pytest.raises(VisitOver):
        app.end_visit(visit_id, ann, NINE + dt.timedelta(minutes=40))
    with pytest.raises(VisitOver):
        app.miss_own_visit(visit_id, ann, "declined", "", NINE.date())
    assert stored(app) == before and app.visit(visit_id).minutes == 30


def test_only_the_carer_given_the_visit_acts_on_it(app: CoopNode) -> None:
    user = member(app, "service_user", "Una Ward")
    ann, ben = carer(app, "Ann Carer"), carer(app, "Ben Carer")
    neighbour = member(app, "volunteer", "Nell Neighbour")
    visit_id = visit(app, user, ann)
    before = stored(app)
    for who in (ben, neighbour, user):
        with pytest.raises(NotYourVisit):
            app.start_visit(visit_id, who, NINE)
        with pytest.raises(NotYourVisit):
            app.miss_own_visit(visit_id, who, "declined", "", NINE.date())
    assert stored(app) == before
    # A worker who has left no longer acts on the visits still given to them.
    (spell,) = [w for w in app.workers() if w.member == ann]
    app.worker_leaves(spell.id, "moved away", NINE.date())
    with pytest.raises(NotYourVisit):
        app.start_visit(visit_id, ann, NINE)


def test_a_carer_records_a_visit_missed_with_the_reason(app: CoopNode) -> None:
    user = member(app, "service_user", "Una Ward")
    ann = carer(app, "Ann Carer")
    visit_id = visit(app, user, ann)
    app.miss_own_visit(visit_id, ann, "no_access", "Nobody answered.", NINE.date())
    missed = app.visit(visit_id)
    assert (missed.status, missed.reason, missed.outcome_notes) == (
        "missed",
        "no_access",
        "Nobody answered.",
    )


def test_the_rounds_are_today_and_the_week_of_the_carer_alone(app: CoopNode) -> None:
    user = member(app, "service_user", "Una Ward")
    ann, ben = carer(app, "Ann Carer"), carer(app, "Ben Carer")
    yesterday = visit(app, user, ann, NINE - dt.timedelta(days=1))
    app.start_visit(yesterday, ann, NINE - dt.timedelta(days=1))
    app.end_visit(yesterday, ann, NINE - dt.timedelta(days=1, minutes=-30))
    today = visit(app, user, ann, NINE + dt.timedelta(hours=3))
    done_today = visit(app, user, ann)
    app.start_visit(done_today, ann, NINE)
    app.end_visit(done_today, ann, NINE + dt.timedelta(minutes=20))
    in_six_days = visit(app, user, ann, NINE + dt.timedelta(days=6))
    visit(app, user, ann, NINE + dt.timedelta(days=7))  # next week
    visit(app, user, ben, NINE + dt.timedelta(hours=1))  # another carer's
    rounds = [v.id for v in app.rounds(ann, NINE.date(), UTC)]
    assert rounds == [done_today, today, in_six_days]


def test_a_visit_not_started_15_minutes_after_its_time_is_late(app: CoopNode) -> None:
    user = member(app, "service_user", "Una Ward")
    ann = carer(app, "Ann Carer")
    late = visit(app, user, ann)
    # An hour and a half earlier: the rota refuses her two visits at once.
    started = visit(app, user, ann, NINE - dt.timedelta(minutes=90))
    app.start_visit(started, ann, NINE - dt.timedelta(minutes=85))
    unassigned = app.schedule_visit(user, NINE, ["cleaning"])
    tomorrow = visit(app, user, ann, NINE + dt.timedelta(days=1))

    just_before = today_visits(app, NINE + dt.timedelta(minutes=14, seconds=59))
    assert just_before.late == []
    assert [v.id for v in just_before.visits] == [started, late, unassigned]
    fifteen = today_visits(app, NINE + dt.timedelta(minutes=15))
    assert [v.id for v in fifteen.late] == [late, unassigned]
    first = fifteen.late[0]
    assert (first.carer_name, first.service_user_name) == ("Ann Carer", "Una Ward")
    assert fifteen.late[1].carer is None
    assert tomorrow not in [v.id for v in fifteen.visits]
    app.start_visit(late, ann, NINE + dt.timedelta(minutes=16))
    assert [v.id for v in today_visits(app, NINE + dt.timedelta(minutes=17)).late] == [
        unassigned
    ]


def test_the_next_carer_reads_the_notes_before_and_no_other(app: CoopNode) -> None:
    user = member(app, "service_user", "Una Ward")
    other_user = member(app, "service_user", "Otto Other")
    ann, ben, cat = (carer(app, n) for n in ("Ann Carer", "Ben Carer", "Cat Carer"))
    first = visit(app, user, ann, NINE - dt.timedelta(days=1))
    app.start_visit(first, ann, NINE - dt.timedelta(days=1))
    app.end_visit(first, ann, NINE - dt.timedelta(days=1, minutes=-40), "Low mood.")
    plan = app.open_care_plan(user, [("Walk to the shop", 3, 4)], NINE.date())
    app.review_care_plan(plan, [(5, 6)], "Walks with a frame now.", NINE.date())
    visit(app, user, ben, NINE + dt.timedelta(days=2))
    visit(app, other_user, cat)

    earlier, review = app.notes_for_carer(ben, user, NINE.date(), UTC)
    assert [(n.notes, n.worker) for n in earlier] == [("Low mood.", ann)]
    assert review is not None and review.notes == "Walks with a frame now."
    for reader in (cat, user, other_user):
        with pytest.raises(NotYourVisit):
            app.notes_for_carer(reader, user, NINE.date(), UTC)


def test_the_start_and_the_notes_never_leave_the_node(app: CoopNode) -> None:
    user = member(app, "service_user", "Una Ward")
    ann = carer(app, "Ann Carer")
    delivered = visit(app, user, ann)
    missed = visit(app, user, ann, NINE + dt.timedelta(hours=3))
    app.start_visit(delivered, ann, NINE)
    app.end_visit(delivered, ann, NINE + dt.timedelta(minutes=50), "Bruise on arm.")
    app.miss_own_visit(missed, ann, "declined", "Said go away.", NINE.date())
    policy = SharingPolicy(b"s" * 32, ALLOWLIST)
    assert Visit.Started.TOPIC not in ALLOWLIST
    shared = [
        json.dumps(msgspec.to_builtins(out.payload))
        for n in app.recorder.select_notifications(start=1, limit=1000)
        if (out := policy.share(app.mapper.to_domain_event(n))) is not None
    ]
    assert any('"minutes_by_service": {"personal_care": 50}' in s for s in shared)
    for secret in ("Bruise", "Said go away", "3 Elm Row", "4711", "Una", "Ann"):
        assert not any(secret in s for s in shared), secret


# Over HTTP: the API and the pages, as the carer's phone uses them.


async def carers_day(http: LiveNode) -> dict[str, tuple[str, str]]:
    """A service user with a phone, two carers and a member who is none: (member
    id, token) by first name."""
    people = {
        "una": await admitted_member(http, "service_user", "Una Ward"),
        "ann": await admitted_member(http, "worker", "Ann Carer"),
        "ben": await admitted_member(http, "worker", "Ben Carer"),
        "nell": await admitted_member(http, "volunteer", "Nell Neighbour"),
    }
    app = http.node.coop_node
    app.correct_contact_details(
        UUID(people["una"][0]),
        email="una@example.org",
        phone="07700 900456",
        address="3 Elm Row",
    )
    for name in ("ann", "ben"):
        app.hire_worker(UUID(people[name][0]))
    return people


def now_plus(minutes: int) -> dt.datetime:
    return dt.datetime.now(UTC) + dt.timedelta(minutes=minutes)


async def test_the_carer_starts_and_ends_over_the_api(http_node: LiveNode) -> None:
    people = await carers_day(http_node)
    (una, _), (ann, ann_token) = people["una"], people["ann"]
    app = http_node.node.coop_node
    visit_id = visit(app, UUID(una), UUID(ann), now_plus(5))

    status, rounds = await call(http_node, "GET", "/api/me/rounds", token=ann_token)
    assert status == 200 and [v["id"] for v in rounds] == [str(visit_id)]
    (mine,) = rounds
    assert mine["service_user_name"] == "Una Ward"
    assert (mine["address"], mine["access_notes"]) == ("3 Elm Row", "Key safe 4711")
    assert mine["phone"] == "07700 900456"

    path = f"/api/me/rounds/{visit_id}"
    status, refused = await call(http_node, "POST", f"{path}/end", token=ann_token)
    assert status == 409 and refused["error"]["code"] == "visit_not_started"
    status, started = await call(http_node, "POST", f"{path}/start", token=ann_token)
    assert status == 200 and started["started_at"] is not None
    status, ended = await call(
        http_node, "POST", f"{path}/end", token=ann_token, json={"notes": "Tea made."}
    )
    assert status == 200, ended
    assert (ended["status"], ended["minutes"], ended["notes"]) == (
        "delivered",
        1,
        "Tea made.",
    )
    assert app.visit(visit_id).worker == UUID(ann)
    before = events(http_node)
    status, twice = await call(http_node, "POST", f"{path}/end", token=ann_token)
    assert status == 409 and twice["error"]["code"] == "visit_over"
    assert events(http_node) == before


async def test_no_one_else_acts_on_or_reads_the_visit(http_node: LiveNode) -> None:
    people = await carers_day(http_node)
    (una, una_token), (ann, _) = people["una"], people["ann"]
    app = http_node.node.coop_node
    visit_id = visit(app, UUID(una), UUID(ann), now_plus(5))
    path = f"/api/me/rounds/{visit_id}"
    before = events(http_node)
    for name in ("ben", "nell"):
        token = people[name][1]
        for action, body in (
            ("start", None),
            ("end", {"notes": "x"}),
            ("miss", {"reason": "declined"}),
        ):
            status, _ = await call(
                http_node, "POST", f"{path}/{action}", token=token, json=body
            )
            assert status == 403, (name, action)
        status, refused = await call(http_node, "GET", path, token=token)
        assert status == 403 and refused["error"]["code"] == "not_your_visit"
        status, page = await post_form(
            http_node, f"/my-visits/{visit_id}/start", token, []
        )
        assert status == 403, page
    status, _ = await call(http_node, "POST", f"{path}/start", token=una_token)
    assert status == 403
    assert events(http_node) == before
    assert app.visit(visit_id).started_by is None
    # Nor does a member read a visit's notes as the coordinator does.
    notes = f"/api/visits/{visit_id}/notes"
    assert (await call(http_node, "GET", notes, token=people["ben"][1]))[0] == 403
    status, read = await call(http_node, "GET", notes, token=http_node.admin_token)
    assert status == 200 and read["access_notes"] == "Key safe 4711"


async def test_the_next_carer_reads_the_note_and_another_does_not(
    http_node: LiveNode,
) -> None:
    people = await carers_day(http_node)
    (una, _), (ann, ann_token), (ben, ben_token) = (
        people["una"],
        people["ann"],
        people["ben"],
    )
    app = http_node.node.coop_node
    first = visit(app, UUID(una), UUID(ann), now_plus(-60))
    for action, body in (("start", None), ("end", {"notes": "Fell asleep early."})):
        status, _ = await call(
            http_node,
            "POST",
            f"/api/me/rounds/{first}/{action}",
            token=ann_token,
            json=body,
        )
        assert status == 200
    following = visit(app, UUID(una), UUID(ben), now_plus(24 * 60))
    status, read = await call(
        http_node, "GET", f"/api/me/rounds/{following}", token=ben_token
    )
    assert status == 200
    assert [n["notes"] for n in read["earlier"]] == ["Fell asleep early."]
    assert read["earlier"][0]["worker_name"] == "Ann Carer"
    page = await page_of(http_node, f"/my-visits/{following}", ben_token)
    assert "Fell asleep early." in visible_text(page)
    # Ann's next visits are to someone else: Una's notes are not hers to read.
    ann_next = visit(app, UUID(people["nell"][0]), UUID(ann), now_plus(24 * 60))
    status, read = await call(
        http_node, "GET", f"/api/me/rounds/{ann_next}", token=ann_token
    )
    assert status == 200 and read["earlier"] == []
    status, _ = await call(
        http_node, "GET", f"/api/me/rounds/{following}", token=ann_token
    )
    assert status == 403


async def page_of(http: LiveNode, path: str, token: str) -> str:
    """A page as the member's browser gets it."""
    headers = {**bearer(token), "Accept": "text/html"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(http.url + path, headers=headers) as response,
    ):
        assert response.status == 200, path
        return await response.text()


async def test_the_carer_does_the_visit_from_the_pages(http_node: LiveNode) -> None:
    people = await carers_day(http_node)
    (una, _), (ann, ann_token) = people["una"], people["ann"]
    app = http_node.node.coop_node
    visit_id = visit(app, UUID(una), UUID(ann), now_plus(5))
    home = visible_text(await page_of(http_node, "/", ann_token))
    assert "My rounds" in home
    rounds = visible_text(await page_of(http_node, "/my-visits", ann_token))
    assert "Una Ward" in rounds and "3 Elm Row" in rounds
    page = f"/my-visits/{visit_id}"
    status, where = await post_form(http_node, f"{page}/end", ann_token, [])
    assert status == 409 and "has not been started yet" in where
    status, where = await post_form(http_node, f"{page}/start", ann_token, [])
    assert (status, where) == (303, f"{page}?done=started#done")
    long_note = [("notes", "x" * 2001)]
    status, refused = await post_form(http_node, f"{page}/end", ann_token, long_note)
    assert status == 400 and "too long" in refused
    assert app.visit(visit_id).status == "scheduled"
    note = [("notes", "Una was cheerful.")]
    status, where = await post_form(http_node, f"{page}/end", ann_token, note)
    assert (status, where) == (303, f"{page}?done=ended#done")
    shown = visible_text(await page_of(http_node, where, ann_token))
    assert "Delivered" in shown and "Una was cheerful." in shown
    # The non-carer's menu has no rounds.
    nell_home = visible_text(await page_of(http_node, "/", people["nell"][1]))
    assert "My rounds" not in nell_home


async def test_the_coordinator_sees_the_late_visit(http_node: LiveNode) -> None:
    people = await carers_day(http_node)
    (una, _), (ann, _) = people["una"], people["ann"]
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    app = http_node.node.coop_node
    # The node's clock at noon, so that both visits are today whenever this runs.
    noon = dt.datetime.combine(dt.date.today(), dt.time(12), UTC)
    http_node.node.clock = lambda zone: noon.astimezone(zone)
    ben = UUID(people["ben"][0])
    late = visit(app, UUID(una), UUID(ann), noon - dt.timedelta(minutes=20))
    not_yet = visit(app, UUID(una), ben, noon - dt.timedelta(minutes=10))
    status, today = await call(http_node, "GET", "/api/visits/today", token=coordinator)
    assert status == 200
    assert [v["id"] for v in today["late"]] == [str(late)]
    assert {v["id"] for v in today["visits"]} == {str(late), str(not_yet)}
    page = await page_of(http_node, "/staff/today", coordinator)
    late_part = page.split('id="late"')[1].split("</section>")[0]
    assert "Ann Carer" in late_part and "Una Ward" in late_part
    member = people["ann"][1]
    assert (await call(http_node, "GET", "/api/visits/today", token=member))[0] == 403
