"""Election pages: the list of elections (the board calls one there, with its
nominations period), and each election's page, where members stand with a
statement, nominate another member or accept their own nomination, read the
candidates' statements, vote on a ballot paper that ranks candidates without
JavaScript, and read the result with every stage of the count; the board
withdraws a nomination with a reason and opens voting when nominations close.

The ballot paper is one ``<select>`` per candidate ("Not ranked", "Choice 1",
"Choice 2", ...) inside a fieldset whose legend names the seats, checked here
(no number twice, none skipped) before the vote goes to the ballots API's own
command; a constituency with one seat is a radio group. Writes answer 303 back
to the page (a secret vote answers its receipt, shown once); a refusal shows
the page again, the reason beside the field and the form as typed.
"""

import datetime as dt
from typing import Any
from uuid import UUID

import msgspec
from aiohttp import web
from multidict import MultiDictProxy

from node.application import CoopNode
from node.auth import BOARD, MEMBERS
from node.errors import DomainError
from node.http.ballots import VoteRequest, vote
from node.http.context import NODE, run, write
from node.http.elections import (
    Acceptance,
    NewElection,
    Nomination,
    Withdrawal,
    called,
    election_view,
    elections_list,
    results_of,
)
from node.http.error_words import said
from node.http.field_errors import checked, filled, form_page, path_id, trimmed
from node.http.pages import render, signed_in, status_of
from toolkit.web.i18n import N_

election_pages = web.RouteTableDef()

DONE = {
    "called": N_("The election is called: nominations are open on the days given."),
    "standing": N_("You are standing: your statement is shown to members."),
    "nominated": N_("The nomination is recorded: they stand once they accept."),
    "accepted": N_("You have accepted: you are standing."),
    "withdrawn": N_("The nomination is withdrawn."),
    "voting": N_("Nominations are closed and voting is open."),
    "voted": N_("Your vote is recorded."),
}
CALL_HINTS = {
    "title": N_("Write what the election is for (200 characters at most)."),
    "opens_on": N_("Write the day nominations open, like 2026-11-30."),
    "closes_on": N_("Write the day nominations close, like 2026-12-14."),
    "voting_closes_on": N_("Write the day voting closes, like 2026-12-31."),
    "constituencies": N_("Choose at least one class that elects board seats."),
}
STATEMENT = N_("Write your statement to members (4,000 characters at most).")
REASON = N_("Write why the nomination is withdrawn (500 characters at most).")
CHOOSE_CANDIDATE = N_("Choose the member you nominate.")
RANK_NONE = N_("Rank at least one candidate: give your first choice the number 1.")
RANK_TWICE = N_("Give each number to one candidate only: two have the same number.")
RANK_GAP = N_("Number your choices 1, 2, 3 and so on, without skipping a number.")
CHOOSE_ONE = N_("Choose one candidate.")


# --- the list of elections -----------------------------------------------------


def _list_context(app: CoopNode, board: bool) -> dict[str, Any]:
    return {
        "elections": elections_list(app, board),
        "seat_classes": list(app.coop().profile.board_seats),
        "today": dt.date.today(),
    }


async def list_page(
    request: web.Request,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
) -> web.Response:
    who = signed_in(request)
    return await form_page(
        "elections.html",
        _list_context,
        DONE,
        request,
        who.role in BOARD,
        status=status,
        errors=errors,
        form=form,
    )


@election_pages.get("/elections")
async def elections_get(request: web.Request) -> web.Response:
    return await list_page(request)


@election_pages.post("/elections")
async def call_form(request: web.Request) -> web.Response:
    signed_in(request, BOARD)
    posted = await request.post()
    values: dict[str, Any] = filled(
        posted, ("title", "opens_on", "closes_on", "voting_closes_on")
    )
    classes = [str(c) for c in posted.getall("constituencies", [])]
    values["constituencies"] = classes or None
    values["secret"] = bool(posted.get("secret"))
    body, errors = checked(NewElection, values, CALL_HINTS)
    form = {**values, "constituencies": classes}
    if body is None:
        return await list_page(request, 400, errors, form)
    app = request.app[NODE].coop_node
    try:
        election_id = await write(request, called, app, body)
    except DomainError as error:
        return await list_page(
            request, status_of(error), {"closes_on": said(error)}, form
        )
    raise web.HTTPSeeOther(f"/elections/{election_id}?done=called")


# --- one election ----------------------------------------------------------------


def _paper(app: CoopNode, ballot_id: UUID, member: str) -> dict[str, Any] | None:
    """The member's ballot paper, if they may vote and have not yet."""
    ballot = app.ballot(ballot_id)
    roll = app.roll(ballot_id)
    entry = roll.electorate.get(member)
    if not ballot.is_open or entry is None:
        return None
    spec = ballot.constituencies.get(entry[0])
    if spec is None:
        return None
    voted = member in roll.voted
    return {
        "member_class": entry[0],
        "seats": spec["seats"],
        "candidates": spec["candidates"],
        "voted": voted,
    }


def _election_context(
    app: CoopNode, election_id: UUID, board: bool, member_id: UUID | None
) -> dict[str, Any]:
    election = app.election(election_id)
    view = election_view(app, election, board)
    me = str(member_id) if member_id else ""
    my_class = app.member(member_id).member_class if member_id else None
    nominated = set(election.nominees)
    others = sorted(
        (
            (str(m.id), m.name)
            for m in app.members()
            if m.is_admitted
            and m.member_class in election.constituencies
            and str(m.id) not in nominated
            and str(m.id) != me
        ),
        key=lambda pair: pair[1].casefold(),
    )
    return {
        "e": view,
        "results": results_of(app, election) if view.status == "closed" else None,
        "candidates": {str(c.member_id): c for c in view.candidates},
        "mine": election.nominees.get(me),
        "may_stand": my_class in election.constituencies and me not in nominated,
        "others": others,
        "paper": _paper(app, election.ballot_id, me)
        if election.ballot_id and me
        else None,
        "may_open_voting": board
        and election.ballot_id is None
        and dt.date.today() >= election.closes_on,
    }


async def election_page(
    request: web.Request,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
) -> web.Response:
    who = signed_in(request)
    election_id = path_id(request, "No such election.")
    try:
        return await form_page(
            "election.html",
            _election_context,
            DONE,
            request,
            election_id,
            who.role in BOARD,
            who.member_id,
            status=status,
            errors=errors,
            form=form,
        )
    except DomainError:
        raise web.HTTPNotFound(text="No such election.") from None


@election_pages.get("/elections/{id}")
async def election_get(request: web.Request) -> web.Response:
    return await election_page(request)


@election_pages.get("/elections/ballot/{id}")
async def election_of_ballot(request: web.Request) -> web.Response:
    """From a ballot's page to the election it belongs to, where its ballot
    paper, candidates and result are."""
    signed_in(request)
    ballot_id = path_id(request, "No such election.")
    app = request.app[NODE].coop_node
    election = await run(request, app.election_of_ballot, ballot_id)
    if election is None:
        raise web.HTTPNotFound(text="No such election.")
    raise web.HTTPSeeOther(f"/elections/{election.id}")


def _member(request: web.Request) -> UUID:
    who = signed_in(request, MEMBERS)
    assert who.member_id is not None  # every role in MEMBERS is a member's
    return who.member_id


async def _command(
    request: web.Request,
    command: Any,
    done: str,
    field: str,
    form: dict[str, Any],
) -> web.Response:
    """Run a write; back to the page with ``done``, or with the refusal beside
    ``field`` and the form as typed."""
    try:
        await write(request, command)
    except DomainError as error:
        return await election_page(
            request, status_of(error), {field: said(error)}, form
        )
    raise web.HTTPSeeOther(f"/elections/{request.match_info['id']}?done={done}")


@election_pages.post("/elections/{id}/nominate")
async def nominate_form(request: web.Request) -> web.Response:
    member_id = _member(request)
    election_id = path_id(request, "No such election.")
    posted = await request.post()
    form = trimmed(posted, ("candidate", "statement", "own"))
    own = bool(form["own"])
    field = "statement" if own else "candidate"
    values: dict[str, Any] = {"statement": form["statement"]}
    if not own:
        values["candidate"] = form["candidate"]
    body, errors = checked(
        Nomination, values, {"statement": STATEMENT, "candidate": CHOOSE_CANDIDATE}
    )
    if own and not form["statement"]:
        errors = {"statement": STATEMENT}
    if not own and not form["candidate"]:
        errors = {"candidate": CHOOSE_CANDIDATE}
    if body is None or errors:
        return await election_page(request, 400, errors, form)
    app = request.app[NODE].coop_node
    candidate = body.candidate or member_id
    return await _command(
        request,
        lambda: app.nominate(election_id, candidate, member_id, body.statement),
        "standing" if own else "nominated",
        field,
        form,
    )


@election_pages.post("/elections/{id}/accept")
async def accept_form(request: web.Request) -> web.Response:
    member_id = _member(request)
    election_id = path_id(request, "No such election.")
    form = trimmed(await request.post(), ("accept_statement",))
    body, errors = checked(
        Acceptance, {"statement": form["accept_statement"]}, {"statement": STATEMENT}
    )
    if body is None:
        return await election_page(
            request, 400, {"accept_statement": errors["statement"]}, form
        )
    app = request.app[NODE].coop_node
    return await _command(
        request,
        lambda: app.accept_nomination(election_id, member_id, body.statement),
        "accepted",
        "accept_statement",
        form,
    )


@election_pages.post("/elections/{id}/withdraw")
async def withdraw_form(request: web.Request) -> web.Response:
    signed_in(request, BOARD)
    election_id = path_id(request, "No such election.")
    form = trimmed(await request.post(), ("member", "reason"))
    field = f"reason-{form['member']}"
    body, errors = checked(Withdrawal, {"reason": form["reason"]}, {"reason": REASON})
    try:
        member = UUID(form["member"])
    except ValueError:
        raise web.HTTPNotFound(text="No such candidate.") from None
    if body is None:
        return await election_page(request, 400, {field: errors["reason"]}, form)
    app = request.app[NODE].coop_node
    return await _command(
        request,
        lambda: app.withdraw_nomination(election_id, member, body.reason),
        "withdrawn",
        field,
        form,
    )


@election_pages.post("/elections/{id}/voting")
async def voting_form(request: web.Request) -> web.Response:
    signed_in(request, BOARD)
    election_id = path_id(request, "No such election.")
    app = request.app[NODE].coop_node
    return await _command(
        request, lambda: app.open_voting(election_id), "voting", "voting", {}
    )


def ranking(
    form: MultiDictProxy[Any], candidates: list[str], seats: int
) -> tuple[list[str] | None, str | None]:
    """The candidates as the ballot paper ranks them, best first, or what is
    wrong with it."""
    if seats == 1:
        choice = str(form.get("choice", ""))
        return ([choice], None) if choice in candidates else (None, CHOOSE_ONE)
    ranks: dict[str, int] = {}
    for candidate in candidates:
        text = str(form.get(f"rank-{candidate}", "")).strip()
        if not text:
            continue
        try:
            number = int(text)
        except ValueError:
            return None, RANK_GAP
        if not 1 <= number <= len(candidates):
            return None, RANK_GAP
        ranks[candidate] = number
    numbers = sorted(ranks.values())
    if not numbers:
        return None, RANK_NONE
    if len(set(numbers)) != len(numbers):
        return None, RANK_TWICE
    if numbers != list(range(1, len(numbers) + 1)):
        return None, RANK_GAP
    return sorted(ranks, key=ranks.__getitem__), None


@election_pages.post("/elections/{id}/vote")
async def vote_form(request: web.Request) -> web.Response:
    member_id = _member(request)
    election_id = path_id(request, "No such election.")
    app = request.app[NODE].coop_node
    posted = await request.post()
    try:
        election = await run(request, app.election, election_id)
        ballot_id = election.ballot_id
        paper = (
            await run(request, _paper, app, ballot_id, str(member_id))
            if ballot_id
            else None
        )
    except DomainError:
        raise web.HTTPNotFound(text="No such election.") from None
    form = {k: str(v) for k, v in posted.items() if k.startswith(("rank-", "choice"))}
    if ballot_id is None or paper is None:
        return await election_page(
            request, 409, {"paper": N_("You cannot vote in this election now.")}, form
        )
    choice, problem = ranking(posted, paper["candidates"], paper["seats"])
    if choice is None:
        return await election_page(request, 400, {"paper": problem or RANK_GAP}, form)
    body = msgspec.convert({"choice": choice}, VoteRequest)
    try:
        recorded = await write(request, vote, app, ballot_id, member_id, body)
    except DomainError as error:
        return await election_page(
            request, status_of(error), {"paper": said(error)}, form
        )
    if recorded.receipt is not None:
        # Shown this once: the node keeps only its hash.
        return render(
            request,
            "vote_recorded.html",
            receipt=recorded.receipt,
            replaced=False,
            ballot_id=ballot_id,
            error=None,
        )
    raise web.HTTPSeeOther(f"/elections/{election_id}?done=voted")
