"""Correcting what a record says about a person: a care plan's goals and notes,
a claim's description. The record reads the corrected text everywhere, the old
one stays in its history with who corrected it; only coordinators and the admin
correct care records; a field that cannot be corrected is refused."""

from uuid import UUID

import pytest

from node.application import CoopNode
from node.care import CarePlan
from node.errors import InvalidCorrection, UnknownRecord
from tests.node_api import admitted_member, call, events, post_form, staff_token
from tests.test_care import AT, DAY, member
from tests.web import LiveNode


def test_a_goal_and_a_review_note_are_corrected_keeping_who(app: CoopNode) -> None:
    user, coordinator = member(app, "service_user"), member(app, "worker")
    plan_id = app.open_care_plan(user, [("Walk to the shop", 3, 4), ("Cook", 2, 2)])
    app.review_care_plan(plan_id, [(4, 4), (3, 3)], "Walked with Ann", DAY)
    assert app.correct_record(plan_id, "goals.1", "Cook for my grandson", coordinator)
    assert app.correct_record(plan_id, "review_notes.0", "Walked with Anna")
    assert not app.correct_record(plan_id, "goals.1", "Cook for my grandson")
    plan = app.care_plan(plan_id)
    assert plan.goals == ["Walk to the shop", "Cook for my grandson"]
    assert plan.review_notes == ["Walked with Anna"]
    corrections = [
        e
        for e in app.repository.event_store.get(plan_id)
        if isinstance(e, CarePlan.FieldCorrected)
    ]
    assert [(e.field, e.by) for e in corrections] == [
        ("goals.1", coordinator),
        ("review_notes.0", None),
    ]
    before = app.recorder.max_notification_id()
    for field in ("service_user", "goals.2", "goals", "review_notes.x"):
        with pytest.raises(InvalidCorrection):
            app.correct_record(plan_id, field, "x")
    with pytest.raises(UnknownRecord):
        app.correct_record(user, "name", "x")  # a member: corrected on their record
    assert app.recorder.max_notification_id() == before


async def test_corrections_over_the_api_and_the_pages(http_node: LiveNode) -> None:
    user, _ = await admitted_member(http_node, "service_user", "Una Ward")
    rosa, rosa_token = await admitted_member(http_node, "volunteer", "Rosa Bianchi")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    _, board = await staff_token(http_node, "board", "Bea Ng")
    app = http_node.node.coop_node
    plan_id = app.open_care_plan(UUID(user), [("Walk to the shop", 3, 4)])
    claim = app.claim_expense(UUID(rosa), "travel", 450, "Bus to Mrs Wrad")
    path = f"/api/records/{plan_id}/corrections"
    body = {"field": "goals.0", "value": "Walk to the corner shop"}

    before = events(http_node)
    for token in (rosa_token, board):
        status, _ = await call(http_node, "POST", path, token=token, json=body)
        assert status == 403
        status, _ = await post_form(
            http_node,
            f"/staff/records/{claim}/correct",
            token,
            [("field", "description"), ("value", "x"), ("back", "/staff/expenses")],
        )
        assert status == 403
    assert events(http_node) == before

    status, answer = await call(http_node, "POST", path, token=coordinator, json=body)
    assert status == 200 and answer["changed"] is True
    status, page = await call(
        http_node, "GET", f"/staff/care-plans/{plan_id}", token=coordinator
    )
    assert "Walk to the corner shop" in page and "Walk to the shop<" not in page
    assert 'data-api="POST /api/records/{id}/corrections"' in page
    status, where = await post_form(
        http_node,
        f"/staff/records/{claim}/correct",
        coordinator,
        [("field", "description"), ("value", "Bus to Mrs Ward"), ("back", "//evil")],
    )
    assert (status, where) == (303, "/staff?done=corrected#done")
    assert app.expense_claim(claim).description == "Bus to Mrs Ward"
    status, refused = await call(
        http_node, "POST", path, token=coordinator, json={"field": "x", "value": "y"}
    )
    assert status == 400 and refused["error"]["code"] == "invalid_correction"


def test_a_visit_note_and_a_concern_are_corrected(app: CoopNode) -> None:
    user, carer = member(app, "service_user"), member(app, "worker")
    app.hire_worker(carer, DAY)
    visit = app.schedule_visit(user, AT, ["cleaning"], "1 Mil Lane", "Key in pot")
    app.deliver_visit(visit, carer, AT, 30, notes="Ate well, tierd")
    app.correct_record(visit, "address", "1 Mill Lane", carer)
    app.correct_record(visit, "outcome_notes", "Ate well, tired", carer)
    corrected = app.visit(visit)
    assert (corrected.address, corrected.outcome_notes) == (
        "1 Mill Lane",
        "Ate well, tired",
    )
    concern = app.raise_incident("safeguarding", "Bruse on arm", DAY, visit)
    app.correct_record(concern, "description", "Bruise on arm")
    assert app.incident(concern).description == "Bruise on arm"
