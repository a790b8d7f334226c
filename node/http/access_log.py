"""Who read whose records (node.access_audit), for the person and for the
co-op's data protection lead.

A member sees every read of their own records, on ``/details/access`` and
``GET /api/me/access-log``: who by name and role ("you" when it was them), what
and when. The data protection lead (and the admin) sees everyone's, filtered by
person and days, on ``/staff/access-log``, and exports it as CSV from
``GET /api/access-log`` (``format=csv`` or ``Accept: text/csv``); anyone else
may ask that route for their own reads only. People are named by name and member
number, never by id. Looking at the log is itself a read of it, and recorded.
"""

import csv
import datetime as dt
import io
from typing import Any
from uuid import UUID

import msgspec
from aiohttp import web

from node.access_audit import AccessRead, Reading
from node.application import CoopNode
from node.auth import ADMIN, EVERYONE, MEMBERS, Principal
from node.errors import UnknownMember
from node.http.context import NODE, run
from node.http.guard import principal, require
from node.http.pages import render, signed_in
from node.http.shares import text_cell
from node.labels import LABELS
from node.membership import Member
from toolkit.aggregates import ids_with
from toolkit.web.errors import forbidden
from toolkit.web.i18n import N_
from toolkit.web.routes import Api

api = Api()
access_log_pages = web.RouteTableDef()
ACCESS_LOG = "access_log"  # what a read of the log itself is called in the log
NOT_THE_LEAD = N_("Only the co-op's data protection lead sees who read whose records.")


class Party(msgspec.Struct, frozen=True):
    """A person in the log: by name and member number; the admin token has
    neither, and "you" is the reader when it was the person themselves."""

    name: str | None
    number: int | None
    role: str | None = None  # the reader's role


class AccessEntry(msgspec.Struct, frozen=True):
    at: dt.datetime
    reader: Party
    subject: Party | None  # None: a record about no named person
    what: str
    you: bool = False  # the reader was the person the record is about


class LogQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    subject: UUID | None = None
    since: dt.date | None = msgspec.field(default=None, name="from")
    until: dt.date | None = msgspec.field(default=None, name="to")


def member_numbers(app: CoopNode) -> dict[UUID, int]:
    """Each member's number: their place in the order of admission (the share
    register's numbers, node.shares)."""
    admitted = dict.fromkeys(ids_with(app, Member.Admitted.TOPIC))
    return {member_id: n for n, member_id in enumerate(admitted, start=1)}


class People:
    """Names and numbers of the members, read once per answer."""

    def __init__(self, app: CoopNode) -> None:
        self.names = {m.id: m.name for m in app.members()}
        self.numbers = member_numbers(app)

    def party(self, member_id: UUID | None, role: str | None = None) -> Party:
        if member_id is None:
            return Party(None, None, role)
        return Party(self.names.get(member_id), self.numbers.get(member_id), role)

    def entry(self, read: AccessRead) -> AccessEntry:
        subject = None if read.subject is None else self.party(read.subject)
        you = read.reader is not None and read.reader == read.subject
        return AccessEntry(
            read.at,
            self.party(read.reader, read.reader_role),
            subject,
            read.what,
            you,
        )


def may_see_everyones(app: CoopNode, who: Principal) -> bool:
    return who == ADMIN or app.is_lead("data_protection", who.member_id)


def what_label(what: str) -> str:
    return LABELS["record"].get(what) or what.replace("_", " ")


def log_csv(entries: list[AccessEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "When",
            "Reader",
            "Reader member number",
            "Reader role",
            "Whose record",
            "Member number",
            "What",
        ]
    )
    for e in entries:
        reader_name = "administrator" if e.reader.role == "admin" else e.reader.name
        writer.writerow(
            [
                e.at.astimezone().isoformat(timespec="seconds"),
                text_cell(reader_name or ""),
                e.reader.number or "",
                LABELS["role"].get(e.reader.role or "", e.reader.role or ""),
                text_cell(e.subject.name or "") if e.subject else "nobody named",
                (e.subject.number or "") if e.subject else "",
                what_label(e.what),
            ]
        )
    return out.getvalue()


def _subjects_shown(reads: list[AccessRead]) -> list[UUID]:
    return list(dict.fromkeys(r.subject for r in reads if r.subject is not None))


def _read_log(
    app: CoopNode,
    who: Principal,
    subject: UUID | None,
    since: dt.date | None,
    until: dt.date | None,
) -> list[AccessEntry]:
    """The log as ``who`` asked for it, and that look recorded: a read of the
    log of each person shown (and of ``subject``'s, shown or not)."""
    reads = app.access_reads(subject, since, until, everyone=subject is None)
    shown = _subjects_shown(reads)
    if subject is not None and subject not in shown:
        shown.append(subject)
    app.record_reads(who, [Reading(s, ACCESS_LOG) for s in shown])
    people = People(app)
    return [people.entry(read) for read in reads]


@api.route(
    "GET",
    "/api/me/access-log",
    summary="Every read of the calling member's records: who, what, when",
    tag="access log",
    response=list[AccessEntry],
    roles=MEMBERS,
)
async def my_access_log(request: web.Request) -> list[AccessEntry]:
    who = require(request, MEMBERS, "have records of their own")
    app = request.app[NODE].coop_node
    return await run(request, _read_log, app, who, who.member_id, None, None)


def readable_log(request: web.Request, query: LogQuery) -> list[AccessEntry]:
    """The reads ``query`` asks for, if the caller may see them: their own, or
    anyone's for the data protection lead and the admin."""
    who = principal(request)
    app = request.app[NODE].coop_node
    own = who.member_id is not None and query.subject == who.member_id
    if not own and not may_see_everyones(app, who):
        raise forbidden(
            "only the data protection lead may read the access log of others"
        )
    return _read_log(app, who, query.subject, query.since, query.until)


@api.route(
    "GET",
    "/api/access-log",
    summary="Who read whose records, filtered by person and days (the data "
    "protection lead and admin; anyone else their own records only)",
    tag="access log",
    query=LogQuery,
    response=list[AccessEntry],
    roles=EVERYONE,
    errors=(403,),
)
async def access_log(request: web.Request, query: LogQuery) -> list[AccessEntry]:
    return await run(request, readable_log, request, query)


@api.route(
    "GET",
    "/api/access-log.csv",
    summary="The same reads as CSV, for a spreadsheet: people by name and member "
    "number, never ids",
    tag="access log",
    query=LogQuery,
    roles=EVERYONE,
    errors=(403,),
)
async def access_log_csv(request: web.Request, query: LogQuery) -> web.Response:
    entries = await run(request, readable_log, request, query)
    day = dt.date.today().isoformat()
    return web.Response(
        text=log_csv(entries),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="access-log-{day}.csv"'},
    )


# Pages: the member's own log, and the whole log for the data protection lead.


@access_log_pages.get("/details/access")
async def my_access_page(request: web.Request) -> web.Response:
    who = signed_in(request, MEMBERS)
    app = request.app[NODE].coop_node
    entries = await run(request, _read_log, app, who, who.member_id, None, None)
    return render(request, "my_access_log.html", entries=entries, me=who.member_id)


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _person(app: CoopNode, text: str) -> UUID | None:
    try:
        member_id = UUID(text)
    except ValueError:
        return None
    try:
        app.member(member_id)
    except UnknownMember:
        return None
    return member_id


@access_log_pages.get("/staff/access-log")
async def access_log_page(request: web.Request) -> web.Response:
    who = signed_in(request)
    app = request.app[NODE].coop_node
    typed = {k: request.query.get(k, "").strip() for k in ("subject", "from", "to")}

    def read() -> dict[str, Any]:
        if not may_see_everyones(app, who):
            raise web.HTTPForbidden(text=NOT_THE_LEAD, content_type="text/plain")
        subject = _person(app, typed["subject"])
        since, until = _day(typed["from"]), _day(typed["to"])
        members = sorted(app.members(), key=lambda m: m.name.casefold())
        return {
            "entries": _read_log(app, who, subject, since, until),
            "people": [(m.id, m.name) for m in members],
            # The filters as understood: a day or person not understood is
            # left out (and shown blank), never guessed.
            "filters": {
                "subject": str(subject) if subject else "",
                "from": since.isoformat() if since else "",
                "to": until.isoformat() if until else "",
            },
        }

    data = await run(request, read)
    query = "&".join(f"{k}={v}" for k, v in data["filters"].items() if v)
    return render(request, "access_log.html", csv_query=query, **data)
