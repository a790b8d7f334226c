"""A backup made before an erasure: the restore destroys the erased person's keys
again (from the erasure register kept beside node.toml) before the node starts,
so their data stays unreadable while everyone else's restores whole. Keys travel
sealed under the passphrase, apart from the store."""

import sqlite3
from pathlib import Path

import msgspec

from commonweal.backup import backup_node, restore_node
from node.application import CoopNode
from node.config import NodeConfig
from node.erasure_file import ERASURE_FILE, read_destroyed
from node.retention import RetentionConfig
from node.sealing import ERASED
from node.service import NodeService
from tests.configs import node_config
from tests.erasure_records import CARE_DAY, a_carer, found_in_files, plant
from toolkit.config import StoreConfig, load_config, write_config

PASSPHRASE = "correct horse battery staple"


def service(config_path: Path) -> NodeService:
    node = NodeService(load_config(config_path, NodeConfig))
    node.found_if_new()
    return node


def close(node: NodeService) -> None:
    node.coop_node.close()
    node.outbox.close()
    node.replication_log.factory.close()


def key_rows(path: Path) -> list[bytes]:
    with sqlite3.connect(path) as db:
        return [bytes(r[0]) for r in db.execute("SELECT key FROM personal_keys")]


def test_a_restore_of_an_older_backup_destroys_the_erased_keys_again(
    tmp_path: Path,
) -> None:
    live = tmp_path / "live"
    config = node_config("alpha", StoreConfig(path="node.db"), [])
    config = msgspec.structs.replace(
        config, retention=RetentionConfig(care_records_years=0, incidents_years=0)
    )
    config_path = live / "node.toml"
    write_config(config_path, config)
    node = service(config_path)
    app = node.coop_node
    carer = a_carer(app)
    amy = plant(app, "ZQXAMY", carer)
    bob = plant(app, "ZQXBOB", carer)
    app.withdraw_member(amy.member, CARE_DAY)
    close(node)
    all_keys = key_rows(live / "node.db.keys.db")
    backup_node(config_path, tmp_path / "backup", PASSPHRASE)
    sealed = (tmp_path / "backup" / "keys.sealed").read_bytes()
    assert not any(key in sealed for key in all_keys)

    node = service(config_path)
    node.coop_node.erase_person(amy.member, None, "requested")
    close(node)
    register = live / ERASURE_FILE
    assert {(e.subject, e.category) for e in read_destroyed(register)} == {
        (amy.member, "personal"),
        (amy.member, "care"),
    }
    erased_keys = set(all_keys) - set(key_rows(live / "node.db.keys.db"))
    assert len(erased_keys) == 2

    restored = load_config(
        restore_node(
            tmp_path / "backup", tmp_path / "new", PASSPHRASE, erasures=[register]
        ),
        NodeConfig,
    )
    new = tmp_path / "new"
    assert found_in_files(new, amy.markers + bob.markers) == {}
    for path in new.iterdir():
        data = path.read_bytes()
        assert not any(key in data for key in erased_keys), path.name
    app = CoopNode(restored.coop_id, restored.store_env())
    try:
        assert app.member(amy.member).name == ERASED
        assert app.care_plan(amy.plan).goals == [ERASED]
        assert app.incident(amy.incident).description == ERASED
        assert app.member(bob.member).name == "ZQXBOBNAME"
        assert app.care_plan(bob.plan).goals == ["ZQXBOBGOAL"]
        assert app.visit(bob.visit).address == "ZQXBOBVISITAT"
    finally:
        app.close()
    # The restored folder keeps the register: the node applies it at each start.
    assert read_destroyed(new / ERASURE_FILE) == read_destroyed(register)
