"""What the coordinator's forms need beyond the API's bodies: hours as people write
them, what was typed (shown again after a refusal), a plain message beside the
field a refusal concerns, naming members by name, never by id, and a form's
command run with its page shown again when refused.
"""

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, NamedTuple, TypeVar

import msgspec
from aiohttp import web
from multidict import MultiDictProxy

from node.errors import DomainError
from node.http.context import NODE, run, write
from node.http.pages import render
from toolkit.web.errors import invalid_input
from toolkit.web.i18n import N_

# "1.5", "1,5" or "1:30" hours; a sign only where a limit may be below zero.
_DECIMAL = re.compile(r"^(?P<sign>-?)(?P<hours>\d{1,6})(?:[.,](?P<fraction>\d{1,2}))?$")
_CLOCK = re.compile(r"^(?P<sign>-?)(?P<hours>\d{1,6}):(?P<minutes>[0-5]\d)$")
CHECK_FIELD = N_("Check this field and try again.")
NO_SUCH_RECORD = "No such record."
NOT_RECORDED = N_("This could not be recorded; nothing was changed.")
T = TypeVar("T")


class Problem(NamedTuple):
    """A message marked for translation, with its %(name)s parameters."""

    message: str
    params: Mapping[str, object] = {}


class Typed(NamedTuple):
    """One form of a page after a refusal: which, what was typed, what is wrong
    (by field; "form" for the form as a whole)."""

    form: str
    values: dict[str, str]
    errors: dict[str, Problem]


# A page shown again after a refusal: (request, status, the form as typed).
FormPage = Callable[[web.Request, int, Typed], Awaitable[web.Response]]


class Refused(Exception):
    """A command the page refuses, about one field of its form."""

    def __init__(self, field: str, message: str, status: int = 409, **params: object):
        super().__init__(message)
        self.field = field
        self.problem = Problem(message, params)
        self.status = status


def minutes_of(text: str, signed: bool = False) -> int:
    """Hours as people write them ("1.5", "1,5", "1:30", "2") in whole minutes."""
    text = text.strip().replace(" ", "")
    decimal, clock = _DECIMAL.match(text), _CLOCK.match(text)
    if clock:
        minutes = int(clock["hours"]) * 60 + int(clock["minutes"])
        sign = clock["sign"]
    elif decimal:
        fraction = decimal["fraction"] or "0"
        part = round(int(fraction) * 60 / 10 ** len(fraction))
        minutes = int(decimal["hours"]) * 60 + part
        sign = decimal["sign"]
    else:
        raise ValueError(text)
    if sign and not signed:
        raise ValueError(text)
    return -minutes if sign else minutes


def posted(form: MultiDictProxy[Any], names: Iterable[str]) -> dict[str, str]:
    """What was typed in each of ``names``, to show again if refused."""
    return {name: str(form.get(name, "")).strip() for name in names}


def parsed(
    fields: Mapping[str, object],
    into: type[T],
    hints: Mapping[str, str],
    renamed: Mapping[str, str] | None = None,
) -> T:
    """The API's body from a form's non-blank fields; refused with the hint for
    the bad field (``renamed`` maps the body's field names to the form's)."""
    try:
        return msgspec.convert(
            {k: v for k, v in fields.items() if v not in ("", None)},
            into,
            strict=False,
        )
    except msgspec.ValidationError as error:
        field = invalid_input(error, "form").detail.field or "form"
        field = (renamed or {}).get(field, field)
        raise Refused(field, hints.get(field, CHECK_FIELD), 400) from None


async def typed_page(
    template: str,
    context: Callable[..., dict[str, Any]],
    done: Mapping[str, str],
    request: web.Request,
    status: int = 200,
    typed: Typed | None = None,
) -> web.Response:
    """``template`` with ``context(app)``; after a refusal, one of its forms as
    typed. ``?done=`` shows its fixed message from ``done``, never the query's
    own text."""
    data = await run(request, context, request.app[NODE].coop_node)
    done_message = done.get(request.query.get("done", ""))
    return render(request, template, status, typed=typed, done=done_message, **data)


async def run_form(
    request: web.Request,
    page: FormPage,
    form: str,
    names: Iterable[str],
    done: str,
    command: Callable[..., None],
    *args: Any,
) -> web.Response:
    """Run ``command(app, *args, values)`` with the values posted in ``names``
    and redirect to ``done``; when refused, ``page`` again with what was typed
    and the problem beside its field (a domain error: below the whole form)."""
    values = posted(await request.post(), names)
    app = request.app[NODE].coop_node
    try:
        await write(request, command, app, *args, values)
    except Refused as refused:
        errors = {refused.field: refused.problem}
        return await page(request, refused.status, Typed(form, values, errors))
    except DomainError:
        errors = {"form": Problem(NOT_RECORDED)}
        return await page(request, 409, Typed(form, values, errors))
    raise web.HTTPSeeOther(done)
