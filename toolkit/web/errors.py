"""JSON errors: ``{"error": {"code", "message", "field"}}`` with a stable code.

Handlers raise ``ApiError``; the middleware turns it (and whatever the app's
``translate`` recognises, such as domain errors) into a response. Anything else is a
bug: it is logged and answered with a 500 that says nothing about the inside.
"""

import logging
import re
from collections.abc import Awaitable, Callable

import msgspec
from aiohttp import web

from toolkit.web.plain_words import plain_words

log = logging.getLogger(__name__)


class ErrorDetail(msgspec.Struct, frozen=True):
    code: str
    message: str
    field: str | None = None


class ErrorBody(msgspec.Struct, frozen=True):
    error: ErrorDetail


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.detail = ErrorDetail(code, message, field)


def unauthorized(message: str = "a token is required") -> ApiError:
    return ApiError(401, "unauthorized", message)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def not_found(message: str, field: str | None = None) -> ApiError:
    return ApiError(404, "not_found", message, field)


_AT = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
_NAMED = re.compile(r"(?:missing required|contains unknown) field `(?P<name>[^`]+)`")


def invalid_input(
    error: msgspec.ValidationError | msgspec.DecodeError, where: str
) -> ApiError:
    """A 400 naming the failing field from msgspec's error path (``a.b[0].c``)."""
    message = str(error)
    path = ""
    at = _AT.search(message)
    if at:
        path = at["path"]
        message = message[: at.start()]
    named = _NAMED.search(message)
    if named:
        path = f"{path}.{named['name']}" if path else named["name"]
    if isinstance(error, msgspec.ValidationError):
        words = plain_words(message, path)
        said = f"{path} {words}" if path else words
        return ApiError(400, "invalid_input", f"{where}: {said}", path or None)
    return ApiError(400, "malformed_json", f"{where}: {message}")


def error_response(status: int, detail: ErrorDetail) -> web.Response:
    return web.Response(
        status=status,
        body=msgspec.json.encode(ErrorBody(detail)),
        content_type="application/json",
    )


Translate = Callable[[Exception], ApiError | None]


def error_middleware(
    translate: Translate,
) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def errors(
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as error:
            return error_response(error.status, error.detail)
        except web.HTTPException as error:
            if error.status < 400 or not request.path.startswith("/api/"):
                raise
            code = error.reason.lower().replace(" ", "_")
            return error_response(error.status, ErrorDetail(code, error.reason))
        except Exception as error:
            translated = translate(error)
            if translated is not None:
                return error_response(translated.status, translated.detail)
            log.exception("unhandled error in %s %s", request.method, request.path)
            return error_response(
                500, ErrorDetail("internal", "internal error; it has been logged")
            )

    return errors
