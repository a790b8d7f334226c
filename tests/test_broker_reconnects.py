"""A broker restart is an expected outage: the consortium's consumer-lag poller
and its aggregator wait it out with a line or two in the log, never a traceback."""

import asyncio
import logging
from collections.abc import Callable

import pytest

from federation.broker import NatsServer
from federation.http.api import ConsumerLag
from federation.service import ConsortiumService
from tests.waiting import wait_for


async def test_a_broker_restart_is_logged_without_a_traceback(
    nats_server: NatsServer,
    make_consortium: Callable[..., ConsortiumService],
    caplog: pytest.LogCaptureFixture,
) -> None:
    consortium = make_consortium([nats_server.url])
    await wait_for(lambda: consortium.aggregator.ready, what="the consumer")
    lag = ConsumerLag(consortium, interval=0.1)
    await lag.start(None)  # type: ignore[arg-type]
    try:
        await wait_for(lambda: lag.pending is not None, what="the first lag")
        caplog.clear()
        caplog.set_level(logging.DEBUG)

        nats_server.kill()
        await wait_for(lambda: lag.pending is None, what="the lag to be unknown")
        await asyncio.sleep(1.5)  # several polls and reconnect attempts in the dark
        nats_server.start()
        await wait_for(lambda: lag.pending is not None, what="the lag once more")
        await wait_for(
            lambda: consortium.aggregator.last_error is None,
            what="the aggregator to reconnect",
        )
    finally:
        await lag.stop(None)  # type: ignore[arg-type]

    records = caplog.records
    assert records, "the outage left no trace in the log at all"
    tracebacks = [r for r in records if r.exc_info or "Traceback" in r.getMessage()]
    assert not tracebacks, [r.getMessage() for r in tracebacks]
    assert all(r.levelno < logging.ERROR for r in records), [
        (r.name, r.getMessage()) for r in records if r.levelno >= logging.ERROR
    ]
    # The poller says once that the lag is unknown, and once that it is back.
    lag_lines = [
        r.getMessage()
        for r in records
        if r.name == "federation.http.api" and r.levelno >= logging.INFO
    ]
    assert len(lag_lines) == 2, lag_lines
    assert "unknown" in lag_lines[0]
    assert "\n" not in "".join(lag_lines)
