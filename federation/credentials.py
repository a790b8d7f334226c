"""Per-co-op broker credentials: nkey users with subject permissions, loaded by the
hub from an included users file and taken into effect by a config reload.

Why nkeys in a reloaded users file rather than decentralised JWT auth: the broker
holds only public keys (no secret to leak from the hub), there is no operator or
account JWT hierarchy and no account resolver to run, and the whole authorisation
state is one generated file an operator can read. nats-server re-checks every
connection on reload (SIGHUP), so a revoked co-op is disconnected at once while the
others carry on; federation.broker_reload confirms that it did.

Two accounts, so that no co-op can make the broker write on another's subjects:
- ``CONSORTIUM`` holds the federation stream and the consortium's user, and exports
  ``cw.coop.>`` as a service.
- ``COOPS`` holds every co-op's user and imports that service. A publish crosses
  into CONSORTIUM through the import, and its reply subject is rewritten to a
  private ``_R_`` subject there. So JetStream's acknowledgement can never land on
  a ``cw.coop.*`` subject of the stream's account, whatever reply subject a co-op
  sets (in one account, alpha publishing with reply ``cw.coop.beta.membership``
  had the ack stored as a message on beta's subject).

What each user may do:
- a node publishes only to ``cw.coop.<id>.>`` and subscribes only to its own inbox
  prefix ``_INBOX_<id>.>``, where JetStream's publish acks come back. Its account
  has no JetStream, so it can neither read the stream nor make a consumer on it;
  and it cannot subscribe to ``cw.coop.>`` or to anyone else's inbox. A co-op's own
  leaf broker (deploy/nats/leaf.conf) connects with the same nkey and so gets the
  same user and the same permissions.
- a node also reads the latest of its own mirrors (federation.mirror_publisher)
  by a direct get renamed ``cw.own-mirror.>``, allowed only on its own mirror
  subjects: the same per-user narrowing as ``cw.last``.
- a node reads the hours relayed to it (federation.relay) the same way, by a
  direct get renamed ``cw.own-relay.>``, allowed only on ``cw.relay.<own id>.>``;
  only the consortium publishes on ``cw.relay.>``.
- the consortium uses the JetStream API (stream and durable consumer management,
  fetching), acknowledges what it consumed, and subscribes to its own inbox, whose
  prefix starts with no ``_INBOX_`` and so can never be a co-op's.
"""

import os
from collections.abc import Mapping
from pathlib import Path

import nkeys

from federation.broker import (
    FEDERATION_STREAM,
    FEDERATION_SUBJECTS,
    MIRROR_STREAM,
    OWN_MIRROR_PREFIX,
)
from federation.broker_reload import listed_keys, reload_and_confirm
from federation.config import ConsortiumConfig
from federation.registry import ConsortiumRegistry
from schemas.hours import OWN_RELAY_PREFIX, RELAY_STREAM, RELAY_SUBJECTS
from toolkit.config import BrokerConfig, ConfigError
from toolkit.private_files import write_private

CONSORTIUM_ACCOUNT = "CONSORTIUM"
COOPS_ACCOUNT = "COOPS"
# Co-ops' inboxes are ``_INBOX_<id>``; the consortium's is outside that family.
CONSORTIUM_INBOX = "_CONSORTIUM_INBOX"
# What consortium.toml said before the two accounts; README, "Upgrading a secured hub".
OLD_CONSORTIUM_INBOX = "_INBOX_consortium"


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


# What a co-op's user requests to read the last envelope on one of its subjects
# (node.stream_check, which names it too).
LAST_ENVELOPE_PREFIX = "cw.last"


def node_permissions(coop_id: str) -> dict[str, object]:
    return {
        "publish": {
            "allow": [
                f"cw.coop.{coop_id}.>",
                # The last envelope on each of its own subjects, read by a restored
                # node before it publishes (node.stream_check); no other co-op's.
                f"{LAST_ENVELOPE_PREFIX}.cw.coop.{coop_id}.>",
                # The latest mirror of each month on its own mirror subjects
                # (federation.mirror_publisher); no other co-op's.
                f"{OWN_MIRROR_PREFIX}.cw.mirror.{coop_id}.>",
                # The hours relayed to it, one n at a time (schemas.hours).
                f"{OWN_RELAY_PREFIX}.cw.relay.{coop_id}.>",
            ]
        },
        "subscribe": {"allow": [f"{node_inbox(coop_id)}.>"]},
    }


def consortium_permissions() -> dict[str, object]:
    return {
        "publish": {
            "allow": [
                "$JS.API.>",
                f"$JS.ACK.{FEDERATION_STREAM}.>",
                # Each co-op's mirror, into the mirror stream.
                "cw.mirror.>",
                # Hours relayed to co-ops, into the relay stream.
                RELAY_SUBJECTS,
            ]
        },
        "subscribe": {"allow": [f"{CONSORTIUM_INBOX}.>"]},
    }


def render_users(consortium_key: str, node_keys: Mapping[str, str]) -> str:
    """The nats-server ``accounts`` block: the consortium in its account and every
    co-op allowed to publish (co-op id -> public key) in theirs."""
    consortium = [("consortium", consortium_key, consortium_permissions())]
    coops = [(c, k, node_permissions(c)) for c, k in sorted(node_keys.items())]
    # Publishing into the stream, and a restored node's direct get of its own last
    # envelope, renamed into the co-ops' account (leaf brokers carry no $JS.API
    # subjects); each user's permissions narrow both to its own co-op's subjects.
    direct_get = f"$JS.API.DIRECT.GET.{FEDERATION_STREAM}.>"
    mirror_get = f"$JS.API.DIRECT.GET.{MIRROR_STREAM}.>"
    relay_get = f"$JS.API.DIRECT.GET.{RELAY_STREAM}.>"
    exported = [FEDERATION_SUBJECTS[0], direct_get, mirror_get, relay_get]
    imports: list[dict[str, object]] = [
        {"service": {"account": CONSORTIUM_ACCOUNT, "subject": FEDERATION_SUBJECTS[0]}},
        {
            "service": {"account": CONSORTIUM_ACCOUNT, "subject": direct_get},
            "to": f"{LAST_ENVELOPE_PREFIX}.>",
        },
        {
            "service": {"account": CONSORTIUM_ACCOUNT, "subject": mirror_get},
            "to": f"{OWN_MIRROR_PREFIX}.>",
        },
        {
            "service": {"account": CONSORTIUM_ACCOUNT, "subject": relay_get},
            "to": f"{OWN_RELAY_PREFIX}.>",
        },
    ]
    lines = [
        "# Written by commonweal from the consortium registry; edits are overwritten.",
        "accounts {",
        f"  {CONSORTIUM_ACCOUNT} {{",
        "    jetstream: enabled",
        *_users(consortium),
        f"    exports = {_conf([{'service': s} for s in exported])}",
        "  }",
        f"  {COOPS_ACCOUNT} {{",
        *_users(coops),
        f"    imports = {_conf(imports)}",
        "  }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _users(users: list[tuple[str, str, dict[str, object]]]) -> list[str]:
    lines = ["    users = ["]
    for label, key, permissions in users:
        lines.append(f"      # {label}")
        lines.append(f"      {{nkey: {_conf(key)}, permissions: {_conf(permissions)}}}")
    return [*lines, "    ]"]


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


def sync_broker_users(
    config: ConsortiumConfig, registry: ConsortiumRegistry, *, reload: bool = True
) -> None:
    """Write the users file from the registry, have the broker reload it, and
    confirm that it did: raises BrokerNotReloaded (with the reason) otherwise.
    ``reload=False`` only writes it, for a broker that is stopped."""
    if not config.auth.users_file:
        return
    if not config.broker.nkey_seed:
        raise ConfigError(
            "[auth] users_file is set but [broker] nkey_seed is not: the consortium "
            "would lock itself out of its own broker"
        )
    if config.broker.inbox_prefix != CONSORTIUM_INBOX:
        raise ConfigError(
            f"[broker] inbox_prefix is {config.broker.inbox_prefix!r}; the broker "
            f"lets the consortium receive only on {CONSORTIUM_INBOX!r}: set "
            f'inbox_prefix = "{CONSORTIUM_INBOX}" in consortium.toml (README, '
            '"Upgrading a secured hub")'
        )
    if config.auth.pid_file and not config.auth.monitor_url:
        raise ConfigError(
            "[auth] pid_file is set but monitor_url is not: nothing could confirm "
            "that the broker took the new users; give the hub a monitoring port "
            '(http: "127.0.0.1:8222" in its config) and set monitor_url = '
            '"http://127.0.0.1:8222"'
        )
    users_file = config.path(config.auth.users_file)
    before = listed_keys(users_file)
    text = render_users(public_key(config.broker.nkey_seed), registry.publishing_keys())
    write_users(users_file, text)
    if reload and config.auth.pid_file:
        reload_and_confirm(
            config.path(config.auth.pid_file),
            config.auth.monitor_url,
            removed=before - listed_keys(users_file),
        )
