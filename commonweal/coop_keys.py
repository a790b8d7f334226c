"""A co-op's signing key as the operator registers and rotates it.

One key per node: the nkey seed in node.toml's ``[broker] nkey_seed`` is both its
broker identity on a secured hub and the key it signs every message with
(``toolkit.signing``). ``node init`` makes it; the consortium's registry holds
only its public key.

Upgrading from release 0.1.0, whose nodes signed nothing: registering the co-op
(again, if it was registered then) records its key and, as its *signed-from
horizon*, the last seq its node published unsigned, read from the node's own
replication log. Its unsigned envelopes up to there stay valid (a rebuild from
the old stream needs them); anything unsigned after it is a dead letter.
"""

import datetime as dt
from pathlib import Path

import msgspec

from federation.config import ConsortiumConfig
from federation.credentials import (
    new_user_seed,
    node_broker_config,
    public_key,
    sync_broker_users,
)
from federation.registry import ConsortiumRegistry
from node.config import NodeConfig
from node.replicator import ReplicationLog
from toolkit.config import write_config


def published_seq(node_config: NodeConfig) -> int:
    """The seq of the last envelope the node has published (0: none yet)."""
    log = ReplicationLog.construct(node_config.store_env())
    try:
        return log.head(node_config.coop_id).seq
    finally:
        log.factory.close()


def write_seed(path: Path, node_config: NodeConfig, seed: str) -> None:
    """Put ``seed`` (and the co-op's inbox prefix) into node.toml."""
    broker = node_broker_config(node_config.coop_id, node_config.broker.servers, seed)
    write_config(path, msgspec.structs.replace(node_config, broker=broker))  # 0600


def rotate_key(
    consortium: ConsortiumConfig,
    node_config_path: Path,
    node_config: NodeConfig,
    overlap: dt.timedelta,
) -> tuple[str, dt.datetime]:
    """Give the co-op a new key: recorded in the registry, written into its
    node.toml. The old key still signs what the broker stores until the overlap
    ends (messages in flight, in a leaf broker's store, or published before the
    node restarts with its new key). Returns the new public key and that end."""
    seed = new_user_seed()
    registry = ConsortiumRegistry(consortium.registry_env())
    try:
        until = registry.rotate_key(node_config.coop_id, public_key(seed), overlap)
        write_seed(node_config_path, node_config, seed)
        sync_broker_users(consortium, registry)
    finally:
        registry.close()
    return public_key(seed), until
