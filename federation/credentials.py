"""Per-co-op broker credentials: nkey users with subject permissions, loaded by the
hub from an included users file and taken into effect by a config reload.

Why nkeys in a reloaded users file rather than decentralised JWT auth: the broker
holds only public keys (no secret to leak from the hub), there is no operator or
account JWT hierarchy and no account resolver to run, and the whole authorisation
state is one generated file an operator can read. nats-server re-checks every
connection on reload (SIGHUP), so a revoked co-op is disconnected at once while the
others carry on.

What each user may do:
- a node publishes only to ``cw.coop.<id>.>`` and subscribes only to its own inbox
  prefix ``_INBOX_<id>.>``, where JetStream's publish acks come back. It has no
  ``$JS.API`` access, so it can neither read the stream nor make a consumer on it;
  and it cannot subscribe to ``cw.coop.>`` or to anyone else's inbox.
- the consortium uses the JetStream API (stream and durable consumer management,
  fetching), acknowledges what it consumed, and subscribes to its own inbox.
"""

import os
import signal
from collections.abc import Mapping
from pathlib import Path

import nkeys

from federation.broker import FEDERATION_STREAM
from federation.config import ConsortiumConfig
from federation.registry import ConsortiumRegistry
from toolkit.config import BrokerConfig, ConfigError
from toolkit.private_files import write_private

CONSORTIUM_INBOX = "_INBOX_consortium"


def new_user_seed() -> str:
    """A fresh nkey user seed (``SU...``); its holder signs the server's nonce."""
    seed: bytes = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER)
    return seed.decode()


def public_key(seed: str) -> str:
    key: bytes = nkeys.from_seed(bytearray(seed.encode())).public_key
    return key.decode()


def node_inbox(coop_id: str) -> str:
    return f"_INBOX_{coop_id}"


def node_broker_config(coop_id: str, servers: list[str], seed: str) -> BrokerConfig:
    return BrokerConfig(
        servers=servers, nkey_seed=seed, inbox_prefix=node_inbox(coop_id)
    )


def node_permissions(coop_id: str) -> dict[str, object]:
    return {
        "publish": {"allow": [f"cw.coop.{coop_id}.>"]},
        "subscribe": {"allow": [f"{node_inbox(coop_id)}.>"]},
    }


def consortium_permissions() -> dict[str, object]:
    return {
        "publish": {"allow": ["$JS.API.>", f"$JS.ACK.{FEDERATION_STREAM}.>"]},
        "subscribe": {"allow": [f"{CONSORTIUM_INBOX}.>"]},
    }


def render_users(consortium_key: str, node_keys: Mapping[str, str]) -> str:
    """The nats-server ``authorization`` block for the consortium and every co-op
    allowed to publish (co-op id -> public key)."""
    users = [("consortium", consortium_key, consortium_permissions())]
    users += [(c, k, node_permissions(c)) for c, k in sorted(node_keys.items())]
    lines = [
        "# Written by commonweal from the consortium registry; edits are overwritten.",
        "authorization {",
        "  users = [",
    ]
    for label, key, permissions in users:
        lines.append(f"    # {label}")
        lines.append(f"    {{nkey: {_conf(key)}, permissions: {_conf(permissions)}}}")
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def _conf(value: object) -> str:
    """A value in nats-server config syntax (JSON-like; strings always quoted)."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_conf(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_conf(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} in a nats-server config")


def write_users(users_file: Path, text: str) -> None:
    """Replace the users file in one rename, so the broker never reads half of it."""
    write_private(users_file, text.encode())


def reload_broker(pid_file: Path) -> None:
    """Ask the running nats-server to reload its config (SIGHUP), as
    ``nats-server --signal reload`` does."""
    try:
        pid = int(Path(pid_file).read_text().strip())
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"cannot read the broker's pid file {pid_file}: {error}"
        ) from None
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise ConfigError(f"no broker process {pid} (from {pid_file})") from None


def sync_broker_users(config: ConsortiumConfig, registry: ConsortiumRegistry) -> None:
    """Write the users file from the registry and have the broker reload it."""
    if not config.auth.users_file:
        return
    if not config.broker.nkey_seed:
        raise ConfigError(
            "[auth] users_file is set but [broker] nkey_seed is not: the consortium "
            "would lock itself out of its own broker"
        )
    text = render_users(public_key(config.broker.nkey_seed), registry.publishing_keys())
    write_users(config.path(config.auth.users_file), text)
    if config.auth.pid_file:
        reload_broker(config.path(config.auth.pid_file))
