"""Safeguarding by anyone: any member raises a concern (a worker about a visit
of theirs, a service user's family about someone who is not a member); the
safeguarding lead (by duty, on a member's token), the coordinators and the
admin acknowledge, refer and close it; the lead is told at once by mail with no
detail of the concern; everyone else is refused, and a refusal writes nothing.
Over a real server, SQLite store, broker and SMTP server."""

import datetime as dt
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
import pytest

from node.application import ALLOWLIST, CoopNode
from node.errors import AlreadyAcknowledged, ConcernClosed
from node.incidents import Incident
from node.service import NodeService
from node.sharing import SharingPolicy
from schemas.care import IncidentAcknowledged
from tests.node_api import (
    admitted_member,
    call,
    events,
    post_form,
    schedule,
    staff_token,
)
from tests.page_text import UUID_TEXT, visible_text
from tests.smtp import SmtpServer
from tests.test_care import DAY, member
from tests.test_care_record_pages import get
from tests.test_notifications import body, config_with_mail, to
from tests.waiting import wait_for
from tests.web import LiveNode

SEEN = "Bruises on Una's arms; she flinched when her son came in."


async def raise_concern(http: LiveNode, token: str, **fields: Any) -> tuple[int, Any]:
    json = {"description": SEEN, **fields}
    return await call(http, "POST", "/api/concerns", token=token, json=json)


async def the_lead(http: LiveNode, name: str = "Lena Lead") -> tuple[str, str]:
    """A member (no staff token) the board names safeguarding lead."""
    lead, token = await admitted_member(http, "worker", name)
    http.node.coop_node.designate_lead("safeguarding", UUID(lead))
    return lead, token


async def a_worker(http: LiveNode, name: str) -> tuple[str, str]:
    worker, token = await admitted_member(http, "worker", name)
    http.node.coop_node.hire_worker(UUID(worker))
    return worker, token


# --- the domain -------------------------------------------------------------


def test_the_workflow_keeps_who_did_what_when(app: CoopNode) -> None:
    raiser = member(app, "volunteer")
    lead = member(app, "worker")
    concern = app.raise_incident("safeguarding", SEEN, DAY, raised_by=raiser)
    assert app.incident(concern).status == "open"
    app.acknowledge_incident(concern, lead, DAY + dt.timedelta(days=1))
    assert app.incident(concern).status == "acknowledged"
    with pytest.raises(AlreadyAcknowledged):
        app.acknowledge_incident(concern, lead)
    app.refer_incident(concern, "local_authority", "LA-778", lead, DAY)
    app.refer_incident(concern, "police", "", None, DAY)  # the admin, too
    incident = app.incident(concern)
    assert (incident.status, incident.handled_by) == ("referred", lead)
    app.close_incident(concern, "Son moved out; care plan reviewed.", DAY, lead)
    incident = app.incident(concern)
    assert [(s.what, s.by, s.to) for s in incident.history] == [
        ("raised", raiser, ""),
        ("acknowledged", lead, ""),
        ("referred", lead, "local_authority"),
        ("referred", None, "police"),
        ("closed", lead, ""),
    ]
    assert incident.history[2].reference == "LA-778"
    for again in (
        lambda: app.close_incident(concern, "again"),
        lambda: app.refer_incident(concern, "cqc", "", lead),
        lambda: app.acknowledge_incident(concern, lead),
    ):
        with pytest.raises(ConcernClosed):
            again()
    assert app.incident(concern).version == incident.version  # nothing written


def test_only_the_acknowledged_day_is_shared_of_the_workflow(app: CoopNode) -> None:
    lead = member(app, "worker")
    concern = app.raise_incident("safeguarding", SEEN, DAY, someone="the son")
    app.acknowledge_incident(concern, lead, DAY)
    app.refer_incident(concern, "police", "CAD 1234", lead, DAY)
    policy = SharingPolicy(b"s" * 32, ALLOWLIST)
    shared = [policy.share(e) for e in app.events.get(concern)]
    payloads = [s.payload for s in shared if s is not None]
    kinds = [type(p).__name__ for p in payloads]
    assert kinds == ["IncidentRaised", "IncidentAcknowledged"]
    acknowledged = payloads[1]
    assert isinstance(acknowledged, IncidentAcknowledged)
    assert (acknowledged.kind, acknowledged.acknowledged_on) == ("safeguarding", DAY)
    assert acknowledged.incident == policy.pseudonym(concern)
    wire = str([msgspec.to_builtins(p) for p in payloads])
    for private in ("Bruises", "son", "CAD", "police", str(lead)):
        assert private not in wire
    assert Incident.Referred.TOPIC not in ALLOWLIST


# --- raising, following, handling over HTTP ------------------------------------


async def test_a_worker_raises_a_concern_and_the_lead_handles_it(
    http_node: LiveNode,
) -> None:
    app = http_node.node.coop_node
    user, _ = await admitted_member(http_node, "service_user", "Una Ward")
    worker, worker_token = await a_worker(http_node, "Wil Worker")
    lead, lead_token = await the_lead(http_node)
    service = app.coop().profile.service_types[0]
    visit = await schedule(http_node, user, [service])
    app.assign_visit(visit, UUID(worker))

    status, raised = await raise_concern(
        http_node, worker_token, visit=str(visit), person=user
    )
    assert status == 201, raised
    assert raised["status"] == "open" and SEEN not in str(raised)
    incident = app.incident(UUID(raised["id"]))
    assert (incident.raised_by, incident.person, incident.visit) == (
        UUID(worker),
        UUID(user),
        visit,
    )
    assert incident.raised_on == dt.date.today()

    # The lead holds only a member's token: the duty lets them in.
    status, listed = await call(http_node, "GET", "/api/incidents", token=lead_token)
    assert status == 200 and [i["id"] for i in listed["items"]] == [raised["id"]]
    assert SEEN not in str(listed)
    path = f"/api/incidents/{raised['id']}"
    status, record = await call(http_node, "GET", path, token=lead_token)
    assert status == 200
    assert (record["description"], record["raised_by"], record["person"]) == (
        SEEN,
        worker,
        user,
    )
    # The read is in the access log, as a read of the person it is about.
    (read,) = app.access_reads(UUID(user))
    assert (read.reader, read.what, read.record_id) == (
        UUID(lead),
        "incident",
        incident.id,
    )
    status, view = await call(
        http_node, "POST", path + "/acknowledge", token=lead_token, json={}
    )
    assert (status, view["status"], view["handled_by"]) == (200, "acknowledged", lead)
    status, view = await call(
        http_node,
        "POST",
        path + "/refer",
        token=lead_token,
        json={"to": "local_authority", "reference": "LA-1"},
    )
    assert (status, view["status"]) == (200, "referred")

    # The raiser follows where it stands, never what was done.
    status, mine = await call(http_node, "GET", "/api/concerns", token=worker_token)
    assert status == 200
    assert [(c["id"], c["status"]) for c in mine["items"]] == [
        (raised["id"], "referred")
    ]
    status, closed = await call(
        http_node,
        "POST",
        path + "/close",
        token=lead_token,
        json={"outcome": "Social worker visited; son moved out."},
    )
    assert (status, closed["status"]) == (200, "closed")
    _, mine = await call(http_node, "GET", "/api/concerns", token=worker_token)
    assert mine["items"][0]["status"] == "closed"
    assert "Social worker" not in str(mine) and "LA-1" not in str(mine)
    _, record = await call(http_node, "GET", path, token=lead_token)
    assert [s["what"] for s in record["history"]] == [
        "raised",
        "acknowledged",
        "referred",
        "closed",
    ]
    assert record["history"][2] == {
        "what": "referred",
        "by": lead,
        "on": dt.date.today().isoformat(),
        "to": "local_authority",
        "reference": "LA-1",
    }

    # Invalid steps: 409 with the reason, nothing written.
    before = events(http_node)
    for step, json in (
        ("/close", {"outcome": "twice"}),
        ("/refer", {"to": "police"}),
        ("/acknowledge", {}),
    ):
        status, error = await call(
            http_node, "POST", path + step, token=lead_token, json=json
        )
        assert (status, error["error"]["code"]) == (409, "concern_closed"), step
    assert events(http_node) == before


async def test_a_family_member_raises_one_about_someone_not_a_member(
    http_node: LiveNode,
) -> None:
    """Any admitted member may raise one: a service user or their family may be
    the only one who sees it."""
    _, family = await admitted_member(http_node, "service_user", "Fran Family")
    status, raised = await raise_concern(
        http_node, family, someone="the new neighbour at number 4"
    )
    assert status == 201, raised
    incident = http_node.node.coop_node.incident(UUID(raised["id"]))
    assert (incident.kind, incident.someone) == (
        "safeguarding",
        "the new neighbour at number 4",
    )
    # The admin too, recording a concern phoned in yesterday.
    status, raised = await raise_concern(
        http_node,
        http_node.admin_token,
        kind="incident",
        raised_on=(dt.date.today() - dt.timedelta(days=1)).isoformat(),
    )
    assert (status, raised["kind"]) == (201, "incident")
    assert http_node.node.coop_node.incident(UUID(raised["id"])).raised_by is None


async def test_nobody_else_reads_or_handles_concerns(http_node: LiveNode) -> None:
    app = http_node.node.coop_node
    user, _ = await admitted_member(http_node, "service_user", "Una Ward")
    _, raiser = await a_worker(http_node, "Wil Worker")
    other, other_token = await a_worker(http_node, "Otto Other")
    _, board = await staff_token(http_node, "board", "Bea Board")
    await the_lead(http_node)
    service = app.coop().profile.service_types[0]
    visit = await schedule(http_node, user, [service])
    app.assign_visit(visit, UUID(other))
    status, raised = await raise_concern(http_node, raiser)
    assert status == 201
    path = f"/api/incidents/{raised['id']}"

    before = events(http_node)
    # The raiser, another worker and a board member who is not the lead.
    for token in (raiser, other_token, board):
        for method, where, json in (
            ("GET", "/api/incidents", None),
            ("GET", path, None),
            ("POST", path + "/acknowledge", {}),
            ("POST", path + "/refer", {"to": "police"}),
            ("POST", path + "/close", {"outcome": "nothing to see"}),
        ):
            status, refused = await call(
                http_node, method, where, token=token, json=json
            )
            assert (status, refused["error"]["code"]) == (403, "forbidden"), where
            assert "Bruises" not in str(refused)
        for page in ("/staff/concerns", f"/staff/concerns/{raised['id']}"):
            status, text = await get(http_node, page, token)
            assert status == 403 and "Bruises" not in text
        status, text = await post_form(
            http_node, f"/staff/concerns/{raised['id']}/acknowledge", token, []
        )
        assert status == 403
    # Another's concerns are not in one's own list.
    _, mine = await call(http_node, "GET", "/api/concerns", token=other_token)
    assert mine["items"] == []
    # A visit that is not the raiser's, and a day that is not today.
    status, refused = await raise_concern(http_node, raiser, visit=str(visit))
    assert (status, refused["error"]["code"]) == (403, "forbidden")
    status, refused = await raise_concern(http_node, raiser, raised_on="2026-01-01")
    assert (status, refused["error"]["code"]) == (403, "forbidden")
    status, text = await post_form(
        http_node,
        "/concerns/new",
        raiser,
        [("kind", "safeguarding"), ("description", SEEN), ("visit", str(visit))],
    )
    assert status == 409
    assert "Choose a visit of yours from the list, or no visit." in text
    assert events(http_node) == before
    assert app.incident(UUID(raised["id"])).status == "open"
    # The admin token is no member: nothing of its own to follow.
    status, refused = await call(
        http_node, "GET", "/api/concerns", token=http_node.admin_token
    )
    assert status == 403


# --- the pages ----------------------------------------------------------------


async def test_the_pages_from_home_to_closed(http_node: LiveNode) -> None:
    app = http_node.node.coop_node
    user, _ = await admitted_member(http_node, "service_user", "Una Ward")
    _, family = await admitted_member(http_node, "service_user", "Fran Family")
    _, coordinator = await staff_token(http_node, "coordinator", "Cal Coord")

    status, home = await get(http_node, "/", family)
    assert 'href="/concerns/new"' in home
    assert "Worried about someone&#39;s safety?" in home
    assert 'href="/staff/concerns"' not in home
    status, page = await get(http_node, "/concerns/new", family)
    assert status == 200 and 'data-api="POST /api/concerns"' in page
    assert f'<option value="{user}">Una Ward</option>' in page

    # No lead yet: the coordinator's page says so.
    status, page = await get(http_node, "/staff/concerns", coordinator)
    assert status == 200 and 'id="no-lead"' in page

    status, location = await post_form(
        http_node,
        "/concerns/new",
        family,
        [("kind", "safeguarding"), ("description", SEEN), ("person", user)],
    )
    assert (status, location) == (303, "/concerns?done=raised#done")
    status, page = await get(http_node, location, family)
    assert 'data-api="GET /api/concerns"' in page
    assert "raised, waiting to be acknowledged" in page and SEEN not in page
    (incident,) = app.incidents()

    _, lead_token = await the_lead(http_node)
    status, home = await get(http_node, "/", lead_token)
    assert 'href="/staff/concerns"' in home
    status, page = await get(http_node, "/staff/concerns", lead_token)
    assert status == 200 and "Lena Lead" in page and 'id="no-lead"' not in page
    assert "nobody yet" in page and SEEN not in page
    page_of = f"/staff/concerns/{incident.id}"
    status, page = await get(http_node, page_of, lead_token)
    assert SEEN.replace("'", "&#39;") in page
    assert "Raised by Fran Family." in page and "About Una Ward." in page
    for form in ("acknowledge", "refer", "close"):
        assert f'data-api="POST /api/incidents/{{id}}/{form}"' in page

    status, location = await post_form(
        http_node, page_of + "/acknowledge", lead_token, []
    )
    assert (status, location) == (303, page_of + "?done=acknowledged#done")
    status, page = await post_form(http_node, page_of + "/refer", lead_token, [])
    assert status == 400 and "Choose whom it was referred to." in page
    status, location = await post_form(
        http_node,
        page_of + "/refer",
        lead_token,
        [("to", "cqc"), ("reference", "CQC-9")],
    )
    assert status == 303
    status, location = await post_form(
        http_node, page_of + "/close", coordinator, [("outcome", "Resolved.")]
    )
    assert status == 303
    status, page = await get(http_node, page_of, coordinator)
    text = visible_text(page)
    assert (
        "referred to the Care Quality Commission (reference CQC-9), Lena Lead" in text
    )
    assert "closed, Cal Coord" in text and "Resolved." in text
    assert not UUID_TEXT.search(text)
    status, page = await get(http_node, "/concerns", family)
    assert "closed" in visible_text(page) and "Resolved." not in page
    # The old addresses lead to the new pages.
    status, page = await get(http_node, f"/staff/incidents/{incident.id}", lead_token)
    assert status == 200 and "Resolved." in page


# --- the lead is told at once ----------------------------------------------------


async def test_the_lead_and_coordinators_are_told_without_the_details(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    node = NodeService(config_with_mail(tmp_path, smtp.port))
    node.found_if_new()
    app = node.coop_node
    people = {}
    for name in ("lena", "cal", "bea", "wil", "una"):
        people[name] = app.apply_for_membership(
            name=name.title(), email=f"{name}@example.org", member_class="worker"
        )
        app.admit_member(people[name])
    app.issue_token(people["cal"], "coordinator")
    app.issue_token(people["bea"], "board")
    # No lead yet: the board member and the coordinator are told.
    app.raise_incident("safeguarding", SEEN, raised_by=people["wil"])
    node.start()
    try:
        # Five welcomes and two for the concern; whom the composer tells is
        # read when it composes, so the lead is named after.
        await wait_for(lambda: len(smtp.received()) == 7, what="seven emails")
        app.designate_lead("safeguarding", people["lena"])
        second = app.raise_incident("safeguarding", SEEN, raised_by=people["wil"])
        app.raise_incident("incident", "A broken window", raised_by=people["wil"])
        node.notifier.wake()
        await wait_for(lambda: len(smtp.received()) == 9, what="nine emails")
    finally:
        await node.stop()
    concerns = [
        m for m in smtp.received() if "safeguarding concern" in str(m["Subject"])
    ]
    told = sorted(str(m["To"]).split("@")[0].split("<")[-1] for m in concerns)
    assert told == ["bea", "cal", "cal", "lena"]
    (to_lead,) = to(concerns, "lena@")
    text = body(to_lead)
    assert f"https://alpha.example/staff/concerns/{second}" in text
    assert "sign in" in text.lower()
    for mail in concerns:
        for private in ("Bruises", "Una", "Wil", "window"):
            assert private not in body(mail) + str(mail["Subject"])
    assert not to(concerns, "wil@")  # the raiser knows
