"""A hub with per-co-op credentials, as production runs it: nkey users in an included
users file written from the consortium registry, reloaded by SIGHUP and confirmed
on the hub's monitoring port."""

from dataclasses import dataclass
from pathlib import Path

from federation.broker import NatsServer, free_port
from federation.config import BrokerAuthConfig, ConsortiumConfig
from federation.credentials import (
    CONSORTIUM_INBOX,
    new_user_seed,
    node_broker_config,
    public_key,
    render_users,
    sync_broker_users,
    write_users,
)
from federation.registry import ConsortiumRegistry
from toolkit.config import BrokerConfig, StoreConfig, write_config

HUB_CONFIG = """server_name: commonweal
pid_file: "PID_FILE"
http: "127.0.0.1:MONITOR_PORT"
leafnodes { listen: "127.0.0.1:LEAF_PORT" }
include users.conf
"""


@dataclass
class SecuredHub:
    server: NatsServer
    consortium: ConsortiumConfig
    config_path: Path
    leaf_port: int

    def register(self, coop_id: str, name: str | None = None) -> BrokerConfig:
        """Register a co-op with fresh credentials; the broker takes them at once."""
        seed = new_user_seed()
        registry = ConsortiumRegistry(self.consortium.registry_env())
        try:
            registry.register(
                coop_id, name or f"{coop_id.title()} Care", public_key=public_key(seed)
            )
            sync_broker_users(self.consortium, registry)
        finally:
            registry.close()
        return node_broker_config(coop_id, [self.server.url], seed)


def start_secured_hub(base: Path) -> SecuredHub:
    """Start a hub whose users come from the registry at ``base/registry.db``,
    with a leaf port for co-ops' own brokers."""
    broker_dir = base / "broker"
    monitor_port, leaf_port = free_port(), free_port()
    server = NatsServer(
        broker_dir,
        # nats-server resolves pid_file from its working directory: ours is
        # where the tests run, so the test names the absolute path it reads.
        config=HUB_CONFIG.replace("PID_FILE", str(broker_dir / "nats.pid"))
        .replace("MONITOR_PORT", str(monitor_port))
        .replace("LEAF_PORT", str(leaf_port)),
    )
    seed = new_user_seed()
    consortium = ConsortiumConfig(
        store=StoreConfig(path=str(base / "consortium.db")),
        registry=StoreConfig(path=str(base / "registry.db")),
        broker=BrokerConfig(
            servers=[server.url], nkey_seed=seed, inbox_prefix=CONSORTIUM_INBOX
        ),
        auth=BrokerAuthConfig(
            users_file=str(broker_dir / "users.conf"),
            pid_file=str(broker_dir / "nats.pid"),
            monitor_url=f"http://127.0.0.1:{monitor_port}",
        ),
    )
    write_users(broker_dir / "users.conf", render_users(public_key(seed), {}))
    server.start()
    config_path = base / "consortium.toml"
    write_config(config_path, consortium)
    return SecuredHub(server, consortium, config_path, leaf_port)
