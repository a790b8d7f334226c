"""Backups of a node or the consortium, taken while it runs, and their restore.

A backup is a folder:

- ``manifest.json``: what it is (node or consortium, which co-op, when, the
  release that wrote it, each store's last notification id) and the SHA-256 of
  every other file. It is written last, so a backup cut short has none.
- one SQLite file per store, copied consistently while the service writes
  (``commonweal.store_snapshot``);
- ``config.toml``: the config without its secrets;
- ``secrets.sealed``: the secrets, encrypted under the operator's passphrase
  (``commonweal.backup_secrets``).

Restoring checks every hash, refuses a folder that is not empty, writes the
stores and a config whose paths point into the new folder (0600 files in a 0700
folder), and marks a node's store as restored: its replicator then reads the
co-op's chain on the broker before publishing anything (``node.stream_check``).
Moving a co-op to another machine is the same pair (``node export``/``import``).
"""

import datetime as dt
import hashlib
import shutil
from collections.abc import Callable
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any, Literal

import msgspec

from commonweal.backup_keys import back_up_keys, restore_keys
from commonweal.backup_secrets import (
    BackupError,
    join_secrets,
    seal,
    split_secrets,
    unseal,
)
from commonweal.pg_snapshot import copy_postgres, load_postgres
from commonweal.store_snapshot import copy_sqlite, last_notification_id
from node.erasure_file import ERASURE_FILE
from toolkit.config import StoreConfig, load_config, located, without_none, write_config
from toolkit.private_files import private_file, private_folder, write_private

FORMAT = 1
MANIFEST = "manifest.json"
CONFIG = "config.toml"
SECRETS = "secrets.sealed"
Kind = Literal["node", "consortium"]


class StoreSnapshot(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    # The SQLite file, or the list of a PostgreSQL schema's table copies.
    file: str
    last_notification_id: int
    kind: Literal["sqlite", "postgres"] = "sqlite"


class BackupFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    sha256: str
    size: int


class Manifest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    format: int
    kind: Kind
    commonweal_version: str
    created_at: dt.datetime
    # The co-op's id for a node, the consortium's name for the consortium.
    coop_id: str
    stores: dict[str, StoreSnapshot]
    files: list[BackupFile]


def backup_node(config_path: Path, to: Path, passphrase: str) -> Manifest:
    from node.config import NodeConfig

    config = load_config(config_path, NodeConfig)
    return _backup(
        "node",
        config.coop_id,
        config,
        {"store": config.store},
        config.base_dir,
        to,
        passphrase,
        partial(
            back_up_keys,
            Path(config.store_env()["PERSONAL_KEYS_PATH"]),
            config.path(ERASURE_FILE),
        ),
    )


def backup_consortium(config_path: Path, to: Path, passphrase: str) -> Manifest:
    from federation.config import ConsortiumConfig

    config = load_config(config_path, ConsortiumConfig)
    stores = {"store": config.store, "registry": config.registry}
    return _backup(
        "consortium", config.name, config, stores, config.base_dir, to, passphrase
    )


def _backup(
    kind: Kind,
    owner: str,
    config: msgspec.Struct,
    stores: dict[str, StoreConfig],
    base_dir: str,
    to: Path,
    passphrase: str,
    more: Callable[[Path, str], list[str]] | None = None,
) -> Manifest:
    _refuse_non_empty(to, "back up into")
    private_folder(to)
    snapshots: dict[str, StoreSnapshot] = {}
    names: list[str] = []
    for name, store in stores.items():
        if store.kind == "postgres":
            same = next((n for n, s in stores.items() if _same_db(s, store)), name)
            if same in snapshots:  # the registry in the store's own schema
                snapshots[name] = snapshots[same]
                continue
            files, last = copy_postgres(store, to, name)
            snapshots[name] = StoreSnapshot(files[0], last, "postgres")
            names += files
            continue
        file = f"{name}.db"
        if not located(base_dir, store.path).is_file():
            raise BackupError(f"the {name} {located(base_dir, store.path)} is missing")
        copy_sqlite(located(base_dir, store.path), to / file)
        snapshots[name] = StoreSnapshot(file, last_notification_id(to / file))
        names.append(file)
    fields = without_none(msgspec.to_builtins(config))
    fields.pop("base_dir", None)
    plain, secrets = split_secrets(fields)
    write_private(to / CONFIG, msgspec.toml.encode(plain))
    write_private(to / SECRETS, seal(secrets, passphrase))
    names = [CONFIG, SECRETS, *names]
    if more is not None:
        names += more(to, passphrase)
    manifest = Manifest(
        format=FORMAT,
        kind=kind,
        commonweal_version=version("commonweal"),
        created_at=dt.datetime.now(dt.UTC),
        coop_id=owner,
        stores=snapshots,
        files=[_described(to / name) for name in names],
    )
    write_private(to / MANIFEST, msgspec.json.format(msgspec.json.encode(manifest)))
    return manifest


def read_backup(source: Path, kind: Kind) -> Manifest:
    """The backup's manifest, once every file it lists is there and unchanged."""
    try:
        data = (source / MANIFEST).read_bytes()
    except FileNotFoundError:
        raise BackupError(
            f"{source} is not a complete backup: it has no {MANIFEST} (written last, "
            "so the backup was cut short or this is not a backup folder)"
        ) from None
    try:
        manifest = msgspec.json.decode(data, type=Manifest)
    except msgspec.DecodeError as error:
        raise BackupError(f"{source / MANIFEST} is damaged: {error}") from None
    if manifest.format != FORMAT:
        raise BackupError(f"backup format {manifest.format} is not {FORMAT}")
    if manifest.kind != kind:
        raise BackupError(f"{source} is a backup of a {manifest.kind}, not a {kind}")
    for listed in manifest.files:
        path = source / listed.name
        if Path(listed.name).name != listed.name:
            raise BackupError(f"the manifest names a file outside the backup: {path}")
        if not path.is_file():
            raise BackupError(f"the backup is incomplete: {listed.name} is missing")
        if _described(path) != listed:
            raise BackupError(
                f"the backup was changed or damaged: {listed.name} is not the file "
                "that was backed up (its SHA-256 or size differs); nothing restored"
            )
    return manifest


def restore_node(
    source: Path,
    to: Path,
    passphrase: str,
    *,
    servers: list[str] | None = None,
    http_port: int | None = None,
    schema: str | None = None,
    erasures: list[Path] | None = None,
) -> Path:
    """Restore a node backup into the new folder ``to`` (a PostgreSQL store into
    its schema, or ``schema``: empty either way); returns its node.toml. Every
    key the erasure registers ``erasures`` list is destroyed again before the
    node starts (commonweal.backup_keys)."""
    from node.config import NodeConfig
    from node.consortia import mark_restored
    from node.replicator import ReplicationLog

    manifest = read_backup(source, "node")
    fields = _restored_fields(source, passphrase)
    fields["founders"] = ""  # admitted when the store was founded; gone since
    if servers:
        fields.setdefault("broker", {})["servers"] = servers
    if http_port is not None:
        fields.setdefault("http", {})["port"] = http_port
    snapshots = {"store": manifest.stores["store"]}
    _retarget(fields, snapshots, schema, {"store": "node.db"})
    fields.setdefault("store", {})["keys_path"] = ""  # beside the restored store
    config = msgspec.structs.replace(
        msgspec.convert(fields, NodeConfig), base_dir=str(to)
    )
    _refuse_non_empty(to, "restore into")
    _load_stores(source, to, snapshots, {"store": config.store}, _node_tables(config))
    config_path = to / "node.toml"
    write_config(config_path, config)
    keys_path = Path(config.store_env()["PERSONAL_KEYS_PATH"])
    restore_keys(
        source, keys_path, config.path(ERASURE_FILE), passphrase, erasures or []
    )
    log = ReplicationLog.construct(config.store_env())
    try:
        mark_restored(log, config, manifest.created_at.isoformat())
    finally:
        log.factory.close()
    return config_path


def restore_consortium(
    source: Path, to: Path, passphrase: str, *, schema: str | None = None
) -> Path:
    """Restore a consortium backup into the new folder ``to``; returns its
    consortium.toml. Its ingest positions are in the store: it reads on from them."""
    from federation.config import ConsortiumConfig

    manifest = read_backup(source, "consortium")
    fields = _restored_fields(source, passphrase)
    _retarget(fields, manifest.stores, schema)
    # The broker's durable consumer has acknowledged what the consortium applied
    # after the backup; a new one reads the stream from its start, and the
    # restored per-co-op positions skip what the store has applied already.
    restored_at = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    fields["durable"] = f"{fields.get('durable', 'consortium')}-restored-{restored_at}"
    config = msgspec.structs.replace(
        msgspec.convert(fields, ConsortiumConfig), base_dir=str(to)
    )
    _refuse_non_empty(to, "restore into")
    stores = {"store": config.store, "registry": config.registry}
    _load_stores(source, to, manifest.stores, stores, _consortium_tables(config))
    config_path = to / "consortium.toml"
    write_config(config_path, config)
    return config_path


def _restored_fields(source: Path, passphrase: str) -> dict[str, Any]:
    plain = msgspec.toml.decode((source / CONFIG).read_bytes())
    return join_secrets(plain, unseal((source / SECRETS).read_bytes(), passphrase))


def _retarget(
    fields: dict[str, Any],
    snapshots: dict[str, StoreSnapshot],
    schema: str | None,
    files: dict[str, str] | None = None,
) -> None:
    """Point each store of the config at its new home: a file in the new folder,
    or (PostgreSQL) the given schema."""
    for name, snapshot in snapshots.items():
        store = fields.setdefault(name, {})
        if snapshot.kind == "sqlite":
            if schema is not None:
                raise BackupError(
                    f"--schema is for a PostgreSQL store; the backup's {name} is SQLite"
                )
            store.update(kind="sqlite", path=(files or {}).get(name, f"{name}.db"))
        elif schema is not None:
            store["schema"] = schema


def _load_stores(
    source: Path,
    to: Path,
    snapshots: dict[str, StoreSnapshot],
    stores: dict[str, StoreConfig],
    create_tables: Callable[[], None],
) -> None:
    loaded: set[str] = set()
    for name, snapshot in snapshots.items():
        if snapshot.kind == "sqlite":
            target = located(str(to), stores[name].path)
            private_file(target)  # 0600 (its new folder 0700) before a byte is in it
            shutil.copyfile(source / snapshot.file, target)
        elif snapshot.file not in loaded:
            load_postgres(stores[name], source, snapshot.file, create_tables)
            loaded.add(snapshot.file)


def _node_tables(config: Any) -> Callable[[], None]:
    def create() -> None:
        from node.application import CoopNode
        from node.outbox import Outbox
        from node.replicator import ReplicationLog

        env = config.store_env()
        CoopNode(config.coop_id, env).close()
        ReplicationLog.construct(env).factory.close()
        Outbox(env).close()

    return create


def _consortium_tables(config: Any) -> Callable[[], None]:
    def create() -> None:
        from federation.ingest import ConsortiumViews
        from federation.registry import ConsortiumRegistry

        ConsortiumViews.construct(config.store_env()).factory.close()
        ConsortiumRegistry(config.registry_env()).close()

    return create


def _same_db(one: StoreConfig, other: StoreConfig) -> bool:
    def where(store: StoreConfig) -> tuple[object, ...]:
        return (store.kind, store.host, store.port, store.dbname, store.schema)

    return where(one) == where(other)


def _refuse_non_empty(folder: Path, doing: str) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(
            f"will not {doing} {folder}: it exists and is not empty (give a new folder)"
        )


def _described(path: Path) -> BackupFile:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return BackupFile(path.name, digest.hexdigest(), path.stat().st_size)
