"""schemathesis against /openapi.json of a live node (real aiohttp server on a free
port, real SQLite store, real broker): property-based requests, valid and invalid,
must never get a 500 nor a response the document does not describe."""

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode

from federation.broker import NatsServer
from tests.configs import node_config
from tests.web import LiveNode, bearer, live_node
from toolkit.config import StoreConfig


class Background:
    """A live node served from an event loop in a thread, so that schemathesis's
    blocking client can call it from the test."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.ready = threading.Event()
        self.live: LiveNode | None = None
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),))

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        with NatsServer(self.tmp / "broker") as broker:
            store = StoreConfig(path=str(self.tmp / "fuzz.db"))
            async with live_node(node_config("fuzz", store, [broker.url])) as live:
                self.live = live
                self.ready.set()
                await self._stop.wait()

    def __enter__(self) -> LiveNode:
        self._thread.start()
        assert self.ready.wait(30), "the node did not start"
        assert self.live is not None
        return self.live

    def __exit__(self, *_: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)


@pytest.fixture(scope="module")
def fuzzed_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    with Background(tmp_path_factory.mktemp("fuzz")) as live:
        yield live


@pytest.mark.slow
# 40 examples an operation: its time grows with the API (about 130 operations).
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_500_and_every_response_matches_the_schema(
    fuzzed_node: LiveNode, mode: GenerationMode
) -> None:
    # The schema is read from the live node, as any client would.
    schema = schemathesis.openapi.from_url(f"{fuzzed_node.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    calls = 0

    @given(data=st.data())
    @settings(
        max_examples=40 * len(operations),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    def run(data: st.DataObject) -> None:
        nonlocal calls
        operation = data.draw(st.sampled_from(operations))
        case = data.draw(operation.as_strategy(generation_mode=mode))
        case.call_and_validate(headers=bearer(fuzzed_node.admin_token))
        calls += 1

    run()
    assert calls >= 20 * len(operations)
