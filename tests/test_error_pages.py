"""HTTP errors on pages are pages in the layout with a way back; the API keeps
its JSON errors (toolkit.web.errors)."""

import aiohttp
from aiohttp import web

from tests.node_api import admitted_member
from tests.web import LiveNode, bearer, serving
from toolkit.web.errors import error_middleware

HTML = {"Accept": "text/html,application/xhtml+xml"}


async def test_a_member_on_a_staff_page_and_an_unknown_path(
    http_node: LiveNode,
) -> None:
    _, token = await admitted_member(http_node, "worker", "Rosa Bianchi")
    headers = HTML | bearer(token)
    async with aiohttp.ClientSession(base_url=http_node.url) as client:
        async with client.get("/staff", headers=headers) as response:
            page = await response.text()
            assert response.status == 403
            assert response.content_type == "text/html"
            assert "<h1>Not allowed</h1>" in page
            assert "This page is for co-op staff." in page
            assert 'href="/" id="way-back"' in page
            assert 'aria-label="Menu"' in page  # in the co-op's layout
        async with client.get("/no/such/page", headers=HTML) as response:
            assert response.status == 404
            page = await response.text()
            assert "<h1>Page not found</h1>" in page
            assert 'id="way-back"' in page
        # The API answers in JSON whatever the client accepts.
        async with client.get("/api/no/such", headers=headers) as response:
            assert response.status == 404
            assert (await response.json())["error"]["code"] == "not_found"
        # A client that does not ask for HTML keeps the plain answer.
        async with client.get("/no/such/page") as response:
            assert response.status == 404
            assert response.content_type == "text/plain"


async def test_a_failure_on_a_page_is_a_500_page_that_tells_nothing_inside() -> None:
    def page(request: web.Request, status: int, message: str) -> web.Response:
        return web.Response(status=status, text=f"page {status}: {message}")

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("secret detail")

    app = web.Application(middlewares=[error_middleware(lambda error: None, page)])
    app.router.add_get("/broken", broken)
    app.router.add_get("/api/broken", broken)
    async with serving(app) as url, aiohttp.ClientSession(base_url=url) as client:
        async with client.get("/broken", headers=HTML) as response:
            text = await response.text()
            assert response.status == 500
            assert text.startswith("page 500: Something went wrong")
            assert "secret" not in text
        async with client.get("/api/broken", headers=HTML) as response:
            assert response.status == 500
            assert (await response.json())["error"]["code"] == "internal"
