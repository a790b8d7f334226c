"""Backups of a running node and consortium: consistent while written to, their
secrets sealed apart, refused when changed, cut short or aimed at a used folder."""

import datetime as dt
import stat
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from commonweal.backup import (
    backup_consortium,
    backup_node,
    read_backup,
    restore_consortium,
    restore_node,
)
from commonweal.backup_secrets import PASSPHRASE_ENV, BackupError
from commonweal.cli import main
from federation import credentials
from federation.broker import FEDERATION_STREAM
from federation.config import ConsortiumConfig
from federation.service import ConsortiumService
from node import stream_check
from node.application import CoopNode
from node.config import MailConfig, NodeConfig
from node.replicator import ReplicationLog
from node.service import NodeService
from node.stream_check import FEDERATION_STREAM as NODE_SIDE_NAME
from tests.configs import node_config
from tests.truth import membership_truth
from tests.waiting import writing
from toolkit.config import StoreConfig, load_config, write_config

PASSPHRASE = "correct horse battery staple"
DAY = dt.date(2026, 2, 10)


def write_node(folder: Path, coop_id: str = "alpha") -> Path:
    """A founded node's config file (absolute store path), with a mail password."""
    config = node_config(coop_id, StoreConfig(path=str(folder / "a.db")), [])
    config = msgspec.structs.replace(
        config,
        mail=MailConfig(
            host="mail.example.org",
            from_address="care@example.org",
            password="mail-password-do-not-leak",
        ),
    )
    path = folder / "node.toml"
    write_config(path, config)
    service = NodeService(load_config(path, NodeConfig))
    service.found_if_new()
    service.coop_node.close()
    service.outbox.close()
    service.replication_log.factory.close()
    return path


def join(app: CoopNode, n: int) -> None:
    member_id = app.apply_for_membership(
        name=f"Member {n}", email=f"m{n}@example.org", member_class="worker"
    )
    app.admit_member(member_id, DAY)


def test_a_backup_taken_during_writes_is_a_prefix_of_the_store(tmp_path: Path) -> None:
    config_path = write_node(tmp_path / "live")
    config = load_config(config_path, NodeConfig)
    live = CoopNode(config.coop_id, config.store_env())
    for n in range(20):
        join(live, n)
    with writing(lambda n: join(live, n), first=100) as written:
        while len(written) < 5:  # the writer is well under way
            time.sleep(0.01)
        manifest = backup_node(config_path, tmp_path / "backup", PASSPHRASE)
        after_backup = len(written)
        while len(written) < after_backup + 5:  # and goes on after the snapshot
            time.sleep(0.01)

    restored_config = load_config(
        restore_node(tmp_path / "backup", tmp_path / "new", PASSPHRASE), NodeConfig
    )
    restored = CoopNode(restored_config.coop_id, restored_config.store_env())
    last = manifest.stores["store"].last_notification_id
    assert restored.recorder.max_notification_id() == last
    # Everything up to the snapshot, exactly as the live store has it; nothing after.
    mine = restored.recorder.select_notifications(start=1, limit=last + 10)
    theirs = live.recorder.select_notifications(start=1, limit=last)
    assert [(n.id, n.originator_id, n.originator_version, n.state) for n in mine] == [
        (n.id, n.originator_id, n.originator_version, n.state) for n in theirs
    ]
    assert live.recorder.max_notification_id() > last  # writes went on past it
    members = membership_truth(restored)["members"]
    assert isinstance(members, int)
    assert 20 < members < len(list(live.members()))
    restored.close()
    live.close()


def test_the_restored_node_has_its_secrets_and_paths_of_its_own(
    tmp_path: Path,
) -> None:
    config_path = write_node(tmp_path / "live")
    original = load_config(config_path, NodeConfig)
    backup_node(config_path, tmp_path / "backup", PASSPHRASE)
    restored = load_config(
        restore_node(tmp_path / "backup", tmp_path / "new", PASSPHRASE, http_port=9191),
        NodeConfig,
    )
    assert restored.secret == original.secret
    assert restored.broker.nkey_seed == original.broker.nkey_seed
    assert restored.mail == original.mail
    assert restored.http.port == 9191
    assert restored.store_env()["SQLITE_DBNAME"] == str(tmp_path / "new" / "node.db")
    for path in (tmp_path / "new", tmp_path / "backup"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
        for file in path.iterdir():
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    # Marked: its replicator reads the stream before publishing.
    log = ReplicationLog.construct(restored.store_env())
    assert log.is_restored("alpha")
    log.factory.close()


def test_the_plain_files_of_a_backup_hold_no_secret(tmp_path: Path) -> None:
    config_path = write_node(tmp_path / "live")
    config = load_config(config_path, NodeConfig)
    backup_node(config_path, tmp_path / "backup", PASSPHRASE)
    assert config.mail is not None
    secrets = [config.broker.nkey_seed, config.secret, config.mail.password]
    sealed_files = ("secrets.sealed", "keys.sealed")
    plain = [f for f in (tmp_path / "backup").iterdir() if f.name not in sealed_files]
    assert {f.name for f in plain} == {"manifest.json", "config.toml", "store.db"}
    for file in plain:
        data = file.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, (file.name, secret[:4])
    sealed = (tmp_path / "backup" / "secrets.sealed").read_bytes()
    assert not any(secret.encode() in sealed for secret in secrets)


def test_a_changed_or_partial_backup_is_refused(tmp_path: Path) -> None:
    config_path = write_node(tmp_path / "live")
    backup = tmp_path / "backup"
    backup_node(config_path, backup, PASSPHRASE)
    store = backup / "store.db"
    original = store.read_bytes()

    store.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    with pytest.raises(BackupError, match=r"changed or damaged: store\.db"):
        restore_node(backup, tmp_path / "a", PASSPHRASE)
    store.unlink()
    with pytest.raises(BackupError, match=r"incomplete: store\.db is missing"):
        restore_node(backup, tmp_path / "b", PASSPHRASE)
    store.write_bytes(original)
    with pytest.raises(BackupError, match="wrong passphrase"):
        restore_node(backup, tmp_path / "c", "not the passphrase at all")
    (backup / "manifest.json").unlink()
    with pytest.raises(BackupError, match="not a complete backup"):
        restore_node(backup, tmp_path / "d", PASSPHRASE)
    assert not any((tmp_path / name).exists() for name in "abcd")


def test_restore_and_backup_never_overwrite(tmp_path: Path) -> None:
    config_path = write_node(tmp_path / "live")
    backup_node(config_path, tmp_path / "backup", PASSPHRASE)
    with pytest.raises(BackupError, match="not empty"):
        backup_node(config_path, tmp_path / "backup", PASSPHRASE)
    with pytest.raises(BackupError, match="not empty"):
        restore_node(tmp_path / "backup", tmp_path / "live", PASSPHRASE)
    with pytest.raises(BackupError, match="a backup of a node, not a consortium"):
        restore_consortium(tmp_path / "backup", tmp_path / "new", PASSPHRASE)


def test_the_commands_take_the_passphrase_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_path = write_node(tmp_path / "live")
    monkeypatch.setenv(PASSPHRASE_ENV, "short")
    assert main(["node", "backup", "--config", str(config_path), "--to", "x"]) == 2
    assert "at least 12 characters" in capsys.readouterr().err
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    backup = tmp_path / "exported"
    assert (
        main(["node", "export", "--config", str(config_path), "--to", str(backup)]) == 0
    )
    new = tmp_path / "elsewhere"
    args = ["node", "import", "--from", str(backup), "--to", str(new)]
    assert main([*args, "--broker", "nats://10.0.0.9:4222"]) == 0
    moved = load_config(new / "node.toml", NodeConfig)
    assert moved.broker.servers == ["nats://10.0.0.9:4222"]
    assert main(args) == 2
    assert "not empty" in capsys.readouterr().err
    manifest = read_backup(backup, "node")
    assert manifest.coop_id == "alpha"
    assert manifest.stores["store"].last_notification_id >= 1


def test_a_consortium_backup_restores_its_stores_and_keys(tmp_path: Path) -> None:
    folder = tmp_path / "live"
    config = ConsortiumConfig(
        store=StoreConfig(path=str(folder / "consortium.db")),
        registry=StoreConfig(path=str(folder / "registry.db")),
    )
    write_config(folder / "consortium.toml", config)
    service = ConsortiumService(
        load_config(folder / "consortium.toml", ConsortiumConfig)
    )
    service.registry.register("alpha", "Alpha Care Co-op")
    service.views.factory.close()
    service.registry.close()
    backup_consortium(folder / "consortium.toml", tmp_path / "backup", PASSPHRASE)
    restored = load_config(
        restore_consortium(tmp_path / "backup", tmp_path / "new", PASSPHRASE),
        ConsortiumConfig,
    )
    assert restored.store_env()["SQLITE_DBNAME"] == str(tmp_path / "new" / "store.db")
    again = ConsortiumService(restored)
    assert [c.coop_id for c in again.registry.coops()] == ["alpha"]
    again.views.factory.close()
    again.registry.close()


def test_the_node_names_the_federation_stream_as_the_consortium_does() -> None:
    assert NODE_SIDE_NAME == FEDERATION_STREAM
    assert stream_check.LAST_ENVELOPE_PREFIX == credentials.LAST_ENVELOPE_PREFIX


@pytest.mark.postgres
def test_a_postgres_store_is_copied_in_one_snapshot_during_writes(
    tmp_path: Path, pg_store_factory: Callable[[], StoreConfig]
) -> None:
    store = pg_store_factory()
    folder = tmp_path / "live"
    write_config(folder / "node.toml", node_config("alpha", store, []))
    config = load_config(folder / "node.toml", NodeConfig)
    live = NodeService(config)
    live.found_if_new()
    with writing(lambda n: join(live.coop_node, n)) as written:
        while len(written) < 5:  # writes under way
            time.sleep(0.01)
        manifest = backup_node(folder / "node.toml", tmp_path / "backup", PASSPHRASE)
        count = len(written)
        while len(written) < count + 5:  # writes after it
            time.sleep(0.01)
    # Nothing of the database's password or the node's keys in the plain copies.
    sealed_files = ("secrets.sealed", "keys.sealed")
    plain = [f for f in (tmp_path / "backup").iterdir() if f.name not in sealed_files]
    assert any(f.name.startswith("store-coopnode_events") for f in plain)
    for file in plain:
        assert config.broker.nkey_seed.encode() not in file.read_bytes()

    # Not into the live schema, which holds the node's data.
    with pytest.raises(BackupError, match="hold data already"):
        restore_node(tmp_path / "backup", tmp_path / "a", PASSPHRASE)
    assert not (tmp_path / "a").exists()
    target = pg_store_factory().schema
    path = restore_node(
        tmp_path / "backup", tmp_path / "new", PASSPHRASE, schema=target
    )
    restored = load_config(path, NodeConfig)
    assert restored.store.schema == target
    app = CoopNode(restored.coop_id, restored.store_env())
    last = manifest.stores["store"].last_notification_id
    assert app.recorder.max_notification_id() == last
    mine = app.recorder.select_notifications(start=1, limit=last + 10)
    theirs = live.coop_node.recorder.select_notifications(start=1, limit=last)
    assert [(n.id, n.state) for n in mine] == [(n.id, n.state) for n in theirs]
    join(app, 999)  # the sequence moved past the restored rows
    added = app.recorder.select_notifications(start=last + 1, limit=10)
    assert added and added[0].id == last + 1
    log = ReplicationLog.construct(restored.store_env())
    assert log.is_restored("alpha")
    log.factory.close()
    app.close()
    live.coop_node.close()
    live.outbox.close()
    live.replication_log.factory.close()
