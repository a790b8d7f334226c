"""JSON errors: ``{"error": {"code", "message", "field"}}`` with a stable code.

Handlers raise ``ApiError``; the middleware turns it (and whatever the app's
``translate`` recognises, such as domain errors) into a response. Anything else is a
bug: it is logged and answered with a 500 that says nothing about the inside.
"""

import logging
import re
from collections.abc import Awaitable, Callable, Mapping

import msgspec
from aiohttp import web

from toolkit.web.i18n import N_
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
# An error page in the app's layout: (request, status, message) -> the page.
ErrorPage = Callable[[web.Request, int, str], web.Response]

# What a page says when the handler gave no message of its own.
# Pages show these translated (toolkit/web/templates/error.html).
PLAIN_WORDS = {
    403: N_("This page is not open to you."),
    404: N_("There is no page at this address."),
    500: N_(
        "Something went wrong on our side. It has been noted; please try again later."
    ),
}
HEADINGS = {
    403: N_("Not allowed"),
    404: N_("Page not found"),
    500: N_("Something went wrong"),
}


def heading(status: int) -> str:
    return HEADINGS.get(status, N_("This page could not be shown"))


def wants_page(request: web.Request) -> bool:
    """A browser asking for a page, not the API or a script: it gets errors as
    pages in the layout."""
    return not request.path.startswith("/api/") and "text/html" in request.headers.get(
        "Accept", ""
    )


def _message(error: web.HTTPException) -> str:
    """The handler's own words, if it gave any (not aiohttp's "404: Not Found")."""
    text = error.text or ""
    if error.content_type != "text/plain" or text == f"{error.status}: {error.reason}":
        return PLAIN_WORDS.get(error.status, error.reason)
    return text


def error_middleware(
    translate: Translate,
    page: ErrorPage | None = None,
    plain: Mapping[str, str] | None = None,
) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Errors as JSON for the API; as pages (when ``page`` is given) for a browser
    asking for HTML, in ``plain`` words by error code where it has some (marked
    for translation, without the ids an API message may name)."""

    def answer(request: web.Request, status: int, detail: ErrorDetail) -> web.Response:
        if page is not None and wants_page(request):
            # A page never shows the inside of a failure, even in the API's words.
            message = (
                PLAIN_WORDS[500]
                if status >= 500
                else (plain or {}).get(detail.code, detail.message)
            )
            return page(request, status, message)
        return error_response(status, detail)

    @web.middleware
    async def errors(
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as error:
            return answer(request, error.status, error.detail)
        except web.HTTPException as error:
            if error.status < 400:
                raise
            if page is not None and wants_page(request):
                return page(request, error.status, _message(error))
            if not request.path.startswith("/api/"):
                raise
            code = error.reason.lower().replace(" ", "_")
            return error_response(error.status, ErrorDetail(code, error.reason))
        except Exception as error:
            translated = translate(error)
            if translated is not None:
                return answer(request, translated.status, translated.detail)
            log.exception("unhandled error in %s %s", request.method, request.path)
            return answer(
                request,
                500,
                ErrorDetail("internal", "internal error; it has been logged"),
            )

    return errors
