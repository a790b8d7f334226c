"""The OpenAPI 3.1 document of an ``Api``, built from its msgspec types."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec

from toolkit.web.errors import ErrorBody
from toolkit.web.routes import Api, Operation

REF = "#/components/schemas/{name}"

ERRORS = {
    400: "bad input: the error names the failing field",
    401: "no token, or a token that is unknown or revoked",
    403: "the token's role or owner may not do this",
    404: "no such resource",
    409: "conflicts with the current state (e.g. admitted twice)",
    503: "not ok: a part it depends on (the store, the broker) cannot be reached",
}


def openapi_document(
    apis: Sequence[Api], *, title: str, version: str, cookie: str = ""
) -> dict[str, Any]:
    """The document for ``apis``; ``cookie`` names the session cookie a browser
    may authenticate with instead of the bearer header (none if empty)."""
    operations = [op for api in apis for op in api.operations]
    types: list[type] = [ErrorBody]
    for op in operations:
        types += [t for t in (op.body, op.response) if t is not None]
    unique = list(dict.fromkeys(types))
    schemas, components = msgspec.json.schema_components(unique, ref_template=REF)
    ref = dict(zip(unique, schemas, strict=True))
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, ref, cookie)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                **(
                    {"cookie": {"type": "apiKey", "in": "cookie", "name": cookie}}
                    if cookie
                    else {}
                ),
            },
        },
    }


def _operation(op: Operation, ref: dict[type, Any], cookie: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": op.summary,
        "tags": [op.tag],
        "operationId": f"{op.method.lower()}{op.path}".replace("/", "_")
        .replace("{", "")
        .replace("}", ""),
        "parameters": [*_path_params(op), *_query_params(op)],
    }
    if op.body is not None:
        operation["requestBody"] = {
            "required": op.body_required,
            "content": {"application/json": {"schema": ref[op.body]}},
        }
    success: dict[str, Any] = {"description": "OK"}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": ref[op.response]}}
    responses = {str(op.status): success}
    for status in _error_statuses(op):
        responses[str(status)] = {
            "description": ERRORS[status],
            "content": {"application/json": {"schema": ref[ErrorBody]}},
        }
    operation["responses"] = responses
    if op.auth:
        operation["security"] = [{"bearer": []}, *([{"cookie": []}] if cookie else [])]
    if op.roles:
        operation["x-roles"] = sorted(op.roles)
    return operation


def _error_statuses(op: Operation) -> list[int]:
    statuses = [400]
    if op.auth:
        statuses += [401, 403]
    if op.params:
        statuses.append(404)
    if op.method != "GET":
        statuses.append(409)
    return sorted({*statuses, *op.errors})


def _path_params(op: Operation) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "format": "uuid"}
            if kind is UUID
            else {"type": "string"},
        }
        for name, kind in op.params.items()
    ]


def _query_params(op: Operation) -> list[dict[str, Any]]:
    if op.query is None:
        return []
    schema = msgspec.json.schema(op.query)
    if "$ref" in schema:
        schema = schema["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]
