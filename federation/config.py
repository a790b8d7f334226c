"""The consortium's config file (consortium.toml)."""

from pathlib import Path

import msgspec

from commonweal.config import BrokerConfig, HttpConfig, StoreConfig


class ConsortiumConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str = "consortium"
    durable: str = "consortium"
    store: StoreConfig = msgspec.field(
        default_factory=lambda: StoreConfig(path="consortium.db")
    )
    broker: BrokerConfig = msgspec.field(default_factory=BrokerConfig)
    http: HttpConfig = msgspec.field(default_factory=lambda: HttpConfig(port=8090))
    base_dir: str = "."

    def store_env(self) -> dict[str, str]:
        return self.store.env(Path(self.base_dir))
