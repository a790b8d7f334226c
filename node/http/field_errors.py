"""A page's form checked field by field against the API body it becomes, so that
every bad field is named at once, next to itself, in plain words.

Each field is converted with the body's own declared type (``msgspec``), so a page
accepts exactly what the API accepts; what is said about a refused field is the
page's hint for it (marked ``N_``, shown translated), never msgspec's words.
The page is then shown again with the form as typed (``form_page``).
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from aiohttp import web
from multidict import MultiDictProxy

from node.http.context import NODE, run
from node.http.pages import render
from toolkit.web.i18n import N_

Body = TypeVar("Body", bound=msgspec.Struct)
CHECK_THIS = N_("Check this answer.")


def trimmed(form: MultiDictProxy[Any], names: Iterable[str]) -> dict[str, str]:
    """The form's fields among ``names``, trimmed, blank ones too."""
    return {name: str(form.get(name, "")).strip() for name in names}


def filled(form: MultiDictProxy[Any], names: Iterable[str]) -> dict[str, str]:
    """The form's fields among ``names``, trimmed, blank ones left out: a blank
    required field is then reported missing, a blank optional one takes its
    default."""
    return {name: value for name, value in trimmed(form, names).items() if value}


def field_errors(
    body: type[msgspec.Struct], values: Mapping[str, Any], hints: Mapping[str, str]
) -> dict[str, str]:
    """Field name -> hint, for each of ``body``'s fields that ``values`` leaves out
    (when required) or that its type refuses."""
    errors = {}
    for field in msgspec.structs.fields(body):
        if field.name not in values:
            if field.required:
                errors[field.name] = hints.get(field.name, CHECK_THIS)
            continue
        try:
            msgspec.convert(values[field.name], field.type, strict=False)
        except msgspec.ValidationError:
            errors[field.name] = hints.get(field.name, CHECK_THIS)
    return errors


def checked(
    body: type[Body], values: Mapping[str, Any], hints: Mapping[str, str]
) -> tuple[Body | None, dict[str, str]]:
    """``values`` as a ``body``, or None with what is wrong, field by field."""
    errors = field_errors(body, values, hints)
    if errors:
        return None, errors
    try:
        return msgspec.convert(values, body, strict=False), {}
    except msgspec.ValidationError:  # a rule over several fields
        return None, {"form": CHECK_THIS}


def path_id(request: web.Request, what: str) -> UUID:
    """The record's id in the page's address; a page not found if it is not one."""
    try:
        return UUID(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound(text=what) from None


async def form_page(
    template: str,
    context: Callable[..., dict[str, Any]],
    done: Mapping[str, str],
    request: web.Request,
    *args: Any,
    status: int = 200,
    errors: Mapping[str, str] | None = None,
    form: Mapping[str, str] | None = None,
) -> web.Response:
    """``template`` with ``context(app, *args)`` and its forms: after a mistake
    as typed (``form``), with each of ``errors`` beside its field; otherwise as
    the context fills them first (its "form", if it has one). ``?done=`` shows
    its fixed message from ``done``, never the query's own text."""
    data = await run(request, context, request.app[NODE].coop_node, *args)
    first = data.pop("form", {})
    return render(
        request,
        template,
        status,
        form=form or first,
        errors=errors or {},
        done=done.get(request.query.get("done", "")),
        **data,
    )
