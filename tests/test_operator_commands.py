"""The operator's commands, run as separate processes through the installed console
script: broker run's lifetime and its port, consortium init's files, the registry
actions' words, node init's folder, and where configs resolve relative paths."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import pytest

from federation.broker import free_port
from federation.config import ConsortiumConfig
from federation.credentials import public_key
from toolkit.config import ConfigError, StoreConfig, load_config, write_config

COMMONWEAL = str(Path(sys.executable).parent / "commonweal")


def commonweal(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMONWEAL, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def start_broker(cwd: Path, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [COMMONWEAL, "broker", "run", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert "listening" in process.stdout.readline()
    return process


def children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_broker_run_stops_its_nats_server_when_signalled(
    tmp_path: Path, sig: signal.Signals
) -> None:
    port = free_port()
    broker = start_broker(tmp_path, "--port", str(port), "--store-dir", "broker")
    (nats_server,) = children(broker.pid)
    assert "nats-server" in Path(f"/proc/{nats_server}/cmdline").read_text()

    broker.send_signal(sig)
    assert broker.wait(timeout=15) == 0
    deadline = time.monotonic() + 5
    while not gone(nats_server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(nats_server)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_broker_run_refuses_a_port_another_process_holds(tmp_path: Path) -> None:
    port = free_port()
    first = start_broker(tmp_path, "--port", str(port), "--store-dir", "first")
    try:
        second = commonweal(
            "broker", "run", "--port", str(port), "--store-dir", "second", cwd=tmp_path
        )
        assert second.returncode == 1
        assert f"127.0.0.1:{port} is in use by another process" in second.stderr
        assert "listening" not in second.stdout
        assert first.poll() is None  # the broker that holds the port carries on
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=15)


def test_consortium_init_and_the_registry_actions(tmp_path: Path) -> None:
    port = free_port()
    init = commonweal(
        "consortium", "init", "--dir", "hub", "--broker", f"nats://127.0.0.1:{port}",
        cwd=tmp_path,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    hub = tmp_path / "hub"
    assert hub.stat().st_mode & 0o777 == 0o700
    assert {p.name: p.stat().st_mode & 0o777 for p in hub.iterdir()} == {
        "consortium.toml": 0o600, "users.conf": 0o600, "hub.conf": 0o600,
    }  # fmt: skip
    config = load_config(hub / "consortium.toml", ConsortiumConfig)
    assert config.broker.nkey_seed.startswith("SU")
    assert public_key(config.broker.nkey_seed) in (hub / "users.conf").read_text()
    again = commonweal("consortium", "init", "--dir", "hub", cwd=tmp_path)
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr

    broker = start_broker(
        tmp_path, "--config", "hub/hub.conf", "--store-dir", "hub/broker",
        "--port", str(port),
    )  # fmt: skip
    try:
        node = commonweal(
            "node", "init", "--config", "alpha/node.toml", "--coop-id", "alpha",
            "--name", "Alpha Care", "--broker", f"nats://127.0.0.1:{port}",
            cwd=tmp_path,
        )  # fmt: skip
        assert node.returncode == 0, node.stderr
        register = commonweal(
            "consortium", "register", "--config", "hub/consortium.toml",
            "--node-config", "alpha/node.toml", cwd=tmp_path,
        )  # fmt: skip
        assert register.returncode == 0, register.stderr
        key = register.stdout.split()[-1]
        assert key in (hub / "users.conf").read_text()

        said = {}
        for action, extra in (
            ("suspend", ["--reason", "unpaid fees"]),
            ("reinstate", []),
            ("revoke", []),
        ):
            run = commonweal(
                "consortium", action, "--config", "hub/consortium.toml",
                "--coop-id", "alpha", *extra, cwd=tmp_path,
            )  # fmt: skip
            assert run.returncode == 0, run.stderr
            said[action] = run.stdout.strip()
            listed = key in (hub / "users.conf").read_text()
            assert listed == (action == "reinstate")
        assert said == {
            "suspend": "alpha: suspended",
            "reinstate": "alpha: reinstated",
            "revoke": "alpha: revoked",
        }
    finally:
        broker.send_signal(signal.SIGTERM)
        assert broker.wait(timeout=15) == 0
    # The broker's pid file went where hub.conf says, not into the cwd.
    assert not (tmp_path / "nats.pid").exists()


def test_node_init_creates_the_folder_it_writes_into(tmp_path: Path) -> None:
    run = commonweal(
        "node", "init", "--config", "deep/alpha/node.toml", "--coop-id", "alpha",
        "--name", "Alpha Care", cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1].startswith("admin token: ")
    # The store, the key file its personal data is sealed with, the config.
    assert sorted(p.name for p in (tmp_path / "deep" / "alpha").iterdir()) == [
        "node.db", "node.db.keys.db", "node.toml",
    ]  # fmt: skip
    assert [p.name for p in tmp_path.iterdir()] == ["deep"]


def test_relative_paths_resolve_from_the_config_file_never_the_cwd(
    tmp_path: Path,
) -> None:
    in_code = ConsortiumConfig(store=StoreConfig(path=str(tmp_path / "c.db")))
    assert in_code.store_env()["SQLITE_DBNAME"] == str(tmp_path / "c.db")
    with pytest.raises(ConfigError, match=r"relative path 'registry\.db'"):
        in_code.registry_env()

    write_config(tmp_path / "conf" / "consortium.toml", in_code)
    assert b"base_dir" not in (tmp_path / "conf" / "consortium.toml").read_bytes()
    loaded = load_config(tmp_path / "conf" / "consortium.toml", ConsortiumConfig)
    assert loaded.registry_env()["SQLITE_DBNAME"] == str(
        tmp_path / "conf" / "registry.db"
    )
    # A base_dir in an older file is taken from the file's folder.
    old = msgspec.toml.encode({"base_dir": ".", "store": {"path": "old.db"}})
    (tmp_path / "conf" / "old.toml").write_bytes(old)
    older = load_config(tmp_path / "conf" / "old.toml", ConsortiumConfig)
    assert older.store_env()["SQLITE_DBNAME"] == str(tmp_path / "conf" / "old.db")
