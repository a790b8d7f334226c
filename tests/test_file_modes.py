"""Files holding secrets or personal data are 0600, in folders made 0700, whatever
the umask: run here with umask 0, under which everything would be world-readable
(and writable) if the code relied on defaults."""

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from commonweal.consortium_init import init_consortium
from federation.config import ConsortiumConfig
from federation.service import ConsortiumService
from toolkit.config import load_config


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_node_init_writes_a_private_folder_config_and_store(tmp_path: Path) -> None:
    config = tmp_path / "coops" / "alpha" / "node.toml"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "commonweal", "node", "init"),
            *("--config", str(config), "--coop-id", "alpha", "--name", "Alpha Care"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0),
    )
    assert done.returncode == 0, done.stderr
    assert mode(tmp_path / "coops") == 0o700
    assert mode(config.parent) == 0o700
    assert mode(config) == 0o600
    stores = list(config.parent.glob("node.db*"))
    assert stores, "node init founds the co-op in its store"
    for store in stores:  # the database, and its WAL and shared-memory files
        assert mode(store) == 0o600, store


async def test_consortium_files_and_stores_are_private(
    tmp_path: Path, open_umask: None
) -> None:
    folder = tmp_path / "hub"
    config_path = init_consortium(
        folder, servers=["nats://127.0.0.1:1"], http_port=8090
    )
    config = load_config(config_path, ConsortiumConfig)
    service = ConsortiumService(config)  # opens (creates) its store and registry
    try:
        service.registry.register("alpha", "Alpha Care", parent=None)
    finally:
        await service.stop()
    assert mode(folder) == 0o700
    files = [p for p in folder.iterdir() if p.is_file()]
    names = {p.name for p in files}
    assert {"consortium.toml", "users.conf", "consortium.db", "registry.db"} <= names
    for path in files:
        assert mode(path) == 0o600, path


def test_a_node_refuses_the_examples_published_secret() -> None:
    example = Path(__file__).parents[1] / "deploy" / "config" / "node.example.toml"
    done = subprocess.run(
        [sys.executable, "-m", "commonweal", "node", "run", "--config", str(example)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "secret is the example's" in done.stderr
    assert "Traceback" not in done.stderr
