"""``commonweal spinoff``: provision the node of an approved spin-off.

Run by an operator on a machine that can read the parent node's store and the
consortium's config. Every check is made before anything is written; then it
allocates the new co-op's id, issues its broker credentials, writes its data
directory (node.toml, founders.json), registers it in the consortium registry with
its parent, lets the broker take the new user, and records the provisioning on the
parent's spin-off. The runners' personal details go from the parent's store into
the new node's founders file only: never to the registry, never onto the stream.
"""

import datetime as dt
import re
import shutil
import unicodedata
from pathlib import Path
from uuid import UUID

import msgspec

from commonweal.coop_keys import published_seq, write_seed
from federation.broker import free_port
from federation.config import ConsortiumConfig
from federation.credentials import (
    new_user_seed,
    node_broker_config,
    public_key,
    sync_broker_users,
)
from federation.errors import CoopSuspended, DuplicateCoop, UnknownCoop
from federation.registry import ConsortiumRegistry
from federation.statement_key import statement_public_key
from node.application import CoopNode
from node.auth import new_token, token_hash
from node.config import NodeConfig, new_secret
from node.errors import UnknownMemberClass
from node.rules import profile_named
from toolkit.config import ConfigError, HttpConfig, StoreConfig, write_config
from toolkit.private_files import private_folder, write_private

FOUNDERS_FILE = "founders.json"


class Provisioned(msgspec.Struct, frozen=True):
    coop_id: str
    name: str
    parent: str
    node_dir: str
    config_path: str
    founders: int
    http_port: int
    admin_token: str  # to be shown once: the node's config keeps only its hash


def new_node_http(port: int) -> tuple[HttpConfig, str]:
    """A new node's HTTP settings with a fresh admin token, which is returned to
    be shown once (``show_admin_token``): the config keeps only its hash."""
    token = new_token()
    return HttpConfig(port=port, admin_token_sha256=token_hash(token)), token


def show_admin_token(token: str) -> None:
    print(f"admin token: {token}")


def allocate_coop_id(name: str, taken: set[str]) -> str:
    """A readable id from the name (``Riverside Care`` -> ``riverside-care``), made
    unique against ``taken`` with a numeric suffix. NFKC first folds compatibility
    forms (full-width letters) to ASCII, so the registry's reserved words catch
    them; NFD then drops accents (``Coopérative`` -> ``cooperative``)."""
    folded = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", name))
    ascii_name = folded.encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:55] or "coop"
    coop_id, n = base, 1
    while coop_id in taken:
        n += 1
        coop_id = f"{base}-{n}"
    return coop_id


def provision_spinoff(
    parent_config: NodeConfig,
    spinoff_id: UUID,
    consortium: ConsortiumConfig,
    out_dir: Path,
    *,
    profile: str | None = None,
    servers: list[str] | None = None,
    http_port: int | None = None,
) -> Provisioned:
    registry = ConsortiumRegistry(consortium.registry_env())
    parent_app = CoopNode(parent_config.coop_id, parent_config.store_env())
    try:
        # Every check first: bad input provisions nothing.
        parent = registry.find(parent_config.coop_id)
        if parent is None:
            raise UnknownCoop(
                f"parent co-op {parent_config.coop_id!r} is not registered in the "
                "consortium; register it first (commonweal consortium register)"
            )
        if parent.suspended:
            raise CoopSuspended(f"parent co-op {parent.coop_id} is suspended")
        spinoff = parent_app.spinoff(spinoff_id)
        founders = parent_app.founders(spinoff_id)
        coop_id = allocate_coop_id(spinoff.name, {c.coop_id for c in registry.coops()})
        registry.check_new(coop_id, spinoff.name)
        rules = profile_named(profile or parent_app.coop().profile.name)
        for founder in founders:
            if founder.member_class not in rules.class_names:
                raise UnknownMemberClass(
                    f"a runner is a {founder.member_class}, a class the rules "
                    f"profile {rules.name} does not have; choose another --profile"
                )
        node_dir = Path(out_dir) / coop_id
        if node_dir.exists():
            raise ConfigError(f"{node_dir} exists already; refusing to overwrite it")
        if consortium.auth.users_file and not consortium.broker.nkey_seed:
            raise ConfigError("[auth] users_file is set but [broker] nkey_seed is not")

        seed = new_user_seed()
        http, admin_token = new_node_http(http_port or free_port())
        config = NodeConfig(
            coop_id=coop_id,
            name=spinoff.name,
            secret=new_secret(),
            profile=rules.name,
            share=list(parent_config.share),
            store=StoreConfig(path="node.db"),
            broker=node_broker_config(
                coop_id,
                servers or consortium.node_servers or consortium.broker.servers,
                seed,
            ),
            http=http,
            founders=FOUNDERS_FILE,
            consortium_key=statement_public_key(consortium),
        )
        _write_node_dir(node_dir, config, msgspec.json.encode(founders))
        try:
            registry.register(
                coop_id,
                spinoff.name,
                parent=parent.coop_id,
                public_key=public_key(seed),
                unsigned_until=0,  # a new node signs everything
                provisioned=True,
            )
        except Exception:
            shutil.rmtree(node_dir)
            raise
        # Provisioned, whatever the broker does next: a broker that does not take
        # the new user fails this command with its reason, and nothing is undone.
        parent_app.record_spinoff_provisioned(spinoff_id, coop_id, dt.date.today())
        sync_broker_users(consortium, registry)
        return Provisioned(
            coop_id=coop_id,
            name=spinoff.name,
            parent=parent.coop_id,
            node_dir=str(node_dir),
            config_path=str(node_dir / "node.toml"),
            founders=len(founders),
            http_port=http.port,
            admin_token=admin_token,
        )
    finally:
        parent_app.close()
        registry.close()


def _write_node_dir(node_dir: Path, config: NodeConfig, founders: bytes) -> None:
    """Write into a hidden sibling and rename, so a half-written node never exists."""
    staging = node_dir.with_name(f".{node_dir.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    private_folder(staging)
    write_config(staging / "node.toml", config)  # the node secret, the nkey seed
    write_private(staging / FOUNDERS_FILE, founders)
    staging.rename(node_dir)


def register_existing(
    consortium: ConsortiumConfig,
    node_config_path: Path,
    node_config: NodeConfig,
    *,
    parent: str | None = None,
) -> str:
    """Register a co-op that joins the consortium (rather than spinning off) with
    the key in its node.toml (a node.toml from release 0.1.0 gets one written),
    which is its broker user and what it signs with. A co-op registered by
    release 0.1.0 has its key recorded now. Either way unsigned envelopes are
    taken up to what its node has published so far (``coop_keys``). Returns the
    public key."""
    registry = ConsortiumRegistry(consortium.registry_env())
    try:
        coop_id = node_config.coop_id
        known = registry.find(coop_id)
        if known is None:
            registry.check_new(coop_id, node_config.name)
            if parent is not None:
                registry.require(parent)
        elif known.unsigned_until is not None:
            raise DuplicateCoop(f"co-op id {coop_id!r} is registered already")
        seed = node_config.broker.nkey_seed or new_user_seed()
        key = public_key(seed)
        unsigned_until = published_seq(node_config)
        if known is None:
            registry.register(
                coop_id,
                node_config.name,
                parent=parent,
                public_key=key,
                unsigned_until=unsigned_until,
                provisioned=True,
            )
        else:
            if known.public_key != key:
                registry.issue_credentials(coop_id, key)
            registry.adopt_signing(coop_id, unsigned_until)
        write_seed(node_config_path, node_config, seed)
        sync_broker_users(consortium, registry)
        return key
    finally:
        registry.close()
