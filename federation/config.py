"""The consortium's config file (consortium.toml)."""

from pathlib import Path
from typing import Annotated

import msgspec
import nkeys

from federation.partitions import MAX_PARTITIONS, consumer_name
from schemas.envelope import COOP_ID_PATTERN
from toolkit.config import BrokerConfig, HttpConfig, StoreConfig, located
from toolkit.signing import Signer


class BrokerAuthConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where the hub reads its users from, and how to make it reload them.

    Empty ``users_file``: the broker is open (the embedded demo); otherwise every
    registry change rewrites it and signals the broker whose pid is in ``pid_file``,
    then confirms through the broker's monitoring endpoint ``monitor_url`` (its
    ``http:`` port, on loopback) that the broker applied it.
    """

    users_file: str = ""
    pid_file: str = ""
    monitor_url: str = ""


class UpwardConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """This consortium as a member of a federation of consortia: where the
    federation's broker is, the nkey this consortium signs with there (the
    federation's registry holds its public key), and the consortium's id at the
    federation. It shares its published report upward (federation.upward)."""

    member_id: Annotated[str, msgspec.Meta(pattern=COOP_ID_PATTERN)]
    broker: BrokerConfig
    # After new data is applied, wait this long for more before publishing.
    debounce_seconds: Annotated[float, msgspec.Meta(ge=0)] = 5.0
    # Publish (if the figures changed) at least this often, new data or not.
    interval_seconds: Annotated[float, msgspec.Meta(gt=0)] = 3600.0

    def __post_init__(self) -> None:
        try:
            Signer(self.broker.nkey_seed)
        except (ValueError, nkeys.NkeysError):
            raise ValueError(
                "[upward.broker] nkey_seed is not an nkey seed (SU...): give this "
                "consortium a seed of its own at the federation, made with "
                'python -c "from federation.credentials import new_user_seed; '
                'print(new_user_seed())"'
            ) from None


class ConsortiumConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str = "consortium"
    durable: str = "consortium"
    store: StoreConfig = msgspec.field(
        default_factory=lambda: StoreConfig(path="consortium.db")
    )
    # The registry of member co-ops: an event store of its own.
    registry: StoreConfig = msgspec.field(
        default_factory=lambda: StoreConfig(path="registry.db")
    )
    broker: BrokerConfig = msgspec.field(default_factory=BrokerConfig)
    http: HttpConfig = msgspec.field(default_factory=lambda: HttpConfig(port=8090))
    auth: BrokerAuthConfig = msgspec.field(default_factory=BrokerAuthConfig)
    # Copies of the federation stream kept by a JetStream cluster (3 in production).
    stream_replicas: Annotated[int, msgspec.Meta(ge=1, le=5)] = 1
    # A cap on the federation stream's disk; when full, nodes' publishes are refused
    # (and retried) rather than old, perhaps unread, messages dropped. 0: no cap.
    stream_max_bytes: Annotated[int, msgspec.Meta(ge=0)] = 0
    # Read only to refuse it: the federation stream no longer sources co-ops' leaf
    # brokers (federation.broker.ensure_federation_stream says why).
    leaf_domains: list[str] = msgspec.field(default_factory=list)
    # A registered co-op with no envelope applied for this long is listed as
    # silent on the dashboard (federation.activity).
    silent_after_seconds: Annotated[float, msgspec.Meta(ge=0)] = 86400.0
    # Aggregator processes sharing the co-ops (federation.partitions), each run
    # with its own ``partition`` (0 to partitions - 1; `commonweal consortium run
    # --partition K`); more than one needs a PostgreSQL store they all write.
    partitions: Annotated[int, msgspec.Meta(ge=1, le=MAX_PARTITIONS)] = 1
    partition: Annotated[int, msgspec.Meta(ge=0)] = 0
    # The seed of the key the consortium signs its statements with (mirrors,
    # attestations): federation.statement_key; made on first use.
    statement_key_file: str = "statement.seed"
    # The broker URLs written into new nodes' configs; the consortium's own when empty.
    node_servers: list[str] = msgspec.field(default_factory=list)
    # Membership of a federation of consortia; None: this consortium shares
    # nothing upward.
    upward: UpwardConfig | None = None
    # Where relative paths are resolved: the config file's folder, set when loaded
    # (toolkit.config.load_config); empty in a config built in code.
    base_dir: str = ""

    def __post_init__(self) -> None:
        if self.leaf_domains:
            raise ValueError(
                "leaf_domains is no longer used: a co-op's leaf broker forwards its "
                "node's publishes with the co-op's own nkey (deploy/nats/leaf.conf); "
                "remove leaf_domains from consortium.toml"
            )
        if self.upward is not None and set(self.upward.broker.servers) & set(
            self.broker.servers
        ):
            raise ValueError(
                "[upward.broker] servers must be the federation's broker, not this "
                "consortium's own: its co-ops' stream would take in its own reports"
            )
        if self.partition >= self.partitions:
            raise ValueError(
                f"partition {self.partition} does not exist: partitions are "
                f"numbered 0 to {self.partitions - 1}"
            )
        if self.partitions > 1 and self.store.kind != "postgres":
            raise ValueError(
                "partitions > 1 needs a PostgreSQL store that every aggregator "
                'process writes ([store] kind = "postgres")'
            )

    @property
    def consumer(self) -> str:
        """The durable consumer this process reads (its partition's)."""
        return consumer_name(self.durable, self.partition, self.partitions)

    def store_env(self) -> dict[str, str]:
        return self.store.env(self.base_dir)

    def registry_env(self) -> dict[str, str]:
        return self.registry.env(self.base_dir)

    def path(self, name: str) -> Path:
        """A path from the config, relative ones resolved from the config's folder."""
        return located(self.base_dir, name)
