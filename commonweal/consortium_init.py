"""``commonweal consortium init``: a new consortium's folder, with nothing made by
hand. It holds the consortium's config (with the consortium's own nkey seed, the
one secret here), the hub's first users file (the consortium's public key and no
co-op yet) and a hub config that includes it; ``commonweal consortium register``
and ``commonweal spinoff`` rewrite the users file from then on.

Files are 0600 in a 0700 folder: the seed lets its holder read every co-op's
shared stream.
"""

from pathlib import Path

from federation.config import BrokerAuthConfig, ConsortiumConfig
from federation.credentials import (
    CONSORTIUM_INBOX,
    new_user_seed,
    public_key,
    render_users,
    write_users,
)
from toolkit.config import (
    BrokerConfig,
    ConfigError,
    HttpConfig,
    StoreConfig,
    write_config,
)
from toolkit.private_files import write_private

CONFIG_FILE = "consortium.toml"
USERS_FILE = "users.conf"
HUB_FILE = "hub.conf"
PID_FILE = "nats.pid"


def init_consortium(
    folder: Path, *, servers: list[str], http_port: int, monitor_port: int = 8222
) -> Path:
    """Write the consortium's folder; returns the path of its config."""
    for name in (CONFIG_FILE, USERS_FILE, HUB_FILE):
        if (folder / name).exists():
            raise ConfigError(
                f"{folder / name} exists already; refusing to overwrite it"
            )
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    seed = new_user_seed()
    config = ConsortiumConfig(
        store=StoreConfig(path="consortium.db"),
        registry=StoreConfig(path="registry.db"),
        broker=BrokerConfig(
            servers=servers, nkey_seed=seed, inbox_prefix=CONSORTIUM_INBOX
        ),
        http=HttpConfig(port=http_port),
        auth=BrokerAuthConfig(
            users_file=USERS_FILE,
            pid_file=PID_FILE,
            monitor_url=f"http://127.0.0.1:{monitor_port}",
        ),
    )
    write_users(folder / USERS_FILE, render_users(public_key(seed), {}))
    write_private(folder / HUB_FILE, _hub_config(folder, monitor_port).encode())
    write_config(folder / CONFIG_FILE, config)
    return folder / CONFIG_FILE


def _hub_config(folder: Path, monitor_port: int) -> str:
    # nats-server resolves an include beside this file but a pid file from where
    # it runs, so the pid file is named in full: the consortium signals that pid
    # to reload the users file, and reads the monitoring port (on loopback only)
    # to confirm that the reload took.
    pid_file = str((folder / PID_FILE).absolute()).replace('"', '\\"')
    return (
        "# The hub's nats-server config, written by `commonweal consortium init`:\n"
        "#   commonweal broker run --config hub.conf --store-dir DIR --port PORT\n"
        "# adds the listen address and JetStream. The users are the registry's.\n"
        "server_name: hub\n"
        f'pid_file: "{pid_file}"\n'
        f'http: "127.0.0.1:{monitor_port}"\n'
        f"include {USERS_FILE}\n"
    )
