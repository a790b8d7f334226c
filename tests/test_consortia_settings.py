"""Belonging to several consortia: node.toml's ``[[consortia]]`` tables, what a
config may not say, and the board's page and API on each consortium's state."""

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from federation.broker import NatsServer
from node.application import ALLOWLIST
from node.config import ConsortiumLink, NodeConfig, new_secret
from node.consortia import chain_of, mark_restored
from node.replicator import ReplicationLog
from node.service import NodeService
from node.sharing import SharingPolicy
from tests.configs import node_config
from tests.keys import coop_seed
from tests.node_api import admitted_member, call, staff_token
from tests.readme_blocks import section
from tests.web import LiveNode, browser_session, live_node
from toolkit.config import ConfigError, StoreConfig, load_config, write_config

RELEASE = Path(__file__).parent / "fixtures" / "release-0.1.0"
SECRET = new_secret()
# node.toml as releases before [[consortia]] wrote it.
OLD_NODE_TOML = f"""
coop_id = "alpha"
name = "Alpha Care"
secret = "{SECRET}"
share = ["membership", "care"]

[store]
path = "node.db"

[broker]
servers = ["nats://10.0.0.5:4222"]
nkey_seed = "{coop_seed("alpha")}"
inbox_prefix = "_INBOX_alpha"
"""

TWO = (
    OLD_NODE_TOML
    + f"""
[[consortia]]
name = "dementia-care"
servers = ["nats://10.0.0.9:4222"]
nkey_seed = "{coop_seed("alpha")}"
inbox_prefix = "_INBOX_alpha"
share = ["membership"]
"""
)


def load(tmp_path: Path, text: str) -> NodeConfig:
    path = tmp_path / "node.toml"
    path.write_text(text)
    return load_config(path, NodeConfig)


def test_an_old_node_toml_is_one_consortium_as_before(tmp_path: Path) -> None:
    config = load(tmp_path, OLD_NODE_TOML)
    [only] = config.consortium_links()
    assert only.name == "consortium"
    assert only.broker == config.broker
    assert only.share == ["membership", "care"]
    assert config.consortia == []


def test_consortia_tables_add_consortia_after_the_brokers_one(tmp_path: Path) -> None:
    config = load(tmp_path, TWO)
    first, second = config.consortium_links()
    assert (first.name, first.servers, first.share) == (
        "consortium",
        ["nats://10.0.0.5:4222"],
        ["membership", "care"],
    )
    assert (second.name, second.servers, second.share) == (
        "dementia-care",
        ["nats://10.0.0.9:4222"],
        ["membership"],
    )
    assert second.broker.connect_options()["inbox_prefix"] == "_INBOX_alpha"
    # Written back (spin-off, key rotation) and read again: the same consortia.
    write_config(tmp_path / "again.toml", config)
    again = load_config(tmp_path / "again.toml", NodeConfig)
    assert again.consortium_links() == config.consortium_links()


def test_the_readmes_two_consortia_example_loads(tmp_path: Path) -> None:
    text = section("A co-op in two consortia")
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    head = f'coop_id = "alpha"\nname = "Alpha Care"\nsecret = "{SECRET}"\n'
    config = load(tmp_path, head + block.replace("SU...", coop_seed("alpha")))
    assert [(c.name, c.share) for c in config.consortium_links()] == [
        ("regional", ["membership", "care"]),
        ("dementia-care", ["membership"]),
    ]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            lambda t: t.replace('name = "dementia-care"', 'name = "consortium"'),
            "consortia[0].name",
            "names a consortium this node belongs to already",
        ),
        (
            lambda t: t + t[t.index("[[consortia]]") :],
            "consortia[1].name",
            "names a consortium this node belongs to already",
        ),
        (
            lambda t: t.replace("nats://10.0.0.9:4222", "nats://10.0.0.5:4222"),
            "consortia[0].servers",
            "is the broker of another consortium",
        ),
        (
            lambda t: t.replace('share = ["membership"]', 'share = ["caer"]'),
            "consortia[0].share",
            "'caer' is not a stream",
        ),
        (
            lambda t: t.replace('share = ["membership", "care"]', 'share = ["votes"]'),
            "share",
            "'votes' is not a stream",
        ),
        (
            lambda t: t.replace('name = "dementia-care"', 'name = "Dementia Care"'),
            "consortia[0].name",
            "",
        ),
    ],
)
def test_a_config_naming_a_consortium_twice_or_an_unknown_stream_is_refused(
    tmp_path: Path, change: object, field: str, words: str
) -> None:
    text = change(TWO)  # type: ignore[operator]
    with pytest.raises(ConfigError) as refused:
        load(tmp_path, text)
    assert field in str(refused.value)
    assert words in str(refused.value)


def test_a_restored_store_has_every_consortium_read_its_stream_first(
    tmp_path: Path,
) -> None:
    config = msgspec.structs.replace(
        load(tmp_path, TWO), store=StoreConfig(path=str(tmp_path / "node.db"))
    )
    log = ReplicationLog.construct(config.store_env())
    try:
        first, second = (chain_of(log, config, c) for c in config.consortium_links())
        assert not first.is_restored("alpha") and not second.is_restored("alpha")
        mark_restored(log, config, "2026-03-01T10:00:00+00:00")
        assert first.is_restored("alpha") and second.is_restored("alpha")
        # Each consortium's check clears its own mark only.
        second.record_checked("alpha", second.head("alpha"))
        assert first.is_restored("alpha") and not second.is_restored("alpha")
    finally:
        log.factory.close()


async def test_a_release_0_1_0_store_keeps_its_chain_when_a_consortium_is_added(
    tmp_path: Path,
) -> None:
    """The node store and node.toml an old release left, unchanged: its first
    consortium goes on from the chain head the store holds."""
    for name in ("kirklees-care.db", "kirklees-care.toml"):
        shutil.copy(RELEASE / name, tmp_path / name)
    old = load_config(tmp_path / "kirklees-care.toml", NodeConfig)
    assert [c.share for c in old.consortium_links()] == [old.share]
    store = StoreConfig(path=str(tmp_path / "kirklees-care.db"))
    log = ReplicationLog.construct(store.env())
    try:
        head = log.head(old.coop_id)
    finally:
        log.factory.close()
    assert head.seq > 0 and head.position > 0
    upgraded = msgspec.structs.replace(
        old,
        store=store,
        consortia=[
            ConsortiumLink(
                name="dementia-care",
                servers=["nats://127.0.0.1:1"],
                share=["membership"],
            )
        ],
    )
    node = NodeService(upgraded)
    try:
        first, second = node.replications
        assert first.replicator.published == head
        assert (
            second.replicator.published.position,
            second.replicator.published.seq,
        ) == (0, 0)
        member = next(iter(node.coop_node.members())).id
        assert first.policy.pseudonym(member) == SharingPolicy(
            old.secret_bytes, ALLOWLIST
        ).pseudonym(member)
        assert second.policy.pseudonym(member) != first.policy.pseudonym(member)
    finally:
        await node.stop()


@pytest.fixture
async def two_consortia_node(
    tmp_path: Path, nats_server: NatsServer
) -> AsyncIterator[LiveNode]:
    """A node sharing membership and care with its regional consortium, and
    membership with a thematic one whose broker is not running."""
    config = msgspec.structs.replace(
        node_config(
            "alpha",
            StoreConfig(path=str(tmp_path / "alpha.db")),
            [nats_server.url],
            share=["membership", "care"],
        ),
        consortium_name="regional",
        consortia=[
            ConsortiumLink(
                name="thematic",
                servers=["nats://127.0.0.1:1"],
                share=["membership"],
                nkey_seed=coop_seed("alpha"),
            )
        ],
    )
    async with live_node(config) as live:
        yield live


async def test_the_board_sees_each_consortium_and_how_far_behind_it_is(
    two_consortia_node: LiveNode,
) -> None:
    http = two_consortia_node
    _, board = await staff_token(http, "board", "Bea Ng")
    _, coordinator = await staff_token(http, "coordinator", "Cal Roy")
    _, member = await admitted_member(http, "worker", "Wil Kerr")

    status, answer = await call(http, "GET", "/api/consortia", token=board)
    assert status == 200, answer
    regional, thematic = answer["consortia"]
    assert (regional["name"], regional["streams"]) == (
        "regional",
        ["membership", "care"],
    )
    assert (thematic["name"], thematic["streams"]) == ("thematic", ["membership"])
    assert answer["events_stored"] > 0
    # Nobody listens at the thematic broker's address: all of it waits.
    assert thematic["connected"] is False
    assert thematic["events_behind"] == answer["events_stored"]
    assert thematic["envelopes_sent"] == 0

    # Scraped from loopback: each consortium's lag, by name.
    status, metrics = await call(http, "GET", "/metrics")
    assert status == 200
    stored = answer["events_stored"]
    lag = 'commonweal_node_consortium_lag_events{consortium="thematic",coop_id="alpha"}'
    assert f"{lag} {float(stored)}" in metrics, metrics

    for token in (coordinator, member):
        status, refused = await call(http, "GET", "/api/consortia", token=token)
        assert status == 403, refused

    async with browser_session(http, board) as session:
        async with session.get("/staff") as response:
            assert 'href="/staff/consortia"' in await response.text()
        async with session.get("/staff/consortia") as response:
            assert response.status == 200
            page = await response.text()
    assert 'data-api="GET /api/consortia"' in page
    assert "<caption>" in page
    assert 'id="consortium-regional"' in page and 'id="consortium-thematic"' in page
    assert "waiting for its broker" in page
    async with browser_session(http, coordinator) as session:
        async with session.get("/staff/consortia", allow_redirects=False) as response:
            assert response.status == 403
        async with session.get("/staff") as response:
            assert "/staff/consortia" not in await response.text()
