"""The co-op's leads: the board names a safeguarding lead and a data protection
lead (API and page); staff see who they are; nobody else may name them; and a
visit goes only to a worker or volunteer (node.visits.require_assignable)."""

import datetime as dt
from uuid import UUID

import pytest

from node.application import CoopNode
from node.errors import NotACarer, NotAMember
from node.visits import DEFAULT_PLANNED_MINUTES, Visit
from tests.node_api import admitted_member, call, events, post_form, staff_token
from tests.test_care import AT, DAY, member
from tests.web import LiveNode


async def test_the_board_names_the_leads_and_staff_see_them(
    http_node: LiveNode,
) -> None:
    board, board_token = await staff_token(http_node, "board", "Bea Board")
    _, coordinator_token = await staff_token(http_node, "coordinator", "Cal Coord")
    lead, _ = await admitted_member(http_node, "worker", "Lena Lead")

    status, body = await call(
        http_node,
        "PUT",
        "/api/leads/safeguarding",
        token=board_token,
        json={"member": lead},
    )
    assert status == 200, body
    assert body == {"safeguarding": lead, "data_protection": None}
    status, body = await call(http_node, "GET", "/api/leads", token=coordinator_token)
    assert (status, body["safeguarding"]) == (200, lead)

    # The page names the lead, and its form names another.
    status, page = await post_form(
        http_node, "/staff/leads/data_protection", board_token, [("member", board)]
    )
    assert (status, page) == (303, "/staff/leads?done=named#done")
    assert http_node.node.coop_node.lead("data_protection") == UUID(board)
    status, page = await call(http_node, "GET", "/staff/leads", token=board_token)
    assert "Lena Lead" in page and "Bea Board" in page


async def test_only_the_board_names_a_lead(http_node: LiveNode) -> None:
    _, coordinator_token = await staff_token(http_node, "coordinator", "Cal Coord")
    rosa, member_token = await admitted_member(http_node, "worker", "Rosa Bianchi")
    before = events(http_node)
    for token in (coordinator_token, member_token):
        status, _ = await call(
            http_node,
            "PUT",
            "/api/leads/safeguarding",
            token=token,
            json={"member": rosa},
        )
        assert status == 403
        status, _ = await post_form(
            http_node, "/staff/leads/safeguarding", token, [("member", rosa)]
        )
        assert status == 403
    status, _ = await call(http_node, "GET", "/api/leads", token=member_token)
    assert status == 403
    status, _ = await call(
        http_node, "PUT", "/api/leads/treasurer", token=http_node.admin_token, json={}
    )
    assert status == 404
    assert events(http_node) == before


def test_a_lead_who_leaves_the_coop_is_no_longer_lead(app: CoopNode) -> None:
    lena = member(app, "worker")
    app.designate_lead("safeguarding", lena)
    assert app.lead("safeguarding") == lena
    app.withdraw_member(lena, DAY)
    assert app.lead("safeguarding") is None
    with pytest.raises(NotAMember):
        app.designate_lead("safeguarding", lena)


def test_a_visit_goes_only_to_a_worker_or_volunteer(app: CoopNode) -> None:
    user = member(app, "service_user")
    rosa = member(app, "worker")
    with pytest.raises(NotACarer):
        app.schedule_visit(user, AT, ["cleaning"], worker=rosa)
    app.hire_worker(rosa, DAY)
    visit_id = app.schedule_visit(
        user, AT, ["cleaning"], worker=rosa, planned_minutes=45
    )
    visit = app.visit(visit_id)
    assert (visit.assigned_to, visit.planned_end) == (
        rosa,
        AT + dt.timedelta(minutes=45),
    )
    app.assign_visit(visit_id, None)
    assert app.visit(visit_id).assigned_to is None


def test_a_visit_stored_before_the_rota_reads_as_unassigned(app: CoopNode) -> None:
    """A version 1 ``Scheduled`` event (no worker, no planned length) is upcast."""
    user = member(app, "service_user")
    visit_id = app.schedule_visit(user, AT, ["cleaning"])
    stored = app.repository.event_store.get(visit_id)
    assert isinstance(next(iter(stored)), Visit.Scheduled)
    state = {"worker": "x", "planned_minutes": 5}
    Visit.Scheduled.upcast_v1_v2(state)
    assert state == {"worker": None, "planned_minutes": DEFAULT_PLANNED_MINUTES}
