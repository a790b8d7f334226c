"""Subject access: a copy of everything the node holds about one person, in one
answer. Markers planted in one person's records are all in their copy and none
of them in anyone else's, including the carer who visited them; who asked is
recorded; only the person, the board and the data protection lead may ask."""

import json
from uuid import UUID

import msgspec

from node.application import CoopNode
from node.subject_access import SubjectAccessRequest
from node.timebank import time_account_id
from tests.node_api import admitted_member, call, events, staff_token
from tests.test_care import AT, DAY
from tests.web import LiveNode
from toolkit.aggregates import ids_with


def person(app: CoopNode, tag: str, member_class: str) -> UUID:
    member_id = app.apply_for_membership(
        name=f"Name-{tag}",
        email=f"email-{tag}@example.org",
        phone=f"Phone-{tag}",
        address=f"Address-{tag}",
        member_class=member_class,
        applied_on=DAY,
    )
    app.admit_member(member_id, DAY)
    return member_id


def records_of(app: CoopNode, tag: str, carer: UUID) -> UUID:
    """A person marked ``tag`` everywhere: contact details (corrected once), a
    care plan, a visit ``carer`` delivered, an incident about it, an expense
    claim, a time-bank gift to the pool, and the notes they wrote of a meeting
    of their neighbourhood circle."""
    member_id = person(app, tag, "service_user")
    app.correct_contact_details(
        member_id,
        email=f"email-{tag}@example.org",
        phone=f"Corrected-{tag}",
        address=f"Address-{tag}",
    )
    plan = app.open_care_plan(member_id, [(f"Goal-{tag}", 3, 4)], DAY)
    app.review_care_plan(plan, [(5, 5)], f"Review-{tag}", DAY)
    visit = app.schedule_visit(
        member_id, AT, ["cleaning"], f"Visit-address-{tag}", f"Key-safe-{tag}"
    )
    app.deliver_visit(visit, carer, AT, 60, notes=f"Delivery-note-{tag}")
    app.raise_incident("incident", f"Incident-{tag}", DAY, visit)
    app.claim_expense(member_id, "travel", 450, f"Expense-{tag}", DAY)
    account = app.open_time_account(member_id)
    pool = time_account_id(None)
    if not app.recorder.select_events(pool, limit=1):
        app.open_pool_account()
    app.transfer_time(account, pool, 30, "gift", f"Gift-{tag}")
    circle = app.form_circle(f"Lane-{tag}", "Northside", member_id, DAY)
    app.record_circle_meeting(circle, member_id, DAY, f"Circle-note-{tag}")
    return member_id


MARKERS = (
    "Name-{}",
    "email-{}@example.org",
    "Corrected-{}",
    "Address-{}",
    "Goal-{}",
    "Review-{}",
    "Visit-address-{}",
    "Key-safe-{}",
    "Delivery-note-{}",
    "Incident-{}",
    "Expense-{}",
    "Gift-{}",
    "Circle-note-{}",  # their own words, in a record of the circle's
)


def text_of(copy: object) -> str:
    return msgspec.json.encode(copy).decode()


def test_a_copy_holds_every_marker_of_its_person_and_no_one_elses(
    app: CoopNode,
) -> None:
    carer = person(app, "Carer", "worker")
    app.hire_worker(carer, DAY)
    ann = records_of(app, "Ann", carer)
    records_of(app, "Bob", carer)

    ann_copy = text_of(app.subject_access(ann, ann, "member"))
    ann_markers = [m.format("Ann") for m in MARKERS]
    assert [m for m in ann_markers if m not in ann_copy] == []
    bob_markers = [m.format("Bob").lower() for m in MARKERS] + ["name-carer"]
    # Bob's goals, notes and contact details are not in Ann's copy; the carer
    # appears by name only as the one who delivered Ann's visit.
    assert [m for m in bob_markers[:-1] if m in ann_copy.lower()] == []
    assert "Name-Carer" in ann_copy and "Phone-Carer" not in ann_copy

    # The carer delivered both visits: their copy says so, with none of what
    # the visits' records say about Ann or Bob.
    carer_copy = text_of(app.subject_access(carer, None, "admin"))
    for tag in ("Ann", "Bob"):
        assert [m.format(tag) for m in MARKERS if m.format(tag) in carer_copy] == [], (
            tag
        )
    assert "Phone-Carer" in carer_copy
    delivered = [
        r
        for r in app.subject_access(carer, None, "admin").records
        if r.kind == "commonweal.visit"
    ]
    assert len(delivered) == 2 and not any(r.theirs for r in delivered)


def test_every_request_is_recorded_and_shown_in_the_next_copy(app: CoopNode) -> None:
    ann = person(app, "Ann", "service_user")
    board = person(app, "Board", "worker")
    app.subject_access(ann, board, "board")
    requests = [
        app.repository.get(i)
        for i in ids_with(app, "commonweal.subject_access_request.made")
    ]
    assert [(r.subject, r.requested_by, r.role) for r in requests] == [
        (ann, board, "board")
    ]
    assert isinstance(requests[0], SubjectAccessRequest)
    again = app.subject_access(ann, ann, "member")
    made = [
        e.details
        for r in again.records
        if r.kind == "commonweal.subject_access_request"
        for e in r.entries
    ]
    assert {
        "subject": "Name-Ann",
        "requested_by": "Name-Board",
        "role": "board",
    } in made


async def test_only_the_person_the_board_or_the_lead_may_have_a_copy(
    http_node: LiveNode,
) -> None:
    ann, ann_token = await admitted_member(http_node, "service_user", "Ann Ward")
    bob, bob_token = await admitted_member(http_node, "worker", "Bob Stone")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    _, board = await staff_token(http_node, "board", "Bea Ng")
    path = f"/api/members/{ann}/subject-access"

    status, copy = await call(http_node, "GET", path, token=ann_token)
    assert status == 200 and copy["name"] == "Ann Ward"
    assert "ann" in json.dumps(copy).lower()
    before = events(http_node)
    for token in (bob_token, coordinator):
        status, body = await call(http_node, "GET", path, token=token)
        assert status == 403 and "Ann" not in json.dumps(body)
        status, page = await call(
            http_node, "GET", f"/staff/members/{ann}/data", token=token
        )
        assert status == 403 and "Ann Ward" not in page
    assert events(http_node) == before  # a refused request writes nothing

    status, _ = await call(http_node, "GET", path, token=board)
    assert status == 200
    status, _ = await call(
        http_node,
        "PUT",
        "/api/leads/data_protection",
        token=board,
        json={"member": bob},
    )
    assert status == 200
    status, copy = await call(http_node, "GET", path, token=bob_token)
    assert status == 200
    status, page = await call(http_node, "GET", "/details/my-data", token=ann_token)
    assert status == 200
    assert "Ann Ward" in page and "Bob Stone" in page  # the lead asked
    assert "Download as a file" in page
