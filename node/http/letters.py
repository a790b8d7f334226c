"""Sign-in letters for staff to print: on admission, and again at any time.

Admitting (board) or re-issuing a letter (any staff: a member who lost theirs
calls the office) posts, and is answered with a redirect to a page that shows
the letter once (Post/Redirect/Get): refreshing that page posts nothing again,
and finds the letter gone rather than a second admission refused. The letter's
secrets wait for that one view in this process's memory only, for
``VIEW_MINUTES`` at most, and only the staff member who asked may see them.
"""

import datetime as dt
import secrets
import time
from collections.abc import Callable
from typing import Generic, NamedTuple, Protocol, TypeVar
from uuid import UUID

import segno
from aiohttp import web
from markupsafe import Markup

from node.auth import BOARD, STAFF, Principal
from node.errors import DomainError
from node.http.context import NODE, run, written
from node.http.error_words import said
from node.http.members import member_view
from node.http.pages import render, signed_in, staff_page, status_of
from node.sign_in import Letter, grouped

letters = web.RouteTableDef()
VIEW_MINUTES = 15


class LetterView(NamedTuple):
    """What the letter page shows, once."""

    owner: Principal
    name: str
    member_class: str
    admitted: bool  # just admitted: the letter says welcome
    code: str
    link: str
    login: str
    expires_on: dt.datetime  # the page writes it in the reader's language


class Owned(Protocol):
    @property
    def owner(self) -> Principal: ...


View = TypeVar("View", bound=Owned)


class OneTimeViews(Generic[View]):
    """Views waiting to be shown, each once, to whoever asked for it: letters
    here, new staff tokens (node.http.board_pages)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._waiting: dict[str, tuple[float, View]] = {}

    def put(self, view: View) -> str:
        now = self.clock()
        self._waiting = {
            k: (at, v) for k, (at, v) in self._waiting.items() if self._fresh(at, now)
        }
        key = secrets.token_urlsafe(16)
        self._waiting[key] = (now, view)
        return key

    def take(self, key: str, who: Principal) -> View | None:
        waiting = self._waiting.get(key)
        if waiting is None or waiting[1].owner != who:
            return None
        del self._waiting[key]
        at, view = waiting
        return view if self._fresh(at, self.clock()) else None

    @staticmethod
    def _fresh(at: float, now: float) -> bool:
        return now - at < VIEW_MINUTES * 60


LETTERS = web.AppKey("letters", OneTimeViews[LetterView])


def qr_svg(url: str) -> Markup:
    """The link as a QR code, in SVG markup for the page (no image to fetch, no
    inline style: the page's CSP allows neither script nor style inline)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=5, svgclass="qr", title="QR code of your sign-in link"
    )
    return Markup(svg)  # segno's own output, with no text of ours in it


async def _show_once(
    request: web.Request,
    who: Principal,
    member_id: UUID,
    letter: Letter,
    admitted: bool,
) -> web.HTTPSeeOther:
    app = request.app[NODE].coop_node
    member = member_view(await run(request, app.member, member_id))
    base = f"{request.scheme}://{request.host}"
    view = LetterView(
        owner=who,
        name=member.name,
        member_class=member.member_class,
        admitted=admitted,
        code=grouped(letter.code),
        link=f"{base}/signin/{letter.link_secret}",
        login=f"{base}/login",
        expires_on=letter.expires_at,
    )
    key = request.app[LETTERS].put(view)
    return web.HTTPSeeOther(f"/staff/letters/{key}")


def _member_id(request: web.Request) -> UUID:
    try:
        return UUID(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text="No such member.") from None


@letters.post("/staff/members/{id}/admit")
async def staff_admit(request: web.Request) -> web.Response:
    who = signed_in(request, BOARD)
    member_id = _member_id(request)
    app = request.app[NODE].coop_node
    try:
        letter = await run(request, app.admit_with_letter, member_id)
    except DomainError as error:
        return await staff_page(request, status=status_of(error), error=said(error))
    written(request)
    raise await _show_once(request, who, member_id, letter, admitted=True)


@letters.post("/staff/members/{id}/letter")
async def staff_new_letter(request: web.Request) -> web.Response:
    who = signed_in(request, STAFF)
    member_id = _member_id(request)
    app = request.app[NODE].coop_node
    try:
        letter = await run(request, app.issue_sign_in_letter, member_id)
    except DomainError as error:
        return await staff_page(request, status=status_of(error), error=said(error))
    written(request)
    raise await _show_once(request, who, member_id, letter, admitted=False)


@letters.get("/staff/letters/{key}")
async def show_letter(request: web.Request) -> web.Response:
    who = signed_in(request, STAFF)
    view = request.app[LETTERS].take(request.match_info["key"], who)
    if view is None:
        return render(request, "letter.html", 410, letter=None, qr=None)
    return render(request, "letter.html", letter=view, qr=qr_svg(view.link))
