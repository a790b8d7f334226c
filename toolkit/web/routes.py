"""The route registry: one declaration gives the aiohttp route, the msgspec
decoding of its body and query, the JSON encoding of its answer, and its OpenAPI
operation (see ``toolkit.web.openapi``), so the document is never written by
hand.

A handler is ``async def h(request, *, body=..., query=...) -> Struct | Response``;
``body`` and ``query`` are passed only when the route declares their types.
"""

import re
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, NamedTuple
from uuid import UUID

import msgspec
from aiohttp import web

from toolkit.web.errors import ApiError, invalid_input

Handler = Callable[..., Awaitable[Any]]

_PARAM = re.compile(r"\{(\w+)\}")


class Operation(NamedTuple):
    method: str
    path: str
    summary: str
    tag: str
    body: type | None
    query: type | None
    response: type | None
    status: int
    auth: bool
    params: dict[str, type]
    # Error statuses beyond those the route's shape implies (see openapi.py).
    errors: tuple[int, ...] = ()
    # The roles that may call it (published as x-roles); empty for a public route.
    # The handler enforces them: this is what the pages are checked against.
    roles: frozenset[str] = frozenset()

    @property
    def body_required(self) -> bool:
        return self.body is not None and any(
            f.required for f in msgspec.structs.fields(self.body)
        )


class Api:
    """A set of JSON routes that knows how to describe itself."""

    def __init__(self) -> None:
        self.routes = web.RouteTableDef()
        self.operations: list[Operation] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        tag: str,
        body: type | None = None,
        query: type | None = None,
        response: type | None = None,
        status: int = 200,
        auth: bool = True,
        params: Mapping[str, type] | None = None,
        errors: tuple[int, ...] = (),
        roles: Collection[str] = (),
    ) -> Callable[[Handler], Handler]:
        names = _PARAM.findall(path)
        declared = {name: (params or {}).get(name, str) for name in names}
        operation = Operation(
            method,
            path,
            summary,
            tag,
            body,
            query,
            response,
            status,
            auth,
            declared,
            errors,
            frozenset(roles),
        )

        def register(handler: Handler) -> Handler:
            async def endpoint(request: web.Request) -> web.StreamResponse:
                kwargs: dict[str, Any] = {}
                if operation.body is not None:
                    kwargs["body"] = await _decode_body(request, operation)
                if operation.query is not None:
                    kwargs["query"] = _decode_query(request, operation.query)
                result = await handler(request, **kwargs)
                if isinstance(result, web.StreamResponse):
                    return result
                return json_response(result, operation.status)

            self.routes.route(method, path)(endpoint)
            self.operations.append(operation)
            return handler

        return register


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=msgspec.json.encode(value), content_type="application/json"
    )


def path_uuid(request: web.Request, name: str = "id") -> UUID:
    try:
        return UUID(request.match_info[name])
    except ValueError:
        raise ApiError(400, "invalid_input", f"{name} must be a UUID", name) from None


async def _decode_body(request: web.Request, operation: Operation) -> Any:
    assert operation.body is not None
    raw = await request.read()
    if not raw.strip() and not operation.body_required:
        return operation.body()
    try:
        return msgspec.json.decode(raw, type=operation.body)
    except msgspec.ValidationError:  # (a DecodeError too: caught first)
        pass
    except msgspec.DecodeError as error:
        raise invalid_input(error, "body") from None
    # JSON Schema counts 2632.0 as an integer, as clients built from the
    # document may write it: read whole-valued numbers as integers and try again.
    try:
        return msgspec.convert(_whole(msgspec.json.decode(raw)), operation.body)
    except msgspec.DecodeError as error:  # a ValidationError too
        raise invalid_input(error, "body") from None


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v) for v in value]
    return value


def _decode_query(request: web.Request, query_type: type) -> Any:
    try:
        return msgspec.convert(dict(request.query), query_type, strict=False)
    except msgspec.ValidationError as error:
        raise invalid_input(error, "query") from None
