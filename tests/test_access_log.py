"""Structured logs: an access-log line is one flat JSON object of the request's
fields; other records carry their message (and traceback, if any)."""

import io
import logging
import sys
from collections.abc import Iterator

import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from toolkit.logs import JsonFormatter
from toolkit.web.observe import HttpMetrics, access_log


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the access log writes through the JSON formatter."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    access_log.addHandler(handler)
    level = access_log.level
    access_log.setLevel(logging.INFO)
    yield out
    access_log.setLevel(level)
    access_log.removeHandler(handler)


async def test_an_access_log_line_is_the_requests_fields(
    json_lines: io.StringIO,
) -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    app = web.Application(middlewares=[HttpMetrics(CollectorRegistry()).middleware()])
    app.router.add_get("/hello/{name}", hello)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/hello/ada")).status == 200
        assert (await client.get("/nowhere")).status == 404

    lines = json_lines.getvalue().splitlines()
    assert len(lines) == 2
    found, missing = (msgspec.json.decode(line) for line in lines)
    assert set(found) == {
        "ts", "level", "logger", "event", "method", "route", "path", "status",
        "ms", "remote",
    }  # fmt: skip
    assert found["level"] == "info"
    assert found["logger"] == "toolkit.web.access"
    assert found["event"] == "http_request"
    assert (found["method"], found["route"], found["path"], found["status"]) == (
        "GET",
        "/hello/{name}",
        "/hello/ada",
        200,
    )
    assert isinstance(found["ms"], float)
    assert found["remote"] == "127.0.0.1"
    assert (missing["route"], missing["status"]) == ("unmatched", 404)


def test_other_records_carry_their_message_and_traceback() -> None:
    formatter = JsonFormatter()
    plain = logging.LogRecord("x", logging.WARNING, "f", 1, "%s {left}", ("a",), None)
    assert msgspec.json.decode(formatter.format(plain))["message"] == "a {left}"
    # A message that merely looks like JSON stays a message.
    braces = logging.LogRecord("x", logging.INFO, "f", 1, '{"status": 1}', (), None)
    entry = msgspec.json.decode(formatter.format(braces))
    assert entry["message"] == '{"status": 1}'
    assert "status" not in entry
    try:
        raise ValueError("boom")
    except ValueError:
        failed = logging.LogRecord("x", logging.ERROR, "f", 1, "bad", (), None)
        failed.exc_info = sys.exc_info()
    entry = msgspec.json.decode(formatter.format(failed))
    assert entry["message"] == "bad"
    assert "ValueError: boom" in entry["exception"]
