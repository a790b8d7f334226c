"""The coordinator schedules a visit from the visits page: Post/Redirect/Get, the
form kept as typed with the problem beside its field, refused to other roles."""

import html

from tests.node_api import admitted_member, staff_token
from tests.web import LiveNode, browser_session, csrf_of


async def test_a_visit_is_scheduled_from_the_page_and_a_refusal_keeps_the_form(
    http_node: LiveNode,
) -> None:
    una, _ = await admitted_member(http_node, "service_user", "Una Ward")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Roy")
    app = http_node.node.coop_node
    service = app.coop().profile.service_types[0]
    async with browser_session(http_node, coordinator) as session:
        async with session.get("/staff/visits") as response:
            page = await response.text()
        assert 'data-api="POST /api/visits"' in page
        csrf = csrf_of(page)
        form = {
            "csrf": csrf,
            "service_user": una,
            "day": "2026-03-02",
            "time": "09:30",
            "notes": "Ring twice",
        }
        async with session.post("/staff/visits/new", data=form) as response:
            refused = await response.text()
            assert response.status == 400
        assert "Tick at least one service." in refused
        assert 'aria-invalid="true"' in refused
        assert "Ring twice" in refused and "2026-03-02" in refused
        assert f'value="{una}" selected' in refused
        assert not list(app.visits())

        async with session.post(
            "/staff/visits/new",
            data={**form, "service_types": service},
            allow_redirects=False,
        ) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/staff/visits?done=scheduled#done"
        (visit,) = app.visits()
        assert str(visit.service_user) == una and visit.notes == "Ring twice"
        assert visit.scheduled_for.strftime("%Y-%m-%d %H:%M") == "2026-03-02 09:30"
        async with session.get("/staff/visits") as response:
            assert "Una Ward" in html.unescape(await response.text())


async def test_a_member_cannot_schedule_a_visit(http_node: LiveNode) -> None:
    una, token = await admitted_member(http_node, "service_user", "Una Ward")
    async with browser_session(http_node, token) as session:
        async with session.get("/") as response:
            csrf = csrf_of(await response.text())
        form = {"csrf": csrf, "service_user": una, "day": "2026-03-02", "time": "09:30"}
        async with session.post("/staff/visits/new", data=form) as response:
            assert response.status == 403
    assert not list(http_node.node.coop_node.visits())
