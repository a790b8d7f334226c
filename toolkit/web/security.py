"""Security headers on every response, and the static files pages use instead of
inline script and style (the Content-Security-Policy allows neither)."""

from pathlib import Path

from aiohttp import web

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
SHARED_STATIC = Path(__file__).parent / "static"


async def add_security_headers(
    request: web.BaseRequest, response: web.StreamResponse
) -> None:
    response.headers.update(HEADERS)
    # Pages and API answers may show personal data or a token: no cache keeps a
    # copy. The static files are the same for everyone.
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"


def secure(app: web.Application, *static: tuple[str, Path]) -> None:
    """Add the headers to every response of ``app``, and serve the shared static
    files at /static/ plus each (prefix, folder) given."""
    app.on_response_prepare.append(add_security_headers)
    app.router.add_static("/static/", SHARED_STATIC)
    for prefix, folder in static:
        app.router.add_static(prefix, folder)
