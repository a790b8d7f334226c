"""A day of records on a node, and a crawl of the pages a role can reach from
home: shared by the test that compares pages with the API's operations and the
test that runs axe on every page of every role."""

import datetime as dt
from html.parser import HTMLParser
from typing import NamedTuple
from uuid import UUID

import aiohttp

from node.application import CoopNode
from tests.node_api import admitted_member, call, open_account, schedule, staff_token
from tests.web import LiveNode

# Pages a crawl must not open: they end the session, spend a one-time secret
# or are not pages.
NOT_CRAWLED = ("/logout", "/signin/", "/api/", "/static/", "/staff/letters/")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: set[str] = set()
        self.operations: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if operation := found.get("data-api"):
            self.operations.add(operation)
        href = found.get("href")
        if tag == "a" and href and href.startswith("/"):
            self.hrefs.add(href.split("#")[0].split("?")[0])


class Crawl(NamedTuple):
    pages: list[str]  # the pages that answered 200, in the order first reached
    operations: set[str]  # the data-api names found on them


async def crawl(session: aiohttp.ClientSession) -> Crawl:
    """Every page reachable by links from home, for whoever ``session`` is."""
    seen: set[str] = set()
    queue = ["/"]
    pages: list[str] = []
    operations: set[str] = set()
    while queue and len(seen) < 300:
        path = queue.pop(0)
        if path in seen or path.startswith(NOT_CRAWLED) or path.endswith(".csv"):
            continue
        seen.add(path)
        async with session.get(path) as response:
            if response.status != 200 or response.content_type != "text/html":
                continue
            links = Links()
            links.feed(await response.text())
        pages.append(path)
        operations |= links.operations
        queue += sorted(links.hrefs - seen)
    return Crawl(pages, operations)


async def a_day_of_records(http: LiveNode) -> tuple[dict[str, str], list[str]]:
    """A member, staff of each role, and one of each record, so that the forms
    that act on a record are on the pages. Also answers a member who may hold
    others' proxies."""
    admin = http.admin_token
    user, _ = await admitted_member(http, "service_user", "Una Ward")
    rosa, rosa_token = await admitted_member(http, "volunteer", "Rosa Bianchi")
    bea, board = await staff_token(http, "board", "Bea Ng")
    cal, coordinator = await staff_token(http, "coordinator", "Cal Roy")
    holder, _ = await admitted_member(http, "worker", "Hal Holder")
    await call(
        http,
        "POST",
        "/api/members",
        token=admin,
        json={
            "name": "Ada Applicant",
            "email": "ada@example.org",
            "member_class": "worker",
        },
    )
    await open_account(http, rosa)
    await open_account(http, user)
    await open_account(http, bea)
    service = http.node.coop_node.coop().profile.service_types[0]
    await schedule(http, user, [service])
    app = http.node.coop_node
    app.open_care_plan(UUID(user), [("Cook a meal", 3, 4)])
    # Una lets each member-role see her care and each lets her see theirs, so
    # that a viewer's page and each person's "take back" button are on pages.
    for other in (rosa, bea, cal):
        app.grant_care_consent(UUID(user), UUID(other), recorded_by=UUID(user))
        app.grant_care_consent(UUID(other), UUID(user), recorded_by=UUID(other))
    app.raise_incident("incident", "A fall")
    # A concern the member raised, so that it is on the list she follows.
    app.raise_incident("safeguarding", "A bruise", raised_by=UUID(rosa))
    app.hire_worker(UUID(cal))
    # A volunteer, and a carer with a training on record, for the compliance
    # pages' forms.
    app.enrol_volunteer(UUID(rosa))
    app.record_training(UUID(cal), "first_aid", dt.date.today())
    # Weekly visits and leave, so that the rota's forms that move and end them,
    # and remove the leave, are on its page.
    soon = dt.date.today() + dt.timedelta(days=7)
    app.schedule_weekly(
        UUID(user), [0], dt.time(7), soon, soon + dt.timedelta(days=14), [service]
    )
    app.take_leave(
        UUID(cal), "annual_leave", soon + dt.timedelta(days=60), soon + dt.timedelta(61)
    )
    time_bank_board(http, [UUID(m) for m in (rosa, bea, cal)])
    circles(app, [UUID(m) for m in (rosa, bea, cal)], UUID(holder))
    carers_rounds(app, UUID(user), [UUID(m) for m in (rosa, bea, cal)], service)
    for path, token, body in [
        ("/api/ballots", admin, {"title": "Open a second day centre"}),
        ("/api/ballots", admin, {"title": "Elect the auditor", "secret": True}),
        ("/api/expenses", rosa_token, {"category": "travel", "amount": 480}),
    ]:
        status, answer = await call(http, "POST", path, token=token, json=body)
        assert status == 201, (path, answer)
    # A motion in draft with a comment: the board's forms and the discussion.
    motion = app.draft_motion(
        "Open on Sundays", "The centre opens on Sundays.", UUID(rosa), "ordinary"
    )
    app.post_comment(motion, UUID(rosa), "I could help on Sundays.")
    # A general meeting with the first ballot on its agenda, so that its
    # attendance, room-votes, postal-vote and minutes forms are on its page.
    first = next(b for b in app.ballots() if b.is_open)
    app.call_meeting(
        "Annual general meeting",
        dt.date.today(),
        "18:30",
        "The hall",
        [first.id],
        "board",
    )
    elections(http, UUID(holder), [UUID(m) for m in (rosa, bea, cal)], UUID(user))
    # A draft social report, so that its narrative and adoption forms are on
    # the board's pages.
    app.draft_social_report(dt.date.today().year, "admin")
    tokens = {
        "member": rosa_token,
        "board": board,
        "coordinator": coordinator,
        "admin": admin,
    }
    return tokens, [holder, holder, user]


def time_bank_board(http: LiveNode, members: list[UUID]) -> None:
    """Each of ``members`` has an offer on the time-bank board (so that the
    forms withdrawing and accepting one are on their pages), and the first two
    an exchange to confirm (they have accounts)."""
    app = http.node.coop_node
    category = app.listing_categories()[0]
    for member in members:
        app.post_listing(member, "offer", category, "Tuesdays", 60)
    helper, receiver = members[:2]
    request = app.post_listing(receiver, "request", category, "Saturday", 120)
    app.accept_listing(request, helper)


def circles(app: CoopNode, members: list[UUID], outsider: UUID) -> None:
    """``members`` in a circle with an offer on its board, an exchange agreed on
    it and a meeting recorded (so that its forms are on their pages), and a
    circle they are not in, to join."""
    circle = app.form_circle("Elm Court neighbours", "Northside", members[0])
    for member in members[1:]:
        app.join_circle(circle, member)
    category = app.listing_categories()[0]
    for member in members:
        app.post_listing(member, "offer", category, "Mondays", 30, circle=circle)
    helper, receiver = members[:2]
    request = app.post_listing(
        receiver, "request", category, "Fridays", 60, circle=circle
    )
    app.accept_listing(request, helper)
    app.record_circle_meeting(circle, members[0], dt.date.today(), "Tea at the hall")
    app.form_circle("Station Road", "Southside", outsider)


def carers_rounds(app: CoopNode, user: UUID, carers: list[UUID], service: str) -> None:
    """Each of ``carers`` (hired if need be) has two visits to ``user`` in their
    rounds: one to start or record missed, one started, to end."""
    for carer in carers:
        if not app.is_carer(carer):
            app.hire_worker(carer)
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        app.schedule_visit(user, soon, [service], "1 Mill Lane", worker=carer)
        started = app.schedule_visit(
            user, soon - dt.timedelta(hours=1), [service], worker=carer
        )
        app.start_visit(started, carer, dt.datetime.now(dt.UTC))


def elections(
    http: LiveNode, nominator: UUID, nominated: list[UUID], candidate: UUID
) -> None:
    """An election taking nominations, where the ``nominated`` members are
    nominated by ``nominator`` (so that the form accepting it is on their page),
    and a closed one that ``candidate`` won (so that its result is)."""
    app = http.node.coop_node
    today = dt.date.today()
    taking = app.call_election("Board election", opens_on=today, closes_on=today)
    for member in nominated:
        app.nominate(taking, member, nominator)
    closed = app.call_election(
        "Service users' seats",
        opens_on=today,
        closes_on=today,
        constituencies=["service_user"],
    )
    app.nominate(closed, candidate, candidate, "I will speak for service users.")
    ballot = app.open_voting(closed)
    app.cast_vote(ballot, candidate, [str(candidate)])
    app.close_ballot(ballot)


async def everyone_appoints_a_proxy(
    http: LiveNode, tokens: dict[str, str], holders: list[str]
) -> None:
    """Each member-role appoints a proxy in the first ballot (so that the form
    revoking it is on the page)."""
    _, ballots = await call(http, "GET", "/api/ballots", token=tokens["admin"])
    ballot = ballots["items"][0]["id"]
    # A member may hold two proxies at most.
    for role, holder in zip(("member", "board", "coordinator"), holders, strict=True):
        status, answer = await call(
            http,
            "POST",
            f"/api/ballots/{ballot}/proxies",
            token=tokens[role],
            json={"holder": holder},
        )
        assert status == 200, answer


async def the_claim_is_approved(http: LiveNode, coordinator: str) -> None:
    """(So that the form paying it is on the page.)"""
    _, claims = await call(http, "GET", "/api/expenses", token=coordinator)
    claim = claims["items"][0]["id"]
    path = f"/api/expenses/{claim}/approve"
    status, answer = await call(http, "POST", path, token=coordinator, json={})
    assert status == 200, answer
